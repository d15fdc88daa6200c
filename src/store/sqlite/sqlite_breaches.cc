#include "store/sqlite/sqlite_breaches.h"

namespace privet::store::sqlite {

// No foreign key: a breach belongs to no subject (the document counts them, never names them).
// Ids and `notices_through` hold uint64 values' int64 bit patterns, as subjects.id does.
const char BreachTable::kSchema[] = R"sql(
CREATE TABLE breaches (
  id INTEGER PRIMARY KEY,
  recorded_at INTEGER NOT NULL,
  document TEXT NOT NULL,
  notices_pending INTEGER NOT NULL,
  notices_through INTEGER NOT NULL
);
CREATE TABLE breach_affected (
  breach_id INTEGER PRIMARY KEY,
  affected BLOB NOT NULL
)
)sql";

Status BreachTable::Prepare() {
  PRIVET_ASSIGN_OR_RETURN(
      put_, conn_.Prepare("INSERT OR REPLACE INTO breaches (id, recorded_at, document,"
                          " notices_pending, notices_through) VALUES (?, ?, ?, ?, ?)"));
  PRIVET_ASSIGN_OR_RETURN(
      put_affected_,
      conn_.Prepare("INSERT INTO breach_affected (breach_id, affected) VALUES (?, ?)"));
  PRIVET_ASSIGN_OR_RETURN(
      get_affected_, conn_.Prepare("SELECT affected FROM breach_affected WHERE breach_id = ?"));
  PRIVET_ASSIGN_OR_RETURN(get_all_,
                          conn_.Prepare("SELECT id, recorded_at, document, notices_pending,"
                                        " notices_through FROM breaches"));
  return Status::Ok();
}

Status BreachTable::Put(const BreachRecord& b) {
  ScopedReset reset(put_);
  put_.BindInt64(1, ToDb(b.id));
  put_.BindInt64(2, b.recorded_at);
  put_.BindText(3, b.document);
  put_.BindInt64(4, b.notices_pending ? 1 : 0);
  put_.BindInt64(5, ToDb(b.notices_through));
  if (int rc = put_.Step(); rc != SQLITE_DONE)
    return SqliteStatus(rc, "data store apply: put breach");
  return Status::Ok();
}

Status BreachTable::PutAffected(uint64_t breach_id, const std::string& affected) {
  ScopedReset reset(put_affected_);
  put_affected_.BindInt64(1, ToDb(breach_id));
  put_affected_.BindBlob(2, affected);
  if (int rc = put_affected_.Step(); rc != SQLITE_DONE)
    return SqliteStatus(rc, "data store apply: put breach affected");
  return Status::Ok();
}

StatusOr<std::string> BreachTable::GetAffected(uint64_t breach_id) {
  ScopedReset reset(get_affected_);
  get_affected_.BindInt64(1, ToDb(breach_id));
  const int rc = get_affected_.Step();
  if (rc == SQLITE_ROW) return get_affected_.ColumnBlob(0);
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store read breach affected");
  return Status(StatusCode::kNotFound, "no affected subjects recorded for the breach");
}

StatusOr<std::vector<BreachRecord>> BreachTable::GetAll() {
  ScopedReset reset(get_all_);
  std::vector<BreachRecord> out;
  int rc;
  while ((rc = get_all_.Step()) == SQLITE_ROW) {
    out.push_back({.id = FromDb(get_all_.ColumnInt64(0)),
                   .recorded_at = get_all_.ColumnInt64(1),
                   .document = get_all_.ColumnText(2),
                   .notices_pending = get_all_.ColumnInt64(3) != 0,
                   .notices_through = FromDb(get_all_.ColumnInt64(4))});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store read breaches");
  return out;
}

}  // namespace privet::store::sqlite
