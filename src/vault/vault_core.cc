// VaultCore: the state every part of a vault shares, and its one commit path (vault_core.h).
#include "vault/vault_core.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "common/unix_time.h"
#include "keys/master_key_rotation.h"
#include "vault/consent_state.h"

namespace privet::vault_internal {
namespace {

using crypto::SecretKey;

// Subjects whose state is cached at most; beyond, one is dropped for each new one.
constexpr size_t kMaxCachedSubjects = 100'000;

// The reason a refusal carries ("no_consent"), or its status code's name.
std::string RefusalCode(const Status& s) {
  return std::string(s.reason() ? ReasonName(*s.reason()) : StatusCodeName(s.code()));
}

// For Health(): a store fault, not a request the store refused (an identifier another subject
// holds, a row that is gone), which says nothing about whether the vault can serve.
bool IsStoreFault(const Status& s) {
  const StatusCode code = s.code();
  return code == StatusCode::kUnavailable || code == StatusCode::kInternal ||
         code == StatusCode::kDataLoss || code == StatusCode::kResourceExhausted;
}

}  // namespace

VaultCore::VaultCore(VaultLock lock, VaultOptions options, SecretKey master,
                     std::unique_ptr<store::DataStore> data, std::unique_ptr<store::KeyStore> keys,
                     SecretKey index_root, std::unique_ptr<audit::AuditLog> audit)
    : lock_(std::move(lock)),
      options_(std::move(options)),
      policy_(options_.policy),
      clock_(*options_.clock),
      id_source_(options_.ids != nullptr ? *options_.ids : DefaultIdSource()),
      master_(std::move(master)),
      indexer_(index_root),
      service_key_(crypto::DeriveKey(index_root, 1, "privetsv")),
      unsubscribe_key_(crypto::DeriveKey(index_root, 1, "privetus")),
      ids_(id_source_),
      data_(std::move(data)),
      keys_(std::move(keys)),
      audit_(std::move(audit)),
      last_head_(clock_.Now()),
      field_cache_(options_.field_cache_bytes),
      decisions_(options_.read_auditing == VaultOptions::ReadAuditing::kBatched) {}

VaultCore::Stores VaultCore::TakeStores() {
  MutexLock writing(&write_mu_);
  WriterLock keys(&master_mu_);
  return {.lock = std::move(lock_),
          .master = std::move(master_),
          .data = std::move(data_),
          .keys = std::move(keys_),
          .audit = std::move(audit_)};
}

// --- Committing -------------------------------------------------------------------------------

AuditEntry VaultCore::Audit(AuditEvent event, const Principal& principal, uint64_t subject) const {
  AuditEntry e;
  e.event = event;
  e.at = clock_.Now();
  e.subject_id = subject;
  e.principal = PrincipalText(*policy_, principal);
  if (principal.api_key != 0) e.key = ApiKeyIdText(principal.api_key);
  e.outcome = "allowed";
  e.policy_version = policy_->version();
  return e;
}

Status VaultCore::RecordRead(AuditEntry decision) {
  store::WriteBatch nothing;
  return Commit(nothing, {std::move(decision)});
}

Status VaultCore::Commit(store::WriteBatch& batch, std::vector<AuditEntry> entries) {
  MutexLock write_lock(&write_mu_);
  return ApplyAudited(batch, std::move(entries));
}

Status VaultCore::ApplyAudited(store::WriteBatch& batch, std::vector<AuditEntry> entries) {
  // Buffered read decisions (ReadAuditing::kBatched) go first, in the order they were made.
  std::vector<AuditEntry> all = decisions_.Take();
  const size_t buffered = all.size();
  all.insert(all.end(), std::make_move_iterator(entries.begin()),
             std::make_move_iterator(entries.end()));
  if (all.empty()) {
    decisions_.Recycle(std::move(all));
    return ApplyBatch(batch);  // nothing to record
  }
  std::vector<audit::Hash> staged = audit_->Stage(all, batch);
  const Time now = clock_.Now();
  const bool sign =
      options_.tree_head_interval.count() > 0 && now - last_head_ >= options_.tree_head_interval;
  if (Status applied = ApplyBatch(batch); !applied.ok()) {
    decisions_.Restore(all, buffered);  // kept for the next commit
    return applied;
  }
  audit_->Commit(staged, &all);  // with the entries: the log then knows their times
  decisions_.Recycle(std::move(all));
  if (sign) {  // the interval's tree head, covering this change too
    store::WriteBatch head;
    (void)audit_->SignHead(now, head);
    if (data_->Apply(head).ok()) last_head_ = now;
  }
  return Status::Ok();
}

Status VaultCore::KeyWrite(Status written) {
  if (written.ok() || IsStoreFault(written)) {
    MutexLock lock(&key_health_mu_);
    last_key_write_ = written;
  }
  return written;
}

Status VaultCore::ApplyBatch(const store::WriteBatch& batch) {
  if (batch.empty()) return Status::Ok();
  Status applied = data_->Apply(batch);
  if (applied.ok() || IsStoreFault(applied)) last_write_ = applied;
  // Also after a failure: whatever happened to the batch, no cache keeps what it may have
  // changed.
  AfterCommit(batch, applied.ok());
  return applied;
}

void VaultCore::AfterCommit(const store::WriteBatch& batch, bool committed) {
  // Field rows: every subject whose fields were written, deleted or purged. (Subjects the batch
  // creates need nothing, as nobody can have read them before, but telling them apart would cost
  // a lookup per field: an Import of 1,000 subjects invalidates 1,000 entries in ~0.1 ms.)
  uint64_t last = 0;
  auto invalidate = [&](uint64_t id) {
    if (id != last) field_cache_.Invalidate(id);  // a subject's rows come together
    last = id;
  };
  bool subject_state = false;
  batch.ForEach(store::Overloaded{
      [&](const store::op::PutField& o) { invalidate(o.field.subject_id); },
      [&](const store::op::DeleteField& o) { invalidate(o.subject_id); },
      [&](const store::op::PurgeSubject& o) {
        field_cache_.Invalidate(o.subject_id);
        subject_state = true;
      },
      [&](const store::op::AppendConsent&) { subject_state = true; },
      [&](const store::op::UpdateProfile&) { subject_state = true; }, [](const auto&) {}});

  // Subject state: a ledger event updates the cached state (it must take effect at once); a
  // purge drops it. Both refuse state that Load read before this commit.
  if (!subject_state) return;
  MutexLock lock(&mu_);
  ++subject_generation_;
  // The visitors run here, under mu_ (the analysis does not follow into lambdas).
  batch.ForEach(store::Overloaded{[&](const store::op::PurgeSubject& o) {
                                    mu_.AssertHeld();
                                    cache_.erase(o.subject_id);
                                  },
                                  [&](const store::op::UpdateProfile& o) {
                                    mu_.AssertHeld();
                                    cache_.erase(o.subject_id);
                                  },
                                  [&](const store::op::AppendConsent& o) {
                                    mu_.AssertHeld();
                                    auto it = cache_.find(o.event.subject_id);
                                    if (it == cache_.end()) return;
                                    std::shared_ptr<const CachedSubject> after =
                                        committed ? WithConsentEvent(*policy_, *it->second, o.event)
                                                  : nullptr;
                                    if (after) {
                                      it->second = std::move(after);
                                    } else {
                                      cache_.erase(it);
                                    }
                                  },
                                  [](const auto&) {}});
}

void VaultCore::AuditRefusal(AuditEvent event, const Principal& principal, uint64_t subject,
                             const Status& refusal, std::string_view purpose) {
  if (refusal.code() != StatusCode::kPermissionDenied &&
      refusal.code() != StatusCode::kFailedPrecondition)
    return;
  AuditEntry e = Audit(event, principal, subject);
  e.action = "refused";
  e.outcome = RefusalCode(refusal);
  // A refused request may name purposes the policy never declared: those are the caller's
  // words, not ids, and the log keeps ids and codes only (and can never forget anything).
  std::string declared;
  for (size_t start = 0; start <= purpose.size() && !purpose.empty();) {
    const size_t comma = std::min(purpose.find(',', start), purpose.size());
    const std::string_view one = purpose.substr(start, comma - start);
    declared +=
        (declared.empty() ? "" : ",") + std::string(policy_->FindPurpose(one) ? one : "undeclared");
    start = comma + 1;
  }
  e.purpose = std::move(declared);
  store::WriteBatch batch;
  MutexLock write_lock(&write_mu_);
  (void)ApplyAudited(batch, {e});  // the refusal stands whether or not its record could be stored
}

StatusOr<SignedTreeHead> VaultCore::SignTreeHead() {
  MutexLock write_lock(&write_mu_);
  store::WriteBatch flush;
  PRIVET_RETURN_IF_ERROR(ApplyAudited(flush, {}));  // the head covers every decision made so far
  store::WriteBatch batch;
  SignedTreeHead head = audit_->SignHead(clock_.Now(), batch);
  PRIVET_RETURN_IF_ERROR(data_->Apply(batch));
  last_head_ = clock_.Now();
  return head;
}

StatusOr<std::string> VaultCore::AuditInclusionProofJson(uint64_t index, uint64_t tree_size) {
  return audit::InclusionProofJson(*data_, index, tree_size, [this](uint64_t i, uint64_t size) {
    return audit_->ProveInclusion(i, size);
  });
}

StatusOr<std::string> VaultCore::AuditConsistencyProofJson(uint64_t old_size,
                                                           uint64_t new_size) const {
  PRIVET_ASSIGN_OR_RETURN(audit::ConsistencyProof proof,
                          audit_->ProveConsistency(old_size, new_size));
  return audit::ConsistencyProofJson(old_size, new_size, proof);
}

Status VaultCore::Health() {
  MutexLock write_lock(&write_mu_);  // no commit half-way between the store and the tree
  if (!last_write_.ok()) {
    return Status(StatusCode::kUnavailable, "the vault's last write failed (" +
                                                std::string(StatusCodeName(last_write_.code())) +
                                                "); it serves again once a write succeeds");
  }
  {
    MutexLock lock(&key_health_mu_);
    if (!last_key_write_.ok()) {
      return Status(StatusCode::kUnavailable,
                    "the key store's last write failed (" +
                        std::string(StatusCodeName(last_key_write_.code())) +
                        "); new subjects and erasures wait until one succeeds");
    }
  }
  StatusOr<std::vector<store::AuditRecord>> beyond = data_->GetAuditEntries(audit_->size(), 1);
  if (!beyond.ok())
    return Status(StatusCode::kUnavailable, "the vault's data store cannot be read");
  if (!beyond->empty()) {
    return Status(
        StatusCode::kUnavailable,
        "the audit log holds entries this process did not write: something changed the vault's "
        "files under it; restart it");
  }
  return Status::Ok();
}

Status VaultCore::DecideThenLock(uint64_t id, std::unique_lock<Mutex>& write_lock,
                                 const std::function<Status(const CachedSubject&)>& decide) {
  // What the decision is made on: the field rows' generation, taken before anything is read,
  // and the cached subject, which every ledger commit replaces and erasure drops (AfterCommit,
  // Forget, both under write_mu_).
  const uint64_t fields_ticket = field_cache_.Ticket(id);
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  PRIVET_RETURN_IF_ERROR(decide(*subject));
  write_lock = std::unique_lock(write_mu_);
  bool unchanged = field_cache_.Ticket(id) == fields_ticket;
  if (unchanged) {
    MutexLock lock(&mu_);
    auto it = cache_.find(id);
    unchanged = it != cache_.end() && it->second == subject;
  }
  if (unchanged) return Status::Ok();
  // Something changed (or the cache let the subject go, which says nothing, but costs no more
  // than this): decide again on what is stored now, which cannot change while the lock is held.
  StatusOr<std::shared_ptr<const CachedSubject>> current = Load(id);
  Status again = current.ok() ? decide(**current) : current.status();
  if (!again.ok()) write_lock.unlock();
  return again;
}

// --- The subject cache ------------------------------------------------------------------------

StatusOr<std::shared_ptr<const CachedSubject>> VaultCore::Load(uint64_t id) {
  uint64_t ticket;
  {
    MutexLock lock(&mu_);
    auto it = cache_.find(id);
    if (it != cache_.end()) return it->second;
    ticket = subject_generation_;
  }
  PRIVET_ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> record, data_->GetSubject(id));
  if (!record) return NotFound("no such subject", "subject_id");
  auto entry = std::make_shared<CachedSubject>();
  {
    ReaderLock master_lock(&master_mu_);
    PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> wrapped, keys_->GetWrappedKey(id));
    if (!wrapped) return NotFound("the subject was erased", "subject_id");
    PRIVET_ASSIGN_OR_RETURN(entry->key, crypto::UnwrapKey(master_, *wrapped, id));
  }
  entry->record = std::move(*record);
  entry->state.subject_id = id;
  entry->state.organization_id = entry->record.organization_id;
  entry->state.tenant_id = entry->record.tenant_id;
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> events,
                          data_->GetConsentEvents(id));
  for (const auto& e : events) {
    if (auto action = ParseConsentActionName(e.action))
      vault_internal::ApplyConsentEvent(*policy_, e.purpose, e.recipient, *action, entry->state);
  }
  PRIVET_ASSIGN_OR_RETURN(std::string profile_json,
                          crypto::Open(entry->key, entry->record.sealed_profile, ProfileAd(id)));
  DecodeProfile(profile_json, *entry);
  std::shared_ptr<const CachedSubject> shared = std::move(entry);
  Publish(id, shared, ticket);
  return shared;
}

