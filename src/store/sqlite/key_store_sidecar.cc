#include "store/sqlite/key_store_sidecar.h"

namespace privet::store::sqlite {
namespace {
constexpr int32_t kKeyApplicationId = 0x5052564B;  // "PRVK": the key store's (sqlite_key_store.cc)
constexpr int kBusyTimeoutMs = 5000;
}  // namespace

StatusOr<Statement> SidecarDb::Prepare(const char* sql, const char* what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, what);
  return Statement(stmt);
}

StatusOr<std::unique_ptr<SidecarDb>> OpenKeyStoreSidecar(const std::string& path,
                                                         const char* schema_sql, const char* what) {
  auto db = std::make_unique<SidecarDb>();
  int rc =
      sqlite3_open_v2(path.c_str(), &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, std::string(what) + ": open key store");
  sqlite3_busy_timeout(db->db, kBusyTimeoutMs);
  {
    sqlite3_stmt* raw = nullptr;
    rc = sqlite3_prepare_v2(db->db, "PRAGMA application_id", -1, &raw, nullptr);
    Statement app_id(raw);
    if (rc != SQLITE_OK) return SqliteStatus(rc, std::string(what) + ": read key store id");
    if (app_id.Step() != SQLITE_ROW || app_id.ColumnInt(0) != kKeyApplicationId) {
      return Status(StatusCode::kDataLoss,
                    std::string(what) + ": " + path + " is not a privet key store");
    }
  }
  rc = sqlite3_exec(db->db, "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON", nullptr,
                    nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db->db, schema_sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, std::string(what) + ": create tables");
  return db;
}

}  // namespace privet::store::sqlite
