// Small RAII helpers shared by the SQLite data store and key store: a connection that owns its
// sqlite3 handle, prepared statements that finalize themselves, a transaction that rolls back
// unless committed, the mapping from SQLite result codes to Status, and OpenStoreFile, which
// opens (or creates) a store file and refuses anything that is not the expected privet store.
//
// Error messages name the store, the operation and sqlite3_errstr(), never a row value: values
// may be personal data and messages end up in logs.
//
// Thread-safety: none of these types is thread-safe; each store guards its Connection and its
// Statements with one mutex. Private to src/store/sqlite/.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "privet/status.h"

namespace privet::store::sqlite {

// Ids are random uint64 values; SQLite integers are int64. The bit pattern is stored as is.
inline int64_t ToDb(uint64_t id) { return static_cast<int64_t>(id); }
inline uint64_t FromDb(int64_t id) { return static_cast<uint64_t>(id); }

// Maps an SQLite result code (primary or extended) to a Status whose message is
// "<what>: <sqlite3_errstr(rc)>". `what` names the store and the operation, e.g.
// "data store apply". Constraint violations on a primary key or unique index are
// AlreadyExists, other constraints FailedPrecondition; NOTADB/CORRUPT are DataLoss;
// FULL/BUSY/LOCKED are Unavailable; everything else Internal.
Status SqliteStatus(int rc, std::string_view what);

// A prepared statement, finalized on destruction. Column and parameter indexes are those of
// the SQLite C API (parameters from 1, columns from 0). Bind errors (e.g. SQLITE_TOOBIG) are
// remembered and returned by the next Step().
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), bind_error_(other.bind_error_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void BindInt64(int index, int64_t value) { Check(sqlite3_bind_int64(stmt_, index, value)); }
  // The bytes must stay alive until Reset() (the binding is SQLITE_STATIC).
  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  // Resets the statement and clears its bindings, ready for the next use.
  void Reset();

  int64_t ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }
  // The statement's SQL text, e.g. to prepare the same statement on another connection.
  const char* Sql() const { return sqlite3_sql(stmt_); }
  int ColumnInt(int column) const { return sqlite3_column_int(stmt_, column); }
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  }

  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = SQLITE_OK;
};

// Resets a cached statement when the scope ends, so that it never keeps a read transaction
// open or holds bindings to bytes that are about to die.
class ScopedReset {
 public:
  explicit ScopedReset(Statement& stmt) : stmt_(stmt) {}
  ~ScopedReset() { stmt_.Reset(); }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  Statement& stmt_;
};

// Runs a bound statement that returns no rows.
inline Status Run(Statement& stmt, std::string_view what) {
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE) return SqliteStatus(rc, what);
  return Status::Ok();
}

// Collects the rows of a bound statement through `row` (a function of the Statement), and
// resets it.
template <typename T, typename RowFn>
StatusOr<std::vector<T>> Collect(Statement& stmt, std::string_view what, RowFn row) {
  ScopedReset reset(stmt);
  std::vector<T> out;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) out.push_back(row(stmt));
  if (rc != SQLITE_DONE) return SqliteStatus(rc, what);
  return out;
}

// What a store file must be: OpenStoreFile creates it with `schema_sql` when the file is new
// or empty, and otherwise requires application_id and user_version to match.
struct StoreFormat {
  std::string_view label;  // "data store", "key store": used in messages
  int32_t application_id = 0;
  int schema_version = 0;
  std::string_view schema_sql;
  bool secure_delete = false;
  // Upgrades of older files, applied in order on open: upgrades[i] takes version i + 1 to i + 2.
  std::vector<std::string_view> upgrades;
};

// One open database file. Closing is sqlite3_close_v2 on destruction; Statements prepared on
// the connection must be destroyed first.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  std::string_view label() const { return label_; }

  // Runs one or more statements that return no rows of interest.
  Status Exec(const char* sql, std::string_view what);
  // Prepares a statement meant to be cached for the life of the connection.
  StatusOr<Statement> Prepare(std::string_view sql);

 private:
  friend StatusOr<std::unique_ptr<Connection>> OpenStoreFile(const std::string& path,
                                                             const StoreFormat& format);
  friend StatusOr<std::unique_ptr<Connection>> OpenReader(const Connection& writer);
  friend class Transaction;
  Connection(sqlite3* db, std::string path, std::string label)
      : db_(db), path_(std::move(path)), label_(std::move(label)) {}
  Status PrepareTransactionStatements();

  sqlite3* db_;
  std::string path_;
  std::string label_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
};

// Opens the store file at `path` (creating it and its schema when it does not exist or is
// empty) in WAL mode with synchronous=FULL, foreign keys on and a busy timeout, then runs
// PRAGMA quick_check. A file that is not SQLite, is corrupt or truncated, belongs to another
// application or has another schema version is DataLoss naming the path; nothing is written
// to such a file.
StatusOr<std::unique_ptr<Connection>> OpenStoreFile(const std::string& path,
                                                    const StoreFormat& format);

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless Commit() succeeded, so no early
// return (or exception) leaves a transaction open.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin(std::string_view what);
  Status Commit(std::string_view what);

 private:
  Connection& conn_;
  bool active_ = false;
};

// A second, read-only connection to the file `writer` has open (WAL lets it read while the
// writer commits), with the same page cache size. For the hot read paths.
StatusOr<std::unique_ptr<Connection>> OpenReader(const Connection& writer);

// A consistent copy of `db` into a new file at `path` (sqlite3 backup API), created 0600 and
// exclusively: an existing file is AlreadyExists and never overwritten. On failure the partial
// file is removed. The caller holds whatever lock guards `db`.
Status BackupDatabase(sqlite3* db, const std::string& path, std::string_view what);

// Lists of ids (purposes, categories, evidence) are stored as a JSON array of strings.
// InvalidArgument for an item that is not UTF-8; DataLoss for a stored value that is no such array.
StatusOr<std::string> EncodeStringArray(const std::vector<std::string>& items);
StatusOr<std::vector<std::string>> DecodeStringArray(std::string_view text);

}  // namespace privet::store::sqlite
