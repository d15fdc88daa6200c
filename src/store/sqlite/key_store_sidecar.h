// Tables the server keeps in the key store file next to the key store's own (API keys,
// accounts): opening that file on a connection of their own, checking it is a privet key store,
// and creating the tables if missing. Private to src/store/sqlite/.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "privet/status.h"
#include "store/sqlite/sqlite_util.h"

namespace privet::store::sqlite {

// Owns the handle; declare Statements after it so they are finalized first.
struct SidecarDb {
  sqlite3* db = nullptr;
  ~SidecarDb() { sqlite3_close_v2(db); }
  StatusOr<Statement> Prepare(const char* sql, const char* what);
};

// Opens `path` (which must exist and carry the key store's application id) with
// synchronous=FULL and a busy timeout, then runs `schema_sql` (CREATE TABLE IF NOT EXISTS ...).
StatusOr<std::unique_ptr<SidecarDb>> OpenKeyStoreSidecar(const std::string& path,
                                                         const char* schema_sql, const char* what);

}  // namespace privet::store::sqlite
