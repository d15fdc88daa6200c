#include "store/sqlite/sqlite_rights_tables.h"

#include <nlohmann/json.hpp>

namespace privet::store::sqlite {
namespace {

RequestRecord RequestRow(const Statement& s) {
  return {.id = FromDb(s.ColumnInt64(0)),
          .subject_id = FromDb(s.ColumnInt64(1)),
          .open = s.ColumnInt64(2) != 0,
          .due_at = s.ColumnInt64(3),
          .document = s.ColumnText(4)};
}

LegalHoldRecord HoldRow(const Statement& s) {
  return {.subject_id = FromDb(s.ColumnInt64(0)),
          .rule = s.ColumnText(1),
          .ground = s.ColumnText(2),
          .placed_at = s.ColumnInt64(3)};
}

LifecycleEventRecord LifecycleRow(const Statement& s) {
  return {.subject_id = FromDb(s.ColumnInt64(0)), .event = s.ColumnText(1), .at = s.ColumnInt64(2)};
}

}  // namespace

// Requests and aggregates have no foreign key to subjects: a request outlives the erasure it
// carried out, and aggregates belong to no one. Subject 0 in lifecycle_events is "everyone".
const char RightsTables::kSchema[] = R"sql(
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  subject_id INTEGER NOT NULL,
  open INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  document TEXT NOT NULL
);
CREATE INDEX requests_by_subject ON requests (subject_id);
CREATE INDEX open_requests_by_due ON requests (due_at) WHERE open = 1;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  organization_id INTEGER NOT NULL,
  topic TEXT NOT NULL,
  sealed_body BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX outbox_by_subject ON outbox (subject_id);
CREATE TABLE legal_holds (
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  rule TEXT NOT NULL,
  ground TEXT NOT NULL,
  placed_at INTEGER NOT NULL,
  PRIMARY KEY (subject_id, rule)
) WITHOUT ROWID;
CREATE TABLE lifecycle_events (
  subject_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (subject_id, event)
) WITHOUT ROWID;
CREATE TABLE aggregates (
  rule TEXT NOT NULL,
  category TEXT NOT NULL,
  day INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (rule, category, day)
) WITHOUT ROWID
)sql";

// Version 3: how many people stand behind each aggregate. Older rows count none, so they are
// never reported on their own (CN02).
const char RightsTables::kAggregateSubjects[] =
    "ALTER TABLE aggregates ADD COLUMN subjects INTEGER NOT NULL DEFAULT 0";

Status RightsTables::Prepare() {
  struct {
    Statement* stmt;
    const char* sql;
  } const kStatements[] = {
      {&put_request_,
       "INSERT OR REPLACE INTO requests (id, subject_id, open, due_at, document) VALUES (?, ?, ?, "
       "?, ?)"},
      {&get_request_, "SELECT id, subject_id, open, due_at, document FROM requests WHERE id = ?"},
      {&list_requests_,
       "SELECT id, subject_id, open, due_at, document FROM requests WHERE subject_id = ? ORDER BY "
       "rowid"},
      {&list_open_requests_,
       "SELECT id, subject_id, open, due_at, document FROM requests WHERE open = 1 ORDER BY "
       "due_at, id"},
      {&append_outbox_,
       "INSERT INTO outbox (subject_id, organization_id, topic, sealed_body, created_at, sent_at)"
       " VALUES (?, ?, ?, ?, ?, 0)"},
      {&mark_sent_, "UPDATE outbox SET sent_at = ?, state = 1 WHERE seq = ? AND sent_at = 0"},
      {&put_hold_,
       "INSERT OR REPLACE INTO legal_holds (subject_id, rule, ground, placed_at) VALUES (?, ?, ?, "
       "?)"},
      {&remove_hold_, "DELETE FROM legal_holds WHERE subject_id = ? AND rule = ?"},
      {&get_holds_,
       "SELECT subject_id, rule, ground, placed_at FROM legal_holds WHERE subject_id = ?"},
      {&get_all_holds_,
       "SELECT subject_id, rule, ground, placed_at FROM legal_holds ORDER BY subject_id"},
      {&put_lifecycle_,
       "INSERT INTO lifecycle_events (subject_id, event, at) VALUES (?, ?, ?)"
       " ON CONFLICT (subject_id, event) DO UPDATE SET at = max(at, excluded.at)"},
      {&get_lifecycle_, "SELECT subject_id, event, at FROM lifecycle_events WHERE subject_id = ?"},
      {&get_all_lifecycle_,
       "SELECT subject_id, event, at FROM lifecycle_events ORDER BY subject_id"},
      {&add_aggregate_,
       "INSERT INTO aggregates (rule, category, day, count, subjects) VALUES (?, ?, ?, ?, ?)"
       " ON CONFLICT (rule, category, day) DO UPDATE SET count = count + excluded.count,"
       " subjects = subjects + excluded.subjects"},
      {&get_aggregates_,
       "SELECT rule, category, day, count, subjects FROM aggregates ORDER BY rule, category, day"},
      {&purge_outbox_, "DELETE FROM outbox WHERE subject_id = ?"},
      {&purge_holds_, "DELETE FROM legal_holds WHERE subject_id = ?"},
      {&purge_lifecycle_, "DELETE FROM lifecycle_events WHERE subject_id = ?"},
  };
  for (const auto& s : kStatements) {
    PRIVET_ASSIGN_OR_RETURN(*s.stmt, conn_.Prepare(s.sql));
  }
  return Status::Ok();
}

