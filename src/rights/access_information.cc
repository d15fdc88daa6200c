// The information GDPR Art. 15(1) and (2) requires beside a copy of the data: everything here is
// read from the policy in force and the subject's own fields, never written out by hand.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "privet/notice.h"
#include "privet/rights.h"
#include "rights/internal.h"

namespace privet::rights_internal {
namespace {

using nlohmann::json;

// Where a field came from (Art. 15(1)(g)): the subject, a third party, observed by the
// controller's systems, or derived by the controller from other data.
std::string_view Origin(DataSource s) {
  switch (s) {
    case DataSource::kSubject:
      return "subject";
    case DataSource::kCookies:
      return "observed";
    case DataSource::kDerived:
      return "derived";
    case DataSource::kConnectedPerson:
    case DataSource::kAggregator:
    case DataSource::kPartner:
    case DataSource::kPublicSource:
    case DataSource::kSocialNetwork:
    case DataSource::kCustomer:
      return "third_party";
  }
  return "third_party";
}

void AddUnique(json& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// The purposes that may use a field: those it is held for and those beneath them, as reads
// allow (Vault::Read), that are not prohibited and whose categories include the field's.
PurposeSet UsedFor(const CompiledPolicy& policy, const FieldValue& f) {
  PurposeSet held_for;
  for (const std::string& p : f.purposes) {
    if (std::optional<PurposeId> id = policy.FindPurpose(p)) held_for.Set(*id);
  }
  PurposeSet used;
  const std::optional<CategoryId> category = policy.FindCategory(f.category);
  if (!category) return used;
  for (int i = 0; i < policy.purpose_count(); ++i) {
    const CompiledPurpose& p = policy.purpose(static_cast<PurposeId>(i));
    if (!p.prohibited && p.categories.Test(*category) &&
        p.self_and_ancestors.Intersects(held_for)) {
      used.Set(static_cast<size_t>(i));
    }
  }
  return used;
}

json ContactJson(const Contact& c) {
  json out = json::object();
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"name", &c.name},
                                   {"email", &c.email},
                                   {"address", &c.address},
                                   {"phone", &c.phone},
                                   {"web_form", &c.web_form}}) {
    if (!value->empty()) out[key] = *value;
  }
  return out;
}

json PurposesJson(const CompiledPolicy& policy, const std::vector<HeldField>& fields,
                  const std::vector<PurposeSet>& used) {
  json out = json::array();
  for (int i = 0; i < policy.purpose_count(); ++i) {
    const PurposeId id = static_cast<PurposeId>(i);
    const Purpose& decl = policy.purpose_decl(id);
    const CompiledPurpose& p = policy.purpose(id);
    json categories = json::array();
    bool held_for = false;
    for (size_t k = 0; k < fields.size(); ++k) {
      if (!used[k].Test(id)) continue;
      AddUnique(categories, fields[k].field->category);
      const std::vector<std::string>& purposes = fields[k].field->purposes;
      held_for = held_for || std::find(purposes.begin(), purposes.end(), decl.id) != purposes.end();
    }
    if (categories.empty()) continue;
    out.push_back({{"purpose", decl.id},
                   {"description", decl.description},
                   {"legal_basis", LegalBasisName(p.basis)},
                   {"consent", ConsentModeName(p.consent)},
                   {"held_for", held_for},  // false: a purpose beneath one the data is held for
                   {"categories", categories},
                   {"objectable", p.objectable},
                   {"direct_marketing", p.direct_marketing},
                   {"profiling", p.profiling}});
  }
  return out;
}

