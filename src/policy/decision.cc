#include "privet/decision.h"

#include <algorithm>

namespace privet {

namespace {

bool WithinRole(const CompiledRole& role, const CategorySet& categories, PurposeId purpose) {
  return role.purposes.Test(purpose) && categories.IsSubsetOf(role.categories);
}

// CF07: another subject may read data this purpose shows to subjects of their kind, and nothing
// else.
bool ShownToSubject(const CompiledPurpose& p, const Principal& reader, Action action,
                    const CategorySet& categories) {
  return action == Action::kRead && reader.subject_kind < 64 &&
         (p.shown_to_kinds >> reader.subject_kind & 1) && categories.Any() &&
         categories.IsSubsetOf(p.shown_categories);
}

// May this principal act on this subject at all, and (staff, organization admins) within its
// role's need-to-know?
Reason CheckPrincipal(const CompiledPolicy& policy, const Principal& principal, Action action,
                      const SubjectState& subject, const CategorySet& categories,
                      PurposeId purpose) {
  switch (principal.kind) {
    case PrincipalKind::kSubject:
      if (subject.subject_id == kNoId) return Reason::kNotSubjectsOwnData;
      if (principal.subject_id != subject.subject_id)
        return ShownToSubject(policy.purpose(purpose), principal, action, categories)
                   ? Reason::kAllowed
                   : Reason::kNotSubjectsOwnData;
      return subject.removed_from_organization ? Reason::kRemovedFromOrganization
                                               : Reason::kAllowed;
    case PrincipalKind::kOrganizationAdmin: {
      if (principal.organization_id != subject.organization_id || subject.organization_id == kNoId)
        return Reason::kOtherOrganization;
      // A customer's data is the customer's alone (CN05), whatever organization it names.
      if (subject.tenant_id != kNoId) return Reason::kOtherTenant;
      // Within its organization, the admin's need-to-know is the organization_admin role's.
      const std::optional<RoleId> role = policy.organization_admin_role();
      return role && WithinRole(policy.role(*role), categories, purpose) ? Reason::kAllowed
                                                                         : Reason::kNotNeedToKnow;
    }
    case PrincipalKind::kTenant:
      return principal.tenant_id == subject.tenant_id && subject.tenant_id != kNoId
                 ? Reason::kAllowed
                 : Reason::kOtherTenant;
    case PrincipalKind::kStaff:
      return principal.role < policy.policy().roles.size() &&
                     WithinRole(policy.role(principal.role), categories, purpose)
                 ? Reason::kAllowed
                 : Reason::kNotNeedToKnow;
    case PrincipalKind::kAdmin:
      return Reason::kAdminHasNoDataAccess;
    case PrincipalKind::kService:
      return Reason::kAllowed;
  }
  return Reason::kAdminHasNoDataAccess;
}

}  // namespace

Decision Decide(const CompiledPolicy& policy, const Principal& principal, Action action,
                const SubjectState& subject, const CategorySet& categories, PurposeId purpose) {
  Decision d;
  if (purpose >= policy.purpose_count()) {
    d.reason = Reason::kUnknownPurpose;
    return d;
  }
  const CompiledPurpose& p = policy.purpose(purpose);
  d.basis = p.basis;
  auto deny = [&d](Reason r) {
    d.reason = r;
    return d;
  };

  if (p.prohibited) return deny(Reason::kProhibitedPurpose);

  if (Reason who = CheckPrincipal(policy, principal, action, subject, categories, purpose);
      who != Reason::kAllowed)
    return deny(who);

  // Controller vs processor data (CN05): a tenant's subjects serve only processor purposes, and
  // processor purposes serve only tenants' subjects.
  if (subject.tenant_id != kNoId && !p.processor)
    return deny(Reason::kControllerPurposeOnProcessorData);
  if (subject.tenant_id == kNoId && p.processor) return deny(Reason::kProcessorPurposeNeedsTenant);

  if (action == Action::kWrite && categories.Intersects(policy.refused_on_write())) {
    return deny(categories.Intersects(policy.forbidden_categories())
                    ? Reason::kForbiddenCategory
                    : Reason::kSpecialCategoryRefused);
  }
  if (!categories.IsSubsetOf(p.categories)) return deny(Reason::kCategoryNotForPurpose);

  if (subject.restricted && action != Action::kStore && action != Action::kErase)
    return deny(Reason::kRestricted);
  if (action == Action::kStore || action == Action::kErase) return d;

  // California's right to limit: once used, sensitive data serves only the permitted uses.
  if (subject.limited_sensitive_use && !p.sensitive_use_permitted &&
      categories.Intersects(policy.sensitive_categories()))
    return deny(Reason::kSensitiveUseLimited);

  // An opt-out of a purpose or of any purpose above it ends every choice-based use beneath it,
  // even one consented to on its own ("no marketing" stops marketing email, CF16).
  const bool consented = subject.consents.Intersects(p.self_and_ancestors);
  if (p.consent == ConsentMode::kRequired && !consented) return deny(Reason::kNoConsent);
  if (p.consent != ConsentMode::kNone && subject.opt_outs.Intersects(p.self_and_ancestors))
    return deny(Reason::kOptedOut);
  if ((p.objectable || p.direct_marketing) && subject.objections.Intersects(p.self_and_ancestors)) {
    const bool overridden = subject.overriding_grounds.Intersects(p.self_and_ancestors);
    if (p.direct_marketing || !overridden) return deny(Reason::kObjected);
  }

  // A purpose first declared after the data was collected: where the policy binds use to the
  // version in force at collection, only with consent (CN17); otherwise the current version
  // governs (CU11), once the subject was told of it and could opt out (CU06), and the subject's
  // opt-out of that new use is honoured whatever the purpose's own consent mode.
  if (action != Action::kWrite && subject.collected_under_version > 0 &&
      subject.collected_under_version < p.since_version) {
    if (policy.use_bound_to_collection_version()) {
      if (!consented) return deny(Reason::kPurposeNotInForceAtCollection);
    } else {
      if (policy.changes_wait_for_notice() && subject.notified_version < p.since_version)
        return deny(Reason::kPurposeNotInForceAtCollection);
      if (subject.opt_outs.Intersects(p.self_and_ancestors) && !RequiredByLaw(p.basis))
        return deny(Reason::kOptedOut);
    }
  }
  return d;
}

Decision DecideDisclosure(const CompiledPolicy& policy, const DisclosureRequest& request) {
  Decision d;
  auto deny = [&d](Reason r) {
    d.reason = r;
    return d;
  };
  if (request.purpose >= policy.purpose_count()) return deny(Reason::kUnknownPurpose);
  const CompiledPurpose& purpose = policy.purpose(request.purpose);
  d.basis = purpose.basis;
  if (purpose.prohibited) return deny(Reason::kProhibitedPurpose);
  if (request.recipient >= policy.policy().recipients.size())
    return deny(Reason::kUnknownRecipient);
  const CompiledRecipient& to = policy.recipient(request.recipient);
  if (to.sale_refused) return deny(Reason::kSaleProhibited);
  if (to.third_party_refused) return deny(Reason::kUnaffiliatedThirdPartyProhibited);
  if (to.needs_dpa) return deny(Reason::kNoDataProcessingAgreement);
  if (to.needs_transfer_mechanism) return deny(Reason::kNoTransferMechanism);
  if (!to.purposes.Test(request.purpose)) return deny(Reason::kRecipientNotForPurpose);
  if (!request.categories.IsSubsetOf(to.categories)) return deny(Reason::kCategoryNotForRecipient);
  if (!request.categories.IsSubsetOf(purpose.categories))
    return deny(Reason::kCategoryNotForPurpose);
  const int notified = request.notified_version > 0 ? request.notified_version : policy.version();
  if (to.since_version > notified) return deny(Reason::kRecipientNotYetInForce);
  if (request.opted_out.Test(request.recipient) && !RequiredByLaw(purpose.basis))
    return deny(Reason::kOptedOut);
  for (const std::string& needed : policy.policy().recipients[request.recipient].preconditions) {
    const bool met = request.evidence != nullptr &&
                     std::find(request.evidence->begin(), request.evidence->end(), needed) !=
                         request.evidence->end();
    if (!met) return deny(Reason::kMissingPrecondition);
  }
  return d;
}

const PurposeSet& SignalOptOuts(const CompiledPolicy& policy, PrivacySignal signal) {
  return signal == PrivacySignal::kGlobalPrivacyControl ? policy.gpc_opt_outs()
                                                        : policy.dnt_opt_outs();
}

}  // namespace privet
