#include "policy/policy_checks.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/policy_settings.h"
#include "policy/purpose_inheritance.h"
#include "privet/compiled_policy.h"

namespace privet::policy_internal {
namespace {

bool IsGdprJurisdiction(std::string_view j) {
  return j == "EU" || j == "EEA" || j == "UK" || j == "GB" || IsEeaCountry(j);
}

double ApproxDays(const Duration& d) {
  switch (d.unit) {
    case TimeUnit::kHours:
      return d.count / 24.0;
    case TimeUnit::kDays:
      return d.count;
    case TimeUnit::kBusinessDays:
      return d.count * 1.4;
    case TimeUnit::kWeeks:
      return d.count * 7.0;
    case TimeUnit::kMonths:
      return d.count * 30.44;
    case TimeUnit::kYears:
      return d.count * 365.25;
  }
  return d.count;
}

class Checker {
 public:
  Checker(Policy& policy, DiagnosticSink& sink) : p_(policy), sink_(sink) {}

  void Run() {
    CheckUnique(p_.categories, "categories");
    CheckUnique(p_.purposes, "purposes");
    CheckUnique(p_.subject_kinds, "subject_kinds");
    CheckUnique(p_.features, "features");
    CheckUnique(p_.roles, "roles");
    CheckUnique(p_.recipients, "recipients");
    CheckUnique(p_.retention, "retention");
    CheckUnique(p_.cookies, "cookies");
    CheckUnique(p_.marketing_channels, "marketing_channels");
    if (p_.categories.size() > static_cast<size_t>(kMaxCategories))
      sink_.Error({}, "categories: " + std::to_string(p_.categories.size()) +
                          " declared; at most " + std::to_string(kMaxCategories) + " allowed");
    if (p_.purposes.size() > static_cast<size_t>(kMaxPurposes))
      sink_.Error({}, "purposes: " + std::to_string(p_.purposes.size()) + " declared; at most " +
                          std::to_string(kMaxPurposes) + " allowed");
    if (p_.jurisdictions.empty()) sink_.Error({1, 1}, "jurisdictions: at least one is needed");
    gdpr_ = std::any_of(p_.jurisdictions.begin(), p_.jurisdictions.end(), IsGdprJurisdiction);

    CheckPurposes();
    CheckSubjectKinds();
    CheckFeatures();
    CheckRoles();
    CheckRecipients();
    CheckRetention();
    CheckRights();
    CheckSignalsCookiesChannels();
    CheckUnusedCategories();
    CheckBreach();
    WarnNotYetEnforced();
  }

 private:
  template <typename T>
  void CheckUnique(const std::vector<T>& items, std::string_view section) {
    std::map<std::string, int> seen;
    for (size_t i = 0; i < items.size(); ++i) {
      auto [it, inserted] = seen.emplace(items[i].id, items[i].where.line);
      if (!inserted)
        sink_.Error(items[i].where, std::string(section) + "[" + std::to_string(i) + "].id: '" +
                                        items[i].id + "' is declared twice (first at line " +
                                        std::to_string(it->second) + ")");
    }
  }

  void CategoryRefs(const std::vector<std::string>& refs, SourceLocation where,
                    const std::string& context) {
    for (const auto& ref : refs) {
      const bool covers = std::any_of(p_.categories.begin(), p_.categories.end(),
                                      [&](const Category& c) { return IdCovers(ref, c.id); });
      if (!covers)
        sink_.Error(where,
                    context + ": unknown category '" + ref + "'" + Suggest(ref, CategoryIds()));
    }
  }

  bool PurposeRef(const std::string& ref, SourceLocation where, const std::string& context) {
    if (FindPurpose(ref) >= 0) return true;
    sink_.Error(where, context + ": unknown purpose '" + ref + "'" + Suggest(ref, PurposeIds()));
    return false;
  }
  void PurposeRefs(const std::vector<std::string>& refs, SourceLocation where,
                   const std::string& context) {
    for (const auto& ref : refs) PurposeRef(ref, where, context);
  }

