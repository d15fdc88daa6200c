#include "server/api_keys.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "crypto/crypto.h"
#include "privet/server.h"
#include "store/store.h"
#include "vault/master_key_rotation.h"
#include "vault/vault_files.h"
#include "vault/vault_lock.h"

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
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     nullptr, 0);
  return hash;
}

struct MintedKey {
  store::ApiKeyRecord record;
  std::string token;  // its only copy
};

// A new key's stored record and its token.
MintedKey Mint(std::string_view principal_spec, std::string_view label, const Clock& clock) {
  unsigned char id_bytes[kIdBytes];
  unsigned char secret_bytes[kSecretBytes];
  randombytes_buf(id_bytes, sizeof id_bytes);
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
                              .created_at = std::chrono::duration_cast<std::chrono::seconds>(
                                                clock.Now().time_since_epoch())
                                                .count()}};
  minted.token = std::string(kTokenPrefix) + minted.record.id + "_" + secret;
  return minted;
}

std::optional<uint64_t> ParseDecimal(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

StatusOr<Principal> ParsePrincipal(const CompiledPolicy& policy, std::string_view spec) {
  if (spec == "service") return Principal::Service();
  if (spec == "admin") return Principal{.kind = PrincipalKind::kAdmin};
  size_t colon = spec.find(':');
  if (colon != std::string_view::npos) {
    std::string_view kind = spec.substr(0, colon);
    std::string_view arg = spec.substr(colon + 1);
    if (kind == "staff") {
      auto role = policy.FindRole(arg);
      if (!role) return InvalidArgument("the policy declares no such role", "principal");
      return Principal::Staff(*role);
    }
    if (kind == "organization_admin") {
      if (auto id = ParseDecimal(arg)) return Principal::OrganizationAdmin(*id);
    }
    if (kind == "tenant") {
      if (auto id = ParseDecimal(arg)) return Principal::Tenant(*id);
    }
  }
  return InvalidArgument(
      "must be service, admin, staff:<role>, organization_admin:<id> or tenant:<id>", "principal");
}

std::string PrincipalSpec(const CompiledPolicy& policy, const Principal& p) {
  switch (p.kind) {
    case PrincipalKind::kService: return "service";
    case PrincipalKind::kAdmin: return "admin";
    case PrincipalKind::kStaff: return "staff:" + policy.policy().roles[p.role].id;
    case PrincipalKind::kOrganizationAdmin: return "organization_admin:" + std::to_string(p.organization_id);
    case PrincipalKind::kTenant: return "tenant:" + std::to_string(p.tenant_id);
    case PrincipalKind::kSubject: return "subject";
  }
  return "unknown";
}

StatusOr<std::unique_ptr<ApiKeys>> ApiKeys::Load(std::unique_ptr<store::ApiKeyStore> store,
                                                 std::shared_ptr<const CompiledPolicy> policy,
                                                 const Clock& clock) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialize");
  ASSIGN_OR_RETURN(std::vector<store::ApiKeyRecord> records, store->List());
  std::unique_ptr<ApiKeys> keys(new ApiKeys(std::move(store), std::move(policy), clock));
  for (auto& r : records) {
    keys->keys_[r.id] = {.secret_hash = std::move(r.secret_hash),
                         .principal = std::move(r.principal),
                         .label = std::move(r.label),
                         .created_at = r.created_at};
  }
  return keys;
}

StatusOr<std::string> ApiKeys::Create(std::string_view principal_spec, std::string_view label) {
  RETURN_IF_ERROR(ParsePrincipal(*policy_, principal_spec).status());
  MintedKey minted = Mint(principal_spec, label, clock_);
  store::ApiKeyRecord& record = minted.record;
  std::unique_lock lock(mu_);
  RETURN_IF_ERROR(store_->Put(record));
  std::string token = std::move(minted.token);
  keys_[record.id] = {.secret_hash = std::move(record.secret_hash),
                      .principal = std::move(record.principal),
                      .label = std::move(record.label),
                      .created_at = record.created_at};
  return token;
}

Status ApiKeys::Revoke(std::string_view id) {
  std::unique_lock lock(mu_);
  RETURN_IF_ERROR(store_->Delete(id));
  keys_.erase(std::string(id));
  return Status::Ok();
}

std::vector<ApiKeyInfo> ApiKeys::List() const {
  std::shared_lock lock(mu_);
  std::vector<ApiKeyInfo> out;
  for (const auto& [id, e] : keys_) out.push_back({id, e.principal, e.label, e.created_at});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

bool ApiKeys::empty() const {
  std::shared_lock lock(mu_);
  return keys_.empty();
}

StatusOr<Principal> ApiKeys::Authenticate(std::string_view token) const {
  const Status bad(StatusCode::kUnauthenticated, "invalid API key");
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return bad;
  token.remove_prefix(kTokenPrefix.size());
  if (token.size() < kIdBytes * 2 + 1 || token[kIdBytes * 2] != '_') return bad;
  std::string id(token.substr(0, kIdBytes * 2));
  std::string hash = HashSecret(token.substr(kIdBytes * 2 + 1));
  std::string principal;
  {
    std::shared_lock lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end() || it->second.secret_hash.size() != hash.size() ||
        sodium_memcmp(it->second.secret_hash.data(), hash.data(), hash.size()) != 0) {
      return bad;
    }
    principal = it->second.principal;
  }
  auto parsed = ParsePrincipal(*policy_, principal);
  if (!parsed.ok()) return Status(StatusCode::kUnauthenticated, "the key's principal is no longer valid");
  return *parsed;
}

}  // namespace privet::server

namespace privet {

StatusOr<ReplacedAdminKey> ReplaceAdminApiKey(const VaultFiles& given, const Clock& clock) {
  const VaultFiles files = vault_internal::WithDefaults(given);
  // A server that holds the vault keeps its keys in memory: it would neither see the new key
  // nor forget the old ones. Refused while it runs.
  ASSIGN_OR_RETURN(vault_internal::VaultLock lock,
                   vault_internal::VaultLock::Acquire(files.data_dir));
  RETURN_IF_ERROR(crypto::InitCrypto());
  {
    // Whoever runs this holds the vault's master key, and so the admin's power anyway.
    ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                     store::OpenSqliteKeyStore(files.key_store_path));
    ASSIGN_OR_RETURN(std::optional<std::string> check, keys->GetMeta("key_check"));
    if (!check)
      return FailedPrecondition("the key store " + files.key_store_path + " holds no vault yet");
    ASSIGN_OR_RETURN(crypto::SecretKey master,
                     vault_internal::LoadMasterKeyFinishingRotation(files.master_key_file, check));
    RETURN_IF_ERROR(crypto::VerifyKeyCheck(master, *check));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::ApiKeyStore> table,
                   store::OpenSqliteApiKeyStore(files.key_store_path));
  ASSIGN_OR_RETURN(std::vector<store::ApiKeyRecord> stored, table->List());
  // The new key is stored before the old ones go: interrupted, the vault keeps an admin key.
  server::MintedKey minted = server::Mint("admin", "admin key (privet keys admin --new)", clock);
  RETURN_IF_ERROR(table->Put(minted.record));
  ReplacedAdminKey replaced{.token = std::move(minted.token)};
  for (const store::ApiKeyRecord& r : stored) {
    if (r.principal != "admin") continue;
    RETURN_IF_ERROR(table->Delete(r.id));
    ++replaced.revoked;
  }
  return replaced;
}

}  // namespace privet
