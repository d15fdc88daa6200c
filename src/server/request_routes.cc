// Data-subject rights requests (RequestDesk): filing, identity codes, fees, extensions,
// denials and fulfilment. Requests are run by the controller's services and staff; a subject
// files and follows its own, and an organization admin reads those routed to it (CT13).
#include <charconv>

#include "server/api.h"
#include "server/json_io.h"
#include "server/request_json.h"

namespace privet::server {
namespace {

StatusOr<HttpResponse> FileRequest(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body,
                          ParseObject(call.request.body, {"right", "channel", "purpose"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(auto right_name, f.String("right", true));
  PRIVET_ASSIGN_OR_RETURN(auto channel, f.String("channel", true));
  PRIVET_ASSIGN_OR_RETURN(auto purpose, f.String("purpose"));
  auto right = ParseRightName(*right_name);
  if (!right) return InvalidArgument("is not a right", "right");
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  NewRequest request{
      .right = *right, .subject_id = s.id, .channel = *channel, .purpose = purpose.value_or("")};
  if (call.principal.kind == PrincipalKind::kStaff) {
    request.filed_by = Requester::kStaff;
    request.staff_role = call.ctx.policy->policy().roles[call.principal.role].id;
  }
  PRIVET_ASSIGN_OR_RETURN(RightsRequest filed, call.ctx.desk.File(request));
  HttpResponse r = JsonResponse(201, RequestJson(filed));
  r.headers.emplace_back("Location", "/v1/requests/" + IdString(filed.id));
  return r;
}

StatusOr<uint64_t> RequestId(const Call& call) { return call.IdParam("id"); }

// Besides the controller's service and staff, a request is read by the subject it is about and
// by the organization admin it was routed to.
Status CheckRequestScope(const Principal& principal, const RightsRequest& r) {
  if (principal.kind == PrincipalKind::kSubject && r.subject_id != principal.subject_id) {
    return PermissionDenied(Reason::kNotSubjectsOwnData, "a subject reads its own requests only");
  }
  if (principal.kind == PrincipalKind::kOrganizationAdmin &&
      (r.routed_to_organization == 0 || r.routed_to_organization != principal.organization_id)) {
    return PermissionDenied(Reason::kOtherOrganization,
                            "an organization admin reads the requests routed to it only");
  }
  return Status::Ok();
}

StatusOr<HttpResponse> GetRequest(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  PRIVET_ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Get(id));
  PRIVET_RETURN_IF_ERROR(CheckRequestScope(call.principal, r));
  return JsonResponse(200, RequestJson(r));
}

// The subject's requests, oldest first (the pipeline has checked the caller's scope).
StatusOr<HttpResponse> SubjectRequests(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_ASSIGN_OR_RETURN(std::vector<RightsRequest> requests, call.ctx.desk.ForSubject(s.id));
  Json out = Json::array();
  for (const RightsRequest& r : requests) out.push_back(RequestJson(r));
  return JsonResponse(200, {{"requests", out}});
}

// The most days ahead GET /v1/requests/overdue looks (ten years: every deadline is nearer).
constexpr int kMaxOverdueWithinDays = 3660;

// Open requests that are late or due within `?within=` days (default 0), soonest first: what
// `privet request overdue` prints, for operators while the server holds the vault (cron). Only
// what the deadline needs, no subject or history: the admin key reads no data.
StatusOr<HttpResponse> OverdueRequests(const Call& call) {
  int within = 0;
  if (const std::string* text = call.request.Query("within")) {
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, within);
    if (text->empty() || ec != std::errc() || ptr != end || within < 0 ||
        within > kMaxOverdueWithinDays) {
      return InvalidArgument(
          "must be a number of days from 0 to " + std::to_string(kMaxOverdueWithinDays), "within");
    }
  }
  PRIVET_ASSIGN_OR_RETURN(std::vector<RightsRequest> due,
                          call.ctx.desk.Overdue(std::chrono::days(within)));
  const Time today = CivilDayToTime(CivilDayOf(call.ctx.clock.Now()));
  Json out = Json::array();
  for (const RightsRequest& r : due) {
    out.push_back({{"id", IdString(r.id)},
                   {"right", RightName(r.right)},
                   {"state", RequestStateName(r.state)},
                   {"due", r.due ? Json(DayString(*r.due)) : Json(nullptr)},
                   {"extended", r.extended},
                   {"late", r.due && CivilDayToTime(*r.due) < today}});
  }
  return JsonResponse(200, {{"requests", out}, {"within_days", within}});
}

StatusOr<HttpResponse> Verify(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"code"}));
  PRIVET_ASSIGN_OR_RETURN(auto code, (Field{body, ""}.String("code", true)));
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  PRIVET_ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.VerifyIdentity(id, *code));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Fee(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"reference"}));
  PRIVET_ASSIGN_OR_RETURN(auto reference, (Field{body, ""}.String("reference", true)));
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  PRIVET_ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.RecordFeePaid(id, *reference));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Extend(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"reason"}));
  PRIVET_ASSIGN_OR_RETURN(auto reason, (Field{body, ""}.String("reason", true)));
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  PRIVET_ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Extend(id, *reason));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Deny(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"scope", "ground", "law"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(auto scope, f.String("scope", true));
  PRIVET_ASSIGN_OR_RETURN(auto ground, f.String("ground", true));
  PRIVET_ASSIGN_OR_RETURN(auto law, f.String("law", true));
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  PRIVET_ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Deny(id, {*scope, *ground, *law}));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Fulfil(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"corrections"}));
  Fulfilment fulfilment{.by = call.principal};
  if (auto it = body.find("corrections"); it != body.end() && !it->is_null()) {
    if (!it->is_object())
      return InvalidArgument("must be an object of field id to value", "corrections");
    for (const auto& item : it->items()) {
      PRIVET_ASSIGN_OR_RETURN(uint64_t field_id, ParseId(item.key(), "corrections"));
      if (!item.value().is_string()) {
        return InvalidArgument("must be a string", "corrections." + item.key());
      }
      fulfilment.corrections[field_id] = item.value().get<std::string>();
    }
  }
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  PRIVET_ASSIGN_OR_RETURN(FulfilResult done, call.ctx.desk.Fulfil(id, fulfilment));
  // An erasure that erased the subject ends its account (password and sessions) as DELETE does.
  if (done.request.right == Right::kErasure &&
      call.ctx.vault.GetSubject(done.request.subject_id).status().code() == StatusCode::kNotFound) {
    PRIVET_RETURN_IF_ERROR(call.ctx.accounts.Forget(done.request.subject_id));
  }
  Json out = {{"request", RequestJson(done.request)}};
  if (!done.export_json.empty()) out["export"] = Json::parse(done.export_json, nullptr, false);
  if (!done.export_csv.empty()) out["export_csv"] = done.export_csv;
  return JsonResponse(200, out);
}

}  // namespace

void AddRequestRoutes(RouteTable& table) {
  constexpr RouteAccess kReaders{.kinds =
                                     kServiceStaff.kinds | Kind(PrincipalKind::kOrganizationAdmin)};
  table.Add("POST", "/v1/subjects/{id}/requests", AndSubject(kServiceStaff), FileRequest);
  table.Add("GET", "/v1/subjects/{id}/requests", AndSubject(kReaders), SubjectRequests);
  table.Add("GET", "/v1/requests/overdue", kOperators, OverdueRequests);
  table.Add("GET", "/v1/requests/{id}", AndSubject(kReaders), GetRequest);
  table.Add("POST", "/v1/requests/{id}/verify", kServiceStaff, Verify);
  table.Add("POST", "/v1/requests/{id}/fee", kServiceStaff, Fee);
  table.Add("POST", "/v1/requests/{id}/extend", kServiceStaff, Extend);
  table.Add("POST", "/v1/requests/{id}/deny", kServiceStaff, Deny);
  table.Add("POST", "/v1/requests/{id}/fulfil", kServiceStaff, Fulfil);
}

}  // namespace privet::server