  void SubjectKindRefs(const std::vector<std::string>& refs, SourceLocation where,
                       const std::string& context) {
    for (const auto& ref : refs) {
      const bool known = std::any_of(p_.subject_kinds.begin(), p_.subject_kinds.end(),
                                     [&](const SubjectKind& k) { return k.id == ref; });
      if (!known) sink_.Error(where, context + ": unknown subject kind '" + ref + "'");
    }
  }

  int FindPurpose(std::string_view id) const {
    for (size_t i = 0; i < p_.purposes.size(); ++i)
      if (p_.purposes[i].id == id) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> CategoryIds() const {
    std::vector<std::string> ids;
    for (const auto& c : p_.categories) ids.push_back(c.id);
    return ids;
  }
  std::vector<std::string> PurposeIds() const {
    std::vector<std::string> ids;
    for (const auto& x : p_.purposes) ids.push_back(x.id);
    return ids;
  }
  static std::string Suggest(const std::string& got, const std::vector<std::string>& names) {
    if (auto near = ClosestName(got, names)) return " (did you mean '" + *near + "'?)";
    return "";
  }

  void CheckPurposes() {
    for (size_t i = 0; i < p_.purposes.size(); ++i) {
      const Purpose& x = p_.purposes[i];
      const std::string ctx = "purposes[" + std::to_string(i) + "] '" + x.id + "'";
      if (!x.parent.empty()) PurposeRef(x.parent, x.where, ctx + ".parent");
      CategoryRefs(x.categories, x.where, ctx + ".categories");
      SubjectKindRefs(x.subject_kinds, x.where, ctx + ".subject_kinds");
      if (x.since_version > p_.version)
        sink_.Error(x.where, ctx + ".since_version: " + std::to_string(x.since_version) +
                                 " is after the policy's version " + std::to_string(p_.version));
    }
    const std::vector<int> parent = ResolvePurposeParents(p_);
    // Cycles: follow parents; a walk longer than the number of purposes has looped.
    std::vector<bool> in_cycle(p_.purposes.size(), false);
    for (size_t i = 0; i < p_.purposes.size(); ++i) {
      int at = static_cast<int>(i);
      size_t steps = 0;
      while (at >= 0 && steps <= p_.purposes.size()) {
        at = parent[at];
        ++steps;
      }
      if (at >= 0) {
        in_cycle[i] = true;
        sink_.Error(p_.purposes[i].where, "purposes[" + std::to_string(i) + "] '" +
                                              p_.purposes[i].id + "': its parents form a cycle (" +
                                              CyclePath(parent, i) + ")");
      }
    }
    for (size_t i = 0; i < p_.purposes.size(); ++i) {
      if (in_cycle[i]) continue;
      Purpose& x = p_.purposes[i];
      const std::string ctx = "purposes[" + std::to_string(i) + "] '" + x.id + "'";
      // Effective basis and consent mode, inherited along the tree.
      // A purpose inherits both from the nearest ancestor that states a basis; a consent mode
      // stated on the way up (at or below that ancestor) wins over the basis's default. This is
      // exactly what CompiledPolicy computes.
      std::optional<LegalBasis> basis;
      std::optional<ConsentMode> consent;
      for (int at = static_cast<int>(i); at >= 0 && !basis; at = parent[at]) {
        if (!consent) consent = p_.purposes[at].consent;
        basis = p_.purposes[at].basis;
      }
      if (!basis) {
        sink_.Error(x.where, ctx +
                                 ".basis: missing, and no parent purpose states one; expected "
                                 "consent, contract, legal_obligation, vital_interests, "
                                 "public_task or legitimate_interests");
        continue;
      }
      const ConsentMode mode = consent.value_or(
          *basis == LegalBasis::kConsent ? ConsentMode::kRequired : ConsentMode::kNone);
      if (*basis == LegalBasis::kConsent && mode != ConsentMode::kRequired && !x.prohibited)
        sink_.Error(x.where, ctx +
                                 ".consent: the legal basis is consent, so consent must be "
                                 "'required' (opt-in), not '" +
                                 std::string(ConsentModeName(mode)) + "'");
      if (*basis != LegalBasis::kConsent && mode == ConsentMode::kRequired)
        sink_.Warning(x.where, ctx + ": consent is required but the legal basis is " +
                                   std::string(LegalBasisName(*basis)) +
                                   "; if consent is what makes it lawful, state basis: consent");
      if (x.direct_marketing && *basis == LegalBasis::kLegitimateInterests &&
          mode == ConsentMode::kNone)
        sink_.Warning(x.where, ctx +
                                   ": direct marketing on legitimate interests with no opt-out; "
                                   "subjects must be able to object at any time");
      if (x.categories.empty() && parent[i] < 0 && !x.prohibited)
        sink_.Warning(x.where, ctx + ": uses no categories, so no data can be read for it");
    }
  }

  std::string CyclePath(const std::vector<int>& parent, size_t start) const {
    std::string path = p_.purposes[start].id;
    int at = parent[start];
    for (size_t n = 0; at >= 0 && n <= p_.purposes.size(); ++n) {
      path += " -> " + p_.purposes[at].id;
      if (static_cast<size_t>(at) == start) break;
      at = parent[at];
    }
    return path;
  }

  void CheckSubjectKinds() {
    const SubjectKind* device = nullptr;
    for (size_t i = 0; i < p_.subject_kinds.size(); ++i) {
      const SubjectKind& k = p_.subject_kinds[i];
      const std::string ctx = "subject_kinds[" + std::to_string(i) + "]";
      if (!k.location_exemptions.empty() && !k.location_required)
        sink_.Warning(k.where,
                      ctx + ": location_exemptions without location_required has no effect");
      if (!k.device) continue;
      // A device is known by a random cookie id alone: it has no age and no whereabouts to give.
      if (device != nullptr)
        sink_.Error(k.where, ctx + ".device: only one subject kind can be the device kind, and '" +
                                 device->id + "' already is");
      if (k.minimum_age > 0 || k.location_required)
        sink_.Error(k.where, ctx +
                                 ".device: a device kind has no minimum_age or location_required "
                                 "(nothing is known of the person behind it)");
      device = &k;
    }
  }

  void CheckFeatures() {
    for (size_t i = 0; i < p_.features.size(); ++i) {
      const Feature& f = p_.features[i];
      const std::string ctx = "features[" + std::to_string(i) + "] '" + f.id + "'";
      if (f.purpose.empty()) {
        sink_.Error(f.where, "missing required key " + ctx + ".purpose");
      } else {
        PurposeRef(f.purpose, f.where, ctx + ".purpose");
      }
      CategoryRefs(f.requires_categories, f.where, ctx + ".requires");
      SubjectKindRefs(f.subject_kinds, f.where, ctx + ".subject_kinds");
    }
  }

  void CheckRoles() {
    for (size_t i = 0; i < p_.roles.size(); ++i) {
      const Role& r = p_.roles[i];
      const std::string ctx = "roles[" + std::to_string(i) + "] '" + r.id + "'";
      PurposeRefs(r.purposes, r.where, ctx + ".purposes");
      CategoryRefs(r.categories, r.where, ctx + ".categories");
      if (r.purposes.empty() || r.categories.empty())
        sink_.Warning(r.where, ctx + ": needs both purposes and categories to see any data");
    }
  }

  void CheckRecipients() {
    static const std::set<std::string, std::less<>> kMechanisms = {"scc", "bcr", "adequacy",
                                                                   "derogation", "idta"};
    for (size_t i = 0; i < p_.recipients.size(); ++i) {
      const Recipient& r = p_.recipients[i];
      const std::string ctx = "recipients[" + std::to_string(i) + "] '" + r.id + "'";
      CategoryRefs(r.categories, r.where, ctx + ".categories");
      PurposeRefs(r.purposes, r.where, ctx + ".purposes");
      const bool iso =
          r.country.size() == 2 && std::all_of(r.country.begin(), r.country.end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; });
      if (!iso && r.country != "EU")
        sink_.Error(r.where,
                    ctx + ".country: expected an ISO 3166-1 alpha-2 code such as DE or US, got '" +
                        r.country + "'");
      if (!r.transfer_mechanism.empty() && !kMechanisms.count(r.transfer_mechanism))
        sink_.Error(r.where, ctx + ".transfer_mechanism: '" + r.transfer_mechanism +
                                 "' is not one of: adequacy, bcr, derogation, idta, scc");
      if (gdpr_ && iso && !IsEeaCountry(r.country) && r.transfer_mechanism.empty())
        sink_.Error(r.where, ctx + ": is in " + r.country +
                                 ", outside the EU/EEA, and the policy applies under GDPR; state a "
                                 "transfer_mechanism (scc, bcr, adequacy, ...)");
      const bool processor =
          r.kind == RecipientKind::kProcessor || r.kind == RecipientKind::kSubProcessor;
      if (processor && !r.dpa) {
        if (gdpr_) {
          sink_.Error(
              r.where,
              ctx +
                  ": a processor needs a data processing agreement (dpa: true) under GDPR Art. 28");
        } else {
          sink_.Warning(r.where,
                        ctx + ": a processor without a data processing agreement (dpa: false)");
        }
      }
      for (const std::string& needed : r.preconditions) {
        if (needed == "consent" || needed == "subject_consent")
          sink_.Error(r.where,
                      ctx + ".preconditions: '" + needed +
                          "' would take the caller's word for consent; consent is read from the "
                          "consent ledger: let the recipient receive a purpose with basis consent");
      }
      if (r.kind == RecipientKind::kAuthority &&
          std::find(r.preconditions.begin(), r.preconditions.end(), "court_order") ==
              r.preconditions.end())
        sink_.Warning(r.where, ctx + ": an authority that needs no court_order precondition");
      if (r.sale && !p_.sharing.sale)
        sink_.Error(r.where,
                    ctx + ".sale: the policy says data is never sold (sharing.sale: false)");
      if (r.kind == RecipientKind::kThirdParty && !p_.sharing.unaffiliated_third_parties)
        sink_.Error(r.where,
                    ctx + ".kind: third_party, but sharing.unaffiliated_third_parties is false");
      if (r.since_version > p_.version)
        sink_.Error(r.where, ctx + ".since_version: after the policy's version " +
                                 std::to_string(p_.version));
      if (r.categories.empty())
        sink_.Warning(r.where,
                      ctx + ": may receive no categories, so nothing can be disclosed to it");
    }
  }

