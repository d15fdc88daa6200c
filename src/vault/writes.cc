// Writes: writing fields for declared purposes (CU01), a feature's required data (CT02), never
// cookie ids beside named data (CU04), never a payment card number (CX02), a location with every
// interaction where required (CX03); rectification and deletion of one field.
#include <algorithm>

#include "common/mutex.h"
#include "common/unix_time.h"
#include "common/utf8.h"
#include "nlohmann/json.hpp"
#include "vault/vault_impl.h"

namespace privet {

std::string vault_internal::Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

namespace {

using vault_internal::Joined;
using vault_internal::UnmetLocationRequirement;

constexpr size_t kMaxFieldsPerWrite = 1'000;

}  // namespace

Status Vault::Impl::CheckWriteFields(const WriteRequest& request,
                                     const std::vector<store::FieldRecord>& held,
                                     std::vector<CategoryId>& categories) {
  const CompiledPolicy& policy = *policy_;
  if (request.fields.empty()) return InvalidArgument("nothing to write", "fields");
  if (request.fields.size() > kMaxFieldsPerWrite)
    return ResourceExhausted("at most " + std::to_string(kMaxFieldsPerWrite) + " fields per write",
                             "fields");
  bool pseudonymous = false;
  bool named = false;
  for (const store::FieldRecord& f : held) {
    std::optional<CategoryId> c = policy.FindCategory(f.category);
    (c && policy.category(*c).pseudonymous_identifier ? pseudonymous : named) = true;
  }
  for (size_t i = 0; i < request.fields.size(); ++i) {
    const FieldInput& f = request.fields[i];
    const std::string where = "fields[" + std::to_string(i) + "]";
    std::optional<CategoryId> c = policy.FindCategory(f.category);
    if (!c) return InvalidArgument(where + ": not a category of the policy", where + ".category");
    if (f.value.size() > kMaxFieldValueBytes)
      return InvalidArgument(
          where + ": value over " + std::to_string(kMaxFieldValueBytes) + " bytes",
          where + ".value");
    if (!IsValidUtf8(f.value))
      return InvalidArgument(where + ": value is not valid UTF-8", where + ".value");
    // CX02: refused wherever it appears, and never echoed.
    PRIVET_RETURN_IF_ERROR(RefuseCardNumber(f.value, where + ".value"));
    (policy.category(*c).pseudonymous_identifier ? pseudonymous : named) = true;
    categories.push_back(*c);
  }
  if (pseudonymous && named)  // CU04
    return PermissionDenied(
        Reason::kTrackingIdWithNamedData,
        "cookie and tracking identifiers are never stored with a named subject's data", "fields");
  return Status::Ok();
}

StatusOr<std::vector<uint64_t>> Vault::Impl::Write(const WriteRequest& request) {
  store::WriteBatch batch;
  std::vector<uint64_t> ids;
  std::unique_lock<Mutex> write_lock;
  Status decided =
      DecideThenLock(request.subject_id, write_lock, [&](const CachedSubject& subject) {
        batch = store::WriteBatch();
        StatusOr<std::vector<uint64_t>> prepared =
            PrepareWrite(request, request.subject_id, subject, HeldFields::kInStore, batch);
        if (prepared.ok()) ids = std::move(*prepared);
        return prepared.status();
      });
  if (!decided.ok()) {
    AuditRefusal(AuditEvent::kWrite, request.principal, request.subject_id, decided,
                 Joined(request.purposes));
    return decided;
  }
  write_mu_.AssertHeld();  // DecideThenLock said OK: write_lock holds it
  AuditEntry written = Audit(AuditEvent::kWrite, request.principal, request.subject_id);
  written.action = "write";
  written.purpose = Joined(request.purposes);
  for (const FieldInput& f : request.fields) written.categories.push_back(f.category);
  written.detail = request.feature;
  PRIVET_RETURN_IF_ERROR(ApplyAudited(batch, {written}));
  return ids;
}

StatusOr<std::vector<uint64_t>> Vault::Impl::PrepareWrite(const WriteRequest& request,
                                                          uint64_t subject_id,
                                                          const CachedSubject& subject_entry,
                                                          HeldFields held_fields,
                                                          store::WriteBatch& batch) {
  const CompiledPolicy& policy = *policy_;
  const CachedSubject* subject = &subject_entry;
  std::vector<store::FieldRecord> held;
  if (held_fields == HeldFields::kInStore) {
    PRIVET_ASSIGN_OR_RETURN(held, data_->GetFields(subject_id));
  }
  std::vector<CategoryId> categories;
  PRIVET_RETURN_IF_ERROR(CheckWriteFields(request, held, categories));
  // A device (the consent banner's anonymous visitor) holds cookie ids only, never named data.
  if (IsDeviceKind(policy.policy(), subject->record.kind)) {
    for (const CategoryId c : categories) {
      if (!policy.category(c).pseudonymous_identifier)
        return PermissionDenied(Reason::kTrackingIdWithNamedData,
                                "a device known only by its cookie id holds no named data",
                                "fields");
    }
  }

  // CU01: data is written only for declared purposes, each allowing the write.
  if (request.purposes.empty())
    return PermissionDenied(Reason::kPurposeRequired, "a write needs the purpose it is for",
                            "purposes");
  std::vector<PurposeId> purposes;
  for (const std::string& p : request.purposes) {
    std::optional<PurposeId> id = policy.FindPurpose(p);
    if (!id)
      return PermissionDenied(Reason::kUnknownPurpose, "a purpose the policy does not declare",
                              "purposes");
    purposes.push_back(*id);
  }
  // Each field is collected for the requested purposes that may use its category; a purpose
  // that refuses the write for any other reason (consent, restriction, scope) refuses it all.
  std::vector<std::vector<std::string>> field_purposes(categories.size());
  std::vector<LegalBasis> field_basis(categories.size(), LegalBasis::kContract);
  for (size_t i = 0; i < categories.size(); ++i) {
    CategorySet one;
    one.Set(categories[i]);
    Reason last = Reason::kCategoryNotForPurpose;
    for (size_t k = 0; k < purposes.size(); ++k) {
      Decision d =
          Decide(policy, request.principal, Action::kWrite, subject->state, one, purposes[k]);
      if (d.allowed()) {
        if (field_purposes[i].empty()) field_basis[i] = d.basis;
        field_purposes[i].push_back(request.purposes[k]);
      } else if (d.reason != Reason::kCategoryNotForPurpose) {
        return PermissionDenied(d.reason,
                                "writing '" + request.fields[i].category + "' for '" +
                                    request.purposes[k] + "' is refused",
                                "fields[" + std::to_string(i) + "]");
      } else {
        last = d.reason;
      }
    }
    if (field_purposes[i].empty())
      return PermissionDenied(last,
                              "no requested purpose may use '" + request.fields[i].category + "'",
                              "fields[" + std::to_string(i) + "].category");
  }

  // CT02, CU02: a feature's required data must be present.
  if (!request.feature.empty()) {
    const auto& features = policy.policy().features;
    auto feature = std::find_if(features.begin(), features.end(),
                                [&](const Feature& f) { return f.id == request.feature; });
    if (feature == features.end()) return InvalidArgument("not a feature of the policy", "feature");
    const std::vector<std::string>& offered_to = feature->subject_kinds;
    if (!offered_to.empty() &&
        std::find(offered_to.begin(), offered_to.end(), subject->record.kind) == offered_to.end())
      return InvalidArgument(
          "'" + request.feature + "' is not offered to a '" + subject->record.kind + "'",
          "feature");
    std::vector<std::string> missing;
    for (const std::string& needed : feature->requires_categories) {
      auto covers = [&](std::string_view cat) { return IdCovers(needed, cat); };
      const bool in_write = std::any_of(request.fields.begin(), request.fields.end(),
                                        [&](const FieldInput& f) { return covers(f.category); });
      const bool already = std::any_of(held.begin(), held.end(), [&](const store::FieldRecord& f) {
        return covers(f.category);
      });
      if (!in_write && !already) missing.push_back(needed);
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
      return FailedPrecondition(
          "'" + request.feature + "' requires " + names + ", which was not provided", "fields");
    }
  }

  // CX03: where the subject kind requires it, every interaction carries a location.
  if (const SubjectKind* kind = UnmetLocationRequirement(policy, *subject)) {
    const bool has_location =
        std::any_of(request.fields.begin(), request.fields.end(),
                    [](const FieldInput& f) { return IdCovers("user.location", f.category); });
    if (!has_location)
      return FailedPrecondition(Reason::kLocationRequired,
                                "every interaction of a '" + kind->id +
                                    "' must record the subject's location (a user.location field)",
                                "fields");
  }

  std::vector<uint64_t> ids;
  const int64_t now = ToUnix(clock_.Now());
  for (size_t i = 0; i < request.fields.size(); ++i) {
    const FieldInput& f = request.fields[i];
    const uint64_t field_id = ids_.Next();
    const Category& category = policy.category(categories[i]);
    PRIVET_ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> entry,
                            IndexEntry(category, subject_id, f.value));
    if (entry) batch.PutBlindIndex(std::move(*entry));
    batch.PutField({.id = field_id,
                    .subject_id = subject_id,
                    .category = f.category,
                    .source = std::string(DataSourceName(f.source)),
                    .purposes = field_purposes[i],
                    .basis = std::string(LegalBasisName(field_basis[i])),
                    .collected_at = now,
                    .last_activity = now,
                    .policy_version = policy.version(),
                    .sealed_value = crypto::Seal(
                        subject->key, f.value,
                        crypto::FieldAssociatedData(subject_id, f.category, field_id), nonces_)});
    ids.push_back(field_id);
  }
  return ids;
}

