#include "store/sqlite/sqlite_policy_versions.h"

#include <algorithm>
#include <limits>

namespace privet::store::sqlite {

// No foreign key: a version belongs to no subject. `notices_through` holds a subject id's int64
// bit pattern, as subjects.id does.
const char PolicyVersionTable::kSchema[] = R"sql(
CREATE TABLE policy_versions (
  version INTEGER PRIMARY KEY,
  effective INTEGER NOT NULL,
  text TEXT NOT NULL,
  hash TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  published_by TEXT NOT NULL,
  classification TEXT NOT NULL,
  changes TEXT NOT NULL,
  notices_pending INTEGER NOT NULL,
  notices_through INTEGER NOT NULL
)
)sql";

Status PolicyVersionTable::Prepare() {
  PRIVET_ASSIGN_OR_RETURN(
      put_, conn_.Prepare("INSERT INTO policy_versions (version, effective, text, hash,"
                          " published_at, published_by, classification, changes,"
                          " notices_pending, notices_through)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  PRIVET_ASSIGN_OR_RETURN(set_progress_,
                          conn_.Prepare("UPDATE policy_versions SET notices_through = ?,"
                                        " notices_pending = ? WHERE version = ?"));
  PRIVET_ASSIGN_OR_RETURN(
      get_all_, conn_.Prepare("SELECT version, effective, text, hash, published_at, published_by,"
                              " classification, changes, notices_pending, notices_through"
                              " FROM policy_versions ORDER BY version"));
  PRIVET_ASSIGN_OR_RETURN(
      list_subjects_,
      conn_.Prepare("SELECT id, kind, organization_id, tenant_id, created_at, policy_version,"
                    " sealed_profile FROM subjects WHERE (? = 1 OR id > ?) ORDER BY id LIMIT ?"));
  return Status::Ok();
}

Status PolicyVersionTable::Put(const PolicyVersionRecord& v) {
  ScopedReset reset(put_);
  put_.BindInt64(1, v.version);
  put_.BindInt64(2, v.effective);
  put_.BindText(3, v.text);
  put_.BindText(4, v.hash);
  put_.BindInt64(5, v.published_at);
  put_.BindText(6, v.published_by);
  put_.BindText(7, v.classification);
  put_.BindText(8, v.changes);
  put_.BindInt64(9, v.notices_pending ? 1 : 0);
  put_.BindInt64(10, ToDb(v.notices_through));
  if (int rc = put_.Step(); rc != SQLITE_DONE) {
    Status status = SqliteStatus(rc, "data store apply: put policy version");
    if (status.code() == StatusCode::kAlreadyExists)
      return Status(StatusCode::kAlreadyExists,
                    "data store apply: policy version already recorded");
    return status;
  }
  return Status::Ok();
}

Status PolicyVersionTable::SetNoticeProgress(int version, uint64_t notices_through,
                                             bool notices_pending) {
  ScopedReset reset(set_progress_);
  set_progress_.BindInt64(1, ToDb(notices_through));
  set_progress_.BindInt64(2, notices_pending ? 1 : 0);
  set_progress_.BindInt64(3, version);
  if (int rc = set_progress_.Step(); rc != SQLITE_DONE)
    return SqliteStatus(rc, "data store apply: policy notice progress");
  if (sqlite3_changes(conn_.db()) == 0)
    return Status(StatusCode::kFailedPrecondition, "data store apply: policy version not recorded");
  return Status::Ok();
}

StatusOr<std::vector<PolicyVersionRecord>> PolicyVersionTable::GetAll() {
  ScopedReset reset(get_all_);
  std::vector<PolicyVersionRecord> out;
  int rc;
  while ((rc = get_all_.Step()) == SQLITE_ROW) {
    out.push_back({.version = static_cast<int>(get_all_.ColumnInt64(0)),
                   .effective = get_all_.ColumnInt64(1),
                   .text = get_all_.ColumnText(2),
                   .hash = get_all_.ColumnText(3),
                   .published_at = get_all_.ColumnInt64(4),
                   .published_by = get_all_.ColumnText(5),
                   .classification = get_all_.ColumnText(6),
                   .changes = get_all_.ColumnText(7),
                   .notices_pending = get_all_.ColumnInt64(8) != 0,
                   .notices_through = FromDb(get_all_.ColumnInt64(9))});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store read policy versions");
  return out;
}

StatusOr<std::vector<SubjectRecord>> PolicyVersionTable::ListSubjects(uint64_t after,
                                                                      size_t limit) {
  ScopedReset reset(list_subjects_);
  list_subjects_.BindInt64(1, after == 0 ? 1 : 0);
  list_subjects_.BindInt64(2, ToDb(after));
  list_subjects_.BindInt64(
      3, static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max())));
  std::vector<SubjectRecord> out;
  int rc;
  while ((rc = list_subjects_.Step()) == SQLITE_ROW) {
    out.push_back({.id = FromDb(list_subjects_.ColumnInt64(0)),
                   .kind = list_subjects_.ColumnText(1),
                   .organization_id = FromDb(list_subjects_.ColumnInt64(2)),
                   .tenant_id = FromDb(list_subjects_.ColumnInt64(3)),
                   .created_at = list_subjects_.ColumnInt64(4),
                   .policy_version = static_cast<int>(list_subjects_.ColumnInt64(5)),
                   .sealed_profile = list_subjects_.ColumnBlob(6)});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, "data store list subjects");
  return out;
}

}  // namespace privet::store::sqlite
