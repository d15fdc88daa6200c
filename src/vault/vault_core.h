// VaultCore: what every part of a vault shares, and the only thing that commits.
//
// A vault is one VaultCore (the policy, the clock, the keys, the stores, the audit log, the
// subject caches and the write lock) and the parts that build on it, each in its own file:
// subjects.cc, writes.cc, reads.cc with read_auditor.*, consent.cc, disclosures.cc, erasure.*
// (with the purger), holds.cc; vault.cc opens a vault and forwards the public API to them.
//
// Every change reaches the data store through Commit (or, holding write_mu_, ApplyAudited):
// the batch and the audit entries that record it are applied in one transaction, and the
// caches of subject state and field rows are brought in line in the same critical section.
// Nothing else in the vault, and nothing outside it, applies a batch to the data store.
//
// The rights (src/rights) and retention (src/retention) layers build on the public part of
// this class, reached with CoreOf(vault): the store to read from, audited commits, sealing
// under a subject's key, and field deletions that keep the blind indexes in step. Private to
// src/; nothing here is a stable interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audit/audit_log.h"
#include "common/mutex.h"
#include "crypto/crypto.h"
#include "keys/vault_lock.h"
#include "privet/audit.h"
#include "privet/vault.h"
#include "store/store.h"
#include "vault/decision_buffer.h"
#include "vault/id_generator.h"
#include "vault/sealed_field_cache.h"
#include "vault/subject_profile.h"

namespace privet::vault_internal {

class VaultCore {
 public:
  VaultCore(VaultLock lock, VaultOptions options, crypto::SecretKey master,
            std::unique_ptr<store::DataStore> data, std::unique_ptr<store::KeyStore> keys,
            crypto::SecretKey index_root, std::unique_ptr<audit::AuditLog> audit);
  VaultCore(const VaultCore&) = delete;
  VaultCore& operator=(const VaultCore&) = delete;
  virtual ~VaultCore() = default;

  // --- For the layers above (rights, retention) ------------------------------------------------

  const CompiledPolicy& policy() const { return *policy_; }
  const Clock& clock() const { return clock_; }
  // Where ids are drawn (VaultOptions::ids, or DefaultIdSource()): for ids only, never secrets.
  IdSource& id_source() const { return id_source_; }
  // The data store, to read from. Changes go through Commit, never data().Apply: the caches of
  // field rows and consent state follow the batches committed there.
  store::DataStore& data() { return *data_; }
  // An audit entry of `event` by `principal` about `subject`, stamped now under this policy.
  AuditEntry Audit(AuditEvent event, const Principal& principal, uint64_t subject) const;
  // Applies `batch` with `entries` appended to the audit log, in one transaction, under the
  // write lock: the change and its record are stored together or not at all.
  Status Commit(store::WriteBatch& batch, std::vector<AuditEntry> entries);
  // Stores a read's decision the way Vault::Read stores its own (VaultOptions::read_auditing:
  // before returning, concurrent readers sharing commits; or buffered): for reads made outside
  // Read, such as a copy of the data shown to its subject. The vault overrides it; this base
  // version commits the entry alone.
  virtual Status RecordRead(AuditEntry decision);
  // The context an outbox message's body is sealed under (Seal / Open), by topic.
  static std::string OutboxContext(std::string_view topic) {
    return "privet.outbox." + std::string(topic);
  }
  // The context a webhook event's data is sealed under (SealService / OpenService), by type.
  static std::string WebhookEventContext(std::string_view type) {
    return "privet.webhook_event." + std::string(type);
  }
  // Seals / opens bytes under the subject's key, bound to the subject and `context`.
  StatusOr<std::string> Seal(uint64_t subject_id, std::string_view context,
                             std::string_view plaintext);
  StatusOr<std::string> Open(uint64_t subject_id, std::string_view context,
                             std::string_view sealed);
  // Seals / opens bytes under the vault's service key (derived from the index root key, so it
  // survives master key rotations): what belongs to no subject but must not lie in clear at
  // rest, such as webhook events (which must outlive an erased subject) and webhook secrets.
  std::string SealService(std::string_view context, std::string_view plaintext);
  StatusOr<std::string> OpenService(std::string_view context, std::string_view sealed) const;
  // Adds to `batch` an event for the webhook endpoints (types: delivery/webhooks.h), its JSON
  // `data` (no personal data: pseudonymous ids, codes, times) sealed under the service key, so
  // the event commits with the change it announces.
  void AddWebhookEvent(store::WriteBatch& batch, std::string_view type, uint64_t subject_id,
                       std::string_view data);
  // The subject's value of `category`, opened (the first such field): for the deliverer, which
  // needs an address and nothing else. NotFound when the subject is erased or holds none.
  StatusOr<std::string> OpenFieldOf(uint64_t subject_id, std::string_view category);
  // A keyed hash of a one-time code bound to `context`.
  std::string CodeHash(std::string_view context, std::string_view code) const {
    return indexer_.CodeHash(context, code);
  }
  // Every field of the subject, opened, whatever its purposes (exports); basis and source as
  // recorded at collection.
  StatusOr<std::vector<FieldValue>> AllFields(uint64_t subject_id);
  // Adds to `batch` the deletion of these fields of one subject, with their blind-index
  // entries. NotFound if the subject is erased.
  Status DeleteFieldsInto(uint64_t subject_id, const std::vector<store::FieldRecord>& fields,
                          store::WriteBatch& batch);
  // Drops the subject's cached state and field rows (erasure, changes made around the vault).
  // (Commit already keeps them in line with the batches it applies.)
  void Forget(uint64_t subject_id);

