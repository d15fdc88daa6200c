#include "store/sqlite/sqlite_delivery_tables.h"

#include <string>

namespace privet::store::sqlite {
namespace {

// The columns every outbox read selects, in OutboxRow's order.
#define PRIVET_OUTBOX_COLUMNS                                                          \
  "seq, subject_id, organization_id, topic, sealed_body, created_at, sent_at, state, " \
  "attempts, next_attempt_at, last_error"

OutboxRecord OutboxRow(const Statement& s) {
  return {.seq = s.ColumnInt64(0),
          .subject_id = FromDb(s.ColumnInt64(1)),
          .organization_id = FromDb(s.ColumnInt64(2)),
          .topic = s.ColumnText(3),
          .sealed_body = s.ColumnBlob(4),
          .created_at = s.ColumnInt64(5),
          .sent_at = s.ColumnInt64(6),
          .state = static_cast<OutboxState>(s.ColumnInt64(7)),
          .attempts = static_cast<int>(s.ColumnInt64(8)),
          .next_attempt_at = s.ColumnInt64(9),
          .last_error = s.ColumnText(10)};
}

WebhookEndpointRecord EndpointRow(const Statement& s) {
  return {.id = FromDb(s.ColumnInt64(0)),
          .url = s.ColumnText(1),
          .events = s.ColumnText(2),
          .sealed_secret = s.ColumnBlob(3),
          .created_at = s.ColumnInt64(4),
          .cursor = s.ColumnInt64(5),
          .attempts = static_cast<int>(s.ColumnInt64(6)),
          .next_attempt_at = s.ColumnInt64(7),
          .last_error = s.ColumnText(8)};
}

WebhookEventRecord EventRow(const Statement& s) {
  return {.seq = s.ColumnInt64(0),
          .type = s.ColumnText(1),
          .subject_id = FromDb(s.ColumnInt64(2)),
          .at = s.ColumnInt64(3),
          .sealed_body = s.ColumnBlob(4)};
}

WebhookDeadLetterRecord LetterRow(const Statement& s) {
  return {.endpoint_id = FromDb(s.ColumnInt64(0)),
          .event_seq = s.ColumnInt64(1),
          .at = s.ColumnInt64(2),
          .attempts = static_cast<int>(s.ColumnInt64(3)),
          .error = s.ColumnText(4)};
}

}  // namespace

// Messages sent before version 5 count as sent. The partial index keeps the deliverer's query
// to the pending messages, however many were sent before; webhook events are kept only until
// every endpoint is past them (or a dead letter needs them), so their table stays small.
const char DeliveryTables::kSchema[] = R"sql(
ALTER TABLE outbox ADD COLUMN state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
UPDATE outbox SET state = 1 WHERE sent_at <> 0;
CREATE INDEX outbox_pending ON outbox (subject_id, seq) WHERE state = 0;
CREATE TABLE webhook_endpoints (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  sealed_secret BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL
);
CREATE TABLE webhook_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  subject_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  sealed_body BLOB NOT NULL
);
CREATE TABLE webhook_dead_letters (
  endpoint_id INTEGER NOT NULL,
  event_seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, event_seq)
) WITHOUT ROWID
)sql";

