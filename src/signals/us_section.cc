// US sections of GPP. Field lists: IAB Tech Lab, GPP "US National Privacy Technical
// Specification" and the state specifications (California, Virginia, Colorado, Utah,
// Connecticut), as @iabgpp/cmpapi 3.2 encodes them.
#include "signals/us_section.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "signals/bits.h"

namespace privet::signals {
namespace {

constexpr int kValueBits = 2;
constexpr int kMaxValue = 2;  // 0 not applicable, 1 yes, 2 no; 3 is not defined
constexpr int kGpcSegmentType = 1;

// One field of a core segment: a 2-bit value, or `count` of them in a list.
struct UsField {
  std::string_view name;
  int UsSection::*value = nullptr;
  std::vector<int> UsSection::*list = nullptr;
  std::size_t count = 0;
};

struct UsLayout {
  UsSectionId id;
  int version;
  bool has_gpc;
  std::span<const UsField> fields;
};

constexpr UsField kSharingNotice{"sharing notice", &UsSection::sharing_notice};
constexpr UsField kSaleOptOutNotice{"sale opt-out notice", &UsSection::sale_opt_out_notice};
constexpr UsField kSharingOptOutNotice{"sharing opt-out notice",
                                       &UsSection::sharing_opt_out_notice};
constexpr UsField kTargetedAdvertisingOptOutNotice{"targeted advertising opt-out notice",
                                                   &UsSection::targeted_advertising_opt_out_notice};
constexpr UsField kSensitiveDataProcessingOptOutNotice{
    "sensitive data processing opt-out notice",
    &UsSection::sensitive_data_processing_opt_out_notice};
constexpr UsField kSensitiveDataLimitUseNotice{"sensitive data limit use notice",
                                               &UsSection::sensitive_data_limit_use_notice};
constexpr UsField kSaleOptOut{"sale opt-out", &UsSection::sale_opt_out};
constexpr UsField kSharingOptOut{"sharing opt-out", &UsSection::sharing_opt_out};
constexpr UsField kTargetedAdvertisingOptOut{"targeted advertising opt-out",
                                             &UsSection::targeted_advertising_opt_out};
constexpr UsField kPersonalDataConsents{"personal data consents",
                                        &UsSection::personal_data_consents};
constexpr UsField kMspaCoveredTransaction{"MSPA covered transaction",
                                          &UsSection::mspa_covered_transaction};
constexpr UsField kMspaOptOutOptionMode{"MSPA opt-out option mode",
                                        &UsSection::mspa_opt_out_option_mode};
constexpr UsField kMspaServiceProviderMode{"MSPA service provider mode",
                                           &UsSection::mspa_service_provider_mode};
constexpr UsField SensitiveData(std::size_t count) {
  return {"sensitive data processing", nullptr, &UsSection::sensitive_data_processing, count};
}
constexpr UsField KnownChild(std::size_t count) {
  return {"known child sensitive data consents", nullptr,
          &UsSection::known_child_sensitive_data_consents, count};
}

constexpr std::array<UsField, 15> NationalLayout(std::size_t sensitive, std::size_t child) {
  return {kSharingNotice,
          kSaleOptOutNotice,
          kSharingOptOutNotice,
          kTargetedAdvertisingOptOutNotice,
          kSensitiveDataProcessingOptOutNotice,
          kSensitiveDataLimitUseNotice,
          kSaleOptOut,
          kSharingOptOut,
          kTargetedAdvertisingOptOut,
          SensitiveData(sensitive),
          KnownChild(child),
          kPersonalDataConsents,
          kMspaCoveredTransaction,
          kMspaOptOutOptionMode,
          kMspaServiceProviderMode};
}
// Version 2 added 4 sensitive data categories and a third child age band.
constexpr std::array kNationalV1 = NationalLayout(12, 2);
constexpr std::array kNationalV2 = NationalLayout(16, 3);
constexpr std::array kCalifornia{
    kSaleOptOutNotice,     kSharingOptOutNotice,    kSensitiveDataLimitUseNotice,
    kSaleOptOut,           kSharingOptOut,          SensitiveData(9),
    KnownChild(2),         kPersonalDataConsents,   kMspaCoveredTransaction,
    kMspaOptOutOptionMode, kMspaServiceProviderMode};
// Virginia, Colorado and Connecticut differ only in the number of sensitive data categories
// and child age bands; Utah adds a sensitive data processing opt-out notice.
constexpr std::array<UsField, 10> StateLayout(std::size_t sensitive, std::size_t child) {
  return {kSharingNotice,
          kSaleOptOutNotice,
          kTargetedAdvertisingOptOutNotice,
          kSaleOptOut,
          kTargetedAdvertisingOptOut,
          SensitiveData(sensitive),
          KnownChild(child),
          kMspaCoveredTransaction,
          kMspaOptOutOptionMode,
          kMspaServiceProviderMode};
}
constexpr std::array kVirginia = StateLayout(8, 1);
constexpr std::array kColorado = StateLayout(7, 1);
constexpr std::array kConnecticut = StateLayout(8, 3);
constexpr std::array kUtah{kSharingNotice,
                           kSaleOptOutNotice,
                           kTargetedAdvertisingOptOutNotice,
                           kSensitiveDataProcessingOptOutNotice,
                           kSaleOptOut,
                           kTargetedAdvertisingOptOut,
                           SensitiveData(8),
                           KnownChild(1),
                           kMspaCoveredTransaction,
                           kMspaOptOutOptionMode,
                           kMspaServiceProviderMode};

constexpr std::array kLayouts{
    UsLayout{UsSectionId::kNational, 1, true, kNationalV1},
    UsLayout{UsSectionId::kNational, 2, true, kNationalV2},
    UsLayout{UsSectionId::kCalifornia, 1, true, kCalifornia},
    UsLayout{UsSectionId::kVirginia, 1, false, kVirginia},
    UsLayout{UsSectionId::kColorado, 1, true, kColorado},
    UsLayout{UsSectionId::kUtah, 1, false, kUtah},
    UsLayout{UsSectionId::kConnecticut, 1, true, kConnecticut},
};

const UsLayout* FindLayout(UsSectionId id, int version) {
  for (const UsLayout& layout : kLayouts) {
    if (layout.id == id && layout.version == version) return &layout;
  }
  return nullptr;
}

bool HasField(const UsLayout& layout, int UsSection::*value) {
  for (const UsField& field : layout.fields) {
    if (field.value == value) return true;
  }
  return false;
}

std::string SectionContext(UsSectionId id) {
  return "section " + std::to_string(static_cast<int>(id)) + " (" + std::string(UsSectionName(id)) +
         ")";
}

void ReadValue(BitReader& reader, int& out, const Where& where) {
  const std::size_t at = reader.position();
  out = static_cast<int>(reader.Read(kValueBits, where));
  if (reader.ok() && out > kMaxValue) reader.Fail(at, "value 3 is not defined", where);
}

}  // namespace

std::string_view UsSectionName(UsSectionId id) {
  switch (id) {
    case UsSectionId::kNational:
      return "usnat";
    case UsSectionId::kCalifornia:
      return "usca";
    case UsSectionId::kVirginia:
      return "usva";
    case UsSectionId::kColorado:
      return "usco";
    case UsSectionId::kUtah:
      return "usut";
    case UsSectionId::kConnecticut:
      return "usct";
  }
  return "us";
}

StatusOr<UsSection> DecodeUsSection(UsSectionId id, std::string_view text,
                                    std::size_t char_offset) {
  const std::size_t dot = text.find('.');
  const std::string_view core_text = text.substr(0, dot);
  const std::string context = SectionContext(id);
  const std::string core_name = context + " core segment";
  Bits bits;
  PRIVET_RETURN_IF_ERROR(Base64UrlToBits(core_text, char_offset, core_name, "gpp", bits));
  BitReader reader(bits, core_name, "gpp");
  UsSection section;
  section.version = static_cast<int>(reader.Read(6, "version"));
  PRIVET_RETURN_IF_ERROR(reader.status());
  const UsLayout* layout = FindLayout(id, section.version);
  if (layout == nullptr) {
    return InvalidArgument(context + ": version " + std::to_string(section.version) +
                               " not supported at bit 0 (core segment: version)",
                           "gpp");
  }
  for (const UsField& field : layout->fields) {
    if (field.value != nullptr) {
      ReadValue(reader, section.*field.value, field.name);
      continue;
    }
    std::vector<int>& list = section.*field.list;
    list.resize(field.count);
    for (std::size_t i = 0; i < field.count; ++i) {
      ReadValue(reader, list[i], Where(field.name, "entry", i + 1));
    }
  }
  PRIVET_RETURN_IF_ERROR(reader.status());
  if (dot == std::string_view::npos) return section;

  const std::string_view gpc_text = text.substr(dot + 1);
  const std::string gpc_name = context + " GPC segment";
  if (!layout->has_gpc || gpc_text.find('.') != std::string_view::npos) {
    return InvalidArgument(
        context + ": unexpected segment at character " + std::to_string(char_offset + dot + 1),
        "gpp");
  }
  Bits gpc_bits;
  PRIVET_RETURN_IF_ERROR(
      Base64UrlToBits(gpc_text, char_offset + dot + 1, gpc_name, "gpp", gpc_bits));
  BitReader gpc_reader(gpc_bits, gpc_name, "gpp");
  const auto type = static_cast<int>(gpc_reader.Read(2, "segment type"));
  if (gpc_reader.ok() && type != kGpcSegmentType) {
    gpc_reader.Fail(0, "segment type " + std::to_string(type) + " is not 1", "segment type");
  }
  section.gpc = gpc_reader.ReadBool("gpc");
  PRIVET_RETURN_IF_ERROR(gpc_reader.status());
  return section;
}

StatusOr<std::string> EncodeUsSection(UsSectionId id, const UsSection& section) {
  const std::string context = SectionContext(id);
  const UsLayout* layout = FindLayout(id, section.version);
  if (layout == nullptr) {
    return InvalidArgument(
        context + ": version " + std::to_string(section.version) + " not supported", "gpp");
  }
  // US National v2 has every field of UsSection: none it lacks may be set.
  for (const UsField& field : kNationalV2) {
    if (field.value != nullptr && section.*field.value != 0 && !HasField(*layout, field.value)) {
      return InvalidArgument(context + " has no field " + std::string(field.name), "gpp");
    }
  }
  if (section.gpc && !layout->has_gpc) {
    return InvalidArgument(context + " has no GPC segment", "gpp");
  }
  BitWriter core;
  core.Write(static_cast<uint64_t>(section.version), 6);
  for (const UsField& field : layout->fields) {
    std::span<const int> values;
    if (field.value != nullptr) {
      values = std::span<const int>(&(section.*field.value), 1);
    } else {
      values = section.*field.list;
      if (values.size() != field.count) {
        return InvalidArgument(context + ": " + std::string(field.name) + " needs " +
                                   std::to_string(field.count) + " values, has " +
                                   std::to_string(values.size()),
                               "gpp");
      }
    }
    for (const int value : values) {
      if (value < 0 || value > kMaxValue) {
        return InvalidArgument(context + ": " + std::string(field.name) + " value " +
                                   std::to_string(value) + " outside 0..2",
                               "gpp");
      }
      core.Write(static_cast<uint64_t>(value), kValueBits);
    }
  }
  std::string out;
  core.AppendBase64Url(Padding::kCompressed, out);
  if (section.gpc) {
    BitWriter gpc;
    gpc.Write(kGpcSegmentType, 2);
    gpc.WriteBool(*section.gpc);
    out.push_back('.');
    gpc.AppendBase64Url(Padding::kCompressed, out);
  }
  return out;
}

}  // namespace privet::signals
