// Retention anchors (lifecycle events), legal holds, the aggregates retention keeps (CN02), and
// an organization's removal of a member (CT12): the Vault calls the retention and organization
// layers build on.
#include <algorithm>
#include <tuple>

#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {

using vault_internal::CachedSubject;

Status Vault::RecordLifecycleEvent(uint64_t subject_id, AnchorEvent event, std::optional<Time> at) {
  if (event == AnchorEvent::kCollection) {
    return InvalidArgument("collection is recorded with each field, not as an event", "event");
  }
  if (subject_id == 0 && event != AnchorEvent::kAnalysis) {
    return InvalidArgument("only the analysis can be recorded for everyone", "subject_id");
  }
  if (subject_id != 0) PRIVET_RETURN_IF_ERROR(impl_->Load(subject_id).status());
  const Time when = at.value_or(impl_->clock().Now());
  store::WriteBatch batch;
  batch.PutLifecycleEvent(
      {.subject_id = subject_id, .event = std::string(AnchorEventName(event)), .at = ToUnix(when)});
  AuditEntry e = impl_->Audit(AuditEvent::kLifecycle, Principal::Service(), subject_id);
  e.action = std::string(AnchorEventName(event));
  return impl_->Commit(batch, {e});
}

Status Vault::PlaceLegalHold(uint64_t subject_id, std::string_view rule, std::string_view ground) {
  if (!rule.empty()) PRIVET_RETURN_IF_ERROR(CheckReference(rule, "rule"));
  PRIVET_RETURN_IF_ERROR(CheckReference(ground, "ground"));
  const auto& rules = impl_->policy().policy().retention;
  if (!rule.empty() && std::none_of(rules.begin(), rules.end(),
                                    [&](const RetentionRule& r) { return r.id == rule; })) {
    return InvalidArgument("not a retention rule of the policy", "rule");
  }
  PRIVET_RETURN_IF_ERROR(impl_->Load(subject_id).status());
  store::WriteBatch batch;
  batch.PutLegalHold({.subject_id = subject_id,
                      .rule = std::string(rule),
                      .ground = std::string(ground),
                      .placed_at = ToUnix(impl_->clock().Now())});
  AuditEntry e = impl_->Audit(AuditEvent::kLegalHold, Principal::Service(), subject_id);
  e.action = "place";
  e.detail = std::string(rule.empty() ? "*" : rule) + ":" + std::string(ground);
  return impl_->Commit(batch, {e});
}

Status Vault::ReleaseLegalHold(uint64_t subject_id, std::string_view rule) {
  if (!rule.empty()) PRIVET_RETURN_IF_ERROR(CheckReference(rule, "rule"));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LegalHoldRecord> holds,
                          impl_->data().GetLegalHolds(subject_id));
  if (std::none_of(holds.begin(), holds.end(),
                   [&](const auto& h) { return h.subject_id == subject_id && h.rule == rule; })) {
    return NotFound("no such legal hold", "rule");
  }
  store::WriteBatch batch;
  batch.RemoveLegalHold(subject_id, std::string(rule));
  AuditEntry e = impl_->Audit(AuditEvent::kLegalHold, Principal::Service(), subject_id);
  e.action = "release";
  e.detail = std::string(rule.empty() ? "*" : rule);
  return impl_->Commit(batch, {e});
}

StatusOr<std::vector<LegalHold>> Vault::LegalHolds(uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LegalHoldRecord> holds,
                          impl_->data().GetLegalHolds(subject_id));
  std::vector<LegalHold> out;
  for (auto& h : holds) {
    out.push_back({.subject_id = h.subject_id,
                   .rule = std::move(h.rule),
                   .ground = std::move(h.ground),
                   .placed_at = FromUnix(h.placed_at)});
  }
  return out;
}

StatusOr<std::vector<RetentionAggregate>> Vault::Aggregates() {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::AggregateRecord> rows, impl_->data().GetAggregates());
  const std::optional<AutomaticCollection>& logs = impl_->policy().policy().automatic_collection;
  const int64_t min_group = logs ? std::max(logs->min_group_size, 1) : 1;
  std::sort(rows.begin(), rows.end(),
            [](const store::AggregateRecord& a, const store::AggregateRecord& b) {
              return std::tie(a.rule, a.category, a.day) < std::tie(b.rule, b.category, b.day);
            });
  // Per rule and category, days in order, merged into periods that at least `min_group` distinct
  // people stand behind (CN02). One person's many fields make no group, and a person may stand
  // behind several days, so a period counts as many people as its busiest day, never the sum.
  std::vector<RetentionAggregate> out;
  for (size_t i = 0; i < rows.size();) {
    const size_t group_start = out.size();
    RetentionAggregate open{.rule = rows[i].rule, .category = rows[i].category};
    int64_t people = 0;
    for (; i < rows.size() && rows[i].rule == open.rule && rows[i].category == open.category; ++i) {
      const CivilDay day = CivilDayOf(FromUnix(rows[i].day));
      if (open.count == 0) open.first_day = day;
      open.last_day = day;
      open.count += rows[i].count;
      // A day with records has at least one person behind it, even where the store does not
      // know how many (rows kept before the count of people existed).
      people = std::max({people, rows[i].subjects, rows[i].count > 0 ? int64_t{1} : int64_t{0}});
      if (people >= min_group) {
        out.push_back(open);
        open.count = 0;
        people = 0;
      }
    }
    if (open.count > 0 && out.size() > group_start) {  // a short tail joins the period before it
      out.back().last_day = open.last_day;
      out.back().count += open.count;
    }
  }
  return out;
}

Status Vault::RemoveFromOrganization(const Principal& admin, uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, impl_->Load(subject_id));
  const uint64_t org = subject->record.organization_id;
  if (admin.kind != PrincipalKind::kOrganizationAdmin || org == 0 || admin.organization_id != org) {
    Status refused =
        PermissionDenied(Reason::kOtherOrganization,
                         "only the admin of the subject's organization may remove it", "principal");
    impl_->AuditRefusal(AuditEvent::kConsent, admin, subject_id, refused);
    return refused;
  }
  return impl_->RecordConsent(subject_id, {.action = ConsentAction::kRemovedFromOrganization,
                                           .source = ConsentSource::kStaff});
}

}  // namespace privet
