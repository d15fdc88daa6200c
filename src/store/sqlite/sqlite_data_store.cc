// The SQLite DataStore: one file in WAL mode, tables keyed by subject id (so that the
// PostgreSQL backend can distribute the same tables by subject with Citus).
//
// Apply runs a batch's operations in the order they were added, one statement each, in one
// BEGIN IMMEDIATE transaction. Rows that refer to a subject require the subject to exist
// (foreign keys, checked at once): otherwise FailedPrecondition. A blind-index entry that
// already maps the same (index, hash) to another subject is AlreadyExists; to the same subject
// it is a no-op. Audit entries must extend the log contiguously (checked against the log's size,
// read once at open and kept under the writer lock).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <variant>

#include "common/mutex.h"
#include "store/sqlite/sqlite_breaches.h"
#include "store/sqlite/sqlite_delivery_tables.h"
#include "store/sqlite/sqlite_policy_versions.h"
#include "store/sqlite/sqlite_rights_tables.h"
#include "store/sqlite/sqlite_util.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/store.h"

namespace privet::store {
namespace {

using sqlite::DecodeStringArray;
using sqlite::EncodeStringArray;
using sqlite::FromDb;
using sqlite::Run;
using sqlite::ScopedReset;
using sqlite::SqliteStatus;
using sqlite::Statement;
using sqlite::ToDb;

constexpr int32_t kDataApplicationId = 0x50525644;  // "PRVD"
// Version 2 added the rights and retention tables (sqlite_rights_tables.cc), version 3 the
// people behind each aggregate (CN02), version 4 the recipient of a consent event (an opt-out
// from one recipient, CU06), version 5 the outbox's delivery state and the webhook tables
// (sqlite_delivery_tables.cc), version 6 the published policy versions
// (sqlite::PolicyVersionTable::kSchema), version 7 the breach register (sqlite::BreachTable),
// version 8 a consent string's own timestamps on its consent events, version 9 the hash of the
// consent banner's text a choice was made on; older files are upgraded in place on open.
constexpr int kDataSchemaVersion = 9;
constexpr char kConsentRecipientUpgrade[] =
    "ALTER TABLE consent_events ADD COLUMN recipient TEXT NOT NULL DEFAULT ''";
constexpr char kConsentStringTimesUpgrade[] =
    "ALTER TABLE consent_events ADD COLUMN string_created INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE consent_events ADD COLUMN string_updated INTEGER NOT NULL DEFAULT 0";
constexpr char kConsentTextHashUpgrade[] =
    "ALTER TABLE consent_events ADD COLUMN text_hash TEXT NOT NULL DEFAULT ''";
constexpr char kCacheSizePragma[] = "PRAGMA cache_size=-65536";  // KiB: 64 MiB

constexpr char kDataSchema[] = R"sql(
CREATE TABLE subjects (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  organization_id INTEGER NOT NULL,
  tenant_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  policy_version INTEGER NOT NULL,
  sealed_profile BLOB NOT NULL
);
CREATE INDEX subjects_by_organization ON subjects (organization_id);
CREATE TABLE fields (
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  id INTEGER NOT NULL UNIQUE,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  purposes TEXT NOT NULL,  -- JSON array of purpose ids
  basis TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  policy_version INTEGER NOT NULL,
  sealed_value BLOB NOT NULL,
  PRIMARY KEY (subject_id, id)  -- a subject's fields sit together: GetFields reads 1-2 pages
) WITHOUT ROWID;
CREATE TABLE consent_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  purpose TEXT NOT NULL,
  channel TEXT NOT NULL,
  action TEXT NOT NULL,
  source TEXT NOT NULL,
  at INTEGER NOT NULL,
  policy_version INTEGER NOT NULL,
  recipient TEXT NOT NULL DEFAULT '',
  string_created INTEGER NOT NULL DEFAULT 0,  -- a consent string's Created (unix s), or 0
  string_updated INTEGER NOT NULL DEFAULT 0,  -- its LastUpdated
  text_hash TEXT NOT NULL DEFAULT ''  -- the consent banner text's SHA-256 (hex), or ''
);
CREATE INDEX consent_events_by_subject ON consent_events (subject_id);
CREATE TABLE blind_index (
  index_name TEXT NOT NULL,
  hash BLOB NOT NULL,
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  PRIMARY KEY (index_name, hash)
) WITHOUT ROWID;
CREATE INDEX blind_index_by_subject ON blind_index (subject_id);
CREATE TABLE disclosures (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  recipient TEXT NOT NULL,
  purpose TEXT NOT NULL,
  categories TEXT NOT NULL,
  evidence TEXT NOT NULL,
  at INTEGER NOT NULL,
  policy_version INTEGER NOT NULL
);
CREATE INDEX disclosures_by_subject ON disclosures (subject_id);
CREATE TABLE audit_log (
  idx INTEGER PRIMARY KEY,
  entry BLOB NOT NULL
);
CREATE TABLE tree_heads (
  tree_size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  timestamp TEXT NOT NULL,
  signature BLOB NOT NULL
)
)sql";

class SqliteDataStore final : public DataStore {
 public:
  explicit SqliteDataStore(std::unique_ptr<sqlite::Connection> conn) : conn_(std::move(conn)) {}
  Status Prepare();
  // Moves the WAL checkpoints off the commits (wal_checkpointer.h): a read's audit entry or a
  // write no longer pays, now and then, for copying the whole WAL into the file.
  Status StartCheckpointer() {
    MutexLock lock(&mu_);
    PRIVET_ASSIGN_OR_RETURN(checkpointer_, sqlite::WalCheckpointer::Start(*conn_, {}));
    return Status::Ok();
  }

