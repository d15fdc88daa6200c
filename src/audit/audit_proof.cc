#include "audit/audit_proof.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "nlohmann/json.hpp"

namespace privet::audit {
namespace {

std::vector<std::string> Hex(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const auto& h : hashes) out.push_back(HashToHex(h));
  return out;
}

}  // namespace

SignedTreeHead TreeHeadFromRecord(const store::TreeHeadRecord& r) {
  Hash root{};
  if (r.root.size() == root.size()) std::copy(r.root.begin(), r.root.end(), root.begin());
  std::string b64(sodium_base64_ENCODED_LEN(r.signature.size(), sodium_base64_VARIANT_ORIGINAL),
                  '\0');
  sodium_bin2base64(b64.data(), b64.size(),
                    reinterpret_cast<const unsigned char*>(r.signature.data()), r.signature.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return {.tree_size = r.tree_size,
          .root_hash = r.root.size() == root.size() ? HashToHex(root) : std::string("invalid"),
          .timestamp = r.timestamp,
          .signature = b64};
}

StatusOr<InclusionProof> ProveInclusion(const MerkleTree& tree, uint64_t index,
                                        uint64_t tree_size) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<Hash> path, tree.InclusionProof(index, tree_size));
  PRIVET_ASSIGN_OR_RETURN(Hash root, tree.RootAt(tree_size));
  return InclusionProof{.path = std::move(path), .root = root};
}

StatusOr<ConsistencyProof> ProveConsistency(const MerkleTree& tree, uint64_t old_size,
                                            uint64_t new_size) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<Hash> path, tree.ConsistencyProof(old_size, new_size));
  PRIVET_ASSIGN_OR_RETURN(Hash old_root, tree.RootAt(old_size));
  PRIVET_ASSIGN_OR_RETURN(Hash new_root, tree.RootAt(new_size));
  return ConsistencyProof{.path = std::move(path), .old_root = old_root, .new_root = new_root};
}

StatusOr<std::string> InclusionProofJson(store::DataStore& data, uint64_t index, uint64_t tree_size,
                                         const InclusionProver& prove) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::TreeHeadRecord> heads, data.GetTreeHeads());
  std::optional<SignedTreeHead> head;
  for (const auto& r : heads)
    if ((tree_size == 0 && (!head || r.tree_size >= head->tree_size)) || r.tree_size == tree_size)
      head = TreeHeadFromRecord(r);
  if (tree_size == 0) {
    if (!head) return FailedPrecondition("no signed tree head yet; sign one first");
    tree_size = head->tree_size;
  }
  PRIVET_ASSIGN_OR_RETURN(InclusionProof proof, prove(index, tree_size));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> entry, data.GetAuditEntries(index, 1));
  nlohmann::ordered_json j;
  j["index"] = index;
  j["tree_size"] = tree_size;
  j["entry"] = entry.empty() ? std::string() : entry[0].entry;
  j["leaf_hash"] = entry.empty() ? std::string() : HashToHex(LeafHash(entry[0].entry));
  j["root_hash"] = HashToHex(proof.root);
  j["inclusion_path"] = Hex(proof.path);
  if (head && head->tree_size == tree_size)
    j["tree_head"] = nlohmann::json::parse(TreeHeadToJson(*head));
  return j.dump(2);
}

std::string ConsistencyProofJson(uint64_t old_size, uint64_t new_size,
                                 const ConsistencyProof& proof) {
  nlohmann::ordered_json j;
  j["old_size"] = old_size;
  j["new_size"] = new_size;
  j["old_root_hash"] = HashToHex(proof.old_root);
  j["new_root_hash"] = HashToHex(proof.new_root);
  j["consistency_path"] = Hex(proof.path);
  return j.dump(2);
}

}  // namespace privet::audit
