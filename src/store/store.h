// The storage interface under the vault: rows of subjects, sealed fields, consent events and
// blind-index entries in a data store, and wrapped keys in a separate key store.
//
// Nothing above src/store/ sees a database type or an SQL dialect: the SQLite backend
// (sqlite/) implements these interfaces now, and a PostgreSQL backend will implement the same
// ones. Values that are personal data arrive here already sealed (`sealed_*` members); ids,
// category and purpose names, times and versions are stored as they are.
//
// Times are Unix seconds (UTC). Every method returns a Status; none throws. Implementations are
// thread-safe (one writer at a time is serialized inside the store).
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

namespace privet::store {

struct SubjectRecord {
  uint64_t id = 0;  // pseudonymous, random; carries no personal data
  std::string kind;
  uint64_t organization_id = 0;  // 0: none
  uint64_t tenant_id = 0;        // 0: none (the controller's own subject)
  int64_t created_at = 0;
  int policy_version = 0;        // in force when the subject was created
  std::string sealed_profile;    // sealed attributes (birth date or age band, jurisdiction, ...)
};

struct FieldRecord {
  uint64_t id = 0;  // random; bound into the seal's associated data
  uint64_t subject_id = 0;
  std::string category;               // policy category id, e.g. user.contact.email
  std::string source;                 // DataSourceName()
  std::vector<std::string> purposes;  // purpose ids it was collected for
  std::string basis;                  // LegalBasisName() at collection
  int64_t collected_at = 0;
  int64_t last_activity = 0;
  int policy_version = 0;
  std::string sealed_value;
};

struct ConsentEventRecord {
  uint64_t subject_id = 0;
  int64_t seq = 0;       // assigned by the store on append: increasing per store
  std::string purpose;   // purpose id; empty when the event is about a channel only
  std::string channel;   // marketing channel id; empty when none
  std::string action;    // grant, withdraw, opt_out, opt_in, object, withdraw_objection, ...
  std::string source;    // form, cookie_banner, api, gpc, dnt, staff
  int64_t at = 0;
  int policy_version = 0;
};

struct BlindIndexRecord {
  std::string index;  // email, phone, username
  std::string hash;   // 32 bytes
  uint64_t subject_id = 0;
};

// One release of a subject's data to a recipient (the disclosure register).
struct DisclosureRecord {
  uint64_t subject_id = 0;
  int64_t seq = 0;  // assigned by the store on append
  std::string recipient;                // policy recipient id
  std::string purpose;                  // policy purpose id
  std::vector<std::string> categories;  // released categories
  std::vector<std::string> evidence;    // preconditions met, e.g. court_order:<reference id>
  int64_t at = 0;
  int policy_version = 0;
};

// One entry of the audit log: its position (0-based leaf index) and its canonical bytes.
struct AuditRecord {
  uint64_t index = 0;
  std::string entry;
};

// A signed tree head of the audit log.
struct TreeHeadRecord {
  uint64_t tree_size = 0;
  std::string root;       // 32 bytes
  std::string timestamp;  // RFC 3339, UTC
  std::string signature;  // 64 bytes, Ed25519
};

// A data-subject rights request (src/rights). The store keeps the columns it filters on apart
// and the rest as the rights layer's own JSON document, which holds no personal data (ids,
// codes, times, hashes).
struct RequestRecord {
  uint64_t id = 0;
  uint64_t subject_id = 0;
  bool open = true;     // not yet completed or denied
  int64_t due_at = 0;   // the current deadline (Unix seconds); 0: none applies
  std::string document;
};

// A message waiting to be sent (identity codes, notices to the subject): the outbox. Delivery
// adapters read it and mark messages sent. The body is sealed with the subject's key, so an
// erasure also makes its messages unreadable; the rows go with the subject's purge.
struct OutboxRecord {
  int64_t seq = 0;  // assigned by the store on append
  uint64_t subject_id = 0;
  uint64_t organization_id = 0;  // set when the message goes to the organization's admin
  std::string topic;             // identity_code, request_extended, restriction_lift, ...
  std::string sealed_body;
  int64_t created_at = 0;
  int64_t sent_at = 0;  // 0: not sent yet
};

// A legal hold: suspends a retention rule (or, with an empty rule, every rule and erasure) for
// one subject. The ground is a code or case reference, never personal data.
struct LegalHoldRecord {
  uint64_t subject_id = 0;
  std::string rule;  // retention rule id; empty: all
  std::string ground;
  int64_t placed_at = 0;
};

// When a retention anchor last happened for a subject (last_activity, contract_end, ...); the
// store keeps the latest time per (subject, event). Subject 0 holds events that concern
// everyone (the statistical analysis that used all logs collected before it, CX04).
struct LifecycleEventRecord {
  uint64_t subject_id = 0;
  std::string event;
  int64_t at = 0;
};

// A count that survives the fields it was derived from (retention's anonymize action): how many
// fields of a category a rule removed, per day of collection. It identifies no one.
struct AggregateRecord {
  std::string rule;
  std::string category;
  int64_t day = 0;  // Unix seconds of the UTC day the fields were collected
  int64_t count = 0;
};

// A field without its value, with its subject's kind: what retention sweeps look at.
struct FieldMetadata {
  uint64_t id = 0;
  uint64_t subject_id = 0;
  std::string subject_kind;
  std::string category;
  std::vector<std::string> purposes;
  int64_t collected_at = 0;
  int64_t last_activity = 0;
};

// Writes applied together as one durable transaction, in this order: purged subjects, subjects,
// profile updates, fields (insert or replace by id), deleted fields, consent events, disclosures,
// audit entries, tree heads, deleted blind-index entries, blind-index entries, then requests,
// outbox messages, sent marks, legal holds (removed, then placed), lifecycle events and aggregates.
// Fields, events, disclosures and index entries need their subject to exist (FailedPrecondition).
// A blind-index value is unique per index: an entry naming another subject is AlreadyExists.
class WriteBatch {
 public:
  void PutSubject(SubjectRecord s) { subjects_.push_back(std::move(s)); }
  // Replaces an existing subject's sealed profile (FailedPrecondition if the subject is gone).
  struct ProfileUpdate {
    uint64_t subject_id = 0;
    std::string sealed_profile;
  };
  void UpdateProfile(uint64_t subject_id, std::string sealed_profile) {
    profiles_.push_back({subject_id, std::move(sealed_profile)});
  }
  void PutField(FieldRecord f) { fields_.push_back(std::move(f)); }  // insert or replace by id
  void AppendConsent(ConsentEventRecord e) { consents_.push_back(std::move(e)); }
  void AppendDisclosure(DisclosureRecord d) { disclosures_.push_back(std::move(d)); }
  // Removes every row of the subject, as DataStore::PurgeSubject, within this batch.
  void PurgeSubject(uint64_t subject_id) { purged_.push_back(subject_id); }
  void PutBlindIndex(BlindIndexRecord b) { indexes_.push_back(std::move(b)); }
  // Deletes field `field_id` of subject `subject_id` (nothing if the field is another subject's).
  // The subject is named so that whoever applies the batch knows whose fields changed.
  void DeleteField(uint64_t subject_id, uint64_t field_id) { deleted_fields_.push_back({subject_id, field_id}); }
  void DeleteBlindIndex(BlindIndexRecord b) { deleted_indexes_.push_back(std::move(b)); }
  // Audit entries must extend the log contiguously: the first index is the log's current size.
  void AppendAudit(AuditRecord a) { audit_.push_back(std::move(a)); }
  void PutTreeHead(TreeHeadRecord t) { tree_heads_.push_back(std::move(t)); }
  void PutRequest(RequestRecord r) { requests_.push_back(std::move(r)); }  // insert or replace
  void AppendOutbox(OutboxRecord m) { outbox_.push_back(std::move(m)); }
  void MarkOutboxSent(int64_t seq, int64_t at) { outbox_sent_.emplace_back(seq, at); }
  void PutLegalHold(LegalHoldRecord h) { holds_.push_back(std::move(h)); }  // insert or replace
  void RemoveLegalHold(uint64_t subject_id, std::string rule) {
    removed_holds_.emplace_back(subject_id, std::move(rule));
  }
  // Keeps the later of the stored and the new time.
  void PutLifecycleEvent(LifecycleEventRecord e) { lifecycle_.push_back(std::move(e)); }
  // Adds `count` to the stored aggregate.
  void AddAggregate(AggregateRecord a) { aggregates_.push_back(std::move(a)); }
  // An audit-only batch that must survive power loss even when the store relaxes audit-only
  // commits (erasures, key events).
  void RequireFullDurability() { full_durability_ = true; }
  bool full_durability() const { return full_durability_; }

