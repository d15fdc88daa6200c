// Subjects' password hashes and sessions in the SQLite key store file (store/account_store.h).
#include <sqlite3.h>

#include "common/mutex.h"
#include "store/account_store.h"
#include "store/sqlite/key_store_sidecar.h"
#include "store/sqlite/sqlite_util.h"

namespace privet::store {
namespace {

using sqlite::FromDb;
using sqlite::ScopedReset;
using sqlite::SqliteStatus;
using sqlite::Statement;
using sqlite::ToDb;

constexpr char kWhat[] = "accounts";

constexpr char kAccountSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS subject_passwords (
  subject_id INTEGER PRIMARY KEY,
  password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS subject_sessions (
  id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  subject_id INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subject_sessions_by_subject ON subject_sessions (subject_id)
)sql";

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(std::unique_ptr<sqlite::SidecarDb> db) : db_(std::move(db)) {}

  Status Prepare() {
    MutexLock lock(&mu_);
    PRIVET_ASSIGN_OR_RETURN(
        put_password_,
        db_->Prepare("INSERT OR REPLACE INTO subject_passwords VALUES (?1, ?2)", kWhat));
    PRIVET_ASSIGN_OR_RETURN(
        get_password_,
        db_->Prepare("SELECT password_hash FROM subject_passwords WHERE subject_id = ?1", kWhat));
    PRIVET_ASSIGN_OR_RETURN(
        put_session_, db_->Prepare("INSERT INTO subject_sessions VALUES (?1, ?2, ?3, ?4)", kWhat));
    PRIVET_ASSIGN_OR_RETURN(
        get_session_,
        db_->Prepare(
            "SELECT secret_hash, subject_id, expires_at FROM subject_sessions WHERE id = ?1",
            kWhat));
    PRIVET_ASSIGN_OR_RETURN(delete_session_,
                            db_->Prepare("DELETE FROM subject_sessions WHERE id = ?1", kWhat));
    PRIVET_ASSIGN_OR_RETURN(
        forget_password_,
        db_->Prepare("DELETE FROM subject_passwords WHERE subject_id = ?1", kWhat));
    PRIVET_ASSIGN_OR_RETURN(
        forget_sessions_,
        db_->Prepare("DELETE FROM subject_sessions WHERE subject_id = ?1", kWhat));
    return Status::Ok();
  }

  Status PutPassword(uint64_t subject_id, std::string_view password_hash) override {
    MutexLock lock(&mu_);
    ScopedReset reset(put_password_);
    put_password_.BindInt64(1, ToDb(subject_id));
    put_password_.BindText(2, password_hash);
    return Done(put_password_, "accounts: put password");
  }

  StatusOr<std::optional<std::string>> GetPassword(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    ScopedReset reset(get_password_);
    get_password_.BindInt64(1, ToDb(subject_id));
    int rc = get_password_.Step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(get_password_.ColumnText(0));
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "accounts: get password");
    return std::optional<std::string>();
  }

  Status PutSession(const SessionRecord& s) override {
    MutexLock lock(&mu_);
    ScopedReset reset(put_session_);
    put_session_.BindText(1, s.id);
    put_session_.BindBlob(2, s.secret_hash);
    put_session_.BindInt64(3, ToDb(s.subject_id));
    put_session_.BindInt64(4, s.expires_at);
    return Done(put_session_, "accounts: put session");
  }

  StatusOr<std::optional<SessionRecord>> GetSession(std::string_view id) override {
    MutexLock lock(&mu_);
    ScopedReset reset(get_session_);
    get_session_.BindText(1, id);
    int rc = get_session_.Step();
    if (rc == SQLITE_ROW) {
      return std::optional<SessionRecord>(
          SessionRecord{.id = std::string(id),
                        .secret_hash = get_session_.ColumnBlob(0),
                        .subject_id = FromDb(get_session_.ColumnInt64(1)),
                        .expires_at = get_session_.ColumnInt64(2)});
    }
    if (rc != SQLITE_DONE) return SqliteStatus(rc, "accounts: get session");
    return std::optional<SessionRecord>();
  }

  Status DeleteSession(std::string_view id) override {
    MutexLock lock(&mu_);
    ScopedReset reset(delete_session_);
    delete_session_.BindText(1, id);
    return Done(delete_session_, "accounts: delete session");
  }

  Status ForgetSubject(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    {
      ScopedReset reset(forget_password_);
      forget_password_.BindInt64(1, ToDb(subject_id));
      PRIVET_RETURN_IF_ERROR(Done(forget_password_, "accounts: forget password"));
    }
    ScopedReset reset(forget_sessions_);
    forget_sessions_.BindInt64(1, ToDb(subject_id));
    return Done(forget_sessions_, "accounts: forget sessions");
  }

 private:
  static Status Done(Statement& stmt, std::string_view what) {
    int rc = stmt.Step();
    if (rc != SQLITE_DONE) return SqliteStatus(rc, what);
    return Status::Ok();
  }

  Mutex mu_;
  std::unique_ptr<sqlite::SidecarDb> db_ GUARDED_BY(mu_);
  Statement put_password_ GUARDED_BY(mu_);
  Statement get_password_ GUARDED_BY(mu_);
  Statement put_session_ GUARDED_BY(mu_);
  Statement get_session_ GUARDED_BY(mu_);
  Statement delete_session_ GUARDED_BY(mu_);
  Statement forget_password_ GUARDED_BY(mu_);
  Statement forget_sessions_ GUARDED_BY(mu_);
};

}  // namespace

StatusOr<std::unique_ptr<AccountStore>> OpenSqliteAccountStore(const std::string& path) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::SidecarDb> db,
                          sqlite::OpenKeyStoreSidecar(path, kAccountSchema, kWhat));
  auto store = std::make_unique<SqliteAccountStore>(std::move(db));
  PRIVET_RETURN_IF_ERROR(store->Prepare());
  return std::unique_ptr<AccountStore>(std::move(store));
}

}  // namespace privet::store
