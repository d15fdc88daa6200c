#include "store/sqlite/sqlite_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

namespace privet::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;

std::string Message(int rc, std::string_view what) {
  std::string out(what);
  out += ": ";
  out += sqlite3_errstr(rc);
  return out;
}

// Reads a single integer from a query such as "PRAGMA user_version".
StatusOr<int64_t> QueryInt(sqlite3* db, const char* sql, std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Statement stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, what);
  rc = stmt.Step();
  if (rc != SQLITE_ROW) return SqliteStatus(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, what);
  return stmt.ColumnInt64(0);
}

StatusOr<std::string> QueryText(sqlite3* db, const char* sql, std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Statement stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, what);
  rc = stmt.Step();
  if (rc != SQLITE_ROW) return SqliteStatus(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, what);
  return stmt.ColumnText(0);
}

// "ok" as the only row, or DataLoss.
Status QuickCheck(sqlite3* db, std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &raw, nullptr);
  Statement stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, what);
  bool ok = false;
  int rows = 0;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    ++rows;
    ok = stmt.ColumnText(0) == "ok";
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, what);
  if (!ok || rows != 1) return SqliteStatus(SQLITE_CORRUPT, what);
  return Status::Ok();
}

struct Header {
  int64_t application_id = 0;
  int64_t user_version = 0;
  int64_t objects = 0;  // rows of sqlite_schema
  bool fresh() const { return application_id == 0 && user_version == 0 && objects == 0; }
};

StatusOr<Header> ReadHeader(sqlite3* db, std::string_view what) {
  Header h;
  PRIVET_ASSIGN_OR_RETURN(h.application_id, QueryInt(db, "PRAGMA application_id", what));
  PRIVET_ASSIGN_OR_RETURN(h.user_version, QueryInt(db, "PRAGMA user_version", what));
  PRIVET_ASSIGN_OR_RETURN(h.objects, QueryInt(db, "SELECT count(*) FROM sqlite_master", what));
  return h;
}

// Brings an older file up to format.schema_version in one transaction (all upgrades or none).
Status Upgrade(Connection& conn, const StoreFormat& format, const std::string& what) {
  PRIVET_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE", what + ": upgrade schema"));
  Status status = [&]() -> Status {
    PRIVET_ASSIGN_OR_RETURN(Header header,
                            ReadHeader(conn.db(), what + ": read header"));  // may have moved on
    for (int64_t v = header.user_version; v >= 1 && v < format.schema_version; ++v) {
      PRIVET_RETURN_IF_ERROR(
          conn.Exec(std::string(format.upgrades[v - 1]).c_str(), what + ": upgrade schema"));
    }
    std::string version = "PRAGMA user_version=" + std::to_string(format.schema_version);
    return conn.Exec(version.c_str(), what + ": upgrade schema");
  }();
  if (status.ok()) status = conn.Exec("COMMIT", what + ": upgrade schema");
  if (!status.ok() && !sqlite3_get_autocommit(conn.db()))
    (void)conn.Exec("ROLLBACK", what + ": rollback");
  return status;
}

}  // namespace

Status SqliteStatus(int rc, std::string_view what) {
  switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_ROWID:
      return Status(StatusCode::kAlreadyExists, Message(rc, what));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status(StatusCode::kInternal, Message(rc, what) + " (unexpected success code)");
    case SQLITE_CONSTRAINT:
      return Status(StatusCode::kFailedPrecondition, Message(rc, what));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
      return Status(StatusCode::kDataLoss, Message(rc, what));
    case SQLITE_FULL:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(StatusCode::kUnavailable, Message(rc, what));
    case SQLITE_TOOBIG:
      return Status(StatusCode::kResourceExhausted, Message(rc, what));
    default:  // IOERR, CANTOPEN, NOMEM, READONLY, MISUSE, ...
      return Status(StatusCode::kInternal, Message(rc, what));
  }
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

void Statement::BindText(int index, std::string_view value) {
  // A non-null pointer makes an empty value '' rather than NULL.
  static constexpr char kEmpty[] = "";
  Check(sqlite3_bind_text64(stmt_, index, value.empty() ? kEmpty : value.data(), value.size(),
                            SQLITE_STATIC, SQLITE_UTF8));
}

