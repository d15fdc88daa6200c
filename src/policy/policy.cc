// Names and small helpers of the policy model (include/privet/policy.h).
#include "privet/policy.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "policy/policy_names.h"

namespace privet {

std::string Diagnostic::ToString() const {
  std::string out = path;
  out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column) + ": ";
  out += severity == Severity::kError ? "error: " : "warning: ";
  out += message;
  return out;
}

// The names live in policy_names.h, one table per enum.
std::string_view LegalBasisName(LegalBasis b) { return policy_internal::kLegalBasisNames.Name(b); }
std::string_view LegalBasisTitle(LegalBasis b) {
  return policy_internal::kLegalBasisTitles.Name(b, "Unknown");
}
std::string_view ConsentModeName(ConsentMode m) {
  return policy_internal::kConsentModeNames.Name(m);
}
std::string_view DataSourceName(DataSource s) { return policy_internal::kDataSourceNames.Name(s); }
std::string_view RecipientKindName(RecipientKind k) {
  return policy_internal::kRecipientKindNames.Name(k);
}
std::string_view AnchorEventName(AnchorEvent a) {
  return policy_internal::kAnchorEventNames.Name(a);
}
std::string_view RetentionActionName(RetentionAction a) {
  return policy_internal::kRetentionActionNames.Name(a);
}
std::string_view RightName(Right r) { return policy_internal::kRightNames.Name(r); }
std::string_view SignalResponseName(SignalResponse r) {
  return policy_internal::kSignalResponseNames.Name(r);
}

std::optional<LegalBasis> ParseLegalBasisName(std::string_view name) {
  return policy_internal::kLegalBasisNames.Parse(name);
}
std::optional<ConsentMode> ParseConsentModeName(std::string_view name) {
  return policy_internal::kConsentModeNames.Parse(name);
}
std::optional<DataSource> ParseDataSourceName(std::string_view name) {
  return policy_internal::kDataSourceNames.Parse(name);
}
std::optional<RecipientKind> ParseRecipientKindName(std::string_view name) {
  return policy_internal::kRecipientKindNames.Parse(name);
}
std::optional<AnchorEvent> ParseAnchorEventName(std::string_view name) {
  return policy_internal::kAnchorEventNames.Parse(name);
}
std::optional<RetentionAction> ParseRetentionActionName(std::string_view name) {
  return policy_internal::kRetentionActionNames.Parse(name);
}
std::optional<Right> ParseRightName(std::string_view name) {
  return policy_internal::kRightNames.Parse(name);
}
std::optional<SignalResponse> ParseSignalResponseName(std::string_view name) {
  return policy_internal::kSignalResponseNames.Parse(name);
}

const MarketingChannel* FindMarketingChannel(const Policy& policy, std::string_view id) {
  for (const MarketingChannel& m : policy.marketing_channels)
    if (m.id == id) return &m;
  return nullptr;
}

const Cookie* FindCookie(const Policy& policy, std::string_view id) {
  for (const Cookie& c : policy.cookies)
    if (c.id == id) return &c;
  return nullptr;
}

const SubjectKind* DeviceKind(const Policy& policy) {
  for (const SubjectKind& k : policy.subject_kinds)
    if (k.device) return &k;
  return nullptr;
}

bool IsDeviceKind(const Policy& policy, std::string_view kind) {
  const SubjectKind* device = DeviceKind(policy);
  return device != nullptr && device->id == kind;
}

std::string DurationToString(const Duration& d) {
  std::string_view unit;
  switch (d.unit) {
    case TimeUnit::kHours:
      unit = "hour";
      break;
    case TimeUnit::kDays:
      unit = "day";
      break;
    case TimeUnit::kBusinessDays:
      unit = "business day";
      break;
    case TimeUnit::kWeeks:
      unit = "week";
      break;
    case TimeUnit::kMonths:
      unit = "month";
      break;
    case TimeUnit::kYears:
      unit = "year";
      break;
  }
  std::string out = std::to_string(d.count) + " " + std::string(unit);
  if (d.count != 1) out += 's';
  return out;
}

std::string CivilDayToString(const CivilDay& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
  return buf;
}

bool IsEeaCountry(std::string_view code) {
  // EU member states, the other EEA states (IS, LI, NO), and the bloc names themselves.
  static constexpr std::array<std::string_view, 33> kEea = {
      "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",  "DE",
      "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL",  "PT",
      "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EU", "EEA", "EL"};
  return std::find(kEea.begin(), kEea.end(), code) != kEea.end();
}

bool IdCovers(std::string_view ancestor, std::string_view id) {
  if (id.size() < ancestor.size() || id.substr(0, ancestor.size()) != ancestor) return false;
  return id.size() == ancestor.size() || id[ancestor.size()] == '.';
}

}  // namespace privet
