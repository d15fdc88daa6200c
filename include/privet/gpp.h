// GPP strings: the IAB Tech Lab Global Privacy Platform signal, which carries several
// jurisdictions' consent and opt-out sections in one string.
//
// A GPP string is `header~section~section...`: the header (type 3, version 1) lists the
// section ids, Fibonacci-coded as ranges, and each section follows in that order, itself
// dot-separated into a core segment and optional sub-segments (such as GPC).
//
//   StatusOr<privet::GppString> gpp = privet::DecodeGppString(request_header);
//   if (!gpp.ok()) return gpp.status();
//   privet::GppOptOuts out = privet::OptOutsOf(*gpp);
//   if (out.sale || out.gpc) ...  // do not sell
//
// Sections understood: TCF EU v2 (id 2, the TC string of privet/tcf.h), US National (7, versions
// 1 and 2), California (8), Virginia (9), Colorado (10), Utah (11), Connecticut (12). Any other
// section is kept as its encoded text in `other_sections` and written back unchanged.
//
// US sections (IAB Tech Lab, "GPP US sections"): every field is a 2-bit value with the
// specification's meaning, 0 = not applicable, 1 = yes (notice given, opted out, consent
// refused), 2 = no; except mspa_covered_transaction (1 = yes, 2 = no). One struct, UsSection,
// serves every state: a field the state's section does not have stays 0 (or empty) and
// EncodeGppString refuses a section that sets one (the fields of each section are listed in
// src/signals/README.md). `gpc` is the GPC sub-section: nullopt when the string has none;
// sections without one in the specification (Virginia, Utah) must leave it nullopt.
//
// Errors: DecodeGppString returns InvalidArgument (field "gpp") naming the section, the
// character or bit offset and the field, for any malformed string; never a crash. A string
// longer than kMaxGppStringLength characters is refused before decoding. EncodeGppString
// returns InvalidArgument when a value does not fit its field or its section.
//
// EncodeGppString produces the bytes @iabgpp/cmpapi produces for the same state: sections in
// ascending id order, the TCF section always with its DisclosedVendors and Publisher TC
// segments (the library writes both, empty when unset, and refuses a non-service-specific TC
// string), US core segments padded to whole bytes ("compressed" base64url).
//
// All functions are pure: no I/O, no locks, no shared state; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/status.h"
#include "privet/tcf.h"

namespace privet {

inline constexpr std::size_t kMaxGppStringLength = 200'000;

// One US state or national section (ids 7-12).
struct UsSection {
  int version = 1;  // US National: 1 or 2 (2 has 16 sensitive data categories and 3 child ages)
  int sharing_notice = 0;
  int sale_opt_out_notice = 0;
  int sharing_opt_out_notice = 0;
  int targeted_advertising_opt_out_notice = 0;
  int sensitive_data_processing_opt_out_notice = 0;
  int sensitive_data_limit_use_notice = 0;
  int sale_opt_out = 0;
  int sharing_opt_out = 0;
  int targeted_advertising_opt_out = 0;
  std::vector<int> sensitive_data_processing;  // one value per category, as many as the section has
  std::vector<int> known_child_sensitive_data_consents;  // one value per age band (1 for VA/CO/UT)
  int personal_data_consents = 0;
  int mspa_covered_transaction = 1;
  int mspa_opt_out_option_mode = 0;
  int mspa_service_provider_mode = 0;
  std::optional<bool> gpc;  // the GPC sub-section, when present: GPC was on

  friend bool operator==(const UsSection&, const UsSection&) = default;
};

// A GPP string: one optional section per jurisdiction understood.
struct GppString {
  std::optional<TcString> tcf_eu;             // id 2
  std::optional<UsSection> us_nat;            // id 7
  std::optional<UsSection> us_ca;             // id 8
  std::optional<UsSection> us_va;             // id 9
  std::optional<UsSection> us_co;             // id 10
  std::optional<UsSection> us_ut;             // id 11
  std::optional<UsSection> us_ct;             // id 12
  std::map<int, std::string> other_sections;  // section id -> encoded section, passed through

  friend bool operator==(const GppString&, const GppString&) = default;
};

// Decodes a GPP string. InvalidArgument (field "gpp") names the section, offset and field.
StatusOr<GppString> DecodeGppString(std::string_view text);

// Encodes `gpp` as @iabgpp/cmpapi would encode the same state.
StatusOr<std::string> EncodeGppString(const GppString& gpp);

// What the string's US sections say, taken together (any section opting out counts):
struct GppOptOuts {
  bool sale = false;                  // a sale_opt_out of 1
  bool sharing = false;               // a sharing_opt_out of 1
  bool targeted_advertising = false;  // a targeted_advertising_opt_out of 1
  bool sensitive_data = false;  // any sensitive data category opted out of / consent refused (1)
  bool gpc = false;             // a section's Gpc sub-section says GPC was on
};
GppOptOuts OptOutsOf(const GppString& gpp);

}  // namespace privet
