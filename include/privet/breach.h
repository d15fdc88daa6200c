// Breaches: the register of personal data breaches, who each one affected, and what privet told
// them (CN15; GDPR Art. 33/34, as the policy's `breach:` section says).
//
// The company records what happened (Vault::RecordBreach, `privet breach record`,
// POST /v1/breaches). privet works out who is affected from what it holds: when the report names
// the principals or API keys involved, the subjects whose data in the breached categories those
// principals or keys actually read in the window (the audit log records every read with its
// principal and key: evidence, not a guess); otherwise every subject with data in those
// categories during the window. Where the company's risk assessment meets the policy's
// threshold, each affected subject is sent a notice through the outbox (when `breach.channels`
// lists email) and the notice on /privacy carries the breach (when it lists website). The
// authority deadline (awareness + `breach.authority_within`) runs until the company records
// that it told the authority.
//
//   auto breach = vault->RecordBreach({.what = "A support account was phished",
//                                      .started_at = t0, .ended_at = t1, .aware_at = t2,
//                                      .categories = {"user.contact"},
//                                      .principals = {"staff:support"},
//                                      .risk = privet::BreachRisk::kHighRisk});
//   // breach->subjects_affected, breach->subjects_notified, breach->authority_due
//
// Nothing here is personal data: subjects appear as counts, never as ids; `what` and
// `measures` are the company's words, which it must write without personal data (they are
// stored as written, and sent to the affected subjects).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/decision.h"
#include "privet/policy.h"  // BreachRisk

namespace privet {

// What the company records.
struct BreachReport {
  std::string what;  // what happened, in the company's words (no personal data)
  Time started_at;
  std::optional<Time> ended_at;  // unset: still going on when recorded
  Time aware_at;                 // when the company became aware: the authority clock starts
  // Policy category ids (a category covers the ones below it); empty: every category.
  std::vector<std::string> categories;
  std::vector<std::string> systems;     // the systems involved, as the company names them
  std::vector<std::string> api_keys;    // API key ids (ApiKeyIdText) involved
  std::vector<std::string> principals;  // principals involved, as PrincipalText writes them
  BreachRisk risk = BreachRisk::kHighRisk;
  std::string measures;                 // what was done and what people can do (no personal data)
  Principal by = Principal::Service();  // who records it (audit log)
};

// One breach in the register.
struct Breach {
  uint64_t id = 0;
  BreachReport report;  // `by` as recorded_by below
  Time recorded_at;
  std::string recorded_by;  // the principal, as the audit log names it
  // Who is affected: read_evidence when the report names principals or API keys (the subjects
  // whose data they read), else the subjects with data in the categories during the window.
  bool read_evidence = false;
  uint64_t subjects_affected = 0;
  uint64_t subjects_with_data = 0;  // with data in the categories during the window
  bool threshold_met = false;       // the risk meets the policy's breach.threshold
  uint64_t subjects_notified = 0;   // notices queued in the outbox
  bool website_notice = false;      // shown on /privacy
  // Notices still being queued: a crash interrupted them; the next open finishes them.
  bool notices_pending = false;
  // aware_at + breach.subjects_within: when the subjects must have been told. privet queues the
  // notices when the breach is recorded; this is the date the register holds delivery to.
  std::optional<Time> subjects_due;
  std::optional<Time> authority_due;  // aware_at + breach.authority_within
  std::optional<Time> authority_notified_at;
};

}  // namespace privet
