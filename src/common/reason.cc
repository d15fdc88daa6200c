#include "privet/reason.h"

#include "common/name_table.h"

namespace privet {

namespace {

constexpr auto kReasonNames = common::MakeNameTable<Reason>({
    {Reason::kAllowed, "allowed"},
    {Reason::kUnknownPurpose, "unknown_purpose"},
    {Reason::kProhibitedPurpose, "prohibited_purpose"},
    {Reason::kForbiddenCategory, "forbidden_category"},
    {Reason::kSpecialCategoryRefused, "special_category_refused"},
    {Reason::kCategoryNotForPurpose, "category_not_for_purpose"},
    {Reason::kRestricted, "restricted"},
    {Reason::kNoConsent, "no_consent"},
    {Reason::kOptedOut, "opted_out"},
    {Reason::kObjected, "objected"},
    {Reason::kNotNeedToKnow, "not_need_to_know"},
    {Reason::kPurposeNotInForceAtCollection, "purpose_not_in_force_at_collection"},
    {Reason::kNotSubjectsOwnData, "not_subjects_own_data"},
    {Reason::kOtherOrganization, "other_organization"},
    {Reason::kOtherTenant, "other_tenant"},
    {Reason::kProcessorPurposeNeedsTenant, "processor_purpose_needs_tenant"},
    {Reason::kControllerPurposeOnProcessorData, "controller_purpose_on_processor_data"},
    {Reason::kNotCollectedForPurpose, "not_collected_for_purpose"},
    {Reason::kAdminHasNoDataAccess, "admin_has_no_data_access"},
    {Reason::kUnknownRecipient, "unknown_recipient"},
    {Reason::kRecipientNotForPurpose, "recipient_not_for_purpose"},
    {Reason::kCategoryNotForRecipient, "category_not_for_recipient"},
    {Reason::kMissingPrecondition, "missing_precondition"},
    {Reason::kSaleProhibited, "sale_prohibited"},
    {Reason::kUnaffiliatedThirdPartyProhibited, "unaffiliated_third_party_prohibited"},
    {Reason::kNoDataProcessingAgreement, "no_data_processing_agreement"},
    {Reason::kNoTransferMechanism, "no_transfer_mechanism"},
    {Reason::kRecipientNotYetInForce, "recipient_not_yet_in_force"},
    {Reason::kRemovedFromOrganization, "removed_from_organization"},
    {Reason::kSensitiveUseLimited, "sensitive_use_limited"},
    {Reason::kPrincipalNotAllowed, "principal_not_allowed"},
    {Reason::kPurposeRequired, "purpose_required"},
    {Reason::kPaymentCardNumber, "payment_card_number"},
    {Reason::kTrackingIdWithNamedData, "tracking_id_with_named_data"},
    {Reason::kBelowMinimumAge, "below_minimum_age"},
    {Reason::kLocationRequired, "location_required"},
    {Reason::kIdentityPending, "identity_pending"},
    {Reason::kAwaitingFee, "awaiting_fee"},
    {Reason::kWrongCode, "wrong_code"},
    {Reason::kCodeExpired, "code_expired"},
    {Reason::kNoAttemptsLeft, "no_attempts_left"},
});
static_assert(common::CoversEveryEnumerator(kReasonNames));

}  // namespace

std::string_view ReasonName(Reason r) { return kReasonNames.Name(r); }
std::optional<Reason> ParseReasonName(std::string_view name) { return kReasonNames.Parse(name); }

}  // namespace privet
