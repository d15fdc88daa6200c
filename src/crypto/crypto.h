// Envelope encryption for the vault, on libsodium.
//
//   master key (key file 0600 or PRIVET_MASTER_KEY)            -- never stored with data
//     └─ wraps one random 32-byte key per subject             -- in the key store
//           └─ seals each field: XChaCha20-Poly1305-IETF,
//              associated data binds subject, category and field id
//   index root key (random, wrapped by the master key)        -- in the key store
//     └─ derives one key per blind index (email, phone, username): keyed BLAKE2b of the
//        normalized value, so lookups need no plaintext index
//
// Erasing a subject destroys its wrapped key (crypto-shredding): every sealed field of that
// subject, in the live file or in any backup, becomes unreadable.
//
// Nonces: 24 random-looking bytes made of a per-process random prefix (one getrandom at startup)
// and a 64-bit counter, so sealing a field makes no system call and nonces never repeat within
// a prefix. XChaCha's 192-bit nonce makes random prefixes collision-safe across processes. A
// child made by fork() redraws the prefix of every live NonceSource (pthread_atfork), so parent
// and child never share a nonce stream.
//
// Persisted formats (changing any of them makes existing data unreadable):
//   sealed value   nonce (24) || ciphertext || tag (16)
//   field AD       "privet/field/v1" || subject id (8, LE) || field id (8, LE)
//                  || category length (8, LE) || category
//   wrapped key    Seal(master, key bytes, "privet/subject-key/v1" || subject id (8, LE))
//   key check      Seal(master, "privet key check", "privet/key-check/v1")
//   blind index    BLAKE2b-256(key = KDF(root, id, "privetbi"), normalized value);
//                  id 1 email, 2 phone, 3 username
//   unsubscribe    base64url (unpadded) of random nonce (24) || XChaCha20-Poly1305 of
//   token          (subject id (8, LE) || channel id) || tag (16); AD "privet/unsubscribe/v1";
//                  key KDF(index root, 1, "privetus")
//
// Thread-safety: all functions are thread-safe; NonceSource is lock-free.
// Private to src/ (the vault is the public interface).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "privet/status.h"

namespace privet::crypto {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kNonceBytes = 24;  // XChaCha20-Poly1305-IETF
inline constexpr size_t kTagBytes = 16;

// Initializes libsodium once; every factory below calls it. Fails only if libsodium cannot start.
Status InitCrypto();

// A 32-byte secret key; wiped from memory when destroyed. Move-only.
class SecretKey {
 public:
  SecretKey() = default;
  ~SecretKey();
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  static SecretKey Random();
  // From exactly kKeyBytes bytes; InvalidArgument otherwise (and only then).
  static StatusOr<SecretKey> FromBytes(std::string_view bytes);
  // From 64 hex characters (the PRIVET_MASTER_KEY format); InvalidArgument otherwise.
  static StatusOr<SecretKey> FromHex(std::string_view hex);

  const uint8_t* data() const { return bytes_.data(); }
  // Constant-time comparison (sodium_memcmp).
  friend bool operator==(const SecretKey& a, const SecretKey& b);
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  std::string ToHex() const;

 private:
  std::array<uint8_t, kKeyBytes> bytes_{};
};

// Loads the master key: from the environment variable PRIVET_MASTER_KEY (64 hex chars) when
// set, else from `key_file`, creating the file with mode 0600 and a fresh random key when it
// does not exist. The file holds 64 hex characters and a newline; it is written to a temporary
// file (O_CREAT|O_EXCL, 0600), fsynced and linked into place, then the directory is fsynced, so
// a crash or a concurrent first start never leaves a partial key file.
// Errors name the file or the variable, never the key:
//   InvalidArgument     PRIVET_MASTER_KEY is set but is not 64 hex characters;
//   FailedPrecondition  the file is not a regular file, or group/other have any access to it;
//   DataLoss            the file is not exactly 64 hex characters (and an optional newline);
//   Internal            an I/O error (open, read, write, fsync, link).
StatusOr<SecretKey> LoadOrCreateMasterKey(const std::string& key_file);
// The same, but never creates the file: FailedPrecondition (naming the file) when it is missing.
// For a key store that already exists, whose master key a new file could never be.
StatusOr<SecretKey> LoadExistingMasterKey(const std::string& key_file);

// Unique nonces without a system call per nonce (see the file comment).
// Nonce layout: prefix (16 random bytes) || counter (8 bytes, little-endian).
class NonceSource {
 public:
  NonceSource();  // draws the random prefix
  ~NonceSource();
  NonceSource(const NonceSource&) = delete;
  NonceSource& operator=(const NonceSource&) = delete;

  std::array<uint8_t, kNonceBytes> Next();

 private:
  friend void ReseedNonceSourcesAfterFork();

