// The privacy center's pages (issue 19): what a data subject sees under /privacy-center/.
//
// Each function renders one page's content from the values the library returns; RenderPage puts
// it in the document every page shares. The server decides who is signed in, checks each form's
// CSRF token and calls the library; nothing here changes anything.
//
//   Html body = web::MyDataPage(policy, *desk.HeldFields(id, by, "privacy_center:data"), csrf);
//   std::string html = web::RenderPage({.organization = org, .title = "My data",
//                                       .signed_in = true, .csrf = csrf, .current = "data"},
//                                      body);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/html.h"
#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/rights.h"
#include "privet/vault.h"

namespace privet::web {

// The document around a page: title, the navigation (when signed in), the sign-out button.
struct Frame {
  std::string organization;  // the policy's organization, in the header
  std::string title;         // <title> and <h1>
  bool signed_in = false;
  std::string csrf;          // the session's CSRF token, for the sign-out form
  std::string_view current;  // the navigation item of this page: data, choices, requests, ...
  std::string notice;        // a confirmation to show above the content ("Saved."), or empty
  std::string error;         // an error to show above the content, or empty
};
std::string RenderPage(const Frame& frame, const Html& content);

// Sign in with email and password, or follow the link to a one-time code by email (for someone
// who never set a password). `csrf` is the pre-session token (cookie + hidden field).
Html SignInPage(std::string_view csrf, std::string_view organization);
// Ask for a one-time code by email.
Html SignInCodeRequestPage(std::string_view csrf);
// Enter the one-time code sent to `email` (said the same way whether or not the address has an
// account), or have a new one sent.
Html SignInCodePage(std::string_view csrf, std::string_view email);

// Where a signed-in subject starts: what each page is for.
Html HomePage(const CompiledPolicy& policy);

// Every field the vault holds, grouped by category, with its source, purposes and legal bases,
// collection date and policy version, retention, recipients; a button to clear each one and,
// where a feature needs the category, what clearing it suspends (CT01, CT02, CT04, CT08).
// `fields` is RequestDesk::HeldFields, `kept` RequestDesk::KeptFieldIds (no Clear button for
// those, nor for the address the subject signs in with).
Html MyDataPage(const CompiledPolicy& policy, const std::vector<FieldHeld>& fields,
                const std::vector<uint64_t>& kept, std::string_view csrf);

// Consent, opt-out and objection per purpose, and marketing channels one by one (CF05, CT06,
// CT07): each with its state now and the button that changes it. `channels_allowed[i]` says
// whether marketing may use policy.marketing_channels[i] now.
Html ChoicesPage(const CompiledPolicy& policy, const SubjectState& state,
                 const std::vector<bool>& channels_allowed, std::string_view csrf);

// The subject's requests (state, legal deadline, history; a code form while identity is
// pending) and a form to file a new one for each right the policy offers (CT09).
Html RequestsPage(const CompiledPolicy& policy, const std::vector<RightsRequest>& requests,
                  std::string_view csrf);

// Download the access export as JSON or CSV, and what each holds.
Html DownloadPage(const CompiledPolicy& policy);

}  // namespace privet::web
