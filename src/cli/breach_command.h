// `privet breach record|list|authority-notified`: the breach register from the command line
// (include/privet/breach.h; CN15). Each opens the vault, so it runs when no `privet serve`
// holds it; beside a running server, the same is POST/GET /v1/breaches.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/rights_command.h"

namespace privet::cli {

// The report as given on the command line: times in RFC 3339 UTC (2026-12-04T10:00:00Z).
struct BreachFlags {
  std::string what;
  std::string started_at;
  std::string ended_at;  // empty: still going on
  std::string aware_at;
  std::vector<std::string> categories;
  std::vector<std::string> systems;
  std::vector<std::string> api_keys;
  std::vector<std::string> principals;
  std::string risk;
  std::string measures;
};

// Records the breach; prints its id, who is affected and what was done. Exit 0, 1 on a refusal
// or error, 2 on a malformed flag.
int BreachRecord(const VaultSpec& spec, const BreachFlags& flags, std::ostream& out,
                 std::ostream& err);
// The register, one breach per line: id, recorded, risk, affected, notified, and the authority
// deadline with its state (running, overdue, notified, none).
int BreachList(const VaultSpec& spec, std::ostream& out, std::ostream& err);
// Records that the supervisory authority was told of breach `id` at `at` (empty: now).
int BreachAuthorityNotified(const VaultSpec& spec, const std::string& id, const std::string& at,
                            std::ostream& out, std::ostream& err);

}  // namespace privet::cli
