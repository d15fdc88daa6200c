// The GDPR Art. 30(1) record of processing activities, as JSON (see RenderRecordOfProcessingJson
// in privet/notice.h). One processing activity per non-prohibited purpose; everything in it is
// read from the policy, nothing is guessed.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "policy/notice_text.h"
#include "policy/purpose_inheritance.h"
#include "privet/notice.h"

namespace privet {
namespace {

using Json = nlohmann::ordered_json;
using policy_internal::EffectivePurpose;

// A reference and a declared id overlap when either covers the other ("user" and
// "user.contact.email", or "marketing.email" and "marketing").
bool Related(std::string_view a, std::string_view b) { return IdCovers(a, b) || IdCovers(b, a); }

bool AnyRelated(const std::vector<std::string>& refs, std::string_view id) {
  for (const std::string& r : refs) {
    if (Related(r, id)) return true;
  }
  return false;
}

Json ContactJson(const Contact& c) {
  Json j = Json::object();
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.email.empty()) j["email"] = c.email;
  if (!c.address.empty()) j["address"] = c.address;
  if (!c.phone.empty()) j["phone"] = c.phone;
  if (!c.web_form.empty()) j["web_form"] = c.web_form;
  return j;
}

Json ControllerJson(const Policy& p) {
  Json j = Json::object();
  j["name"] = p.organization;
  Json contact = ContactJson(p.contact);
  if (!contact.empty()) j["contact"] = std::move(contact);
  if (!p.contact.dpo_email.empty()) {
    j["data_protection_officer"] = Json{{"email", p.contact.dpo_email}};
  }
  // Art. 30(1)(a): the representative, where one is designated (Art. 27).
  if (const auto& rep = p.controller.representative) {
    Json r{{"name", rep->name}};
    if (!rep->email.empty()) r["email"] = rep->email;
    if (!rep->address.empty()) r["address"] = rep->address;
    j["representative"] = std::move(r);
  }
  if (const auto& authority = p.controller.supervisory_authority) {
    Json a{{"name", authority->name}};
    if (!authority->url.empty()) a["url"] = authority->url;
    j["supervisory_authority"] = std::move(a);
  }
  return j;
}

// True if processing for `ref` includes processing for `purpose`: `ref` names the purpose itself
// or one of its ancestors (explicit parents included), or a dotted prefix of it. A parent's
// recipients and rules reach its children; a child's never reach its parent.
bool Reaches(const Policy& p, std::string_view ref, const Purpose& purpose) {
  const Purpose* x = &purpose;
  for (size_t depth = 0; x != nullptr && depth <= p.purposes.size(); ++depth) {
    if (IdCovers(ref, x->id)) return true;
    x = policy_internal::ParentPurpose(p, *x);
  }
  return false;
}

bool AnyReaches(const Policy& p, const std::vector<std::string>& refs, const Purpose& purpose) {
  for (const std::string& r : refs) {
    if (Reaches(p, r, purpose)) return true;
  }
  return false;
}

// The subject kinds the policy states for this purpose: its own, else the nearest ancestor's.
const std::vector<std::string>* DeclaredSubjectKinds(const Policy& p, const Purpose& purpose) {
  const Purpose* x = &purpose;
  for (size_t depth = 0; x != nullptr && depth <= p.purposes.size(); ++depth) {
    if (!x->subject_kinds.empty()) return &x->subject_kinds;
    x = policy_internal::ParentPurpose(p, *x);
  }
  return nullptr;
}

// Declared categories a purpose may use: those its own and its ancestors' references cover (a
// reference covers the declared children). Never-stored categories are not processed and are left
// out.
Json CategoriesJson(const Policy& p, const std::vector<std::string>& refs) {
  Json out = Json::array();
  for (const Category& c : p.categories) {
    if (c.forbidden) continue;
    bool used = false;
    for (const std::string& ref : refs) used = used || IdCovers(ref, c.id);
    if (!used) continue;
    Json j{{"id", c.id}};
    if (!c.description.empty()) j["description"] = c.description;
    j["special"] = c.special;
    out.push_back(std::move(j));
  }
  return out;
}

// The subject kinds the purpose declares (`purposes[].subject_kinds`, inherited); else those named
// by the features and retention rules that reach it; every declared kind when nothing narrows it.
Json SubjectKindsJson(const Policy& p, const Purpose& purpose) {
  std::set<std::string> named;
  bool all = false;
  if (const std::vector<std::string>* declared = DeclaredSubjectKinds(p, purpose)) {
    named.insert(declared->begin(), declared->end());
  } else {
    for (const Feature& f : p.features) {
      if (!Reaches(p, f.purpose, purpose)) continue;
      if (f.subject_kinds.empty()) all = true;
      named.insert(f.subject_kinds.begin(), f.subject_kinds.end());
    }
    for (const RetentionRule& r : p.retention) {
      if (!r.purposes.empty() && AnyReaches(p, r.purposes, purpose)) {
        named.insert(r.subject_kinds.begin(), r.subject_kinds.end());
      }
    }
  }
  Json out = Json::array();
  for (const SubjectKind& k : p.subject_kinds) {
    if (!all && !named.empty() && named.count(k.id) == 0) continue;
    Json j{{"id", k.id}};
    if (!k.description.empty()) j["description"] = k.description;
    out.push_back(std::move(j));
  }
  return out;
}

bool RecipientServes(const Policy& p, const Recipient& r, const Purpose& purpose,
                     const std::vector<std::string>& refs) {
  if (!r.purposes.empty()) return AnyReaches(p, r.purposes, purpose);
  // No purposes stated: it serves the purposes whose data it receives.
  for (const std::string& c : r.categories) {
    if (AnyRelated(refs, c)) return true;
  }
  return false;
}

Json RecipientJson(const Recipient& r) {
  Json j{{"id", r.id}};
  if (!r.name.empty()) j["name"] = r.name;
  j["kind"] = RecipientKindName(r.kind);
  if (!r.function.empty()) j["function"] = r.function;
  if (!r.country.empty()) j["country"] = r.country;
  j["data_processing_agreement"] = r.dpa;
  if (!r.transfer_mechanism.empty()) j["transfer_mechanism"] = r.transfer_mechanism;
  if (!r.categories.empty()) j["categories"] = r.categories;
  if (!r.purposes.empty()) j["purposes"] = r.purposes;
  if (!r.preconditions.empty()) j["preconditions"] = r.preconditions;
  if (r.sale) j["sale"] = true;
  return j;
}

Json TransferJson(const Recipient& r) {
  Json j{{"recipient", r.id}, {"country", r.country}};
  if (r.transfer_mechanism.empty()) {
    j["safeguards"] = nullptr;  // the policy names none; the loader warns about this
  } else {
    j["safeguards"] = policy_internal::TransferMechanismText(r.transfer_mechanism);
    j["mechanism"] = r.transfer_mechanism;
  }
  return j;
}

bool RuleApplies(const Policy& p, const RetentionRule& r, const Purpose& purpose,
                 const std::vector<std::string>& refs) {
  if (!r.purposes.empty()) return AnyReaches(p, r.purposes, purpose);
  if (r.categories.empty() || refs.empty()) return true;
  for (const std::string& c : r.categories) {
    if (AnyRelated(refs, c)) return true;
  }
  return false;
}

Json RetentionJson(const RetentionRule& r) {
  Json j{{"rule", r.id}};
  if (!r.description.empty()) j["description"] = r.description;
  j["period"] = DurationToString(r.duration);
  if (r.anchor) j["from"] = AnchorEventName(*r.anchor);
  j["action"] = RetentionActionName(r.action);
  if (!r.categories.empty()) j["categories"] = r.categories;
  if (!r.subject_kinds.empty()) j["subject_kinds"] = r.subject_kinds;
  if (r.legal_obligation) j["legal_obligation"] = true;
  if (!r.unless_consent.empty()) j["unless_consent"] = r.unless_consent;
  return j;
}

Json ActivityJson(const Policy& p, const Purpose& purpose) {
  EffectivePurpose e = policy_internal::ResolvePurpose(p, purpose);
  const std::vector<std::string> refs = policy_internal::EffectiveCategoryRefs(p, purpose);
  Json j{{"purpose_id", purpose.id}};
  j["purposes"] = Json::array({purpose.description.empty() ? purpose.id : purpose.description});
  if (e.basis) {
    j["legal_basis"] = Json{{"name", LegalBasisName(*e.basis)},
                            {"title", LegalBasisTitle(*e.basis)},
                            {"article", policy_internal::LegalBasisArticle(*e.basis)}};
  }
  j["consent"] = ConsentModeName(e.consent);
  j["role"] = e.processor ? "processor" : "controller";
  j["categories_of_data_subjects"] = SubjectKindsJson(p, purpose);
  j["categories_of_personal_data"] = CategoriesJson(p, refs);
  Json recipients = Json::array();
  Json transfers = Json::array();
  for (const Recipient& r : p.recipients) {
    if (!RecipientServes(p, r, purpose, refs)) continue;
    recipients.push_back(Json{{"id", r.id}, {"kind", RecipientKindName(r.kind)}});
    if (IsThirdCountryTransfer(p, r.country)) transfers.push_back(TransferJson(r));
  }
  j["recipients"] = std::move(recipients);
  j["transfers_to_third_countries"] = std::move(transfers);
  Json retention = Json::array();
  for (const RetentionRule& r : p.retention) {
    if (RuleApplies(p, r, purpose, refs)) retention.push_back(RetentionJson(r));
  }
  j["retention"] = std::move(retention);
  return j;
}

Json AutomaticCollectionJson(const AutomaticCollection& a) {
  Json j{{"fields", a.fields}, {"purposes", a.purposes}};
  if (!a.drop_fields.empty()) j["removed_before_statistics"] = a.drop_fields;
  if (a.min_group_size > 0) j["minimum_group_size"] = a.min_group_size;
  if (a.retention) j["retention"] = DurationToString(*a.retention);
  return j;
}

}  // namespace

