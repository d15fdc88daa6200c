#include "vault/consent_state.h"

#include <array>
#include <utility>

#include "common/name_table.h"

namespace privet {

namespace {

constexpr auto kConsentActionNames = common::MakeNameTable<ConsentAction>({
    {ConsentAction::kGrant, "grant"},
    {ConsentAction::kWithdraw, "withdraw"},
    {ConsentAction::kOptOut, "opt_out"},
    {ConsentAction::kUndoOptOut, "undo_opt_out"},
    {ConsentAction::kObject, "object"},
    {ConsentAction::kWithdrawObjection, "withdraw_objection"},
    {ConsentAction::kOverridingGround, "overriding_ground"},
    {ConsentAction::kRestrict, "restrict"},
    {ConsentAction::kLiftRestriction, "lift_restriction"},
    {ConsentAction::kNotified, "notified"},
    {ConsentAction::kRemovedFromOrganization, "removed_from_organization"},
    {ConsentAction::kLimitSensitiveUse, "limit_sensitive_use"},
    {ConsentAction::kAllowSensitiveUse, "allow_sensitive_use"},
});
static_assert(common::CoversEveryEnumerator(kConsentActionNames));

constexpr auto kConsentSourceNames = common::MakeNameTable<ConsentSource>({
    {ConsentSource::kForm, "form"},
    {ConsentSource::kCookieBanner, "cookie_banner"},
    {ConsentSource::kApi, "api"},
    {ConsentSource::kGpc, "gpc"},
    {ConsentSource::kDnt, "dnt"},
    {ConsentSource::kStaff, "staff"},
    {ConsentSource::kTcf, "tcf"},
    {ConsentSource::kGpp, "gpp"},
    {ConsentSource::kUnsubscribe, "unsubscribe"},
});
static_assert(common::CoversEveryEnumerator(kConsentSourceNames));

}  // namespace

std::string_view ConsentActionName(ConsentAction a) { return kConsentActionNames.Name(a); }
std::string_view ConsentSourceName(ConsentSource s) { return kConsentSourceNames.Name(s); }
std::optional<ConsentAction> ParseConsentActionName(std::string_view name) {
  return kConsentActionNames.Parse(name);
}
std::optional<ConsentSource> ParseConsentSourceName(std::string_view name) {
  return kConsentSourceNames.Parse(name);
}

namespace vault_internal {

void ApplyConsentEvent(const CompiledPolicy& policy, std::string_view purpose,
                       std::string_view recipient, ConsentAction action, SubjectState& state) {
  if (!recipient.empty()) {
    std::optional<RecipientId> to = policy.FindRecipient(recipient);
    if (!to) return;
    if (action == ConsentAction::kOptOut) state.recipient_opt_outs.Set(*to);
    if (action == ConsentAction::kUndoOptOut) state.recipient_opt_outs.Reset(*to);
    return;
  }
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
    case ConsentAction::kWithdraw:
      state.consents.Reset(*id);
      break;
    case ConsentAction::kOptOut:
      state.opt_outs.Set(*id);
      break;
    case ConsentAction::kUndoOptOut:
      state.opt_outs.Reset(*id);
      break;
    case ConsentAction::kObject:
      state.objections.Set(*id);
      break;
    case ConsentAction::kWithdrawObjection:
      state.objections.Reset(*id);
      state.overriding_grounds.Reset(*id);
      break;
    case ConsentAction::kOverridingGround:
      state.overriding_grounds.Set(*id);
      break;
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
