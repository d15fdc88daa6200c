// GPP strings (privet/gpp.h). Header: IAB Tech Lab, "Consent String Specification" of the
// Global Privacy Platform (type 3, version 1, section ids as a Fibonacci-coded range).
#include "privet/gpp.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signals/bits.h"
#include "signals/tc_codec.h"
#include "signals/us_section.h"
#include "signals/vendor_section.h"

namespace privet::signals {
namespace {

constexpr int kHeaderType = 3;
constexpr int kHeaderVersion = 1;
constexpr int kTcfEuSectionId = 2;
// Section ids in use run to 24 or so; a larger one is malformed, and the cap bounds the work a
// Fibonacci range can ask for.
constexpr int kMaxSectionId = 1023;

constexpr std::array kUsSections{
    std::pair{UsSectionId::kNational, &GppString::us_nat},
    std::pair{UsSectionId::kCalifornia, &GppString::us_ca},
    std::pair{UsSectionId::kVirginia, &GppString::us_va},
    std::pair{UsSectionId::kColorado, &GppString::us_co},
    std::pair{UsSectionId::kUtah, &GppString::us_ut},
    std::pair{UsSectionId::kConnecticut, &GppString::us_ct},
};

std::optional<UsSection> GppString::*UsMember(int id) {
  for (const auto& [us_id, member] : kUsSections) {
    if (static_cast<int>(us_id) == id) return member;
  }
  return nullptr;
}

// Reads the section ids: a 12-bit count, then entries of (IsRange, Fibonacci-coded distance from
// the previous id [, distance to the range's end]).
std::vector<int> ReadSectionIds(BitReader& reader, std::size_t max_count) {
  std::vector<int> ids;
  const auto count = static_cast<std::size_t>(reader.Read(12, "section ids"));
  int offset = 0;
  for (std::size_t entry = 1; entry <= count && reader.ok(); ++entry) {
    const Where where("section ids", "entry", entry);
    const std::size_t at = reader.position();
    const bool is_range = reader.ReadBool(where);
    const int first = offset + static_cast<int>(reader.ReadFibonacci(where));
    const int last = is_range ? first + static_cast<int>(reader.ReadFibonacci(where)) : first;
    if (!reader.ok()) break;
    if (last > kMaxSectionId) {
      reader.Fail(at, "section id above " + std::to_string(kMaxSectionId), where);
      break;
    }
    for (int id = first; id <= last; ++id) ids.push_back(id);
    if (ids.size() > max_count) {
      reader.Fail(at, "more section ids than sections", where);
      break;
    }
    offset = last;
  }
  return ids;
}

void WriteSectionIds(const std::vector<int>& ids, BitWriter& writer) {
  // Runs of consecutive ids (the ids are sorted, from a std::map).
  std::vector<VendorSet::Run> runs;
  for (const int id : ids) {
    if (!runs.empty() && runs.back().last + 1 == id) {
      runs.back().last = id;
    } else {
      runs.push_back({id, id});
    }
  }
  writer.Write(runs.size(), 12);
  int offset = 0;
  for (const VendorSet::Run& run : runs) {
    writer.WriteBool(run.first != run.last);
    writer.WriteFibonacci(static_cast<uint32_t>(run.first - offset));
    if (run.first != run.last) writer.WriteFibonacci(static_cast<uint32_t>(run.last - run.first));
    offset = run.last;
  }
}

bool IsSectionText(std::string_view text) {
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return !text.empty();
}

}  // namespace
}  // namespace privet::signals

