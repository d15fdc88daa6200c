#include "privet/gpp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signals/bits.h"
#include "testing/status_matchers.h"

namespace privet {
namespace {

using ::privet::testing::StatusIs;
using ::testing::HasSubstr;

template <typename T>
std::string ErrorOf(const StatusOr<T>& result) {
  EXPECT_THAT(result, StatusIs(StatusCode::kInvalidArgument));
  return result.ok() ? "" : result.status().message();
}

// The GPP specification's "GPP String Example 1" (EU TCF v2) and "Example 2" (EU TCF v2 and US
// Privacy, section 6, which privet passes through).
constexpr std::string_view kSpecExample1 = "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
constexpr std::string_view kSpecExample2 =
    "DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN";
// The US National specification's example (version 1, with a GPC segment), and a California one.
constexpr std::string_view kUsNatExample = "DBABLA~BVQqAAAAAgA.QA";
constexpr std::string_view kUsCaExample = "DBABBg~BUoAAABg.Q";

TEST(GppDecode, SpecExamplesSectionBySection) {
  StatusOr<GppString> one = DecodeGppString(kSpecExample1);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(one->tcf_eu.has_value());
  EXPECT_EQ(one->tcf_eu->cmp_id, 31);
  EXPECT_EQ(one->tcf_eu->cmp_version, 640);
  EXPECT_EQ(one->tcf_eu->publisher_country_code, "DE");
  EXPECT_FALSE(one->us_nat.has_value());

  StatusOr<GppString> two = DecodeGppString(kSpecExample2);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->tcf_eu, one->tcf_eu);
  EXPECT_EQ(two->other_sections, (std::map<int, std::string>{{6, "1YNN"}}));
}

TEST(GppDecode, UsNationalExampleFieldByField) {
  StatusOr<GppString> gpp = DecodeGppString(kUsNatExample);
  ASSERT_TRUE(gpp.ok()) << gpp.status().ToString();
  ASSERT_TRUE(gpp->us_nat.has_value());
  const UsSection& nat = *gpp->us_nat;
  EXPECT_EQ(nat.version, 1);
  EXPECT_EQ(nat.sharing_notice, 1);
  EXPECT_EQ(nat.sale_opt_out_notice, 1);
  EXPECT_EQ(nat.sharing_opt_out_notice, 1);
  EXPECT_EQ(nat.targeted_advertising_opt_out_notice, 1);
  EXPECT_EQ(nat.sensitive_data_processing_opt_out_notice, 0);
  EXPECT_EQ(nat.sensitive_data_limit_use_notice, 0);
  EXPECT_EQ(nat.sale_opt_out, 2);
  EXPECT_EQ(nat.sharing_opt_out, 2);
  EXPECT_EQ(nat.targeted_advertising_opt_out, 2);
  EXPECT_EQ(nat.sensitive_data_processing, std::vector<int>(12, 0));
  EXPECT_EQ(nat.known_child_sensitive_data_consents, std::vector<int>(2, 0));
  EXPECT_EQ(nat.personal_data_consents, 0);
  EXPECT_EQ(nat.mspa_covered_transaction, 2);
  EXPECT_EQ(nat.mspa_opt_out_option_mode, 0);
  EXPECT_EQ(nat.mspa_service_provider_mode, 0);
  EXPECT_EQ(nat.gpc, false);
  EXPECT_EQ(*EncodeGppString(*gpp), kUsNatExample);
}

TEST(GppDecode, CaliforniaExampleFieldByField) {
  StatusOr<GppString> gpp = DecodeGppString(kUsCaExample);
  ASSERT_TRUE(gpp.ok()) << gpp.status().ToString();
  ASSERT_TRUE(gpp->us_ca.has_value());
  const UsSection& ca = *gpp->us_ca;
  EXPECT_EQ(ca.sale_opt_out_notice, 1);
  EXPECT_EQ(ca.sharing_opt_out_notice, 1);
  EXPECT_EQ(ca.sale_opt_out, 2);
  EXPECT_EQ(ca.sharing_opt_out, 2);
  EXPECT_EQ(ca.sensitive_data_processing, std::vector<int>(9, 0));
  EXPECT_EQ(ca.known_child_sensitive_data_consents, std::vector<int>(2, 0));
  EXPECT_EQ(ca.mspa_covered_transaction, 1);
  EXPECT_EQ(ca.mspa_opt_out_option_mode, 2);
  EXPECT_EQ(ca.gpc, false);
  // The reference encoder pads the GPC segment to whole bytes: "Q" is written back as "QA".
  EXPECT_EQ(*EncodeGppString(*gpp), "DBABBg~BUoAAABg.QA");
}

GppString EverySection() {
  GppString gpp;
  gpp.tcf_eu = TcString{};
  gpp.tcf_eu->vendor_consents = {1, 2, 3, 500};
  UsSection nat{.version = 2, .sale_opt_out = 1, .gpc = true};
  nat.sensitive_data_processing.assign(16, 2);
  nat.known_child_sensitive_data_consents.assign(3, 0);
  gpp.us_nat = nat;
  UsSection ca{.sharing_opt_out = 1};
  ca.sensitive_data_processing.assign(9, 0);
  ca.known_child_sensitive_data_consents.assign(2, 0);
  gpp.us_ca = ca;
  for (auto [member, sensitive, child] :
       {std::tuple{&GppString::us_va, 8, 1}, std::tuple{&GppString::us_co, 7, 1},
        std::tuple{&GppString::us_ut, 8, 1}, std::tuple{&GppString::us_ct, 8, 3}}) {
    UsSection state{.targeted_advertising_opt_out = 2};
    state.sensitive_data_processing.assign(static_cast<std::size_t>(sensitive), 2);
    state.known_child_sensitive_data_consents.assign(static_cast<std::size_t>(child), 1);
    gpp.*member = state;
  }
  gpp.us_ut->sensitive_data_processing[3] = 1;
  gpp.other_sections[6] = "1YNN";
  return gpp;
}

TEST(GppRoundTrip, EverySection) {
  GppString gpp = EverySection();
  StatusOr<std::string> text = EncodeGppString(gpp);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  StatusOr<GppString> back = DecodeGppString(*text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  // GPP's TCF section always carries its DisclosedVendors and Publisher TC segments.
  gpp.tcf_eu->disclosed_vendors = VendorSet{};
  gpp.tcf_eu->publisher_tc = PublisherTc{};
  EXPECT_EQ(*back, gpp);
  EXPECT_EQ(*EncodeGppString(*back), *text);
  EXPECT_EQ(*EncodeGppString(GppString{}), "DBAA");
}

TEST(GppOptOuts, AnySectionCounts) {
  const GppOptOuts none = OptOutsOf(DecodeGppString(kUsNatExample).value());
  EXPECT_FALSE(none.sale || none.sharing || none.targeted_advertising || none.sensitive_data ||
               none.gpc);
  const GppOptOuts all = OptOutsOf(EverySection());
  EXPECT_TRUE(all.sale);                   // us_nat
  EXPECT_TRUE(all.sharing);                // us_ca
  EXPECT_FALSE(all.targeted_advertising);  // 2 everywhere: did not opt out
  EXPECT_TRUE(all.sensitive_data);         // us_ut category 4
  EXPECT_TRUE(all.gpc);                    // us_nat's GPC segment
}

TEST(GppDecode, RefusesAMalformedHeader) {
  EXPECT_THAT(ErrorOf(DecodeGppString("")), HasSubstr("empty header"));
  EXPECT_THAT(ErrorOf(DecodeGppString("D*ABMA~CPXx")), HasSubstr("at character 1 (header)"));
  EXPECT_THAT(ErrorOf(DecodeGppString("CBABMA~CPXx")), HasSubstr("type 2 is not 3 at bit 0"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DCABMA~CPXx")), HasSubstr("version 2 is not 1 at bit 6"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBAB")), HasSubstr("(header: section ids: entry 1)"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABMA")), HasSubstr("more section ids than sections"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBAA~BVQqAAAAAgA")), HasSubstr("lists 0 sections"));
  EXPECT_THAT(ErrorOf(DecodeGppString(std::string(kMaxGppStringLength + 1, 'D'))),
              HasSubstr("longer than"));
}

