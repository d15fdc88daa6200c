// Identifier normalization and blind indexes (keyed BLAKE2b, one derived key per kind).

#include <sodium.h>

#include "common/name_table.h"
#include "crypto/crypto.h"

namespace privet::crypto {
namespace {

constexpr size_t kMaxIdentifierBytes = 1024;
constexpr size_t kMaxPhoneDigits = 20;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "privetbi";
static_assert(crypto_kdf_CONTEXTBYTES == 8);
static_assert(crypto_generichash_BYTES == 32);

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

// Messages name the kind and the problem, never the value (it is personal data).
Status Invalid(IdentifierKind kind, std::string_view problem) {
  return InvalidArgument(std::string(IdentifierKindName(kind)) + " identifier " +
                         std::string(problem));
}

StatusOr<std::string> NormalizeEmail(std::string_view value) {
  constexpr IdentifierKind kKind = IdentifierKind::kEmail;
  for (char c : value) {
    if (IsSpace(c) || IsControl(c)) {
      return Invalid(kKind, "contains whitespace or a control character");
    }
  }
  size_t at = value.rfind('@');
  if (at == std::string_view::npos) return Invalid(kKind, "has no '@'");
  if (at == 0 || at + 1 == value.size()) {
    return Invalid(kKind, "needs a non-empty part on both sides of the '@'");
  }
  return LowerAscii(value);
}

StatusOr<std::string> NormalizePhone(std::string_view value) {
  constexpr IdentifierKind kKind = IdentifierKind::kPhone;
  std::string out;
  if (value.front() == '+') {
    out.push_back('+');
    value.remove_prefix(1);
  }
  size_t digits = 0;
  for (char c : value) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
      ++digits;
    } else if (c != ' ' && c != '-' && c != '.' && c != '/' && c != '(' && c != ')') {
      return Invalid(kKind, "may hold only digits, a leading '+', spaces and - . / ( )");
    }
  }
  if (digits == 0) return Invalid(kKind, "has no digits");
  if (digits > kMaxPhoneDigits) return Invalid(kKind, "has more than 20 digits");
  return out;
}

StatusOr<std::string> NormalizeUsername(std::string_view value) {
  for (char c : value) {
    if (IsControl(c)) return Invalid(IdentifierKind::kUsername, "contains a control character");
  }
  return LowerAscii(value);
}

int KindIndex(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kEmail:
      return 0;
    case IdentifierKind::kPhone:
      return 1;
    case IdentifierKind::kUsername:
      return 2;
  }
  return 0;
}

}  // namespace

namespace {

constexpr auto kIdentifierKindNames = common::MakeNameTable<IdentifierKind>({
    {IdentifierKind::kEmail, "email"},
    {IdentifierKind::kPhone, "phone"},
    {IdentifierKind::kUsername, "username"},
});
static_assert(common::CoversEveryEnumerator(kIdentifierKindNames));

}  // namespace

std::string_view IdentifierKindName(IdentifierKind kind) { return kIdentifierKindNames.Name(kind); }
std::optional<IdentifierKind> ParseIdentifierKindName(std::string_view name) {
  return kIdentifierKindNames.Parse(name);
}

StatusOr<std::string> NormalizeIdentifier(IdentifierKind kind, std::string_view value) {
  if (value.size() > kMaxIdentifierBytes) return Invalid(kind, "is longer than 1024 bytes");
  value = Trim(value);
  if (value.empty()) return Invalid(kind, "is empty");
  switch (kind) {
    case IdentifierKind::kEmail:
      return NormalizeEmail(value);
    case IdentifierKind::kPhone:
      return NormalizePhone(value);
    case IdentifierKind::kUsername:
      return NormalizeUsername(value);
  }
  return InvalidArgument("unknown identifier kind");
}

BlindIndexer::BlindIndexer(const SecretKey& root) {
  (void)InitCrypto();  // crypto_kdf and crypto_generichash work without it (portable code).
  for (IdentifierKind kind :
       {IdentifierKind::kEmail, IdentifierKind::kPhone, IdentifierKind::kUsername}) {
    const int index = KindIndex(kind);
    std::array<uint8_t, kKeyBytes> derived;
    crypto_kdf_derive_from_key(derived.data(), derived.size(), /*subkey_id=*/index + 1, kKdfContext,
                               root.data());
    StatusOr<SecretKey> key =
        SecretKey::FromBytes({reinterpret_cast<const char*>(derived.data()), derived.size()});
    sodium_memzero(derived.data(), derived.size());
    keys_[index] = std::move(key).value();  // the size is right, so FromBytes cannot fail
  }
  // The fourth derived key hashes one-time codes (subkey 4: after the three identifier kinds).
  std::array<uint8_t, kKeyBytes> derived;
  crypto_kdf_derive_from_key(derived.data(), derived.size(), /*subkey_id=*/4, kKdfContext,
                             root.data());
  code_key_ =
      SecretKey::FromBytes({reinterpret_cast<const char*>(derived.data()), derived.size()}).value();
  sodium_memzero(derived.data(), derived.size());
}

std::string BlindIndexer::CodeHash(std::string_view context, std::string_view code) const {
  std::string message = std::string(context) + '\0' + std::string(code);
  std::string hash(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(hash.data()), hash.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     code_key_.data(), kKeyBytes);
  sodium_memzero(message.data(), message.size());
  return hash;
}

StatusOr<std::string> BlindIndexer::Compute(IdentifierKind kind, std::string_view value) const {
  PRIVET_ASSIGN_OR_RETURN(std::string normalized, NormalizeIdentifier(kind, value));
  std::string index(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(index.data()), index.size(),
                     reinterpret_cast<const unsigned char*>(normalized.data()), normalized.size(),
                     keys_[KindIndex(kind)].data(), kKeyBytes);
  return index;
}

}  // namespace privet::crypto
