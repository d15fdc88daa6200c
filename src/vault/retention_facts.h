// Loading what the retention rules need to know about one subject (policy/retention_rules.h),
// for erasure requests and exports (src/rights); sweeps (src/retention) build the same facts in
// bulk. Here, below both, so that neither includes the other.
#pragma once

#include <vector>

#include "policy/retention_rules.h"
#include "privet/vault.h"
#include "store/store.h"

namespace privet::retention_internal {

// The subject's kind, lifecycle events (with those recorded for everyone), last activity over
// `fields`, consents and legal holds. NotFound for an erased subject.
StatusOr<SubjectFacts> LoadFacts(Vault& vault, uint64_t subject_id,
                                 const std::vector<store::FieldRecord>& fields);

}  // namespace privet::retention_internal