json CategoriesJson(const CompiledPolicy& policy, const std::vector<HeldField>& fields) {
  json out = json::array();
  std::set<std::string> seen;
  for (const HeldField& h : fields) {
    if (!seen.insert(h.field->category).second) continue;
    json c = {{"category", h.field->category}};
    if (std::optional<CategoryId> id = policy.FindCategory(h.field->category)) {
      c["description"] = policy.category(*id).description;
      c["special"] = policy.category(*id).special;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Recipients that may receive some of the subject's data (a category they take, for a purpose
// that uses it), and those that did receive some (the disclosure register).
json RecipientsJson(const CompiledPolicy& policy, const std::vector<HeldField>& fields,
                    const std::vector<PurposeSet>& used,
                    const std::vector<DisclosureEntry>& disclosures) {
  json out = json::array();
  std::set<std::string> listed;
  for (const Recipient& r : policy.policy().recipients) {
    const std::optional<RecipientId> id = policy.FindRecipient(r.id);
    if (!id) continue;
    const CompiledRecipient& cr = policy.recipient(*id);
    // The policy forbids what these would be (a sale, an unaffiliated third party): nothing goes.
    if (cr.sale_refused || cr.third_party_refused) continue;
    json categories = json::array();
    json purposes = json::array();
    for (size_t k = 0; k < fields.size(); ++k) {
      const std::optional<CategoryId> category = policy.FindCategory(fields[k].field->category);
      if (!category || !cr.categories.Test(*category) || !cr.purposes.Intersects(used[k])) continue;
      AddUnique(categories, fields[k].field->category);
      for (int i = 0; i < policy.purpose_count(); ++i) {
        const PurposeId p = static_cast<PurposeId>(i);
        if (used[k].Test(p) && cr.purposes.Test(p)) AddUnique(purposes, policy.purpose_decl(p).id);
      }
    }
    const bool disclosed =
        std::any_of(disclosures.begin(), disclosures.end(),
                    [&](const DisclosureEntry& d) { return d.recipient == r.id; });
    if (categories.empty() && !disclosed) continue;
    listed.insert(r.id);
    const bool third_country = IsThirdCountryTransfer(policy.policy(), r.country);
    out.push_back(
        {{"recipient", r.id},
         {"name", r.name},
         {"kind", RecipientKindName(r.kind)},
         {"function", r.function},
         {"country", r.country},
         {"third_country", third_country},
         {"safeguards", third_country && !r.transfer_mechanism.empty() ? json(r.transfer_mechanism)
                                                                       : json(nullptr)},
         {"categories", categories},
         {"purposes", purposes},
         {"disclosed", disclosed}});
  }
  // A recipient the policy in force no longer names still received what the register says.
  for (const DisclosureEntry& d : disclosures) {
    if (!listed.insert(d.recipient).second) continue;
    out.push_back({{"recipient", d.recipient}, {"categories", d.categories}, {"disclosed", true}});
  }
  return out;
}

json RetentionJson(const std::vector<HeldField>& fields) {
  std::map<std::string, std::vector<const RetentionRule*>> by_category;
  for (const HeldField& h : fields) {
    std::vector<const RetentionRule*>& rules = by_category[h.field->category];
    for (const RetentionRule* r : h.retention) {
      if (std::find(rules.begin(), rules.end(), r) == rules.end()) rules.push_back(r);
    }
  }
  json out = json::array();
  for (const auto& [category, rules] : by_category) {
    json jrules = json::array();
    for (const RetentionRule* r : rules) {
      json j = {{"rule", r->id},
                {"description", r->description},
                {"period", DurationToString(r->duration)},
                {"from", r->anchor ? json(AnchorEventName(*r->anchor)) : json(nullptr)},
                {"action", RetentionActionName(r->action)},
                {"legal_obligation", r->legal_obligation}};
      if (!r->unless_consent.empty()) j["unless_consent"] = r->unless_consent;
      jrules.push_back(std::move(j));
    }
    // No rule: kept while a purpose needs it, until the subject asks for its erasure.
    out.push_back({{"category", category}, {"rules", jrules}, {"until_erased", jrules.empty()}});
  }
  return out;
}

json SourcesJson(const std::vector<HeldField>& fields) {
  json out = json::array();
  for (const HeldField& h : fields) {
    out.push_back({{"field_id", std::to_string(h.field->id)},
                   {"category", h.field->category},
                   {"source", DataSourceName(h.field->source)},
                   {"origin", Origin(h.field->source)}});
  }
  return out;
}

json RightsJson(const CompiledPolicy& policy, const SubjectInfo& subject) {
  const Policy& p = policy.policy();
  json offered = json::array();
  for (Right r : p.rights.offered) offered.push_back(RightName(r));
  json rights = {
      {"offered", offered}, {"channels", p.rights.channels}, {"contact", ContactJson(p.contact)}};
  if (const Deadline* d = FindDeadline(p, subject.jurisdiction)) {
    rights["deadline"] = {
        {"jurisdiction", d->jurisdiction},
        {"period", DurationToString(d->period)},
        {"extension",
         d->extension.count > 0 ? json(DurationToString(d->extension)) : json(nullptr)}};
  } else {
    rights["deadline"] = nullptr;
  }
  json fees = json::array();
  for (const Fee& fee : p.rights.fees) {
    if (FeeApplies(fee, subject.jurisdiction) && fee.amount_cents > 0) {
      fees.push_back({{"right", RightName(fee.right)},
                      {"amount_cents", fee.amount_cents},
                      {"currency", fee.currency}});
    }
  }
  rights["fees"] = fees;
  rights["routed_to_organization"] =
      p.rights.route_members_to_organization_admin && subject.organization_id != 0;
  // Art. 15(1)(f): under the GDPR or the UK GDPR, a complaint may go to a supervisory authority,
  // named when the policy names one.
  rights["complaint_to_supervisory_authority"] = policy.under_gdpr();
  if (const auto& authority = p.controller.supervisory_authority) {
    rights["supervisory_authority"] = {{"name", authority->name}, {"url", authority->url}};
  } else {
    rights["supervisory_authority"] = nullptr;
  }
  return rights;
}

// Art. 15(1)(h). Profiling as the purposes declare it; decisions based solely on automated
// processing (Art. 22) as the policy's `automated_decisions` states them: with no statement,
// `declared` is false and the export claims nothing either way.
json SolelyAutomatedJson(const Policy& p) {
  const auto& decisions = p.automated_decisions;
  if (!decisions) return {{"declared", false}, {"used", nullptr}, {"description", nullptr}};
  return {{"declared", true},
          {"used", decisions->used},
          {"description", decisions->used ? json(decisions->description) : json(nullptr)}};
}

json AutomatedDecisionsJson(const CompiledPolicy& policy, const std::vector<PurposeSet>& used) {
  PurposeSet any;
  for (const PurposeSet& s : used) any |= s;
  json purposes = json::array();
  for (int i = 0; i < policy.purpose_count(); ++i) {
    const PurposeId id = static_cast<PurposeId>(i);
    if (!any.Test(id) || !policy.purpose(id).profiling) continue;
    const Purpose& decl = policy.purpose_decl(id);
    purposes.push_back({{"purpose", decl.id},
                        {"description", decl.description},
                        {"legal_basis", LegalBasisName(policy.purpose(id).basis)},
                        {"objectable", policy.purpose(id).objectable}});
  }
  const bool profiling = !purposes.empty();
  return {{"profiling", profiling},
          {"profiling_purposes", purposes},
          {"solely_automated_decisions", SolelyAutomatedJson(policy.policy())}};
}

}  // namespace

json AccessInformation(const CompiledPolicy& policy, const SubjectInfo& subject,
                       const std::vector<HeldField>& fields,
                       const std::vector<DisclosureEntry>& disclosures) {
  std::vector<PurposeSet> used;
  used.reserve(fields.size());
  for (const HeldField& h : fields) used.push_back(UsedFor(policy, *h.field));
  const Policy& p = policy.policy();
  json controller = {{"name", p.organization}, {"contact", ContactJson(p.contact)}};
  if (!p.contact.dpo_email.empty())
    controller["data_protection_officer"] = {{"email", p.contact.dpo_email}};
  if (const auto& rep = p.controller.representative) {
    controller["representative"] = {
        {"name", rep->name}, {"email", rep->email}, {"address", rep->address}};
  }
  return {{"policy_version", policy.version()},
          {"controller", controller},
          {"purposes", PurposesJson(policy, fields, used)},
          {"categories", CategoriesJson(policy, fields)},
          {"recipients", RecipientsJson(policy, fields, used, disclosures)},
          {"retention", RetentionJson(fields)},
          {"sources", SourcesJson(fields)},
          {"rights", RightsJson(policy, subject)},
          {"automated_decision_making", AutomatedDecisionsJson(policy, used)}};
}

}  // namespace privet::rights_internal
