// Issue 15: retention anchors and legal holds over HTTP. Rules anchored on an event (the
// starter's `accounts`, Confect's CF10 and customer rules) fire once the event is recorded with
// POST /v1/subjects/{id}/events; a legal hold placed with POST .../legal-holds keeps the data
// and is reported by the sweep until it is released.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using Json = nlohmann::json;

constexpr auto kDay = std::chrono::hours(24);

class Lifecycle : public ServerTest {
 protected:
  std::string Customer(const std::string& name) {
    const std::string id =
        NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service_);
    HttpReply w =
        client().Post("/v1/subjects/" + id + "/fields",
                      {{"purposes", {"service"}},
                       {"fields",
                        {{{"category", "user.contact.email"}, {"value", name + "@example.com"}},
                         {{"category", "user.name"}, {"value", name}}}}},
                      service_);
    EXPECT_EQ(w.status, 201) << w.body;
    return id;
  }
  size_t Fields(const std::string& id, const std::string& purpose) {
    HttpReply r = client().Get("/v1/subjects/" + id + "/fields?purpose=" + purpose, service_);
    return r.status == 200 ? r.json()["fields"].size() : 0;
  }
  Json Run() {
    HttpReply r = client().Post("/v1/retention/run", Json::object(), service_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  std::string service_;
};

TEST_F(Lifecycle, StarterAccountsRuleFiresSixMonthsAfterAContractEndRecordedOverHttp) {
  Start("policies/starter.yaml");
  service_ = Key("service");
  const std::string closed = Customer("ada");
  const std::string held = Customer("grace");
  const std::string open = Customer("edsger");

  ASSERT_EQ(client()
                .Post("/v1/subjects/" + closed + "/events", {{"event", "contract_end"}}, service_)
                .status,
            204);
  ASSERT_EQ(client()
                .Post("/v1/subjects/" + held + "/events", {{"event", "contract_end"}},
                      Key("staff:support"))
                .status,
            204);
  // Refused requests change nothing: an unknown event, `collection`, a principal that does not
  // record events, an unknown subject, a missing event.
  HttpReply unknown =
      client().Post("/v1/subjects/" + open + "/events", {{"event", "contract_ended"}}, service_);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.error("field"), "event");
  EXPECT_EQ(
      client().Post("/v1/subjects/" + open + "/events", {{"event", "collection"}}, service_).status,
      400);
  EXPECT_EQ(client().Post("/v1/subjects/" + open + "/events", Json::object(), service_).status,
            400);
  EXPECT_EQ(
      client()
          .Post("/v1/subjects/" + open + "/events", {{"event", "contract_end"}}, Key("tenant:1"))
          .status,
      403);
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + open + "/events", {{"event", "contract_end"}}, admin())
                .status,
            403);
  EXPECT_EQ(
      client().Post("/v1/subjects/999999/events", {{"event", "contract_end"}}, service_).status,
      404);

  // A legal hold on the accounts rule, by case reference; grounds that are free text or a card
  // number are refused and place nothing.
  HttpReply text = client().Post("/v1/subjects/" + held + "/legal-holds",
                                 {{"rule", "accounts"}, {"ground", "Grace's lawsuit"}}, service_);
  EXPECT_EQ(text.status, 400) << text.body;
  EXPECT_EQ(text.error("field"), "ground");
  HttpReply card = client().Post("/v1/subjects/" + held + "/legal-holds",
                                 {{"rule", "accounts"}, {"ground", "4111111111111111"}}, service_);
  EXPECT_EQ(card.status, 403) << card.body;
  EXPECT_THAT(card.body, ::testing::Not(::testing::HasSubstr("4111111111111111")));
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + held + "/legal-holds",
                      {{"rule", "no_such_rule"}, {"ground", "case:1"}}, service_)
                .status,
            400);
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + held + "/legal-holds",
                      {{"rule", "accounts"}, {"ground", "case:1"}}, Key("tenant:1"))
                .status,
            403);
  ASSERT_TRUE(client()
                  .Get("/v1/subjects/" + held + "/legal-holds", service_)
                  .json()["legal_holds"]
                  .empty());
  HttpReply placed =
      client().Post("/v1/subjects/" + held + "/legal-holds",
                    {{"rule", "accounts"}, {"ground", "litigation:2025-CV-118"}}, service_);
  ASSERT_EQ(placed.status, 201) << placed.body;
  EXPECT_EQ(placed.json()["rule"], "accounts");
  EXPECT_EQ(placed.json()["ground"], "litigation:2025-CV-118");

  // Before the six months, nothing is due.
  clock_.Advance(30 * kDay);
  EXPECT_EQ(Run()["fields_due"], 0);
  clock_.Advance(160 * kDay);
  const Json report = Run();
  EXPECT_EQ(report["fields_deleted"], 2) << report.dump();
  EXPECT_EQ(report["fields_held"], 2) << report.dump();
  EXPECT_EQ(report["subjects_erased"], 1) << report.dump();
  EXPECT_EQ(Fields(closed, "service"), 0u);
  EXPECT_EQ(Fields(held, "service"), 2u);
  EXPECT_EQ(Fields(open, "service"), 2u);  // its refused events recorded nothing
  HttpReply holds = client().Get("/v1/subjects/" + held + "/legal-holds", service_);
  ASSERT_EQ(holds.status, 200) << holds.body;
  ASSERT_EQ(holds.json()["legal_holds"].size(), 1u) << holds.body;

  // Released, the rule takes its course.
  EXPECT_EQ(client()
                .Send("DELETE", "/v1/subjects/" + held + "/legal-holds/security_logs", "", service_)
                .status,
            404);
  ASSERT_EQ(client()
                .Send("DELETE", "/v1/subjects/" + held + "/legal-holds/accounts", "", service_)
                .status,
            204);
  EXPECT_EQ(Run()["fields_deleted"], 2);
  EXPECT_EQ(Fields(held, "service"), 0u);
  EXPECT_EQ(Fields(open, "service"), 2u);
}

