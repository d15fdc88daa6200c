// The data file's breach register (store::BreachRecord). SqliteDataStore owns one BreachTable and
// calls it under its writer lock, inside the transaction of Apply(), so a breach and the notices
// queued with it commit together.
//
// Thread-safety: none; every method REQUIRES the data store's writer mutex.
#pragma once

#include <vector>

#include "store/sqlite/sqlite_util.h"
#include "store/store.h"

namespace privet::store::sqlite {

class BreachTable {
 public:
  // CREATE statement of the table: part of a new file's schema, and the one upgrade that adds it
  // to an older file (data schema version 7).
  static const char kSchema[];

  explicit BreachTable(Connection& writer) : conn_(writer) {}
  Status Prepare();

  Status Put(const BreachRecord& b);  // op::PutBreach, inside the data store's transaction
  StatusOr<std::vector<BreachRecord>> GetAll();

 private:
  Connection& conn_;
  Statement put_;
  Statement get_all_;
};

}  // namespace privet::store::sqlite