  void CheckRetention() {
    for (size_t i = 0; i < p_.retention.size(); ++i) {
      const RetentionRule& r = p_.retention[i];
      const std::string ctx = "retention[" + std::to_string(i) + "] '" + r.id + "'";
      if (!r.anchor)
        sink_.Error(r.where,
                    "missing required key " + ctx +
                        ".anchor: the event the duration counts from (collection, "
                        "last_activity, last_application, contract_end, process_end, analysis)");
      // Zero means "as soon as the anchor event happens", which only makes sense for events that
      // end something: the analysis, the process or the contract.
      const bool ends_something = r.anchor == AnchorEvent::kAnalysis ||
                                  r.anchor == AnchorEvent::kProcessEnd ||
                                  r.anchor == AnchorEvent::kContractEnd;
      if (r.duration.count <= 0 && !ends_something)
        sink_.Error(r.where, ctx + ".duration: must be longer than zero for anchor '" +
                                 std::string(r.anchor ? AnchorEventName(*r.anchor) : "") + "'");
      CategoryRefs(r.categories, r.where, ctx + ".categories");
      PurposeRefs(r.purposes, r.where, ctx + ".purposes");
      SubjectKindRefs(r.subject_kinds, r.where, ctx + ".subject_kinds");
      if (!r.unless_consent.empty()) PurposeRef(r.unless_consent, r.where, ctx + ".unless_consent");
      if (ApproxDays(r.duration) > 10 * 365.25)
        sink_.Warning(r.where, ctx + ": keeps data for more than ten years");
    }
  }