// CF10: "delete your ... CV, application and other documents when the recruitment process is
// completed": rule recruitment_process_end, anchored on process_end. A whole-subject hold keeps
// another applicant's documents.
TEST_F(Lifecycle, ConfectCF10RecruitmentDocumentsGoOnceTheProcessEndsUnlessHeld) {
  Start("policies/confect.yaml");
  service_ = Key("service");
  auto applicant = [&](const std::string& name) {
    const std::string id = NewSubject({{"kind", "applicant"}}, service_);
    HttpReply w =
        client().Post("/v1/subjects/" + id + "/fields",
                      {{"purposes", {"recruitment"}},
                       {"fields",
                        {{{"category", "user.name"}, {"value", name}},
                         {{"category", "user.contact.email"}, {"value", name + "@example.com"}},
                         {{"category", "user.job_application"}, {"value", "cv:" + name}}}}},
                      service_);
    EXPECT_EQ(w.status, 201) << w.body;
    return id;
  };
  const std::string done = applicant("ada");
  const std::string held = applicant("grace");
  ASSERT_EQ(Fields(done, "recruitment"), 3u);
  ASSERT_EQ(
      client()
          .Post("/v1/subjects/" + held + "/legal-holds", {{"ground", "dispute:REC-7"}}, service_)
          .status,
      201);
  for (const std::string& id : {done, held}) {
    ASSERT_EQ(client()
                  .Post("/v1/subjects/" + id + "/events", {{"event", "process_end"}}, service_)
                  .status,
              204);
  }
  clock_.Advance(kDay);
  const Json report = Run();
  EXPECT_EQ(report["fields_deleted"], 3) << report.dump();
  EXPECT_EQ(report["fields_held"], 3) << report.dump();
  EXPECT_EQ(Fields(done, "recruitment"), 0u);
  EXPECT_EQ(Fields(held, "recruitment"), 3u);
  HttpReply holds = client().Get("/v1/subjects/" + held + "/legal-holds", service_);
  ASSERT_EQ(holds.json()["legal_holds"].size(), 1u) << holds.body;
  EXPECT_TRUE(holds.json()["legal_holds"][0]["rule"].is_null());
  ASSERT_EQ(client().Send("DELETE", "/v1/subjects/" + held + "/legal-holds/*", "", service_).status,
            204);
  EXPECT_EQ(Run()["fields_deleted"], 3);
  EXPECT_EQ(Fields(held, "recruitment"), 0u);
}

}  // namespace
}  // namespace privet::testing
