// Subjects: creation and import with their checks (CN03, CT11, CN05), the sealed profile,
// lookup by blind index, organization membership, and location exemptions (CX03).
#include <algorithm>
#include <chrono>

#include "common/mutex.h"
#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

using crypto::SecretKey;
using vault_internal::AgeOn;
using vault_internal::EncodeProfile;
using vault_internal::Joined;
using vault_internal::ProfileAd;

constexpr size_t kMaxSubjectsPerImport = 10'000;

// An error of subjects[i] of an import: the same code, the place prefixed.
Status AtImported(size_t i, std::string_view part, const Status& status) {
  const std::string where = "subjects[" + std::to_string(i) + "]." + std::string(part);
  return Status(status.code(), where + ": " + status.message(),
                status.field().empty() ? where : where + "." + status.field());
}

}  // namespace

StatusOr<std::string> Vault::Impl::CheckNewSubject(const NewSubject& s) {
  const Policy& policy = policy_->policy();
  auto kind = std::find_if(policy.subject_kinds.begin(), policy.subject_kinds.end(),
                           [&](const SubjectKind& k) { return k.id == s.kind; });
  if (kind == policy.subject_kinds.end() && !policy.subject_kinds.empty())
    return InvalidArgument("not a subject kind of the policy", "kind");
  if (s.birth_date && s.age_years)
    return InvalidArgument("give a birth date or an age, not both", "age_years");
  if (s.age_years && (*s.age_years < 0 || *s.age_years > 150))
    return InvalidArgument("age out of range", "age_years");
  const CivilDay today = CivilDayOf(clock_.Now());
  std::optional<int> age = s.age_years;
  if (s.birth_date) {
    const std::chrono::year_month_day ymd{std::chrono::year{s.birth_date->year},
                                          std::chrono::month{s.birth_date->month},
                                          std::chrono::day{s.birth_date->day}};
    if (!ymd.ok()) return InvalidArgument("birth date is not a calendar date", "birth_date");
    age = AgeOn(*s.birth_date, today);
    if (*age < 0 || *age > 150) return InvalidArgument("birth date out of range", "birth_date");
  }
  const int minimum_age = kind != policy.subject_kinds.end() ? kind->minimum_age : 0;
  if (minimum_age > 0) {
    if (!age)
      return InvalidArgument("this kind of subject must give a birth date or an age", "birth_date");
    if (*age < minimum_age)  // CN03
      return PermissionDenied(
          Reason::kBelowMinimumAge,
          "below the minimum age of " + std::to_string(minimum_age) + " for '" + s.kind + "'",
          "birth_date");
  }
  // Creation stays inside the creator's scope: a customer's subjects are its own and in no
  // organization; an organization admin's are members of its organization and nobody's
  // processor data (CT11, CN05). A subject is a customer's or an organization's, never both.
  if (s.organization_id != kNoId && s.tenant_id != kNoId)
    return InvalidArgument(
        "a subject belongs to an organization or to a customer (tenant), not both", "tenant_id");
  if (s.principal.kind == PrincipalKind::kTenant && s.principal.tenant_id != s.tenant_id)
    return PermissionDenied(Reason::kOtherTenant, "a customer may only create subjects of its own",
                            "tenant_id");
  if (s.principal.kind == PrincipalKind::kTenant && s.organization_id != kNoId)
    return PermissionDenied(Reason::kOtherOrganization,
                            "a customer creates subjects in no organization", "organization_id");
  if (s.principal.kind == PrincipalKind::kOrganizationAdmin &&
      s.principal.organization_id != s.organization_id)
    return PermissionDenied(Reason::kOtherOrganization,
                            "an organization admin creates members of its own organization only",
                            "organization_id");
  if (s.principal.kind == PrincipalKind::kOrganizationAdmin && s.tenant_id != kNoId)
    return PermissionDenied(Reason::kOtherTenant,
                            "an organization admin creates no customer's subjects", "tenant_id");
  if (s.principal.kind != PrincipalKind::kService && s.principal.kind != PrincipalKind::kTenant &&
      s.principal.kind != PrincipalKind::kOrganizationAdmin)
    return PermissionDenied(Reason::kPrincipalNotAllowed, "this principal creates no subjects");
  // Codes, sealed at rest like the rest of the profile, and still never a card number (CX02).
  if (!s.jurisdiction.empty())
    PRIVET_RETURN_IF_ERROR(CheckReference(s.jurisdiction, "jurisdiction"));
  return EncodeProfile(s.jurisdiction, {}, s.birth_date, s.age_years).dump();
}