TEST(GppDecode, RefusesAFibonacciCodeWithoutEnd) {
  signals::BitWriter writer;
  writer.Write(3, 6);
  writer.Write(1, 6);
  writer.Write(1, 12);
  writer.WriteBool(false);
  writer.Write(0x5555, 16);  // 0101...: never "11"
  writer.Write(0x5555, 16);
  std::string text;
  writer.AppendBase64Url(signals::Padding::kCompressed, text);
  EXPECT_THAT(ErrorOf(DecodeGppString(text + "~A")),
              HasSubstr("Fibonacci code too long at bit 25 (header: section ids: entry 1)"));
}

TEST(GppDecode, RefusesMalformedSectionsNamingThem) {
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~BVQq")),
              HasSubstr("truncated at bit 24 (section 7 (usnat) core segment: sensitive data "
                        "processing: entry 1)"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~BVQq_AAAAgA")), HasSubstr("value 3 is not defined"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~DVQqAAAAAgA")), HasSubstr("version 3 not supported"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~BVQqAAAAAgA.gA")),
              HasSubstr("segment type 2 is not 1"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~BVQqAAAAAgA.QA.QA")),
              HasSubstr("unexpected segment at character 19"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~BVQqAAAAAgA.")), HasSubstr("empty"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABLA~")), HasSubstr("empty"));
  EXPECT_THAT(ErrorOf(DecodeGppString("DBABMA~CPXxRfAPXxRfAAfKABENB")),
              HasSubstr("section 2 (tcfeuv2) core segment"));
  std::string bad_usp(kSpecExample2);
  bad_usp.replace(bad_usp.size() - 2, 1, "!");
  EXPECT_THAT(ErrorOf(DecodeGppString(bad_usp)),
              HasSubstr("section 6 is empty or not base64url at character 53"));
}

