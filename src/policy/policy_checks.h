// Cross-reference and consistency checks on a structurally valid Policy: every reference names
// something declared, the purpose tree has no cycle, every purpose has a legal basis, transfers
// out of the EU/EEA carry a mechanism, and so on. Errors make the policy unusable; warnings flag
// risky-but-legal choices. Private to src/policy/.
#pragma once

#include "policy/yaml_reader.h"
#include "privet/policy.h"

namespace privet::policy_internal {

// Checks `policy`, filling in defaults that depend on other declarations (a purpose's parent,
// `objectable`), and reports every problem to `sink`.
void CheckPolicy(Policy& policy, DiagnosticSink& sink);

// The declared parent of each purpose (index into policy.purposes, or -1 for a root), resolved
// from `parent:` or the longest declared dotted prefix. Unknown explicit parents yield -1.
std::vector<int> ResolvePurposeParents(const Policy& policy);

}  // namespace privet::policy_internal