namespace privet {

using signals::BitReader;
using signals::BitWriter;

StatusOr<GppString> DecodeGppString(std::string_view text) {
  if (text.size() > kMaxGppStringLength) {
    return InvalidArgument(
        "GPP string longer than " + std::to_string(kMaxGppStringLength) + " characters", "gpp");
  }
  std::vector<std::string_view> parts;
  std::vector<std::size_t> offsets;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find('~', start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    offsets.push_back(start);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  signals::Bits bits;
  PRIVET_RETURN_IF_ERROR(signals::Base64UrlToBits(parts[0], 0, "header", "gpp", bits));
  BitReader reader(bits, "header", "gpp");
  const auto type = static_cast<int>(reader.Read(6, "type"));
  if (reader.ok() && type != signals::kHeaderType) {
    reader.Fail(0, "type " + std::to_string(type) + " is not 3", "type");
  }
  const auto version = static_cast<int>(reader.Read(6, "version"));
  if (reader.ok() && version != signals::kHeaderVersion) {
    reader.Fail(6, "version " + std::to_string(version) + " is not 1", "version");
  }
  const std::vector<int> ids = signals::ReadSectionIds(reader, parts.size() - 1);
  PRIVET_RETURN_IF_ERROR(reader.status());
  if (ids.size() != parts.size() - 1) {
    return InvalidArgument("header lists " + std::to_string(ids.size()) + " sections, string has " +
                               std::to_string(parts.size() - 1),
                           "gpp");
  }
  GppString gpp;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const int id = ids[i];
    const std::string_view section = parts[i + 1];
    const std::size_t offset = offsets[i + 1];
    if (id == signals::kTcfEuSectionId) {
      PRIVET_ASSIGN_OR_RETURN(gpp.tcf_eu,
                              signals::DecodeTc(section, "gpp", "section 2 (tcfeuv2) ", offset));
    } else if (auto member = signals::UsMember(id); member != nullptr) {
      PRIVET_ASSIGN_OR_RETURN(
          gpp.*member,
          signals::DecodeUsSection(static_cast<signals::UsSectionId>(id), section, offset));
    } else if (!signals::IsSectionText(section)) {
      return InvalidArgument("section " + std::to_string(id) +
                                 " is empty or not base64url at character " +
                                 std::to_string(offset),
                             "gpp");
    } else {
      gpp.other_sections.emplace(id, section);
    }
  }
  return gpp;
}

StatusOr<std::string> EncodeGppString(const GppString& gpp) {
  std::map<int, std::string> sections;
  if (gpp.tcf_eu) {
    PRIVET_ASSIGN_OR_RETURN(sections[signals::kTcfEuSectionId],
                            signals::EncodeTc(*gpp.tcf_eu, signals::TcEncoder::kGpp, "gpp"));
  }
  for (const auto& [id, member] : signals::kUsSections) {
    if (!(gpp.*member)) continue;
    PRIVET_ASSIGN_OR_RETURN(sections[static_cast<int>(id)],
                            signals::EncodeUsSection(id, *(gpp.*member)));
  }
  for (const auto& [id, text] : gpp.other_sections) {
    if (id < 1 || id > signals::kMaxSectionId || id == signals::kTcfEuSectionId ||
        signals::UsMember(id) != nullptr) {
      return InvalidArgument(
          "other section id " + std::to_string(id) + " is not one passed through (1.." +
              std::to_string(signals::kMaxSectionId) + ", not a section privet decodes)",
          "gpp");
    }
    if (!signals::IsSectionText(text)) {
      return InvalidArgument("section " + std::to_string(id) + " is empty or not base64url", "gpp");
    }
    sections[id] = text;
  }
  std::vector<int> ids;
  for (const auto& [id, text] : sections) ids.push_back(id);
  BitWriter header;
  header.Write(signals::kHeaderType, 6);
  header.Write(signals::kHeaderVersion, 6);
  signals::WriteSectionIds(ids, header);
  std::string out;
  header.AppendBase64Url(signals::Padding::kCompressed, out);
  for (const auto& [id, text] : sections) {
    out.push_back('~');
    out += text;
  }
  return out;
}

GppOptOuts OptOutsOf(const GppString& gpp) {
  GppOptOuts out;
  for (const auto& [id, member] : signals::kUsSections) {
    const std::optional<UsSection>& section = gpp.*member;
    if (!section) continue;
    out.sale |= section->sale_opt_out == 1;
    out.sharing |= section->sharing_opt_out == 1;
    out.targeted_advertising |= section->targeted_advertising_opt_out == 1;
    for (const int value : section->sensitive_data_processing) out.sensitive_data |= value == 1;
    out.gpc |= section->gpc.value_or(false);
  }
  return out;
}

}  // namespace privet
