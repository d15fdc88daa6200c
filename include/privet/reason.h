// Reason: why privet refused something, as one stable code.
//
// Every refusal carries a Reason: the decision engine's answers (Decide, DecideDisclosure), the
// vault's and the rights desk's own refusals, and the server's scope checks. The code travels
// typed on the Status (`Status::reason()`), so nobody parses it back out of a message; its name
// ("no_consent") is what the HTTP API answers in `error.reason`, what metrics count and what the
// audit log records as a refusal's outcome.
//
//   if (!d.allowed()) return PermissionDenied(d.reason, "writing this category is refused");
//   if (status.reason() == Reason::kNoConsent) { ... }
//
// Names are stable: they are part of the API and of audit entries already written. Add new
// enumerators at the end.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace privet {

enum class Reason : uint8_t {
  kAllowed,
  kUnknownPurpose,
  kProhibitedPurpose,
  kForbiddenCategory,
  kSpecialCategoryRefused,
  kCategoryNotForPurpose,
  kRestricted,
  kNoConsent,
  kOptedOut,
  kObjected,
  kNotNeedToKnow,
  kPurposeNotInForceAtCollection,
  kNotSubjectsOwnData,
  kOtherOrganization,
  kOtherTenant,
  kProcessorPurposeNeedsTenant,
  kControllerPurposeOnProcessorData,
  kNotCollectedForPurpose,  // the datum was collected for other purposes (vault reads)
  kAdminHasNoDataAccess,
  // Disclosure to a recipient (DecideDisclosure).
  kUnknownRecipient,
  kRecipientNotForPurpose,
  kCategoryNotForRecipient,
  kMissingPrecondition,
  kSaleProhibited,
  kUnaffiliatedThirdPartyProhibited,
  kNoDataProcessingAgreement,
  kNoTransferMechanism,
  kRecipientNotYetInForce,
  // The subject was removed from the organization that provides the account: the account's
  // content stays with the organization, and the former member loses access to it (CT12).
  kRemovedFromOrganization,
  // The subject limited the use of sensitive personal information (California, § 1798.121) and
  // the purpose is not one of the uses the regulations permit (`sensitive_use_permitted`).
  kSensitiveUseLimited,
  // Refusals that are not decisions of the policy engine, but are reasons all the same.
  kPrincipalNotAllowed,      // the caller's kind may not do this at all
  kPurposeRequired,          // a write names no purpose
  kPaymentCardNumber,        // CX02: a card number is never stored, in any input the vault keeps
  kTrackingIdWithNamedData,  // CU04: tracking identifiers are never stored with named data
  kBelowMinimumAge,          // the subject is younger than the policy's minimum for its kind
  kLocationRequired,  // CX03: the subject's kind must record a location with every interaction
  kIdentityPending,   // a rights request waits for the subject's identity to be verified
  kAwaitingFee,       // a rights request waits for its fee
  kWrongCode,         // identity verification: the code does not match
  kCodeExpired,       // identity verification: the code is past its lifetime
  kNoAttemptsLeft,    // identity verification: no attempts left; ask for a new code
};

// "prohibited_purpose", ... : stable codes for APIs, logs and audit entries.
std::string_view ReasonName(Reason r);
std::optional<Reason> ParseReasonName(std::string_view name);  // the inverse; nullopt if unknown

}  // namespace privet
