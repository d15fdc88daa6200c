#include "server/api_keys.h"

#include <sodium.h>

#include <algorithm>

#include "common/mutex.h"
#include "common/unix_time.h"
#include "crypto/crypto.h"
#include "keys/vault_files.h"
#include "keys/vault_keys.h"
#include "keys/vault_lock.h"
#include "privet/server.h"
#include "privet/vault.h"
#include "store/store.h"

namespace privet::server {
namespace {

constexpr std::string_view kTokenPrefix = "pvk_";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;

std::string Hex(const unsigned char* bytes, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

std::string HashSecret(std::string_view secret) {
  std::string hash(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(hash.data()), hash.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr,
                     0);
  return hash;
}

struct MintedKey {
  store::ApiKeyRecord record;
  std::string token;  // its only copy
};

// A new key's stored record and its token. The id, public, is drawn from `ids` (a test may fix
// it); the secret always from libsodium's CSPRNG (privet/id_source.h).
MintedKey Mint(std::string_view principal_spec, std::string_view label, const Clock& clock,
               IdSource& ids) {
  static_assert(kIdBytes == sizeof(uint64_t));
  unsigned char id_bytes[kIdBytes];
  const uint64_t id = ids.Next();
  for (size_t i = 0; i < kIdBytes; ++i) id_bytes[i] = static_cast<unsigned char>(id >> (8 * i));
  unsigned char secret_bytes[kSecretBytes];
  randombytes_buf(secret_bytes, sizeof secret_bytes);
  std::string secret(
      sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(secret.data(), secret.size(), secret_bytes, kSecretBytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret.resize(secret.find('\0'));
  sodium_memzero(secret_bytes, sizeof secret_bytes);
  MintedKey minted{.record = {.id = Hex(id_bytes, kIdBytes),
                              .secret_hash = HashSecret(secret),
                              .principal = std::string(principal_spec),
                              .label = std::string(label),
                              .created_at = ToUnix(clock.Now())}};
  minted.token = std::string(kTokenPrefix) + minted.record.id + "_" + secret;
  return minted;
}

}  // namespace

StatusOr<std::unique_ptr<ApiKeys>> ApiKeys::Load(std::unique_ptr<store::ApiKeyStore> store,
                                                 std::shared_ptr<const CompiledPolicy> policy,
                                                 const Clock& clock, IdSource& ids) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialize");
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::ApiKeyRecord> records, store->List());
  std::unique_ptr<ApiKeys> keys(new ApiKeys(std::move(store), std::move(policy), clock, ids));
  WriterLock lock(&keys->mu_);
  for (auto& r : records) {
    keys->keys_[r.id] = {.secret_hash = std::move(r.secret_hash),
                         .principal = std::move(r.principal),
                         .label = std::move(r.label),
                         .created_at = r.created_at};
  }
  return keys;
}

StatusOr<std::string> ApiKeys::Create(std::string_view principal_spec, std::string_view label) {
  std::shared_ptr<const CompiledPolicy> policy;
  {
    ReaderLock lock(&mu_);
    policy = policy_;
  }
  PRIVET_RETURN_IF_ERROR(ParsePrincipal(*policy, principal_spec).status());
  // A label is free text kept beside the key for as long as it lives: like every other kept
  // input, it never holds a card number (CX02).
  PRIVET_RETURN_IF_ERROR(RefuseCardNumber(label, "label"));
  MintedKey minted = Mint(principal_spec, label, clock_, ids_);
  store::ApiKeyRecord& record = minted.record;
  WriterLock lock(&mu_);
  PRIVET_RETURN_IF_ERROR(store_->Put(record));
  std::string token = std::move(minted.token);
  keys_[record.id] = {.secret_hash = std::move(record.secret_hash),
                      .principal = std::move(record.principal),
                      .label = std::move(record.label),
                      .created_at = record.created_at};
  return token;
}

Status ApiKeys::Revoke(std::string_view id) {
  WriterLock lock(&mu_);
  PRIVET_RETURN_IF_ERROR(store_->Delete(id));
  keys_.erase(std::string(id));
  return Status::Ok();
}

std::vector<ApiKeyInfo> ApiKeys::List() const {
  ReaderLock lock(&mu_);
  std::vector<ApiKeyInfo> out;
  for (const auto& [id, e] : keys_) out.push_back({id, e.principal, e.label, e.created_at});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

bool ApiKeys::empty() const {
  ReaderLock lock(&mu_);
  return keys_.empty();
}

StatusOr<Principal> ApiKeys::Authenticate(std::string_view token) const {
  const Status bad(StatusCode::kUnauthenticated, "invalid API key");
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return bad;
  token.remove_prefix(kTokenPrefix.size());
  if (token.size() < kIdBytes * 2 + 1 || token[kIdBytes * 2] != '_') return bad;
  std::string id(token.substr(0, kIdBytes * 2));
  std::string hash = HashSecret(token.substr(kIdBytes * 2 + 1));
  StatusOr<Principal> parsed = bad;
  {
    ReaderLock lock(&mu_);
    auto it = keys_.find(id);
    if (it == keys_.end() || it->second.secret_hash.size() != hash.size() ||
        sodium_memcmp(it->second.secret_hash.data(), hash.data(), hash.size()) != 0) {
      return bad;
    }
    // Under the lock, against the policy a switch may replace: no copy of either per request.
    parsed = ParsePrincipal(*policy_, it->second.principal);
  }
  if (!parsed.ok())
    return Status(StatusCode::kUnauthenticated, "the key's principal is no longer valid");
  // Recorded in the audit entries of what the key does (breach evidence).
  parsed->api_key = ParseApiKeyId(id).value_or(0);
  return *parsed;
}

void ApiKeys::UsePolicy(std::shared_ptr<const CompiledPolicy> policy) {
  WriterLock lock(&mu_);
  policy_ = std::move(policy);
}

}  // namespace privet::server

namespace privet {

StatusOr<ReplacedAdminKey> ReplaceAdminApiKey(const VaultFiles& given, const Clock& clock) {
  const VaultFiles files = vault_internal::WithDefaults(given);
  // A server that holds the vault keeps its keys in memory: it would neither see the new key
  // nor forget the old ones. Refused while it runs.
  PRIVET_ASSIGN_OR_RETURN(vault_internal::VaultLock lock,
                          vault_internal::VaultLock::Acquire(files.data_dir));
  PRIVET_RETURN_IF_ERROR(crypto::InitCrypto());
  {
    // Whoever runs this holds the vault's master key, and so the admin's power anyway.
    PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                            store::OpenSqliteKeyStore(files.key_store_path));
    PRIVET_RETURN_IF_ERROR(
        vault_internal::LoadMasterKey(*keys, files, vault_internal::NewKeyStore::kRefuse).status());
  }
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::ApiKeyStore> table,
                          store::OpenSqliteApiKeyStore(files.key_store_path));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::ApiKeyRecord> stored, table->List());
  // The new key is stored before the old ones go: interrupted, the vault keeps an admin key.
  server::MintedKey minted =
      server::Mint(PrincipalKindName(PrincipalKind::kAdmin), "admin key (privet keys admin --new)",
                   clock, DefaultIdSource());
  PRIVET_RETURN_IF_ERROR(table->Put(minted.record));
  ReplacedAdminKey replaced{.token = std::move(minted.token)};
  for (const store::ApiKeyRecord& r : stored) {
    if (r.principal != PrincipalKindName(PrincipalKind::kAdmin)) continue;
    PRIVET_RETURN_IF_ERROR(table->Delete(r.id));
    ++replaced.revoked;
  }
  return replaced;
}

}  // namespace privet
