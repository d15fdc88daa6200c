// `privet request overdue` and `privet retention run`: commands that open the vault with its
// policy. Exit codes: 0 done (overdue: nothing late), 1 failure (overdue: requests are late or
// due soon), 2 usage.
#pragma once

#include <iosfwd>
#include <string>

#include "privet/vault.h"

namespace privet::cli {

struct VaultSpec {
  VaultFiles files;
  std::string policy_path;
};

// The text of a policy file (empty when it cannot be read; LoadPolicyFile says why).
std::string ReadPolicyText(const std::string& path);

// Opens the vault with the policy in `spec` and the system clock. FailedPrecondition
// (VaultInUse) while another process holds it.
StatusOr<std::unique_ptr<Vault>> OpenVault(const VaultSpec& spec);

// Lists open requests that are late or due within `within_days`, soonest first.
int RequestOverdue(const VaultSpec& spec, int within_days, std::ostream& out, std::ostream& err);
// Runs the policy's retention rules now; `dry_run` lists what would go. Progress goes to `err`
// when `progress` (the CLI passes isatty(stderr)).
int RetentionRun(const VaultSpec& spec, bool dry_run, bool progress, std::ostream& out,
                 std::ostream& err);

}  // namespace privet::cli
