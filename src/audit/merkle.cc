#include "audit/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace privet::audit {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// What fails only with a broken OpenSSL or no memory left: the audit log cannot go on without
// its hash, so the process stops rather than record an entry it cannot chain.
[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "privet: %s\n", what);
  std::abort();
}

// SHA-256 through OpenSSL's EVP interface, which runs on the CPU's SHA extensions where it has
// them: every audit entry is hashed once as a leaf and about once more as part of a node, on the
// commit path of every read. libsodium, privet's crypto library for everything secret, has only
// a portable C SHA-256, 3-4 times slower on a 300-byte entry (docs/performance.md); the hash
// here is public, so which library computes it changes nothing but the time.
const EVP_MD* Sha256() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) Fail("OpenSSL has no SHA-256");
    return fetched;
  }();
  return md;
}

// A digest context per thread, set up once: EVP_MD_CTX_new is an allocation per hash otherwise.
class Sha256Context {
 public:
  Sha256Context() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) Fail("out of memory for a SHA-256 context");
  }
  ~Sha256Context() { EVP_MD_CTX_free(ctx_); }
  Sha256Context(const Sha256Context&) = delete;
  Sha256Context& operator=(const Sha256Context&) = delete;

  // The digest of the concatenation of `parts`.
  Hash Digest(std::initializer_list<std::string_view> parts) {
    bool ok = EVP_DigestInit_ex2(ctx_, Sha256(), nullptr) == 1;
    for (std::string_view part : parts)
      ok = ok && EVP_DigestUpdate(ctx_, part.data(), part.size()) == 1;
    Hash out;
    unsigned int size = 0;
    ok = ok && EVP_DigestFinal_ex(ctx_, out.data(), &size) == 1 && size == out.size();
    if (!ok) Fail("SHA-256 failed");
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

Hash Sha256Of(std::initializer_list<std::string_view> parts) {
  thread_local Sha256Context context;
  return context.Digest(parts);
}

std::string_view AsChars(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// The largest power of two strictly less than n. REQUIRES: n >= 2.
uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  assert(n >= 2);
  return uint64_t{1} << (std::bit_width(n - 1) - 1);
}

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Hash LeafHash(std::string_view entry) {
  const char prefix = static_cast<char>(kLeafPrefix);
  return Sha256Of({{&prefix, 1}, entry});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  const char prefix = static_cast<char>(kNodePrefix);
  return Sha256Of({{&prefix, 1}, AsChars(left), AsChars(right)});
}

Hash EmptyRoot() { return Sha256Of({}); }

std::string HashToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * hash.size());
  for (uint8_t byte : hash) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