  Status Apply(const WriteBatch& batch) override;
  StatusOr<std::optional<SubjectRecord>> GetSubject(uint64_t id) override;
  StatusOr<std::vector<FieldRecord>> GetFields(uint64_t subject_id) override;
  StatusOr<std::vector<ConsentEventRecord>> GetConsentEvents(uint64_t subject_id) override;
  StatusOr<std::optional<uint64_t>> FindByBlindIndex(std::string_view index,
                                                     std::string_view hash) override;
  StatusOr<std::vector<uint64_t>> ListOrganizationMembers(uint64_t organization_id) override;
  Status PurgeSubject(uint64_t id) override;
  Status BackupTo(const std::string& path) override;
  StatusOr<std::vector<AuditRecord>> GetAuditEntries(uint64_t start, uint64_t limit) override;
  StatusOr<std::vector<DisclosureRecord>> GetDisclosures(uint64_t subject_id) override;
  StatusOr<std::vector<TreeHeadRecord>> GetTreeHeads() override;
  // Rights and retention tables: under the writer lock (they are not on the hot read path).
  StatusOr<std::optional<RequestRecord>> GetRequest(uint64_t id) override {
    MutexLock lock(&mu_);
    return rights_->GetRequest(id);
  }
  StatusOr<std::vector<RequestRecord>> ListRequests(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    return rights_->ListRequests(subject_id);
  }
  StatusOr<std::vector<RequestRecord>> ListOpenRequests() override {
    MutexLock lock(&mu_);
    return rights_->ListOpenRequests();
  }
  StatusOr<std::vector<OutboxRecord>> GetOutbox(bool unsent_only) override {
    MutexLock lock(&mu_);
    return delivery_->GetOutbox(unsent_only);
  }
  StatusOr<std::vector<OutboxRecord>> GetDueOutbox(int64_t now, size_t limit) override {
    MutexLock lock(&mu_);
    return delivery_->GetDueOutbox(now, limit);
  }
  StatusOr<std::vector<OutboxRecord>> GetOutboxInState(OutboxState state) override {
    MutexLock lock(&mu_);
    return delivery_->GetOutboxInState(state);
  }
  StatusOr<std::vector<WebhookEndpointRecord>> GetWebhookEndpoints() override {
    MutexLock lock(&mu_);
    return delivery_->GetWebhookEndpoints();
  }
  StatusOr<std::vector<WebhookEventRecord>> GetWebhookEvents(int64_t after_seq,
                                                             size_t limit) override {
    MutexLock lock(&mu_);
    return delivery_->GetWebhookEvents(after_seq, limit);
  }
  StatusOr<int64_t> LastWebhookEventSeq() override {
    MutexLock lock(&mu_);
    return delivery_->LastWebhookEventSeq();
  }
  StatusOr<std::vector<WebhookDeadLetterRecord>> GetWebhookDeadLetters() override {
    MutexLock lock(&mu_);
    return delivery_->GetWebhookDeadLetters();
  }
  StatusOr<std::vector<LegalHoldRecord>> GetLegalHolds(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    return rights_->GetLegalHolds(subject_id);
  }
  StatusOr<std::vector<LifecycleEventRecord>> GetLifecycleEvents(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    return rights_->GetLifecycleEvents(subject_id);
  }
  StatusOr<std::vector<AggregateRecord>> GetAggregates() override {
    MutexLock lock(&mu_);
    return rights_->GetAggregates();
  }
  StatusOr<std::vector<SubjectRecord>> ListSubjects(uint64_t after, size_t limit) override {
    MutexLock lock(&mu_);
    return policy_versions_->ListSubjects(after, limit);
  }
  StatusOr<std::vector<PolicyVersionRecord>> GetPolicyVersions() override {
    MutexLock lock(&mu_);
    return policy_versions_->GetAll();
  }
  StatusOr<std::vector<BreachRecord>> GetBreaches() override {
    MutexLock lock(&mu_);
    return breaches_->GetAll();
  }
  StatusOr<std::string> GetBreachAffected(uint64_t breach_id) override {
    MutexLock lock(&mu_);
    return breaches_->GetAffected(breach_id);
  }
  // No lock: the scan runs on a connection of its own, and rights_ is set once, in Prepare.
  Status ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit) override
      NO_THREAD_SAFETY_ANALYSIS {
    return rights_->ScanFieldMetadata(visit);
  }
  void SetAuditOnlyDurability(AuditOnlyDurability d) override {
    MutexLock lock(&mu_);
    audit_only_durability_ = d;
  }

 private:
  enum class Synchronous { kFull, kNormal };

  Status ApplyLocked(const WriteBatch& batch, uint64_t& audit_size) REQUIRES(mu_);
  // One operation each, in the batch's transaction.
  Status ApplyOp(const op::PutSubject& o) REQUIRES(mu_);
  Status ApplyOp(const op::UpdateProfile& o) REQUIRES(mu_);
  Status ApplyOp(const op::PutField& o) REQUIRES(mu_);
  Status ApplyOp(const op::DeleteField& o) REQUIRES(mu_);
  Status ApplyOp(const op::AppendConsent& o) REQUIRES(mu_);
  Status ApplyOp(const op::AppendDisclosure& o) REQUIRES(mu_);
  Status ApplyOp(const op::PurgeSubject& o) REQUIRES(mu_) { return PurgeLocked(o.subject_id); }
  Status ApplyOp(const op::PutBlindIndex& o) REQUIRES(mu_) { return PutBlindIndexLocked(o.entry); }
  Status ApplyOp(const op::DeleteBlindIndex& o) REQUIRES(mu_);
  Status ApplyOp(const op::PutTreeHead& o) REQUIRES(mu_);
  Status ApplyOp(const op::PutRequest& o) REQUIRES(mu_) { return rights_->PutRequest(o.request); }
  Status ApplyOp(const op::AppendOutbox& o) REQUIRES(mu_) {
    return rights_->AppendOutbox(o.message);
  }
  Status ApplyOp(const op::MarkOutboxSent& o) REQUIRES(mu_) {
    return rights_->MarkOutboxSent(o.seq, o.sent_at);
  }
  Status ApplyOp(const op::PutLegalHold& o) REQUIRES(mu_) { return rights_->PutLegalHold(o.hold); }
  Status ApplyOp(const op::RemoveLegalHold& o) REQUIRES(mu_) {
    return rights_->RemoveLegalHold(o.subject_id, o.rule);
  }
  Status ApplyOp(const op::PutLifecycleEvent& o) REQUIRES(mu_) {
    return rights_->PutLifecycleEvent(o.event);
  }
  Status ApplyOp(const op::AddAggregate& o) REQUIRES(mu_) {
    return rights_->AddAggregate(o.aggregate);
  }
  Status ApplyOp(const op::UpdateOutboxDelivery& o) REQUIRES(mu_) {
    return delivery_->UpdateOutboxDelivery(o);
  }
  Status ApplyOp(const op::AppendWebhookEvent& o) REQUIRES(mu_) {
    return delivery_->AppendWebhookEvent(o.event);
  }
  Status ApplyOp(const op::PutWebhookEndpoint& o) REQUIRES(mu_) {
    return delivery_->PutWebhookEndpoint(o.endpoint);
  }
  Status ApplyOp(const op::RemoveWebhookEndpoint& o) REQUIRES(mu_) {
    return delivery_->RemoveWebhookEndpoint(o.id);
  }
  Status ApplyOp(const op::PutWebhookDeadLetter& o) REQUIRES(mu_) {
    return delivery_->PutWebhookDeadLetter(o.letter);
  }
  Status ApplyOp(const op::RemoveWebhookDeadLetter& o) REQUIRES(mu_) {
    return delivery_->RemoveWebhookDeadLetter(o.endpoint_id, o.event_seq);
  }
  Status ApplyOp(const op::PruneWebhookEvents& o) REQUIRES(mu_) {
    return delivery_->PruneWebhookEvents(o.through_seq);
  }
  Status ApplyOp(const op::PutPolicyVersion& o) REQUIRES(mu_) {
    return policy_versions_->Put(o.version);
  }
  Status ApplyOp(const op::SetPolicyNoticeProgress& o) REQUIRES(mu_) {
    return policy_versions_->SetNoticeProgress(o.version, o.notices_through, o.notices_pending);
  }
  Status ApplyOp(const op::PutBreach& o) REQUIRES(mu_) { return breaches_->Put(o.breach); }
  Status ApplyOp(const op::PutBreachAffected& o) REQUIRES(mu_) {
    return breaches_->PutAffected(o.breach_id, o.affected);
  }
  Status AppendAuditLocked(const AuditRecord& a, uint64_t& audit_size) REQUIRES(mu_);
  Status SetSynchronousLocked(Synchronous wanted) REQUIRES(mu_);
  Status PurgeLocked(uint64_t id) REQUIRES(mu_);
  Status PutBlindIndexLocked(const BlindIndexRecord& b) REQUIRES(mu_);

  Mutex mu_;
  // Guarded by mu_: the connection and every cached statement below (an SQLite connection
  // opened with SQLITE_OPEN_NOMUTEX must not be used by two threads at once).
  std::unique_ptr<sqlite::Connection> conn_ GUARDED_BY(mu_);
  std::unique_ptr<sqlite::RightsTables> rights_ GUARDED_BY(mu_);
  std::unique_ptr<sqlite::DeliveryTables> delivery_ GUARDED_BY(mu_);
  std::unique_ptr<sqlite::PolicyVersionTable> policy_versions_ GUARDED_BY(mu_);
  std::unique_ptr<sqlite::BreachTable> breaches_ GUARDED_BY(mu_);
  Statement insert_subject_ GUARDED_BY(mu_);
  Statement update_profile_ GUARDED_BY(mu_);
  Statement put_field_ GUARDED_BY(mu_);
  Statement delete_field_ GUARDED_BY(mu_);
  Statement insert_consent_ GUARDED_BY(mu_);
  Statement insert_index_ GUARDED_BY(mu_);
  Statement delete_index_ GUARDED_BY(mu_);
  Statement get_subject_ GUARDED_BY(mu_);
  Statement get_fields_ GUARDED_BY(mu_);
  Statement get_consents_ GUARDED_BY(mu_);
  Statement find_index_ GUARDED_BY(mu_);
  Statement list_members_ GUARDED_BY(mu_);
  Statement purge_fields_ GUARDED_BY(mu_);
  Statement purge_consents_ GUARDED_BY(mu_);
  Statement purge_index_ GUARDED_BY(mu_);
  Statement purge_subject_ GUARDED_BY(mu_);
  Statement append_audit_ GUARDED_BY(mu_);
  Statement insert_disclosure_ GUARDED_BY(mu_);
  Statement get_disclosures_ GUARDED_BY(mu_);
  Statement purge_disclosures_ GUARDED_BY(mu_);
  Statement put_tree_head_ GUARDED_BY(mu_);
  Statement get_audit_ GUARDED_BY(mu_);
  Statement get_tree_heads_ GUARDED_BY(mu_);
  AuditOnlyDurability audit_only_durability_ GUARDED_BY(mu_) = AuditOnlyDurability::kFull;
  // Entries in the audit log (its next index), as committed. Guarded by mu_.
  uint64_t audit_size_ GUARDED_BY(mu_) = 0;
  // The connection's PRAGMA synchronous (FULL when opened). Switched only when a commit needs
  // the other setting, so a run of relaxed audit-only commits (one per read) switches nothing.
  Synchronous synchronous_ GUARDED_BY(mu_) = Synchronous::kFull;

  // The hot reads run on a second, read-only connection, so they never wait behind a commit
  // (WAL lets them read the last committed state meanwhile). Guarded by read_mu_; the
  // statements are declared after the connection so they are finalized first.
  Mutex read_mu_;
  std::unique_ptr<sqlite::Connection> reader_ GUARDED_BY(read_mu_);
  Statement r_get_subject_ GUARDED_BY(read_mu_);
  Statement r_get_fields_ GUARDED_BY(read_mu_);
  Statement r_get_consents_ GUARDED_BY(read_mu_);
  Statement r_find_index_ GUARDED_BY(read_mu_);
  Statement r_list_members_ GUARDED_BY(read_mu_);
  Statement r_get_disclosures_ GUARDED_BY(read_mu_);

  // Declared last, so it stops (and closes its connection) before the connections above close.
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
};