  void CheckRights() {
    const RightsPolicy& r = p_.rights;
    std::set<std::string> seen;
    for (const auto& d : r.deadlines) {
      if (!seen.insert(d.jurisdiction).second)
        sink_.Error(r.where,
                    "rights.deadlines: jurisdiction '" + d.jurisdiction + "' has two deadlines");
      if (d.period.count <= 0)
        sink_.Error(r.where,
                    "rights.deadlines '" + d.jurisdiction + "'.period: must be longer than zero");
    }
    if (!r.offered.empty()) {
      for (const auto& j : p_.jurisdictions)
        if (!seen.count(j))
          sink_.Warning(r.where, "rights.deadlines: no deadline for jurisdiction '" + j + "'");
      if (r.channels.empty())
        sink_.Warning(
            r.where,
            "rights.channels: rights are offered but no channel says how to exercise them");
    }
    for (const auto& fee : r.fees) {
      if (!fee.jurisdiction.empty() && std::find(p_.jurisdictions.begin(), p_.jurisdictions.end(),
                                                 fee.jurisdiction) == p_.jurisdictions.end())
        sink_.Error(r.where, "rights.fees: jurisdiction '" + fee.jurisdiction +
                                 "' is not one of the policy's jurisdictions");
      // GDPR Art. 12(5), 15(3) (and the UK GDPR): the first copy is free; a fee only for a
      // manifestly unfounded or excessive request or for further copies. The seed's words stay;
      // the operator learns that current law may not allow them.
      const bool gdpr_fee = fee.jurisdiction.empty() ? gdpr_ : IsGdprJurisdiction(fee.jurisdiction);
      if (gdpr_fee && fee.right == Right::kAccess)
        sink_.Warning(
            r.where, "rights.fees: a routine fee for access where GDPR applies ('" +
                         (fee.jurisdiction.empty() ? std::string("everywhere") : fee.jurisdiction) +
                         "'): GDPR Art. 12(5) and 15(3) allow one only for manifestly unfounded or "
                         "excessive requests or further copies");
      if (std::find(r.offered.begin(), r.offered.end(), fee.right) == r.offered.end())
        sink_.Error(r.where, "rights.fees: a fee for '" + std::string(RightName(fee.right)) +
                                 "', which is not offered");
    }
    CheckRightToLimit();
  }

