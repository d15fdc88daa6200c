// Organizations that provide accounts to their members (CT11–CT13). The organization's admin
// key lists its members, removes them (they then lose access to the account's content, CT12) and
// sees the rights requests its members filed, which privet routes to it (CT13). Everything else an
// admin does for a member — reading and writing the member's data, privacy settings, a new
// password, erasure — goes through the member's own routes under /v1/subjects/{id}, whose scope
// check lets an organization admin reach its own members only (CT11).
#include "server/api.h"
#include "server/json_io.h"
#include "server/request_json.h"

namespace privet::server {
namespace {

// The {org_id} of the route, which an organization admin may only name as its own. 0 is no
// organization (subjects without one have it there), so no caller reaches "its members".
StatusOr<uint64_t> OrganizationParam(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t org, call.IdParam("org_id"));
  if (org == kNoId) return NotFound("no such organization", "org_id");
  if (call.principal.kind == PrincipalKind::kOrganizationAdmin &&
      call.principal.organization_id != org) {
    return PermissionDenied(Reason::kOtherOrganization,
                            "an organization admin reaches its own organization only");
  }
  return org;
}

StatusOr<HttpResponse> ListMembers(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t org, OrganizationParam(call));
  PRIVET_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, call.ctx.vault.OrganizationMembers(org));
  Json members = Json::array();
  for (uint64_t id : ids) {
    PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.ctx.vault.GetSubject(id));
    PRIVET_ASSIGN_OR_RETURN(SubjectState state, call.ctx.vault.State(id));
    members.push_back(
        {{"id", IdString(id)}, {"kind", s.kind}, {"removed", state.removed_from_organization}});
  }
  return JsonResponse(200, {{"members", members}});
}

// CT12: the member keeps its account record; the organization keeps the content; the member no
// longer reaches it (reads are withheld with removed_from_organization).
StatusOr<HttpResponse> RemoveMember(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t org, OrganizationParam(call));
  PRIVET_ASSIGN_OR_RETURN(uint64_t member, call.IdParam("id"));
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.ctx.vault.GetSubject(member));
  if (s.organization_id != org) return NotFound("no such member of this organization", "id");
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.RemoveFromOrganization(call.principal, member));
  return NoContent();
}

// CT13: the requests privet routed to this organization, oldest first per member.
StatusOr<HttpResponse> RoutedRequests(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(uint64_t org, OrganizationParam(call));
  PRIVET_ASSIGN_OR_RETURN(std::vector<uint64_t> members, call.ctx.vault.OrganizationMembers(org));
  Json out = Json::array();
  for (uint64_t member : members) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<RightsRequest> requests, call.ctx.desk.ForSubject(member));
    for (const RightsRequest& r : requests) {
      if (r.routed_to_organization == org) out.push_back(RequestJson(r));
    }
  }
  return JsonResponse(200, {{"requests", out}});
}

constexpr RouteAccess kOrganizationAdminOnly{.kinds = Kind(PrincipalKind::kOrganizationAdmin)};
constexpr RouteAccess kServiceOrOrganizationAdmin{.kinds = Kind(PrincipalKind::kService) |
                                                           Kind(PrincipalKind::kOrganizationAdmin)};

}  // namespace

void AddOrganizationRoutes(RouteTable& table) {
  table.Add("GET", "/v1/organizations/{org_id}/members", kServiceOrOrganizationAdmin, ListMembers);
  table.Add("DELETE", "/v1/organizations/{org_id}/members/{id}", kOrganizationAdminOnly,
            RemoveMember);
  table.Add("GET", "/v1/organizations/{org_id}/requests", kServiceOrOrganizationAdmin,
            RoutedRequests);
}

}  // namespace privet::server
