// TC strings (privet/tcf.h). Field widths and order: IAB Europe, "TCF v2.2 Consent string and
// vendor list formats", core string, DisclosedVendors and Publisher TC segments.
#include "privet/tcf.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signals/bits.h"
#include "signals/tc_codec.h"
#include "signals/vendor_section.h"

namespace privet::signals {
namespace {

constexpr int kSegmentTypeBits = 3;
constexpr int kCoreSegment = 0;
constexpr int kDisclosedVendorsSegment = 1;
constexpr int kAllowedVendorsSegment = 2;
constexpr int kPublisherTcSegment = 3;
constexpr int kMaxCustomPurposes = 63;

// The bits of `value` in reverse order.
uint64_t Reverse(uint64_t value) {
  value = ((value >> 1) & 0x5555555555555555) | ((value & 0x5555555555555555) << 1);
  value = ((value >> 2) & 0x3333333333333333) | ((value & 0x3333333333333333) << 2);
  value = ((value >> 4) & 0x0F0F0F0F0F0F0F0F) | ((value & 0x0F0F0F0F0F0F0F0F) << 4);
  return __builtin_bswap64(value);
}

// N bits, the first read being purpose (feature) 1: bit 0 of the bitset.
template <std::size_t N>
std::bitset<N> ReadBitset(BitReader& reader, const Where& what) {
  return std::bitset<N>(Reverse(reader.Read(N, what)) >> (64 - N));
}

template <std::size_t N>
void WriteBitset(const std::bitset<N>& bits, BitWriter& writer) {
  for (std::size_t i = 0; i < N; ++i) writer.WriteBool(bits[i]);
}

// Two letters A-Z, 6 bits each (A = 0).
std::string ReadLetters(BitReader& reader, const Where& what) {
  const std::size_t at = reader.position();
  std::string letters;
  for (int i = 0; i < 2; ++i) {
    const uint64_t value = reader.Read(6, what);
    if (value > 25) reader.Fail(at, "not a letter A-Z", what);
    letters.push_back(static_cast<char>('A' + value));
  }
  return letters;
}

Time ReadTime(BitReader& reader, const Where& what) {
  const uint64_t deciseconds = reader.Read(36, what);
  return Time(std::chrono::duration_cast<Time::duration>(
      std::chrono::milliseconds(static_cast<int64_t>(deciseconds) * 100)));
}

std::vector<PublisherRestriction> ReadRestrictions(BitReader& reader) {
  std::vector<PublisherRestriction> restrictions;
  const auto count = static_cast<std::size_t>(reader.Read(12, "publisher restrictions"));
  for (std::size_t i = 1; i <= count && reader.ok(); ++i) {
    const Where where("publisher restrictions", "restriction", i);
    const std::size_t at = reader.position();
    PublisherRestriction restriction;
    restriction.purpose_id = static_cast<int>(reader.Read(6, where));
    restriction.restriction_type = static_cast<RestrictionType>(reader.Read(2, where));
    if (reader.ok() && restriction.purpose_id == 0) reader.Fail(at, "purpose id 0", where);
    restriction.vendor_ids = ReadRangeEntries(reader, "publisher restrictions: vendors");
    restrictions.push_back(std::move(restriction));
  }
  return restrictions;
}

PublisherTc ReadPublisherTc(BitReader& reader) {
  PublisherTc publisher;
  publisher.purpose_consents = ReadBitset<24>(reader, "publisher purpose consents");
  publisher.purpose_legitimate_interests =
      ReadBitset<24>(reader, "publisher purpose legitimate interests");
  const auto custom = static_cast<std::size_t>(reader.Read(6, "number of custom purposes"));
  for (std::size_t i = 0; i < custom; ++i) {
    publisher.custom_purpose_consents.push_back(reader.ReadBool("custom purpose consents"));
  }
  for (std::size_t i = 0; i < custom; ++i) {
    publisher.custom_purpose_legitimate_interests.push_back(
        reader.ReadBool("custom purpose legitimate interests"));
  }
  return publisher;
}

void ReadCore(BitReader& reader, TcString& tc) {
  tc.version = static_cast<int>(reader.Read(6, "version"));
  if (reader.ok() && tc.version != 2) {
    reader.Fail(0, "version " + std::to_string(tc.version) + " is not 2", "version");
  }
  tc.created = ReadTime(reader, "created");
  tc.last_updated = ReadTime(reader, "last updated");
  tc.cmp_id = static_cast<int>(reader.Read(12, "cmp id"));
  tc.cmp_version = static_cast<int>(reader.Read(12, "cmp version"));
  tc.consent_screen = static_cast<int>(reader.Read(6, "consent screen"));
  tc.consent_language = ReadLetters(reader, "consent language");
  tc.vendor_list_version = static_cast<int>(reader.Read(12, "vendor list version"));
  tc.tcf_policy_version = static_cast<int>(reader.Read(6, "tcf policy version"));
  tc.is_service_specific = reader.ReadBool("is service specific");
  tc.use_non_standard_texts = reader.ReadBool("use non-standard texts");
  tc.special_feature_optins = ReadBitset<12>(reader, "special feature opt-ins");
  tc.purpose_consents = ReadBitset<24>(reader, "purpose consents");
  tc.purpose_legitimate_interests = ReadBitset<24>(reader, "purpose legitimate interests");
  tc.purpose_one_treatment = reader.ReadBool("purpose one treatment");
  tc.publisher_country_code = ReadLetters(reader, "publisher country code");
  tc.vendor_consents = ReadVendorSection(reader, "vendor consents");
  tc.vendor_legitimate_interests = ReadVendorSection(reader, "vendor legitimate interests");
  tc.publisher_restrictions = ReadRestrictions(reader);
}

Status Refuse(std::string_view context, const std::string& message, std::string_view field) {
  return InvalidArgument(std::string(context) + message, std::string(field));
}

Status CheckWidth(long value, int bits, std::string_view what, std::string_view field) {
  if (value < 0 || value >= (1L << bits)) {
    return InvalidArgument(std::string(what) + " " + std::to_string(value) + " does not fit " +
                               std::to_string(bits) + " bits",
                           std::string(field));
  }
  return Status::Ok();
}

Status CheckLetters(const std::string& letters, std::string_view what, std::string_view field) {
  if (letters.size() != 2 || letters[0] < 'A' || letters[0] > 'Z' || letters[1] < 'A' ||
      letters[1] > 'Z') {
    return InvalidArgument(std::string(what) + " '" + letters + "' is not two letters A-Z",
                           std::string(field));
  }
  return Status::Ok();
}

StatusOr<uint64_t> Deciseconds(Time time, std::string_view what, std::string_view field) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  // Math.round(ms / 100), as the reference encoders write it.
  const int64_t deciseconds = ms / 100 + (ms % 100 >= 50 ? 1 : 0);
  if (ms < 0 || deciseconds >= (int64_t{1} << 36)) {
    return InvalidArgument(std::string(what) + " outside the 36-bit decisecond range",
                           std::string(field));
  }
  return static_cast<uint64_t>(deciseconds);
}

Status CheckTc(const TcString& tc, std::string_view field) {
  if (tc.version != 2) return InvalidArgument("version must be 2", std::string(field));
  PRIVET_RETURN_IF_ERROR(CheckWidth(tc.cmp_id, 12, "cmp id", field));
  PRIVET_RETURN_IF_ERROR(CheckWidth(tc.cmp_version, 12, "cmp version", field));
  PRIVET_RETURN_IF_ERROR(CheckWidth(tc.consent_screen, 6, "consent screen", field));
  PRIVET_RETURN_IF_ERROR(CheckWidth(tc.vendor_list_version, 12, "vendor list version", field));
  PRIVET_RETURN_IF_ERROR(CheckWidth(tc.tcf_policy_version, 6, "tcf policy version", field));
  PRIVET_RETURN_IF_ERROR(CheckLetters(tc.consent_language, "consent language", field));
  PRIVET_RETURN_IF_ERROR(CheckLetters(tc.publisher_country_code, "publisher country code", field));
  PRIVET_RETURN_IF_ERROR(CheckWidth(static_cast<long>(tc.publisher_restrictions.size()), 12,
                                    "number of publisher restrictions", field));
  for (const PublisherRestriction& restriction : tc.publisher_restrictions) {
    if (restriction.purpose_id < 1 || restriction.purpose_id > 63) {
      return InvalidArgument("publisher restriction purpose id " +
                                 std::to_string(restriction.purpose_id) + " outside 1..63",
                             std::string(field));
    }
    if (static_cast<int>(restriction.restriction_type) > 3) {
      return InvalidArgument("publisher restriction type outside 0..3", std::string(field));
    }
  }
  if (tc.publisher_tc) {
    const PublisherTc& publisher = *tc.publisher_tc;
    if (publisher.custom_purpose_consents.size() > kMaxCustomPurposes ||
        publisher.custom_purpose_consents.size() !=
            publisher.custom_purpose_legitimate_interests.size()) {
      return InvalidArgument(
          "custom purpose consents and legitimate interests must have the same size, at most 63",
          std::string(field));
    }
  }
  return Status::Ok();
}

void WriteSegment(const BitWriter& writer, std::string& out) {
  if (!out.empty()) out.push_back('.');
  writer.AppendBase64Url(Padding::kTraditional, out);
}

}  // namespace

