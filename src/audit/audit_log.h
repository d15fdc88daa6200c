// The vault's audit log: a Merkle tree over the entries stored in the data store, and the key
// that signs its tree heads. Private to src/; the public face is include/privet/audit.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "audit/audit_proof.h"
#include "audit/merkle.h"
#include "common/mutex.h"
#include "privet/audit.h"
#include "store/store.h"

namespace privet::audit {

// Ed25519 signing keys for tree heads: a 32-byte seed kept wrapped in the key store, and the
// public key published as base64.
std::string NewSigningSeed();
std::string PublicKeyBase64(const std::string& seed);

// Rebuilds the tree of every entry stored in `data`, reporting gaps as DataLoss.
StatusOr<MerkleTree> LoadTree(store::DataStore& data);

class AuditLog {
 public:
  static StatusOr<std::unique_ptr<AuditLog>> Open(store::DataStore& data, std::string signing_seed);

  // Adds `entries` to `batch` at the end of the log and returns their leaf hashes, which
  // Commit() adds to the tree once the batch is applied. REQUIRES: callers serialize
  // Stage → Apply → Commit (the vault's write lock), so indices stay contiguous.
  std::vector<Hash> Stage(const std::vector<AuditEntry>& entries, store::WriteBatch& batch) const;
  void Commit(const std::vector<Hash>& staged);

  // Signs the head of the tree as it is (after the last Commit), adds it to `batch`.
  SignedTreeHead SignHead(Time now, store::WriteBatch& batch) const;

  uint64_t size() const;

  // Proofs from the tree in memory, built under the lock (audit_proof.h): entries appended up to
  // the last Commit, and no store read. InvalidArgument for a size beyond the log.
  StatusOr<InclusionProof> ProveInclusion(uint64_t index, uint64_t tree_size) const;
  StatusOr<ConsistencyProof> ProveConsistency(uint64_t old_size, uint64_t new_size) const;

 private:
  AuditLog(MerkleTree tree, std::string seed) : tree_(std::move(tree)), seed_(std::move(seed)) {}

  mutable SharedMutex mu_;
  MerkleTree tree_ GUARDED_BY(mu_);
  std::string seed_;
};

}  // namespace privet::audit
