// The Merkle tree of the audit log: RFC 6962 / RFC 9162 hashing, tree heads and proofs.
//
// Every audit entry is a leaf of an append-only Merkle tree. The root of the tree at a given
// size (the Merkle Tree Hash, MTH) commits to every entry up to that size; an inclusion proof
// shows that one entry is in the tree, a consistency proof that a later tree extends an earlier
// one without rewriting it. Hashing is exactly that of RFC 9162 section 2.1 with SHA-256, so
// any RFC 6962 verifier can check privet's proofs (docs/audit.md spells out the algorithm).
//
//   MerkleTree tree;
//   for (const std::string& entry : entries) tree.Append(LeafHash(entry));
//   Hash root = tree.Root();
//   StatusOr<std::vector<Hash>> proof = tree.InclusionProof(7, tree.size());
//   bool ok = proof.ok() && VerifyInclusion(LeafHash(entries[7]), 7, tree.size(), *proof, root);
//
// Hashes are raw 32-byte SHA-256 digests; HashToHex gives the lowercase hex used on the wire.
// This file is pure computation: no I/O, no clock, no key. Signing tree heads is the audit
// log's job, on top of this.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/status.h"

namespace privet::audit {

// A SHA-256 digest.
using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 || entry): the hash of a leaf holding `entry` (RFC 9162 section 2.1.1).
Hash LeafHash(std::string_view entry);

// SHA-256(0x01 || left || right): the hash of an interior node.
Hash NodeHash(const Hash& left, const Hash& right);

// SHA-256 of the empty string: the root of the tree with no leaves.
Hash EmptyRoot();

// 64 lowercase hex digits.
std::string HashToHex(const Hash& hash);

// Parses exactly 64 hex digits (either case); nullopt for anything else (wrong length, a
// non-hex character, surrounding spaces).
std::optional<Hash> HashFromHex(std::string_view hex);

// The largest tree size the functions below accept: 2^63. Sizes above it are rejected as
// malformed (no log gets there, and it keeps every shift and sum in range).
inline constexpr uint64_t kMaxTreeSize = uint64_t{1} << 63;

// Verifies that `leaf_hash` is the leaf at `index` in the tree of `tree_size` leaves whose root
// is `root`, given the audit path `proof`, by the algorithm of RFC 9162 section 2.1.3.2.
// Returns false for any proof that does not verify and for every malformed input: index >=
// tree_size (so also tree_size 0), tree_size > kMaxTreeSize, a proof too long or too short.
// Never crashes on any input. Thread-safe.
bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t tree_size,
                     const std::vector<Hash>& proof, const Hash& root);

// Verifies that the tree of `new_size` leaves with root `new_root` extends the tree of
// `old_size` leaves with root `old_root`, given the consistency proof `proof`, by the algorithm
// of RFC 9162 section 2.1.4.2. That algorithm is defined for 0 < old_size < new_size; in
// addition, as in the Certificate Transparency implementations, old_size == new_size > 0 is
// accepted exactly when `proof` is empty and the roots are equal. Returns false for any proof
// that does not verify and for every malformed input: old_size 0, old_size > new_size,
// new_size > kMaxTreeSize, an empty proof for different sizes, a proof too long or too short.
// Never crashes on any input. Thread-safe.
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, const std::vector<Hash>& proof);

// The right edge of a Merkle tree: enough to append leaves and compute the current root, and
// nothing else (no proofs). Holds one hash per set bit of size(), so at most 64 hashes whatever
// the size. Append costs one leaf's worth of NodeHash calls amortized (exactly the number of
// trailing one bits of the old size); Root() costs popcount(size()) - 1 NodeHash calls.
// The audit log's append path uses it (or MerkleTree, which embeds one) to compute the head
// to sign. Not thread-safe: one writer, no concurrent readers.
class MerkleAccumulator {
 public:
  MerkleAccumulator() = default;

  // Rebuilds the accumulator of a tree of `size` leaves from its peaks() (the roots of its
  // perfect subtrees, largest first), e.g. after reading them back from storage. Returns
  // InvalidArgument if the number of peaks is not the number of set bits of `size` or if `size`
  // exceeds kMaxTreeSize. The peaks themselves cannot be checked here: check the resulting
  // Root() against a signed tree head.
  static StatusOr<MerkleAccumulator> FromPeaks(uint64_t size, std::vector<Hash> peaks);

  // Appends the leaf whose hash is `leaf_hash` (LeafHash of the entry, not the entry).
  void Append(const Hash& leaf_hash) {
    AppendAndVisit(leaf_hash, [](int, uint64_t, const Hash&) {});
  }

