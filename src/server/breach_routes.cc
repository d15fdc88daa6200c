// Routes for the breach register (include/privet/breach.h; CN15): recording a breach, listing
// the register with each authority deadline, recording that the authority was told, and the
// deadlines as metrics.
#include "common/unix_time.h"
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

Json TimeOrNull(const std::optional<Time>& t) { return t ? Json(Rfc3339(*t)) : Json(nullptr); }

// Where the authority deadline stands at `now`: "none" (the policy sets none), "notified",
// "running", or "overdue".
std::string_view AuthorityState(const Breach& b, Time now) {
  if (b.authority_notified_at) return "notified";
  if (!b.authority_due) return "none";
  return now > *b.authority_due ? "overdue" : "running";
}

Json BreachJson(const Breach& b, Time now) {
  const BreachReport& r = b.report;
  Json out = {{"id", IdString(b.id)},
              {"what", r.what},
              {"started_at", Rfc3339(r.started_at)},
              {"ended_at", TimeOrNull(r.ended_at)},
              {"aware_at", Rfc3339(r.aware_at)},
              {"categories", r.categories},
              {"systems", r.systems},
              {"api_keys", r.api_keys},
              {"principals", r.principals},
              {"risk", BreachRiskName(r.risk)},
              {"measures", r.measures},
              {"recorded_at", Rfc3339(b.recorded_at)},
              {"recorded_by", b.recorded_by},
              {"affected_by", b.read_evidence ? "read_evidence" : "data_held"},
              {"subjects_affected", b.subjects_affected},
              {"subjects_with_data", b.subjects_with_data},
              {"threshold_met", b.threshold_met},
              {"subjects_notified", b.subjects_notified},
              {"website_notice", b.website_notice},
              {"notices_pending", b.notices_pending},
              {"subjects_due", TimeOrNull(b.subjects_due)},
              {"authority_due", TimeOrNull(b.authority_due)},
              {"authority_notified_at", TimeOrNull(b.authority_notified_at)},
              {"authority", AuthorityState(b, now)}};
  if (b.authority_due && !b.authority_notified_at) {
    out["authority_seconds_left"] =
        std::chrono::duration_cast<std::chrono::seconds>(*b.authority_due - now).count();
  }
  return out;
}

// A time field: RFC 3339 UTC ("2026-12-04T10:00:00Z"), or InvalidArgument naming it.
StatusOr<std::optional<Time>> TimeField(const Field& f, std::string_view name, bool required) {
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> text, f.String(name, required));
  if (!text) return std::optional<Time>();
  const std::optional<Time> t = ParseRfc3339(*text);
  if (!t) return InvalidArgument("must be a UTC time YYYY-MM-DDTHH:MM:SSZ", std::string(name));
  return t;
}

StatusOr<HttpResponse> RecordBreach(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(
      Json body,
      ParseObject(call.request.body, {"what", "started_at", "ended_at", "aware_at", "categories",
                                      "systems", "api_keys", "principals", "risk", "measures"}));
  Field f{body, ""};
  BreachReport report{.by = call.principal};
  PRIVET_ASSIGN_OR_RETURN(report.what, f.RequiredString("what"));
  PRIVET_ASSIGN_OR_RETURN(std::optional<Time> started, TimeField(f, "started_at", true));
  PRIVET_ASSIGN_OR_RETURN(report.ended_at, TimeField(f, "ended_at", false));
  PRIVET_ASSIGN_OR_RETURN(std::optional<Time> aware, TimeField(f, "aware_at", true));
  report.started_at = *started;
  report.aware_at = *aware;
  for (auto [name, list] :
       {std::pair{"categories", &report.categories}, std::pair{"systems", &report.systems},
        std::pair{"api_keys", &report.api_keys}, std::pair{"principals", &report.principals}}) {
    PRIVET_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> given, f.Strings(name));
    if (given) *list = std::move(*given);
  }
  PRIVET_ASSIGN_OR_RETURN(std::string risk, f.RequiredString("risk"));
  const std::optional<BreachRisk> parsed = ParseBreachRisk(risk);
  if (!parsed) {
    return InvalidArgument("must be unlikely, risk, reasonable_risk_of_harm or high_risk", "risk");
  }
  report.risk = *parsed;
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> measures, f.String("measures"));
  report.measures = measures.value_or("");
  PRIVET_ASSIGN_OR_RETURN(Breach recorded, call.ctx.vault.RecordBreach(report));
  return JsonResponse(201, BreachJson(recorded, call.ctx.clock.Now()));
}

StatusOr<HttpResponse> ListBreaches(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<Breach> breaches, call.ctx.vault.Breaches());
  const Time now = call.ctx.clock.Now();
  Json out = Json::array();
  for (const Breach& b : breaches) out.push_back(BreachJson(b, now));
  return JsonResponse(200, {{"breaches", out}});
}

StatusOr<HttpResponse> AuthorityNotified(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, call.IdParam("breach_id"));
  PRIVET_ASSIGN_OR_RETURN(
      Json body, ParseObject(call.request.body.empty() ? "{}" : call.request.body, {"at"}));
  PRIVET_ASSIGN_OR_RETURN(std::optional<Time> at, TimeField(Field{body, ""}, "at", false));
  const Time now = call.ctx.clock.Now();
  PRIVET_ASSIGN_OR_RETURN(
      Breach told, call.ctx.vault.RecordAuthorityNotified(id, at.value_or(now), call.principal));
  return JsonResponse(200, BreachJson(told, now));
}

}  // namespace

std::string RenderBreachMetrics(Vault& vault, Time now) {
  StatusOr<std::vector<Breach>> breaches = vault.Breaches();
  if (!breaches.ok()) return "";
  uint64_t running = 0, overdue = 0;
  std::string deadlines;
  for (const Breach& b : *breaches) {
    const std::string_view state = AuthorityState(b, now);
    if (state != "running" && state != "overdue") continue;
    ++(state == "running" ? running : overdue);
    // Labelled by breach id: a handful of rows, and no personal data.
    deadlines +=
        "privet_breach_authority_seconds_left{breach=\"" + IdString(b.id) + "\"} " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(*b.authority_due - now).count()) +
        "\n";
  }
  std::string out =
      "# HELP privet_breaches Breaches in the register.\n"
      "# TYPE privet_breaches gauge\n"
      "privet_breaches " +
      std::to_string(breaches->size()) +
      "\n"
      "# HELP privet_breaches_authority_pending Breaches the supervisory authority has not been "
      "told of, by deadline state.\n"
      "# TYPE privet_breaches_authority_pending gauge\n"
      "privet_breaches_authority_pending{state=\"running\"} " +
      std::to_string(running) + "\nprivet_breaches_authority_pending{state=\"overdue\"} " +
      std::to_string(overdue) +
      "\n"
      "# HELP privet_breach_authority_seconds_left Seconds until the authority deadline "
      "(negative: overdue).\n"
      "# TYPE privet_breach_authority_seconds_left gauge\n";
  return out + deadlines;
}

void AddBreachRoutes(RouteTable& table) {
  table.Add("POST", "/v1/breaches", kAdminOnly, RecordBreach);
  table.Add("GET", "/v1/breaches", kOperators, ListBreaches);
  table.Add("POST", "/v1/breaches/{breach_id}/authority-notified", kAdminOnly, AuthorityNotified);
}

}  // namespace privet::server
