// The SQLite KeyStore: wrapped subject keys and a few named values, in a file of their own
// (never inside the data file, so a backup of the data holds no keys).
//
// The file runs with secure_delete=ON: SQLite overwrites deleted content with zeros. In WAL
// mode the old page images stay in the database file and the -wal file until a checkpoint copies
// the zeroed pages into the database file, and the -wal file is only emptied by truncating it:
// wal_checkpoint(TRUNCATE), the "scrub" below.
//
// Erasure splits that work in two so that Vault::Erase waits for one durable commit only:
//  - DestroyWrappedKey commits the deletion (and the pending-purge note) durably: one fsync, two
//    when the WAL was just truncated (SQLite syncs a restarted WAL's header). From then on the key
//    cannot be read back, also after a crash or power loss.
//  - PurgeDone, called by the vault's background purger once the subject's rows are gone, first
//    scrubs (checkpoint and truncate: an fsync of the WAL, one of the database file) if a key was
//    destroyed since the last scrub, then drops the note. When the pending purge is gone, the key
//    bytes are gone from disk; tests wait for that (PendingPurges() empty, or the vault closed).
// A crash in between leaves the note, so the purge and the scrub are redone at the next open.
// DestroyWrappedKeys and RewrapAll scrub before they return, as before.
//
// Between scrubs, WAL checkpoints run in the background (wal_checkpointer.h), not inside an
// erasure's commit: a burst of erasures grows the WAL by a few frames each.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "store/sqlite/sqlite_util.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/store.h"

namespace privet::store {
namespace {

using sqlite::FromDb;
using sqlite::Run;
using sqlite::ScopedReset;
using sqlite::SqliteStatus;
using sqlite::Statement;
using sqlite::ToDb;

constexpr int32_t kKeyApplicationId = 0x5052564B;  // "PRVK"
constexpr int kKeySchemaVersion = 1;
constexpr int kRewrapChunk = 512;  // keys read per query during RewrapAll

constexpr char kKeySchema[] = R"sql(
CREATE TABLE keys (
  subject_id INTEGER PRIMARY KEY,
  wrapped BLOB NOT NULL
);
CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE pending_purges (
  subject_id INTEGER PRIMARY KEY
)
)sql";

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(std::unique_ptr<sqlite::Connection> conn) : conn_(std::move(conn)) {}
  Status Prepare();
  Status StartCheckpointer() {
    MutexLock lock(&mu_);
    PRIVET_ASSIGN_OR_RETURN(checkpointer_, sqlite::WalCheckpointer::Start(*conn_, {}));
    return Status::Ok();
  }

  Status PutWrappedKey(uint64_t subject_id, std::string_view wrapped) override;
  Status PutWrappedKeys(const std::vector<std::pair<uint64_t, std::string>>& keys) override;
  StatusOr<std::optional<std::string>> GetWrappedKey(uint64_t subject_id) override;
  Status DestroyWrappedKey(uint64_t subject_id) override;
  Status DestroyWrappedKeys(const std::vector<uint64_t>& subject_ids) override;
  StatusOr<std::vector<uint64_t>> PendingPurges() override;
  Status PurgeDone(uint64_t subject_id) override;
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, std::string_view value) override;
  Status BackupTo(const std::string& path) override {
    MutexLock lock(&mu_);
    return sqlite::BackupDatabase(conn_->db(), path, "key store backup");
  }
  Status RewrapAll(const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
                   const std::function<StatusOr<std::string>(std::string_view, std::string_view)>&
                       rewrap_meta) override;

 private:
  Status InsertKeyLocked(uint64_t subject_id, std::string_view wrapped) REQUIRES(mu_);
  Status RewrapLocked(
      const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
      const std::function<StatusOr<std::string>(std::string_view, std::string_view)>& rewrap_meta)
      REQUIRES(mu_);
  // Copies the WAL into the database file and truncates the WAL to zero bytes.
  Status CheckpointTruncateLocked(std::string_view what) REQUIRES(mu_);
  // Runs `body` (under mu_) in one transaction committed without an fsync (synchronous=NORMAL):
  // for writes whose loss in a power failure only repeats idempotent work.
  Status CommitUnsyncedLocked(std::string_view what, const std::function<Status()>& body)
      REQUIRES(mu_);

  Mutex mu_;
  // Guarded by mu_: the connection and every cached statement below.
  std::unique_ptr<sqlite::Connection> conn_ GUARDED_BY(mu_);
  Statement insert_key_ GUARDED_BY(mu_);
  Statement get_key_ GUARDED_BY(mu_);
  Statement delete_key_ GUARDED_BY(mu_);
  Statement update_key_ GUARDED_BY(mu_);
  Statement scan_keys_ GUARDED_BY(mu_);
  Statement get_meta_ GUARDED_BY(mu_);
  Statement put_meta_ GUARDED_BY(mu_);
  Statement scan_meta_ GUARDED_BY(mu_);
  Statement add_pending_ GUARDED_BY(mu_);
  Statement list_pending_ GUARDED_BY(mu_);
  Statement remove_pending_ GUARDED_BY(mu_);
  Statement sync_normal_ GUARDED_BY(mu_);
  Statement sync_full_ GUARDED_BY(mu_);
  // A key was destroyed and not yet scrubbed from disk. True at open: a crash may have left one.
  bool unscrubbed_ GUARDED_BY(mu_) = true;
  // Declared last, so it stops (and closes its connection) before conn_ closes.
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_ GUARDED_BY(mu_);
};