Status SqliteDataStore::Prepare() {
  MutexLock lock(&mu_);
  MutexLock read_lock(&read_mu_);
  struct {
    Statement* stmt;
    const char* sql;
  } const kStatements[] = {
      {&insert_subject_,
       "INSERT INTO subjects (id, kind, organization_id, tenant_id, created_at, policy_version,"
       " sealed_profile) VALUES (?, ?, ?, ?, ?, ?, ?)"},
      {&update_profile_, "UPDATE subjects SET sealed_profile = ? WHERE id = ?"},
      {&put_field_,
       "INSERT OR REPLACE INTO fields (id, subject_id, category, source, purposes, basis,"
       " collected_at, last_activity, policy_version, sealed_value)"
       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
      {&delete_field_, "DELETE FROM fields WHERE subject_id = ? AND id = ?"},
      {&insert_consent_,
       "INSERT INTO consent_events (subject_id, purpose, channel, action, source, at,"
       " policy_version, recipient, string_created, string_updated, text_hash)"
       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
      {&insert_index_,
       "INSERT INTO blind_index (index_name, hash, subject_id) VALUES (?, ?, ?)"
       " ON CONFLICT (index_name, hash) DO NOTHING"},
      {&delete_index_,
       "DELETE FROM blind_index WHERE index_name = ? AND hash = ? AND subject_id = ?"},
      {&append_audit_, "INSERT INTO audit_log (idx, entry) VALUES (?, ?)"},
      {&insert_disclosure_,
       "INSERT INTO disclosures (subject_id, recipient, purpose, categories, evidence, at, "
       "policy_version)"
       " VALUES (?, ?, ?, ?, ?, ?, ?)"},
      {&get_disclosures_,
       "SELECT seq, recipient, purpose, categories, evidence, at, policy_version FROM disclosures"
       " WHERE subject_id = ? ORDER BY seq"},
      {&purge_disclosures_, "DELETE FROM disclosures WHERE subject_id = ?"},
      {&put_tree_head_,
       "INSERT OR REPLACE INTO tree_heads (tree_size, root, timestamp, signature) VALUES (?, ?, ?, "
       "?)"},
      {&get_audit_, "SELECT idx, entry FROM audit_log WHERE idx >= ? ORDER BY idx LIMIT ?"},
      {&get_tree_heads_,
       "SELECT tree_size, root, timestamp, signature FROM tree_heads ORDER BY tree_size"},
      {&get_subject_,
       "SELECT kind, organization_id, tenant_id, created_at, policy_version, sealed_profile"
       " FROM subjects WHERE id = ?"},
      {&get_fields_,
       "SELECT id, category, source, purposes, basis, collected_at, last_activity,"
       " policy_version, sealed_value FROM fields WHERE subject_id = ? ORDER BY id"},
      {&get_consents_,
       "SELECT seq, purpose, channel, action, source, at, policy_version, recipient,"
       " string_created, string_updated, text_hash FROM consent_events"
       " WHERE subject_id = ? ORDER BY seq"},
      {&find_index_, "SELECT subject_id FROM blind_index WHERE index_name = ? AND hash = ?"},
      {&list_members_, "SELECT id FROM subjects WHERE organization_id = ?"},
      {&purge_fields_, "DELETE FROM fields WHERE subject_id = ?"},
      {&purge_consents_, "DELETE FROM consent_events WHERE subject_id = ?"},
      {&purge_index_, "DELETE FROM blind_index WHERE subject_id = ?"},
      {&purge_subject_, "DELETE FROM subjects WHERE id = ?"},
  };
  for (const auto& s : kStatements) {
    PRIVET_ASSIGN_OR_RETURN(*s.stmt, conn_->Prepare(s.sql));
  }
  {
    PRIVET_ASSIGN_OR_RETURN(Statement size,
                            conn_->Prepare("SELECT coalesce(max(idx) + 1, 0) FROM audit_log"));
    if (int rc = size.Step(); rc != SQLITE_ROW)
      return SqliteStatus(rc, "data store open: audit log size");
    audit_size_ = FromDb(size.ColumnInt64(0));
  }
  rights_ = std::make_unique<sqlite::RightsTables>(*conn_);
  PRIVET_RETURN_IF_ERROR(rights_->Prepare());
  delivery_ = std::make_unique<sqlite::DeliveryTables>(*conn_);
  PRIVET_RETURN_IF_ERROR(delivery_->Prepare());
  policy_versions_ = std::make_unique<sqlite::PolicyVersionTable>(*conn_);
  PRIVET_RETURN_IF_ERROR(policy_versions_->Prepare());
  breaches_ = std::make_unique<sqlite::BreachTable>(*conn_);
  PRIVET_RETURN_IF_ERROR(breaches_->Prepare());
  // The reader's copies of the read statements.
  PRIVET_ASSIGN_OR_RETURN(reader_, sqlite::OpenReader(*conn_));
  struct {
    Statement* stmt;
    const Statement* writer_copy;
  } const kReaderStatements[] = {
      {&r_get_subject_, &get_subject_},   {&r_get_fields_, &get_fields_},
      {&r_get_consents_, &get_consents_}, {&r_find_index_, &find_index_},
      {&r_list_members_, &list_members_}, {&r_get_disclosures_, &get_disclosures_},
  };
  for (const auto& r : kReaderStatements) {
    PRIVET_ASSIGN_OR_RETURN(*r.stmt, reader_->Prepare(r.writer_copy->Sql()));
  }
  return Status::Ok();
}

Status SqliteDataStore::Apply(const WriteBatch& batch) {
  if (batch.empty()) return Status::Ok();
  MutexLock lock(&mu_);
  const bool relaxed = batch.audit_only() && !batch.full_durability() &&
                       audit_only_durability_ == AuditOnlyDurability::kProcessCrash;
  PRIVET_RETURN_IF_ERROR(SetSynchronousLocked(relaxed ? Synchronous::kNormal : Synchronous::kFull));
  sqlite::Transaction txn(*conn_);
  PRIVET_RETURN_IF_ERROR(txn.Begin("data store apply: begin"));
  uint64_t audit_size = audit_size_;
  PRIVET_RETURN_IF_ERROR(ApplyLocked(batch, audit_size));
  PRIVET_RETURN_IF_ERROR(txn.Commit("data store apply: commit"));
  audit_size_ = audit_size;
  return Status::Ok();
}

Status SqliteDataStore::SetSynchronousLocked(Synchronous wanted) {
  if (synchronous_ == wanted) return Status::Ok();
  // Run as text, not as a cached statement: a PRAGMA takes effect when it is compiled, and a
  // cached one would only take effect from its second step on (when SQLite recompiles it).
  const char* pragma =
      wanted == Synchronous::kNormal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL";
  PRIVET_RETURN_IF_ERROR(conn_->Exec(pragma, "data store apply: durability"));
  synchronous_ = wanted;
  return Status::Ok();
}

Status SqliteDataStore::ApplyLocked(const WriteBatch& batch, uint64_t& audit_size) {
  for (const WriteOp& o : batch.ops()) {
    Status applied = std::visit(
        // The visitors run here, under mu_ (the analysis does not follow into lambdas).
        Overloaded{[&](const op::AppendAudit& a) {
                     mu_.AssertHeld();
                     return AppendAuditLocked(a.entry, audit_size);
                   },
                   [&](const auto& other) {
                     mu_.AssertHeld();
                     return ApplyOp(other);
                   }},
        o);
    PRIVET_RETURN_IF_ERROR(applied);
  }
  return Status::Ok();
}

Status SqliteDataStore::ApplyOp(const op::PutSubject& o) {
  const SubjectRecord& s = o.subject;
  ScopedReset reset(insert_subject_);
  insert_subject_.BindInt64(1, ToDb(s.id));
  insert_subject_.BindText(2, s.kind);
  insert_subject_.BindInt64(3, ToDb(s.organization_id));
  insert_subject_.BindInt64(4, ToDb(s.tenant_id));
  insert_subject_.BindInt64(5, s.created_at);
  insert_subject_.BindInt64(6, s.policy_version);
  insert_subject_.BindBlob(7, s.sealed_profile);
  int rc = insert_subject_.Step();
  if (rc != SQLITE_DONE) {
    Status status = SqliteStatus(rc, "data store apply: put subject");
    if (status.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists, "data store apply: subject already exists");
    }
    return status;
  }
  return Status::Ok();
}

Status SqliteDataStore::ApplyOp(const op::UpdateProfile& p) {
  ScopedReset reset(update_profile_);
  update_profile_.BindBlob(1, p.sealed_profile);
  update_profile_.BindInt64(2, ToDb(p.subject_id));
  if (int rc = update_profile_.Step(); rc != SQLITE_DONE) {
    return SqliteStatus(rc, "data store apply: update profile");
  }
  if (sqlite3_changes(conn_->db()) == 0) {
    return FailedPrecondition("data store apply: update profile: no such subject");
  }
  return Status::Ok();
}

Status SqliteDataStore::ApplyOp(const op::PutField& o) {
  const FieldRecord& f = o.field;
  PRIVET_ASSIGN_OR_RETURN(std::string purposes, EncodeStringArray(f.purposes));
  ScopedReset reset(put_field_);
  put_field_.BindInt64(1, ToDb(f.id));
  put_field_.BindInt64(2, ToDb(f.subject_id));
  put_field_.BindText(3, f.category);
  put_field_.BindText(4, f.source);
  put_field_.BindText(5, purposes);
  put_field_.BindText(6, f.basis);
  put_field_.BindInt64(7, f.collected_at);
  put_field_.BindInt64(8, f.last_activity);
  put_field_.BindInt64(9, f.policy_version);
  put_field_.BindBlob(10, f.sealed_value);
  return Run(put_field_, "data store apply: put field");
}

Status SqliteDataStore::ApplyOp(const op::DeleteField& f) {
  ScopedReset reset(delete_field_);
  delete_field_.BindInt64(1, ToDb(f.subject_id));
  delete_field_.BindInt64(2, ToDb(f.field_id));
  return Run(delete_field_, "data store apply: delete field");
}

Status SqliteDataStore::ApplyOp(const op::AppendConsent& o) {
  const ConsentEventRecord& e = o.event;
  ScopedReset reset(insert_consent_);
  insert_consent_.BindInt64(1, ToDb(e.subject_id));
  insert_consent_.BindText(2, e.purpose);
  insert_consent_.BindText(3, e.channel);
  insert_consent_.BindText(4, e.action);
  insert_consent_.BindText(5, e.source);
  insert_consent_.BindInt64(6, e.at);
  insert_consent_.BindInt64(7, e.policy_version);
  insert_consent_.BindText(8, e.recipient);
  insert_consent_.BindInt64(9, e.string_created);
  insert_consent_.BindInt64(10, e.string_updated);
  insert_consent_.BindText(11, e.text_hash);
  return Run(insert_consent_, "data store apply: append consent");
}

Status SqliteDataStore::ApplyOp(const op::AppendDisclosure& o) {
  const DisclosureRecord& d = o.disclosure;
  PRIVET_ASSIGN_OR_RETURN(std::string categories, EncodeStringArray(d.categories));
  PRIVET_ASSIGN_OR_RETURN(std::string evidence, EncodeStringArray(d.evidence));
  ScopedReset reset(insert_disclosure_);
  insert_disclosure_.BindInt64(1, ToDb(d.subject_id));
  insert_disclosure_.BindText(2, d.recipient);
  insert_disclosure_.BindText(3, d.purpose);
  insert_disclosure_.BindText(4, categories);
  insert_disclosure_.BindText(5, evidence);
  insert_disclosure_.BindInt64(6, d.at);
  insert_disclosure_.BindInt64(7, d.policy_version);
  return Run(insert_disclosure_, "data store apply: record disclosure");
}

Status SqliteDataStore::AppendAuditLocked(const AuditRecord& a, uint64_t& audit_size) {
  if (a.index < audit_size) {
    return Status(StatusCode::kAlreadyExists, "data store apply: audit entry index already used");
  }
  if (a.index > audit_size) {
    return FailedPrecondition("data store apply: audit entry index leaves a gap in the log");
  }
  ScopedReset reset(append_audit_);
  append_audit_.BindInt64(1, ToDb(a.index));
  append_audit_.BindBlob(2, a.entry);
  PRIVET_RETURN_IF_ERROR(Run(append_audit_, "data store apply: append audit entry"));
  ++audit_size;
  return Status::Ok();
}

Status SqliteDataStore::ApplyOp(const op::PutTreeHead& o) {
  const TreeHeadRecord& t = o.head;
  ScopedReset reset(put_tree_head_);
  put_tree_head_.BindInt64(1, ToDb(t.tree_size));
  put_tree_head_.BindBlob(2, t.root);
  put_tree_head_.BindText(3, t.timestamp);
  put_tree_head_.BindBlob(4, t.signature);
  return Run(put_tree_head_, "data store apply: put tree head");
}

Status SqliteDataStore::ApplyOp(const op::DeleteBlindIndex& o) {
  const BlindIndexRecord& b = o.entry;
  ScopedReset reset(delete_index_);
  delete_index_.BindText(1, b.index);
  delete_index_.BindBlob(2, b.hash);
  delete_index_.BindInt64(3, ToDb(b.subject_id));
  return Run(delete_index_, "data store apply: delete blind index");
}

Status SqliteDataStore::PutBlindIndexLocked(const BlindIndexRecord& b) {
  {
    ScopedReset reset(insert_index_);
    insert_index_.BindText(1, b.index);
    insert_index_.BindBlob(2, b.hash);
    insert_index_.BindInt64(3, ToDb(b.subject_id));
    PRIVET_RETURN_IF_ERROR(Run(insert_index_, "data store apply: put blind index"));
    if (sqlite3_changes(conn_->db()) > 0) return Status::Ok();
  }
  // The entry exists: fine if it already names this subject.
  ScopedReset reset(find_index_);
  find_index_.BindText(1, b.index);
  find_index_.BindBlob(2, b.hash);
  int rc = find_index_.Step();
  if (rc != SQLITE_ROW) {
    return SqliteStatus(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
                        "data store apply: put blind index");
  }
  if (FromDb(find_index_.ColumnInt64(0)) == b.subject_id) return Status::Ok();
  return Status(StatusCode::kAlreadyExists,
                "data store apply: blind index entry belongs to another subject");
}

StatusOr<std::optional<SubjectRecord>> SqliteDataStore::GetSubject(uint64_t id) {
  MutexLock lock(&read_mu_);
  ScopedReset reset(r_get_subject_);
  r_get_subject_.BindInt64(1, ToDb(id));
  int rc = r_get_subject_.Step();
  if (rc == SQLITE_DONE) return std::optional<SubjectRecord>();
  if (rc != SQLITE_ROW) return SqliteStatus(rc, "data store get subject");
  SubjectRecord s;
  s.id = id;
  s.kind = r_get_subject_.ColumnText(0);
  s.organization_id = FromDb(r_get_subject_.ColumnInt64(1));
  s.tenant_id = FromDb(r_get_subject_.ColumnInt64(2));
  s.created_at = r_get_subject_.ColumnInt64(3);
  s.policy_version = r_get_subject_.ColumnInt(4);
  s.sealed_profile = r_get_subject_.ColumnBlob(5);
  return std::optional<SubjectRecord>(std::move(s));
}

StatusOr<std::vector<FieldRecord>> SqliteDataStore::GetFields(uint64_t subject_id) {
  MutexLock lock(&read_mu_);
  ScopedReset reset(r_get_fields_);
  r_get_fields_.BindInt64(1, ToDb(subject_id));
  std::vector<FieldRecord> out;
  int rc;
  while ((rc = r_get_fields_.Step()) == SQLITE_ROW) {
    FieldRecord& f = out.emplace_back();
    f.id = FromDb(r_get_fields_.ColumnInt64(0));
    f.subject_id = subject_id;
    f.category = r_get_fields_.ColumnText(1);
    f.source = r_get_fields_.ColumnText(2);
    PRIVET_ASSIGN_OR_RETURN(f.purposes, DecodeStringArray(r_get_fields_.ColumnText(3)));
    f.basis = r_get_fields_.ColumnText(4);
    f.collected_at = r_get_fields_.ColumnInt64(5);
    f.last_activity = r_get_fields_.ColumnInt64(6);
    f.policy_version = r_get_fields_.ColumnInt(7);
    f.sealed_value = r_get_fields_.ColumnBlob(8);
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store get fields");
  return out;
}

StatusOr<std::vector<ConsentEventRecord>> SqliteDataStore::GetConsentEvents(uint64_t subject_id) {
  MutexLock lock(&read_mu_);
  ScopedReset reset(r_get_consents_);
  r_get_consents_.BindInt64(1, ToDb(subject_id));
  std::vector<ConsentEventRecord> out;
  int rc;
  while ((rc = r_get_consents_.Step()) == SQLITE_ROW) {
    ConsentEventRecord& e = out.emplace_back();
    e.subject_id = subject_id;
    e.seq = r_get_consents_.ColumnInt64(0);
    e.purpose = r_get_consents_.ColumnText(1);
    e.channel = r_get_consents_.ColumnText(2);
    e.action = r_get_consents_.ColumnText(3);
    e.source = r_get_consents_.ColumnText(4);
    e.at = r_get_consents_.ColumnInt64(5);
    e.policy_version = r_get_consents_.ColumnInt(6);
    e.recipient = r_get_consents_.ColumnText(7);
    e.string_created = r_get_consents_.ColumnInt64(8);
    e.string_updated = r_get_consents_.ColumnInt64(9);
    e.text_hash = r_get_consents_.ColumnText(10);
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store get consent events");
  return out;
}

StatusOr<std::optional<uint64_t>> SqliteDataStore::FindByBlindIndex(std::string_view index,
                                                                    std::string_view hash) {
  MutexLock lock(&read_mu_);
  ScopedReset reset(r_find_index_);
  r_find_index_.BindText(1, index);
  r_find_index_.BindBlob(2, hash);
  int rc = r_find_index_.Step();
  if (rc == SQLITE_DONE) return std::optional<uint64_t>();
  if (rc != SQLITE_ROW) return SqliteStatus(rc, "data store find by blind index");
  return std::optional<uint64_t>(FromDb(r_find_index_.ColumnInt64(0)));
}

StatusOr<std::vector<uint64_t>> SqliteDataStore::ListOrganizationMembers(uint64_t organization_id) {
  std::vector<uint64_t> out;
  {
    MutexLock lock(&read_mu_);
    ScopedReset reset(r_list_members_);
    r_list_members_.BindInt64(1, ToDb(organization_id));
    int rc;
    while ((rc = r_list_members_.Step()) == SQLITE_ROW) {
      out.push_back(FromDb(r_list_members_.ColumnInt64(0)));
    }
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store list organization members");
  }
  // SQLite orders the int64 bit patterns; the contract is the order of the uint64 ids.
  std::sort(out.begin(), out.end());
  return out;
}

Status SqliteDataStore::PurgeSubject(uint64_t id) {
  MutexLock lock(&mu_);
  PRIVET_RETURN_IF_ERROR(SetSynchronousLocked(Synchronous::kFull));
  sqlite::Transaction txn(*conn_);
  PRIVET_RETURN_IF_ERROR(txn.Begin("data store purge subject: begin"));
  PRIVET_RETURN_IF_ERROR(PurgeLocked(id));
  return txn.Commit("data store purge subject: commit");
}

Status SqliteDataStore::PurgeLocked(uint64_t id) {
  // Children first: they reference the subject.
  PRIVET_RETURN_IF_ERROR(rights_->Purge(id));
  for (Statement* stmt :
       {&purge_fields_, &purge_consents_, &purge_disclosures_, &purge_index_, &purge_subject_}) {
    ScopedReset reset(*stmt);
    stmt->BindInt64(1, ToDb(id));
    PRIVET_RETURN_IF_ERROR(Run(*stmt, "data store purge subject"));
  }
  return Status::Ok();
}

StatusOr<std::vector<AuditRecord>> SqliteDataStore::GetAuditEntries(uint64_t start,
                                                                    uint64_t limit) {
  MutexLock lock(&mu_);
  ScopedReset reset(get_audit_);
  get_audit_.BindInt64(1, ToDb(start));
  get_audit_.BindInt64(2, static_cast<int64_t>(std::min<uint64_t>(limit, INT64_MAX)));
  std::vector<AuditRecord> out;
  int rc;
  while ((rc = get_audit_.Step()) == SQLITE_ROW) {
    out.push_back({.index = FromDb(get_audit_.ColumnInt64(0)), .entry = get_audit_.ColumnBlob(1)});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store read audit entries");
  return out;
}

StatusOr<std::vector<DisclosureRecord>> SqliteDataStore::GetDisclosures(uint64_t subject_id) {
  MutexLock lock(&read_mu_);
  ScopedReset reset(r_get_disclosures_);
  r_get_disclosures_.BindInt64(1, ToDb(subject_id));
  std::vector<DisclosureRecord> out;
  int rc;
  while ((rc = r_get_disclosures_.Step()) == SQLITE_ROW) {
    DisclosureRecord d{.subject_id = subject_id,
                       .seq = r_get_disclosures_.ColumnInt64(0),
                       .recipient = r_get_disclosures_.ColumnText(1),
                       .purpose = r_get_disclosures_.ColumnText(2),
                       .at = r_get_disclosures_.ColumnInt64(5),
                       .policy_version = static_cast<int>(r_get_disclosures_.ColumnInt64(6))};
    PRIVET_ASSIGN_OR_RETURN(d.categories, DecodeStringArray(r_get_disclosures_.ColumnText(3)));
    PRIVET_ASSIGN_OR_RETURN(d.evidence, DecodeStringArray(r_get_disclosures_.ColumnText(4)));
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store read disclosures");
  return out;
}

StatusOr<std::vector<TreeHeadRecord>> SqliteDataStore::GetTreeHeads() {
  MutexLock lock(&mu_);
  ScopedReset reset(get_tree_heads_);
  std::vector<TreeHeadRecord> out;
  int rc;
  while ((rc = get_tree_heads_.Step()) == SQLITE_ROW) {
    out.push_back({.tree_size = FromDb(get_tree_heads_.ColumnInt64(0)),
                   .root = get_tree_heads_.ColumnBlob(1),
                   .timestamp = get_tree_heads_.ColumnText(2),
                   .signature = get_tree_heads_.ColumnBlob(3)});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store read tree heads");
  return out;
}

Status SqliteDataStore::BackupTo(const std::string& path) {
  MutexLock lock(&mu_);
  return sqlite::BackupDatabase(conn_->db(), path, "data store backup");
}

}  // namespace

StatusOr<std::unique_ptr<DataStore>> OpenSqliteDataStore(const std::string& path) {
  const std::string schema =
      std::string(kDataSchema) + ";" + sqlite::RightsTables::kSchema + ";" +
      sqlite::RightsTables::kAggregateSubjects + ";" + sqlite::DeliveryTables::kSchema + ";" +
      sqlite::PolicyVersionTable::kSchema + ";" + sqlite::BreachTable::kSchema;
  PRIVET_ASSIGN_OR_RETURN(
      std::unique_ptr<sqlite::Connection> conn,
      sqlite::OpenStoreFile(
          path,
          {.label = "data store",
           .application_id = kDataApplicationId,
           .schema_version = kDataSchemaVersion,
           .schema_sql = schema,
           .upgrades = {sqlite::RightsTables::kSchema, sqlite::RightsTables::kAggregateSubjects,
                        kConsentRecipientUpgrade, sqlite::DeliveryTables::kSchema,
                        sqlite::PolicyVersionTable::kSchema, sqlite::BreachTable::kSchema,
                        kConsentStringTimesUpgrade, kConsentTextHashUpgrade}}));
  // A larger page cache than SQLite's 2 MiB default keeps hot subjects' pages in memory
  // instead of a pread per page (GetFields p99 budget: tens of microseconds).
  PRIVET_RETURN_IF_ERROR(conn->Exec(kCacheSizePragma, "data store " + path + ": cache_size"));
  auto store = std::make_unique<SqliteDataStore>(std::move(conn));
  PRIVET_RETURN_IF_ERROR(store->Prepare());
  PRIVET_RETURN_IF_ERROR(store->StartCheckpointer());
  return std::unique_ptr<DataStore>(std::move(store));
}

}  // namespace privet::store
