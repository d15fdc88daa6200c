// Organizations and processor tenants over HTTP, against the customers' own policies:
// ConfiTrek's organization accounts (CT11, CT12, CT13, policies/confitrek.yaml) and CONNACT's
// customer-submitted data (CN05, policies/connact.yaml). The library-level tests of the same
// promises are in tests/conformance; these prove the keys, sessions and routes keep them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using Json = nlohmann::json;

constexpr char kPassword[] = "correct horse battery";

std::vector<std::string> Categories(const Json& read) {
  std::vector<std::string> out;
  for (const Json& f : read["fields"]) out.push_back(f.value("category", ""));
  return out;
}
std::vector<std::string> WithheldReasons(const Json& read) {
  std::vector<std::string> out;
  for (const Json& w : read["withheld"]) out.push_back(w.value("reason", ""));
  return out;
}

// ConfiTrek: organizations 41 (Acme) and 42 (Globex) provide accounts to their members.
class ConfitrekOrganizations : public ServerTest {
 protected:
  void SetUp() override {
    Start("policies/confitrek.yaml");
    acme_ = Key("organization_admin:41");
    globex_ = Key("organization_admin:42");
    service_ = Key("service");
  }

  // A member of Acme, created and administered by Acme's admin, with an email, a workplace and
  // private content, and a password the admin set; returns its id.
  std::string AcmeMember(const std::string& email) {
    std::string id =
        NewSubject({{"kind", "member"}, {"jurisdiction", "EU"}, {"age_years", 30}}, acme_);
    HttpReply wrote =
        client().Post("/v1/subjects/" + id + "/fields",
                      {{"purposes", {"provide"}},
                       {"fields",
                        {{{"category", "user.contact.email"}, {"value", email}},
                         {{"category", "user.workplace"}, {"value", "Acme"}},
                         {{"category", "user.content.private"}, {"value", "q3-plan.xlsx"}}}}},
                      acme_);
    EXPECT_EQ(wrote.status, 201) << wrote.body;
    EXPECT_EQ(client()
                  .Send("PUT", "/v1/subjects/" + id + "/password",
                        Json{{"password", kPassword}}.dump(), acme_)
                  .status,
              204);
    return id;
  }

  std::string SignIn(const std::string& email) {
    HttpReply login =
        client().Post("/v1/sessions", {{"email", email}, {"password", kPassword}}, "");
    EXPECT_EQ(login.status, 201) << login.body;
    return login.json().value("token", "");
  }

  HttpReply ReadFields(const std::string& id, const std::string& token,
                       const std::string& purpose = "provide") {
    return client().Get("/v1/subjects/" + id + "/fields?purpose=" + purpose, token);
  }

  std::string acme_, globex_, service_;
};