Status SqliteKeyStore::Prepare() {
  MutexLock lock(&mu_);
  struct {
    Statement* stmt;
    const char* sql;
  } const kStatements[] = {
      {&insert_key_, "INSERT INTO keys (subject_id, wrapped) VALUES (?, ?)"},
      {&get_key_, "SELECT wrapped FROM keys WHERE subject_id = ?"},
      {&delete_key_, "DELETE FROM keys WHERE subject_id = ?"},
      {&update_key_, "UPDATE keys SET wrapped = ? WHERE subject_id = ?"},
      {&scan_keys_,
       "SELECT subject_id, wrapped FROM keys WHERE subject_id >= ? ORDER BY subject_id LIMIT ?"},
      {&get_meta_, "SELECT value FROM meta WHERE name = ?"},
      {&put_meta_, "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)"},
      {&scan_meta_, "SELECT name, value FROM meta ORDER BY name"},
      {&add_pending_, "INSERT OR IGNORE INTO pending_purges (subject_id) VALUES (?)"},
      {&list_pending_, "SELECT subject_id FROM pending_purges ORDER BY subject_id"},
      {&remove_pending_, "DELETE FROM pending_purges WHERE subject_id = ?"},
      {&sync_normal_, "PRAGMA synchronous = NORMAL"},
      {&sync_full_, "PRAGMA synchronous = FULL"},
  };
  for (const auto& s : kStatements) {
    PRIVET_ASSIGN_OR_RETURN(*s.stmt, conn_->Prepare(s.sql));
  }
  return Status::Ok();
}

Status SqliteKeyStore::PutWrappedKey(uint64_t subject_id, std::string_view wrapped) {
  MutexLock lock(&mu_);
  return InsertKeyLocked(subject_id, wrapped);
}

Status SqliteKeyStore::PutWrappedKeys(const std::vector<std::pair<uint64_t, std::string>>& keys) {
  if (keys.empty()) return Status::Ok();
  MutexLock lock(&mu_);
  sqlite::Transaction txn(*conn_);
  PRIVET_RETURN_IF_ERROR(txn.Begin("key store put wrapped keys: begin"));
  for (const auto& [subject_id, wrapped] : keys) {
    PRIVET_RETURN_IF_ERROR(InsertKeyLocked(subject_id, wrapped));
  }
  return txn.Commit("key store put wrapped keys: commit");
}

Status SqliteKeyStore::InsertKeyLocked(uint64_t subject_id, std::string_view wrapped) {
  ScopedReset reset(insert_key_);
  insert_key_.BindInt64(1, ToDb(subject_id));
  insert_key_.BindBlob(2, wrapped);
  int rc = insert_key_.Step();
  if (rc == SQLITE_DONE) return Status::Ok();
  Status status = SqliteStatus(rc, "key store put wrapped key");
  if (status.code() == StatusCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, "key store: the subject already has a key");
  }
  return status;
}

StatusOr<std::optional<std::string>> SqliteKeyStore::GetWrappedKey(uint64_t subject_id) {
  MutexLock lock(&mu_);
  ScopedReset reset(get_key_);
  get_key_.BindInt64(1, ToDb(subject_id));
  int rc = get_key_.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return SqliteStatus(rc, "key store get wrapped key");
  return std::optional<std::string>(get_key_.ColumnBlob(0));
}