void VaultCore::Publish(uint64_t id, std::shared_ptr<const CachedSubject> entry, uint64_t ticket) {
  MutexLock lock(&mu_);
  if (subject_generation_ != ticket) return;
  if (cache_.size() >= kMaxCachedSubjects && !cache_.count(id)) cache_.erase(cache_.begin());
  cache_[id] = std::move(entry);
}

void VaultCore::Forget(uint64_t id) {
  {
    MutexLock lock(&mu_);
    ++subject_generation_;
    cache_.erase(id);
  }
  field_cache_.Invalidate(id);
}

StatusOr<SealedFieldCache::Rows> VaultCore::SealedRows(uint64_t id) {
  if (SealedFieldCache::Rows cached = field_cache_.Find(id)) return cached;
  const uint64_t ticket = field_cache_.Ticket(id);  // before the rows are read: see the cache
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> records, data_->GetFields(id));
  auto rows = std::make_shared<const SealedFields>(
      vault_internal::CompactFields(*policy_, std::move(records)));
  field_cache_.Publish(id, rows, ticket);
  return SealedFieldCache::Rows(std::move(rows));
}

// --- Sealing, fields and blind indexes --------------------------------------------------------

std::string VaultCore::SealFor(const CachedSubject& subject, uint64_t id, std::string_view context,
                               std::string_view plaintext) {
  return crypto::Seal(subject.key, plaintext, crypto::FieldAssociatedData(id, context, 0), nonces_);
}

