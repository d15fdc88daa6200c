// Retention: the policy's rules, run by the engine itself (src/retention).
//
// A rule covers fields by category (an id covers its dotted descendants), purpose (a purpose
// covers those below it) and subject kind; an empty list covers everything. A field is due
// when, for some rule covering it, anchor + duration has passed, where the anchor is
//   collection        the field's collection time;
//   last_activity     the subject's latest activity: the latest of its fields' last activity and
//                     the last_activity events recorded for it;
//   other events      the latest such event recorded for the subject (Vault::RecordLifecycleEvent),
//                     and for `analysis` also one recorded for everyone (subject 0);
// unless the subject consented to the rule's `unless_consent` purpose (CF10). A field stays,
// whatever other rules say, while a legal hold covers it or a legal-obligation rule still
// requires it (anchor not reached, or its period not over).
//
// A sweep deletes due fields (and their blind-index entries) in batches, each one transaction
// with its audit entries; `anonymize` rules first add the fields to per-day counts that identify
// no one (CN09). A subject left with no fields by rules that cover all its categories is erased
// (crypto-shredding). A subject whose data cannot be read (DATA_LOSS) is skipped and reported,
// and the sweep goes on for everyone else. Sweeps are idempotent: a sweep killed half-way leaves
// whole batches done, and the next sweep finds exactly what is still due.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "privet/status.h"

namespace privet {

class Vault;

struct SweepOptions {
  bool dry_run = false;       // list what would go; change nothing
  size_t batch_size = 10000;  // fields per transaction
  // Called after each batch with (fields done, fields due); may be empty.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// One due field, as listed by a dry run (and counted by a real one).
struct DueField {
  uint64_t subject_id = 0;
  uint64_t field_id = 0;
  std::string category;
  std::string rule;    // the rule that makes it due
  std::string action;  // delete or anonymize
};

struct SweepReport {
  uint64_t fields_scanned = 0;
  uint64_t fields_due = 0;
  uint64_t fields_deleted = 0;  // deleted or anonymized
  uint64_t fields_held = 0;     // due, but kept by a legal hold or a legal obligation
  uint64_t subjects_erased = 0;
  std::vector<DueField> due;  // dry run only
  // Subjects skipped because their data cannot be read (DATA_LOSS: a sealed value or wrapped
  // key that no longer opens), in ascending order. The sweep goes on for everyone else; their
  // due fields stay until the damage is repaired. Ids only, never a value.
  std::vector<uint64_t> subjects_unreadable;
  // False when a subject was skipped: the sweep did not apply the rules to everyone.
  bool complete() const { return subjects_unreadable.empty(); }
};

// Runs every retention rule of the vault's policy as of the vault clock's now.
StatusOr<SweepReport> RunRetention(Vault& vault, const SweepOptions& options = {});

}  // namespace privet
