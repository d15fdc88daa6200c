// Retention rules compiled for evaluation, shared by sweeps (src/retention), erasure requests and
// access exports (src/rights): which rules cover a field, when it is due, and what keeps it.
// See include/privet/retention.h for the semantics. Pure evaluation over the policy and the facts
// it is given: no store, no vault, no clock (the caller passes `now`); the facts of one subject
// are loaded by src/vault/retention_facts.h, or in bulk by a sweep.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "privet/compiled_policy.h"
#include "privet/decision.h"

namespace privet::retention_internal {

// A legal hold as the rules see it (the vault stores it with its subject and time).
struct RetentionHold {
  std::string rule;  // retention rule id; empty: all
  std::string ground;
};

// What the rules need to know about one subject.
struct SubjectFacts {
  std::string kind;
  std::map<std::string, int64_t> events;  // anchor name → latest time (incl. events for everyone)
  int64_t last_activity = 0;  // latest of its fields' last activity and recorded activity
  PurposeSet consents;
  std::vector<RetentionHold> holds;
};

// The outcome for one field at a point in time.
struct Verdict {
  const RetentionRule* due = nullptr;  // a rule whose period is over (the earliest), if any
  std::optional<int64_t> ends_at;      // when the earliest rule ends it, if its anchor is known
  const RetentionRule* whole_due = nullptr;  // a due rule that covers the whole subject
  // What keeps the field even when due (and through erasure): a hold with no rule, or on a rule
  // that covers the field; or a legal-obligation rule whose period is not over.
  const RetentionHold* hold = nullptr;
  const RetentionRule* obligation = nullptr;
  // Every rule that covers the field, whatever its state (the retention criteria an access
  // export states, Art. 15(1)(d)), in policy order.
  std::vector<const RetentionRule*> covering;
  bool kept() const { return hold != nullptr || obligation != nullptr; }
};

class RuleSet {
 public:
  explicit RuleSet(const CompiledPolicy& policy);

  // The verdict for a field (its category, purposes and collection time) of a subject at `now`.
  Verdict Evaluate(const std::string& category, const std::vector<std::string>& purposes,
                   int64_t collected_at, const SubjectFacts& subject, int64_t now) const;
  // True if the rule covers every category, purpose and (when it names kinds) this kind: a
  // subject whose fields all go under such rules is erased whole.
  static bool CoversWholeSubject(const RetentionRule& rule) {
    return rule.categories.empty() && rule.purposes.empty();
  }
  bool empty() const { return rules_.empty(); }

 private:
  struct Compiled {
    const RetentionRule* rule;
    CategorySet categories;  // all set when the rule names none
    PurposeSet purposes;     // expanded to descendants; all set when none named
    std::optional<PurposeId> unless_consent;
  };
  // When the rule's period ends for this field, if its anchor is known.
  std::optional<int64_t> EndOf(const Compiled& c, int64_t collected_at,
                               const SubjectFacts& subject) const;

  const CompiledPolicy& policy_;
  std::vector<Compiled> rules_;
};

// Adds `d` to a Unix time on the UTC calendar (months clamp to the end of the month).
int64_t AddDuration(int64_t at, Duration d);

}  // namespace privet::retention_internal
