#include "vault/retention_facts.h"

#include <algorithm>

#include "vault/vault_core.h"

namespace privet::retention_internal {

StatusOr<SubjectFacts> LoadFacts(Vault& vault, uint64_t subject_id,
                                 const std::vector<store::FieldRecord>& fields) {
  store::DataStore& data = vault_internal::CoreOf(vault).data();
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo info, vault.GetSubject(subject_id));
  PRIVET_ASSIGN_OR_RETURN(SubjectState state, vault.State(subject_id));
  SubjectFacts facts{.kind = info.kind, .consents = state.consents};
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LifecycleEventRecord> own,
                          data.GetLifecycleEvents(subject_id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LifecycleEventRecord> everyone,
                          data.GetLifecycleEvents(0));
  for (const auto* list : {&own, &everyone}) {
    for (const store::LifecycleEventRecord& e : *list) {
      if (e.subject_id != 0 && e.subject_id != subject_id)
        continue;  // GetLifecycleEvents(0) lists all
      int64_t& at = facts.events[e.event];
      at = std::max(at, e.at);
    }
  }
  if (auto it = facts.events.find("last_activity"); it != facts.events.end())
    facts.last_activity = it->second;
  for (const store::FieldRecord& f : fields)
    facts.last_activity = std::max(facts.last_activity, f.last_activity);
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LegalHoldRecord> holds,
                          data.GetLegalHolds(subject_id));
  for (store::LegalHoldRecord& h : holds) {
    facts.holds.push_back({.rule = std::move(h.rule), .ground = std::move(h.ground)});
  }
  return facts;
}

}  // namespace privet::retention_internal
