// Fuzz target: what the vault reads back from its files, which a damaged disk, a restore from
// the wrong backup or a hand edit may have changed. Any byte string must become a value or an
// error (DataLoss), never a crash, a hang or a sanitizer report; and:
//   - a rights request document that reads is written back (ToRecord) to a document that reads
//     to the same request: one round trip reaches a fixed point, so nothing drifts as the desk
//     rewrites a request;
//   - a list column (purposes, categories, evidence) decodes to what a JSON parser reads from it
//     whenever that parser accepts it, and what is encoded again decodes to the same list;
//   - a sealed value (field values, outbox bodies, key-store meta, wrapped subject keys) opens
//     only when sealed under our key and associated data: bytes nobody sealed never open;
//   - a master key in hex (PRIVET_MASTER_KEY, the key file) parses exactly when it is 64 hex
//     digits, and prints back as their lower case.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "nlohmann/json.hpp"
#include "rights/internal.h"
#include "store/sqlite/sqlite_util.h"

namespace {

namespace crypto = privet::crypto;

void Require(bool ok) {
  if (!ok) std::abort();
}

void CheckRequestDocument(std::string_view text) {
  const privet::store::RequestRecord record{
      .id = 7, .subject_id = 9, .document = std::string(text)};
  auto request = privet::rights_internal::FromRecord(record);
  if (!request.ok()) {
    Require(request.status().code() == privet::StatusCode::kDataLoss);
    return;
  }
  const privet::store::RequestRecord written = privet::rights_internal::ToRecord(*request);
  Require(written.id == 7 && written.subject_id == 9 && written.open == request->open());
  auto again = privet::rights_internal::FromRecord(written);
  Require(again.ok());
  const privet::store::RequestRecord rewritten = privet::rights_internal::ToRecord(*again);
  Require(rewritten.document == written.document && rewritten.due_at == written.due_at &&
          rewritten.open == written.open);
}

void CheckStringArray(std::string_view text) {
  auto items = privet::store::sqlite::DecodeStringArray(text);
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const bool strings = j.is_array() && std::all_of(j.begin(), j.end(), [](const nlohmann::json& e) {
                         return e.is_string();
                       });
  if (strings) Require(items.ok() && *items == j.get<std::vector<std::string>>());
  if (!items.ok()) {
    Require(items.status().code() == privet::StatusCode::kDataLoss);
    return;
  }
  auto encoded = privet::store::sqlite::EncodeStringArray(*items);
  if (!encoded.ok()) return;  // an item that is not UTF-8: never written by the store
  auto decoded = privet::store::sqlite::DecodeStringArray(*encoded);
  Require(decoded.ok() && *decoded == *items);
}

void CheckSealed(std::string_view text) {
  static const crypto::SecretKey key = crypto::SecretKey::FromHex(std::string(64, 'a')).value();
  static const crypto::SecretKey master = crypto::SecretKey::FromHex(std::string(64, 'b')).value();
  static crypto::NonceSource nonces;
  const std::string ad = crypto::FieldAssociatedData(9, "email", 7);
  Require(!crypto::Open(key, text, ad).ok());
  Require(!crypto::UnwrapKey(master, text, 9).ok());
  // Sealed here, it opens to the same bytes, and not with another subject's associated data.
  const std::string sealed = crypto::Seal(key, text, ad, nonces);
  auto opened = crypto::Open(key, sealed, ad);
  Require(opened.ok() && *opened == text);
  Require(!crypto::Open(key, sealed, crypto::FieldAssociatedData(10, "email", 7)).ok());
}

void CheckHexKey(std::string_view text) {
  auto key = crypto::SecretKey::FromHex(text);
  const bool hex = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
                     return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                   });
  Require(key.ok() == hex);
  if (!key.ok()) return;
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Require(key->ToHex() == lower);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckRequestDocument(text);
  CheckStringArray(text);
  CheckSealed(text);
  CheckHexKey(text);
  return 0;
}
