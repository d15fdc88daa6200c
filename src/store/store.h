// The storage interface under the vault: rows of subjects, sealed fields, consent events and
// blind-index entries in a data store, and wrapped keys in a separate key store.
//
// Three headers: the rows (records.h), the batch of writes one Apply commits (write_batch.h), and
// the two interfaces here, which include the other two. Nothing above src/store/ sees a database
// type or an SQL dialect: the SQLite backend (sqlite/) and the in-memory store (memory/)
// implement these interfaces, and a PostgreSQL backend will implement the same ones. The
// in-memory store is the reference semantics; src/store/store_conformance_test.cc runs the same
// tests against every implementation.
//
// Every method returns a Status; none throws. Implementations are thread-safe (one writer at a
// time is serialized inside the store).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "privet/status.h"
#include "store/records.h"
#include "store/write_batch.h"

namespace privet::store {

class DataStore {
 public:
  virtual ~DataStore() = default;

  // Applies the batch's operations in the order they were added, atomically and durably: when
  // this returns OK, the batch survives a crash or power loss; when it fails, nothing of it was
  // applied. The errors are those of write_batch.h (AlreadyExists, FailedPrecondition), or a
  // store fault (Unavailable, Internal, DataLoss). An empty batch is OK and writes nothing.
  virtual Status Apply(const WriteBatch& batch) = 0;

  virtual StatusOr<std::optional<SubjectRecord>> GetSubject(uint64_t id) = 0;
  // The subject's fields (none for an unknown subject); their order is unspecified.
  virtual StatusOr<std::vector<FieldRecord>> GetFields(uint64_t subject_id) = 0;
  // In append order.
  virtual StatusOr<std::vector<ConsentEventRecord>> GetConsentEvents(uint64_t subject_id) = 0;
  virtual StatusOr<std::vector<DisclosureRecord>> GetDisclosures(uint64_t subject_id) = 0;
  virtual StatusOr<std::optional<uint64_t>> FindByBlindIndex(std::string_view index,
                                                             std::string_view hash) = 0;
  // Subjects of an organization (for its admins), in id order.
  virtual StatusOr<std::vector<uint64_t>> ListOrganizationMembers(uint64_t organization_id) = 0;

  // Rights requests: one by id; a subject's, in id order; the open ones, by deadline.
  virtual StatusOr<std::optional<RequestRecord>> GetRequest(uint64_t id) = 0;
  virtual StatusOr<std::vector<RequestRecord>> ListRequests(uint64_t subject_id) = 0;
  virtual StatusOr<std::vector<RequestRecord>> ListOpenRequests() = 0;
  // Outbox messages in append order; only the pending ones when `unsent_only`.
  virtual StatusOr<std::vector<OutboxRecord>> GetOutbox(bool unsent_only) = 0;
  // What the deliverer sends next: pending messages to subjects (organization_id 0; an
  // organization's admin reads theirs through the API) due by `now` (next_attempt_at <= now)
  // that are the first pending such message of their subject (a subject's messages go out in
  // order), in append order, at most `limit`.
  virtual StatusOr<std::vector<OutboxRecord>> GetDueOutbox(int64_t now, size_t limit) = 0;
  // The messages in `state` (the dead letters, the undeliverable), in append order.
  virtual StatusOr<std::vector<OutboxRecord>> GetOutboxInState(OutboxState state) = 0;
  // Webhooks: the endpoints in id order; the events after `after_seq` in seq order, at most
  // `limit`; the highest seq ever appended (0 before the first, and still after a prune); the
  // dead letters in (endpoint, event) order.
  virtual StatusOr<std::vector<WebhookEndpointRecord>> GetWebhookEndpoints() = 0;
  virtual StatusOr<std::vector<WebhookEventRecord>> GetWebhookEvents(int64_t after_seq,
                                                                     size_t limit) = 0;
  virtual StatusOr<int64_t> LastWebhookEventSeq() = 0;
  virtual StatusOr<std::vector<WebhookDeadLetterRecord>> GetWebhookDeadLetters() = 0;
  // Legal holds of one subject, or of everyone (subject_id 0).
  virtual StatusOr<std::vector<LegalHoldRecord>> GetLegalHolds(uint64_t subject_id) = 0;
  // Lifecycle events of one subject, or of everyone (subject_id 0 means all, including the
  // events recorded for everyone under subject 0).
  virtual StatusOr<std::vector<LifecycleEventRecord>> GetLifecycleEvents(uint64_t subject_id) = 0;
  virtual StatusOr<std::vector<AggregateRecord>> GetAggregates() = 0;
  // Every field's metadata (no values), grouped by subject: each subject's fields come
  // together, in field id order (the order of the subjects, and of ids across 2^63, is the
  // backend's: SQLite orders the int64 bit patterns). `visit` returning false stops the scan.
  // Sees one consistent state; writes may continue meanwhile (SQLite: a read connection).
  virtual Status ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit) = 0;