  std::array<uint8_t, 16> prefix_{};
  std::atomic<uint64_t> counter_{0};
};

// Seals `plaintext` under `key` with associated data `ad`. Returns nonce || ciphertext || tag.
std::string Seal(const SecretKey& key, std::string_view plaintext, std::string_view ad,
                 NonceSource& nonces);
// Opens what Seal produced. DataLoss "cannot open sealed value" if the key, the associated data
// or any byte is wrong, or if `sealed` is too short to be a sealed value.
StatusOr<std::string> Open(const SecretKey& key, std::string_view sealed, std::string_view ad);

// A subkey of `root` for one use: crypto_kdf (BLAKE2b) with an 8-character `context` and a
// subkey number. Different contexts or numbers give independent keys.
SecretKey DeriveKey(const SecretKey& root, uint64_t subkey_id, const char (&context)[9]);

// HMAC-SHA-256 of `message` under `key` (any length), as 64 lowercase hex characters.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// SHA-256 of `message` (FIPS 180-4), as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view message);

// `n` random bytes from libsodium's CSPRNG, as 2n lowercase hex characters (secrets, tokens).
std::string RandomHex(size_t n);

// The associated data that binds a sealed field to its row.
std::string FieldAssociatedData(uint64_t subject_id, std::string_view category, uint64_t field_id);
// The same, written into `buffer` (replacing its contents), for loops that open many fields
// without an allocation each. The view is valid while `buffer` is unchanged.
std::string_view FieldAssociatedData(uint64_t subject_id, std::string_view category,
                                     uint64_t field_id, std::string& buffer);

// Wraps a subject key under the master key, bound to the subject id; and back. UnwrapKey returns
// DataLoss when `wrapped` does not open under `master` for `subject_id`.
std::string WrapKey(const SecretKey& master, const SecretKey& key, uint64_t subject_id,
                    NonceSource& nonces);
StatusOr<SecretKey> UnwrapKey(const SecretKey& master, std::string_view wrapped,
                              uint64_t subject_id);

// A value sealed under the master key at vault creation; opening it proves the key is right.
std::string MakeKeyCheck(const SecretKey& master, NonceSource& nonces);
// FailedPrecondition "wrong master key: it does not open this key store" when `check` does not
// open under `master` (whatever the reason: wrong key, truncated or altered check).
Status VerifyKeyCheck(const SecretKey& master, std::string_view check);

// Unsubscribe tokens (the link in a marketing email, RFC 8058): a subject and a marketing channel,
// sealed under `key` with a random nonce, as unpadded base64url (about 70 characters for a short
// channel id). Opaque (nothing of the subject can be read from one, and no two tokens for the same
// subject and channel are alike) and unforgeable (a changed byte does not open). Channel ids
// longer than 64 bytes are cut there. OpenUnsubscribeToken: NotFound "not an unsubscribe token"
// for text that is not base64url of a token sealed under `key`, whatever the reason.
struct UnsubscribeTarget {
  uint64_t subject_id = 0;
  std::string channel;
};
std::string SealUnsubscribeToken(const SecretKey& key, uint64_t subject_id,
                                 std::string_view channel);
StatusOr<UnsubscribeTarget> OpenUnsubscribeToken(const SecretKey& key, std::string_view token);

// Blind indexes: keyed hashes for exact-match lookup of identifiers.
enum class IdentifierKind { kEmail, kPhone, kUsername };
std::string_view IdentifierKindName(IdentifierKind kind);  // "email", "phone", "username"
std::optional<IdentifierKind> ParseIdentifierKindName(std::string_view name);  // nullopt if unknown

// Normalizes an identifier before hashing: email trimmed and lower-cased; phone reduced to its
// digits (a leading + kept); username trimmed and lower-cased. InvalidArgument for a value that
// cannot be one (empty, an email without '@', a phone without digits). In detail:
//   email     ASCII whitespace trimmed, ASCII lower-cased; refused without a non-empty part on
//             each side of the last '@', or with whitespace or control characters inside;
//   phone     one leading '+' kept, then digits only; spaces, '-', '.', '/', '(' and ')' are
//             dropped; refused with any other character, or without 1 to 20 digits;
//   username  ASCII whitespace trimmed, ASCII lower-cased; refused with control characters.
// Any value over 1024 bytes is refused. Error messages never repeat the value.
StatusOr<std::string> NormalizeIdentifier(IdentifierKind kind, std::string_view value);

class BlindIndexer {
 public:
  // Derives one key per identifier kind from `root` (crypto_kdf, context "privetbi").
  explicit BlindIndexer(const SecretKey& root);
  // 32-byte keyed BLAKE2b of the normalized value; InvalidArgument as NormalizeIdentifier.
  StatusOr<std::string> Compute(IdentifierKind kind, std::string_view value) const;
  // 32-byte keyed BLAKE2b of a one-time code bound to `context` (e.g. the request id), under its
  // own derived key: a stored hash gives no way to test codes without the key.
  std::string CodeHash(std::string_view context, std::string_view code) const;

 private:
  std::array<SecretKey, 3> keys_;
  SecretKey code_key_;
};

}  // namespace privet::crypto
