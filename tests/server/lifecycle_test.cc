// Issue 15: retention anchors and legal holds over HTTP. Rules anchored on an event (the
// starter's `accounts`, Confect's CF10 and customer rules) fire once the event is recorded with
// POST /v1/subjects/{id}/events; a legal hold placed with POST .../legal-holds keeps the data
// and is reported by the sweep until it is released.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

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

// CX02 over HTTP: "any attempt to write a card number (anywhere, in any field) is refused",
// also in the label of an API key, free text kept as long as the key: refused with the typed
// reason, without echoing it, and nothing is kept (no key made, no file holds it).
TEST_F(Lifecycle, ConnectrexCX02AnApiKeyLabelNeverHoldsACardNumber) {
  Start("policies/connectrex.yaml");
  const size_t keys_before = client().Get("/v1/api-keys", admin()).json()["keys"].size();
  for (const std::string card :
       {"4111111111111111", "key for 4111 1111 1111 1111", "5500-0000-0000-0004"}) {
    HttpReply r =
        client().Post("/v1/api-keys", {{"principal", "service"}, {"label", card}}, admin());
    EXPECT_EQ(r.status, 403) << card << ": " << r.body;
    EXPECT_EQ(r.error("reason"), "payment_card_number") << r.body;
    EXPECT_THAT(r.body, ::testing::Not(::testing::HasSubstr("1111"))) << r.body;
    EXPECT_THAT(r.body, ::testing::Not(::testing::HasSubstr("0004"))) << r.body;
  }
  HttpReply keys = client().Get("/v1/api-keys", admin());
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_EQ(keys.json()["keys"].size(), keys_before) << keys.body;
  // A label without one is kept as before.
  HttpReply fine = client().Post("/v1/api-keys",
                                 {{"principal", "service"}, {"label", "billing job 2"}}, admin());
  EXPECT_EQ(fine.status, 201) << fine.body;
  WhileStopped([&](Vault&) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      for (const char* digits : {"4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004"})
        EXPECT_EQ(bytes.find(digits), std::string::npos) << entry.path() << " holds " << digits;
    }
  });
}

// CX03 over HTTP: a supervisee reading their own data in a session interacts, so the read
// carries their location (Privet-Location) and records it; exemptions are granted by the service
// or staff with the court's or agency's reference, never by the subject.
TEST_F(Lifecycle, ConnectrexCX03SupervisseeReadsCarryALocationUnlessExempt) {
  Start("policies/connectrex.yaml");
  service_ = Key("service");
  const std::string billing = Key("staff:billing");
  const std::string case_worker = Key("staff:case_worker");
  const std::string id = NewSubject({{"kind", "supervisee"}, {"jurisdiction", "US-CA"}}, service_);
  HttpReply w =
      client().Post("/v1/subjects/" + id + "/fields",
                    {{"purposes", {"service", "service.location"}},
                     {"fields",
                      {{{"category", "user.contact.email"}, {"value", "pat@example.com"}},
                       {{"category", "user.location.precise"}, {"value", "37.65,-122.41"}}}}},
                    service_);
  ASSERT_EQ(w.status, 201) << w.body;
  ASSERT_EQ(client()
                .Send("PUT", "/v1/subjects/" + id + "/password",
                      Json{{"password", "correct horse battery staple"}}.dump(), service_)
                .status,
            204);
  HttpReply login = client().Post(
      "/v1/sessions", {{"email", "pat@example.com"}, {"password", "correct horse battery staple"}},
      "");
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string session = login.json()["token"];
  const std::string fields = "/v1/subjects/" + id + "/fields?purpose=";
  auto located = [&] {
    HttpReply r = client().Get(fields + "service.location", service_);
    EXPECT_EQ(r.status, 200) << r.body;
    const Json body = r.json();
    size_t n = 0;
    for (const Json& f : body["fields"]) n += f["category"] == "user.location.precise" ? 1 : 0;
    return n;
  };
  ASSERT_EQ(located(), 1u);

  HttpReply without = client().Get(fields + "service", session);
  EXPECT_EQ(without.status, 409) << without.body;
  EXPECT_EQ(without.error("field"), "location");
  EXPECT_EQ(located(), 1u);  // refused, nothing recorded
  HttpReply with =
      client().Get(fields + "service", session, {{"Privet-Location", "37.70,-122.40"}});
  ASSERT_EQ(with.status, 200) << with.body;
  EXPECT_EQ(located(), 2u);

  // The subject cannot exempt itself, nor staff who may not see where it is.
  const std::string grants = "/v1/subjects/" + id + "/location-exemptions";
  const Json court = {{"exemption", "court_exemption"}, {"reference", "CR-2024-118"}};
  EXPECT_EQ(client().Post(grants, court, session).status, 403);
  EXPECT_EQ(client().Post(grants, court, billing).status, 403);
  EXPECT_EQ(
      client().Post(grants, {{"exemption", "i_said_so"}, {"reference", "x"}}, service_).status,
      400);
  EXPECT_EQ(client().Get(fields + "service", session).status, 409);
  // The agency's exemption, recorded by a case worker: the subject's reads need no location.
  ASSERT_EQ(client()
                .Post(grants, {{"exemption", "agency_exemption"}, {"reference", "AG/2024/77"}},
                      case_worker)
                .status,
            204);
  EXPECT_EQ(client().Get(fields + "service", session).status, 200);
  HttpReply info = client().Get("/v1/subjects/" + id, service_);
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(info.json()["location_exemptions"][0]["reference"], "AG/2024/77");
  EXPECT_EQ(info.json()["location_exemptions"][0]["granted_by"], "staff:case_worker");
  ASSERT_EQ(client().Send("DELETE", grants + "/agency_exemption", "", service_).status, 204);
  EXPECT_EQ(client().Get(fields + "service", session).status, 409);
}

