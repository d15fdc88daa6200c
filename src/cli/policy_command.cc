#include "cli/policy_command.h"

#include <optional>
#include <ostream>

#include "cli/vault_in_use.h"
#include "privet/compiled_policy.h"
#include "privet/notice.h"
#include "privet/policy.h"
#include "privet/policy_diff.h"

namespace privet::cli {
namespace {

// Loads and compiles `path`, printing every diagnostic to `err`. nullopt when invalid.
std::optional<Policy> Load(const std::string& path, std::ostream& err, int* warnings = nullptr) {
  PolicyLoadResult result = LoadPolicyFile(path);
  int warning_count = 0;
  for (const Diagnostic& d : result.diagnostics) {
    err << d.ToString() << "\n";
    if (d.severity == Diagnostic::Severity::kWarning) ++warning_count;
  }
  if (warnings) *warnings = warning_count;
  if (!result.ok()) return std::nullopt;
  // Compiling proves the policy fits the decision engine's limits.
  auto compiled = CompiledPolicy::Compile(*result.policy);
  if (!compiled.ok()) {
    err << path << ": error: " << compiled.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(*result.policy);
}

}  // namespace

int PolicyCheck(const std::string& path, std::ostream& out, std::ostream& err) {
  int warnings = 0;
  std::optional<Policy> policy = Load(path, err, &warnings);
  if (!policy) {
    err << path << ": invalid\n";
    return 1;
  }
  out << path << ": ok (" << policy->organization << ", version " << policy->version
      << ", effective " << CivilDayToString(policy->effective) << "; " << policy->categories.size()
      << " categories, " << policy->purposes.size() << " purposes, " << warnings << " warning"
      << (warnings == 1 ? "" : "s") << ")\n";
  return 0;
}

int PolicyRender(const std::string& path, NoticeFormat format, std::ostream& out,
                 std::ostream& err) {
  std::optional<Policy> policy = Load(path, err);
  if (!policy) return 1;
  switch (format) {
    case NoticeFormat::kMarkdown:
      out << RenderNoticeMarkdown(*policy);
      break;
    case NoticeFormat::kHtml:
      out << RenderNoticeHtml(*policy);
      break;
    case NoticeFormat::kRopa:
      out << RenderRecordOfProcessingJson(*policy);
      break;
  }
  return 0;
}

int PolicyDiff(const std::string& before, const std::string& after, std::ostream& out,
               std::ostream& err) {
  std::optional<Policy> old_policy = Load(before, err);
  std::optional<Policy> new_policy = Load(after, err);
  if (!old_policy || !new_policy) return 1;
  out << FormatPolicyChanges(DiffPolicies(*old_policy, *new_policy));
  return 0;
}

int PolicyPublish(const VaultSpec& spec, const std::string& file, const std::string& effective,
                  std::ostream& out, std::ostream& err) {
  PolicyPublication publication{.by = {.kind = PrincipalKind::kAdmin}};
  if (!effective.empty()) {
    publication.effective = ParseDayString(effective);
    if (!publication.effective) {
      err << "privet: --effective must be a date YYYY-MM-DD\n";
      return 2;
    }
  }
  publication.text = ReadPolicyText(file);
  if (publication.text.empty()) {
    err << "privet: " << file << ": cannot read the policy file\n";
    return 1;
  }
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(vault.status(),
                    "publish through it instead: POST /v1/policy/versions with an admin key "
                    "(docs/api.md)",
                    err);
    return 1;
  }
  StatusOr<PolicyVersion> published = (*vault)->PublishPolicy(publication);
  if (!published.ok()) {
    err << "privet: " << file << ": " << published.status().ToString() << "\n";
    return 1;
  }
  out << "published version " << published->version << " ("
      << PolicyClassificationName(published->classification) << "), effective "
      << DayString(published->effective) << "\n"
      << FormatPolicyChanges(published->changes);
  return 0;
}

int PolicyVersions(const VaultSpec& spec, std::ostream& out, std::ostream& err) {
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(vault.status(), "ask it instead: GET /v1/policy/versions (docs/api.md)", err);
    return 1;
  }
  StatusOr<std::vector<PolicyVersion>> versions = (*vault)->PolicyVersions();
  if (!versions.ok()) {
    err << "privet: " << versions.status().ToString() << "\n";
    return 1;
  }
  for (const PolicyVersion& v : *versions) {
    out << v.version << "\t" << DayString(v.effective) << "\t"
        << PolicyClassificationName(v.classification) << "\t" << v.hash.substr(0, 12)
        << (v.notices_pending ? "\tnotices pending" : "") << "\n";
  }
  return 0;
}

}  // namespace privet::cli
