#include "audit/merkle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "testing/status_matchers.h"

namespace privet::audit {
namespace {

using ::testing::ElementsAreArray;

using ::privet::testing::StatusIs;

Hash H(std::string_view hex) {
  std::optional<Hash> hash = HashFromHex(hex);
  EXPECT_TRUE(hash.has_value()) << hex;
  return hash.value_or(Hash{});
}

std::vector<Hash> Hs(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash> hashes;
  hashes.reserve(hexes.size());
  for (std::string_view hex : hexes) hashes.push_back(H(hex));
  return hashes;
}

std::vector<std::string> HexAll(const std::vector<Hash>& hashes) {
  std::vector<std::string> hexes;
  hexes.reserve(hashes.size());
  for (const Hash& hash : hashes) hexes.push_back(HashToHex(hash));
  return hexes;
}

// The eight leaves of the RFC 6962 test tree used by the Certificate Transparency and Trillian
// reference implementations.
std::vector<std::string> VectorLeaves() {
  return {std::string(),
          std::string("\x00", 1),
          "\x10",
          "\x20\x21",
          "\x30\x31",
          "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}

// MTH(D[size]) for size 0..8 of that tree.
constexpr const char* kVectorRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MerkleTree VectorTree() {
  MerkleTree tree;
  for (const std::string& leaf : VectorLeaves()) tree.Append(LeafHash(leaf));
  return tree;
}

// Leaf hashes of a tree of `n` distinct entries.
std::vector<Hash> DistinctLeaves(uint64_t n) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(LeafHash("entry-" + std::to_string(i)));
  return leaves;
}

MerkleTree TreeOf(const std::vector<Hash>& leaves) {
  MerkleTree tree;
  for (const Hash& leaf : leaves) tree.Append(leaf);
  return tree;
}

// The RFC 9162 definitions, written as recursively as the RFC writes them, over a plain list of
// leaf hashes: what MerkleTree's stored levels and unrolled loops must agree with.
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

Hash ReferenceRoot(const std::vector<Hash>& d, uint64_t begin, uint64_t end) {
  if (end == begin) return EmptyRoot();
  if (end - begin == 1) return d[begin];
  const uint64_t k = SplitPoint(end - begin);
  return NodeHash(ReferenceRoot(d, begin, begin + k), ReferenceRoot(d, begin + k, end));
}

std::vector<Hash> ReferencePath(const std::vector<Hash>& d, uint64_t m, uint64_t begin,
                                uint64_t end) {
  if (end - begin == 1) return {};
  const uint64_t k = SplitPoint(end - begin);
  std::vector<Hash> path;
  if (m < k) {
    path = ReferencePath(d, m, begin, begin + k);
    path.push_back(ReferenceRoot(d, begin + k, end));
  } else {
    path = ReferencePath(d, m - k, begin + k, end);
    path.push_back(ReferenceRoot(d, begin, begin + k));
  }
  return path;
}

std::vector<Hash> ReferenceSubproof(const std::vector<Hash>& d, uint64_t m, uint64_t begin,
                                    uint64_t end, bool b) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (b) return {};
    return {ReferenceRoot(d, begin, end)};
  }
  const uint64_t k = SplitPoint(n);
  std::vector<Hash> proof;
  if (m <= k) {
    proof = ReferenceSubproof(d, m, begin, begin + k, b);
    proof.push_back(ReferenceRoot(d, begin + k, end));
  } else {
    proof = ReferenceSubproof(d, m - k, begin + k, end, false);
    proof.push_back(ReferenceRoot(d, begin, begin + k));
  }
  return proof;
}

// ---------------------------------------------------------------------------------------------
// Hashing, roots, hex.

TEST(Merkle, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(HashToHex(EmptyRoot()), kVectorRoots[0]);
  EXPECT_EQ(MerkleAccumulator().Root(), EmptyRoot());
  EXPECT_EQ(MerkleTree().Root(), EmptyRoot());
}

TEST(Merkle, LeafAndNodeHashesAreDomainSeparated) {
  const std::vector<std::string> leaves = VectorLeaves();
  EXPECT_EQ(HashToHex(LeafHash(leaves[0])), kVectorRoots[1]);
  EXPECT_EQ(HashToHex(LeafHash(leaves[1])),
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  EXPECT_EQ(HashToHex(NodeHash(LeafHash(leaves[0]), LeafHash(leaves[1]))), kVectorRoots[2]);
  EXPECT_NE(NodeHash(LeafHash(leaves[1]), LeafHash(leaves[0])),
            NodeHash(LeafHash(leaves[0]), LeafHash(leaves[1])));
}

TEST(Merkle, RootsOfTheReferenceTree) {
  const std::vector<std::string> leaves = VectorLeaves();
  MerkleAccumulator accumulator;
  MerkleTree tree;
  for (size_t size = 1; size <= leaves.size(); ++size) {
    accumulator.Append(LeafHash(leaves[size - 1]));
    tree.Append(LeafHash(leaves[size - 1]));
    EXPECT_EQ(HashToHex(accumulator.Root()), kVectorRoots[size]) << "size " << size;
    EXPECT_EQ(HashToHex(tree.Root()), kVectorRoots[size]) << "size " << size;
  }
  for (uint64_t size = 0; size <= 8; ++size) {
    StatusOr<Hash> root = tree.RootAt(size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(HashToHex(*root), kVectorRoots[size]) << "size " << size;
  }
}

TEST(Merkle, TreeAgreesWithTheRecursiveDefinition) {
  // Past 2^4 leaves the tree reads stored levels; past 2^6 several of them.
  const std::vector<Hash> leaves = DistinctLeaves(300);
  MerkleTree tree;
  MerkleAccumulator accumulator;
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    tree.Append(leaves[size - 1]);
    accumulator.Append(leaves[size - 1]);
    const Hash expected = ReferenceRoot(leaves, 0, size);
    ASSERT_EQ(tree.Root(), expected) << "size " << size;
    ASSERT_EQ(accumulator.Root(), expected) << "size " << size;
    ASSERT_EQ(accumulator.peaks().size(), static_cast<size_t>(std::popcount(size)));
  }
  for (uint64_t size = 0; size <= leaves.size(); ++size) {
    StatusOr<Hash> root = tree.RootAt(size);
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(*root, ReferenceRoot(leaves, 0, size)) << "size " << size;
  }
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    StatusOr<Hash> leaf = tree.LeafHashAt(i);
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(*leaf, leaves[i]);
  }
}

TEST(Merkle, RejectsOutOfRangeSizesAndIndexes) {
  MerkleTree tree = VectorTree();
  EXPECT_THAT(tree.RootAt(9), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.LeafHashAt(8), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.LeafHashAt(std::numeric_limits<uint64_t>::max()),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MerkleTree().LeafHashAt(0), StatusIs(StatusCode::kInvalidArgument));
}

TEST(Merkle, AccumulatorResumesFromItsPeaks) {
  const std::vector<Hash> leaves = DistinctLeaves(45);
  MerkleAccumulator original;
  for (size_t i = 0; i < 27; ++i) original.Append(leaves[i]);
  StatusOr<MerkleAccumulator> resumed = MerkleAccumulator::FromPeaks(27, original.peaks());
  ASSERT_TRUE(resumed.ok());
  for (size_t i = 27; i < leaves.size(); ++i) {
    original.Append(leaves[i]);
    resumed->Append(leaves[i]);
  }
  EXPECT_EQ(resumed->size(), 45u);
  EXPECT_EQ(resumed->Root(), ReferenceRoot(leaves, 0, leaves.size()));
  EXPECT_EQ(resumed->Root(), original.Root());
}

TEST(Merkle, AccumulatorRejectsPeaksThatDoNotFitTheSize) {
  const std::vector<Hash> three = DistinctLeaves(3);
  EXPECT_THAT(MerkleAccumulator::FromPeaks(4, three), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MerkleAccumulator::FromPeaks(0, {three[0]}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MerkleAccumulator::FromPeaks(std::numeric_limits<uint64_t>::max(), three),
              StatusIs(StatusCode::kInvalidArgument));
  StatusOr<MerkleAccumulator> empty = MerkleAccumulator::FromPeaks(0, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->Root(), EmptyRoot());
}

TEST(Merkle, VisitReportsEveryCompletedSubtree) {
  MerkleAccumulator accumulator;
  std::vector<std::tuple<int, uint64_t>> nodes;
  const std::vector<Hash> leaves = DistinctLeaves(8);
  for (int i = 0; i < 4; ++i) {
    accumulator.AppendAndVisit(leaves[i], [&](int level, uint64_t index, const Hash& node) {
      nodes.emplace_back(level, index);
      EXPECT_EQ(node, ReferenceRoot(leaves, index << level, (index + 1) << level));
    });
  }
  EXPECT_THAT(nodes, ElementsAreArray(std::vector<std::tuple<int, uint64_t>>{
                         {0, 0}, {0, 1}, {1, 0}, {0, 2}, {0, 3}, {1, 1}, {2, 0}}));
}

TEST(Merkle, HexRoundTripsAndRejectsEverythingElse) {
  const Hash hash = LeafHash("x");
  EXPECT_EQ(HashFromHex(HashToHex(hash)), hash);
  std::string upper = HashToHex(hash);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(HashFromHex(upper), hash);
  const std::string hex = HashToHex(hash);
  EXPECT_EQ(HashFromHex(""), std::nullopt);
  EXPECT_EQ(HashFromHex(hex.substr(1)), std::nullopt);
  EXPECT_EQ(HashFromHex(hex + "0"), std::nullopt);
  EXPECT_EQ(HashFromHex(" " + hex.substr(1)), std::nullopt);
  EXPECT_EQ(HashFromHex("g" + hex.substr(1)), std::nullopt);
  EXPECT_EQ(HashFromHex(hex.substr(0, 63) + "-"), std::nullopt);
  EXPECT_EQ(HashFromHex(std::string(64, '\0')), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Proofs: the published vectors.

TEST(MerkleProof, InclusionVectors) {
  MerkleTree tree = VectorTree();
  const std::vector<std::string> leaves = VectorLeaves();
  struct Case {
    uint64_t index;
    uint64_t size;
    std::vector<Hash> proof;
  };
  const std::vector<Case> cases = {
      {0, 1, {}},
      {0, 8,
       Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Hs({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, Hs({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("index " + std::to_string(c.index) + " size " + std::to_string(c.size));
    StatusOr<std::vector<Hash>> proof = tree.InclusionProof(c.index, c.size);
    ASSERT_TRUE(proof.ok());
    EXPECT_THAT(HexAll(*proof), ElementsAreArray(HexAll(c.proof)));
    EXPECT_TRUE(VerifyInclusion(LeafHash(leaves[c.index]), c.index, c.size, c.proof,
                                H(kVectorRoots[c.size])));
  }
}

TEST(MerkleProof, ConsistencyVectors) {
  MerkleTree tree = VectorTree();
  struct Case {
    uint64_t old_size;
    uint64_t new_size;
    std::vector<Hash> proof;
  };
  const std::vector<Case> cases = {
      {1, 1, {}},
      {1, 8,
       Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       Hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       Hs({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("old " + std::to_string(c.old_size) + " new " + std::to_string(c.new_size));
    StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(c.old_size, c.new_size);
    ASSERT_TRUE(proof.ok());
    EXPECT_THAT(HexAll(*proof), ElementsAreArray(HexAll(c.proof)));
    EXPECT_TRUE(VerifyConsistency(c.old_size, c.new_size, H(kVectorRoots[c.old_size]),
                                  H(kVectorRoots[c.new_size]), c.proof));
  }
}

// ---------------------------------------------------------------------------------------------
// Proofs: every size, every index, every pair.

TEST(MerkleProof, EveryInclusionProofUpTo64LeavesVerifies) {
  const std::vector<Hash> leaves = DistinctLeaves(64);
  const MerkleTree tree = TreeOf(leaves);
  for (uint64_t size = 1; size <= 64; ++size) {
    const Hash root = ReferenceRoot(leaves, 0, size);
    for (uint64_t index = 0; index < size; ++index) {
      StatusOr<std::vector<Hash>> proof = tree.InclusionProof(index, size);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(*proof, ReferencePath(leaves, index, 0, size))
          << "index " << index << " size " << size;
      ASSERT_TRUE(VerifyInclusion(leaves[index], index, size, *proof, root))
          << "index " << index << " size " << size;
    }
  }
}

TEST(MerkleProof, EveryConsistencyProofUpTo64LeavesVerifies) {
  const std::vector<Hash> leaves = DistinctLeaves(64);
  const MerkleTree tree = TreeOf(leaves);
  for (uint64_t new_size = 1; new_size <= 64; ++new_size) {
    const Hash new_root = ReferenceRoot(leaves, 0, new_size);
    for (uint64_t old_size = 1; old_size <= new_size; ++old_size) {
      StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(old_size, new_size);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(*proof, ReferenceSubproof(leaves, old_size, 0, new_size, true))
          << "old " << old_size << " new " << new_size;
      ASSERT_TRUE(VerifyConsistency(old_size, new_size, ReferenceRoot(leaves, 0, old_size),
                                    new_root, *proof))
          << "old " << old_size << " new " << new_size;
    }
  }
}

TEST(MerkleProof, ProofsFromALargerTreeReadStoredLevels) {
  // 1000 leaves: levels 4 to 9 come from storage, 1 to 3 are recomputed.
  const std::vector<Hash> leaves = DistinctLeaves(1000);
  const MerkleTree tree = TreeOf(leaves);
  for (uint64_t size : {17u, 255u, 256u, 257u, 513u, 999u, 1000u}) {
    const Hash root = ReferenceRoot(leaves, 0, size);
    for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      StatusOr<std::vector<Hash>> proof = tree.InclusionProof(index, size);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(*proof, ReferencePath(leaves, index, 0, size));
      ASSERT_TRUE(VerifyInclusion(leaves[index], index, size, *proof, root));
    }
    for (uint64_t old_size : {uint64_t{1}, uint64_t{16}, size / 2 + 1, size - 1}) {
      StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(old_size, size);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(*proof, ReferenceSubproof(leaves, old_size, 0, size, true));
      ASSERT_TRUE(
          VerifyConsistency(old_size, size, ReferenceRoot(leaves, 0, old_size), root, *proof));
    }
  }
}

TEST(MerkleProof, GenerationRejectsBadArguments) {
  const MerkleTree tree = VectorTree();
  EXPECT_THAT(tree.InclusionProof(0, 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.InclusionProof(8, 8), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.InclusionProof(0, 9), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.InclusionProof(std::numeric_limits<uint64_t>::max(), 8),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.ConsistencyProof(0, 8), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.ConsistencyProof(0, 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.ConsistencyProof(5, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.ConsistencyProof(8, 9), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(tree.ConsistencyProof(1, std::numeric_limits<uint64_t>::max()),
              StatusIs(StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------------
// Proofs: tampering. From each valid proof, index +-1, tree size x2 and /2, every single bit of
// every element flipped, an element removed or inserted, garbage before or after: all rejected.

// The bits of a 256-bit hash to flip: all of them, or (to keep the suites near a second on
// larger trees, where flipping all costs 256 verifications an element) one bit of each byte,
// the bit position rotating with `salt` so that every position is covered across elements.
std::vector<int> FlippedBits(bool every_bit, uint64_t salt) {
  std::vector<int> bits;
  for (int bit = 0; bit < 256; ++bit) {
    if (every_bit || bit % 8 == static_cast<int>((salt + bit / 8) % 8)) bits.push_back(bit);
  }
  return bits;
}

// Every proof obtained from `proof` by removing one element, inserting one (a copy of a
// neighbour, or a stray hash) at any position, or prepending or appending one.
std::vector<std::vector<Hash>> StructuralMutations(const std::vector<Hash>& proof,
                                                   const Hash& root) {
  const Hash stray = LeafHash("garbage");
  std::vector<std::vector<Hash>> mutations;
  for (size_t i = 0; i < proof.size(); ++i) {
    std::vector<Hash> removed = proof;
    removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
    mutations.push_back(removed);
  }
  for (size_t i = 0; i <= proof.size(); ++i) {
    for (const Hash& extra : {stray, root, EmptyRoot(), i > 0 ? proof[i - 1] : stray,
                              i < proof.size() ? proof[i] : stray}) {
      std::vector<Hash> inserted = proof;
      inserted.insert(inserted.begin() + static_cast<std::ptrdiff_t>(i), extra);
      mutations.push_back(inserted);
    }
  }
  return mutations;
}

TEST(MerkleProof, TamperedInclusionProofsAreRejected) {
  constexpr uint64_t kMaxSize = 40;
  constexpr uint64_t kEveryBitUpTo = 24;
  const std::vector<Hash> leaves = DistinctLeaves(kMaxSize);
  const MerkleTree tree = TreeOf(leaves);
  int rejected = 0;
  for (uint64_t size = 1; size <= kMaxSize; ++size) {
    const Hash root = ReferenceRoot(leaves, 0, size);
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
      StatusOr<std::vector<Hash>> generated = tree.InclusionProof(index, size);
      ASSERT_TRUE(generated.ok());
      std::vector<Hash> proof = *generated;
      const Hash& leaf = leaves[index];
      ASSERT_TRUE(VerifyInclusion(leaf, index, size, proof, root));

      auto expect_rejected = [&](uint64_t i, uint64_t n, const std::vector<Hash>& p, const Hash& l,
                                 const Hash& r, std::string_view what) {
        EXPECT_FALSE(VerifyInclusion(l, i, n, p, r)) << what;
        ++rejected;
      };
      expect_rejected(index - 1, size, proof, leaf, root, "index - 1");  // wraps for index 0
      expect_rejected(index + 1, size, proof, leaf, root, "index + 1");
      expect_rejected(index ^ 2, size, proof, leaf, root, "index ^ 2");
      expect_rejected(index, size * 2, proof, leaf, root, "size * 2");
      expect_rejected(index, size / 2, proof, leaf, root, "size / 2");
      expect_rejected(index, size, proof, LeafHash("other"), root, "other leaf");
      if (size > 1) expect_rejected(index, size, proof, root, root, "root as leaf");
      expect_rejected(index, size, proof, leaf, EmptyRoot(), "empty root");
      if (index + 1 < size) {
        expect_rejected(index, size, proof, leaves[index + 1], root, "neighbour leaf");
      }
      for (size_t e = 0; e < proof.size(); ++e) {
        for (int bit : FlippedBits(size <= kEveryBitUpTo, e + index)) {
          proof[e][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
          expect_rejected(index, size, proof, leaf, root, "bit flip");
          proof[e][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        }
      }
      for (const std::vector<Hash>& mutated : StructuralMutations(proof, root)) {
        expect_rejected(index, size, mutated, leaf, root, "element removed or inserted");
      }
      ASSERT_TRUE(VerifyInclusion(leaf, index, size, proof, root));  // flips were undone
    }
  }
  EXPECT_GT(rejected, 100000);
}

TEST(MerkleProof, TamperedConsistencyProofsAreRejected) {
  constexpr uint64_t kMaxSize = 40;
  constexpr uint64_t kEveryBitUpTo = 16;
  const std::vector<Hash> leaves = DistinctLeaves(kMaxSize);
  const MerkleTree tree = TreeOf(leaves);
  std::vector<Hash> roots;
  for (uint64_t size = 0; size <= kMaxSize; ++size) roots.push_back(ReferenceRoot(leaves, 0, size));
  for (uint64_t new_size = 2; new_size <= kMaxSize; ++new_size) {
    for (uint64_t old_size = 1; old_size < new_size; ++old_size) {
      SCOPED_TRACE("old " + std::to_string(old_size) + " new " + std::to_string(new_size));
      StatusOr<std::vector<Hash>> generated = tree.ConsistencyProof(old_size, new_size);
      ASSERT_TRUE(generated.ok());
      std::vector<Hash> proof = *generated;
      const Hash& old_root = roots[old_size];
      const Hash& new_root = roots[new_size];
      ASSERT_TRUE(VerifyConsistency(old_size, new_size, old_root, new_root, proof));

      auto expect_rejected = [&](uint64_t m, uint64_t n, const Hash& r1, const Hash& r2,
                                 const std::vector<Hash>& p, std::string_view what) {
        EXPECT_FALSE(VerifyConsistency(m, n, r1, r2, p)) << what;
      };
      expect_rejected(old_size - 1, new_size, old_root, new_root, proof, "old - 1");
      expect_rejected(old_size + 1, new_size, old_root, new_root, proof, "old + 1");
      expect_rejected(old_size ^ 2, new_size, old_root, new_root, proof, "old ^ 2");
      expect_rejected(old_size * 2, new_size, old_root, new_root, proof, "old * 2");
      expect_rejected(old_size / 2, new_size, old_root, new_root, proof, "old / 2");
      expect_rejected(old_size, new_size * 2, old_root, new_root, proof, "new * 2");
      expect_rejected(old_size, new_size / 2, old_root, new_root, proof, "new / 2");
      expect_rejected(new_size, old_size, old_root, new_root, proof, "sizes swapped");
      expect_rejected(old_size, new_size, new_root, old_root, proof, "roots swapped");
      expect_rejected(old_size, new_size, EmptyRoot(), new_root, proof, "wrong old root");
      expect_rejected(old_size, new_size, old_root, EmptyRoot(), proof, "wrong new root");
      expect_rejected(old_size, new_size, old_root, new_root, {}, "empty proof");
      if (old_size > 1) {
        // A root of another prefix of the same log, at the size of this one.
        expect_rejected(old_size, new_size, roots[old_size - 1], new_root, proof, "old root - 1");
      }
      for (size_t e = 0; e < proof.size(); ++e) {
        for (int bit : FlippedBits(new_size <= kEveryBitUpTo, e + old_size)) {
          proof[e][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
          expect_rejected(old_size, new_size, old_root, new_root, proof, "bit flip");
          proof[e][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        }
      }
      for (const std::vector<Hash>& mutated : StructuralMutations(proof, new_root)) {
        expect_rejected(old_size, new_size, old_root, new_root, mutated,
                        "element removed or inserted");
      }
      ASSERT_TRUE(VerifyConsistency(old_size, new_size, old_root, new_root, proof));
    }
  }
}

// A proof authenticates a leaf (or an old root) against a root; it does not authenticate the
// tree size, which is why the size must come from the same signed tree head as the root. Sizes
// whose audit paths have the same shape are indistinguishable to any RFC 9162 verifier: here
// the size-8 path of leaf 0 (three right siblings) is also a valid size-7 path shape, and since
// nothing but the root could tell the two trees apart, the size-7 claim verifies too.
TEST(MerkleProof, TheTreeSizeIsBoundByTheTreeHeadNotByTheProof) {
  const MerkleTree tree = VectorTree();
  StatusOr<std::vector<Hash>> proof = tree.InclusionProof(0, 8);
  ASSERT_TRUE(proof.ok());
  const Hash leaf = LeafHash(VectorLeaves()[0]);
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 8, *proof, H(kVectorRoots[8])));
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 7, *proof, H(kVectorRoots[8])));
  // The signed head of size 7 carries the size-7 root, against which the proof fails.
  EXPECT_FALSE(VerifyInclusion(leaf, 0, 7, *proof, H(kVectorRoots[7])));
}

TEST(MerkleProof, MalformedInputsAreRejectedWithoutCrashing) {
  const Hash leaf = LeafHash("x");
  const Hash root = leaf;  // The root of the one-leaf tree.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 1, {}, root));
  EXPECT_FALSE(VerifyInclusion(leaf, 0, 0, {}, root));
  EXPECT_FALSE(VerifyInclusion(leaf, 1, 1, {}, root));
  EXPECT_FALSE(VerifyInclusion(leaf, kMax, kMax, {}, root));
  EXPECT_FALSE(VerifyInclusion(leaf, 0, kMax, {}, root));
  EXPECT_FALSE(VerifyInclusion(leaf, kMaxTreeSize - 1, kMaxTreeSize, {}, root));
  EXPECT_FALSE(VerifyInclusion(leaf, 0, 1, {root}, root));
  // Absurdly long proofs stop after at most 64 elements.
  const std::vector<Hash> long_proof(100000, leaf);
  EXPECT_FALSE(VerifyInclusion(leaf, 0, 1, long_proof, root));
  EXPECT_FALSE(VerifyInclusion(leaf, 0, kMaxTreeSize, long_proof, root));
  EXPECT_FALSE(VerifyInclusion(leaf, kMaxTreeSize - 1, kMaxTreeSize, long_proof, root));

  EXPECT_TRUE(VerifyConsistency(1, 1, root, root, {}));
  EXPECT_FALSE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}));
  EXPECT_FALSE(VerifyConsistency(0, 1, EmptyRoot(), root, {}));
  EXPECT_FALSE(VerifyConsistency(0, 1, EmptyRoot(), root, {root}));
  EXPECT_FALSE(VerifyConsistency(1, 1, root, EmptyRoot(), {}));
  EXPECT_FALSE(VerifyConsistency(1, 1, root, root, {root}));
  EXPECT_FALSE(VerifyConsistency(2, 1, root, root, {root}));
  EXPECT_FALSE(VerifyConsistency(1, 2, root, root, {}));
  EXPECT_FALSE(VerifyConsistency(kMax, kMax, root, root, {}));
  EXPECT_FALSE(VerifyConsistency(1, kMax, root, root, {root}));
  EXPECT_FALSE(VerifyConsistency(1, 2, root, root, long_proof));
  EXPECT_FALSE(VerifyConsistency(3, kMaxTreeSize, root, root, long_proof));
  EXPECT_FALSE(VerifyConsistency(kMaxTreeSize - 1, kMaxTreeSize, root, root, long_proof));
}

}  // namespace
}  // namespace privet::audit
