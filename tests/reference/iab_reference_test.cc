// The reference differential test: privet's TCF and GPP codecs against the IAB's own encoders.
//
//   scripts/iab-reference.sh 10000          (ctest: iab_reference, label `reference`)
//   scripts/iab-reference.sh 1000000 7      (the long run, seed 7)
//
// Reads the JSON lines of tools/iab-reference/generate.js from stdin: a random consent state and
// the string @iabtechlabtcf/core or @iabgpp/cmpapi encoded for it. For every line it checks that
//  1. privet decodes the string to exactly the state (every field; the state is what the JS
//     library itself decodes from the string),
//  2. privet encodes that state to the same bytes, and
//  3. privet re-encodes its own decoding to the same bytes.
// Prints the first few failures with the differing fields, then a summary; exits non-zero on any
// failure, or when no line was read.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "nlohmann/json.hpp"
#include "privet/gpp.h"
#include "privet/tcf.h"

namespace {

using nlohmann::json;

template <std::size_t N>
json BitsetIds(const std::bitset<N>& bits) {
  json ids = json::array();
  for (std::size_t i = 0; i < N; ++i) {
    if (bits[i]) ids.push_back(i + 1);
  }
  return ids;
}

template <std::size_t N>
std::bitset<N> BitsetFromIds(const json& ids) {
  std::bitset<N> bits;
  for (const json& id : ids) bits.set(id.get<std::size_t>() - 1);
  return bits;
}

int64_t Deciseconds(privet::Time time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() /
         100;
}

privet::Time FromDeciseconds(int64_t deciseconds) {
  return privet::Time(std::chrono::milliseconds(deciseconds * 100));
}

json ToJson(const privet::TcString& tc) {
  json restrictions = json::array();
  for (const privet::PublisherRestriction& r : tc.publisher_restrictions) {
    restrictions.push_back({{"purpose_id", r.purpose_id},
                            {"restriction_type", static_cast<int>(r.restriction_type)},
                            {"vendor_ids", r.vendor_ids.ids()}});
  }
  json publisher = nullptr;
  if (tc.publisher_tc) {
    publisher = {
        {"purpose_consents", BitsetIds(tc.publisher_tc->purpose_consents)},
        {"purpose_legitimate_interests", BitsetIds(tc.publisher_tc->purpose_legitimate_interests)},
        {"custom_purpose_consents", tc.publisher_tc->custom_purpose_consents},
        {"custom_purpose_legitimate_interests",
         tc.publisher_tc->custom_purpose_legitimate_interests}};
  }
  return {{"version", tc.version},
          {"created", Deciseconds(tc.created)},
          {"last_updated", Deciseconds(tc.last_updated)},
          {"cmp_id", tc.cmp_id},
          {"cmp_version", tc.cmp_version},
          {"consent_screen", tc.consent_screen},
          {"consent_language", tc.consent_language},
          {"vendor_list_version", tc.vendor_list_version},
          {"tcf_policy_version", tc.tcf_policy_version},
          {"is_service_specific", tc.is_service_specific},
          {"use_non_standard_texts", tc.use_non_standard_texts},
          {"special_feature_optins", BitsetIds(tc.special_feature_optins)},
          {"purpose_consents", BitsetIds(tc.purpose_consents)},
          {"purpose_legitimate_interests", BitsetIds(tc.purpose_legitimate_interests)},
          {"purpose_one_treatment", tc.purpose_one_treatment},
          {"publisher_country_code", tc.publisher_country_code},
          {"vendor_consents", tc.vendor_consents.ids()},
          {"vendor_legitimate_interests", tc.vendor_legitimate_interests.ids()},
          {"publisher_restrictions", restrictions},
          {"disclosed_vendors",
           tc.disclosed_vendors ? json(tc.disclosed_vendors->ids()) : json(nullptr)},
          {"publisher_tc", publisher}};
}

privet::TcString TcFromJson(const json& j) {
  privet::TcString tc;
  tc.version = j.at("version").get<int>();
  tc.created = FromDeciseconds(j.at("created").get<int64_t>());
  tc.last_updated = FromDeciseconds(j.at("last_updated").get<int64_t>());
  tc.cmp_id = j.at("cmp_id").get<int>();
  tc.cmp_version = j.at("cmp_version").get<int>();
  tc.consent_screen = j.at("consent_screen").get<int>();
  tc.consent_language = j.at("consent_language").get<std::string>();
  tc.vendor_list_version = j.at("vendor_list_version").get<int>();
  tc.tcf_policy_version = j.at("tcf_policy_version").get<int>();
  tc.is_service_specific = j.at("is_service_specific").get<bool>();
  tc.use_non_standard_texts = j.at("use_non_standard_texts").get<bool>();
  tc.special_feature_optins = BitsetFromIds<12>(j.at("special_feature_optins"));
  tc.purpose_consents = BitsetFromIds<24>(j.at("purpose_consents"));
  tc.purpose_legitimate_interests = BitsetFromIds<24>(j.at("purpose_legitimate_interests"));
  tc.purpose_one_treatment = j.at("purpose_one_treatment").get<bool>();
  tc.publisher_country_code = j.at("publisher_country_code").get<std::string>();
  tc.vendor_consents = privet::VendorSet(j.at("vendor_consents").get<std::vector<int>>());
  tc.vendor_legitimate_interests =
      privet::VendorSet(j.at("vendor_legitimate_interests").get<std::vector<int>>());
  for (const json& r : j.at("publisher_restrictions")) {
    tc.publisher_restrictions.push_back(
        {.purpose_id = r.at("purpose_id").get<int>(),
         .restriction_type =
             static_cast<privet::RestrictionType>(r.at("restriction_type").get<int>()),
         .vendor_ids = privet::VendorSet(r.at("vendor_ids").get<std::vector<int>>())});
  }
  if (!j.at("disclosed_vendors").is_null()) {
    tc.disclosed_vendors = privet::VendorSet(j.at("disclosed_vendors").get<std::vector<int>>());
  }
  if (const json& p = j.at("publisher_tc"); !p.is_null()) {
    tc.publisher_tc = privet::PublisherTc{
        .purpose_consents = BitsetFromIds<24>(p.at("purpose_consents")),
        .purpose_legitimate_interests = BitsetFromIds<24>(p.at("purpose_legitimate_interests")),
        .custom_purpose_consents = p.at("custom_purpose_consents").get<std::vector<bool>>(),
        .custom_purpose_legitimate_interests =
            p.at("custom_purpose_legitimate_interests").get<std::vector<bool>>()};
  }
  return tc;
}

// The US section fields by their JSON names; a field a section lacks is absent from its JSON.
struct UsJsonField {
  const char* name;
  int privet::UsSection::*member;
};
constexpr UsJsonField kUsScalars[] = {
    {"sharing_notice", &privet::UsSection::sharing_notice},
    {"sale_opt_out_notice", &privet::UsSection::sale_opt_out_notice},
    {"sharing_opt_out_notice", &privet::UsSection::sharing_opt_out_notice},
    {"targeted_advertising_opt_out_notice",
     &privet::UsSection::targeted_advertising_opt_out_notice},
    {"sensitive_data_processing_opt_out_notice",
     &privet::UsSection::sensitive_data_processing_opt_out_notice},
    {"sensitive_data_limit_use_notice", &privet::UsSection::sensitive_data_limit_use_notice},
    {"sale_opt_out", &privet::UsSection::sale_opt_out},
    {"sharing_opt_out", &privet::UsSection::sharing_opt_out},
    {"targeted_advertising_opt_out", &privet::UsSection::targeted_advertising_opt_out},
    {"personal_data_consents", &privet::UsSection::personal_data_consents},
    {"mspa_covered_transaction", &privet::UsSection::mspa_covered_transaction},
    {"mspa_opt_out_option_mode", &privet::UsSection::mspa_opt_out_option_mode},
    {"mspa_service_provider_mode", &privet::UsSection::mspa_service_provider_mode},
};

privet::UsSection UsFromJson(const json& j) {
  privet::UsSection section;
  section.version = j.at("version").get<int>();
  for (const UsJsonField& field : kUsScalars) {
    if (j.contains(field.name)) section.*field.member = j.at(field.name).get<int>();
  }
  section.sensitive_data_processing = j.at("sensitive_data_processing").get<std::vector<int>>();
  section.known_child_sensitive_data_consents =
      j.at("known_child_sensitive_data_consents").get<std::vector<int>>();
  if (!j.at("gpc").is_null()) section.gpc = j.at("gpc").get<bool>();
  return section;
}

// Only the fields the JSON state has (those of the section), so the two compare as equal.
json ToJson(const privet::UsSection& section, const json& like) {
  json j = {{"version", section.version},
            {"sensitive_data_processing", section.sensitive_data_processing},
            {"known_child_sensitive_data_consents", section.known_child_sensitive_data_consents},
            {"gpc", section.gpc ? json(*section.gpc) : json(nullptr)}};
  for (const UsJsonField& field : kUsScalars) {
    if (like.contains(field.name)) j[field.name] = section.*field.member;
  }
  return j;
}

constexpr std::pair<const char*, std::optional<privet::UsSection> privet::GppString::*>
    kUsMembers[] = {{"us_nat", &privet::GppString::us_nat}, {"us_ca", &privet::GppString::us_ca},
                    {"us_va", &privet::GppString::us_va},   {"us_co", &privet::GppString::us_co},
                    {"us_ut", &privet::GppString::us_ut},   {"us_ct", &privet::GppString::us_ct}};

privet::GppString GppFromJson(const json& j) {
  privet::GppString gpp;
  if (j.contains("tcf_eu")) gpp.tcf_eu = TcFromJson(j.at("tcf_eu"));
  for (const auto& [name, member] : kUsMembers) {
    if (j.contains(name)) gpp.*member = UsFromJson(j.at(name));
  }
  return gpp;
}

json ToJson(const privet::GppString& gpp, const json& like) {
  json j = json::object();
  if (gpp.tcf_eu) j["tcf_eu"] = ToJson(*gpp.tcf_eu);
  for (const auto& [name, member] : kUsMembers) {
    if (gpp.*member) j[name] = ToJson(*(gpp.*member), like.value(name, json::object()));
  }
  if (!gpp.other_sections.empty()) j["other_sections"] = gpp.other_sections;
  return j;
}

// Decodes `encoded`, compares with `state`, encodes `from_state` and re-encodes the decoding;
// returns "" or what went wrong.
template <typename Decode, typename Encode, typename ToJsonFn>
std::string CheckOne(const std::string& encoded, const json& state, Decode decode, Encode encode,
                     ToJsonFn to_json, const auto& from_state) {
  const auto decoded = decode(encoded);
  if (!decoded.ok()) return "decode: " + decoded.status().ToString();
  if (const json got = to_json(*decoded); got != state) {
    return "decoded state differs: " + json::diff(state, got).dump();
  }
  const privet::StatusOr<std::string> encoded_state = encode(from_state);
  if (!encoded_state.ok()) return "encode: " + encoded_state.status().ToString();
  if (*encoded_state != encoded) return "encoded from the state as " + *encoded_state;
  const privet::StatusOr<std::string> again = encode(*decoded);
  if (!again.ok() || *again != encoded) return "re-encoded differently";
  return "";
}

std::string Check(const json& line) {
  const std::string encoded = line.at("encoded").get<std::string>();
  const json& state = line.at("state");
  if (line.at("kind") == "tcf") {
    return CheckOne(
        encoded, state, privet::DecodeTcString, privet::EncodeTcString,
        [](const privet::TcString& tc) { return ToJson(tc); }, TcFromJson(state));
  }
  return CheckOne(
      encoded, state, privet::DecodeGppString, privet::EncodeGppString,
      [&state](const privet::GppString& gpp) { return ToJson(gpp, state); }, GppFromJson(state));
}

}  // namespace

int main() try {
  std::ios::sync_with_stdio(false);
  long lines = 0;
  long tcf = 0;
  long failures = 0;
  std::string text;
  while (std::getline(std::cin, text)) {
    if (text.empty()) continue;
    ++lines;
    std::string problem;
    json line;
    try {
      line = json::parse(text);
      if (line.at("kind") == "tcf") ++tcf;
      problem = Check(line);
    } catch (const json::exception& e) {
      problem = std::string("bad line: ") + e.what();
    }
    if (problem.empty()) continue;
    if (++failures <= 5) {
      std::cerr << "line " << lines << ": " << problem << "\n  " << text.substr(0, 2000) << "\n";
    }
  }
  std::printf("iab_reference: %ld states (%ld TC strings, %ld GPP strings), %ld failed\n", lines,
              tcf, lines - tcf, failures);
  return lines > 0 && failures == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "iab_reference: %s\n", e.what());
  return 1;
}