Status Vault::Impl::CheckFieldAction(const Principal& principal, const CachedSubject& subject,
                                     const store::FieldRecord& field, Action action,
                                     Quantifier quantifier) {
  std::optional<CategoryId> c = policy_->FindCategory(field.category);
  if (!c)
    return PermissionDenied(Reason::kCategoryNotForPurpose,
                            "'" + field.category + "' is no longer declared");
  CategorySet one;
  one.Set(*c);
  Reason refused = Reason::kUnknownPurpose;
  bool any_allowed = false;
  for (const std::string& p : field.purposes) {
    std::optional<PurposeId> pid = policy_->FindPurpose(p);
    Decision d = pid ? Decide(*policy_, principal, action, subject.state, one, *pid)
                     : Decision{.reason = Reason::kUnknownPurpose};
    if (d.allowed()) {
      any_allowed = true;
    } else {
      refused = d.reason;
      if (quantifier == Quantifier::kAll) break;
    }
  }
  const bool ok = quantifier == Quantifier::kAny
                      ? any_allowed
                      : (any_allowed && refused == Reason::kUnknownPurpose);
  if (ok) return Status::Ok();
  return PermissionDenied(refused, "not allowed on this field", "field_id");
}

Status Vault::Impl::Rectify(const Principal& principal, uint64_t id, uint64_t field_id,
                            std::string_view value) {
  store::WriteBatch batch;
  AuditEntry rectified;
  std::unique_lock<Mutex> write_lock;
  Status decided = DecideThenLock(id, write_lock, [&](const CachedSubject& subject) -> Status {
    batch = store::WriteBatch();
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> held, data_->GetFields(id));
    auto found = std::find_if(held.begin(), held.end(),
                              [&](const store::FieldRecord& f) { return f.id == field_id; });
    if (found == held.end()) return NotFound("no such field", "field_id");
    store::FieldRecord field = *found;
    held.erase(found);
    // The new value passes the checks of any write (size, UTF-8, card numbers, CU04).
    WriteRequest check{.principal = principal,
                       .subject_id = id,
                       .fields = {{.category = field.category, .value = std::string(value)}}};
    std::vector<CategoryId> categories;
    PRIVET_RETURN_IF_ERROR(CheckWriteFields(check, held, categories));
    PRIVET_RETURN_IF_ERROR(
        CheckFieldAction(principal, subject, field, Action::kWrite, Quantifier::kAll));

    const Category& category = policy_->category(categories[0]);
    PRIVET_ASSIGN_OR_RETURN(std::string old_value, crypto::Open(subject.key, field.sealed_value,
                                                                crypto::FieldAssociatedData(
                                                                    id, field.category, field.id)));
    PRIVET_ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> old_entry,
                            IndexEntry(category, id, old_value));
    PRIVET_ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> new_entry,
                            IndexEntry(category, id, value));
    if (old_entry) batch.DeleteBlindIndex(std::move(*old_entry));
    if (new_entry) batch.PutBlindIndex(std::move(*new_entry));
    field.sealed_value = crypto::Seal(
        subject.key, value, crypto::FieldAssociatedData(id, field.category, field.id), nonces_);
    field.last_activity = ToUnix(clock_.Now());
    rectified = Audit(AuditEvent::kRectification, principal, id);
    rectified.action = "rectify";
    rectified.categories = {field.category};
    rectified.detail = "field:" + std::to_string(field_id);
    batch.PutField(std::move(field));
    return Status::Ok();
  });
  if (!decided.ok()) {
    AuditRefusal(AuditEvent::kRectification, principal, id, decided);
    return decided;
  }
  write_mu_.AssertHeld();  // DecideThenLock said OK: write_lock holds it
  return ApplyAudited(batch, {rectified});
}

