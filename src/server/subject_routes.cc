// Subjects, their fields and their consents. Every data decision is the vault's (Decide with
// the key's principal); this file adds the tenant and organization scope for the calls that
// take no principal, and the privacy signals (Call::Subject).
#include <chrono>
#include <cstdio>

#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

StatusOr<CivilDay> ParseDay(const std::string& text, const std::string& field) {
  const std::optional<CivilDay> day = ParseDayString(text);
  if (!day) return InvalidArgument("must be a date YYYY-MM-DD", field);
  return *day;
}

Json SubjectJson(const SubjectInfo& s) {
  Json j = {
      {"id", IdString(s.id)},
      {"kind", s.kind},
      {"organization_id", s.organization_id ? Json(IdString(s.organization_id)) : Json(nullptr)},
      {"tenant_id", s.tenant_id ? Json(IdString(s.tenant_id)) : Json(nullptr)},
      {"created_at", Rfc3339(s.created_at)},
      {"policy_version", s.policy_version},
      {"jurisdiction", s.jurisdiction}};
  Json exemptions = Json::array();
  for (const LocationExemption& e : s.location_exemptions) {
    exemptions.push_back({{"exemption", e.exemption},
                          {"reference", e.reference},
                          {"granted_by", e.granted_by},
                          {"granted_at", Rfc3339(e.granted_at)}});
  }
  j["location_exemptions"] = std::move(exemptions);
  j["birth_date"] = s.birth_date ? Json(DayString(*s.birth_date)) : Json(nullptr);
  j["age_years"] = s.age_years ? Json(*s.age_years) : Json(nullptr);
  return j;
}

void WriteField(JsonWriter& out, const FieldValue& f) {
  out.BeginObject()
      .Key("id")
      .Id(f.id)
      .Key("category")
      .String(f.category)
      .Key("value")
      .String(f.value)
      .Key("source")
      .String(DataSourceName(f.source))
      .Key("purposes")
      .Strings(f.purposes)
      .Key("basis")
      .String(LegalBasisName(f.basis))
      .Key("collected_at")
      .Timestamp(f.collected_at)
      .Key("last_activity")
      .Timestamp(f.last_activity)
      .Key("policy_version")
      .Int(f.policy_version)
      .EndObject();
}

StatusOr<HttpResponse> CreateSubject(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(
      Json body, ParseObject(call.request.body, {"kind", "birth_date", "age_years", "jurisdiction",
                                                 "organization_id", "tenant_id"}));
  Field f{body, ""};
  NewSubject s{.principal = call.principal};
  PRIVET_ASSIGN_OR_RETURN(auto kind, f.String("kind", true));
  PRIVET_ASSIGN_OR_RETURN(auto birth_date, f.String("birth_date"));
  PRIVET_ASSIGN_OR_RETURN(auto age, f.Int("age_years"));
  PRIVET_ASSIGN_OR_RETURN(auto jurisdiction, f.String("jurisdiction"));
  PRIVET_ASSIGN_OR_RETURN(auto organization, f.Id("organization_id"));
  PRIVET_ASSIGN_OR_RETURN(auto tenant, f.Id("tenant_id"));
  s.kind = *kind;
  if (birth_date) {
    PRIVET_ASSIGN_OR_RETURN(CivilDay day, ParseDay(*birth_date, "birth_date"));
    s.birth_date = day;
  }
  if (age) {
    if (*age < 0 || *age > 150) return InvalidArgument("must be between 0 and 150", "age_years");
    s.age_years = static_cast<int>(*age);
  }
  s.jurisdiction = jurisdiction.value_or("");
  s.organization_id = organization.value_or(0);
  s.tenant_id = tenant.value_or(0);
  // Tenants and organization admins create subjects in their own scope only: a tenant's are
  // its own and in no organization, an organization admin's are its members and no tenant's
  // (the vault checks the same).
  if (call.principal.kind == PrincipalKind::kTenant) {
    if (tenant && *tenant != call.principal.tenant_id) {
      return PermissionDenied(Reason::kOtherTenant, "a tenant creates subjects for itself only",
                              "tenant_id");
    }
    if (organization && *organization != kNoId) {
      return PermissionDenied(Reason::kOtherOrganization,
                              "a tenant creates subjects in no organization", "organization_id");
    }
    s.tenant_id = call.principal.tenant_id;
  }
  if (call.principal.kind == PrincipalKind::kOrganizationAdmin) {
    if (organization && *organization != call.principal.organization_id) {
      return PermissionDenied(Reason::kOtherOrganization,
                              "an organization admin creates members of its own organization only",
                              "organization_id");
    }
    if (tenant && *tenant != kNoId) {
      return PermissionDenied(Reason::kOtherTenant,
                              "an organization admin creates no tenant's subjects", "tenant_id");
    }
    s.organization_id = call.principal.organization_id;
  }
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, call.ctx.vault.CreateSubject(s));
  PRIVET_RETURN_IF_ERROR(ApplyPrivacySignals(call, id));
  HttpResponse r = JsonResponse(201, {{"id", IdString(id)}});
  r.headers.emplace_back("Location", "/v1/subjects/" + IdString(id));
  return r;
}

