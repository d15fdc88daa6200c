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
  // CREATE statements of the tables (the register, and who each breach affected, written once
  // apart from the register's small rows that change): part of a new file's schema, and the one
  // upgrade that adds them to an older file (data schema version 7).
  static const char kSchema[];

  explicit BreachTable(Connection& writer) : conn_(writer) {}
  Status Prepare();

  Status Put(const BreachRecord& b);  // op::PutBreach, inside the data store's transaction
  Status PutAffected(uint64_t breach_id, const std::string& affected);  // op::PutBreachAffected
  StatusOr<std::vector<BreachRecord>> GetAll();
  StatusOr<std::string> GetAffected(uint64_t breach_id);

 private:
  Connection& conn_;
  Statement put_;
  Statement put_affected_;
  Statement get_all_;
  Statement get_affected_;
};

}  // namespace privet::store::sqlite