StatusOr<uint64_t> Vault::Impl::CreateSubject(const NewSubject& s) {
  StatusOr<std::string> checked = CheckNewSubject(s);
  if (!checked.ok()) {
    AuditRefusal(AuditEvent::kSubjectCreated, s.principal, 0,
                 checked.status());  // CN03 refusals too
    return checked.status();
  }
  const std::string profile = std::move(*checked);
  SecretKey key = SecretKey::Random();
  MutexLock write_lock(&write_mu_);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const uint64_t id = ids_.Next();
    // The key goes first, durably: a crash before the data commit leaves an unused key, never
    // data without a key.
    Status put = KeyWrite(keys_->PutWrappedKey(id, crypto::WrapKey(master_, key, id, nonces_)));
    if (put.code() == StatusCode::kAlreadyExists) continue;
    PRIVET_RETURN_IF_ERROR(put);
    store::WriteBatch batch;
    batch.PutSubject({.id = id,
                      .kind = s.kind,
                      .organization_id = s.organization_id,
                      .tenant_id = s.tenant_id,
                      .created_at = ToUnix(clock_.Now()),
                      .policy_version = policy_->version(),
                      .sealed_profile = crypto::Seal(key, profile, ProfileAd(id), nonces_)});
    AuditEntry created = Audit(AuditEvent::kSubjectCreated, s.principal, id);
    created.action = "create";
    created.detail = s.kind;
    Status applied = ApplyAudited(batch, {created});
    if (!applied.ok()) {
      (void)KeyWrite(keys_->DestroyWrappedKey(id));
      if (applied.code() == StatusCode::kAlreadyExists) continue;
      return applied;
    }
    return id;
  }
  return Internal("could not draw an unused subject id");
}

StatusOr<SubjectInfo> Vault::Impl::GetSubject(uint64_t id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> s, Load(id));
  SubjectInfo info;
  info.id = id;
  info.kind = s->record.kind;
  info.organization_id = s->record.organization_id;
  info.tenant_id = s->record.tenant_id;
  info.created_at = FromUnix(s->record.created_at);
  info.policy_version = s->record.policy_version;
  if (!s->profile_readable) return Status(StatusCode::kDataLoss, "unreadable subject profile");
  info.location_exemptions = s->location_exemptions;
  info.jurisdiction = s->jurisdiction;
  info.birth_date = s->birth_date;
  info.age_years = s->age_years;
  return info;
}

StatusOr<std::vector<uint64_t>> Vault::Impl::Import(const std::vector<ImportedSubject>& subjects) {
  if (subjects.empty()) return InvalidArgument("nothing to import", "subjects");
  if (subjects.size() > kMaxSubjectsPerImport)
    return ResourceExhausted(
        "at most " + std::to_string(kMaxSubjectsPerImport) + " subjects per import", "subjects");
  std::vector<std::string> profiles;
  profiles.reserve(subjects.size());
  for (size_t i = 0; i < subjects.size(); ++i) {
    StatusOr<std::string> profile = CheckNewSubject(subjects[i].subject);
    if (!profile.ok()) return AtImported(i, "subject", profile.status());
    profiles.push_back(std::move(*profile));
  }
  // What Load() would build for each new subject: no consent events, no fields yet.
  std::vector<CachedSubject> fresh(subjects.size());
  for (size_t i = 0; i < subjects.size(); ++i) {
    const NewSubject& s = subjects[i].subject;
    fresh[i].key = SecretKey::Random();
    fresh[i].record.kind = s.kind;
    fresh[i].record.organization_id = s.organization_id;
    fresh[i].record.tenant_id = s.tenant_id;
    fresh[i].state.organization_id = s.organization_id;
    fresh[i].state.tenant_id = s.tenant_id;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<uint64_t> ids;
    ids.reserve(subjects.size());
    store::WriteBatch batch;
    const int64_t now = ToUnix(clock_.Now());
    for (size_t i = 0; i < subjects.size(); ++i) {
      const uint64_t id = ids_.Next();
      CachedSubject& subject = fresh[i];
      subject.record.id = id;
      subject.record.created_at = now;
      subject.record.policy_version = policy_->version();
      subject.record.sealed_profile =
          crypto::Seal(subject.key, profiles[i], ProfileAd(id), nonces_);
      subject.state.subject_id = id;
      batch.PutSubject(subject.record);
      if (!subjects[i].write.fields.empty()) {
        StatusOr<std::vector<uint64_t>> written =
            PrepareWrite(subjects[i].write, id, subject, HeldFields::kNone, batch);
        if (!written.ok()) return AtImported(i, "write", written.status());
      }
      ids.push_back(id);
    }
    MutexLock write_lock(&write_mu_);
    // Wrapped under write_mu_, as in CreateSubject: a rotation (which holds it) can neither
    // change master_ as it is read nor rewrap the keys before they are stored under the old one.
    std::vector<std::pair<uint64_t, std::string>> wrapped;
    wrapped.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
      wrapped.emplace_back(ids[i], crypto::WrapKey(master_, fresh[i].key, ids[i], nonces_));
    // As in CreateSubject, the keys go first, durably: a crash before the data commit leaves
    // unused keys, never data without a key.
    Status put = KeyWrite(keys_->PutWrappedKeys(wrapped));
    if (put.code() == StatusCode::kAlreadyExists) continue;  // an id collision: draw again
    PRIVET_RETURN_IF_ERROR(put);
    std::vector<AuditEntry> entries;
    for (size_t i = 0; i < ids.size(); ++i) {
      AuditEntry created =
          Audit(AuditEvent::kSubjectCreated, subjects[i].subject.principal, ids[i]);
      created.action = "import";
      created.detail = subjects[i].subject.kind;
      for (const FieldInput& f : subjects[i].write.fields) created.categories.push_back(f.category);
      created.purpose = Joined(subjects[i].write.purposes);
      entries.push_back(std::move(created));
    }
    Status applied = ApplyAudited(batch, entries);
    if (applied.ok()) return ids;
    (void)KeyWrite(keys_->DestroyWrappedKeys(ids));
    if (applied.code() != StatusCode::kAlreadyExists) return applied;
    // AlreadyExists is an id collision with a stored subject, or a blind-index entry (an
    // identifier) that belongs to another subject: only the first is worth another draw.
    bool collision = false;
    for (uint64_t id : ids) {
      PRIVET_ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> existing, data_->GetSubject(id));
      if (existing) collision = true;
    }
    if (!collision) return applied;
  }
  return Internal("could not draw unused subject ids");
}