  // California (Cal. Civ. Code § 1798.121, 11 CCR § 7027): a business that uses sensitive
  // personal information beyond the permitted uses must let consumers limit it.
  void CheckRightToLimit() {
    const RightsPolicy& r = p_.rights;
    const bool offered =
        std::find(r.offered.begin(), r.offered.end(), Right::kLimitSensitiveUse) != r.offered.end();
    const SensitiveUses uses = FindSensitiveUses(p_);
    const bool california = std::find(p_.jurisdictions.begin(), p_.jurisdictions.end(), "US-CA") !=
                            p_.jurisdictions.end();
    if (california && !offered && !uses.limitable.empty()) {
      sink_.Warning(uses.limitable.front()->where,
                    "purposes[" + uses.limitable.front()->id +
                        "] uses sensitive personal information beyond the uses California "
                        "permits (sensitive_use_permitted), but rights.offered has no "
                        "limit_sensitive_use (Cal. Civ. Code § 1798.121)");
    }
    if (offered && uses.categories.empty()) {
      sink_.Warning(r.where,
                    "rights.offered: limit_sensitive_use, but no category is sensitive or "
                    "special, so the right changes nothing");
    }
  }

  // signals.tcf and signals.gpp: what an IAB consent string may change must be a choice the
  // subject has (consent or opt-out), or the string would claim a say it does not give.
  void CheckConsentStringMappings() {
    std::set<std::string> mapped;
    for (size_t i = 0; i < p_.signals.tcf.size(); ++i) {
      const TcfMapping& t = p_.signals.tcf[i];
      const std::string ctx = "signals.tcf[" + std::to_string(i) + "]";
      if (!mapped.insert(t.purpose).second)
        sink_.Error(t.where, ctx + ": purpose '" + t.purpose + "' is mapped twice");
      if (t.tcf_purposes.empty() && t.special_features.empty())
        sink_.Error(t.where, ctx + ": names no tcf_purposes or special_features to follow");
      if (!PurposeRef(t.purpose, t.where, ctx + ".purpose")) continue;
      if (ResolvePurpose(p_, *FindPurposeById(p_, t.purpose)).consent == ConsentMode::kNone)
        sink_.Error(t.where, ctx + ": purpose '" + t.purpose +
                                 "' needs no consent and has no opt-out, so a TCF string cannot "
                                 "change it");
    }
    if (!p_.signals.gpp) return;
    const GppMapping& g = *p_.signals.gpp;
    for (const auto& [name, list] : {std::pair{"sale", &g.sale}, std::pair{"sharing", &g.sharing},
                                     std::pair{"targeted_advertising", &g.targeted_advertising},
                                     std::pair{"sensitive_data", &g.sensitive_data}}) {
      const std::string ctx = std::string("signals.gpp.") + name;
      for (const std::string& ref : *list) {
        if (!PurposeRef(ref, g.where, ctx)) continue;
        if (ResolvePurpose(p_, *FindPurposeById(p_, ref)).consent == ConsentMode::kNone)
          sink_.Error(g.where, ctx + ": purpose '" + ref +
                                   "' needs no consent and has no opt-out, so a GPP opt-out "
                                   "cannot change it");
      }
    }
  }

