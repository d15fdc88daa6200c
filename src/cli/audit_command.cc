#include "cli/audit_command.h"

#include <fstream>
#include <iterator>
#include <ostream>

#include "cli/vault_in_use.h"
#include "privet/audit.h"

namespace privet::cli {
namespace {

template <typename T>
int Print(const StatusOr<T>& result, std::ostream& out, std::ostream& err) {
  if (!result.ok()) {
    err << "privet: " << result.status().ToString() << "\n";
    return 1;
  }
  out << *result << "\n";
  return 0;
}

}  // namespace

int AuditVerify(const VaultFiles& files, const std::string& public_key,
                const std::string& tree_head_file, std::ostream& out, std::ostream& err) {
  std::optional<SignedTreeHead> published;
  if (!tree_head_file.empty()) {
    std::ifstream in(tree_head_file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    StatusOr<SignedTreeHead> head = TreeHeadFromJson(text);
    if (!head.ok()) {
      err << "privet: " << tree_head_file << ": " << head.status().message() << "\n";
      return 1;
    }
    published = *head;
  }
  StatusOr<AuditVerification> report = VerifyAuditLog(
      files, public_key.empty() ? std::nullopt : std::optional<std::string>(public_key), published);
  if (!report.ok()) {
    err << "privet: " << report.status().ToString() << "\n";
    return 1;
  }
  for (const std::string& problem : report->problems) err << "audit: " << problem << "\n";
  if (!report->ok()) {
    // Nothing about the log can be vouched for, not even that it matches a published head.
    out << "audit log does NOT verify: " << report->problems.size() << " problem(s), listed above; "
        << report->entries << " entries and " << report->tree_heads
        << " signed tree heads were read\n";
    return 1;
  }
  out << "audit log verifies: " << report->entries << " entries, " << report->tree_heads
      << " signed tree heads" << (published ? ", consistent with the published head" : "") << "\n";
  return 0;
}

int AuditProof(const VaultFiles& files, uint64_t entry, uint64_t tree_size, std::ostream& out,
               std::ostream& err) {
  return Print(AuditInclusionProofJson(files, entry, tree_size), out, err);
}

int AuditConsistency(const VaultFiles& files, uint64_t old_size, uint64_t new_size,
                     std::ostream& out, std::ostream& err) {
  return Print(AuditConsistencyProofJson(files, old_size, new_size), out, err);
}

int AuditSign(const VaultFiles& files, std::ostream& out, std::ostream& err) {
  SystemClock clock;
  StatusOr<SignedTreeHead> head = SignAuditTreeHead(files, clock);
  if (!head.ok()) {
    PrintVaultError(
        head.status(),
        "have it sign one: POST /v1/audit/tree-heads with a service or admin key (docs/api.md)",
        err);
    return 1;
  }
  out << TreeHeadToJson(*head) << "\n";
  return 0;
}

int AuditPublicKeyCommand(const VaultFiles& files, std::ostream& out, std::ostream& err) {
  return Print(AuditPublicKey(files), out, err);
}

}  // namespace privet::cli
