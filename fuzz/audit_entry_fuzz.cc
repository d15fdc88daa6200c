// Fuzz target: what the audit log reads back — stored entries (their canonical bytes), signed
// tree heads (stored, published, and given to `privet audit verify`), hex root hashes and the
// proofs built on them. Any byte string must become a value or an error, never a crash, a hang
// or a sanitizer report; and:
//   - an entry that parses serializes to canonical bytes that parse to the same entry, and those
//     bytes are a fixed point (Serialize(Parse(canonical)) == canonical);
//   - a tree head that parses is written and read back unchanged;
//   - a tree head's signature verifies only when it is the signature of its signing input by our
//     key (Ed25519 is deterministic: we can compute it), so no mutation of a head verifies;
//   - a root hash parses exactly when it is 64 hex digits, and prints back as their lower case;
//   - an inclusion or consistency proof made of the input's bytes never verifies against a root
//     the input did not compute;
//   - stored Merkle peaks are accepted exactly when there is one per set bit of the tree size.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.h"
#include "privet/audit.h"

namespace {

using privet::audit::Hash;

void Require(bool ok) {
  if (!ok) std::abort();
}

// A fixed signing key, so a seed in the corpus can carry a valid signature by it.
struct Signer {
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key{};
  std::string public_key_base64;

  Signer() {
    Require(sodium_init() >= 0);
    std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
    seed.fill(0x42);
    crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed.data());
    std::string b64(sodium_base64_ENCODED_LEN(public_key.size(), sodium_base64_VARIANT_ORIGINAL),
                    '\0');
    sodium_bin2base64(b64.data(), b64.size(), public_key.data(), public_key.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    b64.resize(std::strlen(b64.c_str()));
    public_key_base64 = b64;
  }

  std::string Sign(std::string_view message) const {
    std::string sig(crypto_sign_BYTES, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                         reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         secret_key.data());
    return sig;
  }
};

const Signer& TheSigner() {
  static const Signer signer;
  return signer;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

void CheckEntry(std::string_view text) {
  auto entry = privet::ParseAuditEntry(text);
  if (!entry.ok()) return;
  const std::string canonical = privet::SerializeAuditEntry(*entry);
  auto again = privet::ParseAuditEntry(canonical);
  Require(again.ok());
  Require(privet::SerializeAuditEntry(*again) == canonical);
  Require(again->event == entry->event && again->at == entry->at &&
          again->subject_id == entry->subject_id && again->principal == entry->principal &&
          again->action == entry->action && again->purpose == entry->purpose &&
          again->categories == entry->categories && again->outcome == entry->outcome &&
          again->basis == entry->basis && again->withheld == entry->withheld &&
          again->detail == entry->detail && again->policy_version == entry->policy_version);
}

void CheckTreeHead(std::string_view text) {
  auto head = privet::TreeHeadFromJson(text);
  if (!head.ok()) return;
  auto again = privet::TreeHeadFromJson(privet::TreeHeadToJson(*head));
  Require(again.ok());
  Require(again->tree_size == head->tree_size && again->root_hash == head->root_hash &&
          again->timestamp == head->timestamp && again->signature == head->signature);

  const Signer& signer = TheSigner();
  if (privet::VerifyTreeHeadSignature(*head, signer.public_key_base64)) {
    const std::optional<std::string> sig = Base64Decode(head->signature);
    Require(sig && *sig == signer.Sign(privet::TreeHeadSigningInput(*head)));
  }
  // Signed here, it verifies; one bit of the signature or of the root changed, it does not.
  privet::SignedTreeHead signed_head = *head;
  const std::string sig = signer.Sign(privet::TreeHeadSigningInput(signed_head));
  std::string b64(sodium_base64_ENCODED_LEN(sig.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(sig.data()),
                    sig.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  signed_head.signature = b64;
  Require(privet::VerifyTreeHeadSignature(signed_head, signer.public_key_base64));
  signed_head.tree_size ^= 1;
  Require(!privet::VerifyTreeHeadSignature(signed_head, signer.public_key_base64));

  const std::optional<Hash> root = privet::audit::HashFromHex(head->root_hash);
  std::string lower = head->root_hash;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex =
      head->root_hash.size() == 64 && std::all_of(lower.begin(), lower.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
  Require(root.has_value() == hex);
  if (root) Require(privet::audit::HashToHex(*root) == lower);
}

// The input as a proof: a leaf (the whole input), sizes from its first bytes, roots and nodes
// from 32-byte chunks. A forged proof would need a SHA-256 preimage, so none verifies, except a
// consistency "proof" between a tree and itself (equal sizes, equal roots, no nodes).
void CheckProofs(std::string_view text) {
  if (text.size() < 16) return;
  uint64_t a = 0, b = 0;
  std::memcpy(&a, text.data(), 8);
  std::memcpy(&b, text.data() + 8, 8);
  std::vector<Hash> chunks;
  for (size_t at = 16; at + 32 <= text.size() && chunks.size() < 70; at += 32) {
    Hash h;
    std::memcpy(h.data(), text.data() + at, 32);
    chunks.push_back(h);
  }
  // Stored peaks: accepted exactly when there is one per set bit of a size in range.
  auto accumulator = privet::audit::MerkleAccumulator::FromPeaks(a, chunks);
  Require(accumulator.ok() == (a <= privet::audit::kMaxTreeSize &&
                               static_cast<size_t>(std::popcount(a)) == chunks.size()));
  if (accumulator.ok()) {
    Require(accumulator->size() == a);
    (void)accumulator->Root();
  }
  if (chunks.empty()) return;
  const Hash root = chunks.front();
  std::vector<Hash> proof(chunks.begin() + 1, chunks.end());
  const Hash leaf = privet::audit::LeafHash(text);
  Require(!privet::audit::VerifyInclusion(leaf, a, b, proof, root));
  Require(!privet::audit::VerifyInclusion(leaf, a % 64, b % 64, proof, root));
  const Hash new_root = proof.empty() ? root : proof.back();
  if (!proof.empty()) proof.pop_back();
  const bool consistent = privet::audit::VerifyConsistency(a, b, root, new_root, proof);
  Require(!consistent || (a == b && root == new_root && proof.empty()));
  const bool small = privet::audit::VerifyConsistency(a % 64, b % 64, root, new_root, proof);
  Require(!small || (a % 64 == b % 64 && root == new_root && proof.empty()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckEntry(text);
  CheckTreeHead(text);
  CheckProofs(text);
  return 0;
}