Status Vault::Impl::MayDeleteField(const Principal& principal, uint64_t id, uint64_t field_id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  PRIVET_ASSIGN_OR_RETURN(store::FieldRecord field, FindField(id, field_id));
  return CheckFieldAction(principal, *subject, field, Action::kErase, Quantifier::kAny);
}

Status Vault::Impl::DeleteField(const Principal& principal, uint64_t id, uint64_t field_id) {
  store::WriteBatch batch;
  std::string category_name;
  std::unique_lock<Mutex> write_lock;
  Status decided = DecideThenLock(id, write_lock, [&](const CachedSubject& subject) -> Status {
    batch = store::WriteBatch();
    PRIVET_ASSIGN_OR_RETURN(store::FieldRecord field, FindField(id, field_id));
    PRIVET_RETURN_IF_ERROR(
        CheckFieldAction(principal, subject, field, Action::kErase, Quantifier::kAny));
    if (std::optional<CategoryId> c = policy_->FindCategory(field.category)) {
      PRIVET_ASSIGN_OR_RETURN(std::string value, crypto::Open(subject.key, field.sealed_value,
                                                              crypto::FieldAssociatedData(
                                                                  id, field.category, field.id)));
      PRIVET_ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> entry,
                              IndexEntry(policy_->category(*c), id, value));
      if (entry) batch.DeleteBlindIndex(std::move(*entry));
    }
    batch.DeleteField(id, field_id);
    category_name = field.category;
    return Status::Ok();
  });
  if (!decided.ok()) {
    AuditRefusal(AuditEvent::kFieldDeletion, principal, id, decided);
    return decided;
  }
  write_mu_.AssertHeld();  // DecideThenLock said OK: write_lock holds it
  AuditEntry deleted = Audit(AuditEvent::kFieldDeletion, principal, id);
  deleted.action = "delete";
  deleted.categories = {category_name};
  deleted.detail = "field:" + std::to_string(field_id);
  // CT02: only where a feature needs data of this category are the subject's other fields read.
  const bool may_suspend = std::any_of(
      policy_->policy().features.begin(), policy_->policy().features.end(), [&](const Feature& f) {
        return !f.optional &&
               std::any_of(f.requires_categories.begin(), f.requires_categories.end(),
                           [&](const std::string& c) { return IdCovers(c, category_name); });
      });
  if (may_suspend) {
    PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> held, data_->GetFields(id));
    std::erase_if(held, [&](const store::FieldRecord& f) { return f.id == field_id; });
    for (const SuspendedFeature& s : FeaturesSuspendedBy(*subject, category_name, held)) {
      const nlohmann::json body = {{"feature", s.feature->id},
                                   {"description", s.feature->description},
                                   {"requires", s.missing}};
      const std::string topic = "feature_suspended";
      batch.AppendOutbox({.subject_id = id,
                          .topic = topic,
                          .sealed_body = SealFor(*subject, id, OutboxContext(topic), body.dump()),
                          .created_at = ToUnix(clock_.Now())});
      deleted.detail += ";suspends:" + s.feature->id;
    }
  }
  return ApplyAudited(batch, {deleted});
}