TEST_F(ConfitrekOrganizations, CT11_TheOrganizationAdminAdministersItsMembersOverHttp) {
  const std::string member = AcmeMember("kim@acme.example");

  // The member was created in Acme's organization, whatever the admin's body said.
  HttpReply record = client().Get("/v1/subjects/" + member, acme_);
  ASSERT_EQ(record.status, 200) << record.body;
  EXPECT_EQ(record.json()["organization_id"], "41");
  EXPECT_EQ(client()
                .Post("/v1/subjects",
                      {{"kind", "member"}, {"age_years", 30}, {"organization_id", "42"}}, acme_)
                .error("reason"),
            "other_organization");

  // Acme's admin reads the account's data, lists it among its members, and administers its
  // privacy settings.
  HttpReply read = ReadFields(member, acme_);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_THAT(Categories(read.json()), SizeIs(3));
  HttpReply members = client().Get("/v1/organizations/41/members", acme_);
  ASSERT_EQ(members.status, 200) << members.body;
  ASSERT_THAT(members.json()["members"], SizeIs(1));
  EXPECT_EQ(members.json()["members"][0]["id"], member);
  EXPECT_EQ(members.json()["members"][0]["removed"], false);
  HttpReply opt_out =
      client().Post("/v1/subjects/" + member + "/consents",
                    {{"purpose", "advertise"}, {"action", "opt_out"}, {"source", "staff"}}, acme_);
  EXPECT_EQ(opt_out.status, 201) << opt_out.body;
  HttpReply history = client().Get("/v1/subjects/" + member + "/consents", acme_);
  ASSERT_EQ(history.status, 200);
  ASSERT_THAT(history.json()["events"], SizeIs(1));
  EXPECT_EQ(history.json()["events"][0]["action"], "opt_out");

  // The admin set the member's password, so the member can sign in and see its own account.
  const std::string session = SignIn("kim@acme.example");
  EXPECT_THAT(Categories(ReadFields(member, session).json()), SizeIs(3));

  // No other organization reaches the account: not its record, data, settings, password or
  // membership list, and nothing changes.
  const std::string base = "/v1/subjects/" + member;
  for (
      auto [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
          {"GET", base, ""},
          {"GET", base + "/fields?purpose=provide", ""},
          {"POST", base + "/fields",
           R"({"purposes":["provide"],"fields":[{"category":"user.workplace","value":"Globex"}]})"},
          {"POST", base + "/consents", R"({"purpose":"advertise","action":"undo_opt_out"})"},
          {"GET", base + "/consents", ""},
          {"PUT", base + "/password", R"({"password":"globex owns you now"})"},
          {"DELETE", base, ""},
          {"GET", "/v1/organizations/41/members", ""},
          {"DELETE", "/v1/organizations/41/members/" + member, ""},
      }) {
    HttpReply r = client().Send(method, path, body, globex_);
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
    EXPECT_EQ(r.error("reason"), "other_organization") << method << " " << path;
  }
  EXPECT_THAT(Categories(ReadFields(member, acme_).json()),
              UnorderedElementsAre("user.contact.email", "user.workplace", "user.content.private"));
  EXPECT_THAT(client().Get(base + "/consents", acme_).json()["events"], SizeIs(1));
  EXPECT_FALSE(SignIn("kim@acme.example").empty());  // the password is still the admin's
  HttpReply globex_members = client().Get("/v1/organizations/42/members", globex_);
  ASSERT_EQ(globex_members.status, 200);
  EXPECT_THAT(globex_members.json()["members"], IsEmpty());
}

TEST_F(ConfitrekOrganizations, CT12_ARemovedMemberLosesAccessToTheAccountContentOverHttp) {
  const std::string member = AcmeMember("kim@acme.example");
  const std::string session = SignIn("kim@acme.example");
  ASSERT_THAT(Categories(ReadFields(member, session).json()), SizeIs(3));

  // Neither another organization's admin nor the member itself removes the member.
  const std::string removal = "/v1/organizations/41/members/" + member;
  EXPECT_EQ(client().Send("DELETE", removal, "", globex_).error("reason"), "other_organization");
  EXPECT_EQ(client().Send("DELETE", removal, "", session).status, 403);
  EXPECT_EQ(client().Send("DELETE", "/v1/organizations/42/members/" + member, "", globex_).status,
            404);
  // Nor does a consent event in disguise.
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + member + "/consents",
                      {{"action", "removed_from_organization"}}, acme_)
                .error("field"),
            "action");
  ASSERT_THAT(Categories(ReadFields(member, session).json()), SizeIs(3));

  ASSERT_EQ(client().Send("DELETE", removal, "", acme_).status, 204);

  // The member no longer reaches the content, for any purpose, and cannot clear it.
  for (const char* purpose : {"provide", "provide.support"}) {
    HttpReply own = ReadFields(member, session, purpose);
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_THAT(own.json()["fields"], IsEmpty()) << purpose;
  }
  EXPECT_THAT(WithheldReasons(ReadFields(member, session).json()),
              AllOf(SizeIs(3), Each(std::string("removed_from_organization"))));
  HttpReply held = ReadFields(member, acme_);
  ASSERT_EQ(held.status, 200);
  const Json held_fields = held.json()["fields"];
  ASSERT_THAT(held_fields, SizeIs(3));  // the account and its content stay with Acme
  for (const Json& f : held_fields) {
    const std::string field = f.value("id", "");
    EXPECT_EQ(
        client().Send("DELETE", "/v1/subjects/" + member + "/fields/" + field, "", session).status,
        403);
  }
  EXPECT_THAT(Categories(ReadFields(member, acme_).json()), SizeIs(3));
  HttpReply members = client().Get("/v1/organizations/41/members", acme_);
  ASSERT_THAT(members.json()["members"], SizeIs(1));
  EXPECT_EQ(members.json()["members"][0]["removed"], true);
}

