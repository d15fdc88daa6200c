// Every served route × every kind of principal: anonymous callers get 401 on every non-public
// route; the admin key reaches no subject; tenants, organization admins and data subjects
// (sessions) reach only their own subjects; subjects reach no other route; only the admin
// manages keys. Cross-scope attempts are
// refused before their body is even read, and change nothing (not even a privacy signal).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using Json = nlohmann::json;

std::string Fill(std::string pattern, const std::string& subject) {
  for (auto [param, value] : {std::pair<std::string, std::string>{"{id}", subject},
                              {"{field_id}", "1"},
                              {"{org_id}", "1"},
                              {"{key_id}", "0000000000000000"},
                              {"{rule}", "accounts"}}) {
    for (size_t at; (at = pattern.find(param)) != std::string::npos;)
      pattern.replace(at, param.size(), value);
  }
  return pattern;
}

// The privacy center's pages need no API key: their credential is the session cookie.
bool IsCenterPage(const std::string& pattern) {
  return pattern == "/" || pattern.starts_with("/privacy-center");
}
// The center's pages anyone may open: the sign-in page and its form, and the static assets.
bool IsOpenCenterPage(const std::string& pattern) {
  return pattern == "/" || pattern == "/privacy-center" || pattern == "/privacy-center/" ||
         pattern.starts_with("/privacy-center/sign-in") ||
         pattern.starts_with("/privacy-center/assets/");
}
bool IsPublic(const std::string& pattern) {
  return pattern == "/healthz" || pattern == "/.well-known/gpc.json" || pattern == "/privacy" ||
         pattern == "/v1/sessions" ||
         pattern == "/unsubscribe/{token}" ||  // the link's token is its only credential
         // The consent banner: its visitors have no key; a device's token is optional (and
         // checked by the route), and a choice without one records on a new device only.
         pattern == "/privet-consent.js" || pattern.starts_with("/v1/banner") ||
         IsCenterPage(pattern);
}
bool IsSubjectRoute(const std::string& pattern) {
  return pattern.rfind("/v1/subjects/{id}", 0) == 0;
}
bool IsKeyRoute(const std::string& pattern) { return pattern.rfind("/v1/api-keys", 0) == 0; }
bool IsOrganizationRoute(const std::string& pattern) {
  return pattern.rfind("/v1/organizations/{org_id}", 0) == 0;
}
bool IsRequestRoute(const std::string& pattern) {
  return pattern.rfind("/v1/requests/{id}", 0) == 0;
}

class AccessMatrix : public ServerTest {
 protected:
  void SetUp() override { Start("policies/starter.yaml"); }
};