StatusOr<HttpResponse> GetSubject(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  return JsonResponse(200, SubjectJson(s));
}

StatusOr<HttpResponse> EraseSubject(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.Erase(s.id));
  PRIVET_RETURN_IF_ERROR(call.ctx.accounts.Forget(s.id));
  return NoContent();
}

StatusOr<HttpResponse> WriteFields(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body,
                          ParseObject(call.request.body, {"purposes", "fields", "feature"}));
  Field f{body, ""};
  WriteRequest w{.principal = call.principal};
  PRIVET_ASSIGN_OR_RETURN(auto purposes, f.Strings("purposes", true));
  PRIVET_ASSIGN_OR_RETURN(auto feature, f.String("feature"));
  w.purposes = *purposes;
  w.feature = feature.value_or("");
  auto fields = body.find("fields");
  if (fields == body.end()) return InvalidArgument("is required", "fields");
  if (!fields->is_array()) return InvalidArgument("must be an array of objects", "fields");
  for (size_t i = 0; i < fields->size(); ++i) {
    const Json& item = (*fields)[i];
    std::string where = "fields[" + std::to_string(i) + "]";
    if (!item.is_object()) return InvalidArgument("must be an object", where);
    for (const auto& member : item.items()) {
      if (member.key() != "category" && member.key() != "value" && member.key() != "source") {
        return InvalidArgument("unknown field", where + "." + member.key());
      }
    }
    Field fi{item, where + "."};
    PRIVET_ASSIGN_OR_RETURN(auto category, fi.String("category", true));
    PRIVET_ASSIGN_OR_RETURN(auto value,
                            (Field{item, where + ".", kMaxFieldValueBytes}.String("value", true)));
    PRIVET_ASSIGN_OR_RETURN(auto source, fi.String("source"));
    FieldInput input{.category = *category, .value = *value};
    if (source) {
      auto parsed = ParseDataSourceName(*source);
      if (!parsed) return InvalidArgument("is not a data source", where + ".source");
      input.source = *parsed;
    }
    w.fields.push_back(std::move(input));
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  w.subject_id = s.id;
  // The request's privacy signal is honoured from this request on, but recorded only once the
  // write succeeded (a refusal changes nothing): a use it opts out of is refused here.
  if (const PurposeSet signalled = SignalledOptOuts(call); signalled.Any()) {
    for (const std::string& name : w.purposes) {
      std::optional<PurposeId> id = call.ctx.policy->FindPurpose(name);
      if (!id) continue;  // the vault refuses it
      const CompiledPurpose& p = call.ctx.policy->purpose(*id);
      if (p.consent != ConsentMode::kNone && signalled.Intersects(p.self_and_ancestors)) {
        return PermissionDenied(
            Reason::kOptedOut, "the request's privacy signal opts out of this purpose", "purposes");
      }
    }
  }
  PRIVET_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, call.ctx.vault.Write(w));
  call.ctx.metrics.RecordDecision("allowed", ids.size());
  Json out = Json::array();
  for (uint64_t id : ids) out.push_back(IdString(id));
  return JsonResponse(201, {{"field_ids", out}});
}

// The body of GET /v1/subjects/{id}/fields' answer.
std::string FieldsBody(const ReadResult& read, Metrics& metrics) {
  // Each field's value and category, plus ~200 bytes of keys, id, purposes and timestamps.
  size_t expected = 64 + 64 * read.withheld.size();
  for (const FieldValue& v : read.fields) expected += v.value.size() + v.category.size() + 256;
  JsonWriter out(expected);
  out.BeginObject().Key("fields").BeginArray();
  for (const FieldValue& v : read.fields) WriteField(out, v);
  out.EndArray().Key("withheld").BeginArray();
  for (const WithheldField& w : read.withheld) {
    out.BeginObject()
        .Key("category")
        .String(w.category)
        .Key("reason")
        .String(ReasonName(w.reason))
        .EndObject();
    metrics.RecordDecision(ReasonName(w.reason));
  }
  out.EndArray().EndObject();
  metrics.RecordDecision("allowed", read.fields.size());
  return std::move(out).Take();
}

