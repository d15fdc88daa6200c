// The consent banner for the company's own web site (CT10, CU04), served by privet:
//
//   GET  /privet-consent.js   the script a page includes with one <script> tag
//   GET  /v1/banner           what the banner says and the visitor's choices so far: the one
//                             request that decides which marked scripts may run
//   POST /v1/banner/choices   a choice, recorded on the ledger with its proof
//   OPTIONS on both routes    the browser's CORS preflight
//
// Who chooses is the bearer token the script sends: a signed-in subject's session (the site hands
// it to the script), or a device token the banner got with its first choice and keeps in a
// first-party cookie on the site. A visitor with neither becomes, at its first choice, a new
// subject of the policy's device kind, which holds nothing but its ledger and is never joined
// with named data (CU04). The token travels in the Authorization header, never in a cookie
// privet reads, so no other site can make a browser choose (no ambient credential to forge).
//
// Which sites: the server's own origin and those given with --site-origin. Their browsers get
// the CORS headers; a request from any other origin is refused before anything is recorded.
//
// The proof of a choice is its ledger events (source cookie_banner): the policy version, the
// time, each cookie's choice, and the SHA-256 of the banner text the visitor was shown. The
// script sends back the hash it showed; a choice made on another text than the current one is
// refused (409), so every recorded hash is one the server can rebuild from its policy version.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "privet/compiled_policy.h"
#include "server/api.h"
#include "server/json_io.h"
#include "web/assets.h"

