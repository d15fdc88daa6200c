// Retention anchors and legal holds for one subject: the events that start a retention rule's
// clock (the end of a contract or of a recruitment process, ...) and the holds that stop it.
// The service key and staff record them; each is audited by the vault. Also the exemptions from
// recording a subject's location (CX03), which a court or supervising agency grants.
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

// The whole-subject hold (every rule, and erasure) in a path, where the rule id would be.
constexpr std::string_view kEveryRule = "*";

StatusOr<HttpResponse> RecordEvent(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"event"}));
  PRIVET_ASSIGN_OR_RETURN(std::string name, (Field{body, ""}.RequiredString("event")));
  const std::optional<AnchorEvent> event = ParseAnchorEventName(name);
  if (!event || *event == AnchorEvent::kCollection) {
    return InvalidArgument(
        "must be last_activity, last_application, contract_end, process_end or analysis", "event");
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.RecordLifecycleEvent(s.id, *event));
  return NoContent();
}

Json HoldJson(const LegalHold& h) {
  return {{"rule", h.rule.empty() ? Json(nullptr) : Json(h.rule)},
          {"ground", h.ground},
          {"placed_at", Rfc3339(h.placed_at)}};
}

StatusOr<HttpResponse> PlaceHold(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"rule", "ground"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> rule, f.String("rule"));
  PRIVET_ASSIGN_OR_RETURN(std::string ground, f.RequiredString("ground"));
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.PlaceLegalHold(s.id, rule.value_or(""), ground));
  PRIVET_ASSIGN_OR_RETURN(std::vector<LegalHold> holds, call.ctx.vault.LegalHolds(s.id));
  for (const LegalHold& h : holds) {
    if (h.subject_id == s.id && h.rule == rule.value_or("")) return JsonResponse(201, HoldJson(h));
  }
  return Internal("the legal hold just placed is not listed");
}

StatusOr<HttpResponse> ListHolds(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_ASSIGN_OR_RETURN(std::vector<LegalHold> holds, call.ctx.vault.LegalHolds(s.id));
  Json out = Json::array();
  for (const LegalHold& h : holds) {
    if (h.subject_id == s.id) out.push_back(HoldJson(h));
  }
  return JsonResponse(200, {{"legal_holds", out}});
}

StatusOr<HttpResponse> ReleaseHold(const Call& call) {
  const std::string& rule = call.params.at("rule");
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.ReleaseLegalHold(s.id, rule == kEveryRule ? "" : rule));
  return NoContent();
}

// CX03: a court's or agency's exemption from the location requirement, recorded with its grant.
StatusOr<HttpResponse> GrantExemption(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"exemption", "reference"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(std::string exemption, f.RequiredString("exemption"));
  PRIVET_ASSIGN_OR_RETURN(std::string reference, f.RequiredString("reference"));
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(
      call.ctx.vault.GrantLocationExemption(call.principal, s.id, exemption, reference));
  return NoContent();
}

StatusOr<HttpResponse> RevokeExemption(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(
      call.ctx.vault.RevokeLocationExemption(call.principal, s.id, call.params.at("exemption")));
  return NoContent();
}

}  // namespace

void AddLifecycleRoutes(RouteTable& table) {
  table.Add("POST", "/v1/subjects/{id}/events", kServiceStaff, RecordEvent);
  table.Add("GET", "/v1/subjects/{id}/legal-holds", kServiceStaff, ListHolds);
  table.Add("POST", "/v1/subjects/{id}/legal-holds", kServiceStaff, PlaceHold);
  table.Add("DELETE", "/v1/subjects/{id}/legal-holds/{rule}", kServiceStaff, ReleaseHold);
  table.Add("POST", "/v1/subjects/{id}/location-exemptions", kServiceStaff, GrantExemption);
  table.Add("DELETE", "/v1/subjects/{id}/location-exemptions/{exemption}", kServiceStaff,
            RevokeExemption);
}

}  // namespace privet::server