// Asynchronous: the body is written on this thread while the read's decision waits for its
// commit, and goes out only once the decision is stored (Vault::ReadThen); no thread waits
// for that commit meanwhile.
void ReadFields(const Call& call, Respond respond) {
  const std::string* purpose = call.request.Query("purpose");
  StatusOr<SubjectInfo> s = purpose == nullptr || purpose->empty()
                                ? StatusOr<SubjectInfo>(InvalidArgument("is required", "purpose"))
                                : call.Subject();
  if (!s.ok())
    return respond([refused = s.status()]() -> StatusOr<HttpResponse> { return refused; });
  // A subject's own read carries their location where their kind requires one (CX03). Checked
  // before any signal is recorded: a refused read changes nothing.
  std::optional<FieldInput> location;
  if (const std::string* header = call.request.Header("privet-location")) {
    if (header->empty() || header->size() > 200) {
      return respond([]() -> StatusOr<HttpResponse> {
        return InvalidArgument("must be 1 to 200 bytes", "Privet-Location");
      });
    }
    if (call.principal.kind != PrincipalKind::kSubject || call.principal.subject_id != s->id) {
      return respond([]() -> StatusOr<HttpResponse> {
        return InvalidArgument("only a subject's own read carries their location",
                               "Privet-Location");
      });
    }
    location = FieldInput{.category = "", .value = *header, .source = DataSource::kSubject};
  }
  // A read of a declared purpose is answered (what may not be used is withheld), so the signal
  // is recorded now and honoured by this read; a read of an undeclared one is refused by the
  // vault and changes nothing.
  // A subject reading what another shows them (CF07) signals for themselves, not for the other.
  const uint64_t signalled_for =
      call.principal.kind == PrincipalKind::kSubject ? call.principal.subject_id : s->id;
  if (call.ctx.policy->FindPurpose(*purpose)) {
    if (Status recorded = ApplyPrivacySignals(call, signalled_for); !recorded.ok()) {
      return respond([recorded]() -> StatusOr<HttpResponse> { return recorded; });
    }
  }
  // `done` may run on the thread that committed the decision: the answer is sent from the
  // connection's own thread.
  call.ctx.vault.ReadThen(
      call.principal, s->id, *purpose, location ? &*location : nullptr,
      [&metrics = call.ctx.metrics](const ReadResult& read) { return FieldsBody(read, metrics); },
      [respond = std::move(respond)](StatusOr<std::string> body) {
        respond([body = std::move(body)]() mutable -> StatusOr<HttpResponse> {
          if (!body.ok()) return body.status();
          return HttpResponse{.status = 200, .body = std::move(body).value()};
        });
      });
}

StatusOr<HttpResponse> RectifyField(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"value"}));
  PRIVET_ASSIGN_OR_RETURN(auto value, (Field{body, "", kMaxFieldValueBytes}.String("value", true)));
  PRIVET_ASSIGN_OR_RETURN(uint64_t field_id, call.IdParam("field_id"));
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.Rectify(call.principal, s.id, field_id, *value));
  return NoContent();
}

// A subject deleting its own field is held to what the privacy center's Clear is (what the law
// keeps, the address it signs in with: RequestDesk::ClearField); the controller's keys decide
// through the engine alone.
StatusOr<HttpResponse> DeleteField(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t field_id, call.IdParam("field_id"));
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.principal.kind == PrincipalKind::kSubject
                             ? call.ctx.desk.ClearField(call.principal, s.id, field_id)
                             : call.ctx.vault.DeleteField(call.principal, s.id, field_id));
  return NoContent();
}