TEST_F(AccessMatrix, EveryRouteRefusesEveryPrincipalOutsideItsScope) {
  const std::string tenant1 = Key("tenant:1"), tenant2 = Key("tenant:2");
  const std::string org1 = Key("organization_admin:1"), org2 = Key("organization_admin:2");
  const std::string service = Key("service"), staff = Key("staff:support");
  const std::string of_tenant1 = NewSubject({{"kind", "customer"}, {"age_years", 30}}, tenant1);
  const std::string of_org1 = NewSubject({{"kind", "customer"}, {"age_years", 30}}, org1);
  const std::map<std::string, std::string> gpc = {{"Sec-GPC", "1"}};
  // Two data subjects with accounts; each signs in.
  auto account = [&](const std::string& email) {
    const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
    EXPECT_EQ(client()
                  .Post("/v1/subjects/" + id + "/fields",
                        {{"purposes", {"service"}},
                         {"fields", {{{"category", "user.contact.email"}, {"value", email}}}}},
                        service)
                  .status,
              201);
    EXPECT_EQ(client()
                  .Send("PUT", "/v1/subjects/" + id + "/password",
                        R"({"password":"correct horse battery"})", service)
                  .status,
              204);
    HttpReply login = client().Post("/v1/sessions",
                                    {{"email", email}, {"password", "correct horse battery"}}, "");
    EXPECT_EQ(login.status, 201) << login.body;
    return std::pair{id, login.json().value("token", "")};
  };
  const auto [alice, alice_session] = account("alice@example.com");
  const auto [bob, bob_session] = account("bob@example.com");

  struct Outsider {
    const char* who;
    std::string token;
    std::string subject;
    const char* reason;
  };
  const std::vector<Outsider> outsiders = {
      {"tenant 2 on tenant 1's subject", tenant2, of_tenant1, "other_tenant"},
      {"tenant 1 on an organization's subject", tenant1, of_org1, "other_tenant"},
      {"organization 2 on organization 1's member", org2, of_org1, "other_organization"},
      {"organization 1 on tenant 1's subject", org1, of_tenant1, "other_organization"},
      {"a subject on another subject", bob_session, alice, "not_subjects_own_data"},
      {"a subject on a tenant's subject", alice_session, of_tenant1, "not_subjects_own_data"},
  };

  for (const RouteInfo& route : server().routes()) {
    const std::string where = route.method + " " + route.pattern;
    // Anonymous.
    HttpReply anonymous = client().Send(route.method, Fill(route.pattern, of_tenant1), "", "", gpc);
    if (IsCenterPage(route.pattern) && !IsOpenCenterPage(route.pattern)) {
      // Without a session cookie (an API key is no credential here) a page leads to the
      // sign-in page, and a form does nothing but that.
      EXPECT_EQ(anonymous.status, 303) << where;
      EXPECT_EQ(anonymous.headers["Location"], "/privacy-center/") << where;
      HttpReply with_key = client().Send(route.method, route.pattern, "", service);
      EXPECT_EQ(with_key.status, 303) << where << " with a service key";
    } else if (IsPublic(route.pattern)) {
      EXPECT_NE(anonymous.status, 401) << where;
    } else {
      EXPECT_EQ(anonymous.status, 401) << where;
    }

    if (IsSubjectRoute(route.pattern)) {
      for (const Outsider& o : outsiders) {
        HttpReply r =
            client().Send(route.method, Fill(route.pattern, o.subject), "{}", o.token, gpc);
        EXPECT_EQ(r.status, 403) << where << " by " << o.who << ": " << r.body;
        EXPECT_THAT(r.error("reason"), AnyOf(Eq(o.reason), Eq("principal_not_allowed")))
            << where << " by " << o.who;
      }
      HttpReply admin_reply =
          client().Send(route.method, Fill(route.pattern, of_tenant1), "{}", admin(), gpc);
      EXPECT_EQ(admin_reply.status, 403) << where << " by the admin";
      EXPECT_EQ(admin_reply.error("reason"), "admin_has_no_data_access") << where;
    }
    if (IsKeyRoute(route.pattern)) {
      for (const std::string& token : {service, staff, tenant1, org1, alice_session}) {
        EXPECT_EQ(client().Send(route.method, Fill(route.pattern, "1"), "{}", token).status, 403)
            << where;
      }
    }
    // Organization 1's routes: not for another organization's admin, nor for anyone but the
    // service and organization admins.
    if (IsOrganizationRoute(route.pattern)) {
      HttpReply other = client().Send(route.method, Fill(route.pattern, of_org1), "", org2);
      EXPECT_EQ(other.status, 403) << where;
      EXPECT_EQ(other.error("reason"), "other_organization") << where;
      for (const std::string& token : {staff, tenant1, admin(), alice_session}) {
        EXPECT_EQ(client().Send(route.method, Fill(route.pattern, of_org1), "", token).status, 403)
            << where;
      }
    }
  }

  // A request is read by the controller, the subject it is about, and the organization admin it
  // was routed to: not by another subject, an organization it was not routed to, or a tenant.
  HttpReply filed = client().Post("/v1/subjects/" + alice + "/requests",
                                  {{"right", "access"}, {"channel", "dashboard"}}, alice_session);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string request = "/v1/requests/" + filed.json().value("id", "");
  EXPECT_EQ(client().Get(request, alice_session).status, 200);
  EXPECT_EQ(client().Get(request, staff).status, 200);
  EXPECT_EQ(client().Get(request, bob_session).error("reason"), "not_subjects_own_data");
  EXPECT_EQ(client().Get(request, org1).error("reason"), "other_organization");
  EXPECT_EQ(client().Get(request, tenant1).status, 403);
  EXPECT_EQ(client().Get(request, admin()).status, 403);

  // Subjects' sessions reach none of the controller's routes (reading a request of their own
  // is checked above).
  for (const RouteInfo& route : server().routes()) {
    if (IsPublic(route.pattern) || IsSubjectRoute(route.pattern) ||
        route.pattern == "/v1/sessions/current" ||
        (IsRequestRoute(route.pattern) && route.method == "GET")) {
      continue;
    }
    EXPECT_EQ(client().Send(route.method, Fill(route.pattern, alice), "{}", alice_session).status,
              403)
        << route.method << " " << route.pattern;
  }

  // Nothing the outsiders sent changed anything: the subjects are there, with no consent event.
  for (const auto& [owner, subject] :
       {std::pair{tenant1, of_tenant1}, std::pair{org1, of_org1}, std::pair{service, alice}}) {
    EXPECT_EQ(client().Get("/v1/subjects/" + subject, owner).status, 200);
    HttpReply history = client().Get("/v1/subjects/" + subject + "/consents", owner);
    ASSERT_EQ(history.status, 200);
    EXPECT_TRUE(history.json()["events"].empty()) << history.body;
  }
}

