#include "privet/compiled_policy.h"

#include <algorithm>

#include "policy/policy_checks.h"

namespace privet {

StatusOr<std::shared_ptr<const CompiledPolicy>> CompiledPolicy::Compile(Policy policy) {
  // Not make_shared: the constructor is private.
  std::shared_ptr<CompiledPolicy> compiled(new CompiledPolicy(std::move(policy)));
  PRIVET_RETURN_IF_ERROR(compiled->Build());
  return std::shared_ptr<const CompiledPolicy>(std::move(compiled));
}

namespace {
template <typename Index>
std::optional<uint16_t> Lookup(const Index& index, std::string_view id) {
  auto it = index.find(id);
  if (it == index.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<CategoryId> CompiledPolicy::FindCategory(std::string_view id) const {
  return Lookup(category_index_, id);
}
std::optional<PurposeId> CompiledPolicy::FindPurpose(std::string_view id) const {
  return Lookup(purpose_index_, id);
}
std::optional<RoleId> CompiledPolicy::FindRole(std::string_view id) const {
  return Lookup(role_index_, id);
}
std::optional<RecipientId> CompiledPolicy::FindRecipient(std::string_view id) const {
  return Lookup(recipient_index_, id);
}
std::optional<SubjectKindId> CompiledPolicy::FindSubjectKind(std::string_view id) const {
  return Lookup(subject_kind_index_, id);
}

StatusOr<CategorySet> CompiledPolicy::Categories(const std::vector<std::string>& ids) const {
  CategorySet set;
  for (const auto& ref : ids) {
    bool any = false;
    for (int c = 0; c < category_count(); ++c) {
      if (IdCovers(ref, policy_.categories[c].id)) {
        set.Set(c);
        any = true;
      }
    }
    if (!any) return InvalidArgument("unknown category '" + ref + "'", "category");
  }
  return set;
}

Status CompiledPolicy::Build() {
  const auto& p = policy_;
  if (p.categories.size() > static_cast<size_t>(kMaxCategories) ||
      p.purposes.size() > static_cast<size_t>(kMaxPurposes) ||
      p.recipients.size() > static_cast<size_t>(kMaxRecipients))
    return InvalidArgument(
        "the policy declares more categories, purposes or recipients than privet supports");

  for (size_t i = 0; i < p.categories.size(); ++i) {
    category_index_.emplace(p.categories[i].id, static_cast<CategoryId>(i));
    if (p.categories[i].forbidden) forbidden_.Set(static_cast<int>(i));
    if (p.categories[i].special) special_.Set(static_cast<int>(i));
    for (const Category& above : p.categories) {
      if ((above.special || above.sensitive) && IdCovers(above.id, p.categories[i].id))
        sensitive_.Set(static_cast<int>(i));
    }
  }
  for (size_t i = 0; i < p.purposes.size(); ++i)
    purpose_index_.emplace(p.purposes[i].id, static_cast<PurposeId>(i));
  for (size_t i = 0; i < p.roles.size(); ++i)
    role_index_.emplace(p.roles[i].id, static_cast<RoleId>(i));
  for (size_t i = 0; i < p.recipients.size(); ++i)
    recipient_index_.emplace(p.recipients[i].id, static_cast<RecipientId>(i));
  for (size_t i = 0; i < p.subject_kinds.size(); ++i)
    subject_kind_index_.emplace(p.subject_kinds[i].id, static_cast<SubjectKindId>(i));

  // Purpose tree: ancestors first, so each purpose inherits from an already-built parent.
  const std::vector<int> parent = policy_internal::ResolvePurposeParents(p);
  const int n = purpose_count();
  std::vector<int> order;
  std::vector<int> depth(n, -1);
  for (int i = 0; i < n; ++i) {
    int d = 0;
    for (int at = parent[i]; at >= 0; at = parent[at]) {
      if (++d > n) return InvalidArgument("purpose '" + p.purposes[i].id + "' is in a cycle");
    }
    depth[i] = d;
  }
  for (int d = 0; d <= n; ++d)
    for (int i = 0; i < n; ++i)
      if (depth[i] == d) order.push_back(i);

  // Request-log data serves only the automatic collection's purposes (CN01), whatever the
  // others' categories cover by prefix.
  PurposeSet request_log_purposes;
  if (p.automatic_collection) {
    PRIVET_ASSIGN_OR_RETURN(request_log_, Categories(p.automatic_collection->categories));
    for (const std::string& id : p.automatic_collection->purposes) {
      std::optional<PurposeId> pid = FindPurpose(id);
      if (!pid) return InvalidArgument("unknown purpose '" + id + "'", "purpose");
      request_log_purposes.Set(*pid);
    }
  }
  purposes_.assign(n, CompiledPurpose{});
  for (int i : order) {
    const Purpose& decl = p.purposes[i];
    CompiledPurpose& c = purposes_[i];
    const CompiledPurpose* up = parent[i] >= 0 ? &purposes_[parent[i]] : nullptr;
    c.depth = depth[i];
    if (up) c.self_and_ancestors = up->self_and_ancestors;
    c.self_and_ancestors.Set(i);
    if (up) c.categories = up->categories;
    PRIVET_ASSIGN_OR_RETURN(CategorySet own, Categories(decl.categories));
    c.categories |= own;
    if (!c.self_and_ancestors.Intersects(request_log_purposes))
      c.categories = c.categories.Minus(request_log_);
    if (decl.basis) {
      c.basis = *decl.basis;
    } else if (up) {
      c.basis = up->basis;
    } else {
      return InvalidArgument("purpose '" + decl.id + "' has no legal basis");
    }
    if (decl.consent) {
      c.consent = *decl.consent;
    } else if (up && !decl.basis) {
      c.consent = up->consent;
    } else {
      c.consent = c.basis == LegalBasis::kConsent ? ConsentMode::kRequired : ConsentMode::kNone;
    }
    c.prohibited = decl.prohibited || (up && up->prohibited);
    c.processor = decl.processor || (up && up->processor);
    if (decl.objectable) {
      c.objectable = *decl.objectable;
    } else if (decl.basis) {
      c.objectable =
          c.basis == LegalBasis::kLegitimateInterests || c.basis == LegalBasis::kPublicTask;
    } else {
      c.objectable = up ? up->objectable : false;
    }
    c.direct_marketing = decl.direct_marketing || (up && up->direct_marketing);
    c.profiling = decl.profiling || (up && up->profiling);
    c.sensitive_use_permitted = decl.sensitive_use_permitted || (up && up->sensitive_use_permitted);
    c.since_version = std::max(decl.since_version, up ? up->since_version : 1);
    if (!decl.shown_to_subjects.empty()) {
      c.shown_categories = own;
      for (const std::string& kind : decl.shown_to_subjects) {
        std::optional<SubjectKindId> k = FindSubjectKind(kind);
        if (!k)
          return InvalidArgument("purpose '" + decl.id +
                                 "' is shown to an undeclared subject kind '" + kind + "'");
        if (*k >= 64)
          return InvalidArgument("shown_to_subjects names one of the first 64 subject kinds only");
        c.shown_to_kinds |= uint64_t{1} << *k;
      }
    }
  }
  for (int i = 0; i < n; ++i)
    for (int a = i; a >= 0; a = parent[a]) purposes_[a].self_and_descendants.Set(i);

  auto expand_purposes = [&](const std::vector<std::string>& ids) -> StatusOr<PurposeSet> {
    PurposeSet set;
    for (const auto& id : ids) {
      auto pid = FindPurpose(id);
      if (!pid) return InvalidArgument("unknown purpose '" + id + "'", "purpose");
      set |= purposes_[*pid].self_and_descendants;
    }
    return set;
  };
  for (const Role& r : p.roles) {
    CompiledRole role;
    PRIVET_ASSIGN_OR_RETURN(role.purposes, expand_purposes(r.purposes));
    PRIVET_ASSIGN_OR_RETURN(role.categories, Categories(r.categories));
    roles_.push_back(role);
  }
  organization_admin_role_ = FindRole(kOrganizationAdminRole);
  under_gdpr_ =
      std::any_of(p.jurisdictions.begin(), p.jurisdictions.end(),
                  [](const std::string& j) { return j == "UK" || j == "GB" || IsEeaCountry(j); });
  for (const Recipient& r : p.recipients) {
    CompiledRecipient rec;
    PRIVET_ASSIGN_OR_RETURN(rec.purposes, expand_purposes(r.purposes));
    PRIVET_ASSIGN_OR_RETURN(rec.categories, Categories(r.categories));
    rec.sale_refused = r.sale && !p.sharing.sale;
    rec.third_party_refused =
        r.kind == RecipientKind::kThirdParty && !p.sharing.unaffiliated_third_parties;
    rec.needs_dpa =
        (r.kind == RecipientKind::kProcessor || r.kind == RecipientKind::kSubProcessor) && !r.dpa;
    rec.needs_transfer_mechanism =
        under_gdpr_ && !IsEeaCountry(r.country) && r.transfer_mechanism.empty();
    rec.since_version = r.since_version;
    recipients_.push_back(rec);
  }
  if (p.signals.gpc == SignalResponse::kHonor) {
    PRIVET_ASSIGN_OR_RETURN(gpc_opt_outs_, expand_purposes(p.signals.opt_out_purposes));
  }
  if (p.signals.dnt == SignalResponse::kHonor) {
    PRIVET_ASSIGN_OR_RETURN(dnt_opt_outs_, expand_purposes(p.signals.opt_out_purposes));
  }
  if (!p.special_categories_allowed)
    refused_on_write_ = forbidden_ | special_;
  else
    refused_on_write_ = forbidden_;
  return Status::Ok();
}

}  // namespace privet