TEST_F(ConfitrekOrganizations, CT13_MembersRequestsAreRoutedToTheirOrganizationAdminOverHttp) {
  const std::string member = AcmeMember("kim@acme.example");
  const std::string session = SignIn("kim@acme.example");

  // The member files an erasure request from its own session: privet routes it to Acme.
  HttpReply filed = client().Post("/v1/subjects/" + member + "/requests",
                                  {{"right", "erasure"}, {"channel", "web_form"}}, session);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string request = filed.json().value("id", "");
  EXPECT_EQ(filed.json()["state"], "routed");
  EXPECT_EQ(filed.json()["routed_to_organization"], "41");

  // Acme's admin finds it among the requests routed to Acme, and reads it.
  HttpReply routed = client().Get("/v1/organizations/41/requests", acme_);
  ASSERT_EQ(routed.status, 200) << routed.body;
  ASSERT_THAT(routed.json()["requests"], SizeIs(1));
  EXPECT_EQ(routed.json()["requests"][0]["id"], request);
  EXPECT_EQ(routed.json()["requests"][0]["right"], "erasure");
  EXPECT_EQ(client().Get("/v1/requests/" + request, acme_).status, 200);
  // The member follows it too; Globex and other subjects do not see it.
  HttpReply mine = client().Get("/v1/subjects/" + member + "/requests", session);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_THAT(mine.json()["requests"], SizeIs(1));
  EXPECT_EQ(client().Get("/v1/requests/" + request, session).json()["state"], "routed");
  EXPECT_EQ(client().Get("/v1/requests/" + request, globex_).error("reason"), "other_organization");
  EXPECT_EQ(client().Get("/v1/organizations/41/requests", globex_).error("reason"),
            "other_organization");
  HttpReply globex_routed = client().Get("/v1/organizations/42/requests", globex_);
  ASSERT_EQ(globex_routed.status, 200);
  EXPECT_THAT(globex_routed.json()["requests"], IsEmpty());
  const std::string other =
      NewSubject({{"kind", "customer"}, {"jurisdiction", "EU"}, {"age_years", 30}}, service_);
  ASSERT_EQ(
      client()
          .Post("/v1/subjects/" + other + "/fields",
                {{"purposes", {"provide"}},
                 {"fields", {{{"category", "user.contact.email"}, {"value", "lee@example.com"}}}}},
                service_)
          .status,
      201);
  ASSERT_EQ(client()
                .Send("PUT", "/v1/subjects/" + other + "/password",
                      Json{{"password", kPassword}}.dump(), service_)
                .status,
            204);
  EXPECT_EQ(client().Get("/v1/requests/" + request, SignIn("lee@example.com")).error("reason"),
            "not_subjects_own_data");

  // ConfiTrek does not carry it out itself: the member's data stays for Acme to decide.
  EXPECT_EQ(client().Post("/v1/requests/" + request + "/fulfil", Json::object(), service_).status,
            409);
  EXPECT_THAT(Categories(ReadFields(member, acme_).json()), SizeIs(3));
}