StatusOr<TcString> DecodeTc(std::string_view text, std::string_view field, std::string_view context,
                            std::size_t char_offset) {
  if (text.size() > kMaxTcStringLength) {
    return Refuse(context,
                  "TC string longer than " + std::to_string(kMaxTcStringLength) + " characters",
                  field);
  }
  TcString tc;
  bool seen_disclosed = false;
  bool seen_publisher = false;
  Bits bits;  // each segment's in turn
  std::size_t start = 0;
  for (int index = 0; start <= text.size(); ++index) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view segment_text = text.substr(start, end - start);
    const std::size_t offset = char_offset + start;
    const std::string segment =
        std::string(context) + (index == 0 ? "core segment" : "segment " + std::to_string(index));
    PRIVET_RETURN_IF_ERROR(Base64UrlToBits(segment_text, offset, segment, field, bits));
    BitReader reader(bits, segment, field);
    if (index == 0) {
      ReadCore(reader, tc);
    } else {
      const auto type = static_cast<int>(reader.Read(kSegmentTypeBits, "segment type"));
      if (type == kDisclosedVendorsSegment && !seen_disclosed) {
        seen_disclosed = true;
        tc.disclosed_vendors = ReadVendorSection(reader, "disclosed vendors");
      } else if (type == kPublisherTcSegment && !seen_publisher) {
        seen_publisher = true;
        tc.publisher_tc = ReadPublisherTc(reader);
      } else {
        const char* problem = type == kCoreSegment             ? "a second core segment"
                              : type == kAllowedVendorsSegment ? "AllowedVendors segment (type 2, "
                                                                 "not part of TCF v2.2)"
                              : type > kPublisherTcSegment     ? "unknown segment type"
                                                               : "repeated segment";
        reader.Fail(0, problem, "segment type");
      }
    }
    PRIVET_RETURN_IF_ERROR(reader.status());
    start = end + 1;
  }
  return tc;
}