Status RightsTables::PutRequest(const RequestRecord& r) {
  ScopedReset reset(put_request_);
  put_request_.BindInt64(1, ToDb(r.id));
  put_request_.BindInt64(2, ToDb(r.subject_id));
  put_request_.BindInt64(3, r.open ? 1 : 0);
  put_request_.BindInt64(4, r.due_at);
  put_request_.BindText(5, r.document);
  return Run(put_request_, "data store apply: put request");
}

Status RightsTables::AppendOutbox(const OutboxRecord& m) {
  ScopedReset reset(append_outbox_);
  append_outbox_.BindInt64(1, ToDb(m.subject_id));
  append_outbox_.BindInt64(2, ToDb(m.organization_id));
  append_outbox_.BindText(3, m.topic);
  append_outbox_.BindBlob(4, m.sealed_body);
  append_outbox_.BindInt64(5, m.created_at);
  return Run(append_outbox_, "data store apply: append outbox message");
}

Status RightsTables::MarkOutboxSent(int64_t seq, int64_t sent_at) {
  ScopedReset reset(mark_sent_);
  mark_sent_.BindInt64(1, sent_at);
  mark_sent_.BindInt64(2, seq);
  return Run(mark_sent_, "data store apply: mark outbox message sent");
}

Status RightsTables::RemoveLegalHold(uint64_t subject_id, std::string_view rule) {
  ScopedReset reset(remove_hold_);
  remove_hold_.BindInt64(1, ToDb(subject_id));
  remove_hold_.BindText(2, rule);
  return Run(remove_hold_, "data store apply: remove legal hold");
}

Status RightsTables::PutLegalHold(const LegalHoldRecord& h) {
  ScopedReset reset(put_hold_);
  put_hold_.BindInt64(1, ToDb(h.subject_id));
  put_hold_.BindText(2, h.rule);
  put_hold_.BindText(3, h.ground);
  put_hold_.BindInt64(4, h.placed_at);
  return Run(put_hold_, "data store apply: put legal hold");
}

Status RightsTables::PutLifecycleEvent(const LifecycleEventRecord& e) {
  ScopedReset reset(put_lifecycle_);
  put_lifecycle_.BindInt64(1, ToDb(e.subject_id));
  put_lifecycle_.BindText(2, e.event);
  put_lifecycle_.BindInt64(3, e.at);
  return Run(put_lifecycle_, "data store apply: put lifecycle event");
}

Status RightsTables::AddAggregate(const AggregateRecord& a) {
  ScopedReset reset(add_aggregate_);
  add_aggregate_.BindText(1, a.rule);
  add_aggregate_.BindText(2, a.category);
  add_aggregate_.BindInt64(3, a.day);
  add_aggregate_.BindInt64(4, a.count);
  add_aggregate_.BindInt64(5, a.subjects);
  return Run(add_aggregate_, "data store apply: add aggregate");
}

Status RightsTables::Purge(uint64_t subject_id) {
  for (Statement* stmt : {&purge_outbox_, &purge_holds_, &purge_lifecycle_}) {
    ScopedReset reset(*stmt);
    stmt->BindInt64(1, ToDb(subject_id));
    PRIVET_RETURN_IF_ERROR(Run(*stmt, "data store purge subject"));
  }
  return Status::Ok();
}

