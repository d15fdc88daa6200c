// The data file's table of published policy versions (store::PolicyVersionRecord) and the walk
// over subjects that their notices take. SqliteDataStore owns one PolicyVersionTable and calls it
// under its writer lock, inside the transaction of Apply(), so a version and the notices queued
// with it commit together.
//
// Thread-safety: none; every method REQUIRES the data store's writer mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/sqlite/sqlite_util.h"
#include "store/store.h"

namespace privet::store::sqlite {

class PolicyVersionTable {
 public:
  // CREATE statement of the table: part of a new file's schema, and the one upgrade that adds it
  // to an older file (data schema version 6).
  static const char kSchema[];

  explicit PolicyVersionTable(Connection& writer) : conn_(writer) {}
  Status Prepare();

  // One operation of a batch each (write_batch.h), inside the data store's transaction.
  Status Put(const PolicyVersionRecord& v);
  Status SetNoticeProgress(int version, uint64_t notices_through, bool notices_pending);

  StatusOr<std::vector<PolicyVersionRecord>> GetAll();
  StatusOr<std::vector<SubjectRecord>> ListSubjects(uint64_t after, size_t limit);

 private:
  Connection& conn_;
  Statement put_;
  Statement set_progress_;
  Statement get_all_;
  Statement list_subjects_;
};

}  // namespace privet::store::sqlite