Status SqliteKeyStore::DestroyWrappedKey(uint64_t subject_id) {
  MutexLock lock(&mu_);
  // The key goes and the purge of the subject's rows is remembered, in one durable transaction
  // (synchronous=FULL). The scrub of the key's old page images waits for PurgeDone (see the top
  // of this file): it costs two more fsyncs, which Erase no longer waits for.
  sqlite::Transaction txn(*conn_);
  PRIVET_RETURN_IF_ERROR(txn.Begin("key store destroy wrapped key: begin"));
  {
    ScopedReset reset(delete_key_);
    delete_key_.BindInt64(1, ToDb(subject_id));
    PRIVET_RETURN_IF_ERROR(Run(delete_key_, "key store destroy wrapped key"));
  }
  {
    ScopedReset reset(add_pending_);
    add_pending_.BindInt64(1, ToDb(subject_id));
    PRIVET_RETURN_IF_ERROR(Run(add_pending_, "key store destroy wrapped key: pending purge"));
  }
  // Set before the commit: if the commit fails after writing part of the WAL, a scrub is due too.
  unscrubbed_ = true;
  return txn.Commit("key store destroy wrapped key: commit");
}

Status SqliteKeyStore::DestroyWrappedKeys(const std::vector<uint64_t>& subject_ids) {
  MutexLock lock(&mu_);
  {
    sqlite::Transaction txn(*conn_);
    PRIVET_RETURN_IF_ERROR(txn.Begin("key store destroy wrapped keys: begin"));
    for (uint64_t subject_id : subject_ids) {
      ScopedReset reset(delete_key_);
      delete_key_.BindInt64(1, ToDb(subject_id));
      PRIVET_RETURN_IF_ERROR(Run(delete_key_, "key store destroy wrapped keys"));
    }
    PRIVET_RETURN_IF_ERROR(txn.Commit("key store destroy wrapped keys: commit"));
  }
  return CheckpointTruncateLocked("key store destroy wrapped keys: checkpoint");
}

StatusOr<std::vector<uint64_t>> SqliteKeyStore::PendingPurges() {
  MutexLock lock(&mu_);
  ScopedReset reset(list_pending_);
  std::vector<uint64_t> out;
  int rc;
  while ((rc = list_pending_.Step()) == SQLITE_ROW)
    out.push_back(FromDb(list_pending_.ColumnInt64(0)));
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "key store list pending purges");
  return out;
}

Status SqliteKeyStore::PurgeDone(uint64_t subject_id) {
  MutexLock lock(&mu_);
  // The scrub first: if it fails, the note stays and the next open retries both. One scrub
  // covers every key destroyed before it, so a burst of erasures scrubs once, not once each.
  if (unscrubbed_) {
    PRIVET_RETURN_IF_ERROR(CheckpointTruncateLocked("key store purge done: checkpoint"));
    unscrubbed_ = false;
  }
  // Dropping the note needs no fsync of its own: if a power failure undoes it, the next open
  // purges (and scrubs) again, which changes nothing. Committed after the truncation, it also
  // writes the new WAL's header, so the next erasure's commit does not pay for syncing it.
  return CommitUnsyncedLocked("key store purge done", [&]() -> Status {
    mu_.AssertHeld();  // CommitUnsyncedLocked runs it under mu_
    ScopedReset reset(remove_pending_);
    remove_pending_.BindInt64(1, ToDb(subject_id));
    return Run(remove_pending_, "key store purge done");
  });
}

Status SqliteKeyStore::CommitUnsyncedLocked(std::string_view what,
                                            const std::function<Status()>& body) {
  {
    ScopedReset reset(sync_normal_);
    PRIVET_RETURN_IF_ERROR(Run(sync_normal_, what));
  }
  Status applied = [&]() -> Status {
    mu_.AssertHeld();
    sqlite::Transaction txn(*conn_);
    PRIVET_RETURN_IF_ERROR(txn.Begin(what));
    PRIVET_RETURN_IF_ERROR(body());
    return txn.Commit(what);
  }();
  // Every other write of the key store must stay durable.
  ScopedReset reset(sync_full_);
  Status restored = Run(sync_full_, what);
  return applied.ok() ? restored : applied;
}

Status SqliteKeyStore::CheckpointTruncateLocked(std::string_view what) {
  int rc = SQLITE_BUSY;
  // A background checkpoint under way makes this one SQLITE_BUSY at once (SQLite does not wait
  // for the checkpoint lock); it takes a few milliseconds, so wait for it a little.
  for (int attempt = 0; attempt < 100 && rc == SQLITE_BUSY; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    int wal_frames = 0;
    int checkpointed = 0;
    rc = sqlite3_wal_checkpoint_v2(conn_->db(), "main", SQLITE_CHECKPOINT_TRUNCATE, &wal_frames,
                                   &checkpointed);
  }
  if (rc != SQLITE_OK) return SqliteStatus(rc, what);
  return Status::Ok();
}

