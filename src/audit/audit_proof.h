// Inclusion and consistency proofs as the JSON documents a third party checks (docs/audit.md),
// made the same way from either tree: the one `privet audit proof` loads from a vault's files,
// and the one a running vault keeps in memory (AuditLog, for the server). Private to src/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/merkle.h"
#include "privet/audit.h"
#include "privet/status.h"
#include "store/store.h"

namespace privet::audit {

// PATH(index, D[tree_size]) and the root it proves against.
struct InclusionProof {
  std::vector<Hash> path;
  Hash root;
};
// PROOF(old_size, D[new_size]) and the two roots it joins.
struct ConsistencyProof {
  std::vector<Hash> path;
  Hash old_root;
  Hash new_root;
};

// From `tree`; InvalidArgument as MerkleTree::InclusionProof / ConsistencyProof (a size beyond
// the tree, an index not below the size).
StatusOr<InclusionProof> ProveInclusion(const MerkleTree& tree, uint64_t index, uint64_t tree_size);
StatusOr<ConsistencyProof> ProveConsistency(const MerkleTree& tree, uint64_t old_size,
                                            uint64_t new_size);

// The inclusion proof document of entry `index` in the tree of `tree_size` entries (0: the size
// of the latest signed tree head; FailedPrecondition when none was signed), with the entry and
// the signed tree head of that size (when there is one) read from `data`, the proof from
// `prove`. Reads one entry and the tree heads; changes nothing.
using InclusionProver = std::function<StatusOr<InclusionProof>(uint64_t index, uint64_t tree_size)>;
StatusOr<std::string> InclusionProofJson(store::DataStore& data, uint64_t index, uint64_t tree_size,
                                         const InclusionProver& prove);
std::string ConsistencyProofJson(uint64_t old_size, uint64_t new_size,
                                 const ConsistencyProof& proof);

// A stored tree head as published (hex root, base64 signature).
SignedTreeHead TreeHeadFromRecord(const store::TreeHeadRecord& r);

}  // namespace privet::audit
