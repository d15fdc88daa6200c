// Api: the route table of `privet serve` and the request pipeline in front of it:
// match (404/405) → authenticate (401) → route access by principal kind (403) → handler.
// Handlers return StatusOr<HttpResponse>; a non-OK Status becomes the JSON error document.
// Asynchronous handlers (AddAsync) answer the same through a callback, possibly later.
//
// Routes are registered by the files beside this one, one concern each: public_routes.cc
// (/healthz, /.well-known/gpc.json, /privacy), subject_routes.cc (subjects, fields, consents),
// request_routes.cc (rights requests), session_routes.cc (subjects' passwords and sessions),
// organization_routes.cc (members and routed requests), admin_routes.cc (policy, retention,
// audit, disclosures, API keys, metrics), marketing_routes.cc (marketing email, a channel's
// decision, the public unsubscribe link), center_routes.cc (the privacy center's pages),
// banner_routes.cc (the consent banner's script and API).
//
// Thread-safety: Handle() may run on many threads at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/delivery.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "server/accounts.h"
#include "server/api_keys.h"
#include "server/http_message.h"
#include "server/metrics.h"
#include "server/retention_schedule.h"
#include "server/router.h"

namespace privet::server {

struct ApiContext {
  Vault& vault;
  RequestDesk& desk;
  ApiKeys& keys;
  Accounts& accounts;
  Metrics& metrics;
  RetentionSchedule& retention;
  Deliverer& delivery;
  std::shared_ptr<const CompiledPolicy> policy;
  const Clock& clock;  // the vault's
  // The privacy center's cookies carry Secure (the server's public URL is https: a TLS proxy
  // is in front of it).
  bool secure_cookies = false;
  // Where the public pages are reached (--public-url), or empty: the notice's address.
  std::string public_url;
  // Web sites (origins, "https://www.example.com") whose pages include the consent banner from
  // this server: its API answers their browsers (CORS). The server's own origin always may.
  std::vector<std::string> site_origins;
};

// One request being handled.
struct Call {
  const HttpRequest& request;
  const PathParams& params;
  const Principal& principal;  // Service() on public routes (unused there)
  ApiContext& ctx;

  // Routes under /v1/subjects/{id}: the subject, loaded and scope-checked by the pipeline
  // before the handler runs (tenants reach their own subjects only, organization admins their
  // organization's, a subject's session itself), so a cross-scope call is 403 whatever its body.
  const SubjectInfo* subject = nullptr;

