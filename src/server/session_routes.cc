// Data subjects' accounts: setting a password, signing in and out (CU07).
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

// The subject's own session, or the service at sign-up, sets the password.
StatusOr<HttpResponse> SetPassword(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"password"}));
  ASSIGN_OR_RETURN(std::string password, (Field{body, ""}.RequiredString("password")));
  ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  RETURN_IF_ERROR(call.ctx.accounts.SetPassword(s.id, password));
  return NoContent();
}

StatusOr<HttpResponse> Login(const Call& call) {
  ASSIGN_OR_RETURN(Json body, ParseObject(call.request.body, {"email", "password"}));
  Field f{body, ""};
  ASSIGN_OR_RETURN(std::string email, f.RequiredString("email"));
  ASSIGN_OR_RETURN(std::string password, f.RequiredString("password"));
  StatusOr<Session> session = call.ctx.accounts.Login(email, password);
  if (session.status().code() == StatusCode::kResourceExhausted) {
    HttpResponse r = ErrorResponse(429, "RATE_LIMITED", session.status().message(), "email");
    r.headers.emplace_back("Retry-After", "900");
    return r;
  }
  if (!session.ok()) return session.status();
  return JsonResponse(201, {{"token", session->token}, {"expires_at", Rfc3339(session->expires_at)}});
}

StatusOr<HttpResponse> Logout(const Call& call) {
  const std::string* auth = call.request.Header("authorization");
  if (auth == nullptr || auth->size() < 7) return Internal("no session");
  RETURN_IF_ERROR(call.ctx.accounts.Logout(std::string_view(*auth).substr(7)));
  return NoContent();
}

}  // namespace

void AddSessionRoutes(RouteTable& table) {
  table.Add("PUT", "/v1/subjects/{id}/password", AndSubject(kServiceOnly), SetPassword);
  table.Add("POST", "/v1/sessions", kPublic, Login);
  table.Add("DELETE", "/v1/sessions/current", kSubjectOnly, Logout);
}

}  // namespace privet::server