StatusOr<std::optional<uint64_t>> Vault::Impl::FindSubject(Identifier kind,
                                                           std::string_view value) {
  crypto::IdentifierKind k = kind == Identifier::kEmail   ? crypto::IdentifierKind::kEmail
                             : kind == Identifier::kPhone ? crypto::IdentifierKind::kPhone
                                                          : crypto::IdentifierKind::kUsername;
  PRIVET_ASSIGN_OR_RETURN(std::string hash, indexer_.Compute(k, value));
  PRIVET_ASSIGN_OR_RETURN(std::optional<uint64_t> found,
                          data_->FindByBlindIndex(crypto::IdentifierKindName(k), hash));
  if (!found) return found;
  // An erased subject's entries may outlive its key until the purge runs: they find nothing.
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> key, keys_->GetWrappedKey(*found));
  return key ? found : std::optional<uint64_t>();
}

StatusOr<std::vector<uint64_t>> Vault::Impl::OrganizationMembers(uint64_t org) {
  // 0 is "no organization": its "members" are every subject without one.
  if (org == kNoId) return NotFound("no such organization", "organization_id");
  PRIVET_ASSIGN_OR_RETURN(std::vector<uint64_t> members, data_->ListOrganizationMembers(org));
  std::vector<uint64_t> live;  // without subjects erased but not yet purged
  for (uint64_t id : members) {
    PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> key, keys_->GetWrappedKey(id));
    if (key) live.push_back(id);
  }
  return live;
}

Status Vault::Impl::ChangeLocationExemption(const Principal& by, uint64_t id,
                                            std::string_view exemption,
                                            std::optional<std::string_view> reference) {
  const CompiledPolicy& policy = *policy_;
  // Who has seen the grant: the operator's service or admin, or staff who may see where the
  // subject is. Never the subject, whose interactions the requirement is about.
  bool may_record = by.kind == PrincipalKind::kService || by.kind == PrincipalKind::kAdmin;
  if (by.kind == PrincipalKind::kStaff && by.role < policy.policy().roles.size()) {
    const Role& role = policy.policy().roles[by.role];
    may_record =
        std::any_of(role.categories.begin(), role.categories.end(), [](const std::string& c) {
          return IdCovers(c, "user.location") || IdCovers("user.location", c);
        });
  }
  if (!may_record) {
    Status refused =
        PermissionDenied(Reason::kPrincipalNotAllowed,
                         "location exemptions are recorded by the service, the admin, or "
                         "staff who may "
                         "see location data");
    AuditRefusal(AuditEvent::kLocationExemption, by, id, refused);
    return refused;
  }
  MutexLock write_lock(&write_mu_);
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  if (!subject->profile_readable)
    return Status(StatusCode::kDataLoss, "unreadable subject profile");
  const auto& kinds = policy.policy().subject_kinds;
  auto kind = std::find_if(kinds.begin(), kinds.end(),
                           [&](const SubjectKind& k) { return k.id == subject->record.kind; });
  if (kind == kinds.end() ||
      std::find(kind->location_exemptions.begin(), kind->location_exemptions.end(), exemption) ==
          kind->location_exemptions.end()) {
    return InvalidArgument("not an exemption the subject's kind recognizes", "exemption");
  }
  std::vector<LocationExemption> held;
  for (const LocationExemption& e : subject->location_exemptions)
    if (e.exemption != exemption) held.push_back(e);
  if (!reference && held.size() == subject->location_exemptions.size())
    return NotFound("the subject holds no such exemption", "exemption");
  if (reference) {
    held.push_back({.exemption = std::string(exemption),
                    .reference = std::string(*reference),
                    .granted_by = PrincipalText(policy, by),
                    .granted_at = clock_.Now()});
  }
  const std::string profile =
      EncodeProfile(subject->jurisdiction, held, subject->birth_date, subject->age_years).dump();
  store::WriteBatch batch;
  batch.UpdateProfile(id, crypto::Seal(subject->key, profile, ProfileAd(id), nonces_));
  AuditEntry e = Audit(AuditEvent::kLocationExemption, by, id);
  e.action = reference ? "grant" : "revoke";
  e.detail = std::string(exemption) + (reference ? ":" + std::string(*reference) : "");
  return ApplyAudited(batch, {e});
}

}  // namespace privet
