#include "cli/subject_command.h"

#include <charconv>
#include <ostream>

#include "cli/vault_in_use.h"

namespace privet::cli {
namespace {

std::optional<uint64_t> ParseSubjectId(const std::string& text) {
  uint64_t id = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id == 0) return std::nullopt;
  return id;
}

// Opens the vault, runs `change` on it; prints the error (and, while a server holds the vault,
// `instead`) on failure.
template <typename Change>
int WithVault(const VaultSpec& spec, std::string_view instead, std::ostream& err, Change change) {
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(vault.status(), instead, err);
    return 1;
  }
  if (Status s = change(**vault); !s.ok()) {
    err << "privet: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int SubjectEvent(const VaultSpec& spec, const std::string& subject_id, const std::string& event,
                 std::ostream& out, std::ostream& err) {
  const std::optional<uint64_t> id = ParseSubjectId(subject_id);
  if (!id) {
    err << "privet: --subject must be a subject id (digits)\n";
    return 2;
  }
  // Collection is recorded by the vault itself, never as a lifecycle event.
  const std::optional<AnchorEvent> anchor = ParseAnchorEventName(event);
  if (!anchor || *anchor == AnchorEvent::kCollection) {
    err << "privet: --event must be last_activity, last_application, contract_end, process_end or "
           "analysis\n";
    return 2;
  }
  const int rc =
      WithVault(spec, "use POST /v1/subjects/{id}/events with a service or staff key (docs/api.md)",
                err, [&](Vault& vault) { return vault.RecordLifecycleEvent(*id, *anchor); });
  if (rc == 0) out << "recorded " << event << " for subject " << *id << "\n";
  return rc;
}

int SubjectHold(const VaultSpec& spec, const std::string& subject_id, const std::string& rule,
                const std::string& ground, std::ostream& out, std::ostream& err) {
  const std::optional<uint64_t> id = ParseSubjectId(subject_id);
  if (!id) {
    err << "privet: --subject must be a subject id (digits)\n";
    return 2;
  }
  const int rc = WithVault(
      spec, "use POST /v1/subjects/{id}/legal-holds with a service or staff key (docs/api.md)", err,
      [&](Vault& vault) { return vault.PlaceLegalHold(*id, rule, ground); });
  if (rc == 0) {
    out << "legal hold placed on subject " << *id << " for "
        << (rule.empty() ? std::string("every rule and erasure") : "rule " + rule) << "\n";
  }
  return rc;
}

int SubjectRelease(const VaultSpec& spec, const std::string& subject_id, const std::string& rule,
                   std::ostream& out, std::ostream& err) {
  const std::optional<uint64_t> id = ParseSubjectId(subject_id);
  if (!id) {
    err << "privet: --subject must be a subject id (digits)\n";
    return 2;
  }
  const int rc = WithVault(
      spec,
      "use DELETE /v1/subjects/{id}/legal-holds/{rule} (* for the whole-subject hold) with a "
      "service or staff key (docs/api.md)",
      err, [&](Vault& vault) { return vault.ReleaseLegalHold(*id, rule); });
  if (rc == 0) out << "legal hold released on subject " << *id << "\n";
  return rc;
}

}  // namespace privet::cli