// Issue 15: creation stays inside the caller's own scope. A tenant creates no subject inside
// an organization, an organization admin none for a tenant (which would let each read the
// other's data, CN05), and no subject is both; each refusal creates nothing.
TEST_F(ConfitrekOrganizations, CreationStaysInsideTheCallersScope) {
  const std::string tenant = Key("tenant:7");
  struct Refused {
    const char* what;
    Json body;
    std::string token;
    int status;
    const char* reason;
  };
  const std::vector<Refused> refused = {
      {"a tenant's subject inside Acme",
       {{"kind", "member"}, {"age_years", 30}, {"organization_id", "41"}},
       tenant,
       403,
       "other_organization"},
      {"a tenant's subject inside Acme, naming itself",
       {{"kind", "member"}, {"age_years", 30}, {"organization_id", "41"}, {"tenant_id", "7"}},
       tenant,
       403,
       "other_organization"},
      {"an Acme member for the tenant",
       {{"kind", "member"}, {"age_years", 30}, {"tenant_id", "7"}},
       acme_,
       403,
       "other_tenant"},
      {"a subject of both, by the service",
       {{"kind", "member"}, {"age_years", 30}, {"organization_id", "41"}, {"tenant_id", "7"}},
       service_,
       400,
       ""},
  };
  for (const Refused& r : refused) {
    HttpReply reply = client().Post("/v1/subjects", r.body, r.token);
    EXPECT_EQ(reply.status, r.status) << r.what << ": " << reply.body;
    EXPECT_EQ(reply.error("reason"), r.reason) << r.what;
    EXPECT_FALSE(reply.json().contains("id")) << r.what;
  }
  // Nothing was created: Acme has no member, and each side still creates in its own scope.
  HttpReply members = client().Get("/v1/organizations/41/members", acme_);
  ASSERT_EQ(members.status, 200);
  EXPECT_THAT(members.json()["members"], IsEmpty());
  const std::string own = NewSubject({{"kind", "customer"}, {"age_years", 30}}, tenant);
  HttpReply record = client().Get("/v1/subjects/" + own, tenant);
  EXPECT_EQ(record.json()["tenant_id"], "7");
  EXPECT_EQ(record.json()["organization_id"], nullptr);
  EXPECT_EQ(client().Get("/v1/subjects/" + own, acme_).error("reason"), "other_organization");
  const std::string member = AcmeMember("kim@acme.example");
  EXPECT_EQ(client().Get("/v1/subjects/" + member, tenant).error("reason"), "other_tenant");
}