TEST(GppDecode, RefusesAGpcSegmentWhereTheSectionHasNone) {
  GppString gpp;
  gpp.us_va = UsSection{};
  gpp.us_va->sensitive_data_processing.assign(8, 0);
  gpp.us_va->known_child_sensitive_data_consents.assign(1, 0);
  const std::string text = EncodeGppString(gpp).value();
  EXPECT_THAT(ErrorOf(DecodeGppString(text + ".QA")), HasSubstr("section 9 (usva): unexpected"));
}

TEST(GppEncode, RefusesValuesOutsideTheirSection) {
  GppString gpp;
  gpp.us_ca = UsSection{.targeted_advertising_opt_out = 1};
  gpp.us_ca->sensitive_data_processing.assign(9, 0);
  gpp.us_ca->known_child_sensitive_data_consents.assign(2, 0);
  EXPECT_THAT(ErrorOf(EncodeGppString(gpp)), HasSubstr("has no field targeted advertising"));
  gpp.us_ca->targeted_advertising_opt_out = 0;
  gpp.us_ca->sale_opt_out = 3;
  EXPECT_THAT(ErrorOf(EncodeGppString(gpp)), HasSubstr("outside 0..2"));
  gpp.us_ca->sale_opt_out = 0;
  gpp.us_ca->sensitive_data_processing.pop_back();
  EXPECT_THAT(ErrorOf(EncodeGppString(gpp)), HasSubstr("needs 9 values, has 8"));

  GppString utah;
  utah.us_ut = UsSection{.gpc = true};
  utah.us_ut->sensitive_data_processing.assign(8, 0);
  utah.us_ut->known_child_sensitive_data_consents.assign(1, 0);
  EXPECT_THAT(ErrorOf(EncodeGppString(utah)), HasSubstr("has no GPC segment"));

  GppString other;
  other.other_sections[7] = "BVQqAAAAAgA";
  EXPECT_THAT(ErrorOf(EncodeGppString(other)), HasSubstr("other section id 7"));

  GppString global_tc;
  global_tc.tcf_eu = TcString{.is_service_specific = false};
  EXPECT_THAT(ErrorOf(EncodeGppString(global_tc)), HasSubstr("service specific"));
}

}  // namespace
}  // namespace privet