StatusOr<std::optional<std::string>> SqliteKeyStore::GetMeta(std::string_view name) {
  MutexLock lock(&mu_);
  ScopedReset reset(get_meta_);
  get_meta_.BindText(1, name);
  int rc = get_meta_.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return SqliteStatus(rc, "key store get meta");
  return std::optional<std::string>(get_meta_.ColumnBlob(0));
}

Status SqliteKeyStore::PutMeta(std::string_view name, std::string_view value) {
  MutexLock lock(&mu_);
  ScopedReset reset(put_meta_);
  put_meta_.BindText(1, name);
  put_meta_.BindBlob(2, value);
  return Run(put_meta_, "key store put meta");
}

Status SqliteKeyStore::RewrapAll(
    const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
    const std::function<StatusOr<std::string>(std::string_view, std::string_view)>& rewrap_meta) {
  MutexLock lock(&mu_);
  PRIVET_RETURN_IF_ERROR(RewrapLocked(rewrap, rewrap_meta));
  // Best effort: the keys wrapped by the old master key are already overwritten in the
  // database (secure_delete); the checkpoint removes their old images from the WAL. The rewrap
  // itself is committed, so a busy checkpoint is not an error of RewrapAll; the next
  // DestroyWrappedKey or automatic checkpoint finishes it.
  (void)CheckpointTruncateLocked("key store rewrap: checkpoint");
  return Status::Ok();
}

Status SqliteKeyStore::RewrapLocked(
    const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
    const std::function<StatusOr<std::string>(std::string_view, std::string_view)>& rewrap_meta) {
  sqlite::Transaction txn(*conn_);
  PRIVET_RETURN_IF_ERROR(txn.Begin("key store rewrap: begin"));

  // Keys, in chunks so memory stays bounded and no cursor is open on a table being updated.
  int64_t next = std::numeric_limits<int64_t>::min();
  bool more = true;
  while (more) {
    std::vector<std::pair<int64_t, std::string>> chunk;
    {
      ScopedReset reset(scan_keys_);
      scan_keys_.BindInt64(1, next);
      scan_keys_.BindInt64(2, kRewrapChunk);
      int rc;
      while ((rc = scan_keys_.Step()) == SQLITE_ROW) {
        chunk.emplace_back(scan_keys_.ColumnInt64(0), scan_keys_.ColumnBlob(1));
      }
      if (rc != SQLITE_DONE) return SqliteStatus(rc, "key store rewrap: read keys");
    }
    more = chunk.size() == static_cast<size_t>(kRewrapChunk) &&
           chunk.back().first != std::numeric_limits<int64_t>::max();
    if (!chunk.empty()) next = chunk.back().first + (more ? 1 : 0);
    for (const auto& [id, old_wrapped] : chunk) {
      PRIVET_ASSIGN_OR_RETURN(std::string wrapped, rewrap(FromDb(id), old_wrapped));
      ScopedReset reset(update_key_);
      update_key_.BindBlob(1, wrapped);
      update_key_.BindInt64(2, id);
      PRIVET_RETURN_IF_ERROR(Run(update_key_, "key store rewrap: write key"));
    }
  }

  // Meta: a handful of rows.
  std::vector<std::pair<std::string, std::string>> meta;
  {
    ScopedReset reset(scan_meta_);
    int rc;
    while ((rc = scan_meta_.Step()) == SQLITE_ROW) {
      meta.emplace_back(scan_meta_.ColumnText(0), scan_meta_.ColumnBlob(1));
    }
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "key store rewrap: read meta");
  }
  for (const auto& [name, old_value] : meta) {
    PRIVET_ASSIGN_OR_RETURN(std::string value, rewrap_meta(name, old_value));
    ScopedReset reset(put_meta_);
    put_meta_.BindText(1, name);
    put_meta_.BindBlob(2, value);
    PRIVET_RETURN_IF_ERROR(Run(put_meta_, "key store rewrap: write meta"));
  }
  return txn.Commit("key store rewrap: commit");
}

}  // namespace

StatusOr<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& path) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> conn,
                          sqlite::OpenStoreFile(path, {.label = "key store",
                                                       .application_id = kKeyApplicationId,
                                                       .schema_version = kKeySchemaVersion,
                                                       .schema_sql = kKeySchema,
                                                       .secure_delete = true}));
  auto store = std::make_unique<SqliteKeyStore>(std::move(conn));
  PRIVET_RETURN_IF_ERROR(store->Prepare());
  PRIVET_RETURN_IF_ERROR(store->StartCheckpointer());
  return std::unique_ptr<KeyStore>(std::move(store));
}

}  // namespace privet::store
