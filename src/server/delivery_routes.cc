// Routes for what privet delivers (include/privet/delivery.h): the admin's webhook endpoints,
// the dead letters, and a delivery pass on demand.
#include "common/unix_time.h"
#include "privet/delivery.h"
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

Json EndpointJson(const WebhookEndpoint& e) {
  return {{"id", IdString(e.id)},
          {"url", e.url},
          {"events", e.events},
          {"created_at", Rfc3339(e.created_at)},
          {"delivered_through", e.delivered_through},
          {"attempts", e.attempts},
          {"last_error", e.last_error}};
}

StatusOr<HttpResponse> AddWebhook(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"url", "events"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(std::string url, f.RequiredString("url"));
  PRIVET_ASSIGN_OR_RETURN(auto events, f.Strings("events", true));
  PRIVET_ASSIGN_OR_RETURN(
      CreatedWebhook created,
      call.ctx.delivery.AddWebhook({.url = url, .events = *events}, call.principal));
  Json out = EndpointJson(created.endpoint);
  out["secret"] = created.secret;  // shown this once
  return JsonResponse(201, out);
}

StatusOr<HttpResponse> ListWebhooks(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<WebhookEndpoint> endpoints, call.ctx.delivery.Webhooks());
  Json out = Json::array();
  for (const WebhookEndpoint& e : endpoints) out.push_back(EndpointJson(e));
  return JsonResponse(200, {{"webhooks", out}});
}

StatusOr<HttpResponse> RemoveWebhook(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, call.IdParam("webhook_id"));
  PRIVET_RETURN_IF_ERROR(call.ctx.delivery.RemoveWebhook(id, call.principal));
  return HttpResponse{.status = 204};
}

StatusOr<HttpResponse> DeadLetters(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<DeadLetter> letters, call.ctx.delivery.DeadLetters());
  Json out = Json::array();
  for (const DeadLetter& d : letters) {
    Json one = {{"channel", d.channel}, {"seq", d.seq},           {"topic", d.topic},
                {"state", d.state},     {"attempts", d.attempts}, {"error", d.error}};
    if (d.channel == "webhook") one["webhook_id"] = IdString(d.endpoint_id);
    out.push_back(std::move(one));
  }
  return JsonResponse(200, {{"dead_letters", out}});
}

StatusOr<HttpResponse> Redeliver(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body,
                          ParseObject(call.request.body, {"channel", "seq", "webhook_id"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(std::string channel, f.RequiredString("channel"));
  PRIVET_ASSIGN_OR_RETURN(auto seq, f.Int("seq", true));
  PRIVET_ASSIGN_OR_RETURN(auto webhook, f.Id("webhook_id", channel == "webhook"));
  PRIVET_RETURN_IF_ERROR(call.ctx.delivery.Redeliver(
      {.channel = channel, .seq = *seq, .endpoint_id = webhook.value_or(0)}, call.principal));
  return JsonResponse(200, {{"redelivered", true}});
}

StatusOr<HttpResponse> DeliverNow(const Call& call) {
  PRIVET_RETURN_IF_ERROR(
      ParseObject(call.request.body.empty() ? "{}" : call.request.body, {}).status());
  PRIVET_ASSIGN_OR_RETURN(DeliveryReport r, call.ctx.delivery.RunOnce());
  return JsonResponse(200, {{"emails_sent", r.emails_sent},
                            {"webhooks_sent", r.webhooks_sent},
                            {"retries_scheduled", r.retries_scheduled},
                            {"dead", r.dead},
                            {"undeliverable", r.undeliverable},
                            {"cancelled", r.cancelled}});
}

}  // namespace

std::string RenderDeliveryMetrics(const Deliverer& delivery) {
  const DeliveryReport t = delivery.Totals();
  std::string out =
      "# HELP privet_delivery_total Outbox messages and webhook events since the server "
      "started, by outcome.\n"
      "# TYPE privet_delivery_total counter\n";
  for (const auto& [outcome, n] :
       {std::pair{"email_sent", t.emails_sent}, std::pair{"webhook_sent", t.webhooks_sent},
        std::pair{"retry_scheduled", t.retries_scheduled}, std::pair{"dead", t.dead},
        std::pair{"undeliverable", t.undeliverable}, std::pair{"cancelled", t.cancelled}}) {
    out += "privet_delivery_total{outcome=\"" + std::string(outcome) + "\"} " + std::to_string(n) +
           "\n";
  }
  return out;
}

void AddDeliveryRoutes(RouteTable& table) {
  table.Add("POST", "/v1/webhooks", kAdminOnly, AddWebhook);
  table.Add("GET", "/v1/webhooks", kAdminOnly, ListWebhooks);
  table.Add("DELETE", "/v1/webhooks/{webhook_id}", kAdminOnly, RemoveWebhook);
  table.Add("GET", "/v1/outbox/dead-letters", kAdminOnly, DeadLetters);
  table.Add("POST", "/v1/outbox/redeliver", kAdminOnly, Redeliver);
  table.Add("POST", "/v1/outbox/deliver", kAdminOnly, DeliverNow);
}

}  // namespace privet::server
