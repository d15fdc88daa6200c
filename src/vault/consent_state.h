// The consent ledger's derived state: folding events into the bitsets the decision engine reads.
// Private to src/vault/.
#pragma once

#include <optional>
#include <string_view>

#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/vault.h"

namespace privet::vault_internal {

// True for the choices by which a subject leaves a purpose: a withdrawal, an opt-out, an objection.
constexpr bool EndsParticipation(ConsentAction a) {
  return a == ConsentAction::kWithdraw || a == ConsentAction::kOptOut ||
         a == ConsentAction::kObject;
}

// Applies one event to `state`: about `purpose`, or, for an opt-out from one recipient (CU06),
// about `recipient`. Purposes and recipients the current policy no longer declares are ignored.
void ApplyConsentEvent(const CompiledPolicy& policy, std::string_view purpose,
                       std::string_view recipient, ConsentAction action, SubjectState& state);

}  // namespace privet::vault_internal