// A subject deleting its own field over the API is held to what the privacy center's Clear is:
// what a legal hold keeps stays (GDPR Art. 17(3)), and so does the address it signs in with;
// each is 409 and changes nothing. The engine's own refusals still come first.
TEST_F(Lifecycle, ASubjectsOwnDeleteKeepsWhatTheLawKeepsAndItsSignInAddress) {
  Start("policies/starter.yaml");
  service_ = Key("service");
  const std::string held = Customer("ada");
  ASSERT_EQ(client()
                .Send("PUT", "/v1/subjects/" + held + "/password",
                      Json{{"password", "a long enough password"}}.dump(), service_)
                .status,
            204);
  const std::string session =
      client()
          .Post("/v1/sessions",
                {{"email", "ada@example.com"}, {"password", "a long enough password"}}, "")
          .json()["token"];
  HttpReply fields = client().Get("/v1/subjects/" + held + "/fields?purpose=service", service_);
  std::string email_field, name_field;
  const Json held_fields = fields.json()["fields"];
  for (const Json& f : held_fields) {
    (f["category"] == "user.contact.email" ? email_field : name_field) = f["id"];
  }
  const std::string field = "/v1/subjects/" + held + "/fields/";
  HttpReply email = client().Send("DELETE", field + email_field, "", session);
  EXPECT_EQ(email.status, 409) << email.body;
  EXPECT_THAT(email.error("message"), ::testing::HasSubstr("sign in"));

  ASSERT_EQ(client()
                .Post("/v1/subjects/" + held + "/legal-holds",
                      {{"rule", "accounts"}, {"ground", "litigation:2025-CV-7"}}, service_)
                .status,
            201);
  HttpReply kept = client().Send("DELETE", field + name_field, "", session);
  EXPECT_EQ(kept.status, 409) << kept.body;
  EXPECT_THAT(kept.error("message"), ::testing::HasSubstr("the law requires"));
  EXPECT_EQ(Fields(held, "service"), 2u);
  // Not a field of the subject: the engine's 404, before any of the above.
  EXPECT_EQ(client().Send("DELETE", field + "1", "", session).status, 404);

  // Released, the subject clears it like any optional datum.
  ASSERT_EQ(client()
                .Send("DELETE", "/v1/subjects/" + held + "/legal-holds/accounts", "", service_)
                .status,
            204);
  EXPECT_EQ(client().Send("DELETE", field + name_field, "", session).status, 204);
  EXPECT_EQ(Fields(held, "service"), 1u);
}

}  // namespace
}  // namespace privet::testing
