// CN15: "On a breach with reasonable risk of harm, affected individuals are notified by email and
// a notice is posted on the website." Through the server: the admin records the breach over
// HTTP, privet works out who was affected from the audit log (the leaked key's reads), a real
// SMTP server (aiosmtpd) receives the emails, and /privacy carries the notice. What must happen
// is read from the policy's `breach:` section (threshold, channels), never written here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "crypto/crypto.h"
#include "server/server_fixture.h"
#include "testing/http_receiver.h"
#include "testing/smtp_sink.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using testing::HttpReply;
using ::testing::Not;
using Json = nlohmann::json;

bool Lists(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

class BreachServer : public testing::ServerTest {
 protected:
  void StartWithMail(const std::string& policy_file) {
    sink_ = std::make_unique<testing::SmtpSink>(dir_.path() + "/smtp");
    ASSERT_TRUE(sink_->ok());
    delivery_.smtp = SmtpSettings{.url = sink_->url(), .from = "privacy@example.com"};
    delivery_.allow_loopback_http = true;
    ASSERT_NO_FATAL_FAILURE(Start(policy_file));
    service_ = Key("service");
  }
  // A user with a name and an email address; returns its id.
  std::string User(const std::string& email) {
    std::string id =
        NewSubject({{"kind", "user"}, {"age_years", 30}, {"jurisdiction", "CA"}}, service_);
    HttpReply w = client().Post("/v1/subjects/" + id + "/fields",
                                {{"purposes", {"service"}},
                                 {"fields",
                                  {{{"category", "user.name"}, {"value", "Someone"}},
                                   {{"category", "user.contact.email"}, {"value", email}}}}},
                                service_);
    EXPECT_EQ(w.status, 201) << w.body;
    return id;
  }
  HttpReply ReadAs(const std::string& id, const std::string& key) {
    return client().Get("/v1/subjects/" + id + "/fields?purpose=service", key);
  }
  // Delivery passes until `n` emails arrived (or a few seconds passed).
  std::vector<testing::ReceivedMail> Mail(size_t n) {
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(client().Post("/v1/outbox/deliver", Json::object(), admin()).status, 200);
      if (sink_->Received().size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return sink_->WaitFor(n);
  }

  std::unique_ptr<testing::SmtpSink> sink_;
  std::string service_;
};

TEST_F(BreachServer, CN15_AffectedIndividualsAreEmailedAndANoticeIsPostedOnTheWebsite) {
  ASSERT_NO_FATAL_FAILURE(StartWithMail("policies/connact.yaml"));
  const BreachPolicy& rules = policy_->policy().breach;
  ASSERT_TRUE(rules.notify_subjects);
  ASSERT_TRUE(Lists(rules.channels, "email"));
  ASSERT_TRUE(Lists(rules.channels, "website"));
  // The least risk the policy's threshold names (connact: a reasonable risk of harm).
  const std::optional<BreachRisk> threshold = BreachThresholdRisk(rules.threshold);
  ASSERT_TRUE(threshold.has_value());

  const std::string read_by_leaked_key = User("ada@example.com");
  const std::string not_read = User("bob@example.com");
  const std::string read_before = User("cy@example.com");
  HttpReply leaked_key =
      client().Post("/v1/api-keys", {{"principal", "staff:support"}, {"label", "agent"}}, admin());
  ASSERT_EQ(leaked_key.status, 201);
  const std::string token = leaked_key.json()["token"];
  ASSERT_EQ(ReadAs(read_before, token).status, 200);
  clock_.Set(clock_.Now() + std::chrono::hours(1));
  const Time start = clock_.Now();
  ASSERT_EQ(ReadAs(read_by_leaked_key, token).status, 200);
  clock_.Set(clock_.Now() + std::chrono::hours(1));

  // Nothing on the notice before.
  const std::string what = "A support agent API key was published in a code repository";
  EXPECT_THAT(client().Get("/privacy", "").body, Not(HasSubstr(what)));

  HttpReply recorded = client().Post("/v1/breaches",
                                     {{"what", what},
                                      {"started_at", Rfc3339(start)},
                                      {"ended_at", Rfc3339(clock_.Now())},
                                      {"aware_at", Rfc3339(clock_.Now())},
                                      {"categories", {"user.contact"}},
                                      {"api_keys", {leaked_key.json()["id"]}},
                                      {"risk", BreachRiskName(*threshold)},
                                      {"measures", "The key was revoked within the hour."}},
                                     admin());
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  EXPECT_EQ(recorded.json()["subjects_affected"], 1);
  EXPECT_EQ(recorded.json()["threshold_met"], true);

  // The affected individual is emailed, and nobody else.
  const std::vector<testing::ReceivedMail> mail = Mail(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].rcpt_to, "ada@example.com");
  EXPECT_THAT(mail[0].Text(), HasSubstr(what));
  EXPECT_THAT(mail[0].Text(), HasSubstr("The key was revoked within the hour."));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(sink_->Received().size(), 1u);

  // The notice on the website carries it.
  HttpReply notice = client().Get("/privacy", "");
  ASSERT_EQ(notice.status, 200);
  EXPECT_THAT(notice.body, HasSubstr(what));
  EXPECT_THAT(notice.body, HasSubstr("The key was revoked within the hour."));
}

TEST_F(BreachServer, CN15_BelowTheThresholdNobodyIsToldAndTheNoticeIsUnchanged) {
  ASSERT_NO_FATAL_FAILURE(StartWithMail("policies/connact.yaml"));
  const std::optional<BreachRisk> threshold =
      BreachThresholdRisk(policy_->policy().breach.threshold);
  ASSERT_TRUE(threshold.has_value());
  ASSERT_NE(*threshold, BreachRisk::kUnlikely);
  User("ada@example.com");
  const std::string what = "A laptop with an encrypted disk was stolen";
  HttpReply recorded = client().Post(
      "/v1/breaches",
      {{"what", what},
       {"started_at", Rfc3339(clock_.Now())},
       {"aware_at", Rfc3339(clock_.Now())},
       {"risk", BreachRiskName(static_cast<BreachRisk>(static_cast<int>(*threshold) - 1))}},
      admin());
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  EXPECT_EQ(recorded.json()["subjects_affected"], 1);
  EXPECT_EQ(recorded.json()["threshold_met"], false);
  EXPECT_EQ(client().Post("/v1/outbox/deliver", Json::object(), admin()).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(sink_->Received().empty());
  EXPECT_THAT(client().Get("/privacy", "").body, Not(HasSubstr(what)));
}

// The register over HTTP: only the admin records, operators list; the authority deadline shows
// in the list and in /metrics until the authority is told; downstream systems get a signed
// breach.recorded event; a refused report changes nothing.
TEST_F(BreachServer, TheRegisterItsDeadlineAndItsWebhook) {
  ASSERT_NO_FATAL_FAILURE(StartWithMail("policies/starter.yaml"));
  testing::HttpReceiver receiver;
  HttpReply hook = client().Post(
      "/v1/webhooks", {{"url", receiver.url()}, {"events", {"breach.recorded"}}}, admin());
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = hook.json()["secret"];
  const Json report = {{"what", "x"},
                       {"started_at", Rfc3339(clock_.Now())},
                       {"aware_at", Rfc3339(clock_.Now())},
                       {"risk", "high_risk"}};
  EXPECT_EQ(client().Post("/v1/breaches", report, service_).status, 403);
  EXPECT_EQ(client().Post("/v1/breaches", report, "").status, 401);
  Json future = report;
  future["aware_at"] = Rfc3339(clock_.Now() + std::chrono::hours(1));
  EXPECT_EQ(client().Post("/v1/breaches", future, admin()).error("field"), "aware_at");
  Json bad_time = report;
  bad_time["started_at"] = "yesterday";
  EXPECT_EQ(client().Post("/v1/breaches", bad_time, admin()).error("field"), "started_at");
  Json bad_risk = report;
  bad_risk["risk"] = "catastrophic";
  EXPECT_EQ(client().Post("/v1/breaches", bad_risk, admin()).error("field"), "risk");
  EXPECT_EQ(client().Get("/v1/breaches", service_).json()["breaches"].size(), 0u);

  HttpReply recorded = client().Post("/v1/breaches", report, admin());
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  const std::string id = recorded.json()["id"];
  EXPECT_EQ(recorded.json()["authority"], "running");
  EXPECT_EQ(recorded.json()["authority_seconds_left"], 72 * 3600);  // starter: 72 hours
  HttpReply metrics = client().Get("/metrics", service_);
  EXPECT_THAT(metrics.body, HasSubstr("privet_breaches_authority_pending{state=\"running\"} 1"));
  EXPECT_THAT(metrics.body,
              HasSubstr("privet_breach_authority_seconds_left{breach=\"" + id + "\"} 259200"));
  clock_.Set(clock_.Now() + std::chrono::hours(73));
  EXPECT_EQ(client().Get("/v1/breaches", service_).json()["breaches"][0]["authority"], "overdue");

  EXPECT_EQ(
      client().Post("/v1/breaches/" + id + "/authority-notified", Json::object(), service_).status,
      403);
  EXPECT_EQ(client().Post("/v1/breaches/42/authority-notified", Json::object(), admin()).status,
            404);
  HttpReply told =
      client().Post("/v1/breaches/" + id + "/authority-notified", Json::object(), admin());
  ASSERT_EQ(told.status, 200) << told.body;
  EXPECT_EQ(told.json()["authority"], "notified");
  EXPECT_THAT(client().Get("/metrics", service_).body,
              HasSubstr("privet_breaches_authority_pending{state=\"running\"} 0"));

  std::vector<testing::ReceivedRequest> got;
  for (int i = 0; i < 200 && got.empty(); ++i) {
    ASSERT_EQ(client().Post("/v1/outbox/deliver", Json::object(), admin()).status, 200);
    got = receiver.Received();
    if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(got.size(), 1u);
  const Json body = Json::parse(got[0].body);
  EXPECT_EQ(body["type"], "breach.recorded");
  EXPECT_EQ(body["data"]["breach_id"], id);
  EXPECT_EQ(body["data"]["risk"], "high_risk");
  EXPECT_EQ(body["data"]["threshold_met"], true);
  const std::string sig = got[0].headers["privet-signature"];
  const std::string t = sig.substr(2, sig.find(',') - 2);
  EXPECT_EQ(sig.substr(sig.find(",v1=") + 4), crypto::HmacSha256Hex(secret, t + "." + got[0].body));
}

}  // namespace
}  // namespace privet