  // --- For the vault's parts -------------------------------------------------------------------

  const VaultOptions& options() const { return options_; }
  // The cached subject, loading it (record, key, consent ledger, profile) on a miss.
  StatusOr<std::shared_ptr<const CachedSubject>> Load(uint64_t id);
  // Applies `batch` with `entries` (after any read decisions buffered in decisions()) in one
  // transaction; signs a tree head when the interval has passed.
  Status ApplyAudited(store::WriteBatch& batch, std::vector<AuditEntry> entries)
      REQUIRES(write_mu_);
  // Decides about subject `id` with `decide`, then takes write_mu_ into `write_lock` for the
  // commit. A decision must not commit after a change it did not see (a consent withdrawn, the
  // subject erased, a field written or deleted meanwhile): if the subject's cached state was
  // replaced or its field rows changed between the decision and the lock, `decide` runs again,
  // holding the lock. `decide` is called with the subject as cached and must start afresh each
  // time (a new batch). Returns what `decide` returned last: OK with `write_lock` held (the
  // caller then says so to the analysis: write_mu_.AssertHeld()), or its refusal with the lock
  // released (so that the refusal can be recorded).
  Status DecideThenLock(uint64_t id, std::unique_lock<Mutex>& write_lock,
                        const std::function<Status(const CachedSubject&)>& decide);
  // Records a refused request (a decision too); the refusal's own status is what callers
  // return. Only refusals (PermissionDenied, FailedPrecondition) are recorded.
  void AuditRefusal(AuditEvent event, const Principal& principal, uint64_t subject,
                    const Status& refusal, std::string_view purpose = {}) EXCLUDES(write_mu_);
  // Seals bytes under a loaded subject's key, bound to the subject and `context`.
  std::string SealFor(const CachedSubject& subject, uint64_t id, std::string_view context,
                      std::string_view plaintext);
  // The blind-index entry a value of this category produces, if the category is an identifier.
  StatusOr<std::optional<store::BlindIndexRecord>> IndexEntry(const Category& category, uint64_t id,
                                                              std::string_view value);
  // The stored field `field_id` of the subject, or NotFound.
  StatusOr<store::FieldRecord> FindField(uint64_t id, uint64_t field_id);
  // The subject's field rows, sealed: from the cache, or read from the store and cached.
  StatusOr<SealedFieldCache::Rows> SealedRows(uint64_t id);
  // Notes a key-store write's outcome for Health() and returns it.
  Status KeyWrite(Status written) EXCLUDES(key_health_mu_);
  // Read decisions waiting for the next commit (ReadAuditing::kBatched).
  DecisionBuffer& decisions() { return decisions_; }

