#include "audit/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "common/unix_time.h"

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

void EntryTimes::Add(std::optional<int64_t> at) {
  if (size_ % kBlock == 0) blocks_.emplace_back();
  Block& block = blocks_.back();
  block.earliest = std::min(block.earliest, at.value_or(INT64_MIN));
  block.latest = std::max(block.latest, at.value_or(INT64_MAX));
  ++size_;
}

std::vector<std::pair<uint64_t, uint64_t>> EntryTimes::Covering(int64_t start, int64_t end,
                                                                uint64_t size) const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  const uint64_t limit = std::min(size, size_);
  for (uint64_t b = 0; b * kBlock < limit; ++b) {
    if (blocks_[b].latest < start || blocks_[b].earliest > end) continue;
    const uint64_t first = b * kBlock;
    const uint64_t last = std::min(limit, first + kBlock);
    if (!out.empty() && out.back().second == first) {
      out.back().second = last;
    } else {
      out.emplace_back(first, last);
    }
  }
  return out;
}

std::optional<int64_t> EntryTimeOf(std::string_view bytes) {
  constexpr std::string_view kEvent = "{\"event\":\"";
  constexpr std::string_view kAt = "\",\"at\":";
  if (bytes.substr(0, kEvent.size()) != kEvent) return std::nullopt;
  const size_t quote = bytes.find('"', kEvent.size());
  if (quote == std::string_view::npos || bytes.substr(quote, kAt.size()) != kAt)
    return std::nullopt;
  bytes.remove_prefix(quote + kAt.size());
  const bool negative = !bytes.empty() && bytes[0] == '-';
  if (negative) bytes.remove_prefix(1);
  size_t n = 0;
  int64_t at = 0;
  for (; n < bytes.size() && bytes[n] >= '0' && bytes[n] <= '9'; ++n) {
    if (n == 18) return std::nullopt;  // more than int64_t surely holds
    at = at * 10 + (bytes[n] - '0');
  }
  if (n == 0) return std::nullopt;
  return negative ? -at : at;
}

StatusOr<MerkleTree> LoadTree(store::DataStore& data, EntryTimes* times) {
  MerkleTree tree;
  for (;;) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> chunk,
                            data.GetAuditEntries(tree.size(), kLoadChunk));
    for (const store::AuditRecord& r : chunk) {
      if (r.index != tree.size())
        return Status(StatusCode::kDataLoss,
                      "the audit log has a gap at entry " + std::to_string(tree.size()));
      tree.Append(LeafHash(r.entry));
      if (times) times->Add(EntryTimeOf(r.entry));
    }
    if (chunk.size() < kLoadChunk) return tree;
  }
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(store::DataStore& data,
                                                   std::string signing_seed) {
  if (signing_seed.size() != crypto_sign_SEEDBYTES)
    return Internal("the audit signing key has the wrong size");
  EntryTimes times;
  PRIVET_ASSIGN_OR_RETURN(MerkleTree tree, LoadTree(data, &times));
  return std::unique_ptr<AuditLog>(
      new AuditLog(std::move(tree), std::move(times), std::move(signing_seed)));
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

void AuditLog::Commit(const std::vector<Hash>& staged, const std::vector<AuditEntry>* entries) {
  const bool timed = entries != nullptr && entries->size() == staged.size();
  WriterLock lock(&mu_);
  for (size_t i = 0; i < staged.size(); ++i) {
    tree_.Append(staged[i]);
    times_.Add(timed ? std::optional<int64_t>(ToUnix((*entries)[i].at)) : std::nullopt);
  }
}

std::vector<std::pair<uint64_t, uint64_t>> AuditLog::TimesCovering(int64_t start, int64_t end,
                                                                   uint64_t size) const {
  ReaderLock lock(&mu_);
  return times_.Covering(start, end, size);
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
