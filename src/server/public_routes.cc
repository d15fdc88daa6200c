// The public documents: no key needed, nothing personal in them.
#include "privet/notice.h"
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {

void AddPublicRoutes(RouteTable& table) {
  // 200 while the vault can serve; 503 with the error document when it cannot (its last write
  // failed, or another writer changed its files under it): take the server out of rotation.
  table.Add("GET", "/healthz", kPublic, [](const Call& call) -> StatusOr<HttpResponse> {
    PRIVET_RETURN_IF_ERROR(call.ctx.vault.Health());
    return JsonResponse(200, {{"status", "ok"}});
  });

  // https://privacycg.github.io/gpc-spec/: whether the site honours Global Privacy Control.
  table.Add("GET", "/.well-known/gpc.json", kPublic,
            [](const Call& call) -> StatusOr<HttpResponse> {
              const Policy& p = call.ctx.policy->policy();
              bool honoured =
                  !SignalOptOuts(*call.ctx.policy, PrivacySignal::kGlobalPrivacyControl).None();
              return JsonResponse(
                  200, {{"gpc", honoured}, {"lastUpdate", CivilDayToString(p.effective)}});
            });

  // The notice as rendered from the policy in force (it carries its effective date), with the
  // earlier published versions and the one announced to follow it (CX10, CU11), and the
  // breaches it must post (CN15).
  table.Add("GET", "/privacy", kPublic, [](const Call& call) -> StatusOr<HttpResponse> {
    const Policy& p = call.ctx.policy->policy();
    PRIVET_ASSIGN_OR_RETURN(std::vector<PolicyVersion> versions, call.ctx.vault.PolicyVersions());
    NoticeHistory history;
    for (const PolicyVersion& v : versions) {
      if (v.version < p.version) {
        history.earlier.push_back({.version = v.version, .effective = v.effective});
      } else if (v.version > p.version && !history.upcoming) {
        history.upcoming =
            NoticeVersion{.version = v.version, .effective = v.effective, .changes = v.changes};
      }
    }
    // CN15: breaches the policy posts on the website.
    PRIVET_ASSIGN_OR_RETURN(std::vector<Breach> breaches, call.ctx.vault.Breaches());
    for (const Breach& b : breaches) {
      if (!b.website_notice) continue;
      history.breaches.push_back({.what = b.report.what,
                                  .started_at = b.report.started_at,
                                  .ended_at = b.report.ended_at,
                                  .recorded_at = b.recorded_at,
                                  .categories = b.report.categories,
                                  .measures = b.report.measures});
    }
    HttpResponse r{.status = 200,
                   .content_type = "text/html; charset=utf-8",
                   .body = RenderNoticeHtml(p, history)};
    r.headers.emplace_back("X-Policy-Version", std::to_string(p.version));
    r.headers.emplace_back("X-Policy-Effective", CivilDayToString(p.effective));
    return r;
  });
}

}  // namespace privet::server
