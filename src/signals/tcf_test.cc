#include "privet/tcf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "privet/clock.h"
#include "signals/bits.h"
#include "testing/status_matchers.h"

namespace privet {
namespace {

using ::privet::testing::StatusIs;
using ::testing::HasSubstr;

// The example of the GPP specification's "GPP String Example 1", section 2 (a TC string written
// by CMP 31): no consents at all, publisher country DE.
constexpr std::string_view kSpecExample = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";

// The error message of a decode that must fail with InvalidArgument.
template <typename T>
std::string ErrorOf(const StatusOr<T>& result) {
  EXPECT_THAT(result, StatusIs(StatusCode::kInvalidArgument));
  return result.ok() ? "" : result.status().message();
}

Time Deciseconds(int64_t value) { return Time(std::chrono::milliseconds(value * 100)); }

TcString RichState() {
  TcString tc;
  tc.created = Deciseconds(16'500'000'000);
  tc.last_updated = Deciseconds(16'500'000'123);
  tc.cmp_id = 300;
  tc.cmp_version = 7;
  tc.consent_screen = 2;
  tc.consent_language = "FR";
  tc.vendor_list_version = 150;
  tc.tcf_policy_version = 5;
  tc.is_service_specific = true;
  tc.special_feature_optins.set(0);
  tc.purpose_consents.set(0).set(3).set(9);
  tc.purpose_legitimate_interests.set(1);
  tc.publisher_country_code = "DE";
  tc.vendor_consents = {1, 2, 3, 10, 755};
  tc.vendor_legitimate_interests = {2, 40000};
  tc.publisher_restrictions = {
      {.purpose_id = 2,
       .restriction_type = RestrictionType::kRequireConsent,
       .vendor_ids = {5, 6, 7, 9}},
      {.purpose_id = 7, .restriction_type = RestrictionType::kNotAllowed, .vendor_ids = {1}}};
  tc.disclosed_vendors = VendorSet{1, 2, 3, 10, 755, 40000};
  tc.publisher_tc = PublisherTc{.custom_purpose_consents = {true, false, true},
                                .custom_purpose_legitimate_interests = {false, false, true}};
  tc.publisher_tc->purpose_consents.set(0);
  return tc;
}

// The bits of a core segment up to (not including) the vendor consent section, all zero but
// for version 2 and the two letter fields.
signals::BitWriter CoreUpToVendors() {
  signals::BitWriter writer;
  writer.Write(2, 6);        // version
  writer.Write(0, 36 + 36);  // created, last updated
  writer.Write(0, 12 + 12 + 6);
  writer.Write(0, 12);  // "AA"
  writer.Write(0, 12 + 6 + 1 + 1 + 12 + 24 + 24 + 1);
  writer.Write(0, 12);  // "AA"
  return writer;
}

std::string Text(const signals::BitWriter& writer) {
  std::string out;
  writer.AppendBase64Url(signals::Padding::kTraditional, out);
  return out;
}

TEST(VendorSet, HoldsIdsOneToMaxVendorIdAsASet) {
  VendorSet set = {755, 2, 1, 2};
  EXPECT_TRUE(set.insert_range(700, 760));  // merges with 755
  EXPECT_TRUE(set.insert_range(3, 3));      // joins 1-2
  EXPECT_EQ(set.runs(), (std::vector<VendorSet::Run>{{1, 3}, {700, 760}}));
  set = {755, 2, 1, 2};
  EXPECT_FALSE(set.insert(0));
  EXPECT_FALSE(set.insert(kMaxVendorId + 1));
  EXPECT_FALSE(set.insert_range(10, 9));
  EXPECT_TRUE(set.insert_range(60, 130));  // across three words
  EXPECT_TRUE(set.insert(kMaxVendorId));
  EXPECT_TRUE(set.contains(1) && set.contains(2) && set.contains(755) &&
              set.contains(kMaxVendorId));
  EXPECT_TRUE(set.contains(60) && set.contains(64) && set.contains(65) && set.contains(130));
  EXPECT_FALSE(set.contains(0) || set.contains(3) || set.contains(59) || set.contains(131));
  EXPECT_EQ(set.size(), 3U + 71U + 1U);
  EXPECT_EQ(set.max_id(), kMaxVendorId);
  EXPECT_EQ(set.runs(), (std::vector<VendorSet::Run>{
                            {1, 2}, {60, 130}, {755, 755}, {kMaxVendorId, kMaxVendorId}}));
  EXPECT_EQ(set.ids().size(), set.size());
  EXPECT_EQ(set.ids().front(), 1);
  EXPECT_EQ(set.ids().back(), kMaxVendorId);
}

TEST(VendorSet, EqualSetsCompareEqualWhateverTheirWords) {
  VendorSet from_bits;
  from_bits.assign_bits({uint64_t{3} << 62, 0, uint64_t{1} << 63});  // ids 1, 2 and 129
  EXPECT_EQ(from_bits, (VendorSet{129, 2, 1}));
  EXPECT_NE(from_bits, (VendorSet{1, 2}));
  EXPECT_TRUE(from_bits.insert_range(3, 70));
  VendorSet from_runs = {129};
  from_runs.insert_range(1, 70);
  EXPECT_EQ(from_bits, from_runs);
  EXPECT_EQ(from_runs.runs(), (std::vector<VendorSet::Run>{{1, 70}, {129, 129}}));
  EXPECT_EQ(from_bits.max_id(), 129);
  VendorSet empty;
  empty.assign_bits({0, 0});
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty, VendorSet{});
  EXPECT_EQ(empty.max_id(), 0);
  VendorSet full;
  full.assign_bits(std::vector<uint64_t>(2000, ~uint64_t{0}));  // bits past id 65535 dropped
  EXPECT_EQ(full.size(), static_cast<std::size_t>(kMaxVendorId));
  EXPECT_EQ(full.runs(), (std::vector<VendorSet::Run>{{1, kMaxVendorId}}));
}

TEST(TcfDecode, SpecExampleFieldByField) {
  StatusOr<TcString> tc = DecodeTcString(kSpecExample);
  ASSERT_TRUE(tc.ok()) << tc.status().ToString();
  EXPECT_EQ(tc->version, 2);
  // 2022-04-20T22:00:00Z
  EXPECT_EQ(tc->created, Time(std::chrono::seconds(1650492000)));
  EXPECT_EQ(tc->last_updated, Time(std::chrono::seconds(1650492000)));
  EXPECT_EQ(tc->cmp_id, 31);
  EXPECT_EQ(tc->cmp_version, 640);
  EXPECT_EQ(tc->consent_screen, 1);
  EXPECT_EQ(tc->consent_language, "EN");
  EXPECT_EQ(tc->vendor_list_version, 126);
  EXPECT_EQ(tc->tcf_policy_version, 2);
  EXPECT_TRUE(tc->is_service_specific);
  EXPECT_FALSE(tc->use_non_standard_texts);
  EXPECT_TRUE(tc->special_feature_optins.none());
  EXPECT_TRUE(tc->purpose_consents.none());
  EXPECT_TRUE(tc->purpose_legitimate_interests.none());
  EXPECT_FALSE(tc->purpose_one_treatment);
  EXPECT_EQ(tc->publisher_country_code, "DE");
  EXPECT_TRUE(tc->vendor_consents.empty());
  EXPECT_TRUE(tc->vendor_legitimate_interests.empty());
  EXPECT_TRUE(tc->publisher_restrictions.empty());
  EXPECT_FALSE(tc->disclosed_vendors.has_value());
  EXPECT_FALSE(tc->publisher_tc.has_value());
  EXPECT_EQ(*EncodeTcString(*tc), kSpecExample);
}

TEST(TcfRoundTrip, EveryFieldAndSegment) {
  const TcString tc = RichState();
  StatusOr<std::string> text = EncodeTcString(tc);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(std::count(text->begin(), text->end(), '.'), 2);
  StatusOr<TcString> back = DecodeTcString(*text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tc);
  EXPECT_EQ(*EncodeTcString(*back), *text);
}

TEST(TcfRoundTrip, ManyVendorsEitherEncoding) {
  TcString tc;
  for (int id = 1; id <= 65535; id += 2) tc.vendor_consents.insert(id);  // a bit field
  tc.vendor_legitimate_interests = {1, 65535};                           // two ranges
  tc.disclosed_vendors = VendorSet{};
  StatusOr<std::string> text = EncodeTcString(tc);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  StatusOr<TcString> back = DecodeTcString(*text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tc);
}

TEST(TcfDecode, RefusesBadBase64WithItsPosition) {
  EXPECT_THAT(ErrorOf(DecodeTcString("CPXxRf*PXxRf")),
              HasSubstr("not a base64url character at character 6"));
  EXPECT_THAT(ErrorOf(DecodeTcString("")), HasSubstr("empty"));
  EXPECT_THAT(ErrorOf(DecodeTcString(std::string(kSpecExample) + ".")), HasSubstr("empty"));
}

TEST(TcfDecode, RefusesATruncatedStringNamingTheField) {
  EXPECT_THAT(ErrorOf(DecodeTcString(kSpecExample.substr(0, 20))),
              HasSubstr("truncated at bit 120 (core segment: vendor list version)"));
  EXPECT_THAT(ErrorOf(DecodeTcString("CP")), HasSubstr("(core segment: created)"));
}

TEST(TcfDecode, RefusesOtherVersions) {
  // "BO...": version 1.
  EXPECT_THAT(ErrorOf(DecodeTcString("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA")),
              HasSubstr("version 1 is not 2 at bit 0"));
}

TEST(TcfDecode, RefusesARangeThatEndsBeforeItStarts) {
  signals::BitWriter writer = CoreUpToVendors();
  writer.Write(100, 16);   // MaxVendorId
  writer.WriteBool(true);  // ranges
  writer.Write(3, 12);     // entries
  writer.Write(0, 1);
  writer.Write(4, 16);  // 4
  writer.Write(0, 1);
  writer.Write(8, 16);  // 8
  writer.Write(1, 1);
  writer.Write(50, 16);  // 50-40
  writer.Write(40, 16);
  EXPECT_THAT(ErrorOf(DecodeTcString(Text(writer))),
              HasSubstr("range end 40 below its start 50 at bit 276 (core segment: vendor "
                        "consents: range entry 3)"));
}

// A TC string whose vendor consents are ranges under MaxVendorId 10 with the one id `id`.
std::string OneVendorUnderTen(int id) {
  signals::BitWriter writer = CoreUpToVendors();
  writer.Write(10, 16);
  writer.WriteBool(true);
  writer.Write(1, 12);
  writer.Write(0, 1);
  writer.Write(static_cast<uint64_t>(id), 16);
  writer.Write(0, 17 + 12);  // no legitimate interests, no restrictions
  return Text(writer);
}

TEST(TcfDecode, RefusesIdsAboveMaxVendorIdAndIdZero) {
  EXPECT_TRUE(DecodeTcString(OneVendorUnderTen(10)).ok());
  EXPECT_THAT(ErrorOf(DecodeTcString(OneVendorUnderTen(11))), HasSubstr("above MaxVendorId 10"));
  EXPECT_THAT(ErrorOf(DecodeTcString(OneVendorUnderTen(0))), HasSubstr("vendor id 0"));
}

TEST(TcfDecode, RefusesABitFieldLongerThanTheString) {
  signals::BitWriter writer = CoreUpToVendors();
  writer.Write(65535, 16);  // MaxVendorId
  writer.WriteBool(false);  // a bit field: needs 65535 bits
  writer.Write(0, 100);
  EXPECT_THAT(ErrorOf(DecodeTcString(Text(writer))),
              HasSubstr("truncated bit field of MaxVendorId 65535 bits at bit 230"));
}

TEST(TcfDecode, RefusesHugeCountsQuickly) {
  signals::BitWriter writer = CoreUpToVendors();
  writer.Write(65535, 16);
  writer.WriteBool(true);
  writer.Write(4095, 12);  // 4095 entries announced, one present
  writer.Write(1, 1);
  writer.Write(1, 16);
  writer.Write(65535, 16);
  EXPECT_THAT(ErrorOf(DecodeTcString(Text(writer))),
              HasSubstr("(core segment: vendor consents: range entry 2)"));
  EXPECT_THAT(ErrorOf(DecodeTcString(std::string(kMaxTcStringLength + 1, 'A'))),
              HasSubstr("longer than"));
}

TEST(TcfDecode, RefusesUnknownAndRepeatedSegments) {
  const std::string core(kSpecExample);
  EXPECT_THAT(ErrorOf(DecodeTcString(core + ".QAAA")), HasSubstr("AllowedVendors"));
  EXPECT_THAT(ErrorOf(DecodeTcString(core + ".gAAA")), HasSubstr("unknown segment type"));
  EXPECT_THAT(ErrorOf(DecodeTcString(core + ".IAAA.IAAA")),
              HasSubstr("repeated segment at bit 0 (segment 2: segment type)"));
  EXPECT_THAT(ErrorOf(DecodeTcString(core + "." + core)), HasSubstr("a second core segment"));
}

TEST(TcfDecode, RefusesALetterOutsideAToZ) {
  signals::BitWriter writer;
  writer.Write(2, 6);
  writer.Write(0, 36 + 36 + 12 + 12 + 6);
  writer.Write(30, 6);  // not a letter
  writer.Write(0, 400);
  EXPECT_THAT(ErrorOf(DecodeTcString(Text(writer))),
              HasSubstr("not a letter A-Z at bit 108 (core segment: consent language)"));
}

TEST(TcfEncode, RefusesFieldsThatDoNotFit) {
  TcString tc;
  tc.cmp_id = 5000;
  EXPECT_THAT(ErrorOf(EncodeTcString(tc)), HasSubstr("cmp id 5000 does not fit 12 bits"));
  tc = TcString{};
  tc.consent_language = "e1";
  EXPECT_THAT(ErrorOf(EncodeTcString(tc)), HasSubstr("two letters"));
  tc = TcString{};
  tc.publisher_tc = PublisherTc{.custom_purpose_consents = {true}};
  EXPECT_THAT(ErrorOf(EncodeTcString(tc)), HasSubstr("same size"));
  tc = TcString{};
  tc.created = Time(std::chrono::seconds(-1));
  EXPECT_THAT(ErrorOf(EncodeTcString(tc)), HasSubstr("created outside"));
}

TEST(TcfEncode, RoundsTimesToTheNearestDecisecond) {
  TcString tc;
  tc.created = Time(std::chrono::milliseconds(1049));
  tc.last_updated = Time(std::chrono::milliseconds(1050));
  StatusOr<TcString> back = DecodeTcString(*EncodeTcString(tc));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->created, Time(std::chrono::milliseconds(1000)));
  EXPECT_EQ(back->last_updated, Time(std::chrono::milliseconds(1100)));
}

}  // namespace
}  // namespace privet
