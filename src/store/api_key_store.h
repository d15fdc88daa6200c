// ApiKeyStore: the server's API keys, kept in the key store file (keys.db) beside the subject
// keys, so they travel with the keys and never with data backups.
//
// A key is stored as its public id, a hash of its secret (never the secret), the principal it
// acts as (e.g. "staff:support"), a label and its creation time. The secret is 32 random bytes
// of entropy, so a fast hash is enough to make the stored row useless to a thief; comparing is
// done by the caller in constant time.
//
// The table lives in keys.db next to the key store's own tables (a separate table, untouched by
// master-key rotation: hashes need no re-wrapping). The file must already be a privet key store
// (the vault creates it): anything else is DataLoss.
//
// Thread-safety: an ApiKeyStore is safe to use from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/status.h"

namespace privet::store {

struct ApiKeyRecord {
  std::string id;           // public key id (hex), part of the token
  std::string secret_hash;  // 32 bytes: BLAKE2b-256 of the secret
  std::string principal;    // "service", "admin", "staff:<role>", ...
  std::string label;        // a name for people; never personal data
  int64_t created_at = 0;   // seconds since the epoch
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // AlreadyExists for a duplicate id.
  virtual Status Put(const ApiKeyRecord& key) = 0;
  // NotFound for an unknown id.
  virtual Status Delete(std::string_view id) = 0;
  // Every key, ordered by id.
  virtual StatusOr<std::vector<ApiKeyRecord>> List() = 0;
};

// Opens the API key table in an existing SQLite key store at `path`, creating the table if it
// is missing. DataLoss if the file is not a privet key store.
StatusOr<std::unique_ptr<ApiKeyStore>> OpenSqliteApiKeyStore(const std::string& path);

}  // namespace privet::store