  // Subjects in the store's id order (ids compared as the int64 bit patterns SQLite keeps: the
  // same order in every backend), from the one after `after` (0: from the first; no subject has
  // id 0), at most `limit`: a resumable walk over everyone, such as policy-change notices.
  virtual StatusOr<std::vector<SubjectRecord>> ListSubjects(uint64_t after, size_t limit) = 0;
  // Every published policy version, oldest first.
  virtual StatusOr<std::vector<PolicyVersionRecord>> GetPolicyVersions() = 0;
  // The breach register, in no particular order.
  virtual StatusOr<std::vector<BreachRecord>> GetBreaches() = 0;
  // Who breach `breach_id` affected, as recorded (op::PutBreachAffected); NotFound if nothing is.
  virtual StatusOr<std::string> GetBreachAffected(uint64_t breach_id) = 0;

  // Removes every row of the subject: fields, consent events, blind-index entries, disclosures,
  // outbox messages, legal holds, lifecycle events, the subject. Requests stay (they record what
  // was done, and hold no personal data). Idempotent (OK when nothing is left).
  virtual Status PurgeSubject(uint64_t id) = 0;

  // A consistent online copy of the data file alone to `path` (SQLite: the backup API); a path
  // that exists is AlreadyExists. The in-memory store returns FailedPrecondition (it has no file).
  virtual Status BackupTo(const std::string& path) = 0;

  // The audit log: entries [start, start + limit) in index order, and every signed tree head
  // in tree-size order.
  virtual StatusOr<std::vector<AuditRecord>> GetAuditEntries(uint64_t start, uint64_t limit) = 0;
  virtual StatusOr<std::vector<TreeHeadRecord>> GetTreeHeads() = 0;

  // Durability of the next Apply() calls that hold only audit entries: kFull survives power
  // loss (fsync); kProcessCrash survives the process being killed (the OS still holds the
  // write) and costs no fsync. Batches with anything else are always kFull.
  enum class AuditOnlyDurability { kFull, kProcessCrash };
  virtual void SetAuditOnlyDurability(AuditOnlyDurability d) = 0;
};

// The names of the key store's meta values (KeyStore::GetMeta/PutMeta), and the ids the wrapped
// ones are bound to (the "subject id" of crypto::WrapKey; no subject has id 0 or 1).
namespace key_meta {
inline constexpr std::string_view kKeyCheck = "key_check";           // crypto::MakeKeyCheck
inline constexpr std::string_view kIndexRootKey = "index_root_key";  // wrapped blind-index root
inline constexpr std::string_view kAuditSigningSeed = "audit_signing_seed";  // wrapped Ed25519 seed
inline constexpr std::string_view kAuditPublicKey = "audit_public_key";      // base64, not secret
inline constexpr uint64_t kIndexRootKeyId = 0;
inline constexpr uint64_t kAuditSigningSeedKeyId = 1;
}  // namespace key_meta

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Stores a wrapped subject key durably. AlreadyExists if the subject has one.
  virtual Status PutWrappedKey(uint64_t subject_id, std::string_view wrapped) = 0;
  // PutWrappedKey for many subjects in one durable transaction: all or nothing. AlreadyExists
  // (nothing stored) if any of the subjects already has a key or appears twice.
  virtual Status PutWrappedKeys(const std::vector<std::pair<uint64_t, std::string>>& keys) = 0;
  virtual StatusOr<std::optional<std::string>> GetWrappedKey(uint64_t subject_id) = 0;
  // Destroys the subject's wrapped key durably (one commit: it cannot be read back, also after a
  // crash or power loss) and records a pending purge. Its old bytes stay in the files until the
  // scrub PurgeDone runs. Idempotent.
  virtual Status DestroyWrappedKey(uint64_t subject_id) = 0;
  // DestroyWrappedKey for many subjects: one transaction, one checkpoint. Idempotent. Unlike
  // DestroyWrappedKey it records no pending purge (it undoes keys whose data never committed).
  virtual Status DestroyWrappedKeys(const std::vector<uint64_t>& subject_ids) = 0;
  // DestroyWrappedKey also records, in the same transaction, that the subject's rows in the data
  // store must be purged; the vault purges them and then calls PurgeDone. Survives crashes.
  // (In unspecified order.)
  virtual StatusOr<std::vector<uint64_t>> PendingPurges() = 0;
  // First scrubs every key destroyed since the last scrub (secure_delete, then the WAL
  // checkpointed and truncated), then drops the note: when it returns OK, those keys' bytes are
  // gone from disk.
  virtual Status PurgeDone(uint64_t subject_id) = 0;

  // Small named values: the master-key check, the wrapped blind-index root key.
  virtual StatusOr<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  virtual Status PutMeta(std::string_view name, std::string_view value) = 0;

  // A consistent online copy of the key store alone to `path` (never mixed with data backups).
  // The in-memory store returns FailedPrecondition (it has no file).
  virtual Status BackupTo(const std::string& path) = 0;

  // Master-key rotation: replaces every wrapped key by rewrap(subject_id, old_wrapped) and every
  // meta value by rewrap_meta(name, old_value), in one transaction; nothing changes on error.
  virtual Status RewrapAll(
      const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
      const std::function<StatusOr<std::string>(std::string_view, std::string_view)>&
          rewrap_meta) = 0;
};

// SQLite backends. The data file and the key store are separate files; both are opened in WAL
// mode with synchronous=FULL; the key store also with secure_delete. A file that is not a
// privet store (or is corrupt or truncated) yields DataLoss with the path, never a crash.
StatusOr<std::unique_ptr<DataStore>> OpenSqliteDataStore(const std::string& path);
StatusOr<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& path);

}  // namespace privet::store