  const std::vector<SubjectRecord>& subjects() const { return subjects_; }
  const std::vector<ProfileUpdate>& profiles() const { return profiles_; }
  const std::vector<FieldRecord>& fields() const { return fields_; }
  const std::vector<ConsentEventRecord>& consents() const { return consents_; }
  const std::vector<DisclosureRecord>& disclosures() const { return disclosures_; }
  const std::vector<uint64_t>& purged() const { return purged_; }
  const std::vector<BlindIndexRecord>& indexes() const { return indexes_; }
  struct FieldRef {
    uint64_t subject_id = 0;
    uint64_t field_id = 0;
  };
  const std::vector<FieldRef>& deleted_fields() const { return deleted_fields_; }
  // Entries to remove (only where they name that subject); applied before PutBlindIndex entries.
  const std::vector<BlindIndexRecord>& deleted_indexes() const { return deleted_indexes_; }
  const std::vector<AuditRecord>& audit() const { return audit_; }
  const std::vector<TreeHeadRecord>& tree_heads() const { return tree_heads_; }
  const std::vector<RequestRecord>& requests() const { return requests_; }
  const std::vector<OutboxRecord>& outbox() const { return outbox_; }
  const std::vector<std::pair<int64_t, int64_t>>& outbox_sent() const { return outbox_sent_; }
  const std::vector<LegalHoldRecord>& holds() const { return holds_; }
  const std::vector<std::pair<uint64_t, std::string>>& removed_holds() const { return removed_holds_; }
  const std::vector<LifecycleEventRecord>& lifecycle_events() const { return lifecycle_; }
  const std::vector<AggregateRecord>& aggregates() const { return aggregates_; }
  // True when the batch holds nothing but audit entries.
  bool audit_only() const {
    return subjects_.empty() && profiles_.empty() && fields_.empty() && consents_.empty() &&
           disclosures_.empty() && purged_.empty() && indexes_.empty() && deleted_fields_.empty() &&
           deleted_indexes_.empty() && tree_heads_.empty() && requests_.empty() &&
           outbox_.empty() && outbox_sent_.empty() && holds_.empty() && removed_holds_.empty() &&
           lifecycle_.empty() && aggregates_.empty();
  }
  bool empty() const { return audit_only() && audit_.empty(); }