StatusOr<std::string> VaultCore::Seal(uint64_t subject_id, std::string_view context,
                                      std::string_view plaintext) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(subject_id));
  return SealFor(*subject, subject_id, context, plaintext);
}

StatusOr<std::string> VaultCore::Open(uint64_t subject_id, std::string_view context,
                                      std::string_view sealed) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(subject_id));
  return crypto::Open(subject->key, sealed, crypto::FieldAssociatedData(subject_id, context, 0));
}

StatusOr<std::vector<FieldValue>> VaultCore::AllFields(uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(subject_id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(subject_id));
  std::vector<FieldValue> out;
  for (store::FieldRecord& f : fields) {
    PRIVET_ASSIGN_OR_RETURN(
        std::string value, crypto::Open(subject->key, f.sealed_value,
                                        crypto::FieldAssociatedData(subject_id, f.category, f.id)));
    FieldValue v{.id = f.id,
                 .category = std::move(f.category),
                 .value = std::move(value),
                 .purposes = std::move(f.purposes),
                 .collected_at = FromUnix(f.collected_at),
                 .last_activity = FromUnix(f.last_activity),
                 .policy_version = f.policy_version};
    // An unknown stored name reads as the default, as in SealedFieldCache.
    v.source = ParseDataSourceName(f.source).value_or(v.source);
    v.basis = ParseLegalBasisName(f.basis).value_or(v.basis);
    out.push_back(std::move(v));
  }
  return out;
}