std::string RenderRecordOfProcessingJson(const Policy& p) {
  Json root = Json::object();
  root["record"] = "Record of processing activities (GDPR Art. 30(1))";
  root["policy_version"] = p.version;
  root["effective"] = CivilDayToString(p.effective);
  root["controller"] = ControllerJson(p);
  root["jurisdictions"] = p.jurisdictions;
  if (!p.governing_law.empty()) root["governing_law"] = p.governing_law;
  Json activities = Json::array();
  for (const Purpose& purpose : p.purposes) {
    if (!policy_internal::ResolvePurpose(p, purpose).prohibited) {
      activities.push_back(ActivityJson(p, purpose));
    }
  }
  root["processing_activities"] = std::move(activities);
  // Art. 30(1)(g), where the policy describes them.
  if (!p.controller.security_measures.empty()) {
    root["security_measures"] = p.controller.security_measures;
  }
  Json recipients = Json::array();
  for (const Recipient& r : p.recipients) recipients.push_back(RecipientJson(r));
  root["recipients"] = std::move(recipients);
  if (p.automatic_collection) {
    root["automatic_collection"] = AutomaticCollectionJson(*p.automatic_collection);
  }
  // Values the file's author chose where the company's statement is silent: a draft until the
  // company confirms them (UnconfirmedValue).
  if (!p.unconfirmed.empty()) {
    Json unconfirmed = Json::array();
    for (const UnconfirmedValue& u : p.unconfirmed) unconfirmed.push_back(u.path);
    root["draft"] = true;
    root["unconfirmed"] = std::move(unconfirmed);
  }
  // Replace, not throw, on invalid UTF-8: nothing may escape this function.
  return root.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace privet