 private:
  std::vector<SubjectRecord> subjects_;
  std::vector<ProfileUpdate> profiles_;
  std::vector<FieldRecord> fields_;
  std::vector<ConsentEventRecord> consents_;
  std::vector<DisclosureRecord> disclosures_;
  std::vector<uint64_t> purged_;
  std::vector<BlindIndexRecord> indexes_;
  std::vector<FieldRef> deleted_fields_;
  std::vector<BlindIndexRecord> deleted_indexes_;
  std::vector<AuditRecord> audit_;
  std::vector<TreeHeadRecord> tree_heads_;
  std::vector<RequestRecord> requests_;
  std::vector<OutboxRecord> outbox_;
  std::vector<std::pair<int64_t, int64_t>> outbox_sent_;  // (seq, sent_at)
  std::vector<LegalHoldRecord> holds_;
  std::vector<std::pair<uint64_t, std::string>> removed_holds_;  // (subject, rule)
  std::vector<LifecycleEventRecord> lifecycle_;
  std::vector<AggregateRecord> aggregates_;
  bool full_durability_ = false;
};

class DataStore {
 public:
  virtual ~DataStore() = default;

  // Applies the batch atomically and durably: when this returns OK, the batch survives a crash
  // or power loss; when it fails, nothing of it was applied. A subject id that already exists in
  // PutSubject is AlreadyExists (nothing applied).
  virtual Status Apply(const WriteBatch& batch) = 0;

