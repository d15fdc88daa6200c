#include "vault/consent_state.h"

#include <array>
#include <utility>

namespace privet {

std::string_view ConsentActionName(ConsentAction a) {
  switch (a) {
    case ConsentAction::kGrant: return "grant";
    case ConsentAction::kWithdraw: return "withdraw";
    case ConsentAction::kOptOut: return "opt_out";
    case ConsentAction::kUndoOptOut: return "undo_opt_out";
    case ConsentAction::kObject: return "object";
    case ConsentAction::kWithdrawObjection: return "withdraw_objection";
    case ConsentAction::kOverridingGround: return "overriding_ground";
    case ConsentAction::kRestrict: return "restrict";
    case ConsentAction::kLiftRestriction: return "lift_restriction";
    case ConsentAction::kNotified: return "notified";
    case ConsentAction::kRemovedFromOrganization: return "removed_from_organization";
    case ConsentAction::kLimitSensitiveUse:
      return "limit_sensitive_use";
    case ConsentAction::kAllowSensitiveUse:
      return "allow_sensitive_use";
  }
  return "unknown";
}

std::string_view ConsentSourceName(ConsentSource s) {
  switch (s) {
    case ConsentSource::kForm: return "form";
    case ConsentSource::kCookieBanner: return "cookie_banner";
    case ConsentSource::kApi: return "api";
    case ConsentSource::kGpc: return "gpc";
    case ConsentSource::kDnt: return "dnt";
    case ConsentSource::kStaff: return "staff";
  }
  return "unknown";
}

namespace vault_internal {

std::optional<ConsentAction> ParseConsentAction(std::string_view name) {
  for (ConsentAction a :
       {ConsentAction::kGrant, ConsentAction::kWithdraw, ConsentAction::kOptOut,
        ConsentAction::kUndoOptOut, ConsentAction::kObject, ConsentAction::kWithdrawObjection,
        ConsentAction::kOverridingGround, ConsentAction::kRestrict, ConsentAction::kLiftRestriction,
        ConsentAction::kNotified, ConsentAction::kRemovedFromOrganization,
        ConsentAction::kLimitSensitiveUse, ConsentAction::kAllowSensitiveUse}) {
    if (ConsentActionName(a) == name) return a;
  }
  return std::nullopt;
}

std::optional<ConsentSource> ParseConsentSource(std::string_view name) {
  for (ConsentSource s : {ConsentSource::kForm, ConsentSource::kCookieBanner, ConsentSource::kApi,
                          ConsentSource::kGpc, ConsentSource::kDnt, ConsentSource::kStaff}) {
    if (ConsentSourceName(s) == name) return s;
  }
  return std::nullopt;
}

void ApplyConsentEvent(const CompiledPolicy& policy, std::string_view purpose,
                       ConsentAction action, SubjectState& state) {
  if (action == ConsentAction::kRestrict) {
    state.restricted = true;
    return;
  }
  if (action == ConsentAction::kLiftRestriction) {
    state.restricted = false;
    return;
  }
  if (action == ConsentAction::kLimitSensitiveUse || action == ConsentAction::kAllowSensitiveUse) {
    state.limited_sensitive_use = action == ConsentAction::kLimitSensitiveUse;
    return;
  }
  if (action == ConsentAction::kNotified) return;  // read by the disclosure register, not here
  if (action == ConsentAction::kRemovedFromOrganization) {
    state.removed_from_organization = true;
    return;
  }
  std::optional<PurposeId> id = policy.FindPurpose(purpose);
  if (!id) return;
  switch (action) {
    case ConsentAction::kGrant:
      state.consents.Set(*id);
      state.opt_outs.Reset(*id);  // choosing it again takes back an earlier opt-out
      break;
    case ConsentAction::kWithdraw: state.consents.Reset(*id); break;
    case ConsentAction::kOptOut: state.opt_outs.Set(*id); break;
    case ConsentAction::kUndoOptOut: state.opt_outs.Reset(*id); break;
    case ConsentAction::kObject: state.objections.Set(*id); break;
    case ConsentAction::kWithdrawObjection:
      state.objections.Reset(*id);
      state.overriding_grounds.Reset(*id);
      break;
    case ConsentAction::kOverridingGround: state.overriding_grounds.Set(*id); break;
    case ConsentAction::kRestrict:
    case ConsentAction::kLiftRestriction:
    case ConsentAction::kNotified:
    case ConsentAction::kRemovedFromOrganization:
    case ConsentAction::kLimitSensitiveUse:
    case ConsentAction::kAllowSensitiveUse:
      break;
  }
}

}  // namespace vault_internal
}  // namespace privet