StatusOr<HttpResponse> RecordConsent(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(
      Json body,
      ParseObject(call.request.body, {"purpose", "channel", "recipient", "action", "source"}));
  Field f{body, ""};
  PRIVET_ASSIGN_OR_RETURN(auto purpose, f.String("purpose"));
  PRIVET_ASSIGN_OR_RETURN(auto channel, f.String("channel"));
  PRIVET_ASSIGN_OR_RETURN(auto recipient, f.String("recipient"));
  PRIVET_ASSIGN_OR_RETURN(auto action_name, f.String("action", true));
  PRIVET_ASSIGN_OR_RETURN(auto source_name, f.String("source"));
  ConsentChange change{.purpose = purpose.value_or(""),
                       .channel = channel.value_or(""),
                       .recipient = recipient.value_or("")};
  auto action = ParseConsentActionName(*action_name);
  if (!action) return InvalidArgument("is not a consent action", "action");
  // Two changes have their own route, which does what must go with them.
  if (*action == ConsentAction::kLiftRestriction) {
    return InvalidArgument(
        "a restriction is lifted with DELETE /v1/subjects/{id}/restriction, which tells the "
        "subject first",
        "action");
  }
  if (*action == ConsentAction::kRemovedFromOrganization) {
    return InvalidArgument(
        "an organization admin removes a member with DELETE "
        "/v1/organizations/{org_id}/members/{id}",
        "action");
  }
  // A subject makes its own choices; recording staff decisions and notices is the controller's.
  if (call.principal.kind == PrincipalKind::kSubject &&
      (*action == ConsentAction::kOverridingGround || *action == ConsentAction::kNotified)) {
    return PermissionDenied(Reason::kPrincipalNotAllowed, "a subject does not record this action",
                            "action");
  }
  // Nor does an organization admin give back a use of a member's sensitive data (CT11: it may
  // narrow, not widen).
  if (call.principal.kind == PrincipalKind::kOrganizationAdmin &&
      *action == ConsentAction::kAllowSensitiveUse) {
    return PermissionDenied(Reason::kNotNeedToKnow,
                            "an organization admin does not allow uses of sensitive data",
                            "action");
  }
  // An organization admin administers its members' privacy settings (CT11) within its role: it
  // may always narrow what is done with a member's data (opt out, object, withdraw), but gives
  // or restores a use only for the purposes its role covers, and never restores sharing with a
  // recipient the member opted out of (CU06).
  const bool widens = *action == ConsentAction::kGrant || *action == ConsentAction::kUndoOptOut ||
                      *action == ConsentAction::kWithdrawObjection ||
                      *action == ConsentAction::kOverridingGround;
  if (call.principal.kind == PrincipalKind::kOrganizationAdmin && widens &&
      !change.recipient.empty()) {
    return PermissionDenied(Reason::kNotNeedToKnow,
                            "an organization admin does not restore sharing with a recipient",
                            "recipient");
  }
  std::string widened_purpose = change.purpose;
  if (widened_purpose.empty()) {  // a channel's choice is its purpose's
    if (const MarketingChannel* m = FindMarketingChannel(call.ctx.policy->policy(), change.channel))
      widened_purpose = m->purpose;
  }
  if (call.principal.kind == PrincipalKind::kOrganizationAdmin && widens &&
      !widened_purpose.empty()) {
    const CompiledPolicy& policy = *call.ctx.policy;
    std::optional<PurposeId> id = policy.FindPurpose(widened_purpose);
    std::optional<RoleId> role = policy.organization_admin_role();
    if (id && !(role && policy.role(*role).purposes.Test(*id))) {
      return PermissionDenied(
          Reason::kNotNeedToKnow,
          "an organization admin gives or restores uses for its role's purposes only", "purpose");
    }
  }
  change.action = *action;
  if (source_name) {
    auto source = ParseConsentSourceName(*source_name);
    // gpc and dnt events come from the browser's headers only, tcf and gpp from a consent
    // string (POST .../consent-strings), unsubscribe from the link in a marketing email (POST
    // /unsubscribe/{token}): never from a body.
    if (!source || *source == ConsentSource::kGpc || *source == ConsentSource::kDnt ||
        *source == ConsentSource::kTcf || *source == ConsentSource::kGpp ||
        *source == ConsentSource::kUnsubscribe) {
      return InvalidArgument("must be form, cookie_banner, api or staff", "source");
    }
    change.source = *source;
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.RecordConsent(s.id, change));
  return JsonResponse(201, {{"recorded", true}});
}