  virtual StatusOr<std::optional<SubjectRecord>> GetSubject(uint64_t id) = 0;
  virtual StatusOr<std::vector<FieldRecord>> GetFields(uint64_t subject_id) = 0;
  // In append order.
  virtual StatusOr<std::vector<ConsentEventRecord>> GetConsentEvents(uint64_t subject_id) = 0;
  virtual StatusOr<std::vector<DisclosureRecord>> GetDisclosures(uint64_t subject_id) = 0;
  virtual StatusOr<std::optional<uint64_t>> FindByBlindIndex(std::string_view index,
                                                             std::string_view hash) = 0;
  // Subjects of an organization (for its admins), in id order.
  virtual StatusOr<std::vector<uint64_t>> ListOrganizationMembers(uint64_t organization_id) = 0;

  // Rights requests: one by id; a subject's, oldest first; the open ones, by deadline.
  virtual StatusOr<std::optional<RequestRecord>> GetRequest(uint64_t id) = 0;
  virtual StatusOr<std::vector<RequestRecord>> ListRequests(uint64_t subject_id) = 0;
  virtual StatusOr<std::vector<RequestRecord>> ListOpenRequests() = 0;
  // Outbox messages in append order; only the unsent ones when `unsent_only`.
  virtual StatusOr<std::vector<OutboxRecord>> GetOutbox(bool unsent_only) = 0;
  // Legal holds of one subject, or of everyone (subject_id 0).
  virtual StatusOr<std::vector<LegalHoldRecord>> GetLegalHolds(uint64_t subject_id) = 0;
  // Lifecycle events of one subject, or of everyone (subject_id 0 means all, including the
  // events recorded for everyone under subject 0).
  virtual StatusOr<std::vector<LifecycleEventRecord>> GetLifecycleEvents(uint64_t subject_id) = 0;
  virtual StatusOr<std::vector<AggregateRecord>> GetAggregates() = 0;
  // Every field's metadata (no values), ordered by subject, then field id. `visit` returning
  // false stops the scan. Runs on the read connection: writes may continue meanwhile.
  virtual Status ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit) = 0;

  // Removes every row of the subject: fields, consent events, blind-index entries, disclosures,
  // outbox messages, legal holds, lifecycle events, the subject. Requests stay (they record what
  // was done, and hold no personal data). Idempotent (OK when nothing is left).
  virtual Status PurgeSubject(uint64_t id) = 0;

  // A consistent online copy of the data file alone to `path` (SQLite: the backup API).
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
  virtual StatusOr<std::vector<uint64_t>> PendingPurges() = 0;
  // First scrubs every key destroyed since the last scrub (secure_delete, then the WAL
  // checkpointed and truncated), then drops the note: when it returns OK, those keys' bytes are
  // gone from disk.
  virtual Status PurgeDone(uint64_t subject_id) = 0;

  // Small named values: the master-key check, the wrapped blind-index root key.
  virtual StatusOr<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  virtual Status PutMeta(std::string_view name, std::string_view value) = 0;

  // A consistent online copy of the key store alone to `path` (never mixed with data backups).
  virtual Status BackupTo(const std::string& path) = 0;

  // Master-key rotation: replaces every wrapped key by rewrap(subject_id, old_wrapped) and every
  // meta value by rewrap_meta(name, old_value), in one transaction; nothing changes on error.
  virtual Status RewrapAll(
      const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
      const std::function<StatusOr<std::string>(std::string_view, std::string_view)>& rewrap_meta) = 0;
};

// SQLite backends. The data file and the key store are separate files; both are opened in WAL
// mode with synchronous=FULL; the key store also with secure_delete. A file that is not a
// privet store (or is corrupt or truncated) yields DataLoss with the path, never a crash.
StatusOr<std::unique_ptr<DataStore>> OpenSqliteDataStore(const std::string& path);
StatusOr<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& path);

}  // namespace privet::store
