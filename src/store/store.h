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

// Writes applied together as one durable transaction, in this order: purged subjects, subjects,
// fields (insert or replace by id), deleted fields, consent events, disclosures, audit entries,
// tree heads, deleted blind-index entries, blind-index entries. Fields, events, disclosures and
// index entries need their subject to exist (FailedPrecondition).
// A blind-index value is unique per index: an entry naming another subject is AlreadyExists.
class WriteBatch {
 public:
  void PutSubject(SubjectRecord s) { subjects_.push_back(std::move(s)); }
  void PutField(FieldRecord f) { fields_.push_back(std::move(f)); }  // insert or replace by id
  void AppendConsent(ConsentEventRecord e) { consents_.push_back(std::move(e)); }
  void AppendDisclosure(DisclosureRecord d) { disclosures_.push_back(std::move(d)); }
  // Removes every row of the subject, as DataStore::PurgeSubject, within this batch.
  void PurgeSubject(uint64_t subject_id) { purged_.push_back(subject_id); }
  void PutBlindIndex(BlindIndexRecord b) { indexes_.push_back(std::move(b)); }
  void DeleteField(uint64_t field_id) { deleted_fields_.push_back(field_id); }
  void DeleteBlindIndex(BlindIndexRecord b) { deleted_indexes_.push_back(std::move(b)); }
  // Audit entries must extend the log contiguously: the first index is the log's current size.
  void AppendAudit(AuditRecord a) { audit_.push_back(std::move(a)); }
  void PutTreeHead(TreeHeadRecord t) { tree_heads_.push_back(std::move(t)); }
  // An audit-only batch that must survive power loss even when the store relaxes audit-only
  // commits (erasures, key events).
  void RequireFullDurability() { full_durability_ = true; }
  bool full_durability() const { return full_durability_; }

  const std::vector<SubjectRecord>& subjects() const { return subjects_; }
  const std::vector<FieldRecord>& fields() const { return fields_; }
  const std::vector<ConsentEventRecord>& consents() const { return consents_; }
  const std::vector<DisclosureRecord>& disclosures() const { return disclosures_; }
  const std::vector<uint64_t>& purged() const { return purged_; }
  const std::vector<BlindIndexRecord>& indexes() const { return indexes_; }
  const std::vector<uint64_t>& deleted_fields() const { return deleted_fields_; }
  // Entries to remove (only where they name that subject); applied before PutBlindIndex entries.
  const std::vector<BlindIndexRecord>& deleted_indexes() const { return deleted_indexes_; }
  const std::vector<AuditRecord>& audit() const { return audit_; }
  const std::vector<TreeHeadRecord>& tree_heads() const { return tree_heads_; }
  bool empty() const {
    return subjects_.empty() && fields_.empty() && consents_.empty() && disclosures_.empty() && purged_.empty() &&
           indexes_.empty() &&
           deleted_fields_.empty() && deleted_indexes_.empty() && audit_.empty() &&
           tree_heads_.empty();
  }

 private:
  std::vector<SubjectRecord> subjects_;
  std::vector<FieldRecord> fields_;
  std::vector<ConsentEventRecord> consents_;
  std::vector<DisclosureRecord> disclosures_;
  std::vector<uint64_t> purged_;
  std::vector<BlindIndexRecord> indexes_;
  std::vector<uint64_t> deleted_fields_;
  std::vector<BlindIndexRecord> deleted_indexes_;
  std::vector<AuditRecord> audit_;
  std::vector<TreeHeadRecord> tree_heads_;
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

  // Removes every row of the subject: fields, consent events, blind-index entries, the subject.
  // Idempotent (OK when nothing is left).
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
