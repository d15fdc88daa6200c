// The data file's tables for data-subject rights and retention: requests, the outbox (whose
// delivery state and reads are sqlite_delivery_tables.h's), legal holds, lifecycle events
// (retention anchors) and the aggregates anonymization leaves behind. SqliteDataStore owns one
// RightsTables and calls it under its writer lock, inside the transaction of Apply(), so these rows
// commit together with the change and its audit entries.
//
// Thread-safety: none; every method REQUIRES the data store's writer mutex, except
// ScanFieldMetadata, which opens its own read connection.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_util.h"
#include "store/store.h"

namespace privet::store::sqlite {

class RightsTables {
 public:
  // CREATE statements for these tables (part of the data file's schema, version 2).
  static const char kSchema[];
  static const char kAggregateSubjects[];  // version 3

  explicit RightsTables(Connection& writer) : conn_(writer) {}
  Status Prepare();

  // One operation of a batch each (write_batch.h), inside the data store's transaction.
  Status PutRequest(const RequestRecord& r);
  Status AppendOutbox(const OutboxRecord& m);
  Status MarkOutboxSent(int64_t seq, int64_t sent_at);
  Status PutLegalHold(const LegalHoldRecord& h);
  Status RemoveLegalHold(uint64_t subject_id, std::string_view rule);
  Status PutLifecycleEvent(const LifecycleEventRecord& e);
  Status AddAggregate(const AggregateRecord& a);
  // The subject's outbox messages, holds and lifecycle events (requests stay).
  Status Purge(uint64_t subject_id);

  StatusOr<std::optional<RequestRecord>> GetRequest(uint64_t id);
  StatusOr<std::vector<RequestRecord>> ListRequests(uint64_t subject_id);
  StatusOr<std::vector<RequestRecord>> ListOpenRequests();
  StatusOr<std::vector<LegalHoldRecord>> GetLegalHolds(uint64_t subject_id);
  StatusOr<std::vector<LifecycleEventRecord>> GetLifecycleEvents(uint64_t subject_id);
  StatusOr<std::vector<AggregateRecord>> GetAggregates();
  Status ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit);

 private:
  StatusOr<std::vector<RequestRecord>> Requests(Statement& stmt, std::string_view what);

  Connection& conn_;
  Statement put_request_;
  Statement get_request_;
  Statement list_requests_;
  Statement list_open_requests_;
  Statement append_outbox_;
  Statement mark_sent_;
  Statement put_hold_;
  Statement remove_hold_;
  Statement get_holds_;
  Statement get_all_holds_;
  Statement put_lifecycle_;
  Statement get_lifecycle_;
  Statement get_all_lifecycle_;
  Statement add_aggregate_;
  Statement get_aggregates_;
  Statement purge_outbox_;
  Statement purge_holds_;
  Statement purge_lifecycle_;
};

}  // namespace privet::store::sqlite
