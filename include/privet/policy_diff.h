// PolicyDiff: what changed between two versions of a policy, and which changes are material.
//
// A privacy officer reviews a new policy version before it takes effect; material changes must
// be announced in advance (and may need consent or an opt-out window, see ChangePolicy).
//
//   std::vector<privet::PolicyChange> changes = privet::DiffPolicies(old_policy, new_policy);
//   std::cout << privet::FormatPolicyChanges(changes);
//   //   MATERIAL purpose_added marketing.sms: basis consent (required); uses user.contact.phone
//   //            version_changed version: 1 -> 2
//
// Elements are matched by id (rights by name, deadlines by jurisdiction, fees by right), so
// reordering a list is not a change. Legal basis and consent mode are compared as effective
// values (inherited from parent purposes), so a parent's change shows on each child it affects.
//
// Material changes:
//   - a new category, purpose or recipient (a new prohibited purpose or forbidden category is
//     not material); a recipient or purpose receiving new categories or purposes;
//   - a weaker legal basis (consent -> anything else) or consent mode (required -> opt_out or
//     none, opt_out -> none);
//   - longer retention, or a retention rule removed (durations compared in approximate days:
//     months 30.44, years 365.25, weeks 7, business days 1.4, hours 1/24);
//   - sale or sharing with unaffiliated third parties turned on, a recipient's sale turned on;
//   - a right removed, a longer answer deadline, a new or higher fee;
//   - a DNT or GPC signal turned from honor to ignore, fewer purposes opted out by signals;
//   - a category no longer forbidden or newly special, special categories allowed;
//   - safeguards removed: a recipient's DPA, transfer mechanism or precondition, a new country;
//   - a purpose no longer prohibited or objectable, newly profiling;
//   - a cookie made essential, a marketing channel made opt-out or without unsubscribe link;
//   - a lower minimum age; weaker breach or change notification; more automatic collection.
// Everything else (descriptions, names, version, effective date, contact, roles, features, ...)
// is listed as non-material.
//
// Deterministic: sections in a fixed order, elements by id, fields in a fixed order. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "privet/policy.h"

namespace privet {

struct PolicyChange {
  std::string kind;     // e.g. purpose_added, retention_duration_changed, signal_changed
  std::string subject;  // the id of what changed (a purpose id, "dnt", "contact.email", ...)
  std::string detail;   // human-readable: "6 months -> 12 months"
  bool material = false;
};

// Every difference from `before` to `after`; empty when they are the same policy.
std::vector<PolicyChange> DiffPolicies(const Policy& before, const Policy& after);

// One line per change, "MATERIAL <kind> <subject>: <detail>" for material changes and the same
// with nine spaces in place of "MATERIAL " otherwise, in the given order. "No changes.\n" for
// an empty list.
std::string FormatPolicyChanges(const std::vector<PolicyChange>& changes);

}  // namespace privet
