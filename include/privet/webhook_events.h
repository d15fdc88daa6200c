// The events privet announces to downstream systems through webhooks (privet/delivery.h). The
// vault records each in the same transaction as the change it announces, without personal data
// (pseudonymous ids, codes, times): a subject erased (with the purge of its rows), a request
// fulfilled, consent withdrawn (a withdrawal, opt-out or objection), a breach recorded.
#pragma once

#include <array>
#include <string_view>

namespace privet::webhook_event {

inline constexpr std::string_view kSubjectErased = "subject.erased";
inline constexpr std::string_view kRequestFulfilled = "request.fulfilled";
inline constexpr std::string_view kConsentWithdrawn = "consent.withdrawn";
inline constexpr std::string_view kBreachRecorded = "breach.recorded";
inline constexpr std::array<std::string_view, 4> kAll = {kSubjectErased, kRequestFulfilled,
                                                         kConsentWithdrawn, kBreachRecorded};

}  // namespace privet::webhook_event