  void CheckSignalsCookiesChannels() {
    PurposeRefs(p_.signals.opt_out_purposes, {}, "signals.opt_out_purposes");
    const bool honors =
        p_.signals.dnt == SignalResponse::kHonor || p_.signals.gpc == SignalResponse::kHonor;
    if (honors && p_.signals.opt_out_purposes.empty())
      sink_.Warning(
          {}, "signals: a signal is honoured but opt_out_purposes is empty, so it changes nothing");
    CheckConsentStringMappings();
    for (size_t i = 0; i < p_.cookies.size(); ++i) {
      const Cookie& c = p_.cookies[i];
      const std::string ctx = "cookies[" + std::to_string(i) + "] '" + c.id + "'";
      PurposeRef(c.purpose, c.where, ctx + ".purpose");
      // The notice says an essential cookie cannot be turned off and an optional one can (CX05):
      // the purpose's consent mode must say the same.
      const Purpose* purpose = FindPurposeById(p_, c.purpose);
      if (purpose == nullptr) continue;
      const bool choice = ResolvePurpose(p_, *purpose).consent != ConsentMode::kNone;
      if (c.essential && choice)
        sink_.Error(c.where,
                    ctx + ".essential: its purpose '" + c.purpose +
                        "' is one the subject may decline, so the cookie is not essential");
      if (!c.essential && !choice)
        sink_.Error(c.where,
                    ctx + ": its purpose '" + c.purpose +
                        "' needs no choice, so the subject could not decline the cookie; mark it "
                        "essential or give it a purpose with consent");
    }
    for (size_t i = 0; i < p_.marketing_channels.size(); ++i) {
      const MarketingChannel& c = p_.marketing_channels[i];
      const std::string ctx = "marketing_channels[" + std::to_string(i) + "] '" + c.id + "'";
      PurposeRef(c.purpose, c.where, ctx + ".purpose");
      // "Sent only if you opt in" / "unless you opt out" (CN13) must be the purpose's own rule.
      if (const Purpose* purpose = FindPurposeById(p_, c.purpose)) {
        const ConsentMode mode = ResolvePurpose(p_, *purpose).consent;
        if (c.opt_in && mode != ConsentMode::kRequired)
          sink_.Error(c.where,
                      ctx + ".opt_in: its purpose '" + c.purpose + "' does not wait for consent");
        if (!c.opt_in && mode != ConsentMode::kOptOut)
          sink_.Error(c.where,
                      ctx + ".opt_in: false, but its purpose '" + c.purpose + "' is not opt-out");
        if (c.opt_in) CheckChannelNotBypassed(c, *purpose);
      }
      if (!c.unsubscribe_link)
        sink_.Warning(c.where, ctx + ": marketing messages without an unsubscribe link");
      if (gdpr_ && !c.opt_in)
        sink_.Warning(
            c.where,
            ctx + ": opt-out marketing; electronic marketing in the EU usually needs opt-in");
    }
    if (p_.automatic_collection) {
      const AutomaticCollection& a = *p_.automatic_collection;
      PurposeRefs(a.purposes, a.where, "automatic_collection.purposes");
      CategoryRefs(a.categories, a.where, "automatic_collection.categories");
      if (!a.categories.empty() && a.purposes.empty())
        sink_.Error(a.where,
                    "automatic_collection.categories: no purpose may use them "
                    "(automatic_collection.purposes is empty)");
      CheckRequestLogUse(a);
      if (!a.purposes.empty() && a.min_group_size > 0 && a.min_group_size < 5)
        sink_.Warning(a.where,
                      "automatic_collection.min_group_size: groups under 5 may identify people");
    }
  }