// CT02: a feature the subject could use (every category it requires held) that deleting a
// field of `category` leaves without its required data is suspended for the subject, who is told
// at the time. Optional features are simply off without their data (CT01) and tell no one.
std::vector<Vault::Impl::SuspendedFeature> Vault::Impl::FeaturesSuspendedBy(
    const CachedSubject& subject, std::string_view category,
    const std::vector<store::FieldRecord>& left) const {
  std::vector<SuspendedFeature> suspended;
  for (const Feature& f : policy_->policy().features) {
    if (f.optional) continue;
    if (!f.subject_kinds.empty() && std::find(f.subject_kinds.begin(), f.subject_kinds.end(),
                                              subject.record.kind) == f.subject_kinds.end())
      continue;
    SuspendedFeature s{.feature = &f};
    bool usable_before = true;
    for (const std::string& needed : f.requires_categories) {
      const bool held_now = std::any_of(left.begin(), left.end(), [&](const store::FieldRecord& r) {
        return IdCovers(needed, r.category);
      });
      if (!held_now) s.missing.push_back(needed);
      usable_before = usable_before && (held_now || IdCovers(needed, category));
    }
    if (usable_before && !s.missing.empty()) suspended.push_back(std::move(s));
  }
  return suspended;
}

}  // namespace privet
