// Routes for operators: the policy in force, retention sweeps, the audit log, disclosures,
// API keys and metrics (with the breach register's deadlines, breach_routes.cc).
#include "common/unix_time.h"
#include "privet/audit.h"
#include "privet/notice.h"
#include "privet/retention.h"
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

Json Values(const std::vector<FieldValue>& fields) {
  Json out = Json::array();
  for (const FieldValue& f : fields) {
    out.push_back({{"id", IdString(f.id)}, {"category", f.category}, {"value", f.value}});
  }
  return out;
}

StatusOr<HttpResponse> GetPolicy(const Call& call) {
  const Policy& p = call.ctx.policy->policy();
  Json ropa = Json::parse(RenderRecordOfProcessingJson(p), nullptr, false);
  return JsonResponse(200, {{"organization", p.organization},
                            {"version", p.version},
                            {"effective", CivilDayToString(p.effective)},
                            {"notice", "/privacy"},
                            {"signals",
                             {{"gpc", SignalResponseName(p.signals.gpc)},
                              {"dnt", SignalResponseName(p.signals.dnt)},
                              {"opt_out_purposes", p.signals.opt_out_purposes}}},
                            {"record_of_processing", ropa}});
}

StatusOr<HttpResponse> RunRetentionRoute(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"dry_run"}));
  PRIVET_ASSIGN_OR_RETURN(std::optional<bool> dry_run, (Field{body, ""}.Bool("dry_run")));
  PRIVET_ASSIGN_OR_RETURN(SweepReport report,
                          call.ctx.retention.RunNow({.dry_run = dry_run.value_or(false)}));
  Json due = Json::array();
  for (const DueField& d : report.due) {
    due.push_back({{"subject_id", IdString(d.subject_id)},
                   {"field_id", IdString(d.field_id)},
                   {"category", d.category},
                   {"rule", d.rule},
                   {"action", d.action}});
  }
  // Skipped subjects (DATA_LOSS): ids only, so that an operator can find and repair them.
  Json unreadable = Json::array();
  for (uint64_t id : report.subjects_unreadable) unreadable.push_back(IdString(id));
  return JsonResponse(200, {{"fields_scanned", report.fields_scanned},
                            {"fields_due", report.fields_due},
                            {"fields_deleted", report.fields_deleted},
                            {"fields_held", report.fields_held},
                            {"subjects_erased", report.subjects_erased},
                            {"complete", report.complete()},
                            {"subjects_unreadable", unreadable},
                            {"due", due}});
}

StatusOr<HttpResponse> TreeHead(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SignedTreeHead head, call.ctx.vault.SignTreeHead());
  Json out = Json::parse(TreeHeadToJson(head), nullptr, false);
  return JsonResponse(200, out);
}

StatusOr<HttpResponse> Proof(const Call& call) {
  const std::string* index = call.request.Query("index");
  if (index == nullptr) return InvalidArgument("is required", "index");
  PRIVET_ASSIGN_OR_RETURN(uint64_t entry, ParseId(*index, "index"));
  uint64_t tree_size = 0;
  if (const std::string* size = call.request.Query("tree_size")) {
    PRIVET_ASSIGN_OR_RETURN(tree_size, ParseId(*size, "tree_size"));
  }
  // From the vault's tree in memory: no second store, no re-reading of the log.
  PRIVET_ASSIGN_OR_RETURN(std::string proof,
                          call.ctx.vault.AuditInclusionProofJson(entry, tree_size));
  return HttpResponse{.status = 200, .body = proof};
}

// The log as signed at `old_size` is a prefix of the log at `new_size` (compare two published
// tree heads).
StatusOr<HttpResponse> ConsistencyProof(const Call& call) {
  uint64_t sizes[2];
  const char* const names[2] = {"old_size", "new_size"};
  for (int i = 0; i < 2; ++i) {
    const std::string* size = call.request.Query(names[i]);
    if (size == nullptr) return InvalidArgument("is required", names[i]);
    PRIVET_ASSIGN_OR_RETURN(sizes[i], ParseId(*size, names[i]));
  }
  PRIVET_ASSIGN_OR_RETURN(std::string proof,
                          call.ctx.vault.AuditConsistencyProofJson(sizes[0], sizes[1]));
  return HttpResponse{.status = 200, .body = proof};
}

StatusOr<HttpResponse> Disclose(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(
      Json body, ParseObject(call.request.body,
                             {"recipient", "subject_id", "categories", "purpose", "evidence"}));
  Field f{body, ""};
  Disclosure d;
  PRIVET_ASSIGN_OR_RETURN(auto recipient, f.String("recipient", true));
  PRIVET_ASSIGN_OR_RETURN(auto subject_id, f.Id("subject_id", true));
  PRIVET_ASSIGN_OR_RETURN(auto categories, f.Strings("categories", true));
  PRIVET_ASSIGN_OR_RETURN(auto purpose, f.String("purpose", true));
  PRIVET_ASSIGN_OR_RETURN(auto evidence, f.Strings("evidence"));
  d.recipient = *recipient;
  d.subject_id = *subject_id;
  d.categories = *categories;
  d.purpose = *purpose;
  d.evidence = evidence.value_or(std::vector<std::string>{});
  PRIVET_ASSIGN_OR_RETURN(DisclosureResult result, call.ctx.vault.Disclose(d));
  Json withheld = Json::array();
  for (const WithheldField& w : result.withheld) {
    withheld.push_back({{"category", w.category}, {"reason", ReasonName(w.reason)}});
  }
  call.ctx.metrics.RecordDecision("allowed", result.released.size());
  return JsonResponse(200, {{"released", Values(result.released)}, {"withheld", withheld}});
}

