// Plain-English words for policy values (see notice_text.h).
#include "policy/notice_text.h"

#include <algorithm>
#include <array>
#include <utility>

namespace privet::policy_internal {
namespace {

struct Name {
  std::string_view code;
  std::string_view text;
};

// Regions and countries that policies name most often; anything else is shown as its code.
constexpr std::array<Name, 30> kPlaces = {{
    {"EU", "the European Union"},
    {"EEA", "the European Economic Area"},
    {"UK", "the United Kingdom"},
    {"GB", "the United Kingdom"},
    {"US", "the United States"},
    {"CA", "Canada"},
    {"CH", "Switzerland"},
    {"AU", "Australia"},
    {"BR", "Brazil"},
    {"IN", "India"},
    {"JP", "Japan"},
    {"IL", "Israel"},
    {"SG", "Singapore"},
    {"DE", "Germany"},
    {"FR", "France"},
    {"IE", "Ireland"},
    {"NL", "the Netherlands"},
    {"ES", "Spain"},
    {"IT", "Italy"},
    {"SE", "Sweden"},
    {"FI", "Finland"},
    {"PL", "Poland"},
    {"US-CA", "California, United States"},
    {"US-MA", "Massachusetts, United States"},
    {"US-NY", "New York, United States"},
    {"US-VA", "Virginia, United States"},
    {"US-CO", "Colorado, United States"},
    {"US-CT", "Connecticut, United States"},
    {"US-TX", "Texas, United States"},
    {"US-UT", "Utah, United States"},
}};

std::string_view PlaceName(std::string_view code) {
  for (const Name& n : kPlaces) {
    if (n.code == code) return n.text;
  }
  return {};
}

std::string PlaceText(std::string_view code) {
  std::string_view name = PlaceName(code);
  if (name.empty()) return std::string(code);
  return std::string(name) + " (" + std::string(code) + ")";
}

// "US-CA" -> "US"; "UK" -> "GB"; "EL" -> "GR".
std::string_view CountryOf(std::string_view code) {
  code = code.substr(0, code.find('-'));
  if (code == "UK") return "GB";
  if (code == "EL") return "GR";
  return code;
}

}  // namespace

std::string Humanize(std::string_view code) {
  std::string out(code);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string JoinWords(const std::vector<std::string>& words, std::string_view last) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += i + 1 == words.size() ? " " + std::string(last) + " " : ", ";
    }
    out += words[i];
  }
  return out;
}

std::string JurisdictionText(std::string_view code) { return PlaceText(code); }

std::string CountryText(std::string_view iso_code) { return PlaceText(iso_code); }

std::string TransferMechanismText(std::string_view mechanism) {
  if (mechanism == "scc") return "standard contractual clauses";
  if (mechanism == "bcr") return "binding corporate rules";
  if (mechanism == "adequacy") return "an adequacy decision";
  if (mechanism == "derogation") return "a derogation for specific situations (GDPR Art. 49)";
  if (mechanism == "dpf") return "the EU-US Data Privacy Framework";
  return Humanize(mechanism);
}

std::string PreconditionText(std::string_view precondition) {
  if (precondition == "court_order") return "only with a court order";
  if (precondition == "subject_request") return "only when you ask us to";
  if (precondition == "contract") return "only as a contract requires";
  if (precondition == "legal_obligation") return "only when the law requires it";
  if (precondition == "subpoena") return "only with a subpoena";
  if (precondition == "warrant") return "only with a warrant";
  if (precondition == "legal_process") return "only with legal process, such as a court order";
  return "only in case of " + Humanize(precondition);
}

std::string_view RecipientKindText(RecipientKind kind) {
  switch (kind) {
    case RecipientKind::kProcessor:
      return "service provider acting on our instructions (processor)";
    case RecipientKind::kSubProcessor:
      return "sub-processor acting on our instructions";
    case RecipientKind::kAffiliate:
      return "company in our group (affiliate)";
    case RecipientKind::kPartner:
      return "partner";
    case RecipientKind::kAuthority:
      return "public authority (courts, police or regulators)";
    case RecipientKind::kController:
      return "independent controller";
    case RecipientKind::kThirdParty:
      return "unaffiliated third party";
  }
  return "recipient";
}

std::string_view AnchorText(AnchorEvent anchor) {
  switch (anchor) {
    case AnchorEvent::kCollection:
      return "after it was collected";
    case AnchorEvent::kLastActivity:
      return "after the last recorded activity";
    case AnchorEvent::kLastApplication:
      return "after the last application date";
    case AnchorEvent::kContractEnd:
      return "after the contract ends";
    case AnchorEvent::kProcessEnd:
      return "after the process it was collected for ends";
    case AnchorEvent::kAnalysis:
      return "after the analysis that uses it";
  }
  return "after it was collected";
}

