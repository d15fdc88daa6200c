#include "cli/rights_command.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/vault_in_use.h"
#include "privet/retention.h"
#include "privet/rights.h"

namespace privet::cli {

std::string ReadPolicyText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

StatusOr<std::unique_ptr<Vault>> OpenVault(const VaultSpec& spec) {
  PolicyLoadResult loaded = LoadPolicyFile(spec.policy_path);
  if (!loaded.ok()) {
    return InvalidArgument(
        spec.policy_path + ": the policy does not load (run `privet policy check`)", "policy");
  }
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledPolicy> policy,
                          CompiledPolicy::Compile(std::move(*loaded.policy)));
  static SystemClock clock;
  return Vault::Open({.data_dir = spec.files.data_dir,
                      .key_store_path = spec.files.key_store_path,
                      .master_key_file = spec.files.master_key_file,
                      .policy = std::move(policy),
                      .policy_text = ReadPolicyText(spec.policy_path),
                      .clock = &clock});
}

int RequestOverdue(const VaultSpec& spec, int within_days, std::ostream& out, std::ostream& err) {
  if (within_days < 0) {
    err << "privet: --within must be 0 or more days\n";
    return 2;
  }
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(
        vault.status(),
        "ask it instead: GET /v1/requests/overdue?within=DAYS with a service or admin key "
        "(docs/api.md)",
        err);
    return 1;
  }
  RequestDesk desk(**vault);
  StatusOr<std::vector<RightsRequest>> late = desk.Overdue(std::chrono::days(within_days));
  if (!late.ok()) {
    err << "privet: " << late.status().ToString() << "\n";
    return 1;
  }
  const CivilDay today = CivilDayOf(SystemClock().Now());
  for (const RightsRequest& r : *late) {
    const bool overdue = CivilDayToTime(*r.due) < CivilDayToTime(today);
    out << r.id << "  " << RightName(r.right) << "  " << RequestStateName(r.state) << "  due "
        << DayString(*r.due) << (overdue ? "  LATE" : "") << (r.extended ? "  (extended)" : "")
        << "\n";
  }
  out << late->size() << " request(s) late or due within " << within_days << " day(s)\n";
  return late->empty() ? 0 : 1;
}

int RetentionRun(const VaultSpec& spec, bool dry_run, bool progress, std::ostream& out,
                 std::ostream& err) {
  StatusOr<std::unique_ptr<Vault>> vault = OpenVault(spec);
  if (!vault.ok()) {
    PrintVaultError(
        vault.status(),
        "it runs the retention rules itself (--retention-interval); to run them now: POST "
        "/v1/retention/run {\"dry_run\": true} with a service or admin key (docs/api.md)",
        err);
    return 1;
  }
  SweepOptions options{.dry_run = dry_run};
  if (progress) {
    options.progress = [&err](uint64_t done, uint64_t total) {
      err << "\rretention: " << done << " / " << total << " fields" << std::flush;
    };
  }
  StatusOr<SweepReport> report = RunRetention(**vault, options);
  if (progress) err << "\n";
  if (!report.ok()) {
    err << "privet: " << report.status().ToString() << "\n";
    return 1;
  }
  for (const DueField& d : report->due) {
    out << "would " << d.action << "  subject " << d.subject_id << "  field " << d.field_id << "  "
        << d.category << "  (rule " << d.rule << ")\n";
  }
  out << (dry_run ? "dry run: " : "") << report->fields_scanned << " fields scanned, "
      << report->fields_due << " due, " << (dry_run ? 0 : report->fields_deleted) << " removed, "
      << report->fields_held << " kept by a legal hold or obligation, " << report->subjects_erased
      << " subjects erased\n";
  if (!report->complete()) {
    // Ids only: which subjects to look at, never what they hold.
    err << "privet: retention incomplete: " << report->subjects_unreadable.size()
        << " subject(s) could not be read (DATA_LOSS) and were skipped:";
    for (uint64_t id : report->subjects_unreadable) err << " " << id;
    err << "\nprivet: restore them from a backup (docs/operations.md); the others were processed\n";
    return 1;
  }
  return 0;
}

}  // namespace privet::cli
