// Unsubscribe tokens (crypto.h): who and which channel, sealed so that only the vault reads them.
#include <sodium.h>

#include <array>
#include <cstring>

#include "crypto/crypto.h"
#include "crypto/internal.h"

namespace privet::crypto {
namespace {

constexpr std::string_view kTokenLabel = "privet/unsubscribe/v1";
constexpr size_t kMaxChannelBytes = 64;
constexpr int kBase64Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status NotAToken() { return Status(StatusCode::kNotFound, "not an unsubscribe token"); }

}  // namespace

std::string SealUnsubscribeToken(const SecretKey& key, uint64_t subject_id,
                                 std::string_view channel) {
  std::string plaintext;
  internal::AppendUint64(plaintext, subject_id);
  plaintext.append(channel.substr(0, kMaxChannelBytes));
  std::string sealed(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(out, kNonceBytes);  // random, not a counter: a token tells nothing of others
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + kNonceBytes, &written, Bytes(plaintext),
                                             plaintext.size(), Bytes(kTokenLabel),
                                             kTokenLabel.size(), /*nsec=*/nullptr, out, key.data());
  internal::Wipe(plaintext);
  std::string token(sodium_base64_ENCODED_LEN(sealed.size(), kBase64Variant), '\0');
  sodium_bin2base64(token.data(), token.size(), out, sealed.size(), kBase64Variant);
  token.resize(std::strlen(token.c_str()));
  return token;
}

StatusOr<UnsubscribeTarget> OpenUnsubscribeToken(const SecretKey& key, std::string_view token) {
  constexpr size_t kLongest = kNonceBytes + 8 + kMaxChannelBytes + kTagBytes;
  std::array<unsigned char, kLongest> sealed{};
  size_t len = 0;
  if (token.size() > sodium_base64_ENCODED_LEN(kLongest, kBase64Variant) ||
      sodium_base642bin(sealed.data(), sealed.size(), token.data(), token.size(), nullptr, &len,
                        nullptr, kBase64Variant) != 0 ||
      len < kNonceBytes + 8 + kTagBytes) {
    return NotAToken();
  }
  std::array<unsigned char, kLongest> plain{};
  unsigned long long opened = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), &opened, /*nsec=*/nullptr, sealed.data() + kNonceBytes, len - kNonceBytes,
          Bytes(kTokenLabel), kTokenLabel.size(), sealed.data(), key.data()) != 0) {
    return NotAToken();
  }
  UnsubscribeTarget target;
  for (int i = 0; i < 8; ++i) target.subject_id |= uint64_t{plain[i]} << (8 * i);
  target.channel.assign(reinterpret_cast<const char*>(plain.data()) + 8, opened - 8);
  sodium_memzero(plain.data(), plain.size());
  return target;
}

}  // namespace privet::crypto