Status DeliveryTables::Prepare() {
  struct {
    Statement* stmt;
    const char* sql;
  } const kStatements[] = {
      {&update_delivery_,
       "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?,"
       " sent_at = ? WHERE seq = ?"},
      {&get_outbox_, "SELECT " PRIVET_OUTBOX_COLUMNS " FROM outbox ORDER BY seq"},
      {&get_pending_outbox_,
       "SELECT " PRIVET_OUTBOX_COLUMNS " FROM outbox WHERE state = 0 ORDER BY seq"},
      // The first pending message of each subject (outbox_pending), if due.
      {&get_due_outbox_,
       "SELECT " PRIVET_OUTBOX_COLUMNS " FROM outbox AS o WHERE state = 0 AND"
       " organization_id = 0 AND next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM outbox AS e"
       " WHERE e.state = 0 AND e.organization_id = 0 AND e.subject_id = o.subject_id AND"
       " e.seq < o.seq) ORDER BY seq LIMIT ?"},
      {&get_outbox_in_state_,
       "SELECT " PRIVET_OUTBOX_COLUMNS " FROM outbox WHERE state = ? ORDER BY seq"},
      {&append_event_,
       "INSERT INTO webhook_events (type, subject_id, at, sealed_body) VALUES (?, ?, ?, ?)"},
      {&put_endpoint_,
       "INSERT OR REPLACE INTO webhook_endpoints (id, url, events, sealed_secret, created_at,"
       " cursor, attempts, next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"},
      {&remove_endpoint_, "DELETE FROM webhook_endpoints WHERE id = ?"},
      {&remove_endpoint_letters_, "DELETE FROM webhook_dead_letters WHERE endpoint_id = ?"},
      {&put_letter_,
       "INSERT OR REPLACE INTO webhook_dead_letters (endpoint_id, event_seq, at, attempts, error)"
       " VALUES (?, ?, ?, ?, ?)"},
      {&remove_letter_, "DELETE FROM webhook_dead_letters WHERE endpoint_id = ? AND event_seq = ?"},
      {&prune_events_,
       "DELETE FROM webhook_events WHERE seq <= ? AND seq NOT IN"
       " (SELECT event_seq FROM webhook_dead_letters)"},
      {&get_endpoints_,
       "SELECT id, url, events, sealed_secret, created_at, cursor, attempts, next_attempt_at,"
       " last_error FROM webhook_endpoints ORDER BY id"},
      {&get_events_,
       "SELECT seq, type, subject_id, at, sealed_body FROM webhook_events WHERE seq > ?"
       " ORDER BY seq LIMIT ?"},
      // AUTOINCREMENT keeps the highest seq ever used here, even once the rows are pruned.
      {&last_event_seq_,
       "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_events'), 0)"},
      {&get_letters_,
       "SELECT endpoint_id, event_seq, at, attempts, error FROM webhook_dead_letters"
       " ORDER BY endpoint_id, event_seq"},
  };
  for (const auto& s : kStatements) {
    PRIVET_ASSIGN_OR_RETURN(*s.stmt, conn_.Prepare(s.sql));
  }
  return Status::Ok();
}

Status DeliveryTables::UpdateOutboxDelivery(const op::UpdateOutboxDelivery& u) {
  ScopedReset reset(update_delivery_);
  update_delivery_.BindInt64(1, static_cast<int64_t>(u.state));
  update_delivery_.BindInt64(2, u.attempts);
  update_delivery_.BindInt64(3, u.next_attempt_at);
  update_delivery_.BindText(4, u.last_error);
  update_delivery_.BindInt64(5, u.sent_at);
  update_delivery_.BindInt64(6, u.seq);
  return Run(update_delivery_, "data store apply: record a delivery attempt");
}

Status DeliveryTables::AppendWebhookEvent(const WebhookEventRecord& e) {
  ScopedReset reset(append_event_);
  append_event_.BindText(1, e.type);
  append_event_.BindInt64(2, ToDb(e.subject_id));
  append_event_.BindInt64(3, e.at);
  append_event_.BindBlob(4, e.sealed_body);
  return Run(append_event_, "data store apply: append webhook event");
}

Status DeliveryTables::PutWebhookEndpoint(const WebhookEndpointRecord& e) {
  ScopedReset reset(put_endpoint_);
  put_endpoint_.BindInt64(1, ToDb(e.id));
  put_endpoint_.BindText(2, e.url);
  put_endpoint_.BindText(3, e.events);
  put_endpoint_.BindBlob(4, e.sealed_secret);
  put_endpoint_.BindInt64(5, e.created_at);
  put_endpoint_.BindInt64(6, e.cursor);
  put_endpoint_.BindInt64(7, e.attempts);
  put_endpoint_.BindInt64(8, e.next_attempt_at);
  put_endpoint_.BindText(9, e.last_error);
  return Run(put_endpoint_, "data store apply: put webhook endpoint");
}

