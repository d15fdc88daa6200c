// The vault's audit log: a Merkle tree over the entries stored in the data store, and the key
// that signs its tree heads. Private to src/; the public face is include/privet/audit.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// The entries' times (`at`, in seconds) by blocks of kBlock entries, each block's earliest and
// latest, so that a search by time (whose data a leaked key read in a window: breaches.cc)
// reads only the blocks that may hold an entry of the window. The times are only nearly in log
// order (a decision is timed before it commits, and a clock can step back), so nothing assumes
// them sorted; an entry whose time is not known makes its block match every window.
// Not thread-safe: AuditLog guards its own.
class EntryTimes {
 public:
  static constexpr uint64_t kBlock = 4096;
  // The next entry's time; nullopt when not known.
  void Add(std::optional<int64_t> at);
  uint64_t size() const { return size_; }
  // Index ranges [first, last), in order, below min(`size`, size()), holding every entry whose
  // time is in [start, end] (and others of the same blocks).
  std::vector<std::pair<uint64_t, uint64_t>> Covering(int64_t start, int64_t end,
                                                      uint64_t size) const;

 private:
  struct Block {
    int64_t earliest = INT64_MAX;
    int64_t latest = INT64_MIN;
  };
  std::vector<Block> blocks_;
  uint64_t size_ = 0;
};

// The time an entry's canonical bytes record (`{"event":"<name>","at":<seconds>,...`), read
// without parsing them; nullopt when they do not start so or the number has over 18 digits.
std::optional<int64_t> EntryTimeOf(std::string_view bytes);

// Rebuilds the tree of every entry stored in `data`, reporting gaps as DataLoss; and, when
// `times` is given, adds each entry's time to it.
StatusOr<MerkleTree> LoadTree(store::DataStore& data, EntryTimes* times = nullptr);

class AuditLog {
 public:
  static StatusOr<std::unique_ptr<AuditLog>> Open(store::DataStore& data, std::string signing_seed);

  // Adds `entries` to `batch` at the end of the log and returns their leaf hashes, which
  // Commit() adds to the tree once the batch is applied. REQUIRES: callers serialize
  // Stage → Apply → Commit (the vault's write lock), so indices stay contiguous.
  std::vector<Hash> Stage(const std::vector<AuditEntry>& entries, store::WriteBatch& batch) const;
  // `entries`, when given, are the staged entries, whose times TimesCovering then knows;
  // without them their blocks match every window.
  void Commit(const std::vector<Hash>& staged, const std::vector<AuditEntry>* entries = nullptr);

  // Signs the head of the tree as it is (after the last Commit), adds it to `batch`.
  SignedTreeHead SignHead(Time now, store::WriteBatch& batch) const;

  uint64_t size() const;

  // EntryTimes::Covering over the entries committed so far: the index ranges below `size` that
  // hold every entry whose time is in [start, end].
  std::vector<std::pair<uint64_t, uint64_t>> TimesCovering(int64_t start, int64_t end,
                                                           uint64_t size) const;

  // Proofs from the tree in memory, built under the lock (audit_proof.h): entries appended up to
  // the last Commit, and no store read. InvalidArgument for a size beyond the log.
  StatusOr<InclusionProof> ProveInclusion(uint64_t index, uint64_t tree_size) const;
  StatusOr<ConsistencyProof> ProveConsistency(uint64_t old_size, uint64_t new_size) const;

 private:
  AuditLog(MerkleTree tree, EntryTimes times, std::string seed)
      : tree_(std::move(tree)), times_(std::move(times)), seed_(std::move(seed)) {}

  mutable SharedMutex mu_;
  MerkleTree tree_ GUARDED_BY(mu_);
  EntryTimes times_ GUARDED_BY(mu_);  // one per leaf of tree_
  std::string seed_;
};

}  // namespace privet::audit
