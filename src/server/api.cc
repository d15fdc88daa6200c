#include "server/api.h"

#include <optional>

#include "server/json_io.h"

namespace privet::server {

void RouteTable::Add(std::string method, std::string pattern, RouteAccess access, Handler handler,
                     SignalPoint signals) {
  AddAsync(std::move(method), std::move(pattern), access,
           [handler = std::move(handler), signals](const Call& call, const Respond& respond) {
             StatusOr<HttpResponse> response = handler(call);
             // A refusal changes nothing: the signals are recorded once the call succeeded.
             if (signals == SignalPoint::kAfterSuccess && call.subject != nullptr &&
                 response.ok() && response->status < 300) {
               if (Status recorded = ApplyPrivacySignals(call, call.subject->id); !recorded.ok()) {
                 response = recorded;
               }
             }
             respond([response = std::move(response)]() mutable { return std::move(response); });
           });
}

void RouteTable::AddAsync(std::string method, std::string pattern, RouteAccess access,
                          AsyncHandler handler) {
  router_.Add(std::move(method), std::move(pattern), access);
  handlers_.push_back(std::move(handler));
}

StatusOr<uint64_t> Call::IdParam(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) return Internal("route has no parameter " + name);
  return ParseId(it->second, name);
}

Status CheckSubjectScope(const Principal& principal, const SubjectInfo& s, bool reads_shown_data) {
  if (principal.kind == PrincipalKind::kTenant && s.tenant_id != principal.tenant_id) {
    return PermissionDenied(Reason::kOtherTenant, "the subject belongs to another tenant");
  }
  if (principal.kind == PrincipalKind::kOrganizationAdmin &&
      s.organization_id != principal.organization_id) {
    return PermissionDenied(Reason::kOtherOrganization,
                            "the subject belongs to another organization");
  }
  // A subject reaches its own record only, except to read what a purpose shows to other
  // subjects (CF07), which the vault decides.
  if (principal.kind == PrincipalKind::kSubject && s.id != principal.subject_id &&
      !reads_shown_data) {
    return PermissionDenied(Reason::kNotSubjectsOwnData, "a subject reaches its own record only");
  }
  return Status::Ok();
}

StatusOr<SubjectInfo> Call::Subject() const {
  if (subject == nullptr) return Internal("route has no subject");
  return *subject;
}

namespace {

constexpr std::string_view kSubjectRoutePrefix = "/v1/subjects/{id}";

bool IsSubjectRoute(const std::string& pattern) {
  return pattern.compare(0, kSubjectRoutePrefix.size(), kSubjectRoutePrefix) == 0;
}

}  // namespace

namespace {

bool SignalOn(const HttpRequest& request, const char* header) {
  const std::string* v = request.Header(header);
  return v != nullptr && *v == "1";
}

}  // namespace

PurposeSet SignalledOptOuts(const Call& call) {
  PurposeSet out;
  const CompiledPolicy& policy = *call.ctx.policy;
  for (auto [header, signal] : {std::pair{"sec-gpc", PrivacySignal::kGlobalPrivacyControl},
                                std::pair{"dnt", PrivacySignal::kDoNotTrack}}) {
    if (SignalOn(call.request, header)) out |= SignalOptOuts(policy, signal);
  }
  return out;
}

Status ApplyPrivacySignals(const Call& call, uint64_t subject_id) {
  const CompiledPolicy& policy = *call.ctx.policy;
  struct Signal {
    const char* header;
    PrivacySignal signal;
    ConsentSource source;
  };
  for (const Signal& s :
       {Signal{"sec-gpc", PrivacySignal::kGlobalPrivacyControl, ConsentSource::kGpc},
        Signal{"dnt", PrivacySignal::kDoNotTrack, ConsentSource::kDnt}}) {
    if (!SignalOn(call.request, s.header)) continue;
    const PurposeSet& covered = SignalOptOuts(policy, s.signal);
    if (covered.None()) continue;  // the policy declares it does not respond (CN11)
    PRIVET_ASSIGN_OR_RETURN(SubjectState state, call.ctx.vault.State(subject_id));
    if (covered.IsSubsetOf(state.opt_outs)) continue;  // already honoured
    // The signal's declared purposes; their descendants follow from the purpose tree.
    for (const std::string& purpose : policy.policy().signals.opt_out_purposes) {
      auto id = policy.FindPurpose(purpose);
      if (!id || state.opt_outs.Test(*id)) continue;
      PRIVET_RETURN_IF_ERROR(call.ctx.vault.RecordConsent(
          subject_id, {.purpose = purpose, .action = ConsentAction::kOptOut, .source = s.source}));
    }
  }
  return Status::Ok();
}

bool IsDeviceSession(const ApiContext& ctx, const Principal& principal) {
  if (principal.kind != PrincipalKind::kSubject) return false;
  StatusOr<SubjectInfo> subject = ctx.vault.GetSubject(principal.subject_id);
  return subject.ok() && IsDeviceKind(ctx.policy->policy(), subject->kind);
}

