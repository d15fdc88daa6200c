// Offline audit operations on a vault's files: verification and proofs (include/privet/audit.h).
#include "audit/audit_log.h"
#include "audit/audit_proof.h"
#include "crypto/crypto.h"
#include "keys/vault_files.h"
#include "keys/vault_keys.h"
#include "keys/vault_lock.h"
#include "privet/audit.h"
#include "store/store.h"

namespace privet {
namespace {

constexpr uint64_t kChunk = 65536;

using vault_internal::WithDefaults;

StatusOr<std::unique_ptr<store::DataStore>> OpenData(const VaultFiles& files) {
  return store::OpenSqliteDataStore(vault_internal::DataFilePath(files));
}

}  // namespace

StatusOr<std::string> AuditPublicKey(const VaultFiles& files) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                          store::OpenSqliteKeyStore(WithDefaults(files).key_store_path));
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> key,
                          keys->GetMeta(store::key_meta::kAuditPublicKey));
  if (!key) return NotFound("the key store holds no audit signing key yet");
  return *key;
}

StatusOr<AuditVerification> VerifyAuditLog(const VaultFiles& files,
                                           const std::optional<std::string>& public_key_base64,
                                           const std::optional<SignedTreeHead>& published) {
  std::string public_key;
  if (public_key_base64) {
    public_key = *public_key_base64;
  } else {
    PRIVET_ASSIGN_OR_RETURN(public_key, AuditPublicKey(files));
  }
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data, OpenData(files));
  AuditVerification report;
  audit::MerkleTree tree;
  for (bool more = true; more;) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> chunk,
                            data->GetAuditEntries(tree.size(), kChunk));
    more = chunk.size() == kChunk;
    for (const store::AuditRecord& r : chunk) {
      if (r.index != tree.size()) {
        report.problems.push_back("entries are not contiguous: expected entry " +
                                  std::to_string(tree.size()) + ", found " +
                                  std::to_string(r.index));
        more = false;
        break;
      }
      StatusOr<AuditEntry> parsed = ParseAuditEntry(r.entry);
      if (!parsed.ok() || SerializeAuditEntry(*parsed) != r.entry)
        report.problems.push_back("entry " + std::to_string(r.index) +
                                  " is not a canonical audit entry");
      tree.Append(audit::LeafHash(r.entry));
    }
  }
  report.entries = tree.size();

  PRIVET_ASSIGN_OR_RETURN(std::vector<store::TreeHeadRecord> heads, data->GetTreeHeads());
  report.tree_heads = heads.size();
  std::vector<SignedTreeHead> to_check;
  for (const auto& r : heads) to_check.push_back(audit::TreeHeadFromRecord(r));
  if (published) to_check.push_back(*published);
  for (size_t i = 0; i < to_check.size(); ++i) {
    const SignedTreeHead& head = to_check[i];
    const std::string which =
        (published && i + 1 == to_check.size() ? "the published tree head of size "
                                               : "tree head of size ") +
        std::to_string(head.tree_size);
    if (!VerifyTreeHeadSignature(head, public_key))
      report.problems.push_back(which + ": bad signature");
    StatusOr<audit::Hash> root = tree.RootAt(head.tree_size);
    if (!root.ok()) {
      report.problems.push_back(which + ": the log holds only " + std::to_string(tree.size()) +
                                " entries (truncated?)");
      continue;
    }
    if (audit::HashToHex(*root) != head.root_hash)
      report.problems.push_back(which + ": the entries do not hash to its root (rewritten?)");
  }
  return report;
}

StatusOr<std::string> AuditInclusionProofJson(const VaultFiles& files, uint64_t index,
                                              uint64_t tree_size) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data, OpenData(files));
  PRIVET_ASSIGN_OR_RETURN(audit::MerkleTree tree, audit::LoadTree(*data));
  return audit::InclusionProofJson(*data, index, tree_size, [&](uint64_t i, uint64_t size) {
    return audit::ProveInclusion(tree, i, size);
  });
}

StatusOr<std::string> AuditConsistencyProofJson(const VaultFiles& files, uint64_t old_size,
                                                uint64_t new_size) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data, OpenData(files));
  PRIVET_ASSIGN_OR_RETURN(audit::MerkleTree tree, audit::LoadTree(*data));
  PRIVET_ASSIGN_OR_RETURN(audit::ConsistencyProof proof,
                          audit::ProveConsistency(tree, old_size, new_size));
  return audit::ConsistencyProofJson(old_size, new_size, proof);
}

StatusOr<SignedTreeHead> SignAuditTreeHead(const VaultFiles& given, const Clock& clock) {
  const VaultFiles files = WithDefaults(given);
  // It appends a tree head: a Vault open elsewhere keeps the log's state in memory.
  PRIVET_ASSIGN_OR_RETURN(vault_internal::VaultLock lock,
                          vault_internal::VaultLock::Acquire(files.data_dir));
  PRIVET_RETURN_IF_ERROR(crypto::InitCrypto());
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                          store::OpenSqliteKeyStore(files.key_store_path));
  PRIVET_ASSIGN_OR_RETURN(
      vault_internal::MasterKey master,
      vault_internal::LoadMasterKey(*keys, files, vault_internal::NewKeyStore::kRefuse));
  PRIVET_ASSIGN_OR_RETURN(std::optional<crypto::SecretKey> seed,
                          vault_internal::LoadAuditSigningSeed(*keys, master.key));
  if (!seed)
    return FailedPrecondition("the key store " + files.key_store_path + " holds no vault yet");
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data, OpenData(files));
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> log,
                          audit::AuditLog::Open(*data, std::string(seed->view())));
  store::WriteBatch batch;
  SignedTreeHead head = log->SignHead(clock.Now(), batch);
  PRIVET_RETURN_IF_ERROR(data->Apply(batch));
  return head;
}

}  // namespace privet
