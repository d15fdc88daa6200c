// The privacy center (issue 19): the pages a data subject uses, under /privacy-center/, signed in
// with the same accounts, sessions and login limits as the API (CU07).
//
// Sessions: the session token of POST /v1/sessions, kept in an HttpOnly, SameSite=Strict cookie
// (Secure when the server's public URL is https), scoped to /privacy-center. Every form that
// changes something carries a CSRF token: HMAC-SHA-256 of the session token (so it needs no
// storage and dies with the session), compared in constant time; the sign-in form, before any
// session, carries a random token that must equal a cookie set with the form. A POST whose
// Sec-Fetch-Site or Origin says it came from another site is refused before anything else.
// A refused request changes nothing. Pages are never cached (Cache-Control: no-store).
#include <sodium.h>

#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "server/api.h"
#include "server/json_io.h"
#include "web/assets.h"
#include "web/center_pages.h"

namespace privet::server {
namespace {

constexpr std::string_view kSessionCookie = "privet_session";
constexpr std::string_view kSignInCookie = "privet_signin";
constexpr std::string_view kCenter = "/privacy-center";
// No script anywhere, styles from our own stylesheet only, forms post to us only, never framed.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

// The value of cookie `name` in the request's Cookie header, if any.
std::optional<std::string> CookieValue(const HttpRequest& request, std::string_view name) {
  const std::string* header = request.Header("cookie");
  if (header == nullptr) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

// An application/x-www-form-urlencoded body; a malformed one is InvalidArgument.
StatusOr<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> form;
  while (!body.empty()) {
    const std::size_t end = body.find('&');
    const std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!PercentDecode(pair.substr(0, eq), true, &name) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
      return InvalidArgument("malformed form body", "body");
    }
    form[std::move(name)] = std::move(value);
  }
  return form;
}

std::string FormValue(const std::map<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// A form field holding an id (of a field, of a request); InvalidArgument naming it otherwise.
StatusOr<uint64_t> FormId(const std::map<std::string, std::string>& form, const std::string& name) {
  uint64_t id = 0;
  const std::string text = FormValue(form, name);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("is not an id", name);
  }
  return id;
}

bool SameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string CsrfFor(std::string_view session_token) {
  return crypto::HmacSha256Hex(session_token, "privet privacy center csrf");
}

std::string Cookie(const ApiContext& ctx, std::string_view name, std::string_view value,
                   std::string_view max_age) {
  std::string cookie = std::string(name) + "=" + std::string(value) +
                       "; Path=" + std::string(kCenter) +
                       "; HttpOnly; SameSite=Strict; Max-Age=" + std::string(max_age);
  if (ctx.secure_cookies) cookie += "; Secure";
  return cookie;
}

HttpResponse HtmlResponse(int status, std::string body) {
  HttpResponse r{
      .status = status, .content_type = "text/html; charset=utf-8", .body = std::move(body)};
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

HttpResponse SeeOther(std::string location) {
  HttpResponse r{.status = 303, .content_type = ""};
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

// A POST from another site (a form on an attacker's page) is refused before it is read.
bool CrossSite(const HttpRequest& request) {
  if (const std::string* site = request.Header("sec-fetch-site")) {
    return *site != "same-origin" && *site != "none";
  }
  const std::string* origin = request.Header("origin");
  const std::string* host = request.Header("host");
  if (origin == nullptr || *origin == "null") return origin != nullptr;
  if (host == nullptr) return true;
  const std::size_t scheme = origin->find("://");
  return scheme == std::string::npos || origin->substr(scheme + 3) != *host;
}

// Who is signed in: the subject of the session cookie, and the cookie's token.
struct Visitor {
  uint64_t subject_id = 0;
  std::string token;
  std::string csrf;
};

std::optional<Visitor> SignedIn(const Call& call) {
  std::optional<std::string> token = CookieValue(call.request, kSessionCookie);
  if (!token || !IsSessionToken(*token)) return std::nullopt;
  StatusOr<Principal> principal = call.ctx.accounts.Authenticate(*token);
  if (!principal.ok() || principal->kind != PrincipalKind::kSubject ||
      IsDeviceSession(call.ctx, *principal))
    return std::nullopt;
  return Visitor{.subject_id = principal->subject_id, .token = *token, .csrf = CsrfFor(*token)};
}

web::Frame FrameFor(const Call& call, const Visitor& visitor, std::string title,
                    std::string_view current) {
  web::Frame frame{.organization = call.ctx.policy->policy().organization,
                   .title = std::move(title),
                   .signed_in = true,
                   .csrf = visitor.csrf,
                   .current = current};
  // A confirmation after a change (post/redirect/get): a fixed word, never a value.
  if (const std::string* done = call.request.Query("done")) {
    if (*done == "cleared") frame.notice = "The data was cleared.";
    if (*done == "choice") frame.notice = "Your choice is saved and in effect now.";
    if (*done == "request") frame.notice = "Your request was sent.";
    if (*done == "verified") frame.notice = "Thank you: your request is confirmed.";
  }
  return frame;
}

std::string ErrorText(const Status& status) {
  switch (status.code()) {
    case StatusCode::kPermissionDenied:
      return "This is not allowed: " + std::string(status.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
      return std::string(status.message());
    case StatusCode::kNotFound:
      return "That no longer exists.";
    default:
      return "Something went wrong on our side; please try again later.";
  }
}

// A form that did not go through, as a page: what went wrong and the way back. Nothing changed.
HttpResponse FormError(const Call& call, const Status& status, std::string_view back) {
  privet::Html content;
  content.Add("<p><a href=\"{}\">Go back</a></p>\n", back);
  return HtmlResponse(HttpStatusFor(status.code()),
                      web::RenderPage({.organization = call.ctx.policy->policy().organization,
                                       .title = "That did not work",
                                       .error = ErrorText(status)},
                                      content));
}

// Runs a signed-in page: the sign-in page when no session, else `render`.
template <typename Render>
StatusOr<HttpResponse> SignedInPage(const Call& call, Render render) {
  std::optional<Visitor> visitor = SignedIn(call);
  if (!visitor) return SeeOther(std::string(kCenter) + "/");
  // The browser's Global Privacy Control / Do Not Track, honoured as the policy says before the
  // page shows the choices (the API does the same on its routes).
  Status signals = ApplyPrivacySignals(call, visitor->subject_id);
  if (!signals.ok()) return FormError(call, signals, "/privacy-center/");
  StatusOr<HttpResponse> page = render(*visitor);
  if (!page.ok()) return FormError(call, page.status(), "/privacy-center/");
  return page;
}

// Runs a signed-in form: refuses other sites, no session, a wrong CSRF token or a malformed body
// (changing nothing), then `act` with the form; an error is shown as a page with the way `back`.
template <typename Act>
StatusOr<HttpResponse> SignedInForm(const Call& call, std::string_view back, Act act) {
  if (CrossSite(call.request)) {
    return FormError(call,
                     PermissionDenied(Reason::kPrincipalNotAllowed,
                                      "the form was sent from another site", "origin"),
                     back);
  }
  std::optional<Visitor> visitor = SignedIn(call);
  if (!visitor) return SeeOther(std::string(kCenter) + "/");
  StatusOr<std::map<std::string, std::string>> form = ParseForm(call.request.body);
  if (!form.ok()) return FormError(call, form.status(), back);
  if (!SameSecret(FormValue(*form, "csrf"), visitor->csrf)) {
    return FormError(call,
                     PermissionDenied(Reason::kPrincipalNotAllowed,
                                      "the form had expired; reload the page", "csrf"),
                     back);
  }
  StatusOr<HttpResponse> done = act(*visitor, *form);
  if (!done.ok()) return FormError(call, done.status(), back);
  // Only once the form went through: a refused one changes nothing, not even a signal.
  if (Status signals = ApplyPrivacySignals(call, visitor->subject_id); !signals.ok()) {
    return FormError(call, signals, back);
  }
  return done;
}

// Which sign-in page: the password form, the form that asks for a code, or the one that takes
// the code sent to an address.
enum class SignInStep { kPassword, kAskCode, kEnterCode };

// A sign-in page with a fresh pre-session token (cookie and hidden field, against login CSRF:
// someone else's session planted on you), `error` above it if any. `code_for`: the address a
// code went to (kEnterCode).
HttpResponse SignInAnswer(const Call& call, int status, std::string error,
                          SignInStep step = SignInStep::kPassword, std::string_view code_for = {}) {
  const std::string token = crypto::RandomHex(16);
  const std::string& organization = call.ctx.policy->policy().organization;
  const Html page = step == SignInStep::kEnterCode ? web::SignInCodePage(token, code_for)
                    : step == SignInStep::kAskCode ? web::SignInCodeRequestPage(token)
                                                   : web::SignInPage(token, organization);
  HttpResponse r = HtmlResponse(
      status,
      web::RenderPage({.organization = organization,
                       .title = step == SignInStep::kPassword ? "Sign in" : "Sign in with a code",
                       .error = std::move(error)},
                      page));
  r.headers.emplace_back("Set-Cookie", Cookie(call.ctx, kSignInCookie, token, "3600"));
  return r;
}

StatusOr<HttpResponse> Home(const Call& call) {
  if (std::optional<Visitor> visitor = SignedIn(call)) {
    return HtmlResponse(200, web::RenderPage(FrameFor(call, *visitor, "Your privacy", "home"),
                                             web::HomePage(*call.ctx.policy)));
  }
  return SignInAnswer(call, 200, "");
}

// A sign-in form's checks before `act` runs: sent from this site, well formed, and carrying the
// pre-session token of the page that showed it.
template <typename Act>
StatusOr<HttpResponse> SignInForm(const Call& call, Act act) {
  if (CrossSite(call.request)) {
    return FormError(call,
                     PermissionDenied(Reason::kPrincipalNotAllowed,
                                      "the form was sent from another site", "origin"),
                     "/privacy-center/");
  }
  StatusOr<std::map<std::string, std::string>> form = ParseForm(call.request.body);
  if (!form.ok()) return FormError(call, form.status(), "/privacy-center/");
  const std::optional<std::string> expected = CookieValue(call.request, kSignInCookie);
  if (!expected || !SameSecret(FormValue(*form, "csrf"), *expected)) {
    return SignInAnswer(call, 403, "The sign-in form had expired. Please try again.");
  }
  return act(*form);
}

// The answer to a login: on to My data with the session cookie, or the form again saying why.
HttpResponse LoginAnswer(const Call& call, const StatusOr<Session>& session, std::string_view wrong,
                         SignInStep step, std::string_view code_for = {}) {
  if (session.status().code() == StatusCode::kResourceExhausted) {
    HttpResponse r = SignInAnswer(
        call, 429, "Too many attempts for this email. Please wait 15 minutes.", step, code_for);
    r.headers.emplace_back("Retry-After", "900");
    return r;
  }
  if (session.status().code() == StatusCode::kUnauthenticated)
    return SignInAnswer(call, 401, std::string(wrong), step, code_for);
  if (!session.ok())
    return SignInAnswer(call, HttpStatusFor(session.status().code()), ErrorText(session.status()),
                        step, code_for);
  const auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(session->expires_at - call.ctx.clock.Now());
  HttpResponse r = SeeOther(std::string(kCenter) + "/data");
  r.headers.emplace_back(
      "Set-Cookie",
      Cookie(call.ctx, kSessionCookie, session->token,
             std::to_string(std::max<int64_t>(0, static_cast<int64_t>(lifetime.count())))));
  r.headers.emplace_back("Set-Cookie", Cookie(call.ctx, kSignInCookie, "", "0"));
  return r;
}

StatusOr<HttpResponse> SignIn(const Call& call) {
  return SignInForm(call, [&](const auto& form) {
    const std::string email = FormValue(form, "email");
    const std::string password = FormValue(form, "password");
    if (email.size() > kMaxEmailBytes || password.size() > kMaxPasswordBytes) {
      return SignInAnswer(call, 400, "The email or the password is too long.");
    }
    return LoginAnswer(call, call.ctx.accounts.Login(email, password),
                       "The email or the password is not right.", SignInStep::kPassword);
  });
}

// A one-time code for someone who never set a password, sent through the outbox; the page that
// follows reads the same whether or not the address has an account.
StatusOr<HttpResponse> SendCode(const Call& call) {
  return SignInForm(call, [&](const auto& form) {
    const std::string email = FormValue(form, "email");
    const Status sent = call.ctx.accounts.SendSignInCode(email);
    if (sent.code() == StatusCode::kResourceExhausted) {
      HttpResponse r =
          SignInAnswer(call, 429, "Too many codes for this email. Please wait 15 minutes.",
                       SignInStep::kEnterCode, email);
      r.headers.emplace_back("Retry-After", "900");
      return r;
    }
    if (sent.code() == StatusCode::kInvalidArgument)
      return SignInAnswer(call, 400, "That is not an email address.", SignInStep::kAskCode);
    if (!sent.ok())
      return SignInAnswer(call, HttpStatusFor(sent.code()), ErrorText(sent), SignInStep::kAskCode);
    return SignInAnswer(call, 200, "", SignInStep::kEnterCode, email);
  });
}

StatusOr<HttpResponse> SignInWithCode(const Call& call) {
  return SignInForm(call, [&](const auto& form) {
    const std::string email = FormValue(form, "email");
    return LoginAnswer(call, call.ctx.accounts.LoginWithCode(email, FormValue(form, "code")),
                       "That code is not right, or no longer works. Ask for a new one.",
                       SignInStep::kEnterCode, email);
  });
}

StatusOr<HttpResponse> SignOut(const Call& call) {
  return SignedInForm(
      call, "/privacy-center/", [&](const Visitor& visitor, const auto&) -> StatusOr<HttpResponse> {
        PRIVET_RETURN_IF_ERROR(call.ctx.accounts.Logout(visitor.token));
        HttpResponse r = SeeOther(std::string(kCenter) + "/");
        r.headers.emplace_back("Set-Cookie", Cookie(call.ctx, kSessionCookie, "", "0"));
        return r;
      });
}

StatusOr<HttpResponse> MyData(const Call& call) {
  return SignedInPage(call, [&](const Visitor& visitor) -> StatusOr<HttpResponse> {
    PRIVET_ASSIGN_OR_RETURN(
        std::vector<FieldHeld> fields,
        call.ctx.desk.HeldFields(visitor.subject_id, Principal::Subject(visitor.subject_id),
                                 "privacy_center:data"));
    PRIVET_ASSIGN_OR_RETURN(std::vector<uint64_t> kept,
                            call.ctx.desk.KeptFieldIds(visitor.subject_id));
    return HtmlResponse(
        200, web::RenderPage(FrameFor(call, visitor, "My data", "data"),
                             web::MyDataPage(*call.ctx.policy, fields, kept, visitor.csrf)));
  });
}

StatusOr<HttpResponse> ClearField(const Call& call) {
  return SignedInForm(call, "/privacy-center/data",
                      [&](const Visitor& visitor, const auto& form) -> StatusOr<HttpResponse> {
                        PRIVET_ASSIGN_OR_RETURN(const uint64_t field_id, FormId(form, "field"));
                        PRIVET_RETURN_IF_ERROR(call.ctx.desk.ClearField(
                            Principal::Subject(visitor.subject_id), visitor.subject_id, field_id));
                        return SeeOther(std::string(kCenter) + "/data?done=cleared");
                      });
}

StatusOr<HttpResponse> Choices(const Call& call) {
  return SignedInPage(call, [&](const Visitor& visitor) -> StatusOr<HttpResponse> {
    PRIVET_ASSIGN_OR_RETURN(SubjectState state, call.ctx.vault.State(visitor.subject_id));
    std::vector<bool> channels;
    for (const MarketingChannel& m : call.ctx.policy->policy().marketing_channels) {
      PRIVET_ASSIGN_OR_RETURN(Decision d, call.ctx.vault.DecideMarketing(visitor.subject_id, m.id));
      channels.push_back(d.allowed());
    }
    return HtmlResponse(
        200, web::RenderPage(FrameFor(call, visitor, "My choices", "choices"),
                             web::ChoicesPage(*call.ctx.policy, state, channels, visitor.csrf)));
  });
}

StatusOr<HttpResponse> MakeChoice(const Call& call) {
  return SignedInForm(
      call, "/privacy-center/choices",
      [&](const Visitor& visitor, const auto& form) -> StatusOr<HttpResponse> {
        const std::optional<ConsentAction> action =
            ParseConsentActionName(FormValue(form, "action"));
        // What a subject may do about its own uses of data, nothing staff or the system record.
        if (!action ||
            (*action != ConsentAction::kGrant && *action != ConsentAction::kWithdraw &&
             *action != ConsentAction::kOptOut && *action != ConsentAction::kUndoOptOut &&
             *action != ConsentAction::kObject && *action != ConsentAction::kWithdrawObjection)) {
          return InvalidArgument("is not a choice", "action");
        }
        PRIVET_RETURN_IF_ERROR(
            call.ctx.vault.RecordConsent(visitor.subject_id, {.purpose = FormValue(form, "purpose"),
                                                              .channel = FormValue(form, "channel"),
                                                              .action = *action,
                                                              .source = ConsentSource::kForm}));
        return SeeOther(std::string(kCenter) + "/choices?done=choice");
      });
}

// Turning every optional cookie off is as easy as turning them on (CT10): the same withdrawal
// as a subject clearing its cookies.
StatusOr<HttpResponse> ClearCookies(const Call& call) {
  return SignedInForm(
      call, "/privacy-center/choices",
      [&](const Visitor& visitor, const auto&) -> StatusOr<HttpResponse> {
        PRIVET_RETURN_IF_ERROR(call.ctx.vault.CookiesCleared(visitor.subject_id, {}));
        return SeeOther(std::string(kCenter) + "/choices?done=choice");
      });
}

// The channel the center files requests through: the policy's dashboard, else its web form.
std::optional<std::string> CenterChannel(const CompiledPolicy& policy) {
  for (const char* channel : {"dashboard", "web_form"}) {
    for (const std::string& c : policy.policy().rights.channels) {
      if (c == channel) return c;
    }
  }
  return std::nullopt;
}

StatusOr<HttpResponse> Requests(const Call& call) {
  return SignedInPage(call, [&](const Visitor& visitor) -> StatusOr<HttpResponse> {
    PRIVET_ASSIGN_OR_RETURN(std::vector<RightsRequest> requests,
                            call.ctx.desk.ForSubject(visitor.subject_id));
    return HtmlResponse(
        200, web::RenderPage(FrameFor(call, visitor, "My requests", "requests"),
                             web::RequestsPage(*call.ctx.policy, requests, visitor.csrf)));
  });
}

StatusOr<HttpResponse> FileRequest(const Call& call) {
  return SignedInForm(
      call, "/privacy-center/requests",
      [&](const Visitor& visitor, const auto& form) -> StatusOr<HttpResponse> {
        const std::optional<Right> right = ParseRightName(FormValue(form, "right"));
        if (!right) return InvalidArgument("is not a right", "right");
        const std::optional<std::string> channel = CenterChannel(*call.ctx.policy);
        if (!channel) {
          return FailedPrecondition(
              "this policy takes requests by other channels: see the privacy notice", "channel");
        }
        PRIVET_RETURN_IF_ERROR(call.ctx.desk
                                   .File({.right = *right,
                                          .subject_id = visitor.subject_id,
                                          .channel = *channel,
                                          .purpose = FormValue(form, "purpose")})
                                   .status());
        return SeeOther(std::string(kCenter) + "/requests?done=request");
      });
}

StatusOr<HttpResponse> VerifyRequest(const Call& call) {
  return SignedInForm(
      call, "/privacy-center/requests",
      [&](const Visitor& visitor, const auto& form) -> StatusOr<HttpResponse> {
        PRIVET_ASSIGN_OR_RETURN(const uint64_t id, FormId(form, "request"));
        PRIVET_ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Get(id));
        if (r.subject_id != visitor.subject_id) return NotFound("no such request", "request");
        PRIVET_RETURN_IF_ERROR(call.ctx.desk.VerifyIdentity(id, FormValue(form, "code")).status());
        return SeeOther(std::string(kCenter) + "/requests?done=verified");
      });
}

StatusOr<HttpResponse> Download(const Call& call) {
  return SignedInPage(call, [&](const Visitor& visitor) -> StatusOr<HttpResponse> {
    return HtmlResponse(200,
                        web::RenderPage(FrameFor(call, visitor, "Download my data", "download"),
                                        web::DownloadPage(*call.ctx.policy)));
  });
}

HttpResponse Attachment(std::string content_type, std::string_view filename, std::string body) {
  HttpResponse r{.status = 200, .content_type = std::move(content_type), .body = std::move(body)};
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + std::string(filename) + "\"");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  return r;
}

StatusOr<HttpResponse> DownloadJson(const Call& call) {
  return SignedInPage(call, [&](const Visitor& visitor) -> StatusOr<HttpResponse> {
    PRIVET_ASSIGN_OR_RETURN(std::string exported,
                            call.ctx.desk.SubjectCopy(
                                visitor.subject_id, RequestDesk::CopyFormat::kJson,
                                Principal::Subject(visitor.subject_id), "privacy_center:download"));
    return Attachment("application/json", "my-data.json", std::move(exported));
  });
}

StatusOr<HttpResponse> DownloadCsv(const Call& call) {
  return SignedInPage(call, [&](const Visitor& visitor) -> StatusOr<HttpResponse> {
    PRIVET_ASSIGN_OR_RETURN(std::string csv,
                            call.ctx.desk.SubjectCopy(
                                visitor.subject_id, RequestDesk::CopyFormat::kCsv,
                                Principal::Subject(visitor.subject_id), "privacy_center:download"));
    return Attachment("text/csv; charset=utf-8", "my-data.csv", std::move(csv));
  });
}

}  // namespace

void AddCenterRoutes(RouteTable& table) {
  // Browsers that open the server's address land on the privacy center.
  table.Add("GET", "/", kPublic,
            [](const Call&) -> StatusOr<HttpResponse> { return SeeOther("/privacy-center/"); });
  table.Add("GET", "/privacy-center", kPublic,
            [](const Call&) -> StatusOr<HttpResponse> { return SeeOther("/privacy-center/"); });
  table.Add("GET", "/privacy-center/", kPublic, Home);
  table.Add("GET", "/privacy-center/assets/center.css", kPublic,
            [](const Call&) -> StatusOr<HttpResponse> {
              HttpResponse r{.status = 200,
                             .content_type = "text/css; charset=utf-8",
                             .body = std::string(web::CenterCss())};
              r.headers.emplace_back("Cache-Control", "public, max-age=3600");
              return r;
            });
  table.Add(
      "GET", "/privacy-center/assets/icon.svg", kPublic, [](const Call&) -> StatusOr<HttpResponse> {
        HttpResponse r{
            .status = 200, .content_type = "image/svg+xml", .body = std::string(web::CenterIcon())};
        r.headers.emplace_back("Cache-Control", "public, max-age=3600");
        return r;
      });
  table.Add("POST", "/privacy-center/sign-in", kPublic, SignIn);
  table.Add("GET", "/privacy-center/sign-in/code", kPublic, [](const Call& call) {
    return StatusOr<HttpResponse>(SignInAnswer(call, 200, "", SignInStep::kAskCode));
  });
  table.Add("POST", "/privacy-center/sign-in/code", kPublic, SendCode);
  table.Add("POST", "/privacy-center/sign-in/code/verify", kPublic, SignInWithCode);
  table.Add("POST", "/privacy-center/sign-out", kPublic, SignOut);
  table.Add("GET", "/privacy-center/data", kPublic, MyData);
  table.Add("POST", "/privacy-center/data/clear", kPublic, ClearField);
  table.Add("GET", "/privacy-center/choices", kPublic, Choices);
  table.Add("POST", "/privacy-center/choices", kPublic, MakeChoice);
  table.Add("POST", "/privacy-center/cookies/clear", kPublic, ClearCookies);
  table.Add("GET", "/privacy-center/requests", kPublic, Requests);
  table.Add("POST", "/privacy-center/requests", kPublic, FileRequest);
  table.Add("POST", "/privacy-center/requests/verify", kPublic, VerifyRequest);
  table.Add("GET", "/privacy-center/download", kPublic, Download);
  table.Add("GET", "/privacy-center/download/data.json", kPublic, DownloadJson);
  table.Add("GET", "/privacy-center/download/data.csv", kPublic, DownloadCsv);
}

}  // namespace privet::server