std::string_view RightTitle(Right right) {
  switch (right) {
    case Right::kAccess:
      return "Access";
    case Right::kRectification:
      return "Rectification";
    case Right::kErasure:
      return "Erasure";
    case Right::kRestriction:
      return "Restriction";
    case Right::kPortability:
      return "Portability";
    case Right::kObjection:
      return "Objection";
    case Right::kOptOutOfSale:
      return "Opt out of sale or sharing";
    case Right::kChildDataReport:
      return "Report a child's data";
    case Right::kLegalBasisInquiry:
      return "Ask about the legal basis";
    case Right::kLimitSensitiveUse:
      return "Limit the use of sensitive personal information";
  }
  return "Right";
}

std::string_view RightDescription(Right right) {
  switch (right) {
    case Right::kAccess:
      return "get a copy of the personal data we hold about you";
    case Right::kRectification:
      return "have incorrect or incomplete data about you corrected";
    case Right::kErasure:
      return "have your personal data deleted";
    case Right::kRestriction:
      return "ask us to limit how we use your data";
    case Right::kPortability:
      return "receive your data in a structured, machine-readable format, or have it sent to "
             "another organization";
    case Right::kObjection:
      return "object to processing based on our legitimate interests, and to direct marketing "
             "at any time";
    case Right::kOptOutOfSale:
      return "tell us not to sell or share your personal data";
    case Right::kChildDataReport:
      return "tell us that a child's personal data was given to us, so that we delete it";
    case Right::kLegalBasisInquiry:
      return "ask which legal basis applies to your data, and whether providing it is a legal "
             "or contractual requirement";
    case Right::kLimitSensitiveUse:
      return "tell us to use your sensitive personal information only for what the law permits "
             "without asking you: providing what you asked for, security, fraud prevention and "
             "safety";
  }
  return "";
}

std::string_view LegalBasisArticle(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kConsent:
      return "Art. 6(1)(a)";
    case LegalBasis::kContract:
      return "Art. 6(1)(b)";
    case LegalBasis::kLegalObligation:
      return "Art. 6(1)(c)";
    case LegalBasis::kVitalInterests:
      return "Art. 6(1)(d)";
    case LegalBasis::kPublicTask:
      return "Art. 6(1)(e)";
    case LegalBasis::kLegitimateInterests:
      return "Art. 6(1)(f)";
  }
  return "";
}

std::string MoneyText(int amount_cents, std::string_view currency) {
  long long cents = amount_cents;
  std::string sign = cents < 0 ? "-" : "";
  if (cents < 0) cents = -cents;
  std::string frac = std::to_string(cents % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  std::string out = sign + std::to_string(cents / 100) + "." + frac;
  if (!currency.empty()) out += " " + std::string(currency);
  return out;
}

std::string MarketingChannelText(std::string_view channel) {
  if (channel == "email") return "Email";
  if (channel == "sms") return "Text messages (SMS)";
  if (channel == "phone" || channel == "telephone") return "Phone calls";
  if (channel == "postal" || channel == "post") return "Postal mail";
  if (channel == "push") return "Push notifications";
  std::string out = Humanize(channel);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string CollectedFieldText(std::string_view field) {
  static constexpr std::array<Name, 12> kFields = {{
      {"ip", "IP address"},
      {"browser", "browser type"},
      {"os", "operating system"},
      {"language", "language"},
      {"referrer", "referring page"},
      {"pages", "pages visited"},
      {"time_on_page", "time spent on each page"},
      {"searches", "searches"},
      {"times", "access times"},
      {"device", "device type"},
      {"user_agent", "browser user agent"},
      {"location", "approximate location"},
  }};
  for (const Name& n : kFields) {
    if (n.code == field) return std::string(n.text);
  }
  return Humanize(field);
}

}  // namespace privet::policy_internal

namespace privet {

bool IsThirdCountryTransfer(const Policy& p, std::string_view country) {
  if (country.empty()) return false;
  // Under the GDPR (a jurisdiction in the EEA) or the UK GDPR, home is the EEA and/or the UK;
  // elsewhere, home is the countries of the policy's jurisdictions.
  bool eea = false;
  bool uk = false;
  for (const std::string& j : p.jurisdictions) {
    eea = eea || IsEeaCountry(j);
    uk = uk || policy_internal::CountryOf(j) == "GB";
  }
  std::string_view c = policy_internal::CountryOf(country);
  if (eea || uk) return !((eea && IsEeaCountry(c)) || (uk && c == "GB"));
  for (const std::string& j : p.jurisdictions) {
    if (policy_internal::CountryOf(j) == c) return false;
  }
  return true;
}

}  // namespace privet