namespace privet::server {
namespace {

// How long a device token (and so a visitor's choice) lasts: 13 months, the longest a consent
// cookie should live (CNIL, deliberation 2020-091).
constexpr std::chrono::seconds kDeviceTokenLifetime = std::chrono::days(395);
constexpr std::string_view kBearer = "Bearer ";

// The origin ("scheme://host[:port]") of an absolute URL, or empty.
std::string OriginOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const size_t path = url.find('/', scheme + 3);
  return std::string(url.substr(0, path));
}

// May a browser on `origin` use the banner's API? The configured sites and the server's public
// URL; without a public URL (a server reached directly), the origin the browser reached it at.
bool AllowedOrigin(const Call& call, std::string_view origin) {
  const ApiContext& ctx = call.ctx;
  if (std::find(ctx.site_origins.begin(), ctx.site_origins.end(), origin) != ctx.site_origins.end())
    return true;
  if (!ctx.public_url.empty()) return OriginOf(ctx.public_url) == origin;
  const std::string* host = call.request.Header("host");
  const size_t scheme = origin.find("://");
  return host != nullptr && scheme != std::string_view::npos && origin.substr(scheme + 3) == *host;
}

// The request's origin, when a browser sent one; nullopt otherwise (curl, a server).
const std::string* RequestOrigin(const Call& call) {
  const std::string* origin = call.request.Header("origin");
  return origin != nullptr && !origin->empty() ? origin : nullptr;
}

// The answer, with the CORS headers an allowed browser origin needs to read it. Errors too: the
// script shows why a choice was not recorded.
HttpResponse WithCors(const Call& call, StatusOr<HttpResponse> result) {
  HttpResponse r = result.ok() ? std::move(result).value() : ErrorResponse(result.status());
  if (const std::string* origin = RequestOrigin(call); origin && AllowedOrigin(call, *origin)) {
    r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
  }
  r.headers.emplace_back("Vary", "Origin");
  return r;
}

Status CheckOrigin(const Call& call) {
  const std::string* origin = RequestOrigin(call);
  if (origin == nullptr || AllowedOrigin(call, *origin)) return Status::Ok();
  return PermissionDenied(Reason::kPrincipalNotAllowed,
                          "this site may not use the consent banner of this server (--site-origin)",
                          "origin");
}

// The policy's purpose of that id.
const Purpose* FindPurpose(const Policy& policy, std::string_view id) {
  for (const Purpose& p : policy.purposes)
    if (p.id == id) return &p;
  return nullptr;
}

std::string_view CookieKind(const CompiledPolicy& policy, const Cookie& cookie) {
  if (cookie.essential) return "essential";
  return policy.purpose(*policy.FindPurpose(cookie.purpose)).consent == ConsentMode::kOptOut
             ? "opt_out"
             : "opt_in";
}

// What the banner says, from the policy and privet's own words: the same text for every visitor
// of one policy version and privet release, so its hash names it. (The notice's address, which
// is the server's configuration, comes beside it: NoticeLink.)
Json BannerText(const Call& call) {
  const CompiledPolicy& compiled = *call.ctx.policy;
  const Policy& p = compiled.policy();
  bool opt_in = false;
  bool opt_out = false;
  Json cookies = Json::array();
  for (const Cookie& c : p.cookies) {
    const std::string_view kind = CookieKind(compiled, c);
    opt_in = opt_in || kind == "opt_in";
    opt_out = opt_out || kind == "opt_out";
    const Purpose* purpose = FindPurpose(p, c.purpose);
    cookies.push_back({{"id", c.id},
                       {"name", c.description.empty() ? c.id : c.description},
                       {"purpose", c.purpose},
                       {"purpose_name", purpose != nullptr ? purpose->description : c.purpose},
                       {"kind", kind}});
  }
  std::string intro = p.organization + " uses the cookies below.";
  if (std::any_of(p.cookies.begin(), p.cookies.end(), [](const Cookie& c) { return c.essential; }))
    intro += " Essential ones keep the site working and are always on.";
  if (opt_in) intro += " Those marked \u201cif you agree\u201d are set only if you allow them.";
  if (opt_out)
    intro += " Those marked \u201cunless you decline\u201d are set until you refuse them.";
  intro += " You can change your choice at any time with \u201cCookie settings\u201d.";
  return {{"policy_version", p.version},
          {"title", "Cookies"},
          {"intro", intro},
          {"labels",
           {{"notice", "Privacy notice"},
            {"allow_all", "Allow all"},
            {"refuse_all", "Refuse all"},
            {"save", "Save my choices"},
            {"settings", "Cookie settings"},
            {"essential", "Always on"},
            {"opt_in", "if you agree"},
            {"opt_out", "unless you decline"},
            {"gpc", "Your browser's Global Privacy Control signal is honoured: these stay off."}}},
          {"cookies", std::move(cookies)}};
}

// The bearer token of the request, if it carries one.
std::optional<std::string_view> BearerToken(const Call& call) {
  const std::string* auth = call.request.Header("authorization");
  if (auth == nullptr || !auth->starts_with(kBearer)) return std::nullopt;
  return std::string_view(*auth).substr(kBearer.size());
}

// The subject the token names: Unauthenticated for a token that is not a live subject session
// (expired, revoked, its subject erased, or an API key: the banner speaks for one person).
StatusOr<uint64_t> TokenSubject(const Call& call, std::string_view token) {
  const Status refused(StatusCode::kUnauthenticated,
                       "the banner's token is not a live session: choose again");
  if (!IsSessionToken(token)) return refused;
  StatusOr<Principal> principal = call.ctx.accounts.Authenticate(token);
  if (!principal.ok() || principal->kind != PrincipalKind::kSubject) return refused;
  return principal->subject_id;
}

// The request as the signals see it: the script reports navigator.globalPrivacyControl (a page
// cannot set Sec-GPC itself), and it counts as the header would.
HttpRequest WithScriptSignal(const HttpRequest& request, bool gpc) {
  HttpRequest copy = request;
  if (gpc) copy.headers["sec-gpc"].assign(1, '1');  // not = "1": GCC 12 -Wrestrict misfires
  return copy;
}

// The visitor's choices so far, under the request's privacy signals: each cookie allowed or
// not by the engine's decision, and whether a signal holds it off.
Json ChoiceState(const Call& call, const SubjectState& state, const Json& text,
                 std::string_view text_hash, bool decided) {
  // Nothing to choose (essential cookies only): nothing to ask.
  const std::vector<Cookie>& all = call.ctx.policy->policy().cookies;
  decided =
      decided || std::all_of(all.begin(), all.end(), [](const Cookie& c) { return c.essential; });
  const CompiledPolicy& policy = *call.ctx.policy;
  const PurposeSet signalled = SignalledOptOuts(call);
  SubjectState seen = state;
  seen.opt_outs |= signalled;
  Json cookies = Json::object();
  Json purposes = Json::object();
  for (const Cookie& c : policy.policy().cookies) {
    const PurposeId id = *policy.FindPurpose(c.purpose);
    const bool allowed =
        Decide(policy, Principal::Service(), Action::kWrite, seen, CategorySet(), id).allowed();
    cookies[c.id] = {{"allowed", allowed}, {"held_off_by_signal", signalled.Test(id)}};
    // A purpose several cookies share runs when any of them may be set.
    purposes[c.purpose] = purposes.value(c.purpose, false) || allowed;
  }
  return {{"text", text},
          {"text_hash", text_hash},
          {"notice", call.ctx.public_url + "/privacy"},  // relative to the server without one
          {"decided", decided},
          {"gpc_honoured", !SignalOptOuts(policy, PrivacySignal::kGlobalPrivacyControl).None()},
          {"signal_applied", !signalled.None()},
          {"cookies", std::move(cookies)},
          {"purposes", std::move(purposes)}};
}

// Has the subject chosen on this very text? Otherwise the banner asks (again).
StatusOr<bool> ChoseOn(const Call& call, uint64_t subject_id, std::string_view text_hash) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<ConsentEvent> history,
                          call.ctx.vault.ConsentHistory(subject_id));
  return std::any_of(history.begin(), history.end(), [&](const ConsentEvent& e) {
    return e.source == ConsentSource::kCookieBanner && e.text_hash == text_hash;
  });
}

