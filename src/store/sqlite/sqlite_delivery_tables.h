// The data file's tables for delivering what privet has to say: the outbox's delivery state
// (its rows are appended and purged by sqlite_rights_tables.h) and the webhooks (endpoints,
// events, dead letters). SqliteDataStore owns one DeliveryTables and calls it under its writer
// lock, inside the transaction of Apply(), so a delivery attempt's record commits together with
// its audit entry, and an event with the change it announces.
//
// Thread-safety: none; every method REQUIRES the data store's writer mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/sqlite/sqlite_util.h"
#include "store/store.h"

namespace privet::store::sqlite {

class DeliveryTables {
 public:
  // Version 5 of the data file: the outbox's delivery columns and the webhook tables. Run on
  // a new file after the version-2 tables, and as the upgrade of a version-4 file.
  static const char kSchema[];

  explicit DeliveryTables(Connection& writer) : conn_(writer) {}
  Status Prepare();

  // One operation of a batch each (write_batch.h), inside the data store's transaction.
  Status UpdateOutboxDelivery(const op::UpdateOutboxDelivery& u);
  Status AppendWebhookEvent(const WebhookEventRecord& e);
  Status PutWebhookEndpoint(const WebhookEndpointRecord& e);
  Status RemoveWebhookEndpoint(uint64_t id);
  Status PutWebhookDeadLetter(const WebhookDeadLetterRecord& d);
  Status RemoveWebhookDeadLetter(uint64_t endpoint_id, int64_t event_seq);
  Status PruneWebhookEvents(int64_t through_seq);

  StatusOr<std::vector<OutboxRecord>> GetOutbox(bool unsent_only);
  StatusOr<std::vector<OutboxRecord>> GetDueOutbox(int64_t now, size_t limit);
  StatusOr<std::vector<OutboxRecord>> GetOutboxInState(OutboxState state);
  StatusOr<std::vector<WebhookEndpointRecord>> GetWebhookEndpoints();
  StatusOr<std::vector<WebhookEventRecord>> GetWebhookEvents(int64_t after_seq, size_t limit);
  StatusOr<int64_t> LastWebhookEventSeq();
  StatusOr<std::vector<WebhookDeadLetterRecord>> GetWebhookDeadLetters();

 private:
  Connection& conn_;
  Statement update_delivery_;
  Statement get_outbox_;
  Statement get_pending_outbox_;
  Statement get_due_outbox_;
  Statement get_outbox_in_state_;
  Statement append_event_;
  Statement put_endpoint_;
  Statement remove_endpoint_;
  Statement remove_endpoint_letters_;
  Statement put_letter_;
  Statement remove_letter_;
  Statement prune_events_;
  Statement get_endpoints_;
  Statement get_events_;
  Statement last_event_seq_;
  Statement get_letters_;
};

}  // namespace privet::store::sqlite
