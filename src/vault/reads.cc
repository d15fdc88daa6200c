// Reads: what a principal may read for a purpose, field by field (purpose limitation, the
// policy version a field was collected under, CN17, CU06, CU11; another subject's view, CF07;
// a location with a subject's own read, CX03), and the decision each read records.
#include <algorithm>

#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {

using vault_internal::SealedField;
using vault_internal::SealedFieldCache;
using vault_internal::SealedFields;
using vault_internal::UnmetLocationRequirement;

namespace vault_internal {

bool CollectedFor(const CompiledPurpose& purpose, const PurposeSet& field_purposes) {
  if (RequiredByLaw(purpose.basis)) return true;
  return purpose.self_and_ancestors.Intersects(field_purposes);
}

bool CollectedFor(const CompiledPolicy& policy, const std::vector<std::string>& field_purposes,
                  PurposeId purpose) {
  PurposeSet declared;
  for (const std::string& id : field_purposes) {
    if (std::optional<PurposeId> p = policy.FindPurpose(id)) declared.Set(*p);
  }
  return CollectedFor(policy.purpose(purpose), declared);
}

}  // namespace vault_internal

using vault_internal::CollectedFor;

StatusOr<ReadResult> Vault::Impl::Read(const Principal& principal, uint64_t id,
                                       std::string_view purpose, bool located) {
  AuditEntry decision;
  PRIVET_ASSIGN_OR_RETURN(ReadResult result,
                          ReadUnstored(principal, id, purpose, decision, located));
  PRIVET_RETURN_IF_ERROR(auditor_.Record(std::move(decision)));
  return result;
}

namespace {

// A queued read's release: hands `done` the read's answer once its decision is stored, or the
// commit's error.
template <typename Answer, typename Done>
std::function<void(const Status&)> ReleaseTo(Answer answer, Done done) {
  return [answer = std::move(answer), done = std::move(done)](const Status& stored) mutable {
    if (stored.ok()) {
      done(std::move(answer));
    } else {
      done(stored);
    }
  };
}

}  // namespace

void Vault::Impl::ReadThen(const Principal& principal, uint64_t id, std::string_view purpose,
                           Vault::ReadDone done) {
  AuditEntry decision;
  StatusOr<ReadResult> result = ReadUnstored(principal, id, purpose, decision);
  if (!result.ok()) return done(std::move(result).status());
  if (auditor_.batched()) {
    auditor_.Buffer(std::move(decision));
    return done(std::move(result));
  }
  auditor_.Queue(std::move(decision), ReleaseTo(std::move(*result), std::move(done)));
}

void Vault::Impl::ReadThen(const Principal& principal, uint64_t id, std::string_view purpose,
                           Vault::ReadPrepare prepare, Vault::PreparedDone done, bool located) {
  AuditEntry decision;
  std::string answer;
  {
    StatusOr<ReadResult> result = ReadUnstored(principal, id, purpose, decision, located);
    if (!result.ok()) return done(std::move(result).status());
    answer = prepare(*result);
  }  // the plaintext result is gone; only `answer` waits for the commit
  if (auditor_.batched()) {
    auditor_.Buffer(std::move(decision));
    return done(std::move(answer));
  }
  auditor_.Queue(std::move(decision), ReleaseTo(std::move(answer), std::move(done)));
}

Status Vault::Impl::RecordReadLocation(const Principal& principal, uint64_t id,
                                       const FieldInput& location) {
  if (principal.kind != PrincipalKind::kSubject || principal.subject_id != id)
    return InvalidArgument("only a subject's own read carries their location", "location");
  if (!location.category.empty() && !IdCovers("user.location", location.category))
    return InvalidArgument("must be a user.location field", "location.category");
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  // The feature of the subject's kind that requires a location: what the location is for.
  for (const Feature& f : policy_->policy().features) {
    const bool for_kind =
        f.subject_kinds.empty() || std::find(f.subject_kinds.begin(), f.subject_kinds.end(),
                                             subject->record.kind) != f.subject_kinds.end();
    auto located = std::find_if(f.requires_categories.begin(), f.requires_categories.end(),
                                [](const std::string& c) { return IdCovers("user.location", c); });
    if (!for_kind || located == f.requires_categories.end()) continue;
    FieldInput where = location;
    if (where.category.empty()) where.category = *located;  // the feature's own location category
    return Write({.principal = principal,
                  .subject_id = id,
                  .purposes = {f.purpose},
                  .fields = {std::move(where)},
                  .feature = f.id})
        .status();
  }
  return FailedPrecondition("the policy records no location for a '" + subject->record.kind +
                                "' (no feature of that kind requires one)",
                            "location");
}

