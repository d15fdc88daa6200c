// InitCrypto, SecretKey and NonceSource.

#include <pthread.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "common/mutex.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"

namespace privet::crypto {

void ReseedNonceSourcesAfterFork();

namespace {

// Every live NonceSource, so that a forked child can redraw their prefixes. The mutex is held
// across fork() (prepare/parent/child handlers) so the child never inherits it locked.
Mutex& RegistryMutex() {
  static auto* mutex = new Mutex;  // never destroyed: used by atfork handlers at any time
  return *mutex;
}
std::unordered_set<NonceSource*>& Registry() {
  static auto* registry = new std::unordered_set<NonceSource*>;
  return *registry;
}

// Taken in one handler, released in another: beyond what the lock analysis follows.
extern "C" void LockRegistryBeforeFork() NO_THREAD_SAFETY_ANALYSIS { RegistryMutex().Lock(); }
extern "C" void UnlockRegistryInParent() NO_THREAD_SAFETY_ANALYSIS { RegistryMutex().Unlock(); }
extern "C" void ReseedInChild() NO_THREAD_SAFETY_ANALYSIS {
  ReseedNonceSourcesAfterFork();
  RegistryMutex().Unlock();
}

}  // namespace

namespace internal {
void Wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
}
}  // namespace internal

Status InitCrypto() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    ok = sodium_init() >= 0;  // 1 means another library initialized it already.
    if (ok) {
      ok = pthread_atfork(&LockRegistryBeforeFork, &UnlockRegistryInParent, &ReseedInChild) == 0;
    }
  });
  if (!ok) return Internal("cannot initialize libsodium");
  return Status::Ok();
}

// --- SecretKey ---

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

bool operator==(const SecretKey& a, const SecretKey& b) {
  return sodium_memcmp(a.bytes_.data(), b.bytes_.data(), kKeyBytes) == 0;
}

SecretKey SecretKey::Random() {
  // randombytes_buf works (and aborts on an unusable OS RNG) even if sodium_init failed.
  (void)InitCrypto();
  SecretKey key;
  randombytes_buf(key.bytes_.data(), key.bytes_.size());
  return key;
}

StatusOr<SecretKey> SecretKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeyBytes) {
    return InvalidArgument("a key must be exactly " + std::to_string(kKeyBytes) + " bytes, got " +
                           std::to_string(bytes.size()));
  }
  // No InitCrypto(): copying bytes needs no library, so this cannot fail on a right size.
  SecretKey key;
  std::memcpy(key.bytes_.data(), bytes.data(), kKeyBytes);
  return key;
}

StatusOr<SecretKey> SecretKey::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kKeyBytes) {
    return InvalidArgument("a key must be exactly " + std::to_string(2 * kKeyBytes) +
                           " hex characters, got " + std::to_string(hex.size()));
  }
  PRIVET_RETURN_IF_ERROR(InitCrypto());
  SecretKey key;
  size_t decoded = 0;
  // Constant-time decoding; with hex_end == nullptr any non-hex character is an error.
  if (sodium_hex2bin(key.bytes_.data(), key.bytes_.size(), hex.data(), hex.size(),
                     /*ignore=*/nullptr, &decoded, /*hex_end=*/nullptr) != 0 ||
      decoded != kKeyBytes) {
    return InvalidArgument("a key must be exactly " + std::to_string(2 * kKeyBytes) +
                           " hex characters; found a character that is not hex");
  }
  return key;
}

std::string SecretKey::ToHex() const {
  std::string hex(2 * kKeyBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes_.data(), bytes_.size());  // constant-time
  hex.pop_back();  // the terminating NUL; no reallocation, so no stray copy of the key
  return hex;
}

SecretKey DeriveKey(const SecretKey& root, uint64_t subkey_id, const char (&context)[9]) {
  static_assert(crypto_kdf_CONTEXTBYTES == 8);
  std::array<uint8_t, kKeyBytes> derived;
  crypto_kdf_derive_from_key(derived.data(), derived.size(), subkey_id, context, root.data());
  SecretKey key =
      SecretKey::FromBytes({reinterpret_cast<const char*>(derived.data()), derived.size()})
          .value();  // the size is right, so FromBytes cannot fail
  sodium_memzero(derived.data(), derived.size());
  return key;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  std::string hex(2 * mac.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();
  return hex;
}

std::string Sha256Hex(std::string_view message) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size());
  std::string hex(2 * digest.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

std::string RandomHex(size_t n) {
  (void)InitCrypto();
  std::string bytes(n, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  std::string hex(2 * n + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  sodium_memzero(bytes.data(), bytes.size());
  hex.pop_back();
  return hex;
}

// --- NonceSource ---

NonceSource::NonceSource() {
  (void)InitCrypto();  // registers the fork handler; randombytes_buf works regardless.
  MutexLock lock(&RegistryMutex());
  randombytes_buf(prefix_.data(), prefix_.size());
  Registry().insert(this);
}

NonceSource::~NonceSource() {
  MutexLock lock(&RegistryMutex());
  Registry().erase(this);
}

std::array<uint8_t, kNonceBytes> NonceSource::Next() {
  const uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  std::array<uint8_t, kNonceBytes> nonce;
  std::copy(prefix_.begin(), prefix_.end(), nonce.begin());
  for (size_t i = 0; i < 8; ++i) nonce[prefix_.size() + i] = static_cast<uint8_t>(n >> (8 * i));
  return nonce;
}

// Runs in the child right after fork(), when only the forking thread exists and the registry
// mutex is held by it.
void ReseedNonceSourcesAfterFork() {
  for (NonceSource* source : Registry()) {
    randombytes_buf(source->prefix_.data(), source->prefix_.size());
  }
}

}  // namespace privet::crypto