Status DeliveryTables::RemoveWebhookEndpoint(uint64_t id) {
  for (Statement* stmt : {&remove_endpoint_letters_, &remove_endpoint_}) {
    ScopedReset reset(*stmt);
    stmt->BindInt64(1, ToDb(id));
    PRIVET_RETURN_IF_ERROR(Run(*stmt, "data store apply: remove webhook endpoint"));
  }
  return Status::Ok();
}

Status DeliveryTables::PutWebhookDeadLetter(const WebhookDeadLetterRecord& d) {
  ScopedReset reset(put_letter_);
  put_letter_.BindInt64(1, ToDb(d.endpoint_id));
  put_letter_.BindInt64(2, d.event_seq);
  put_letter_.BindInt64(3, d.at);
  put_letter_.BindInt64(4, d.attempts);
  put_letter_.BindText(5, d.error);
  return Run(put_letter_, "data store apply: put webhook dead letter");
}

Status DeliveryTables::RemoveWebhookDeadLetter(uint64_t endpoint_id, int64_t event_seq) {
  ScopedReset reset(remove_letter_);
  remove_letter_.BindInt64(1, ToDb(endpoint_id));
  remove_letter_.BindInt64(2, event_seq);
  return Run(remove_letter_, "data store apply: remove webhook dead letter");
}

Status DeliveryTables::PruneWebhookEvents(int64_t through_seq) {
  ScopedReset reset(prune_events_);
  prune_events_.BindInt64(1, through_seq);
  return Run(prune_events_, "data store apply: prune webhook events");
}

StatusOr<std::vector<OutboxRecord>> DeliveryTables::GetOutbox(bool unsent_only) {
  return Collect<OutboxRecord>(unsent_only ? get_pending_outbox_ : get_outbox_,
                               "data store read outbox", OutboxRow);
}

StatusOr<std::vector<OutboxRecord>> DeliveryTables::GetDueOutbox(int64_t now, size_t limit) {
  get_due_outbox_.BindInt64(1, now);
  get_due_outbox_.BindInt64(2, static_cast<int64_t>(limit));
  return Collect<OutboxRecord>(get_due_outbox_, "data store read due outbox", OutboxRow);
}

StatusOr<std::vector<OutboxRecord>> DeliveryTables::GetOutboxInState(OutboxState state) {
  get_outbox_in_state_.BindInt64(1, static_cast<int64_t>(state));
  return Collect<OutboxRecord>(get_outbox_in_state_, "data store read outbox", OutboxRow);
}

StatusOr<std::vector<WebhookEndpointRecord>> DeliveryTables::GetWebhookEndpoints() {
  return Collect<WebhookEndpointRecord>(get_endpoints_, "data store read webhook endpoints",
                                        EndpointRow);
}

StatusOr<std::vector<WebhookEventRecord>> DeliveryTables::GetWebhookEvents(int64_t after_seq,
                                                                           size_t limit) {
  get_events_.BindInt64(1, after_seq);
  get_events_.BindInt64(2, static_cast<int64_t>(limit));
  return Collect<WebhookEventRecord>(get_events_, "data store read webhook events", EventRow);
}

StatusOr<int64_t> DeliveryTables::LastWebhookEventSeq() {
  PRIVET_ASSIGN_OR_RETURN(std::vector<int64_t> seq,
                          Collect<int64_t>(last_event_seq_, "data store read webhook events",
                                           [](const Statement& s) { return s.ColumnInt64(0); }));
  return seq.empty() ? int64_t{0} : seq.front();
}

StatusOr<std::vector<WebhookDeadLetterRecord>> DeliveryTables::GetWebhookDeadLetters() {
  return Collect<WebhookDeadLetterRecord>(get_letters_, "data store read webhook dead letters",
                                          LetterRow);
}

}  // namespace privet::store::sqlite