// Issue 15: an organization admin acts under the policy's organization_admin role, whose
// purposes are [provide]: it reads and writes its members' data for those only, and gives or
// restores no use beyond them; it may still narrow one (opt out).
TEST_F(ConfitrekOrganizations, CT11_TheOrganizationAdminIsConfinedToItsRolesPurposes) {
  const std::string member = AcmeMember("kim@acme.example");
  HttpReply improve = client().Post(
      "/v1/subjects/" + member + "/fields",
      {{"purposes", {"improve"}},
       {"fields", {{{"category", "user.behavior.interaction"}, {"value", "clicked: export"}}}}},
      service_);
  ASSERT_EQ(improve.status, 201) << improve.body;
  const std::string improve_field = improve.json()["field_ids"][0];

  // Reads: nothing for improve (the service sees it), everything for provide.
  HttpReply read = ReadFields(member, acme_, "improve");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_THAT(read.json()["fields"], IsEmpty()) << read.body;
  EXPECT_THAT(WithheldReasons(read.json()), Contains(std::string("not_need_to_know")));
  EXPECT_THAT(Categories(ReadFields(member, service_, "improve").json()),
              UnorderedElementsAre("user.behavior.interaction"));
  EXPECT_THAT(Categories(ReadFields(member, acme_).json()), SizeIs(3));

  // Writes, rectification and deletion outside [provide] are refused and change nothing.
  HttpReply advertise = client().Post(
      "/v1/subjects/" + member + "/fields",
      {{"purposes", {"advertise"}},
       {"fields", {{{"category", "user.contact.email"}, {"value", "kim@ads.example"}}}}},
      acme_);
  EXPECT_EQ(advertise.status, 403) << advertise.body;
  EXPECT_EQ(advertise.error("reason"), "not_need_to_know");
  HttpReply rectified = client().Send("PUT", "/v1/subjects/" + member + "/fields/" + improve_field,
                                      R"({"value":"clicked: nothing"})", acme_);
  EXPECT_EQ(rectified.error("reason"), "not_need_to_know") << rectified.body;
  HttpReply deleted =
      client().Send("DELETE", "/v1/subjects/" + member + "/fields/" + improve_field, "", acme_);
  EXPECT_EQ(deleted.error("reason"), "not_need_to_know") << deleted.body;
  EXPECT_THAT(ReadFields(member, service_, "advertise").json()["fields"], IsEmpty());
  HttpReply kept = ReadFields(member, service_, "improve");
  ASSERT_THAT(kept.json()["fields"], SizeIs(1));
  EXPECT_EQ(kept.json()["fields"][0]["value"], "clicked: export");

  // Consents: no grant for a purpose outside the role; an opt-out is the member's gain.
  HttpReply grant =
      client().Post("/v1/subjects/" + member + "/consents",
                    {{"purpose", "advertise.promotional.email"}, {"action", "grant"}}, acme_);
  EXPECT_EQ(grant.status, 403) << grant.body;
  EXPECT_EQ(grant.error("reason"), "not_need_to_know");
  EXPECT_THAT(client().Get("/v1/subjects/" + member + "/consents", acme_).json()["events"],
              IsEmpty());
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + member + "/consents",
                      {{"purpose", "advertise"}, {"action", "opt_out"}}, acme_)
                .status,
            201);
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + member + "/consents",
                      {{"purpose", "provide.preferences"}, {"action", "grant"}}, acme_)
                .status,
            201);
  // The member's opt-out from a recipient (CU06) is theirs: the admin may add one, never take
  // one back.
  ASSERT_EQ(client()
                .Post("/v1/subjects/" + member + "/consents",
                      {{"recipient", "affiliates"}, {"action", "opt_out"}}, acme_)
                .status,
            201);
  const size_t events =
      client().Get("/v1/subjects/" + member + "/consents", acme_).json()["events"].size();
  HttpReply undone =
      client().Post("/v1/subjects/" + member + "/consents",
                    {{"recipient", "affiliates"}, {"action", "undo_opt_out"}}, acme_);
  EXPECT_EQ(undone.status, 403) << undone.body;
  EXPECT_EQ(undone.error("reason"), "not_need_to_know");
  // Nor does a channel's choice reach past the role: it is its purpose's choice.
  HttpReply channel = client().Post("/v1/subjects/" + member + "/consents",
                                    {{"channel", "email"}, {"action", "grant"}}, acme_);
  EXPECT_EQ(channel.status, 403) << channel.body;
  EXPECT_THAT(client().Get("/v1/subjects/" + member + "/consents", acme_).json()["events"],
              SizeIs(events));
}