  // "Sent only with your consent" (CT07, Confect's email): an ancestor of an opt-in channel's
  // purpose that needs no consent and names what the channel uses lets marketing reach the same
  // contact details through the parent without the consent. A warning, not an error: keeping
  // contacts under legitimate interest can be lawful (Confect's leads) while sending needs consent.
  void CheckChannelNotBypassed(const MarketingChannel& c, const Purpose& channel_purpose) {
    std::vector<std::string> channel_categories;
    for (const Purpose* at = &channel_purpose; at != nullptr; at = ParentPurpose(p_, *at)) {
      if (ResolvePurpose(p_, *at).consent != ConsentMode::kRequired) break;
      channel_categories.insert(channel_categories.end(), at->categories.begin(),
                                at->categories.end());
    }
    size_t depth = 0;
    for (const Purpose* up = ParentPurpose(p_, channel_purpose);
         up != nullptr && depth < p_.purposes.size(); up = ParentPurpose(p_, *up), ++depth) {
      const EffectivePurpose e = ResolvePurpose(p_, *up);
      if (e.consent == ConsentMode::kRequired || e.prohibited) continue;
      for (const std::string& named : up->categories)
        for (const std::string& reached : channel_categories)
          if (IdCovers(named, reached) || IdCovers(reached, named))
            sink_.Warning(up->where, "purposes '" + up->id + "'.categories: '" + named +
                                         "' reaches '" + reached + "', which marketing channel '" +
                                         c.id + "' uses only with consent; the parent needs none");
    }
  }

  // CN01: a purpose outside automatic_collection.purposes that names request-log data would
  // make the notice's "used only for" untrue.
  void CheckRequestLogUse(const AutomaticCollection& a) {
    std::string allowed;
    for (const std::string& id : a.purposes) allowed += (allowed.empty() ? "" : ", ") + id;
    for (size_t i = 0; i < p_.purposes.size(); ++i) {
      const Purpose& purpose = p_.purposes[i];
      bool may_use = false;
      for (const Purpose* at = &purpose; at != nullptr && !may_use; at = ParentPurpose(p_, *at))
        may_use = std::find(a.purposes.begin(), a.purposes.end(), at->id) != a.purposes.end();
      if (may_use) continue;
      for (const std::string& named : purpose.categories) {
        const bool request_log =
            std::any_of(a.categories.begin(), a.categories.end(),
                        [&](const std::string& log) { return IdCovers(log, named); });
        if (request_log)
          sink_.Error(purpose.where,
                      "purposes[" + std::to_string(i) + "] '" + purpose.id + "'.categories: '" +
                          named +
                          "' is request-log data (automatic_collection.categories), which only " +
                          allowed + " may use");
      }
    }
  }

