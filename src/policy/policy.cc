// Names and small helpers of the policy model (include/privet/policy.h).
#include "privet/policy.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace privet {

std::string Diagnostic::ToString() const {
  std::string out = path;
  out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column) + ": ";
  out += severity == Severity::kError ? "error: " : "warning: ";
  out += message;
  return out;
}

std::string_view LegalBasisName(LegalBasis b) {
  switch (b) {
    case LegalBasis::kConsent: return "consent";
    case LegalBasis::kContract: return "contract";
    case LegalBasis::kLegalObligation: return "legal_obligation";
    case LegalBasis::kVitalInterests: return "vital_interests";
    case LegalBasis::kPublicTask: return "public_task";
    case LegalBasis::kLegitimateInterests: return "legitimate_interests";
  }
  return "unknown";
}

std::string_view LegalBasisTitle(LegalBasis b) {
  switch (b) {
    case LegalBasis::kConsent: return "Consent";
    case LegalBasis::kContract: return "Contract";
    case LegalBasis::kLegalObligation: return "Legal obligation";
    case LegalBasis::kVitalInterests: return "Vital interests";
    case LegalBasis::kPublicTask: return "Public task";
    case LegalBasis::kLegitimateInterests: return "Legitimate interests";
  }
  return "Unknown";
}

std::string_view ConsentModeName(ConsentMode m) {
  switch (m) {
    case ConsentMode::kNone: return "none";
    case ConsentMode::kRequired: return "required";
    case ConsentMode::kOptOut: return "opt_out";
  }
  return "unknown";
}

std::string_view DataSourceName(DataSource s) {
  switch (s) {
    case DataSource::kSubject: return "subject";
    case DataSource::kConnectedPerson: return "connected_person";
    case DataSource::kCookies: return "cookies";
    case DataSource::kAggregator: return "aggregator";
    case DataSource::kPartner: return "partner";
    case DataSource::kPublicSource: return "public_source";
    case DataSource::kSocialNetwork: return "social_network";
    case DataSource::kDerived: return "derived";
    case DataSource::kCustomer: return "customer";
  }
  return "unknown";
}

std::string_view RecipientKindName(RecipientKind k) {
  switch (k) {
    case RecipientKind::kProcessor: return "processor";
    case RecipientKind::kSubProcessor: return "sub_processor";
    case RecipientKind::kAffiliate: return "affiliate";
    case RecipientKind::kPartner: return "partner";
    case RecipientKind::kAuthority: return "authority";
    case RecipientKind::kController: return "controller";
    case RecipientKind::kThirdParty: return "third_party";
  }
  return "unknown";
}

std::string_view AnchorEventName(AnchorEvent a) {
  switch (a) {
    case AnchorEvent::kCollection: return "collection";
    case AnchorEvent::kLastActivity: return "last_activity";
    case AnchorEvent::kLastApplication: return "last_application";
    case AnchorEvent::kContractEnd: return "contract_end";
    case AnchorEvent::kProcessEnd: return "process_end";
    case AnchorEvent::kAnalysis: return "analysis";
  }
  return "unknown";
}

std::string_view RetentionActionName(RetentionAction a) {
  return a == RetentionAction::kDelete ? "delete" : "anonymize";
}

std::string_view RightName(Right r) {
  switch (r) {
    case Right::kAccess: return "access";
    case Right::kRectification: return "rectification";
    case Right::kErasure: return "erasure";
    case Right::kRestriction: return "restriction";
    case Right::kPortability: return "portability";
    case Right::kObjection: return "objection";
    case Right::kOptOutOfSale: return "opt_out_of_sale";
    case Right::kChildDataReport: return "child_data_report";
    case Right::kLegalBasisInquiry: return "legal_basis_inquiry";
    case Right::kLimitSensitiveUse:
      return "limit_sensitive_use";
  }
  return "unknown";
}

std::string_view SignalResponseName(SignalResponse r) {
  return r == SignalResponse::kHonor ? "honor" : "ignore";
}

std::string DurationToString(const Duration& d) {
  std::string_view unit;
  switch (d.unit) {
    case TimeUnit::kHours: unit = "hour"; break;
    case TimeUnit::kDays: unit = "day"; break;
    case TimeUnit::kBusinessDays: unit = "business day"; break;
    case TimeUnit::kWeeks: unit = "week"; break;
    case TimeUnit::kMonths: unit = "month"; break;
    case TimeUnit::kYears: unit = "year"; break;
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
      "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
      "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES",
      "SE", "IS", "LI", "NO", "EU", "EEA", "EL"};
  return std::find(kEea.begin(), kEea.end(), code) != kEea.end();
}

bool IdCovers(std::string_view ancestor, std::string_view id) {
  if (id.size() < ancestor.size() || id.substr(0, ancestor.size()) != ancestor) return false;
  return id.size() == ancestor.size() || id[ancestor.size()] == '.';
}

}  // namespace privet