std::optional<Hash> HashFromHex(std::string_view hex) {
  Hash hash;
  if (hex.size() != 2 * hash.size()) return std::nullopt;
  for (size_t i = 0; i < hash.size(); ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    hash[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return hash;
}

// RFC 9162 section 2.1.3.2, step for step.
bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t tree_size,
                     const std::vector<Hash>& proof, const Hash& root) {
  // 1. leaf_index >= tree_size fails (and so does tree_size 0).
  if (tree_size > kMaxTreeSize || index >= tree_size) return false;
  // 2.-3.
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  // 4. Every iteration shifts sn right at least once, so a proof longer than the tree is deep
  // fails at 4a after at most 64 elements, whatever its length.
  for (const Hash& p : proof) {
    if (sn == 0) return false;  // 4a: the proof is too long.
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // 5. sn != 0: the proof is too short.
  return sn == 0 && r == root;
}

// RFC 9162 section 2.1.4.2, step for step, after the cases it leaves out.
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, const std::vector<Hash>& proof) {
  if (new_size > kMaxTreeSize || old_size == 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  // 1.
  if (proof.empty()) return false;
  // 2. Rather than copying the proof to prepend first_hash, index through `path`.
  const bool prepend = IsPowerOfTwo(old_size);
  const size_t path_size = proof.size() + (prepend ? 1 : 0);
  auto path = [&](size_t i) -> const Hash& {
    if (prepend) return i == 0 ? old_root : proof[i - 1];
    return proof[i];
  };
  // 3.
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  // 4.
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5.
  Hash fr = path(0);
  Hash sr = path(0);
  // 6.
  for (size_t i = 1; i < path_size; ++i) {
    const Hash& c = path(i);
    if (sn == 0) return false;  // 6a: the proof is too long.
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // 7.
  return fr == old_root && sr == new_root && sn == 0;
}

StatusOr<MerkleAccumulator> MerkleAccumulator::FromPeaks(uint64_t size, std::vector<Hash> peaks) {
  if (size > kMaxTreeSize) return InvalidArgument("tree size is too large", "size");
  if (peaks.size() != static_cast<size_t>(std::popcount(size))) {
    return InvalidArgument("a tree of " + std::to_string(size) + " leaves has " +
                               std::to_string(std::popcount(size)) + " peaks, not " +
                               std::to_string(peaks.size()),
                           "peaks");
  }
  MerkleAccumulator accumulator;
  accumulator.size_ = size;
  accumulator.peaks_ = std::move(peaks);
  return accumulator;
}

Hash MerkleAccumulator::Root() const {
  if (peaks_.empty()) return EmptyRoot();
  Hash root = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) root = NodeHash(peaks_[i], root);
  return root;
}

// Hashes in chunks of kChunkSize, so that growing never moves what is stored. The last chunk
// grows like a vector (it is small); full chunks are exactly kChunkSize hashes.
class MerkleTree::Column {
 public:
  static constexpr int kChunkBits = 14;
  static constexpr uint64_t kChunkSize = uint64_t{1} << kChunkBits;

  void Push(const Hash& hash) {
    if ((size_ & (kChunkSize - 1)) == 0) chunks_.emplace_back();
    chunks_.back().push_back(hash);
    ++size_;
  }
  const Hash& operator[](uint64_t i) const {
    assert(i < size_);
    return chunks_[i >> kChunkBits][i & (kChunkSize - 1)];
  }
  uint64_t size() const { return size_; }
  size_t Bytes() const {
    size_t bytes = 0;
    for (const std::vector<Hash>& chunk : chunks_) bytes += chunk.capacity() * sizeof(Hash);
    return bytes;
  }

 private:
  uint64_t size_ = 0;
  std::vector<std::vector<Hash>> chunks_;
};

MerkleTree::MerkleTree() : leaves_(std::make_unique<Column>()) {}
MerkleTree::~MerkleTree() = default;
MerkleTree::MerkleTree(MerkleTree&&) noexcept = default;
MerkleTree& MerkleTree::operator=(MerkleTree&&) noexcept = default;

void MerkleTree::Append(const Hash& leaf_hash) {
  accumulator_.AppendAndVisit(leaf_hash, [this](int level, uint64_t index, const Hash& node) {
    StoreNode(level, index, node);
  });
}

void MerkleTree::StoreNode(int level, [[maybe_unused]] uint64_t index, const Hash& node) {
  if (level == 0) {
    assert(index == leaves_->size());
    leaves_->Push(node);
  } else if (level >= kFirstStoredLevel) {
    const size_t j = static_cast<size_t>(level - kFirstStoredLevel);
    if (j == stored_.size()) stored_.push_back(std::make_unique<Column>());
    assert(index == stored_[j]->size());
    stored_[j]->Push(node);
  }
}

StatusOr<Hash> MerkleTree::LeafHashAt(uint64_t index) const {
  if (index >= size()) return InvalidArgument("no leaf at that index", "index");
  return (*leaves_)[index];
}

StatusOr<Hash> MerkleTree::RootAt(uint64_t tree_size) const {
  if (tree_size > size()) return InvalidArgument("tree size beyond the log", "tree_size");
  if (tree_size == 0) return EmptyRoot();
  if (tree_size == size()) return Root();
  return SubtreeRoot(0, tree_size);
}

Hash MerkleTree::Perfect(int level, uint64_t index) const {
  if (level == 0) return (*leaves_)[index];
  if (level >= kFirstStoredLevel) return (*stored_[level - kFirstStoredLevel])[index];
  return NodeHash(Perfect(level - 1, 2 * index), Perfect(level - 1, 2 * index + 1));
}

Hash MerkleTree::SubtreeRoot(uint64_t begin, uint64_t end) const {
  assert(begin < end && end <= size());
  // D[begin:end] is the perfect subtrees given by the set bits of its size, largest (leftmost)
  // first, folded from the right: MTH = NodeHash(P_1, NodeHash(P_2, ... P_last)). Walk the bits
  // from the lowest, which is the rightmost subtree.
  const uint64_t n = end - begin;
  assert(begin % std::bit_ceil(n) == 0);
  Hash root;
  bool have_root = false;
  for (int level = 0; level < 64 && (n >> level) != 0; ++level) {
    if (((n >> level) & 1) == 0) continue;
    const uint64_t higher = level == 63 ? 0 : (n >> (level + 1)) << (level + 1);
    const Hash piece = Perfect(level, (begin + higher) >> level);
    root = have_root ? NodeHash(piece, root) : piece;
    have_root = true;
  }
  return root;
}

// PATH(m, D[n]) of RFC 9162 section 2.1.3.1, unrolled: walk from the root down to the leaf,
// taking at each step the sibling of the half that holds it. The recursion appends each sibling
// after the path below it, so the walk collects the proof in reverse.
StatusOr<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > size()) return InvalidArgument("tree size beyond the log", "tree_size");
  if (index >= tree_size) return InvalidArgument("index not below the tree size", "index");
  std::vector<Hash> proof;
  uint64_t begin = 0;
  uint64_t end = tree_size;
  while (end - begin > 1) {
    const uint64_t k = LargestPowerOfTwoBelow(end - begin);
    if (index < begin + k) {
      proof.push_back(SubtreeRoot(begin + k, end));
      end = begin + k;
    } else {
      proof.push_back(SubtreeRoot(begin, begin + k));
      begin += k;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

// PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 section 2.1.4.1, unrolled the same way.
StatusOr<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t old_size,
                                                         uint64_t new_size) const {
  if (new_size > size()) return InvalidArgument("new size beyond the log", "new_size");
  if (old_size == 0) return InvalidArgument("old size must be at least 1", "old_size");
  if (old_size > new_size) return InvalidArgument("old size above the new size", "old_size");
  std::vector<Hash> proof;
  if (old_size == new_size) return proof;
  uint64_t begin = 0;
  uint64_t end = new_size;
  bool whole_old_tree = true;  // SUBPROOF's b: D[begin:...] is still a prefix of D[old_size].
  while (true) {
    const uint64_t m = old_size - begin;
    if (m == end - begin) {
      if (!whole_old_tree) proof.push_back(SubtreeRoot(begin, end));
      break;
    }
    const uint64_t k = LargestPowerOfTwoBelow(end - begin);
    if (m <= k) {
      proof.push_back(SubtreeRoot(begin + k, end));
      end = begin + k;
    } else {
      proof.push_back(SubtreeRoot(begin, begin + k));
      begin += k;
      whole_old_tree = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

size_t MerkleTree::MemoryBytes() const {
  size_t bytes = leaves_->Bytes();
  for (const std::unique_ptr<Column>& column : stored_) bytes += column->Bytes();
  return bytes;
}

}  // namespace privet::audit