Api::Api(ApiContext ctx) : ctx_(std::move(ctx)) {
  AddPublicRoutes(table_);
  AddSubjectRoutes(table_);
  AddRequestRoutes(table_);
  AddAdminRoutes(table_);
  AddDeliveryRoutes(table_);
  AddBreachRoutes(table_);
  AddMarketingRoutes(table_);
  AddCenterRoutes(table_);
  AddBannerRoutes(table_);
  AddSessionRoutes(table_);
  AddOrganizationRoutes(table_);
  AddLifecycleRoutes(table_);
}

void Api::Handle(const HttpRequest& request, Reply reply) {
  Handled handled{.route = "unmatched"};
  auto answer = [&](HttpResponse response) {
    handled.response = std::move(response);
    reply([handled = std::move(handled)]() mutable { return std::move(handled); });
  };
  RouteMatch match = table_.router().Match(request.method, request.path);
  if (match.outcome == RouteMatch::Outcome::kNotFound) {
    return answer(ErrorResponse(NotFound("no such route")));
  }
  if (match.outcome == RouteMatch::Outcome::kMethodNotAllowed) {
    HttpResponse r = ErrorResponse(405, "METHOD_NOT_ALLOWED", "method not allowed on this route");
    r.headers.emplace_back("Allow", match.allow);
    return answer(std::move(r));
  }
  handled.route = match.route->pattern;
  Principal principal = Principal::Service();
  if (!match.route->access.is_public) {
    const std::string* auth = request.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth == nullptr || auth->compare(0, kBearer.size(), kBearer) != 0) {
      HttpResponse r = ErrorResponse(
          Status(StatusCode::kUnauthenticated, "an API key is required (Authorization: Bearer)"));
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return answer(std::move(r));
    }
    const std::string_view token = std::string_view(*auth).substr(kBearer.size());
    auto authenticated =
        IsSessionToken(token) ? ctx_.accounts.Authenticate(token) : ctx_.keys.Authenticate(token);
    if (!authenticated.ok()) {
      HttpResponse r = ErrorResponse(authenticated.status());
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return answer(std::move(r));
    }
    principal = *authenticated;
    handled.principal = PrincipalKindName(principal.kind);  // the kind only: never a role or id
    if (IsDeviceSession(ctx_, principal)) {
      return answer(ErrorResponse(PermissionDenied(
          Reason::kPrincipalNotAllowed, "a device's token reaches only the consent banner")));
    }
    if ((match.route->access.kinds & Kind(principal.kind)) == 0) {
      const Status refused =
          principal.kind == PrincipalKind::kAdmin
              ? PermissionDenied(Reason::kAdminHasNoDataAccess,
                                 "the admin key configures privet and reaches no personal data")
              : PermissionDenied(Reason::kPrincipalNotAllowed,
                                 "this kind of key may not use this route");
      ctx_.metrics.RecordDecision(ReasonName(*refused.reason()));
      return answer(ErrorResponse(refused));
    }
  }
  Call call{.request = request, .params = match.params, .principal = principal, .ctx = ctx_};
  std::optional<SubjectInfo> subject;
  if (IsSubjectRoute(match.route->pattern)) {
    Status scoped = [&]() -> Status {
      PRIVET_ASSIGN_OR_RETURN(uint64_t id, call.IdParam("id"));
      PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, ctx_.vault.GetSubject(id));
      // A read for a purpose the policy shows to subjects (CF07); the vault checks the reader's
      // kind.
      bool reads_shown_data = false;
      if (request.method == "GET" && match.route->pattern == "/v1/subjects/{id}/fields") {
        const std::string* purpose = request.Query("purpose");
        const std::optional<PurposeId> pid =
            purpose ? ctx_.policy->FindPurpose(*purpose) : std::nullopt;
        reads_shown_data = pid && ctx_.policy->purpose(*pid).shown_to_kinds != 0;
      }
      PRIVET_RETURN_IF_ERROR(CheckSubjectScope(principal, s, reads_shown_data));
      subject = std::move(s);
      return Status::Ok();
    }();
    if (!scoped.ok()) {
      std::string reason = ReasonOf(scoped);
      if (!reason.empty()) ctx_.metrics.RecordDecision(reason);
      return answer(ErrorResponse(scoped));
    }
    call.subject = &*subject;
  }
  table_.handler(match.index)(call, [this, reply = std::move(reply),
                                     handled = std::move(handled)](MakeResponse make) mutable {
    reply([this, handled = std::move(handled), make = std::move(make)]() mutable {
      StatusOr<HttpResponse> response = make();
      if (response.ok()) {
        handled.response = std::move(response).value();
      } else {
        std::string reason = ReasonOf(response.status());
        if (!reason.empty()) ctx_.metrics.RecordDecision(reason);
        handled.response = ErrorResponse(response.status());
      }
      return std::move(handled);
    });
  });
}

}  // namespace privet::server