StatusOr<HttpResponse> CreateKey(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"principal", "label"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(auto principal, f.String("principal", true));
  PRIVET_ASSIGN_OR_RETURN(auto label, f.String("label"));
  PRIVET_ASSIGN_OR_RETURN(std::string token, call.ctx.keys.Create(*principal, label.value_or("")));
  std::string id = token.substr(4, 16);
  return JsonResponse(201, {{"id", id}, {"principal", *principal}, {"token", token}});
}

StatusOr<HttpResponse> ListKeys(const Call& call) {
  Json keys = Json::array();
  for (const ApiKeyInfo& k : call.ctx.keys.List()) {
    keys.push_back({{"id", k.id},
                    {"principal", k.principal},
                    {"label", k.label},
                    {"created_at", Rfc3339(FromUnix(k.created_at))}});
  }
  return JsonResponse(200, {{"keys", keys}});
}

// CU06: privet tells the subjects a change of the policy in force concerns (Vault::
// AnnouncePolicyChange); run after deploying a policy version that adds purposes or recipients.
StatusOr<HttpResponse> AnnouncePolicyChange(const Call& call) {
  PRIVET_RETURN_IF_ERROR(
      ParseObject(call.request.body.empty() ? "{}" : call.request.body, {}).status());
  PRIVET_ASSIGN_OR_RETURN(PolicyChangeAnnouncement done,
                          call.ctx.vault.AnnouncePolicyChange(call.principal));
  Json unreadable = Json::array();
  for (uint64_t id : done.subjects_unreadable) unreadable.push_back(IdString(id));
  return JsonResponse(200, {{"policy_version", done.version},
                            {"subjects_told", done.subjects_told},
                            {"already_told", done.already_told},
                            {"subjects_unreadable", unreadable}});
}

Json VersionJson(const PolicyVersion& v) {
  Json changes = Json::array();
  for (const PolicyChange& c : v.changes) {
    changes.push_back(
        {{"kind", c.kind}, {"subject", c.subject}, {"detail", c.detail}, {"material", c.material}});
  }
  return {{"version", v.version},
          {"effective", DayString(v.effective)},
          {"hash", v.hash},
          {"published_at", Rfc3339(v.published_at)},
          {"published_by", v.published_by},
          {"classification", PolicyClassificationName(v.classification)},
          {"changes", changes},
          {"notices_pending", v.notices_pending}};
}

// CN16, CF17, CX10, CU06, CU11: records the next policy version (Vault::PublishPolicy).
StatusOr<HttpResponse> PublishPolicyVersion(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"policy", "effective"}));
  PRIVET_ASSIGN_OR_RETURN(std::string text,
                          (Field{body, "", kMaxPolicyFileBytes}.RequiredString("policy")));
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> effective,
                          (Field{body, ""}.String("effective")));
  PolicyPublication publication{.text = std::move(text), .by = call.principal};
  if (effective) {
    publication.effective = ParseDayString(*effective);
    if (!publication.effective) return InvalidArgument("must be a date YYYY-MM-DD", "effective");
  }
  PRIVET_ASSIGN_OR_RETURN(PolicyVersion published, call.ctx.vault.PublishPolicy(publication));
  return JsonResponse(201, VersionJson(published));
}

StatusOr<HttpResponse> ListPolicyVersions(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<PolicyVersion> versions, call.ctx.vault.PolicyVersions());
  Json out = Json::array();
  // Due: the version in force today. The server switches to it by itself (within
  // --policy-check-interval of its day), so `in_force` differs from it only meanwhile.
  for (const PolicyVersion& v : versions) out.push_back(VersionJson(v));
  const PolicyVersion* in_force = PolicyVersionInForce(versions, call.ctx.clock.Now());
  const int due = in_force != nullptr ? in_force->version : 0;
  return JsonResponse(200,
                      {{"in_force", call.ctx.policy->version()}, {"due", due}, {"versions", out}});
}

StatusOr<HttpResponse> RevokeKey(const Call& call) {
  PRIVET_RETURN_IF_ERROR(call.ctx.keys.Revoke(call.params.at("key_id")));
  return NoContent();
}

}  // namespace

void AddAdminRoutes(RouteTable& table) {
  table.Add("GET", "/v1/policy", kAnyKey, GetPolicy);
  table.Add("POST", "/v1/retention/run", kOperators, RunRetentionRoute);
  table.Add("POST", "/v1/audit/tree-heads", kOperators, TreeHead);
  table.Add("GET", "/v1/audit/proof", kOperators, Proof);
  table.Add("GET", "/v1/audit/consistency", kOperators, ConsistencyProof);
  table.Add("POST", "/v1/disclosures", kServiceOnly, Disclose);
  table.Add("POST", "/v1/policy/announcements", kOperators, AnnouncePolicyChange);
  table.Add("POST", "/v1/policy/versions", kAdminOnly, PublishPolicyVersion);
  table.Add("GET", "/v1/policy/versions", kAnyKey, ListPolicyVersions);
  table.Add("POST", "/v1/api-keys", kAdminOnly, CreateKey);
  table.Add("GET", "/v1/api-keys", kAdminOnly, ListKeys);
  table.Add("DELETE", "/v1/api-keys/{key_id}", kAdminOnly, RevokeKey);
  table.Add("GET", "/metrics", kOperators, [](const Call& call) -> StatusOr<HttpResponse> {
    return HttpResponse{.status = 200,
                        .content_type = "text/plain; version=0.0.4",
                        .body = call.ctx.metrics.Render() +
                                RenderDeliveryMetrics(call.ctx.delivery) +
                                RenderBreachMetrics(call.ctx.vault, call.ctx.clock.Now())};
  });
}

}  // namespace privet::server