// The matrix's other two dimensions: creation across scopes (who may create a subject where),
// and purposes outside a role (staff and organization admins use data for their role's purposes
// only; the starter policy gives organization admins no role, hence no purpose). Every refusal
// changes nothing.
TEST_F(AccessMatrix, CreationAndPurposesStayInsideEachScope) {
  const std::string tenant1 = Key("tenant:1"), org1 = Key("organization_admin:1");
  const std::string service = Key("service"), support = Key("staff:support");
  const Json adult = {{"kind", "customer"}, {"age_years", 30}};
  auto with = [&](std::initializer_list<std::pair<const char*, const char*>> scope) {
    Json body = adult;
    for (auto [key, value] : scope) body[key] = value;
    return body;
  };
  struct Creation {
    const char* who;
    std::string token;
    Json body;
    int status;
    const char* reason;
  };
  const std::vector<Creation> refused = {
      {"tenant 1 for tenant 2", tenant1, with({{"tenant_id", "2"}}), 403, "other_tenant"},
      {"tenant 1 inside organization 1", tenant1, with({{"organization_id", "1"}}), 403,
       "other_organization"},
      {"organization 1 inside organization 2", org1, with({{"organization_id", "2"}}), 403,
       "other_organization"},
      {"organization 1 for tenant 1", org1, with({{"tenant_id", "1"}}), 403, "other_tenant"},
      {"the service, in an organization and a tenant", service,
       with({{"organization_id", "1"}, {"tenant_id", "1"}}), 400, ""},
      {"staff", support, adult, 403, "principal_not_allowed"},
      {"the admin", admin(), adult, 403, "admin_has_no_data_access"},
  };
  for (const Creation& c : refused) {
    HttpReply r = client().Post("/v1/subjects", c.body, c.token);
    EXPECT_EQ(r.status, c.status) << c.who << ": " << r.body;
    EXPECT_EQ(r.error("reason"), c.reason) << c.who;
  }
  HttpReply members = client().Get("/v1/organizations/1/members", org1);
  ASSERT_EQ(members.status, 200);
  EXPECT_TRUE(members.json()["members"].empty()) << members.body;

  // Data of a customer and of a member of organization 1, written by the service for `service`.
  const std::string customer = NewSubject(adult, service);
  const std::string member = NewSubject(adult, org1);
  const std::string fields =
      R"({"purposes":["service"],"fields":[{"category":"user.name","value":"Kim"}]})";
  for (const std::string& id : {customer, member}) {
    ASSERT_EQ(client().Send("POST", "/v1/subjects/" + id + "/fields", fields, service).status, 201);
  }
  // Support's role is [service.support]: `service` itself, and marketing, are outside it.
  struct Use {
    const char* who;
    std::string token, subject, purpose;
  };
  for (const Use& u : {Use{"support", support, customer, "service"},
                       Use{"support", support, customer, "marketing"},
                       Use{"organization 1", org1, member, "service"},
                       Use{"organization 1", org1, member, "service.support"}}) {
    const std::string where = std::string(u.who) + " for " + u.purpose;
    HttpReply read =
        client().Get("/v1/subjects/" + u.subject + "/fields?purpose=" + u.purpose, u.token);
    ASSERT_EQ(read.status, 200) << where << ": " << read.body;
    EXPECT_TRUE(read.json()["fields"].empty()) << where << ": " << read.body;
    HttpReply write = client().Send("POST", "/v1/subjects/" + u.subject + "/fields",
                                    R"({"purposes":[")" + u.purpose +
                                        R"("],"fields":[{"category":"user.name","value":"Lee"}]})",
                                    u.token);
    EXPECT_EQ(write.status, 403) << where << ": " << write.body;
    EXPECT_EQ(write.error("reason"), "not_need_to_know") << where;
  }
  // Inside its role support reads the name; nothing the others tried was written.
  HttpReply own =
      client().Get("/v1/subjects/" + customer + "/fields?purpose=service.support", support);
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_EQ(own.json()["fields"].size(), 1u) << own.body;
  for (const std::string& id : {customer, member}) {
    HttpReply all = client().Get("/v1/subjects/" + id + "/fields?purpose=service", service);
    ASSERT_EQ(all.json()["fields"].size(), 1u) << all.body;
    EXPECT_EQ(all.json()["fields"][0]["value"], "Kim");
  }
}

}  // namespace
}  // namespace privet::testing