std::string VaultCore::SealService(std::string_view context, std::string_view plaintext) {
  return crypto::Seal(service_key_, plaintext, context, nonces_);
}

StatusOr<std::string> VaultCore::OpenService(std::string_view context,
                                             std::string_view sealed) const {
  return crypto::Open(service_key_, sealed, context);
}

void VaultCore::AddWebhookEvent(store::WriteBatch& batch, std::string_view type,
                                uint64_t subject_id, std::string_view data) {
  batch.AppendWebhookEvent({.type = std::string(type),
                            .subject_id = subject_id,
                            .at = ToUnix(clock_.Now()),
                            .sealed_body = SealService(WebhookEventContext(type), data)});
}

StatusOr<std::string> VaultCore::OpenFieldOf(uint64_t subject_id, std::string_view category) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(subject_id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(subject_id));
  const store::FieldRecord* first = nullptr;
  for (const store::FieldRecord& f : fields) {
    if (f.category == category && (first == nullptr || f.id < first->id)) first = &f;
  }
  if (first == nullptr) return NotFound("the subject holds no such field", "category");
  return crypto::Open(subject->key, first->sealed_value,
                      crypto::FieldAssociatedData(subject_id, first->category, first->id));
}

StatusOr<store::FieldRecord> VaultCore::FindField(uint64_t id, uint64_t field_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(id));
  for (store::FieldRecord& f : fields)
    if (f.id == field_id) return std::move(f);
  return NotFound("no such field", "field_id");
}