StatusOr<HttpResponse> Banner(const Call& call) {
  PRIVET_RETURN_IF_ERROR(CheckOrigin(call));
  const HttpRequest request = WithScriptSignal(
      call.request, call.request.Query("gpc") != nullptr && *call.request.Query("gpc") == "1");
  const Call signalled{
      .request = request, .params = call.params, .principal = call.principal, .ctx = call.ctx};
  const Json text = BannerText(call);
  const std::string hash = crypto::Sha256Hex(text.dump());
  SubjectState state;
  bool decided = false;
  bool token_refused = false;
  std::optional<uint64_t> subject_id;
  if (std::optional<std::string_view> token = BearerToken(call)) {
    StatusOr<uint64_t> subject = TokenSubject(call, *token);
    if (subject.ok()) {
      subject_id = *subject;
      PRIVET_RETURN_IF_ERROR(ApplyPrivacySignals(signalled, *subject));
      PRIVET_ASSIGN_OR_RETURN(state, call.ctx.vault.State(*subject));
      PRIVET_ASSIGN_OR_RETURN(decided, ChoseOn(call, *subject, hash));
    } else {
      token_refused = true;  // the script forgets it and asks as a new visitor
    }
  }
  Json body = ChoiceState(signalled, state, text, hash, decided);
  body["token_refused"] = token_refused;
  if (subject_id) body["subject_id"] = IdString(*subject_id);  // the token's own subject
  return JsonResponse(200, body);
}

