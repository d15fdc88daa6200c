#include "audit/audit_log.h"

#include <sodium.h>

#include <cstring>
#include <ctime>

namespace privet::audit {
namespace {

constexpr uint64_t kLoadChunk = 65536;

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace

// Key material: always libsodium's CSPRNG, never an IdSource (privet/id_source.h).
std::string NewSigningSeed() {
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  randombytes_buf(seed.data(), seed.size());
  return seed;
}

std::string PublicKeyBase64(const std::string& seed) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(sk, sizeof sk);
  return Base64(std::string_view(reinterpret_cast<const char*>(pk), sizeof pk));
}

StatusOr<MerkleTree> LoadTree(store::DataStore& data) {
  MerkleTree tree;
  for (;;) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> chunk,
                            data.GetAuditEntries(tree.size(), kLoadChunk));
    for (const store::AuditRecord& r : chunk) {
      if (r.index != tree.size())
        return Status(StatusCode::kDataLoss,
                      "the audit log has a gap at entry " + std::to_string(tree.size()));
      tree.Append(LeafHash(r.entry));
    }
    if (chunk.size() < kLoadChunk) return tree;
  }
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(store::DataStore& data,
                                                   std::string signing_seed) {
  if (signing_seed.size() != crypto_sign_SEEDBYTES)
    return Internal("the audit signing key has the wrong size");
  PRIVET_ASSIGN_OR_RETURN(MerkleTree tree, LoadTree(data));
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(tree), std::move(signing_seed)));
}

std::vector<Hash> AuditLog::Stage(const std::vector<AuditEntry>& entries,
                                  store::WriteBatch& batch) const {
  std::vector<Hash> staged;
  staged.reserve(entries.size());
  uint64_t next = size();
  for (const AuditEntry& e : entries) {
    std::string bytes = SerializeAuditEntry(e);
    staged.push_back(LeafHash(bytes));
    batch.AppendAudit({.index = next++, .entry = std::move(bytes)});
  }
  return staged;
}

void AuditLog::Commit(const std::vector<Hash>& staged) {
  WriterLock lock(&mu_);
  for (const Hash& h : staged) tree_.Append(h);
}

uint64_t AuditLog::size() const {
  ReaderLock lock(&mu_);
  return tree_.size();
}

StatusOr<InclusionProof> AuditLog::ProveInclusion(uint64_t index, uint64_t tree_size) const {
  ReaderLock lock(&mu_);
  return audit::ProveInclusion(tree_, index, tree_size);
}

StatusOr<ConsistencyProof> AuditLog::ProveConsistency(uint64_t old_size, uint64_t new_size) const {
  ReaderLock lock(&mu_);
  return audit::ProveConsistency(tree_, old_size, new_size);
}

SignedTreeHead AuditLog::SignHead(Time now, store::WriteBatch& batch) const {
  Hash root;
  uint64_t tree_size;
  {
    ReaderLock lock(&mu_);
    root = tree_.Root();
    tree_size = tree_.size();
  }
  SignedTreeHead head{
      .tree_size = tree_size, .root_hash = HashToHex(root), .timestamp = Rfc3339(now)};
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, reinterpret_cast<const unsigned char*>(seed_.data()));
  const std::string message = TreeHeadSigningInput(head);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), sk);
  sodium_memzero(sk, sizeof sk);
  const std::string signature(reinterpret_cast<const char*>(sig), sizeof sig);
  head.signature = Base64(signature);
  batch.PutTreeHead({.tree_size = tree_size,
                     .root = std::string(reinterpret_cast<const char*>(root.data()), root.size()),
                     .timestamp = head.timestamp,
                     .signature = signature});
  return head;
}

}  // namespace privet::audit
