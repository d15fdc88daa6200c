// TCF v2.2 TC strings: the consent signal of the IAB Europe Transparency and Consent Framework.
//
// A TC string is base64url text (no padding) of one or more dot-separated segments: the core
// segment (consents and legitimate interests per purpose and per vendor, publisher
// restrictions), then optionally a DisclosedVendors segment (type 1) and a Publisher TC
// segment (type 3).
//
//   StatusOr<privet::TcString> tc = privet::DecodeTcString(cookie_value);
//   if (!tc.ok()) return tc.status();          // InvalidArgument naming the bit and the field
//   bool measure = tc->purpose_consents[7 - 1]; // purpose 7: measure ad performance
//   StatusOr<std::string> again = privet::EncodeTcString(*tc);
//
// Semantics (IAB Europe, "TCF v2.2 Consent string and vendor list formats", and the reference
// encoder @iabtechlabtcf/core, whose bytes EncodeTcString reproduces):
//  - bit i of a purpose or special-feature bitset is purpose (feature) i+1;
//  - vendor lists are sorted, without duplicates, ids 1..65535;
//  - Created and LastUpdated are stored as deciseconds since the Unix epoch (36 bits); a Time
//    is rounded to the nearest decisecond when encoded;
//  - a vendor section is written as a bit field or as ranges, whichever the reference encoder
//    picks for that set (the rule is in src/signals/README.md), so the same state gives the
//    same bytes as @iabtechlabtcf/core;
//  - segments are written core, DisclosedVendors (when `disclosed_vendors` is set), Publisher
//    TC (when `publisher_tc` is set), in that order. The encoder writes what the struct says:
//    it does not apply the reference library's "semantic pre-encoding" (which, for example,
//    clears legitimate interest for purposes 1, 3-6 under policy version 4).
//
// Errors: DecodeTcString returns InvalidArgument (field "tcf") for any malformed string, with a
// message naming the character or bit offset and the field, e.g. "truncated at bit 213 (vendor
// consents: range entry 3)"; it never crashes and never reads out of bounds. Counts and sizes
// are bounds-checked against the bits present, ranges with end < start are refused, and a
// string longer than kMaxTcStringLength characters is refused before decoding. A v1 string, an
// unknown segment type, or the deprecated AllowedVendors segment (type 2) is refused.
// EncodeTcString returns InvalidArgument when a field does not fit its width (a cmp id above
// 4095, a language that is not two letters A-Z, a vendor id of 0 or above 65535, an unsorted
// vendor list, more than 63 custom purposes).
//
// Both functions are pure: no I/O, no locks, no shared state; thread-safe.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/status.h"

namespace privet {

// The longest TC string DecodeTcString accepts, in characters. A string with every one of the
// 65535 vendor ids in bit fields in all sections stays well below this.
inline constexpr std::size_t kMaxTcStringLength = 100'000;

// What a publisher restriction requires of the listed vendors for one purpose (2 bits).
enum class RestrictionType : uint8_t {
  kNotAllowed = 0,                 // purpose flatly not allowed by the publisher
  kRequireConsent = 1,             // consent required, even if the vendor declared LI
  kRequireLegitimateInterest = 2,  // legitimate interest required, even if it declared consent
  kUndefined = 3,                  // reserved by the specification
};

// One publisher restriction: for `purpose_id` (1..63), `restriction_type` applies to these
// vendors (sorted ids). Restrictions are written in the order given (the reference encoder
// writes them in the order they were first added), each vendor list as runs of consecutive ids.
struct PublisherRestriction {
  int purpose_id = 0;
  RestrictionType restriction_type = RestrictionType::kNotAllowed;
  std::vector<int> vendor_ids;

  friend bool operator==(const PublisherRestriction&, const PublisherRestriction&) = default;
};

// The Publisher TC segment (type 3): the publisher's own purposes and custom purposes.
struct PublisherTc {
  std::bitset<24> purpose_consents;              // bit i = purpose i+1
  std::bitset<24> purpose_legitimate_interests;  // bit i = purpose i+1
  // One entry per custom purpose (NumCustomPurposes = size(), at most 63); both the same size.
  std::vector<bool> custom_purpose_consents;
  std::vector<bool> custom_purpose_legitimate_interests;

  friend bool operator==(const PublisherTc&, const PublisherTc&) = default;
};

// A TCF v2.2 TC string (core segment + optional segments).
struct TcString {
  int version = 2;
  Time created;
  Time last_updated;  // the string stores deciseconds
  int cmp_id = 0;
  int cmp_version = 0;
  int consent_screen = 0;
  std::string consent_language = "EN";  // two letters A-Z
  int vendor_list_version = 0;
  int tcf_policy_version = 4;
  bool is_service_specific = true;
  bool use_non_standard_texts = false;
  std::bitset<12> special_feature_optins;        // bit i = special feature i+1
  std::bitset<24> purpose_consents;              // bit i = purpose i+1
  std::bitset<24> purpose_legitimate_interests;  // bit i = purpose i+1
  bool purpose_one_treatment = false;
  std::string publisher_country_code = "AA";  // two letters A-Z
  std::vector<int> vendor_consents;           // sorted vendor ids
  std::vector<int> vendor_legitimate_interests;
  std::vector<PublisherRestriction> publisher_restrictions;
  std::optional<std::vector<int>> disclosed_vendors;  // the DisclosedVendors segment, when present
  std::optional<PublisherTc> publisher_tc;            // the Publisher TC segment, when present

  friend bool operator==(const TcString&, const TcString&) = default;
};

// Decodes a TC string. InvalidArgument (field "tcf") names the offset and the field on error.
StatusOr<TcString> DecodeTcString(std::string_view text);

// Encodes `tc` as @iabtechlabtcf/core would encode the same state (TCString.encode with the
// segments `tc` has). InvalidArgument when a field does not fit its width.
StatusOr<std::string> EncodeTcString(const TcString& tc);

}  // namespace privet
