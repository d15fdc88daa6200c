#include "web/center_pages.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "privet/policy.h"

namespace privet::web {
namespace {

// "2026-12-07T10:00:00Z" as "2026-12-07 10:00 UTC": a date a person reads.
std::string When(std::string_view rfc3339) {
  if (rfc3339.size() < 16) return std::string(rfc3339);
  return std::string(rfc3339.substr(0, 10)) + " " + std::string(rfc3339.substr(11, 5)) + " UTC";
}

// "user.contact.email" → the policy's description of it, else the id.
std::string CategoryTitle(const CompiledPolicy& policy, const std::string& id) {
  for (const Category& c : policy.policy().categories) {
    if (c.id == id && !c.description.empty()) return c.description;
  }
  return id;
}

std::string PurposeTitle(const CompiledPolicy& policy, std::string_view id) {
  for (const Purpose& p : policy.policy().purposes) {
    if (p.id == id && !p.description.empty()) return p.description;
  }
  return std::string(id);
}

// snake_case names as words: "legitimate_interests" → "legitimate interests".
std::string Words(std::string_view name) {
  std::string words(name);
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

// Where a datum came from (CT04), as the subject would say it.
std::string SourceWords(std::string_view source) {
  if (source == "subject") return "you";
  return Words(source);
}

std::string RightTitle(Right right) {
  switch (right) {
    case Right::kAccess:
      return "Get a copy of my data (access)";
    case Right::kRectification:
      return "Correct my data (rectification)";
    case Right::kErasure:
      return "Delete my data (erasure)";
    case Right::kRestriction:
      return "Limit how my data is used (restriction)";
    case Right::kPortability:
      return "Take my data elsewhere (portability)";
    case Right::kObjection:
      return "Object to a use of my data (objection)";
    case Right::kOptOutOfSale:
      return "Do not sell or share my data (opt-out of sale)";
    case Right::kChildDataReport:
      return "Report data about a child";
    case Right::kLegalBasisInquiry:
      return "Ask which legal basis applies to my data";
    case Right::kLimitSensitiveUse:
      return "Limit the use of my sensitive data";
  }
  return std::string(RightName(right));
}

std::string StateTitle(RequestState state) {
  switch (state) {
    case RequestState::kReceived:
      return "Received";
    case RequestState::kIdentityPending:
      return "Waiting for you to confirm it is you";
    case RequestState::kAwaitingFee:
      return "Waiting for the fee";
    case RequestState::kInProgress:
      return "In progress";
    case RequestState::kExtended:
      return "In progress, deadline extended";
    case RequestState::kCompleted:
      return "Completed";
    case RequestState::kDenied:
      return "Refused";
    case RequestState::kRouted:
      return "Sent to your organization's administrator";
  }
  return Words(RequestStateName(state));
}

Html CsrfField(std::string_view csrf) {
  Html h;
  h.Add("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", csrf);
  return h;
}

// The features that cannot work without data of `category` (CT01, CT02).
std::vector<const Feature*> FeaturesNeeding(const CompiledPolicy& policy,
                                            const std::string& category) {
  std::vector<const Feature*> out;
  for (const Feature& f : policy.policy().features) {
    for (const std::string& needed : f.requires_categories) {
      // A required category covers its descendants: user.contact covers user.contact.email.
      if (category == needed || category.starts_with(needed + ".")) {
        out.push_back(&f);
        break;
      }
    }
  }
  return out;
}

}  // namespace

std::string RenderPage(const Frame& frame, const Html& content) {
  Html nav;
  if (frame.signed_in) {
    Html items;
    const std::pair<std::string_view, Html> links[] = {
        {"data",
         Html().Add("<a href=\"/privacy-center/data\"{}>My data</a>",
                    frame.current == "data" ? Html().Add(" aria-current=\"page\"") : Html())},
        {"choices",
         Html().Add("<a href=\"/privacy-center/choices\"{}>My choices</a>",
                    frame.current == "choices" ? Html().Add(" aria-current=\"page\"") : Html())},
        {"requests",
         Html().Add("<a href=\"/privacy-center/requests\"{}>My requests</a>",
                    frame.current == "requests" ? Html().Add(" aria-current=\"page\"") : Html())},
        {"download",
         Html().Add("<a href=\"/privacy-center/download\"{}>Download my data</a>",
                    frame.current == "download" ? Html().Add(" aria-current=\"page\"") : Html())},
    };
    for (const auto& [name, link] : links) items.Add("<li>{}</li>", link);
    items.Add("<li><a href=\"/privacy\">Privacy notice</a></li>");
    items.Add(
        "<li><form method=\"post\" action=\"/privacy-center/sign-out\">{}"
        "<button type=\"submit\">Sign out</button></form></li>",
        CsrfField(frame.csrf));
    nav.Add("<nav aria-label=\"Privacy center\"><ul>{}</ul></nav>", items);
  }
  Html messages;
  if (!frame.notice.empty()) {
    messages.Add("<p class=\"notice\" role=\"status\">{}</p>\n", frame.notice);
  }
  if (!frame.error.empty()) messages.Add("<p class=\"error\" role=\"alert\">{}</p>\n", frame.error);
  Html page;
  page.Add(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n"
      "<title>{} · {}</title>\n"
      "<link rel=\"stylesheet\" href=\"/privacy-center/assets/center.css\">\n"
      "<link rel=\"icon\" href=\"/privacy-center/assets/icon.svg\" type=\"image/svg+xml\">\n"
      "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n"
      "<header>\n<a class=\"org\" href=\"/privacy-center/\">{} privacy center</a>\n{}</header>\n"
      "<main id=\"main\">\n<h1>{}</h1>\n{}{}</main>\n"
      "<footer>{} · <a href=\"/privacy\">Privacy notice</a></footer>\n"
      "</body>\n</html>\n",
      frame.title, frame.organization, frame.organization, nav, frame.title, messages, content,
      frame.organization);
  return page.Take();
}

Html SignInPage(std::string_view csrf, std::string_view organization) {
  Html h;
  h.Add(
      "<p>Sign in to see the data {} holds about you, make your choices and follow your "
      "requests.</p>\n"
      "<form method=\"post\" action=\"/privacy-center/sign-in\">\n{}\n"
      "<label for=\"email\">Email</label>\n"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>\n"
      "<label for=\"password\">Password</label>\n"
      "<input id=\"password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required>\n"
      "<p><button type=\"submit\">Sign in</button></p>\n</form>\n"
      "<p>No password? <a href=\"/privacy-center/sign-in/code\">Sign in with a code we email "
      "you</a>.</p>\n"
      "<p>You can read the <a href=\"/privacy\">privacy notice</a> without signing in.</p>\n",
      organization, CsrfField(csrf));
  return h;
}

Html SignInCodeRequestPage(std::string_view csrf) {
  Html h;
  h.Add(
      "<p>We email you a one-time code to sign in with: no password needed.</p>\n"
      "<form method=\"post\" action=\"/privacy-center/sign-in/code\">\n{}\n"
      "<label for=\"email\">Email</label>\n"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required>\n"
      "<p><button type=\"submit\">Email me a code</button></p>\n</form>\n"
      "<p><a href=\"/privacy-center/\">Sign in with a password</a> instead.</p>\n",
      CsrfField(csrf));
  return h;
}

Html SignInCodePage(std::string_view csrf, std::string_view email) {
  Html h;
  h.Add(
      "<p>If an account uses {}, we have emailed it a code. It works once, for 15 minutes.</p>\n"
      "<form method=\"post\" action=\"/privacy-center/sign-in/code/verify\">\n{}\n"
      "<input type=\"hidden\" name=\"email\" value=\"{}\">\n"
      "<label for=\"code\">Code</label>\n"
      "<input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
      "pattern=\"[0-9]{{8}}\" maxlength=\"8\" required>\n"
      "<p><button type=\"submit\">Sign in</button></p>\n</form>\n"
      "<form method=\"post\" action=\"/privacy-center/sign-in/code\">\n{}\n"
      "<input type=\"hidden\" name=\"email\" value=\"{}\">\n"
      "<p>No code? <button type=\"submit\" class=\"secondary\">Send a new one</button> "
      "or <a href=\"/privacy-center/\">sign in with a password</a>.</p>\n</form>\n",
      email, CsrfField(csrf), email, CsrfField(csrf), email);
  return h;
}

Html HomePage(const CompiledPolicy& policy) {
  Html h;
  h.Add(
      "<ul>\n"
      "<li><a href=\"/privacy-center/data\">My data</a>: everything {} holds about you, where it "
      "came from, what it is used for and how long it is kept; clear what you no longer want "
      "kept.</li>\n"
      "<li><a href=\"/privacy-center/choices\">My choices</a>: consent, opt-outs, objections and "
      "marketing, one by one.</li>\n"
      "<li><a href=\"/privacy-center/requests\">My requests</a>: ask for a copy, a correction, "
      "an erasure and more, and follow each request to its legal deadline.</li>\n"
      "<li><a href=\"/privacy-center/download\">Download my data</a> as JSON or CSV.</li>\n"
      "</ul>\n",
      policy.policy().organization);
  return h;
}

Html MyDataPage(const CompiledPolicy& policy, const std::vector<FieldHeld>& fields,
                const std::vector<uint64_t>& kept, std::string_view csrf) {
  // Fields by category, in the order they were collected.
  std::map<std::string, std::vector<const FieldHeld*>> by_category;
  std::vector<std::string> order;
  for (const FieldHeld& field : fields) {
    if (!by_category.contains(field.category)) order.push_back(field.category);
    by_category[field.category].push_back(&field);
  }
  Html h;
  if (order.empty()) {
    h.Add("<p>{} holds no data about you beyond your account.</p>\n", policy.policy().organization);
    return h;
  }
  h.Add("<p>Everything {} holds about you, one table per kind of data.</p>\n",
        policy.policy().organization);
  for (const std::string& category : order) {
    Html rows;
    for (const FieldHeld* field : by_category[category]) {
      Html uses;
      for (const FieldHeld::Use& use : field->uses) {
        uses.Add("<li>{} <span class=\"muted\">({})</span></li>", PurposeTitle(policy, use.purpose),
                 use.basis ? Words(LegalBasisName(*use.basis)) : "no longer a use");
      }
      Html recipients;
      for (const std::string& r : field->disclosed_to) recipients.Add("<li>{}</li>", r);
      // What the subject may do with it: clear it, unless the law keeps it or it is the address
      // it signs in with (the server refuses both too).
      Html action;
      const std::optional<CategoryId> c = policy.FindCategory(field->category);
      if (std::find(kept.begin(), kept.end(), field->id) != kept.end()) {
        action.Add("The law requires us to keep it.");
      } else if (c && policy.category(*c).identifier == "email") {
        action.Add("You sign in with it: ask for a correction to change it.");
      } else {
        action.Add(
            "<form method=\"post\" action=\"/privacy-center/data/clear\">{}"
            "<input type=\"hidden\" name=\"field\" value=\"{}\">"
            "<button type=\"submit\" class=\"secondary\">Clear</button></form>",
            CsrfField(csrf), field->id);
      }
      rows.Add(
          "<tr><td class=\"value\">{}</td><td>{}</td><td><ul>{}</ul></td>"
          "<td>{}<br><span class=\"muted\">under notice version {}</span></td><td>{}</td>"
          "<td>{}</td><td>{}</td></tr>\n",
          field->value, SourceWords(DataSourceName(field->source)), uses,
          When(Rfc3339(field->collected_at)), field->policy_version,
          field->retention_ends ? "until " + When(Rfc3339(*field->retention_ends))
                                : std::string("kept while needed"),
          recipients.empty() ? Html().Add("nobody") : Html().Add("<ul>{}</ul>", recipients),
          action);
    }
    Html needed;
    for (const Feature* f : FeaturesNeeding(policy, category)) {
      needed.Add("<li>{}{}</li>", f->description.empty() ? f->id : f->description,
                 f->optional ? Html().Add(" (optional: it stops if you clear this)")
                             : Html().Add(" (it cannot work without it)"));
    }
    h.Add(
        "<section aria-labelledby=\"c-{}\">\n<h2 id=\"c-{}\">{}</h2>\n{}"
        "<table>\n<thead><tr><th scope=\"col\">Value</th><th scope=\"col\">Source</th>"
        "<th scope=\"col\">Used for (legal basis)</th><th scope=\"col\">Collected</th>"
        "<th scope=\"col\">Kept</th><th scope=\"col\">Shared with</th>"
        "<th scope=\"col\"><span class=\"skip\">Action</span></th></tr></thead>\n"
        "<tbody>\n{}</tbody>\n</table>\n</section>\n",
        category, category, CategoryTitle(policy, category),
        needed.empty() ? Html() : Html().Add("<p>Needed for:</p><ul>{}</ul>\n", needed), rows);
  }
  return h;
}

namespace {

// The subject's choice about one purpose: where it stands and the one button that changes it,
// or nothing when the purpose gives no choice (its basis alone applies: contract, legal
// obligation). `anchor` lets a page link straight to it (CT06's opt-out page).
Html PurposeChoice(const CompiledPolicy& policy, const SubjectState& state,
                   std::string_view purpose_id, std::string_view title, std::string_view csrf) {
  const std::optional<PurposeId> id = policy.FindPurpose(purpose_id);
  if (!id) return {};
  const CompiledPurpose& c = policy.purpose(*id);
  if (c.prohibited) return {};
  std::string_view status;
  std::string_view action;
  std::string_view button;
  if (c.consent == ConsentMode::kRequired) {
    const bool given = state.consents.Test(*id);
    status = given ? "You have given your consent." : "You have not given your consent.";
    action = given ? "withdraw" : "grant";
    button = given ? "Withdraw consent" : "Give consent";
  } else if (c.consent == ConsentMode::kOptOut) {
    const bool out = state.opt_outs.Test(*id);
    status = out ? "You have opted out." : "In use unless you opt out.";
    action = out ? "undo_opt_out" : "opt_out";
    button = out ? "Allow again" : "Opt out";
  } else if (c.objectable) {
    const bool objected = state.objections.Test(*id);
    status = objected ? "You have objected." : "In use on our legitimate interests.";
    action = objected ? "withdraw_objection" : "object";
    button = objected ? "Withdraw my objection" : "Object";
  } else {
    return {};
  }
  Html h;
  h.Add(
      "<div class=\"choice\" id=\"p-{}\"><h3>{}</h3><p>{}</p>"
      "<form method=\"post\" action=\"/privacy-center/choices\">{}"
      "<input type=\"hidden\" name=\"purpose\" value=\"{}\">"
      "<input type=\"hidden\" name=\"action\" value=\"{}\">"
      "<button type=\"submit\">{}</button></form></div>\n",
      purpose_id, title, status, CsrfField(csrf), purpose_id, action, button);
  return h;
}

}  // namespace

Html ChoicesPage(const CompiledPolicy& policy, const SubjectState& state,
                 const std::vector<bool>& channels_allowed, std::string_view csrf) {
  const Policy& p = policy.policy();
  // Cookies and marketing channels have their own sections; their purposes are not repeated.
  auto has_own_section = [&](const std::string& purpose) {
    return std::any_of(p.cookies.begin(), p.cookies.end(),
                       [&](const Cookie& c) { return c.purpose == purpose; }) ||
           std::any_of(p.marketing_channels.begin(), p.marketing_channels.end(),
                       [&](const MarketingChannel& m) { return m.purpose == purpose; });
  };
  Html purposes;
  for (const Purpose& purpose : p.purposes) {
    if (has_own_section(purpose.id)) continue;
    purposes.Add(PurposeChoice(policy, state, purpose.id,
                               purpose.description.empty() ? purpose.id : purpose.description,
                               csrf));
  }
  Html cookies;
  for (const Cookie& cookie : p.cookies) {
    const std::string title = cookie.description.empty() ? cookie.id : cookie.description;
    if (cookie.essential) {
      cookies.Add(
          "<div class=\"choice\"><h3>{}</h3><p>Always on: the site cannot work without "
          "it.</p></div>\n",
          title);
      continue;
    }
    Html choice = PurposeChoice(policy, state, cookie.purpose, title, csrf);
    if (choice.empty()) {
      choice.Add("<div class=\"choice\"><h3>{}</h3><p>Used on {}.</p></div>\n", title,
                 Words(LegalBasisName(policy.purpose(*policy.FindPurpose(cookie.purpose)).basis)));
    }
    cookies.Add(choice);
  }
  Html channels;
  for (std::size_t i = 0; i < p.marketing_channels.size(); ++i) {
    const MarketingChannel& m = p.marketing_channels[i];
    const bool allowed = i < channels_allowed.size() && channels_allowed[i];
    std::string_view action;
    if (m.opt_in) {
      action = allowed ? "withdraw" : "grant";
    } else {
      action = allowed ? "opt_out" : "undo_opt_out";
    }
    channels.Add(
        "<div class=\"choice\" id=\"channel-{}\"><h3>Marketing by {}</h3><p>{}</p>"
        "<form method=\"post\" action=\"/privacy-center/choices\">{}"
        "<input type=\"hidden\" name=\"channel\" value=\"{}\">"
        "<input type=\"hidden\" name=\"action\" value=\"{}\">"
        "<button type=\"submit\">{}</button></form></div>\n",
        m.id, Words(m.id), allowed ? "You receive it." : "You do not receive it.", CsrfField(csrf),
        m.id, action, allowed ? "Stop" : "Receive it");
  }
  Html h;
  h.Add(
      "<p>Each choice takes effect as soon as you make it, and you can change it back here as "
      "easily.</p>\n<h2>Uses of your data</h2>\n{}",
      purposes.empty() ? Html().Add("<p>No use of your data depends on your choice.</p>\n")
                       : purposes);
  if (!channels.empty()) h.Add("<h2>Marketing</h2>\n{}", channels);
  if (!cookies.empty()) {
    h.Add(
        "<h2>Cookies</h2>\n{}"
        "<form method=\"post\" action=\"/privacy-center/cookies/clear\">{}"
        "<button type=\"submit\" class=\"secondary\">Turn off every optional cookie</button>"
        "</form>\n",
        cookies, CsrfField(csrf));
  }
  return h;
}

Html RequestsPage(const CompiledPolicy& policy, const std::vector<RightsRequest>& requests,
                  std::string_view csrf) {
  Html h;
  Html options;
  for (const Right right : policy.policy().rights.offered) {
    options.Add("<option value=\"{}\">{}</option>", RightName(right), RightTitle(right));
  }
  Html purposes;
  for (const Purpose& p : policy.policy().purposes) {
    purposes.Add("<option value=\"{}\">{}</option>", p.id,
                 p.description.empty() ? p.id : p.description);
  }
  h.Add(
      "<h2>Ask for something</h2>\n"
      "<form method=\"post\" action=\"/privacy-center/requests\">{}\n"
      "<label for=\"right\">What would you like?</label>\n<select id=\"right\" name=\"right\">{}"
      "</select>\n"
      "<label for=\"purpose\">Which use of your data (for an objection or a restriction; "
      "optional)</label>\n<select id=\"purpose\" name=\"purpose\"><option value=\"\">All "
      "uses</option>{}</select>\n"
      "<p><button type=\"submit\">Send my request</button></p>\n</form>\n",
      CsrfField(csrf), options, purposes);
  h.Add("<h2>My requests</h2>\n");
  if (requests.empty()) {
    h.Add("<p>You have made no request yet.</p>\n");
    return h;
  }
  for (auto it = requests.rbegin(); it != requests.rend(); ++it) {
    const RightsRequest& r = *it;
    Html history;
    for (const RequestTransition& t : r.history) {
      history.Add("<li>{}: {}</li>", When(Rfc3339(t.at)), StateTitle(t.state));
    }
    Html deadline;
    if (r.due) {
      deadline.Add("<p>The law gives {} until <strong>{}</strong> to answer.</p>",
                   policy.policy().organization, CivilDayToString(*r.due));
    }
    Html code;
    if (r.state == RequestState::kIdentityPending) {
      code.Add(
          "<form method=\"post\" action=\"/privacy-center/requests/verify\">{}"
          "<input type=\"hidden\" name=\"request\" value=\"{}\">"
          "<label for=\"code-{}\">The code we sent you</label>"
          "<input id=\"code-{}\" name=\"code\" autocomplete=\"one-time-code\" required> "
          "<button type=\"submit\">Confirm</button></form>",
          CsrfField(csrf), r.id, r.id, r.id);
    }
    h.Add(
        "<div class=\"choice\"><h3>{}</h3><p>Request {}, sent {}. Status: <strong>{}</strong>.</p>"
        "{}{}<details><summary>History</summary><ul>{}</ul></details></div>\n",
        RightTitle(r.right), r.id, When(Rfc3339(r.received_at)), StateTitle(r.state), deadline,
        code, history);
  }
  return h;
}

Html DownloadPage(const CompiledPolicy& policy) {
  Html h;
  h.Add(
      "<p>A copy of everything {} holds about you: each field with where it came from, what it "
      "is used for, its legal basis, when it was collected and how long it is kept; your choices "
      "and their history; who your data was shared with; your requests.</p>\n"
      "<ul>\n<li><a href=\"/privacy-center/download/data.json\" download>Download as JSON</a> "
      "(everything, machine-readable)</li>\n"
      "<li><a href=\"/privacy-center/download/data.csv\" download>Download as CSV</a> (your "
      "fields, for a spreadsheet)</li>\n</ul>\n",
      policy.policy().organization);
  return h;
}

}  // namespace privet::web
