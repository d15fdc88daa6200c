// API keys: tokens, their hashes, and the principals they act as.
//
// A token is "pvk_<id>_<secret>": <id> is 16 hex characters (public, the lookup key, drawn from
// the server's IdSource), <secret> is 32 random bytes in unpadded base64url (libsodium's CSPRNG
// always). Only BLAKE2b-256(secret) is stored; verification
// compares hashes with sodium_memcmp (constant time). Keys are cached in memory and written
// through to the store, so authenticating a request costs no database read.
//
// Principals are written as ParsePrincipal (privet/decision.h) reads them: "service", "admin",
// "staff:<role>", "organization_admin:<id>" and "tenant:<id>"; staff roles must be declared by
// the policy.
//
// Thread-safety: ApiKeys is safe to use from many threads.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "privet/clock.h"
#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/id_source.h"
#include "privet/status.h"
#include "store/api_key_store.h"

namespace privet::server {

struct ApiKeyInfo {
  std::string id;
  std::string principal;
  std::string label;
  int64_t created_at = 0;
};

class ApiKeys {
 public:
  // Loads every key from `store`. New keys' ids are drawn from `ids`, which must outlive this.
  static StatusOr<std::unique_ptr<ApiKeys>> Load(std::unique_ptr<store::ApiKeyStore> store,
                                                 std::shared_ptr<const CompiledPolicy> policy,
                                                 const Clock& clock, IdSource& ids);

  // Creates and stores a key; returns the token (its only copy).
  StatusOr<std::string> Create(std::string_view principal_spec, std::string_view label);
  Status Revoke(std::string_view id);
  std::vector<ApiKeyInfo> List() const;
  bool empty() const;

  // The principal of a token. Unauthenticated for a malformed, unknown or revoked token, or one
  // whose principal the policy no longer allows (e.g. a role since removed).
  StatusOr<Principal> Authenticate(std::string_view token) const;

  // The policy principals are checked against from now on (the server switched versions).
  void UsePolicy(std::shared_ptr<const CompiledPolicy> policy);

 private:
  ApiKeys(std::unique_ptr<store::ApiKeyStore> store, std::shared_ptr<const CompiledPolicy> policy,
          const Clock& clock, IdSource& ids)
      : store_(std::move(store)), clock_(clock), ids_(ids), policy_(std::move(policy)) {}

  struct Entry {
    std::string secret_hash;
    std::string principal;
    std::string label;
    int64_t created_at = 0;
  };
  std::unique_ptr<store::ApiKeyStore> store_;
  const Clock& clock_;
  IdSource& ids_;
  mutable SharedMutex mu_;
  std::shared_ptr<const CompiledPolicy> policy_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Entry> keys_ GUARDED_BY(mu_);  // by id
};

}  // namespace privet::server
