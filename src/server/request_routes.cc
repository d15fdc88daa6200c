// Data-subject rights requests (RequestDesk): filing, identity codes, fees, extensions,
// denials and fulfilment. Requests are run by the controller's services and staff.
#include "server/api.h"
#include "server/enum_names.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

Json RequestJson(const RightsRequest& r) {
  Json exceptions = Json::array();
  for (const RequestException& e : r.exceptions) {
    exceptions.push_back({{"scope", e.scope}, {"ground", e.ground}, {"law", e.law}});
  }
  Json history = Json::array();
  for (const RequestTransition& t : r.history) {
    history.push_back({{"state", RequestStateName(t.state)}, {"at", Rfc3339(t.at)},
                       {"actor", t.actor}, {"note", t.note}});
  }
  Json j = {{"id", IdString(r.id)},
            {"right", RightName(r.right)},
            {"subject_id", IdString(r.subject_id)},
            {"state", RequestStateName(r.state)},
            {"channel", r.channel},
            {"filed_by", r.filed_by},
            {"purpose", r.purpose},
            {"received_at", Rfc3339(r.received_at)},
            {"extended", r.extended},
            {"code_attempts_left", r.code_attempts_left},
            {"fee_reference", r.fee_reference},
            {"exceptions", exceptions},
            {"history", history}};
  j["due"] = r.due ? Json(DayString(*r.due)) : Json(nullptr);
  j["extended_due"] = r.extended_due ? Json(DayString(*r.extended_due)) : Json(nullptr);
  j["routed_to_organization"] =
      r.routed_to_organization ? Json(IdString(r.routed_to_organization)) : Json(nullptr);
  if (r.fee) {
    j["fee"] = {{"amount_cents", r.fee->amount_cents}, {"currency", r.fee->currency}};
  } else {
    j["fee"] = nullptr;
  }
  return j;
}

StatusOr<HttpResponse> FileRequest(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"right", "channel", "purpose"}));
  Field f{body, ""};
  ASSIGN_OR_RETURN(auto right_name, f.String("right", true));
  ASSIGN_OR_RETURN(auto channel, f.String("channel", true));
  ASSIGN_OR_RETURN(auto purpose, f.String("purpose"));
  auto right = ParseRightName(*right_name);
  if (!right) return InvalidArgument("is not a right", "right");
  ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  NewRequest request{.right = *right, .subject_id = s.id, .channel = *channel,
                     .purpose = purpose.value_or("")};
  if (call.principal.kind == PrincipalKind::kStaff) {
    request.filed_by = Requester::kStaff;
    request.staff_role = call.ctx.policy->policy().roles[call.principal.role].id;
  }
  ASSIGN_OR_RETURN(RightsRequest filed, call.ctx.desk.File(request));
  HttpResponse r = JsonResponse(201, RequestJson(filed));
  r.headers.emplace_back("Location", "/v1/requests/" + IdString(filed.id));
  return r;
}

StatusOr<uint64_t> RequestId(const Call& call) { return call.IdParam("id"); }

StatusOr<HttpResponse> GetRequest(const Call& call) {
  ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Get(id));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Verify(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"code"}));
  ASSIGN_OR_RETURN(auto code, (Field{body, ""}.String("code", true)));
  ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.VerifyIdentity(id, *code));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Fee(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"reference"}));
  ASSIGN_OR_RETURN(auto reference, (Field{body, ""}.String("reference", true)));
  ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.RecordFeePaid(id, *reference));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Extend(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"reason"}));
  ASSIGN_OR_RETURN(auto reason, (Field{body, ""}.String("reason", true)));
  ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Extend(id, *reason));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Deny(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"scope", "ground", "law"}));
  Field f{body, ""};
  ASSIGN_OR_RETURN(auto scope, f.String("scope", true));
  ASSIGN_OR_RETURN(auto ground, f.String("ground", true));
  ASSIGN_OR_RETURN(auto law, f.String("law", true));
  ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  ASSIGN_OR_RETURN(RightsRequest r, call.ctx.desk.Deny(id, {*scope, *ground, *law}));
  return JsonResponse(200, RequestJson(r));
}

StatusOr<HttpResponse> Fulfil(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"corrections"}));
  Fulfilment fulfilment;
  if (auto it = body.find("corrections"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("must be an object of field id to value", "corrections");
    for (const auto& item : it->items()) {
      ASSIGN_OR_RETURN(uint64_t field_id, ParseId(item.key(), "corrections"));
      if (!item.value().is_string()) {
        return InvalidArgument("must be a string", "corrections." + item.key());
      }
      fulfilment.corrections[field_id] = item.value().get<std::string>();
    }
  }
  ASSIGN_OR_RETURN(uint64_t id, RequestId(call));
  ASSIGN_OR_RETURN(FulfilResult done, call.ctx.desk.Fulfil(id, fulfilment));
  Json out = {{"request", RequestJson(done.request)}};
  if (!done.export_json.empty()) out["export"] = Json::parse(done.export_json, nullptr, false);
  if (!done.export_csv.empty()) out["export_csv"] = done.export_csv;
  return JsonResponse(200, out);
}

}  // namespace

void AddRequestRoutes(RouteTable& table) {
  table.Add("POST", "/v1/subjects/{id}/requests", AndSubject(kServiceStaff), FileRequest);
  table.Add("GET", "/v1/requests/{id}", kServiceStaff, GetRequest);
  table.Add("POST", "/v1/requests/{id}/verify", kServiceStaff, Verify);
  table.Add("POST", "/v1/requests/{id}/fee", kServiceStaff, Fee);
  table.Add("POST", "/v1/requests/{id}/extend", kServiceStaff, Extend);
  table.Add("POST", "/v1/requests/{id}/deny", kServiceStaff, Deny);
  table.Add("POST", "/v1/requests/{id}/fulfil", kServiceStaff, Fulfil);
}

}  // namespace privet::server