StatusOr<std::string> EncodeTc(const TcString& tc, TcEncoder encoder, std::string_view field) {
  PRIVET_RETURN_IF_ERROR(CheckTc(tc, field));
  if (encoder == TcEncoder::kGpp && !tc.is_service_specific) {
    return InvalidArgument("GPP's TCF section must be service specific", std::string(field));
  }
  const VendorSectionRule rule =
      encoder == TcEncoder::kGpp ? VendorSectionRule::kGpp : VendorSectionRule::kTcfCore;
  PRIVET_ASSIGN_OR_RETURN(const uint64_t created, Deciseconds(tc.created, "created", field));
  PRIVET_ASSIGN_OR_RETURN(const uint64_t last_updated,
                          Deciseconds(tc.last_updated, "last updated", field));
  std::string out;
  BitWriter core;
  core.Write(static_cast<uint64_t>(tc.version), 6);
  core.Write(created, 36);
  core.Write(last_updated, 36);
  core.Write(static_cast<uint64_t>(tc.cmp_id), 12);
  core.Write(static_cast<uint64_t>(tc.cmp_version), 12);
  core.Write(static_cast<uint64_t>(tc.consent_screen), 6);
  for (const char c : tc.consent_language) core.Write(static_cast<uint64_t>(c - 'A'), 6);
  core.Write(static_cast<uint64_t>(tc.vendor_list_version), 12);
  core.Write(static_cast<uint64_t>(tc.tcf_policy_version), 6);
  core.WriteBool(tc.is_service_specific);
  core.WriteBool(tc.use_non_standard_texts);
  WriteBitset(tc.special_feature_optins, core);
  WriteBitset(tc.purpose_consents, core);
  WriteBitset(tc.purpose_legitimate_interests, core);
  core.WriteBool(tc.purpose_one_treatment);
  for (const char c : tc.publisher_country_code) core.Write(static_cast<uint64_t>(c - 'A'), 6);
  WriteVendorSection(tc.vendor_consents, rule, core);
  WriteVendorSection(tc.vendor_legitimate_interests, rule, core);
  core.Write(tc.publisher_restrictions.size(), 12);
  for (const PublisherRestriction& restriction : tc.publisher_restrictions) {
    core.Write(static_cast<uint64_t>(restriction.purpose_id), 6);
    core.Write(static_cast<uint64_t>(restriction.restriction_type), 2);
    WriteRangeEntries(restriction.vendor_ids, core);
  }
  WriteSegment(core, out);

  const bool all_segments = encoder == TcEncoder::kGpp;
  if (tc.disclosed_vendors || all_segments) {
    BitWriter disclosed;
    disclosed.Write(kDisclosedVendorsSegment, kSegmentTypeBits);
    WriteVendorSection(tc.disclosed_vendors.value_or(VendorSet{}), rule, disclosed);
    WriteSegment(disclosed, out);
  }
  if (tc.publisher_tc || all_segments) {
    const PublisherTc publisher = tc.publisher_tc.value_or(PublisherTc{});
    BitWriter segment;
    segment.Write(kPublisherTcSegment, kSegmentTypeBits);
    WriteBitset(publisher.purpose_consents, segment);
    WriteBitset(publisher.purpose_legitimate_interests, segment);
    segment.Write(publisher.custom_purpose_consents.size(), 6);
    for (const bool bit : publisher.custom_purpose_consents) segment.WriteBool(bit);
    for (const bool bit : publisher.custom_purpose_legitimate_interests) segment.WriteBool(bit);
    WriteSegment(segment, out);
  }
  return out;
}

}  // namespace privet::signals

namespace privet {

StatusOr<TcString> DecodeTcString(std::string_view text) {
  return signals::DecodeTc(text, "tcf", "", 0);
}

StatusOr<std::string> EncodeTcString(const TcString& tc) {
  return signals::EncodeTc(tc, signals::TcEncoder::kTcfCore, "tcf");
}

}  // namespace privet