  // Append, calling on_node(level, index, hash) for every perfect subtree this leaf completes:
  // first the leaf itself (level 0, index size()), then each parent it closes, level by level
  // upward. The node at (level, index) covers leaves [index << level, (index + 1) << level).
  // MerkleTree uses this to keep the levels it stores.
  template <typename OnNode>
  void AppendAndVisit(const Hash& leaf_hash, OnNode&& on_node) {
    Hash node = leaf_hash;
    uint64_t index = size_;
    int level = 0;
    on_node(level, index, node);
    while ((index & 1) != 0) {  // `node` is a right child: fold it into its left sibling.
      node = NodeHash(peaks_.back(), node);
      peaks_.pop_back();
      index >>= 1;
      ++level;
      on_node(level, index, node);
    }
    peaks_.push_back(node);
    ++size_;
  }

  uint64_t size() const { return size_; }

  // MTH of the leaves appended so far; EmptyRoot() when there are none.
  Hash Root() const;

  // The roots of the perfect subtrees that make up the tree, largest (leftmost) first: one per
  // set bit of size(), the subtree for bit k covering 2^k leaves.
  const std::vector<Hash>& peaks() const { return peaks_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;
};

// An in-memory Merkle tree that answers roots of any past size and inclusion and consistency
// proofs, each in O(log n) hashes.
//
// Memory: the tree keeps every leaf hash (32 bytes a leaf) and the hashes of the perfect
// subtrees of 2^4 = 16 leaves and more (levels 4 and up: 32 * (1/16 + 1/32 + ...) = 4 bytes a
// leaf). Levels 1 to 3 are not kept: a node there is recomputed from its 2, 4 or 8 leaves (1, 3
// or 7 NodeHash calls) when a proof needs it, which adds at most a few dozen NodeHash calls, a
// few microseconds, to a proof. That is 36 bytes a leaf, about 360 MB for 10,000,000 leaves,
// against 64 bytes a leaf (640 MB) for all levels. Storage grows in fixed chunks of 16,384 hashes
// (512 KiB), so Append never copies what is already stored and the overshoot is at most one chunk
// per level.
//
// Time: Append costs what MerkleAccumulator::Append costs (amortized one NodeHash) plus a store;
// Root() is O(log n); RootAt, InclusionProof and ConsistencyProof are O(log n) NodeHash calls.
//
// Thread-safety: const methods may run concurrently with each other; Append needs exclusive
// access (the audit log holds its lock around it).
class MerkleTree {
 public:
  MerkleTree();
  ~MerkleTree();
  MerkleTree(MerkleTree&&) noexcept;
  MerkleTree& operator=(MerkleTree&&) noexcept;
  MerkleTree(const MerkleTree&) = delete;
  MerkleTree& operator=(const MerkleTree&) = delete;

  // Appends the leaf whose hash is `leaf_hash` (LeafHash of the entry, not the entry).
  void Append(const Hash& leaf_hash);

  uint64_t size() const { return accumulator_.size(); }

  // MTH of the whole tree; EmptyRoot() when it is empty.
  Hash Root() const { return accumulator_.Root(); }

  // The accumulator of the whole tree (its peaks are what to persist to resume appending).
  const MerkleAccumulator& accumulator() const { return accumulator_; }

  // The leaf hash at `index`. InvalidArgument ("index") if index >= size().
  StatusOr<Hash> LeafHashAt(uint64_t index) const;

  // MTH of the first `tree_size` leaves: the root the tree had at that size. EmptyRoot() for
  // tree_size 0. InvalidArgument ("tree_size") if tree_size > size().
  StatusOr<Hash> RootAt(uint64_t tree_size) const;

  // The audit path PATH(index, D[tree_size]) of RFC 9162 section 2.1.3.1, nearest the leaf
  // first. InvalidArgument ("tree_size") if tree_size > size(), ("index") if index >= tree_size.
  StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;

  // The consistency proof PROOF(old_size, D[new_size]) of RFC 9162 section 2.1.4.1; empty when
  // old_size == new_size. InvalidArgument ("new_size") if new_size > size(), ("old_size") if
  // old_size is 0 or greater than new_size.
  StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  // Bytes held by the stored hashes (allocated chunks, not counting the few bookkeeping
  // vectors).
  size_t MemoryBytes() const;

 private:
  class Column;  // A growable array of hashes kept in fixed-size chunks.

  // Levels below this are recomputed from the leaves instead of stored.
  static constexpr int kFirstStoredLevel = 4;

  // Keeps the node at (level, index) if its level is stored. Nodes arrive in index order.
  void StoreNode(int level, uint64_t index, const Hash& node);
  // The hash of the perfect subtree at (level, index), covering leaves
  // [index << level, (index + 1) << level). REQUIRES: those leaves exist.
  Hash Perfect(int level, uint64_t index) const;
  // MTH(D[begin:end]). REQUIRES: begin < end <= size(), and begin a multiple of a power of two
  // >= end - begin (true of every subtree the RFC recursions visit).
  Hash SubtreeRoot(uint64_t begin, uint64_t end) const;

  MerkleAccumulator accumulator_;
  std::unique_ptr<Column> leaves_;
  // stored_[j] holds the level kFirstStoredLevel + j nodes, in index order.
  std::vector<std::unique_ptr<Column>> stored_;
};

}  // namespace privet::audit