  // What a reopen under another policy version takes over (Opener::Reopen): the lock, the key
  // store with the master key, the data store, and the audit log with its tree (which would take
  // longest to read back). Afterwards this core holds none of them and may only be destroyed.
  // REQUIRES: no call under way, the background work stopped, no decision left unstored.
  struct Stores {
    VaultLock lock;
    crypto::SecretKey master;
    std::unique_ptr<store::DataStore> data;
    std::unique_ptr<store::KeyStore> keys;
    std::unique_ptr<audit::AuditLog> audit;
  };
  Stores TakeStores() EXCLUDES(write_mu_, master_mu_);

  StatusOr<SignedTreeHead> SignTreeHead() EXCLUDES(write_mu_);
  uint64_t AuditSize() const { return audit_->size(); }
  // Proofs from the live tree; the inclusion proof reads its entry and the tree heads from data_.
  StatusOr<std::string> AuditInclusionProofJson(uint64_t index, uint64_t tree_size);
  StatusOr<std::string> AuditConsistencyProofJson(uint64_t old_size, uint64_t new_size) const;
  // Unavailable when the last write of either store failed, or the log holds entries this
  // process did not write.
  Status Health() EXCLUDES(write_mu_, key_health_mu_);
  Status RotateMasterKey(std::string_view new_master_key_hex) EXCLUDES(write_mu_, master_mu_);
  Status BackupData(const std::string& dest) { return data_->BackupTo(dest); }

 protected:
  // Applies `batch` to the data store and brings the caches in line with it, in the same
  // critical section: no cached field rows or subject state outlive a commit that changed them.
  Status ApplyBatch(const store::WriteBatch& batch) REQUIRES(write_mu_);
  void AfterCommit(const store::WriteBatch& batch, bool committed) REQUIRES(write_mu_);
  // Caches what Load read unless the ledger changed or a subject was forgotten since `ticket`
  // (subject_generation_ when Load started reading): state read before a consent change or an
  // erasure must never be cached after it.
  void Publish(uint64_t id, std::shared_ptr<const CachedSubject> entry, uint64_t ticket)
      EXCLUDES(mu_);

  VaultLock lock_;  // declared first: released after everything else closed
  VaultOptions options_;
  std::shared_ptr<const CompiledPolicy> policy_;
  const Clock& clock_;
  IdSource& id_source_;
  // Changed only by RotateMasterKey, which holds write_mu_ and master_mu_ both: a writer that
  // wraps keys under write_mu_ needs nothing more; Load, which unwraps without write_mu_, holds
  // master_mu_ shared from reading a wrapped key to unwrapping it, so that it never pairs a key
  // wrapped under one master key with the other (nor reads master_ as it is replaced).
  SharedMutex master_mu_ ACQUIRED_AFTER(write_mu_);
  crypto::SecretKey master_;  // written under both locks, read under either
  crypto::BlindIndexer indexer_;
  crypto::SecretKey service_key_;      // SealService
  crypto::SecretKey unsubscribe_key_;  // unsubscribe tokens (marketing.cc)
  crypto::NonceSource nonces_;
  IdGenerator ids_;
  std::unique_ptr<store::DataStore> data_;
  std::unique_ptr<store::KeyStore> keys_;
  std::unique_ptr<audit::AuditLog> audit_;
  // Serializes writes of one vault (SQLite has one writer anyway).
  Mutex write_mu_ ACQUIRED_BEFORE(mu_);
  // When a tree head was last signed (or the vault opened).
  Time last_head_ GUARDED_BY(write_mu_);
  Status last_write_ GUARDED_BY(write_mu_);  // of the last batch applied to the data store

  Mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<const CachedSubject>> cache_ GUARDED_BY(mu_);
  uint64_t subject_generation_ GUARDED_BY(mu_) = 0;  // bumped by ledger changes and Forget
  SealedFieldCache field_cache_;                     // the subjects' sealed field rows; thread-safe
  DecisionBuffer decisions_;                         // thread-safe
  // For Health(): the key store's last write, as last_write_ is the data store's. Its own lock:
  // erasures and the purger write keys without write_mu_.
  Mutex key_health_mu_;
  Status last_key_write_ GUARDED_BY(key_health_mu_);
};

// The core of a vault, for the rights and retention layers.
VaultCore& CoreOf(Vault& vault);

}  // namespace privet::vault_internal
