// Data subjects' accounts: setting a password, signing in and out (CU07).
#include "server/accounts.h"
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

HttpResponse RateLimited(const Status& status) {
  HttpResponse r = ErrorResponse(429, "RATE_LIMITED", status.message(), status.field());
  r.headers.emplace_back("Retry-After", "900");
  return r;
}

// The service sets the password at sign-up, an organization admin resets a member's (CT11), and
// the subject's own session changes it by giving the current one (a stolen session alone cannot).
StatusOr<HttpResponse> SetPassword(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body,
                          ParseObject(call.request.body, {"password", "current_password"}));
  Field f{body, "", kMaxPasswordBytes};
  PRIVET_ASSIGN_OR_RETURN(std::string password, f.RequiredString("password"));
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> current, f.String("current_password"));
  const bool own = call.principal.kind == PrincipalKind::kSubject;
  if (own && !current)
    return InvalidArgument("is required to change one's own password", "current_password");
  if (!own && current) return InvalidArgument("is given by the subject only", "current_password");
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  if (own) {
    Status changed = call.ctx.accounts.ChangePassword(s.id, *current, password);
    if (changed.code() == StatusCode::kResourceExhausted) return RateLimited(changed);
    PRIVET_RETURN_IF_ERROR(changed);
  } else {
    PRIVET_RETURN_IF_ERROR(call.ctx.accounts.SetPassword(s.id, password));
  }
  return NoContent();
}

StatusOr<HttpResponse> Login(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"email", "password"}));
  PRIVET_ASSIGN_OR_RETURN(std::string email,
                          (Field{body, "", kMaxEmailBytes}.RequiredString("email")));
  PRIVET_ASSIGN_OR_RETURN(std::string password,
                          (Field{body, "", kMaxPasswordBytes}.RequiredString("password")));
  StatusOr<Session> session = call.ctx.accounts.Login(email, password);
  if (session.status().code() == StatusCode::kResourceExhausted)
    return RateLimited(session.status());
  if (!session.ok()) return session.status();
  return JsonResponse(201,
                      {{"token", session->token}, {"expires_at", Rfc3339(session->expires_at)}});
}

StatusOr<HttpResponse> Logout(const Call& call) {
  const std::string* auth = call.request.Header("authorization");
  if (auth == nullptr || auth->size() < 7) return Internal("no session");
  PRIVET_RETURN_IF_ERROR(call.ctx.accounts.Logout(std::string_view(*auth).substr(7)));
  return NoContent();
}

}  // namespace

void AddSessionRoutes(RouteTable& table) {
  constexpr RouteAccess kAccountAdmins{.kinds = Kind(PrincipalKind::kService) |
                                                Kind(PrincipalKind::kOrganizationAdmin)};
  table.Add("PUT", "/v1/subjects/{id}/password", AndSubject(kAccountAdmins), SetPassword);
  table.Add("POST", "/v1/sessions", kPublic, Login);
  table.Add("DELETE", "/v1/sessions/current", kSubjectOnly, Logout);
}

}  // namespace privet::server