void Statement::BindBlob(int index, std::string_view value) {
  static constexpr char kEmpty[] = "";
  Check(sqlite3_bind_blob64(stmt_, index, value.empty() ? kEmpty : value.data(), value.size(),
                            SQLITE_STATIC));
}

int Statement::Step() {
  if (bind_error_ != SQLITE_OK) return bind_error_;
  return sqlite3_step(stmt_);
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

std::string Statement::ColumnText(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}

std::string Statement::ColumnBlob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}

Connection::~Connection() {
  // Statements first: sqlite3_close_v2 would otherwise defer the close until they are gone.
  begin_ = Statement();
  commit_ = Statement();
  rollback_ = Statement();
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, what);
  return Status::Ok();
}

StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, std::string(label_) + " prepare");
  return stmt;
}

Status Connection::PrepareTransactionStatements() {
  PRIVET_ASSIGN_OR_RETURN(begin_, Prepare("BEGIN IMMEDIATE"));
  PRIVET_ASSIGN_OR_RETURN(commit_, Prepare("COMMIT"));
  PRIVET_ASSIGN_OR_RETURN(rollback_, Prepare("ROLLBACK"));
  return Status::Ok();
}

StatusOr<std::unique_ptr<Connection>> OpenStoreFile(const std::string& path,
                                                    const StoreFormat& format) {
  const std::string what = std::string(format.label) + " " + path;
  // The file holds sealed personal data and wrapped keys: owner only. SQLite would create it
  // 0644 (less the umask); made here 0600 first, and an older file made so again. Its -wal and
  // -shm files take the database file's mode (SQLite's unix VFS), so they are 0600 too.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Internal(what + ": cannot open: " + std::generic_category().message(errno));
  const int chmod_rc = ::fchmod(fd, 0600);
  const int chmod_errno = errno;
  ::close(fd);
  if (chmod_rc != 0) {
    return Internal(what +
                    ": cannot make it owner-only: " + std::generic_category().message(chmod_errno));
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return SqliteStatus(rc, what + ": open");
  }
  std::unique_ptr<Connection> conn(new Connection(db, path, std::string(format.label)));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (format.secure_delete) {
    PRIVET_RETURN_IF_ERROR(conn->Exec("PRAGMA secure_delete=ON", what + ": secure_delete"));
  }

  // Read before writing anything, so a foreign or damaged file is left untouched.
  PRIVET_ASSIGN_OR_RETURN(Header header, ReadHeader(db, what + ": read header"));
  if (header.fresh()) {
    PRIVET_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL", what + ": journal_mode"));
    PRIVET_RETURN_IF_ERROR(conn->Exec("BEGIN IMMEDIATE", what + ": create schema"));
    // Another process may have created the schema while we were not holding the lock.
    StatusOr<Header> again = ReadHeader(db, what + ": read header");
    Status status = again.ok() ? Status::Ok() : again.status();
    if (status.ok() && again->fresh()) {
      std::string sql(format.schema_sql);
      sql += "; PRAGMA application_id=" + std::to_string(format.application_id) +
             "; PRAGMA user_version=" + std::to_string(format.schema_version) + ";";
      status = conn->Exec(sql.c_str(), what + ": create schema");
    }
    if (status.ok()) status = conn->Exec("COMMIT", what + ": create schema");
    if (!status.ok()) {
      if (!sqlite3_get_autocommit(db)) (void)conn->Exec("ROLLBACK", what + ": rollback");
      return status;
    }
    PRIVET_ASSIGN_OR_RETURN(header, ReadHeader(db, what + ": read header"));
  }
  if (header.application_id != format.application_id) {
    return Status(StatusCode::kDataLoss,
                  what + ": not a privet " + std::string(format.label) + " file");
  }
  if (header.user_version >= 1 && header.user_version < format.schema_version &&
      static_cast<size_t>(format.schema_version - 1) <= format.upgrades.size()) {
    PRIVET_RETURN_IF_ERROR(Upgrade(*conn, format, what));
    PRIVET_ASSIGN_OR_RETURN(header, ReadHeader(db, what + ": read header"));
  }
  if (header.user_version != format.schema_version) {
    return Status(StatusCode::kDataLoss, what + ": unknown schema version " +
                                             std::to_string(header.user_version) + " (expected " +
                                             std::to_string(format.schema_version) + ")");
  }

  PRIVET_ASSIGN_OR_RETURN(std::string mode,
                          QueryText(db, "PRAGMA journal_mode=WAL", what + ": WAL"));
  if (mode != "wal") {
    return Status(StatusCode::kUnavailable, what + ": cannot switch to WAL mode");
  }
  PRIVET_RETURN_IF_ERROR(
      conn->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", what + ": pragmas"));
  PRIVET_RETURN_IF_ERROR(QuickCheck(db, what + ": quick_check"));
  PRIVET_RETURN_IF_ERROR(conn->PrepareTransactionStatements());
  return conn;
}

Transaction::~Transaction() {
  if (active_ && !sqlite3_get_autocommit(conn_.db())) {
    conn_.rollback_.Step();
    conn_.rollback_.Reset();
  }
}

Status Transaction::Begin(std::string_view what) {
  int rc = conn_.begin_.Step();
  conn_.begin_.Reset();
  if (rc != SQLITE_DONE) return SqliteStatus(rc, what);
  active_ = true;
  return Status::Ok();
}

Status Transaction::Commit(std::string_view what) {
  int rc = conn_.commit_.Step();
  conn_.commit_.Reset();
  if (rc != SQLITE_DONE) return SqliteStatus(rc, what);  // the destructor rolls back
  active_ = false;
  return Status::Ok();
}

StatusOr<std::unique_ptr<Connection>> OpenReader(const Connection& writer) {
  const std::string what = std::string(writer.label()) + " " + writer.path() + " (reader)";
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(writer.path().c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return SqliteStatus(rc, what + ": open");
  }
  std::unique_ptr<Connection> conn(new Connection(db, writer.path(), std::string(writer.label())));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  PRIVET_RETURN_IF_ERROR(conn->Exec("PRAGMA cache_size=-65536", what + ": cache_size"));
  return conn;
}

Status BackupDatabase(sqlite3* db, const std::string& path, std::string_view what) {
  // Create the file exclusively so an existing file (or a racing backup) is never overwritten.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return Status(StatusCode::kAlreadyExists,
                    std::string(what) + ": " + path + " already exists");
    return Internal(std::string(what) + ": cannot create " + path + ": " +
                    std::generic_category().message(errno));
  }
  ::close(fd);
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", db, "main");
    if (backup == nullptr) {
      rc = sqlite3_errcode(dest);
    } else {
      rc = sqlite3_backup_step(backup, -1);
      const int finish = sqlite3_backup_finish(backup);
      rc = rc == SQLITE_DONE ? finish : rc;
    }
  }
  sqlite3_close_v2(dest);
  if (rc != SQLITE_OK) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return SqliteStatus(rc, std::string(what) + " to " + path);
  }
  return Status::Ok();
}

