#include "cli/breach_command.h"

#include <charconv>
#include <optional>

#include "cli/vault_in_use.h"
#include "privet/vault.h"

namespace privet::cli {
namespace {

constexpr std::string_view kInstead = "use its API instead: POST/GET /v1/breaches (docs/api.md)";

// An RFC 3339 flag; false (with a message) when malformed.
bool ParseTimeFlag(const std::string& text, std::string_view name, std::optional<Time>& out,
                   std::ostream& err) {
  if (text.empty()) return true;
  out = ParseRfc3339(text);
  if (!out) err << "privet: " << name << " must be a UTC time YYYY-MM-DDTHH:MM:SSZ\n";
  return out.has_value();
}

std::string Deadline(const Breach& b, Time now) {
  if (b.authority_notified_at) return "authority notified " + Rfc3339(*b.authority_notified_at);
  if (!b.authority_due) return "no authority deadline";
  return std::string(now > *b.authority_due ? "authority OVERDUE since " : "authority due ") +
         Rfc3339(*b.authority_due);
}

void Print(const Breach& b, Time now, std::ostream& out) {
  out << b.id << "\t" << Rfc3339(b.recorded_at) << "\t" << BreachRiskName(b.report.risk) << "\t"
      << b.subjects_affected << " affected (" << (b.read_evidence ? "read evidence" : "data held")
      << ")\t" << b.subjects_notified << " notified" << (b.notices_pending ? " (pending)" : "")
      << "\t" << Deadline(b, now) << "\n";
}

}  // namespace

int BreachRecord(const VaultSpec& spec, const BreachFlags& flags, std::ostream& out,
                 std::ostream& err) {
  const Time now = SystemClock().Now();
  std::optional<Time> started, ended, aware;
  if (!ParseTimeFlag(flags.started_at, "--started", started, err) ||
      !ParseTimeFlag(flags.ended_at, "--ended", ended, err) ||
      !ParseTimeFlag(flags.aware_at, "--aware", aware, err))
    return 2;
  const std::optional<BreachRisk> risk = ParseBreachRisk(flags.risk);
  if (!risk) {
    err << "privet: --risk must be unlikely, risk, reasonable_risk_of_harm or high_risk\n";
    return 2;
  }
  BreachReport report{.what = flags.what,
                      .started_at = started.value_or(now),
                      .ended_at = ended,
                      .aware_at = aware.value_or(now),
                      .categories = flags.categories,
                      .systems = flags.systems,
                      .api_keys = flags.api_keys,
                      .principals = flags.principals,
                      .risk = *risk,
                      .measures = flags.measures,
                      .by = {.kind = PrincipalKind::kAdmin}};
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(vault.status(), kInstead, err);
    return 1;
  }
  StatusOr<Breach> recorded = (*vault)->RecordBreach(report);
  if (!recorded.ok()) {
    err << "privet: " << recorded.status().ToString() << "\n";
    return 1;
  }
  out << "recorded breach " << recorded->id << ": " << recorded->subjects_affected
      << " subjects affected"
      << (recorded->read_evidence ? " (whose data the named principals and keys read)" : "") << ", "
      << recorded->subjects_with_data << " with data in the categories\n";
  if (recorded->threshold_met) {
    out << recorded->subjects_notified << " notices queued"
        << (recorded->website_notice ? "; posted on the notice (/privacy)" : "") << "\n";
  } else {
    out << "below the policy's notification threshold: nobody is told\n";
  }
  out << Deadline(*recorded, SystemClock().Now()) << "\n";
  return 0;
}

int BreachList(const VaultSpec& spec, std::ostream& out, std::ostream& err) {
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(vault.status(), kInstead, err);
    return 1;
  }
  StatusOr<std::vector<Breach>> breaches = (*vault)->Breaches();
  if (!breaches.ok()) {
    err << "privet: " << breaches.status().ToString() << "\n";
    return 1;
  }
  const Time now = SystemClock().Now();
  for (const Breach& b : *breaches) Print(b, now, out);
  return 0;
}

int BreachAuthorityNotified(const VaultSpec& spec, const std::string& id, const std::string& at,
                            std::ostream& out, std::ostream& err) {
  uint64_t breach_id = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), breach_id);
  if (ec != std::errc() || end != id.data() + id.size()) {
    err << "privet: ID must be a breach id (privet breach list)\n";
    return 2;
  }
  std::optional<Time> when;
  if (!ParseTimeFlag(at, "--at", when, err)) return 2;
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(vault.status(), kInstead, err);
    return 1;
  }
  StatusOr<Breach> told = (*vault)->RecordAuthorityNotified(
      breach_id, when.value_or(SystemClock().Now()), {.kind = PrincipalKind::kAdmin});
  if (!told.ok()) {
    err << "privet: " << told.status().ToString() << "\n";
    return 1;
  }
  Print(*told, SystemClock().Now(), out);
  return 0;
}

}  // namespace privet::cli