StatusOr<ReadResult> Vault::Impl::ReadUnstored(const Principal& principal, uint64_t id,
                                               std::string_view purpose, AuditEntry& decision,
                                               bool located) {
  const CompiledPolicy& policy = *policy_;
  std::optional<PurposeId> pid = policy.FindPurpose(purpose);
  if (!pid) {
    Status refused = PermissionDenied(Reason::kUnknownPurpose,
                                      "a purpose the policy does not declare", "purpose");
    AuditRefusal(AuditEvent::kDecision, principal, id, refused, std::string(purpose));
    return refused;
  }
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  // A subject's own read is one of their interactions (CX03).
  if (principal.kind == PrincipalKind::kSubject && principal.subject_id == id && !located) {
    if (const SubjectKind* kind = UnmetLocationRequirement(policy, *subject)) {
      Status refused = FailedPrecondition(Reason::kLocationRequired,
                                          "every interaction of a '" + kind->id +
                                              "' must record the subject's location: read with one",
                                          "location");
      AuditRefusal(AuditEvent::kDecision, principal, id, refused, std::string(purpose));
      return refused;
    }
  }
  // Another subject reads only what the purpose shows to subjects of their kind (CF07): the rest
  // of the record is not even named as withheld.
  const bool other_subject =
      principal.kind == PrincipalKind::kSubject && principal.subject_id != id;
  Principal reader = principal;
  if (other_subject) {
    PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> self, Load(principal.subject_id));
    reader.subject_kind = policy.FindSubjectKind(self->record.kind).value_or(kUnknownSubjectKind);
    const CompiledPurpose& shown = policy.purpose(*pid);
    if (reader.subject_kind >= 64 || (shown.shown_to_kinds >> reader.subject_kind & 1) == 0) {
      Status refused = PermissionDenied(Reason::kNotSubjectsOwnData,
                                        "a subject reads another's data only where a "
                                        "purpose shows it to them");
      AuditRefusal(AuditEvent::kDecision, principal, id, refused, std::string(purpose));
      return refused;
    }
  }
  PRIVET_ASSIGN_OR_RETURN(SealedFieldCache::Rows rows, SealedRows(id));
  const CompiledPurpose& asked = policy.purpose(*pid);
  ReadResult result;
  result.fields.reserve(rows->fields.size());
  SubjectState state = subject->state;
  bool notified_known = false;  // state.notified_version, read from the ledger when first needed
  std::string ad;               // each field's associated data, in one buffer
  ad.reserve(64);
  for (size_t i = 0; i < rows->fields.size(); ++i) {
    const SealedField& f = rows->fields[i];
    const std::string& category = rows->category_name(policy, i);
    if (other_subject && (!f.declared || !asked.shown_categories.Test(f.category))) continue;
    if (!f.declared) {  // a category the current policy no longer declares is used for nothing
      result.withheld.push_back({category, Reason::kCategoryNotForPurpose});
      continue;
    }
    const SealedFields::PurposeList& collected_for = rows->purpose_lists[f.purposes];
    if (!CollectedFor(asked, collected_for.declared)) {
      result.withheld.push_back({category, Reason::kNotCollectedForPurpose});
      continue;
    }
    CategorySet one;
    one.Set(f.category);
    state.collected_under_version = f.policy_version;
    // A purpose newer than the datum, where the subject's notice of it decides (CU06).
    if (f.policy_version < asked.since_version && !notified_known &&
        !policy.use_bound_to_collection_version() && policy.changes_wait_for_notice()) {
      PRIVET_ASSIGN_OR_RETURN(state.notified_version, NotifiedVersion(*subject));
      notified_known = true;
    }
    Decision d = Decide(policy, reader, Action::kRead, state, one, *pid);
    if (!d.allowed()) {
      result.withheld.push_back({category, d.reason});
      continue;
    }
    PRIVET_ASSIGN_OR_RETURN(std::string value,
                            crypto::Open(subject->key, rows->sealed_value(i),
                                         crypto::FieldAssociatedData(id, category, f.id, ad)));
    result.fields.push_back({.id = f.id,
                             .category = category,
                             .value = std::move(value),
                             .source = f.source,
                             .purposes = collected_for.ids,
                             .basis = d.basis,
                             .collected_at = FromUnix(f.collected_at),
                             .last_activity = FromUnix(f.last_activity),
                             .policy_version = f.policy_version});
  }
  // The decision, to be recorded before any value is handed out.
  decision = Audit(AuditEvent::kDecision, principal, id);
  decision.action = "read";
  decision.purpose = std::string(purpose);
  decision.categories.reserve(result.fields.size());
  for (const FieldValue& f : result.fields) decision.categories.push_back(f.category);
  for (const WithheldField& w : result.withheld)
    decision.withheld.push_back(w.category + ":" + std::string(ReasonName(w.reason)));
  if (result.fields.empty() && !result.withheld.empty()) decision.outcome = "denied";
  if (!result.fields.empty())
    decision.basis = std::string(LegalBasisName(result.fields.front().basis));
  return result;
}

}  // namespace privet