  // The path parameter `name` as an id; InvalidArgument naming it otherwise.
  StatusOr<uint64_t> IdParam(const std::string& name) const;
  // The route's subject. REQUIRES: a route under /v1/subjects/{id}.
  StatusOr<SubjectInfo> Subject() const;
};

// Records Sec-GPC: 1 / DNT: 1 as opt-out consent events (source gpc / dnt) for the purposes the
// policy's honoured signals cover, unless the subject already opted out of them; nothing when the
// policy ignores the signal (CN11). A refused request changes nothing, so the signal is recorded
// only once the request is known to succeed: by the pipeline after a synchronous handler
// answered 2xx (SignalPoint::kAfterSuccess), or by the handler itself once nothing after it can
// refuse (SignalPoint::kHandler).
Status ApplyPrivacySignals(const Call& call, uint64_t subject_id);
// The purposes the request's honoured privacy signals opt the subject out of (empty when it
// carries none, or the policy ignores them): what a handler checks a use against before the
// signal is recorded, so the signal is honoured from the request that carries it.
PurposeSet SignalledOptOuts(const Call& call);
// True for the session of a device subject (the consent banner's anonymous visitor): its token
// reaches the banner's routes only, never the API's subject routes or the privacy center.
bool IsDeviceSession(const ApiContext& ctx, const Principal& principal);
// PermissionDenied with other_tenant / other_organization / not_subjects_own_data when
// `principal` may not reach `s` at all.
// `reads_shown_data`: the request reads fields for a purpose the policy shows to other subjects
// (CF07); the vault decides what, for the reader's kind.
Status CheckSubjectScope(const Principal& principal, const SubjectInfo& s,
                         bool reads_shown_data = false);

using Handler = std::function<StatusOr<HttpResponse>(const Call&)>;
// How an asynchronous handler answers: once, from any thread, with a function that makes the
// response, which runs on the connection's own thread (see Answer).
using MakeResponse = std::function<StatusOr<HttpResponse>()>;
using Respond = std::function<void(MakeResponse)>;
// A handler that may answer after it returns, so that no thread waits meanwhile (a read waiting
// for its decision's commit). It copies what it needs of the Call, which is gone once it returns.
using AsyncHandler = std::function<void(const Call&, Respond)>;

// Principal kinds, as RouteAccess bits.
constexpr unsigned Kind(PrincipalKind k) { return 1u << static_cast<unsigned>(k); }
inline constexpr RouteAccess kPublic{.is_public = true};
inline constexpr RouteAccess kAnyKey{
    .kinds = Kind(PrincipalKind::kService) | Kind(PrincipalKind::kStaff) |
             Kind(PrincipalKind::kOrganizationAdmin) | Kind(PrincipalKind::kTenant) |
             Kind(PrincipalKind::kAdmin)};
// Routes that touch personal data: never the admin (who configures, and reads no data).
inline constexpr RouteAccess kDataKeys{
    .kinds = Kind(PrincipalKind::kService) | Kind(PrincipalKind::kStaff) |
             Kind(PrincipalKind::kOrganizationAdmin) | Kind(PrincipalKind::kTenant)};
inline constexpr RouteAccess kOwnerKeys{.kinds = Kind(PrincipalKind::kService) |
                                                 Kind(PrincipalKind::kOrganizationAdmin) |
                                                 Kind(PrincipalKind::kTenant)};
inline constexpr RouteAccess kServiceStaff{.kinds = Kind(PrincipalKind::kService) |
                                                    Kind(PrincipalKind::kStaff)};
inline constexpr RouteAccess kServiceOnly{.kinds = Kind(PrincipalKind::kService)};
inline constexpr RouteAccess kOperators{.kinds = Kind(PrincipalKind::kService) |
                                                 Kind(PrincipalKind::kAdmin)};
inline constexpr RouteAccess kAdminOnly{.kinds = Kind(PrincipalKind::kAdmin)};
inline constexpr RouteAccess kSubjectOnly{.kinds = Kind(PrincipalKind::kSubject)};
// `access` plus a data subject's session (on its own record only: CheckSubjectScope).
constexpr RouteAccess AndSubject(RouteAccess access) {
  return {.is_public = access.is_public, .kinds = access.kinds | Kind(PrincipalKind::kSubject)};
}

// Where a route under /v1/subjects/{id} records the request's privacy signals.
enum class SignalPoint {
  kAfterSuccess,  // the pipeline, once the handler answered 2xx
  kHandler,       // the handler, once nothing after that point can refuse
  kNever,         // never (an erasure leaves nothing to record it on)
};

class RouteTable {
 public:
  void Add(std::string method, std::string pattern, RouteAccess access, Handler handler,
           SignalPoint signals = SignalPoint::kAfterSuccess);
  // An asynchronous handler records the privacy signals itself (SignalPoint::kHandler).
  void AddAsync(std::string method, std::string pattern, RouteAccess access, AsyncHandler handler);
  const Router& router() const { return router_; }
  const AsyncHandler& handler(size_t index) const { return handlers_[index]; }

 private:
  Router router_;
  std::vector<AsyncHandler> handlers_;  // synchronous ones wrapped
};

void AddPublicRoutes(RouteTable& table);
void AddSubjectRoutes(RouteTable& table);
void AddRequestRoutes(RouteTable& table);
void AddAdminRoutes(RouteTable& table);
void AddDeliveryRoutes(RouteTable& table);
void AddSessionRoutes(RouteTable& table);
void AddOrganizationRoutes(RouteTable& table);
void AddLifecycleRoutes(RouteTable& table);
void AddBreachRoutes(RouteTable& table);
void AddMarketingRoutes(RouteTable& table);
// The privacy center's pages under /privacy-center/ (and / leading there).
void AddCenterRoutes(RouteTable& table);
// The consent banner: /privet-consent.js and its API under /v1/banner.
void AddBannerRoutes(RouteTable& table);
// The breach register's authority deadlines in the Prometheus text format, for /metrics.
std::string RenderBreachMetrics(Vault& vault, Time now);
// What the deliverer sent, retried and gave up on since the server started, for /metrics.
std::string RenderDeliveryMetrics(const Deliverer& delivery);

class Api {
 public:
  explicit Api(ApiContext ctx);
  // Answers one request through `reply`, during the call or (an asynchronous handler) after it,
  // with the matched route pattern ("unmatched" for 404s) and the principal kind, for the
  // access log and metrics.
  void Handle(const HttpRequest& request, Reply reply);
  const Router& router() const { return table_.router(); }
  ApiContext& context() { return ctx_; }

 private:
  ApiContext ctx_;
  RouteTable table_;
};

}  // namespace privet::server