StatusOr<std::optional<store::BlindIndexRecord>> VaultCore::IndexEntry(const Category& category,
                                                                       uint64_t id,
                                                                       std::string_view value) {
  std::optional<crypto::IdentifierKind> kind = crypto::ParseIdentifierKindName(category.identifier);
  if (!kind) return std::optional<store::BlindIndexRecord>();
  PRIVET_ASSIGN_OR_RETURN(std::string hash, indexer_.Compute(*kind, value));
  return std::optional<store::BlindIndexRecord>(store::BlindIndexRecord{
      .index = category.identifier, .hash = std::move(hash), .subject_id = id});
}

// Adds to `batch` the deletion of `fields` and, for identifiers, of their blind-index entries.
Status VaultCore::DeleteFieldsInto(uint64_t subject_id,
                                   const std::vector<store::FieldRecord>& fields,
                                   store::WriteBatch& batch) {
  std::shared_ptr<const CachedSubject> subject;
  for (const store::FieldRecord& f : fields) {
    std::optional<CategoryId> c = policy_->FindCategory(f.category);
    if (c && !policy_->category(*c).identifier.empty()) {
      // An identifier: its blind-index entry goes too, found by hashing the value.
      if (!subject) {
        PRIVET_ASSIGN_OR_RETURN(subject, Load(subject_id));
      }
      std::string sealed = f.sealed_value;
      if (sealed.empty()) {  // metadata only: fetch the value
        PRIVET_ASSIGN_OR_RETURN(store::FieldRecord full, FindField(subject_id, f.id));
        sealed = std::move(full.sealed_value);
      }
      PRIVET_ASSIGN_OR_RETURN(std::string value, crypto::Open(subject->key, sealed,
                                                              crypto::FieldAssociatedData(
                                                                  subject_id, f.category, f.id)));
      PRIVET_ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> entry,
                              IndexEntry(policy_->category(*c), subject_id, value));
      if (entry) batch.DeleteBlindIndex(std::move(*entry));
    }
    batch.DeleteField(subject_id, f.id);
  }
  return Status::Ok();
}

Status VaultCore::RotateMasterKey(std::string_view new_master_key_hex) {
  PRIVET_ASSIGN_OR_RETURN(SecretKey next, SecretKey::FromHex(new_master_key_hex));
  MutexLock write_lock(&write_mu_);
  {
    WriterLock master_lock(&master_mu_);  // no Load unwraps until every key is rewrapped
    PRIVET_RETURN_IF_ERROR(
        vault_internal::RotateMasterKey(options_.master_key_file, master_, next, *keys_, nonces_));
    master_ = std::move(next);
  }
  AuditEntry rotated = Audit(AuditEvent::kKeyEvent, Principal{.kind = PrincipalKind::kAdmin}, 0);
  rotated.action = "rotate_master_key";
  store::WriteBatch batch;
  batch.RequireFullDurability();
  return ApplyAudited(batch, {rotated});
}

}  // namespace privet::vault_internal