// Encoding uses nlohmann::json; decoding takes a fast path for the common case (no escapes, no
// whitespace) and falls back to the parser.
StatusOr<std::string> EncodeStringArray(const std::vector<std::string>& purposes) {
  try {
    return nlohmann::json(purposes).dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("a list item is not valid UTF-8", "purposes");
  }
}

namespace {

bool DecodeStringArrayFast(std::string_view text, std::vector<std::string>& out) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  if (text.find('\\') != std::string_view::npos) return false;
  size_t i = 1;
  const size_t end = text.size() - 1;
  if (i == end) return true;
  while (true) {
    if (text[i] != '"') return false;
    size_t close = text.find('"', i + 1);
    if (close == std::string_view::npos || close >= end) return false;
    out.emplace_back(text.substr(i + 1, close - i - 1));
    i = close + 1;
    if (i == end) return true;
    if (text[i] != ',') return false;
    ++i;
  }
}

}  // namespace

StatusOr<std::vector<std::string>> DecodeStringArray(std::string_view text) {
  std::vector<std::string> out;
  if (DecodeStringArrayFast(text, out)) return out;
  out.clear();
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    out = j.get<std::vector<std::string>>();
    return out;
  } catch (const nlohmann::json::exception&) {
    return Status(StatusCode::kDataLoss,
                  "data store: a list column is not a JSON array of strings");
  }
}

}  // namespace privet::store::sqlite
