// The API key table in the SQLite key store file (see store/api_key_store.h).
#include <sqlite3.h>

#include "common/mutex.h"
#include "store/api_key_store.h"
#include "store/sqlite/key_store_sidecar.h"
#include "store/sqlite/sqlite_util.h"

namespace privet::store {
namespace {

using sqlite::ScopedReset;
using sqlite::SqliteStatus;
using sqlite::Statement;

constexpr char kWhat[] = "api keys";

constexpr char kApiKeySchema[] = R"sql(
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  principal TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID
)sql";

class SqliteApiKeyStore final : public ApiKeyStore {
 public:
  explicit SqliteApiKeyStore(std::unique_ptr<sqlite::SidecarDb> db) : db_(std::move(db)) {}

  Status Prepare() {
    MutexLock lock(&mu_);
    PRIVET_ASSIGN_OR_RETURN(
        put_, db_->Prepare("INSERT INTO api_keys VALUES (?1, ?2, ?3, ?4, ?5)", kWhat));
    PRIVET_ASSIGN_OR_RETURN(delete_, db_->Prepare("DELETE FROM api_keys WHERE id = ?1", kWhat));
    PRIVET_ASSIGN_OR_RETURN(list_,
                            db_->Prepare("SELECT id, secret_hash, principal, label, created_at "
                                         "FROM api_keys ORDER BY id",
                                         kWhat));
    return Status::Ok();
  }

  Status Put(const ApiKeyRecord& key) override {
    MutexLock lock(&mu_);
    ScopedReset reset(put_);
    put_.BindText(1, key.id);
    put_.BindBlob(2, key.secret_hash);
    put_.BindText(3, key.principal);
    put_.BindText(4, key.label);
    put_.BindInt64(5, key.created_at);
    int rc = put_.Step();
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "api keys: put");
    return Status::Ok();
  }

  Status Delete(std::string_view id) override {
    MutexLock lock(&mu_);
    ScopedReset reset(delete_);
    delete_.BindText(1, id);
    int rc = delete_.Step();
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "api keys: delete");
    if (sqlite3_changes(db_->db) == 0) return NotFound("no such API key", "id");
    return Status::Ok();
  }

  StatusOr<std::vector<ApiKeyRecord>> List() override {
    MutexLock lock(&mu_);
    ScopedReset reset(list_);
    std::vector<ApiKeyRecord> out;
    int rc;
    while ((rc = list_.Step()) == SQLITE_ROW) {
      out.push_back({.id = list_.ColumnText(0),
                     .secret_hash = list_.ColumnBlob(1),
                     .principal = list_.ColumnText(2),
                     .label = list_.ColumnText(3),
                     .created_at = list_.ColumnInt64(4)});
    }
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "api keys: list");
    return out;
  }

 private:
  Mutex mu_;
  std::unique_ptr<sqlite::SidecarDb> db_ GUARDED_BY(mu_);
  Statement put_ GUARDED_BY(mu_);
  Statement delete_ GUARDED_BY(mu_);
  Statement list_ GUARDED_BY(mu_);
};

}  // namespace

StatusOr<std::unique_ptr<ApiKeyStore>> OpenSqliteApiKeyStore(const std::string& path) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::SidecarDb> db,
                          sqlite::OpenKeyStoreSidecar(path, kApiKeySchema, kWhat));
  auto store = std::make_unique<SqliteApiKeyStore>(std::move(db));
  PRIVET_RETURN_IF_ERROR(store->Prepare());
  return std::unique_ptr<ApiKeyStore>(std::move(store));
}

}  // namespace privet::store
