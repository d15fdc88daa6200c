// AccountStore: data subjects' passwords and sessions, kept in the key store file (keys.db)
// beside the API keys, so they stay out of data backups and go when the subject is erased.
//
// Only hashes are stored: a password as its Argon2id string (libsodium crypto_pwhash_str,
// salt and parameters included), a session as the BLAKE2b-256 hash of its 32-byte secret.
// The file must already be a privet key store (the vault creates it): anything else is DataLoss.
//
// Thread-safety: an AccountStore is safe to use from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "privet/status.h"

namespace privet::store {

struct SessionRecord {
  std::string id;           // public session id (hex), part of the token
  std::string secret_hash;  // 32 bytes
  uint64_t subject_id = 0;
  int64_t expires_at = 0;  // seconds since the epoch
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Sets (or replaces) the subject's password hash.
  virtual Status PutPassword(uint64_t subject_id, std::string_view password_hash) = 0;
  virtual StatusOr<std::optional<std::string>> GetPassword(uint64_t subject_id) = 0;
  virtual Status PutSession(const SessionRecord& session) = 0;
  virtual StatusOr<std::optional<SessionRecord>> GetSession(std::string_view id) = 0;
  // Idempotent.
  virtual Status DeleteSession(std::string_view id) = 0;
  // The subject's password and every session of it (erasure). Idempotent.
  virtual Status ForgetSubject(uint64_t subject_id) = 0;
};

// Opens the account tables in an existing SQLite key store at `path`, creating them if missing.
StatusOr<std::unique_ptr<AccountStore>> OpenSqliteAccountStore(const std::string& path);

}  // namespace privet::store
