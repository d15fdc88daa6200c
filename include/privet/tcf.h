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
//  - vendor ids are 1..65535, kept in a VendorSet (a bit set: a set has no order or duplicates);
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
// 4095, a language that is not two letters A-Z, more than 63 custom purposes).
//
// Both functions are pure: no I/O, no locks, no shared state; thread-safe.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/status.h"

namespace privet {

// The longest TC string DecodeTcString accepts, in characters. A string with every one of the
// 65535 vendor ids in bit fields in all sections stays well below this.
inline constexpr std::size_t kMaxTcStringLength = 100'000;

// The highest vendor id a TC string can name (16 bits).
inline constexpr int kMaxVendorId = 65535;

// A set of vendor ids, 1..kMaxVendorId, kept the way a TC string wrote it: a set decoded from a
// bit field keeps the bits (one per id up to the highest, 8 KiB at most), copied 64 ids at a
// time; a set built from ranges or single ids keeps runs of consecutive ids. Either way a
// string naming thousands of vendors decodes without building a list of them, and a sparse set
// of high ids stays small. The two forms are one set: equality, runs() and ids() do not depend
// on which is kept.
//
//   VendorSet consents = {1, 2, 755};
//   consents.insert_range(1000, 1999);
//   if (tc->vendor_consents.contains(755)) ...
class VendorSet {
 public:
  struct Run {  // consecutive ids [first, last]
    int first = 0;
    int last = 0;
    friend bool operator==(const Run&, const Run&) = default;
  };

  VendorSet() = default;
  // Ids outside 1..kMaxVendorId cannot be members and are skipped; insert() reports them.
  VendorSet(std::initializer_list<int> ids);  // NOLINT(google-explicit-constructor): a literal set
  explicit VendorSet(std::span<const int> ids);

  // Adds `id`; false (and nothing changes) unless 1 <= id <= kMaxVendorId.
  bool insert(int id) { return insert_range(id, id); }
  // Adds every id of [first, last]; false (and nothing changes) unless
  // 1 <= first <= last <= kMaxVendorId. Ranges may come in any order and overlap.
  bool insert_range(int first, int last);

  bool contains(int id) const;
  bool empty() const { return bits_.empty() && runs_.empty(); }
  std::size_t size() const;       // how many ids
  int max_id() const;             // the highest id, 0 when empty
  std::vector<int> ids() const;   // ascending
  std::vector<Run> runs() const;  // maximal runs of consecutive ids, ascending

  // Replaces the set with a bit field: bit 63 (the most significant) of word w is id 64*w + 1,
  // as a TC string orders it. Bits past kMaxVendorId are ignored.
  void assign_bits(std::vector<uint64_t> words);

  friend bool operator==(const VendorSet& a, const VendorSet& b);

 private:
  // At most one of the two is non-empty. `bits_` never ends with a zero word; `runs_` is
  // ascending, each run separated from the next by at least one missing id.
  std::vector<uint64_t> bits_;
  std::vector<Run> runs_;
};

// What a publisher restriction requires of the listed vendors for one purpose (2 bits).
enum class RestrictionType : uint8_t {
  kNotAllowed = 0,                 // purpose flatly not allowed by the publisher
  kRequireConsent = 1,             // consent required, even if the vendor declared LI
  kRequireLegitimateInterest = 2,  // legitimate interest required, even if it declared consent
  kUndefined = 3,                  // reserved by the specification
};

// One publisher restriction: for `purpose_id` (1..63), `restriction_type` applies to these
// vendors. Restrictions are written in the order given (the reference encoder
// writes them in the order they were first added), each vendor list as runs of consecutive ids.
struct PublisherRestriction {
  int purpose_id = 0;
  RestrictionType restriction_type = RestrictionType::kNotAllowed;
  VendorSet vendor_ids;

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
  VendorSet vendor_consents;
  VendorSet vendor_legitimate_interests;
  std::vector<PublisherRestriction> publisher_restrictions;
  std::optional<VendorSet> disclosed_vendors;  // the DisclosedVendors segment, when present
  std::optional<PublisherTc> publisher_tc;     // the Publisher TC segment, when present

  friend bool operator==(const TcString&, const TcString&) = default;
};

// Decodes a TC string. InvalidArgument (field "tcf") names the offset and the field on error.
StatusOr<TcString> DecodeTcString(std::string_view text);

// Encodes `tc` as @iabtechlabtcf/core would encode the same state (TCString.encode with the
// segments `tc` has). InvalidArgument when a field does not fit its width.
StatusOr<std::string> EncodeTcString(const TcString& tc);

}  // namespace privet
