// In-memory stores: a DataStore and a KeyStore that keep their rows in ordinary containers, for
// tests and as the reference semantics of store.h. The SQLite store (and later PostgreSQL) must
// behave as these do; src/store/store_conformance_test.cc runs one suite against each.
//
//   std::unique_ptr<store::DataStore> data = store::NewMemoryDataStore();
//   std::unique_ptr<store::KeyStore> keys = store::NewMemoryKeyStore();
//
// Apply is all-or-nothing with the preconditions and errors of write_batch.h: each operation
// records how to undo itself, and a failing operation undoes those before it. Nothing is
// durable: the rows go with the object. BackupTo returns FailedPrecondition (there is no file to
// copy); SetAuditOnlyDurability is accepted and changes nothing. Ids are uint64 throughout: rows
// ordered by id come in unsigned order (SQLite orders the int64 bit patterns; the interfaces
// leave those orders unspecified).
//
// Thread-safe: one mutex per store. ScanFieldMetadata copies the metadata under it and visits
// the copy without it, so `visit` may call the store.
#pragma once

#include <memory>

#include "store/store.h"

namespace privet::store {

std::unique_ptr<DataStore> NewMemoryDataStore();
std::unique_ptr<KeyStore> NewMemoryKeyStore();

}  // namespace privet::store