  // Settings privet cannot keep yet are left out of the notice (policy_settings.h): say so.
  void WarnNotYetEnforced() {
    auto warn = [&](std::string_view key, SourceLocation where) {
      if (NoticeMayState(key)) return;
      sink_.Warning(where, std::string(key) +
                               ": not enforced by privet yet, so the notice leaves it out (" +
                               std::string(FindPolicySetting(key)->how) + ")");
    };
    const BreachPolicy& b = p_.breach;
    if (b.notify_subjects) warn("breach.notify_subjects", {});
    if (b.authority_within) warn("breach.authority_within", {});
    if (!p_.changes.notify.empty()) warn("changes.notify", {});
    if (p_.changes.advance_notice) warn("changes.advance_notice", {});
    for (const MarketingChannel& c : p_.marketing_channels)
      if (c.unsubscribe_link) warn("marketing_channels[].unsubscribe_link", c.where);
    // A later version's new purposes: without either rule they reach older data at once.
    const bool newer_purposes =
        std::any_of(p_.purposes.begin(), p_.purposes.end(),
                    [](const Purpose& purpose) { return purpose.since_version > 1; });
    if (newer_purposes && !p_.changes.material_change_requires_consent &&
        !p_.changes.opt_out_window)
      sink_.Warning(
          {},
          "changes: purposes newer than version 1 reach data collected before them at once; set "
          "material_change_requires_consent (consent first) or opt_out_window (notice first)");
    if (const auto& a = p_.automatic_collection) {
      if (!a->drop_fields.empty()) warn("automatic_collection.drop_fields", a->where);
      if (a->retention) warn("automatic_collection.retention", a->where);
    }
  }

  // A threshold privet does not know would never be met: nobody would be told of any breach.
  void CheckBreach() {
    const BreachPolicy& b = p_.breach;
    if (!BreachThresholdRisk(b.threshold)) {
      sink_.Error({}, "breach.threshold: '" + b.threshold +
                          "' is not one of any, risk, reasonable_risk_of_harm, high_risk, "
                          "required_by_law");
    }
    if (b.notify_subjects && b.channels.empty())
      sink_.Error({}, "breach.notify_subjects: name the channels (email, website) to tell them by");
    for (const std::string& c : b.channels) {
      if (c != "email" && c != "website")
        sink_.Error(
            {}, "breach.channels: '" + c + "' is not one privet delivers through (email, website)");
    }
  }

  void CheckUnusedCategories() {
    for (const Category& c : p_.categories) {
      // Forbidden and refused special categories are declared precisely so writes can be refused.
      if (c.forbidden || (c.special && !p_.special_categories_allowed)) continue;
      const bool used = std::any_of(p_.purposes.begin(), p_.purposes.end(), [&](const Purpose& x) {
        return std::any_of(x.categories.begin(), x.categories.end(),
                           [&](const std::string& ref) { return IdCovers(ref, c.id); });
      });
      if (!used)
        sink_.Warning(c.where, "category '" + c.id + "' is declared but no purpose may use it");
    }
  }

  Policy& p_;
  DiagnosticSink& sink_;
  bool gdpr_ = false;
};

}  // namespace

std::vector<int> ResolvePurposeParents(const Policy& policy) {
  // One rule for the whole project (purpose_inheritance.h): the explicit parent, else the
  // longest declared dotted prefix.
  std::vector<int> parent(policy.purposes.size(), -1);
  for (size_t i = 0; i < policy.purposes.size(); ++i) {
    if (const Purpose* up = ParentPurpose(policy, policy.purposes[i]))
      parent[i] = static_cast<int>(up - policy.purposes.data());
  }
  return parent;
}

void CheckPolicy(Policy& policy, DiagnosticSink& sink) { Checker(policy, sink).Run(); }

}  // namespace privet::policy_internal
