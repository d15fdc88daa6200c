// Seal/Open (XChaCha20-Poly1305-IETF), field associated data, key wrapping and the key check.

#include <sodium.h>

#include <cassert>
#include <cstring>

#include "crypto/crypto.h"
#include "crypto/internal.h"

namespace privet::crypto {
namespace {

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

constexpr std::string_view kFieldLabel = "privet/field/v1";
constexpr std::string_view kSubjectKeyLabel = "privet/subject-key/v1";
constexpr std::string_view kKeyCheckLabel = "privet/key-check/v1";
constexpr std::string_view kKeyCheckPlaintext = "privet key check";

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status CannotOpen() { return internal::DataLoss("cannot open sealed value"); }

// Opens `sealed` into `out`, which has room for sealed.size() - kNonceBytes - kTagBytes bytes.
// REQUIRES: sealed.size() >= kNonceBytes + kTagBytes.
bool OpenInto(const SecretKey& key, std::string_view sealed, std::string_view ad,
              unsigned char* out) {
  const unsigned char* nonce = Bytes(sealed);
  std::string_view ciphertext = sealed.substr(kNonceBytes);
  unsigned long long opened = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(out, &opened, /*nsec=*/nullptr,
                                                    Bytes(ciphertext), ciphertext.size(), Bytes(ad),
                                                    ad.size(), nonce, key.data()) == 0;
}

std::string SubjectKeyAssociatedData(uint64_t subject_id) {
  std::string ad(kSubjectKeyLabel);
  internal::AppendUint64(ad, subject_id);
  return ad;
}

}  // namespace

std::string Seal(const SecretKey& key, std::string_view plaintext, std::string_view ad,
                 NonceSource& nonces) {
  assert(plaintext.size() <= crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX);
  const std::array<uint8_t, kNonceBytes> nonce = nonces.Next();
  std::string sealed(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  std::memcpy(out, nonce.data(), kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + kNonceBytes, &written, Bytes(plaintext),
                                             plaintext.size(), Bytes(ad), ad.size(),
                                             /*nsec=*/nullptr, nonce.data(), key.data());
  assert(written == plaintext.size() + kTagBytes);
  return sealed;
}

StatusOr<std::string> Open(const SecretKey& key, std::string_view sealed, std::string_view ad) {
  if (sealed.size() < kNonceBytes + kTagBytes) return CannotOpen();
  std::string plaintext(sealed.size() - kNonceBytes - kTagBytes, '\0');
  if (!OpenInto(key, sealed, ad, reinterpret_cast<unsigned char*>(plaintext.data()))) {
    return CannotOpen();
  }
  return plaintext;
}

std::string FieldAssociatedData(uint64_t subject_id, std::string_view category, uint64_t field_id) {
  std::string ad;
  ad.reserve(kFieldLabel.size() + size_t{3} * 8 + category.size());
  FieldAssociatedData(subject_id, category, field_id, ad);
  return ad;
}

std::string_view FieldAssociatedData(uint64_t subject_id, std::string_view category,
                                     uint64_t field_id, std::string& buffer) {
  buffer.assign(kFieldLabel);
  internal::AppendUint64(buffer, subject_id);
  internal::AppendUint64(buffer, field_id);
  internal::AppendUint64(buffer, category.size());
  buffer.append(category);
  return buffer;
}

std::string WrapKey(const SecretKey& master, const SecretKey& key, uint64_t subject_id,
                    NonceSource& nonces) {
  return Seal(master, key.view(), SubjectKeyAssociatedData(subject_id), nonces);
}

StatusOr<SecretKey> UnwrapKey(const SecretKey& master, std::string_view wrapped,
                              uint64_t subject_id) {
  if (wrapped.size() != kNonceBytes + kKeyBytes + kTagBytes) return CannotOpen();
  std::array<unsigned char, kKeyBytes> bytes;
  if (!OpenInto(master, wrapped, SubjectKeyAssociatedData(subject_id), bytes.data())) {
    sodium_memzero(bytes.data(), bytes.size());
    return CannotOpen();
  }
  StatusOr<SecretKey> key =
      SecretKey::FromBytes({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

std::string MakeKeyCheck(const SecretKey& master, NonceSource& nonces) {
  return Seal(master, kKeyCheckPlaintext, kKeyCheckLabel, nonces);
}

Status VerifyKeyCheck(const SecretKey& master, std::string_view check) {
  StatusOr<std::string> opened = Open(master, check, kKeyCheckLabel);
  if (!opened.ok() || *opened != kKeyCheckPlaintext) {
    return FailedPrecondition("wrong master key: it does not open this key store");
  }
  return Status::Ok();
}

}  // namespace privet::crypto
