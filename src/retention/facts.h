// Loading what the retention rules need to know about one subject (rules.h), for erasure
// requests and exports; sweeps build the same facts in bulk.
#pragma once

#include <vector>

#include "privet/vault.h"
#include "retention/rules.h"
#include "store/store.h"

namespace privet::retention_internal {

// The subject's kind, lifecycle events (with those recorded for everyone), last activity over
// `fields`, consents and legal holds. NotFound for an erased subject.
StatusOr<SubjectFacts> LoadFacts(Vault& vault, uint64_t subject_id, const std::vector<store::FieldRecord>& fields);

}  // namespace privet::retention_internal