StatusOr<std::vector<RequestRecord>> RightsTables::Requests(Statement& stmt,
                                                            std::string_view what) {
  return Collect<RequestRecord>(stmt, what, RequestRow);
}

StatusOr<std::optional<RequestRecord>> RightsTables::GetRequest(uint64_t id) {
  get_request_.BindInt64(1, ToDb(id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<RequestRecord> rows,
                          Requests(get_request_, "data store get request"));
  if (rows.empty()) return std::optional<RequestRecord>();
  return std::optional<RequestRecord>(std::move(rows.front()));
}

StatusOr<std::vector<RequestRecord>> RightsTables::ListRequests(uint64_t subject_id) {
  list_requests_.BindInt64(1, ToDb(subject_id));
  return Requests(list_requests_, "data store list requests");
}

StatusOr<std::vector<RequestRecord>> RightsTables::ListOpenRequests() {
  return Requests(list_open_requests_, "data store list open requests");
}

StatusOr<std::vector<LegalHoldRecord>> RightsTables::GetLegalHolds(uint64_t subject_id) {
  if (subject_id == 0)
    return Collect<LegalHoldRecord>(get_all_holds_, "data store read legal holds", HoldRow);
  get_holds_.BindInt64(1, ToDb(subject_id));
  return Collect<LegalHoldRecord>(get_holds_, "data store read legal holds", HoldRow);
}

StatusOr<std::vector<LifecycleEventRecord>> RightsTables::GetLifecycleEvents(uint64_t subject_id) {
  if (subject_id == 0) {
    return Collect<LifecycleEventRecord>(get_all_lifecycle_, "data store read lifecycle events",
                                         LifecycleRow);
  }
  get_lifecycle_.BindInt64(1, ToDb(subject_id));
  return Collect<LifecycleEventRecord>(get_lifecycle_, "data store read lifecycle events",
                                       LifecycleRow);
}

StatusOr<std::vector<AggregateRecord>> RightsTables::GetAggregates() {
  return Collect<AggregateRecord>(get_aggregates_, "data store read aggregates",
                                  [](const Statement& s) {
                                    return AggregateRecord{.rule = s.ColumnText(0),
                                                           .category = s.ColumnText(1),
                                                           .day = s.ColumnInt64(2),
                                                           .count = s.ColumnInt64(3),
                                                           .subjects = s.ColumnInt64(4)};
                                  });
}

Status RightsTables::ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit) {
  // Its own read connection: a scan of millions of rows must not hold the writer's lock, and
  // WAL gives it one consistent snapshot while writes go on.
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, OpenReader(conn_));
  PRIVET_ASSIGN_OR_RETURN(
      Statement scan, reader->Prepare("SELECT f.id, f.subject_id, s.kind, f.category, f.purposes,"
                                      " f.collected_at, f.last_activity"
                                      " FROM fields f JOIN subjects s ON s.id = f.subject_id"
                                      " ORDER BY f.subject_id, f.id"));
  PRIVET_RETURN_IF_ERROR(reader->Exec("BEGIN", "data store scan fields: begin"));
  FieldMetadata meta;
  int rc;
  Status status = Status::Ok();
  while ((rc = scan.Step()) == SQLITE_ROW) {
    meta.id = FromDb(scan.ColumnInt64(0));
    meta.subject_id = FromDb(scan.ColumnInt64(1));
    meta.subject_kind = scan.ColumnText(2);
    meta.category = scan.ColumnText(3);
    StatusOr<std::vector<std::string>> purposes = DecodeStringArray(scan.ColumnText(4));
    if (!purposes.ok()) {
      status = purposes.status();
      break;
    }
    meta.purposes = std::move(*purposes);
    meta.collected_at = scan.ColumnInt64(5);
    meta.last_activity = scan.ColumnInt64(6);
    if (!visit(meta)) break;
  }
  if (status.ok() && rc != SQLITE_ROW && rc != SQLITE_DONE)
    status = SqliteStatus(rc, "data store scan fields");
  scan.Reset();
  (void)reader->Exec("COMMIT", "data store scan fields: end");
  return status;
}

}  // namespace privet::store::sqlite
