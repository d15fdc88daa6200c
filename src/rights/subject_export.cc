// Access and portability exports, the legal-basis report (CN06), and what erasure must keep.
#include <algorithm>

#include "common/unix_time.h"
#include "policy/retention_rules.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "rights/internal.h"
#include "vault/retention_facts.h"
#include "vault/vault_core.h"

namespace privet::rights_internal {
namespace {

using nlohmann::json;
using vault_internal::CoreOf;

// True if the released category `released` covers `category` (the same, or an ancestor).
bool Covers(const std::string& released, const std::string& category) {
  return category == released ||
         (category.size() > released.size() && category.rfind(released + ".", 0) == 0);
}

// Art. 20(1)(a): provided by the subject, and processed on consent or a contract (for any of
// the purposes it is held for).
bool Portable(const FieldValue& f, const std::vector<HeldUnder>& bases) {
  return f.source == DataSource::kSubject &&
         std::any_of(bases.begin(), bases.end(), [](const HeldUnder& h) {
           return h.basis == LegalBasis::kConsent || h.basis == LegalBasis::kContract;
         });
}

// "service:contract;marketing:consent" for a CSV cell.
std::string BasesText(const std::vector<HeldUnder>& bases) {
  std::string out;
  for (const HeldUnder& h : bases) {
    out += (out.empty() ? "" : ";") + h.purpose + ":" +
           (h.basis ? std::string(LegalBasisName(*h.basis)) : "");
  }
  return out;
}

std::string Joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// The document as text; a value that is not valid UTF-8 (older or imported data: writes check it)
// is written with U+FFFD in its place rather than throwing.
std::string Dumped(const json& document) {
  return document.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string CsvCell(std::string_view text) {
  // OWASP: what a spreadsheet would evaluate starts with one of these; the quote makes it text.
  constexpr std::string_view kFormulaStarts = "=+-@\t\r";
  std::string out = "\"";
  if (!text.empty() && kFormulaStarts.find(text.front()) != std::string_view::npos) out += '\'';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool FeeApplies(const Fee& fee, std::string_view jurisdiction) {
  return fee.jurisdiction.empty() || fee.jurisdiction == jurisdiction ||
         jurisdiction.rfind(fee.jurisdiction + "-", 0) == 0;
}

std::vector<HeldUnder> LegalBases(const CompiledPolicy& policy, const FieldValue& field) {
  std::vector<HeldUnder> out;
  for (size_t i = 0; i < field.purposes.size(); ++i) {
    HeldUnder h{.purpose = field.purposes[i]};
    if (std::optional<PurposeId> id = policy.FindPurpose(h.purpose)) {
      h.basis = policy.purpose(*id).basis;
    } else if (i == 0) {
      h.basis = field.basis;  // recorded at collection, for the first purpose
    }
    out.push_back(std::move(h));
  }
  return out;
}

namespace {

// What describing a subject's fields needs, loaded once.
struct Holdings {
  std::vector<FieldValue> fields;
  retention_internal::SubjectFacts facts;
  std::vector<DisclosureEntry> disclosures;
  int64_t now = 0;
};

StatusOr<Holdings> LoadHoldings(Vault& vault, uint64_t subject_id) {
  Holdings h;
  PRIVET_ASSIGN_OR_RETURN(h.fields, CoreOf(vault).AllFields(subject_id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> records,
                          CoreOf(vault).data().GetFields(subject_id));
  PRIVET_ASSIGN_OR_RETURN(h.facts, retention_internal::LoadFacts(vault, subject_id, records));
  PRIVET_ASSIGN_OR_RETURN(h.disclosures, vault.Disclosures(subject_id));
  h.now = ToUnix(CoreOf(vault).clock().Now());
  return h;
}

// One field as the subject is told of it: its uses and their bases, its retention (the rules
// covering it into `covering`), the recipients it went to.
FieldHeld Describe(const FieldValue& f, const std::vector<HeldUnder>& bases,
                   const retention_internal::RuleSet& rules, const Holdings& h,
                   std::vector<const RetentionRule*>* covering) {
  FieldHeld out{.id = f.id,
                .category = f.category,
                .value = f.value,
                .source = f.source,
                .collected_at = f.collected_at,
                .last_activity = f.last_activity,
                .policy_version = f.policy_version};
  for (const HeldUnder& b : bases) out.uses.push_back({.purpose = b.purpose, .basis = b.basis});
  retention_internal::Verdict v =
      rules.Evaluate(f.category, f.purposes, ToUnix(f.collected_at), h.facts, h.now);
  if (covering != nullptr) *covering = v.covering;
  if (v.ends_at) out.retention_ends = FromUnix(*v.ends_at);
  for (const DisclosureEntry& d : h.disclosures) {
    const bool released = std::any_of(d.categories.begin(), d.categories.end(),
                                      [&](const std::string& c) { return Covers(c, f.category); });
    if (released && std::find(out.disclosed_to.begin(), out.disclosed_to.end(), d.recipient) ==
                        out.disclosed_to.end()) {
      out.disclosed_to.push_back(d.recipient);
    }
  }
  return out;
}

json FieldJson(const FieldHeld& f) {
  json uses = json::array();
  for (const FieldHeld::Use& u : f.uses) {
    uses.push_back({{"purpose", u.purpose},
                    {"basis", u.basis ? json(LegalBasisName(*u.basis)) : json(nullptr)}});
  }
  json purposes = json::array();
  for (const FieldHeld::Use& u : f.uses) purposes.push_back(u.purpose);
  return {{"category", f.category},
          {"value", f.value},
          {"id", std::to_string(f.id)},
          {"source", DataSourceName(f.source)},
          {"purposes", purposes},
          {"legal_bases", uses},
          {"collected_at", Rfc3339(f.collected_at)},
          {"last_activity", Rfc3339(f.last_activity)},
          {"policy_version", f.policy_version},
          {"retention_ends", f.retention_ends ? json(Rfc3339(*f.retention_ends)) : json(nullptr)},
          {"disclosed_to", f.disclosed_to}};
}

}  // namespace

StatusOr<std::vector<FieldHeld>> FieldsHeld(Vault& vault, uint64_t subject_id,
                                            std::vector<std::string>* categories) {
  PRIVET_RETURN_IF_ERROR(vault.GetSubject(subject_id).status());
  PRIVET_ASSIGN_OR_RETURN(Holdings h, LoadHoldings(vault, subject_id));
  const retention_internal::RuleSet rules(vault.policy());
  std::vector<FieldHeld> out;
  for (const FieldValue& f : h.fields) {
    out.push_back(Describe(f, LegalBases(vault.policy(), f), rules, h, nullptr));
    if (categories != nullptr &&
        std::find(categories->begin(), categories->end(), f.category) == categories->end()) {
      categories->push_back(f.category);
    }
  }
  return out;
}

StatusOr<std::string> ExportSubject(Vault& vault, uint64_t subject_id, bool portable,
                                    std::vector<std::string>* exported) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo info, vault.GetSubject(subject_id));
  PRIVET_ASSIGN_OR_RETURN(Holdings h, LoadHoldings(vault, subject_id));
  const retention_internal::RuleSet rules(vault.policy());

  json out;
  // Version 2: every field lists its legal bases (one per purpose) in place of a single
  // `legal_basis`, and the Art. 15 information stands beside the data.
  out["format"] = portable ? "privet.portable/1" : "privet.export/3";
  out["generated_at"] = Rfc3339(CoreOf(vault).clock().Now());
  json subject = {{"id", std::to_string(info.id)}, {"kind", info.kind}};
  if (!portable) {
    subject["created_at"] = Rfc3339(info.created_at);
    subject["jurisdiction"] = info.jurisdiction;
    if (info.birth_date) subject["birth_date"] = DayString(*info.birth_date);
    if (info.age_years) subject["age_years"] = *info.age_years;
    if (info.organization_id != 0) subject["organization"] = std::to_string(info.organization_id);
    subject["policy_version"] = info.policy_version;
  }
  out["subject"] = subject;

  const CompiledPolicy& policy = vault.policy();
  json jfields = json::array();
  std::vector<HeldField> held;
  for (const FieldValue& f : h.fields) {
    const std::vector<HeldUnder> bases = LegalBases(policy, f);
    if (portable && !Portable(f, bases)) continue;
    if (exported != nullptr &&
        std::find(exported->begin(), exported->end(), f.category) == exported->end())
      exported->push_back(f.category);
    if (portable) {
      jfields.push_back({{"category", f.category}, {"value", f.value}});
      continue;
    }
    HeldField covered{.field = &f};
    jfields.push_back(FieldJson(Describe(f, bases, rules, h, &covered.retention)));
    held.push_back(std::move(covered));
  }
  out["fields"] = jfields;
  if (portable) return Dumped(out);
  out["information"] = AccessInformation(policy, info, held, h.disclosures);

  PRIVET_ASSIGN_OR_RETURN(std::vector<ConsentEvent> history, vault.ConsentHistory(subject_id));
  json consents = json::array();
  for (const ConsentEvent& e : history) {
    consents.push_back({{"purpose", e.purpose},
                        {"channel", e.channel},
                        {"recipient", e.recipient},
                        {"action", ConsentActionName(e.action)},
                        {"source", ConsentSourceName(e.source)},
                        {"at", Rfc3339(e.at)},
                        {"policy_version", e.policy_version}});
  }
  out["consent_history"] = consents;
  json jdisclosures = json::array();
  for (const DisclosureEntry& d : h.disclosures) {
    jdisclosures.push_back({{"recipient", d.recipient},
                            {"purpose", d.purpose},
                            {"categories", d.categories},
                            {"at", Rfc3339(d.at)}});
  }
  out["disclosures"] = jdisclosures;
  PRIVET_ASSIGN_OR_RETURN(std::vector<Tracked> requests,
                          RequestsOfSubject(CoreOf(vault).data(), subject_id));
  json jrequests = json::array();
  for (const Tracked& r : requests) {
    jrequests.push_back({{"id", std::to_string(r.id)},
                         {"right", RightName(r.right)},
                         {"state", RequestStateName(r.state)},
                         {"received_at", Rfc3339(r.received_at)}});
  }
  out["requests"] = jrequests;
  return Dumped(out);
}

StatusOr<std::map<std::string, std::string>> ExportCsv(Vault& vault, uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<FieldValue> fields, CoreOf(vault).AllFields(subject_id));
  std::map<std::string, std::string> out;
  for (const FieldValue& f : fields) {
    std::string& csv = out[f.category];
    if (csv.empty()) csv = std::string(kCsvHeader);
    const std::vector<std::string> cells = {std::to_string(f.id),
                                            f.category,
                                            f.value,
                                            std::string(DataSourceName(f.source)),
                                            Joined(f.purposes, ";"),
                                            BasesText(LegalBases(vault.policy(), f)),
                                            Rfc3339(f.collected_at)};
    for (size_t i = 0; i < cells.size(); ++i) csv += (i == 0 ? "" : ",") + CsvCell(cells[i]);
    csv += "\r\n";
  }
  return out;
}

StatusOr<std::string> LegalBasisReport(Vault& vault, uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields,
                          CoreOf(vault).data().GetFields(subject_id));
  const CompiledPolicy& policy = vault.policy();
  std::map<std::string, std::vector<std::string>> categories_by_purpose;
  for (const store::FieldRecord& f : fields) {
    for (const std::string& p : f.purposes) categories_by_purpose[p].push_back(f.category);
  }
  json purposes = json::array();
  for (auto& [purpose, categories] : categories_by_purpose) {
    std::optional<PurposeId> id = policy.FindPurpose(purpose);
    if (!id) continue;
    const LegalBasis basis = policy.purpose(*id).basis;
    std::sort(categories.begin(), categories.end());
    categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
    purposes.push_back({{"purpose", purpose},
                        {"legal_basis", LegalBasisName(basis)},
                        {"categories", categories},
                        // Providing data is a requirement only where a contract or a law needs it.
                        {"statutory_requirement", basis == LegalBasis::kLegalObligation},
                        {"contractual_requirement", basis == LegalBasis::kContract}});
  }
  return json{{"format", "privet.legal_basis/1"},
              {"subject", std::to_string(subject_id)},
              {"purposes", purposes}}
      .dump(2);
}

StatusOr<std::vector<Kept>> KeptFields(Vault& vault, uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields,
                          CoreOf(vault).data().GetFields(subject_id));
  PRIVET_ASSIGN_OR_RETURN(retention_internal::SubjectFacts facts,
                          retention_internal::LoadFacts(vault, subject_id, fields));
  const retention_internal::RuleSet rules(vault.policy());
  const int64_t now = ToUnix(CoreOf(vault).clock().Now());
  std::vector<Kept> kept;
  for (const store::FieldRecord& f : fields) {
    retention_internal::Verdict v =
        rules.Evaluate(f.category, f.purposes, f.collected_at, facts, now);
    if (v.hold) {
      kept.push_back({f.id, "legal_hold:" + v.hold->ground, "GDPR Art. 17(3)(e)"});
    } else if (v.obligation) {
      kept.push_back({f.id, "legal_obligation:" + v.obligation->id, "GDPR Art. 17(3)(b)"});
    }
  }
  return kept;
}

}  // namespace privet::rights_internal