// Issue 15: organization 0 is no organization. The subjects without one are nobody's members,
// and no key lists them or their requests through it (nor removes one).
TEST_F(ConfitrekOrganizations, OrganizationZeroIsNoOrganization) {
  const std::string member = AcmeMember("kim@acme.example");
  const std::string loner =
      NewSubject({{"kind", "customer"}, {"jurisdiction", "EU"}, {"age_years", 30}}, service_);
  ASSERT_EQ(client()
                .Post("/v1/subjects/" + loner + "/requests",
                      {{"right", "access"}, {"channel", "web_form"}}, service_)
                .status,
            201);
  for (const char* org : {"0", "00"}) {
    for (const char* route : {"/members", "/requests"}) {
      HttpReply listed = client().Get(std::string("/v1/organizations/") + org + route, service_);
      EXPECT_EQ(listed.status, 404) << org << route << ": " << listed.body;
      EXPECT_EQ(listed.body.find(loner), std::string::npos) << org << route;
      EXPECT_NE(client().Get(std::string("/v1/organizations/") + org + route, acme_).status, 200)
          << org << route;
    }
    EXPECT_NE(client()
                  .Send("DELETE", std::string("/v1/organizations/") + org + "/members/" + loner, "",
                        acme_)
                  .status,
              204);
  }
  // Nothing changed: Acme's list is as it was, and the loner is still nobody's member.
  HttpReply members = client().Get("/v1/organizations/41/members", acme_);
  ASSERT_EQ(members.status, 200);
  ASSERT_THAT(members.json()["members"], SizeIs(1));
  EXPECT_EQ(members.json()["members"][0]["id"], member);
  EXPECT_EQ(client().Get("/v1/subjects/" + loner, service_).json()["organization_id"], nullptr);
}

// CONNACT: customers 7 and 8 submit data about their own contacts, which CONNACT holds as their
// processor.
class ConnactTenants : public ServerTest {
 protected:
  void SetUp() override { Start("policies/connact.yaml"); }
};

TEST_F(ConnactTenants, CN05_ACustomersKeySeesOnlyTheDataThatCustomerSubmitted) {
  const std::string customer_a = Key("tenant:7"), customer_b = Key("tenant:8"),
                    service = Key("service");
  const std::string contact = NewSubject({{"kind", "customer_contact"}}, customer_a);
  HttpReply wrote = client().Post(
      "/v1/subjects/" + contact + "/fields",
      {{"purposes", {"customer_instructions"}},
       {"fields",
        {{{"category", "customer_data"}, {"value", "lead notes"}, {"source", "customer"}}}}},
      customer_a);
  ASSERT_EQ(wrote.status, 201) << wrote.body;
  HttpReply record = client().Get("/v1/subjects/" + contact, customer_a);
  ASSERT_EQ(record.status, 200);
  EXPECT_EQ(record.json()["tenant_id"], "7");

  // The customer reads (exports) what it submitted.
  HttpReply own =
      client().Get("/v1/subjects/" + contact + "/fields?purpose=customer_instructions", customer_a);
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_THAT(own.json()["fields"], SizeIs(1));
  EXPECT_EQ(own.json()["fields"][0]["value"], "lead notes");

  // Another customer reaches nothing of it, and cannot file subjects in A's name.
  for (const std::string& path :
       {"/v1/subjects/" + contact,
        "/v1/subjects/" + contact + "/fields?purpose=customer_instructions",
        "/v1/subjects/" + contact + "/consents"}) {
    EXPECT_EQ(client().Get(path, customer_b).error("reason"), "other_tenant") << path;
  }
  EXPECT_EQ(client().Send("DELETE", "/v1/subjects/" + contact, "", customer_b).error("reason"),
            "other_tenant");
  EXPECT_EQ(
      client()
          .Post("/v1/subjects", {{"kind", "customer_contact"}, {"tenant_id", "7"}}, customer_b)
          .error("reason"),
      "other_tenant");

  // CONNACT's own purposes never see it, whichever of its keys asks.
  for (const char* purpose : {"service", "statistics", "abuse_detection"}) {
    HttpReply r = client().Get("/v1/subjects/" + contact + "/fields?purpose=" + purpose, service);
    if (r.status == 403) continue;  // refused outright
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.json()["fields"], IsEmpty()) << purpose;
  }

  // Erased at the customer's request: gone for everyone.
  ASSERT_EQ(client().Send("DELETE", "/v1/subjects/" + contact, "", customer_a).status, 204);
  EXPECT_EQ(client().Get("/v1/subjects/" + contact, customer_a).status, 404);
  EXPECT_EQ(
      client()
          .Get("/v1/subjects/" + contact + "/fields?purpose=customer_instructions", customer_a)
          .status,
      404);
}

}  // namespace
}  // namespace privet::testing