StatusOr<HttpResponse> Choose(const Call& call) {
  PRIVET_RETURN_IF_ERROR(CheckOrigin(call));
  PRIVET_ASSIGN_OR_RETURN(Json body,
                          ParseObject(call.request.body, {"cookies", "text_hash", "gpc"}));
  const Field f{.object = body};
  PRIVET_ASSIGN_OR_RETURN(std::string text_hash, f.RequiredString("text_hash"));
  PRIVET_ASSIGN_OR_RETURN(std::optional<bool> gpc, f.Bool("gpc"));
  if (!body.contains("cookies") || !body["cookies"].is_object())
    return InvalidArgument("an object of cookie ids and true (allowed) or false", "cookies");
  CookieChoices choices{.text_hash = text_hash};
  for (const auto& [id, allowed] : body["cookies"].items()) {
    if (!allowed.is_boolean())
      return InvalidArgument("each cookie's choice is true or false", "cookies." + id);
    choices.cookies.emplace_back(id, allowed.get<bool>());
  }
  PRIVET_RETURN_IF_ERROR(CheckCookieChoices(*call.ctx.policy, choices));
  const Json text = BannerText(call);
  if (text_hash != crypto::Sha256Hex(text.dump())) {
    return FailedPrecondition("the banner's text has changed since it was shown: show it again",
                              "text_hash");
  }
  const HttpRequest request = WithScriptSignal(call.request, gpc.value_or(false));
  const Call signalled{
      .request = request, .params = call.params, .principal = call.principal, .ctx = call.ctx};
  // A signal the policy honours holds its purposes off: allowing one of them is refused, not
  // recorded and then overridden.
  const PurposeSet held_off = SignalledOptOuts(signalled);
  for (const auto& [id, allowed] : choices.cookies) {
    const Cookie& cookie = *FindCookie(call.ctx.policy->policy(), id);  // checked above
    if (allowed && !cookie.essential &&
        held_off.Test(*call.ctx.policy->FindPurpose(cookie.purpose)))
      return FailedPrecondition(
          "your browser's privacy signal opts you out of this cookie's purpose; it stays off "
          "while the signal is on",
          "cookies." + id);
  }

  const bool chooses = std::any_of(
      choices.cookies.begin(), choices.cookies.end(),
      [&](const auto& c) { return !FindCookie(call.ctx.policy->policy(), c.first)->essential; });

  // Whose ledger: the token's subject, or a new device.
  std::optional<Session> device;
  uint64_t subject_id = 0;
  if (std::optional<std::string_view> token = BearerToken(call)) {
    PRIVET_ASSIGN_OR_RETURN(subject_id, TokenSubject(call, *token));
  } else {
    const SubjectKind* kind = DeviceKind(call.ctx.policy->policy());
    if (kind == nullptr) {
      return FailedPrecondition(
          "the policy declares no device subject kind (subject_kinds[].device: true) to record "
          "an anonymous visitor's choice on",
          "subject_kinds");
    }
    // Essential cookies only: nothing to record, so no device to make.
    if (!chooses) return JsonResponse(200, ChoiceState(signalled, {}, text, text_hash, true));
    PRIVET_ASSIGN_OR_RETURN(subject_id, call.ctx.vault.CreateSubject({.kind = kind->id}));
    StatusOr<Session> session = call.ctx.accounts.OpenSession(subject_id, kDeviceTokenLifetime);
    if (!session.ok()) {
      (void)call.ctx.vault.Erase(subject_id);  // holds nothing yet: no device without its token
      return session.status();
    }
    device = std::move(session).value();
  }
  // The signal first, then the choice, the visitor's last word. A new device that fails either
  // is erased again: nobody holds its token.
  const Status signals = ApplyPrivacySignals(signalled, subject_id);
  StatusOr<std::vector<ConsentEvent>> recorded =
      signals.ok() ? call.ctx.vault.RecordCookieChoices(subject_id, choices)
                   : StatusOr<std::vector<ConsentEvent>>(signals);
  if (!recorded.ok()) {
    if (device) (void)call.ctx.vault.Erase(subject_id);
    return recorded.status();
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectState state, call.ctx.vault.State(subject_id));
  Json answer = ChoiceState(signalled, state, text, text_hash, /*decided=*/true);
  answer["subject_id"] = IdString(subject_id);
  answer["recorded"] = recorded->size();
  if (device) {
    answer["token"] = device->token;
    answer["token_expires_at"] = Rfc3339(device->expires_at);
  }
  return JsonResponse(200, answer);
}

// The CORS preflight: what an allowed site's script may send.
StatusOr<HttpResponse> Preflight(const Call& call) {
  PRIVET_RETURN_IF_ERROR(CheckOrigin(call));
  HttpResponse r{.status = 204, .content_type = ""};
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
  r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace

void AddBannerRoutes(RouteTable& table) {
  // The script is the same for every site and visitor: cacheable, and allowed to load anywhere
  // (it decides nothing itself; the API it calls checks the site).
  table.Add("GET", "/privet-consent.js", kPublic, [](const Call&) -> StatusOr<HttpResponse> {
    HttpResponse r{.status = 200,
                   .content_type = "text/javascript; charset=utf-8",
                   .body = std::string(web::ConsentScript())};
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    r.headers.emplace_back("Cross-Origin-Resource-Policy", "cross-origin");
    return r;
  });
  auto cors = [](StatusOr<HttpResponse> (*handler)(const Call&)) {
    return [handler](const Call& call) {
      return StatusOr<HttpResponse>(WithCors(call, handler(call)));
    };
  };
  // The handlers record the signals themselves, only once the choice is recorded.
  table.Add("GET", "/v1/banner", kPublic, cors(Banner), SignalPoint::kNever);
  table.Add("POST", "/v1/banner/choices", kPublic, cors(Choose), SignalPoint::kNever);
  table.Add("OPTIONS", "/v1/banner", kPublic, cors(Preflight), SignalPoint::kNever);
  table.Add("OPTIONS", "/v1/banner/choices", kPublic, cors(Preflight), SignalPoint::kNever);
}

}  // namespace privet::server