// The browser's cookies were cleared or blocked (CT10): the choices they carried are withdrawn.
// No body (or no "cookies") means every non-essential cookie.
StatusOr<HttpResponse> CookiesCleared(const Call& call) {
  std::vector<std::string> cookies;
  if (!call.request.body.empty()) {
    PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"cookies"}));
    PRIVET_ASSIGN_OR_RETURN(auto named, (Field{body, ""}.Strings("cookies")));
    if (named) cookies = std::move(*named);
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.CookiesCleared(s.id, cookies));
  return NoContent();
}

// Art. 18(3): the subject is told before processing resumes (the desk queues the notice in the
// same transaction as the lift).
StatusOr<HttpResponse> LiftRestriction(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"reason"}));
  PRIVET_ASSIGN_OR_RETURN(std::string reason, (Field{body, ""}.RequiredString("reason")));
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.desk.LiftRestriction(s.id, reason));
  return NoContent();
}

Json ConsentEventsJson(const std::vector<ConsentEvent>& events) {
  Json out = Json::array();
  for (const ConsentEvent& e : events) {
    Json event = {{"purpose", e.purpose},
                  {"channel", e.channel},
                  {"recipient", e.recipient},
                  {"action", ConsentActionName(e.action)},
                  {"source", ConsentSourceName(e.source)},
                  {"at", Rfc3339(e.at)},
                  {"policy_version", e.policy_version}};
    if (e.string_created) event["string_created"] = Rfc3339(*e.string_created);
    if (!e.text_hash.empty()) event["text_hash"] = e.text_hash;
    if (e.string_updated) event["string_updated"] = Rfc3339(*e.string_updated);
    out.push_back(std::move(event));
  }
  return out;
}

StatusOr<HttpResponse> ConsentHistory(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(
      ApplyPrivacySignals(call, s.id));  // nothing below refuses; the answer shows it
  PRIVET_ASSIGN_OR_RETURN(std::vector<ConsentEvent> events, call.ctx.vault.ConsentHistory(s.id));
  return JsonResponse(200, {{"events", ConsentEventsJson(events)}});
}

// An IAB consent string from the site's consent tool: {"tcf": "..."} or {"gpp": "..."}. The
// events it causes are recorded at once and returned; a string that changes nothing records
// nothing.
StatusOr<HttpResponse> RecordConsentString(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"tcf", "gpp"}));
  const Field field{body, ""};
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> tcf, field.String("tcf"));
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> gpp, field.String("gpp"));
  if (tcf.has_value() == gpp.has_value())
    return InvalidArgument("give exactly one of tcf and gpp", tcf ? "gpp" : "tcf");
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_ASSIGN_OR_RETURN(
      std::vector<ConsentEvent> recorded,
      call.ctx.vault.RecordConsentString(
          s.id, tcf ? ConsentStringFormat::kTcf : ConsentStringFormat::kGpp, tcf ? *tcf : *gpp));
  return JsonResponse(200, {{"recorded", ConsentEventsJson(recorded)}});
}

}  // namespace

void AddSubjectRoutes(RouteTable& table) {
  table.Add("POST", "/v1/subjects", kOwnerKeys, CreateSubject);
  table.Add("GET", "/v1/subjects/{id}", AndSubject(kOwnerKeys), GetSubject);
  // A subject erases its data through an erasure request (POST .../requests), not directly.
  table.Add("DELETE", "/v1/subjects/{id}", kOwnerKeys, EraseSubject, SignalPoint::kNever);
  table.Add("POST", "/v1/subjects/{id}/fields", AndSubject(kDataKeys), WriteFields);
  table.AddAsync("GET", "/v1/subjects/{id}/fields", AndSubject(kDataKeys), ReadFields);
  table.Add("PUT", "/v1/subjects/{id}/fields/{field_id}", AndSubject(kDataKeys), RectifyField);
  table.Add("DELETE", "/v1/subjects/{id}/fields/{field_id}", AndSubject(kDataKeys), DeleteField);
  table.Add("POST", "/v1/subjects/{id}/consents", AndSubject(kOwnerKeys), RecordConsent);
  table.Add("GET", "/v1/subjects/{id}/consents", AndSubject(kOwnerKeys), ConsentHistory,
            SignalPoint::kHandler);
  table.Add("POST", "/v1/subjects/{id}/cookies/cleared", AndSubject(kOwnerKeys), CookiesCleared);
  table.Add("POST", "/v1/subjects/{id}/consent-strings", AndSubject(kOwnerKeys),
            RecordConsentString);
  table.Add("DELETE", "/v1/subjects/{id}/restriction", kServiceStaff, LiftRestriction);
}

}  // namespace privet::server
