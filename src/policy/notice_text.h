// Plain-English words for policy values, shared by the notice renderers (notice.cc) and the
// record of processing (record_of_processing.cc). Every function is pure and total: an unknown
// code comes back humanized ("web_form" -> "web form") rather than dropped.
//
// Private to src/policy/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "privet/notice.h"  // IsThirdCountryTransfer
#include "privet/policy.h"

namespace privet::policy_internal {

// "web_form" -> "web form".
std::string Humanize(std::string_view code);
// {"a"} -> "a"; {"a", "b"} -> "a and b"; {"a", "b", "c"} -> "a, b and c".
std::string JoinWords(const std::vector<std::string>& words, std::string_view last = "and");

// "EU" -> "the European Union (EU)"; "US-MA" -> "Massachusetts, United States (US-MA)";
// unknown codes as given.
std::string JurisdictionText(std::string_view code);
// "US" -> "the United States (US)"; unknown codes as given.
std::string CountryText(std::string_view iso_code);
// "scc" -> "standard contractual clauses".
std::string TransferMechanismText(std::string_view mechanism);
// "only with a court order".
std::string PreconditionText(std::string_view precondition);
// "service provider acting on our instructions (processor)".
std::string_view RecipientKindText(RecipientKind kind);
// "after the last application date".
std::string_view AnchorText(AnchorEvent anchor);
// "Access": the short title of a right.
std::string_view RightTitle(Right right);
// "get a copy of the personal data we hold about you".
std::string_view RightDescription(Right right);
// "Art. 6(1)(a)".
std::string_view LegalBasisArticle(LegalBasis basis);
// "1050 EUR cents" -> "10.50 EUR".
std::string MoneyText(int amount_cents, std::string_view currency);
// Marketing channel ids: "sms" -> "Text messages (SMS)".
std::string MarketingChannelText(std::string_view channel);
// Automatic-collection fields: "ip" -> "IP address".
std::string CollectedFieldText(std::string_view field);

}  // namespace privet::policy_internal
