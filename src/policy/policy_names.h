// The names of the policy model's enums, as the policy file, the API and rendered output spell
// them: one table each (common/name_table.h), read by the public XName/ParseXName functions of
// include/privet/policy.h and by the loader, which lists them when a file names none of them.
// A new enumerator needs its entry here, or the build fails.
#pragma once

#include "common/name_table.h"
#include "privet/policy.h"

namespace privet::policy_internal {

inline constexpr auto kLegalBasisNames = common::MakeNameTable<LegalBasis>({
    {LegalBasis::kConsent, "consent"},
    {LegalBasis::kContract, "contract"},
    {LegalBasis::kLegalObligation, "legal_obligation"},
    {LegalBasis::kVitalInterests, "vital_interests"},
    {LegalBasis::kPublicTask, "public_task"},
    {LegalBasis::kLegitimateInterests, "legitimate_interests"},
});
static_assert(common::CoversEveryEnumerator(kLegalBasisNames));

// The same bases as the notice and the record of processing title them.
inline constexpr auto kLegalBasisTitles = common::MakeNameTable<LegalBasis>({
    {LegalBasis::kConsent, "Consent"},
    {LegalBasis::kContract, "Contract"},
    {LegalBasis::kLegalObligation, "Legal obligation"},
    {LegalBasis::kVitalInterests, "Vital interests"},
    {LegalBasis::kPublicTask, "Public task"},
    {LegalBasis::kLegitimateInterests, "Legitimate interests"},
});
static_assert(common::CoversEveryEnumerator(kLegalBasisTitles));

inline constexpr auto kConsentModeNames = common::MakeNameTable<ConsentMode>({
    {ConsentMode::kNone, "none"},
    {ConsentMode::kRequired, "required"},
    {ConsentMode::kOptOut, "opt_out"},
});
static_assert(common::CoversEveryEnumerator(kConsentModeNames));

inline constexpr auto kDataSourceNames = common::MakeNameTable<DataSource>({
    {DataSource::kSubject, "subject"},
    {DataSource::kConnectedPerson, "connected_person"},
    {DataSource::kCookies, "cookies"},
    {DataSource::kAggregator, "aggregator"},
    {DataSource::kPartner, "partner"},
    {DataSource::kPublicSource, "public_source"},
    {DataSource::kSocialNetwork, "social_network"},
    {DataSource::kDerived, "derived"},
    {DataSource::kCustomer, "customer"},
});
static_assert(common::CoversEveryEnumerator(kDataSourceNames));

inline constexpr auto kRecipientKindNames = common::MakeNameTable<RecipientKind>({
    {RecipientKind::kProcessor, "processor"},
    {RecipientKind::kSubProcessor, "sub_processor"},
    {RecipientKind::kAffiliate, "affiliate"},
    {RecipientKind::kPartner, "partner"},
    {RecipientKind::kAuthority, "authority"},
    {RecipientKind::kController, "controller"},
    {RecipientKind::kThirdParty, "third_party"},
});
static_assert(common::CoversEveryEnumerator(kRecipientKindNames));

inline constexpr auto kAnchorEventNames = common::MakeNameTable<AnchorEvent>({
    {AnchorEvent::kCollection, "collection"},
    {AnchorEvent::kLastActivity, "last_activity"},
    {AnchorEvent::kLastApplication, "last_application"},
    {AnchorEvent::kContractEnd, "contract_end"},
    {AnchorEvent::kProcessEnd, "process_end"},
    {AnchorEvent::kAnalysis, "analysis"},
});
static_assert(common::CoversEveryEnumerator(kAnchorEventNames));

inline constexpr auto kRetentionActionNames = common::MakeNameTable<RetentionAction>({
    {RetentionAction::kDelete, "delete"},
    {RetentionAction::kAnonymize, "anonymize"},
});
static_assert(common::CoversEveryEnumerator(kRetentionActionNames));

inline constexpr auto kRightNames = common::MakeNameTable<Right>({
    {Right::kAccess, "access"},
    {Right::kRectification, "rectification"},
    {Right::kErasure, "erasure"},
    {Right::kRestriction, "restriction"},
    {Right::kPortability, "portability"},
    {Right::kObjection, "objection"},
    {Right::kOptOutOfSale, "opt_out_of_sale"},
    {Right::kChildDataReport, "child_data_report"},
    {Right::kLegalBasisInquiry, "legal_basis_inquiry"},
    {Right::kLimitSensitiveUse, "limit_sensitive_use"},
});
static_assert(common::CoversEveryEnumerator(kRightNames));

inline constexpr auto kSignalResponseNames = common::MakeNameTable<SignalResponse>({
    {SignalResponse::kHonor, "honor"},
    {SignalResponse::kIgnore, "ignore"},
});
static_assert(common::CoversEveryEnumerator(kSignalResponseNames));

}  // namespace privet::policy_internal
