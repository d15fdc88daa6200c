// Delivery over HTTP: the admin configures webhook endpoints, sees dead letters and redelivers;
// the server sends identity codes to a real SMTP server (aiosmtpd) and signed events to a real
// HTTP receiver. Nobody but the admin reaches these routes, and a refused call changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "crypto/crypto.h"
#include "server/server_fixture.h"
#include "testing/http_receiver.h"
#include "testing/smtp_sink.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

class DeliveryRoutes : public ServerTest {
 protected:
  void SetUp() override {
    sink_ = std::make_unique<SmtpSink>(dir_.path() + "/smtp");
    ASSERT_TRUE(sink_->ok());
    delivery_.smtp = SmtpSettings{.url = sink_->url(), .from = "privacy@example.com"};
    delivery_.allow_loopback_http = true;
    delivery_.max_attempts = 1;
    Start("policies/starter.yaml");
    service_ = Key("service");
    subject_ =
        NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service_);
    HttpReply w = client().Post(
        "/v1/subjects/" + subject_ + "/fields",
        {{"purposes", {"service"}},
         {"fields", {{{"category", "user.contact.email"}, {"value", "ada@example.com"}}}}},
        service_);
    ASSERT_EQ(w.status, 201) << w.body;
  }

  HttpReply Deliver() { return client().Post("/v1/outbox/deliver", Json::object(), admin()); }

  std::unique_ptr<SmtpSink> sink_;
  std::string service_;
  std::string subject_;
};

TEST_F(DeliveryRoutes, AnIdentityCodeFiledOverHttpArrivesByEmail) {
  HttpReply filed = client().Post("/v1/subjects/" + subject_ + "/requests",
                                  {{"right", "access"}, {"channel", "email"}}, service_);
  ASSERT_EQ(filed.status, 201) << filed.body;
  HttpReply pass = Deliver();
  ASSERT_EQ(pass.status, 200) << pass.body;
  EXPECT_EQ(pass.json()["emails_sent"], 1);
  const auto mail = sink_->WaitFor(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].rcpt_to, "ada@example.com");
  EXPECT_EQ(mail[0].Header("Subject"), "Your verification code");
  // Counted for the operator.
  EXPECT_THAT(client().Get("/metrics", service_).body,
              HasSubstr("privet_delivery_total{outcome=\"email_sent\"} 1\n"));
}

TEST_F(DeliveryRoutes, OnlyTheAdminConfiguresWebhooksAndRefusalsChangeNothing) {
  HttpReceiver receiver;
  const Json hook = {{"url", receiver.url()}, {"events", {"subject.erased"}}};
  EXPECT_EQ(client().Post("/v1/webhooks", hook, service_).status, 403);
  EXPECT_EQ(client().Post("/v1/webhooks", hook, "").status, 401);
  EXPECT_EQ(client()
                .Post("/v1/webhooks",
                      {{"url", "http://example.com/"}, {"events", {"subject.erased"}}}, admin())
                .error("field"),
            "url");
  EXPECT_EQ(
      client()
          .Post("/v1/webhooks", {{"url", receiver.url()}, {"events", {"everything"}}}, admin())
          .error("field"),
      "events");
  EXPECT_EQ(client().Post("/v1/webhooks", {{"url", receiver.url()}}, admin()).status, 400);
  EXPECT_EQ(client().Get("/v1/webhooks", admin()).json()["webhooks"].size(), 0u);
  EXPECT_EQ(client().Get("/v1/webhooks", service_).status, 403);
  EXPECT_EQ(client().Get("/v1/outbox/dead-letters", service_).status, 403);
  EXPECT_EQ(client().Post("/v1/outbox/deliver", Json::object(), service_).status, 403);

  HttpReply created = client().Post("/v1/webhooks", hook, admin());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.json()["secret"];
  EXPECT_EQ(secret.size(), 64u);
  HttpReply listed = client().Get("/v1/webhooks", admin());
  ASSERT_EQ(listed.json()["webhooks"].size(), 1u);
  EXPECT_THAT(listed.body, Not(HasSubstr(secret)));  // shown once, never again
  const std::string id = created.json()["id"];
  EXPECT_EQ(client().Send("DELETE", "/v1/webhooks/" + id, "", service_).status, 403);
  EXPECT_EQ(client().Send("DELETE", "/v1/webhooks/" + id, "", admin()).status, 204);
  EXPECT_EQ(client().Send("DELETE", "/v1/webhooks/" + id, "", admin()).status, 404);
}

TEST_F(DeliveryRoutes, AnErasureReachesTheEndpointSigned) {
  HttpReceiver receiver;
  HttpReply created = client().Post(
      "/v1/webhooks", {{"url", receiver.url()}, {"events", {"subject.erased"}}}, admin());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.json()["secret"];
  ASSERT_EQ(client().Send("DELETE", "/v1/subjects/" + subject_, "", service_).status, 204);
  std::vector<ReceivedRequest> got;
  for (int i = 0; i < 200 && got.empty(); ++i) {  // the event commits with the purge
    ASSERT_EQ(Deliver().status, 200);
    got = receiver.Received();
    if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(got.size(), 1u);
  const Json body = Json::parse(got[0].body);
  EXPECT_EQ(body["type"], "subject.erased");
  EXPECT_EQ(body["data"]["subject_id"], subject_);
  const std::string sig = got[0].headers["privet-signature"];
  const std::string t = sig.substr(2, sig.find(',') - 2);
  EXPECT_EQ(sig.substr(sig.find(",v1=") + 4), crypto::HmacSha256Hex(secret, t + "." + got[0].body));
}

TEST_F(DeliveryRoutes, ADeadWebhookEventIsListedAndRedelivered) {
  HttpReceiver receiver({500});
  HttpReply created = client().Post(
      "/v1/webhooks", {{"url", receiver.url()}, {"events", {"consent.withdrawn"}}}, admin());
  ASSERT_EQ(created.status, 201) << created.body;
  HttpReply opt_out = client().Post("/v1/subjects/" + subject_ + "/consents",
                                    {{"purpose", "analytics"}, {"action", "opt_out"}}, service_);
  ASSERT_EQ(opt_out.status, 201) << opt_out.body;
  EXPECT_EQ(Deliver().json()["dead"], 1);  // one attempt allowed here
  HttpReply dead = client().Get("/v1/outbox/dead-letters", admin());
  ASSERT_EQ(dead.status, 200) << dead.body;
  ASSERT_EQ(dead.json()["dead_letters"].size(), 1u);
  const Json letter = dead.json()["dead_letters"][0];
  EXPECT_EQ(letter["channel"], "webhook");
  EXPECT_EQ(letter["topic"], "consent.withdrawn");
  EXPECT_EQ(letter["error"], "http_500");
  EXPECT_EQ(letter["webhook_id"], created.json()["id"]);
  EXPECT_EQ(client()
                .Post("/v1/outbox/redeliver",
                      {{"channel", "webhook"},
                       {"seq", letter["seq"]},
                       {"webhook_id", letter["webhook_id"]}},
                      service_)
                .status,
            403);
  HttpReply again = client().Post(
      "/v1/outbox/redeliver",
      {{"channel", "webhook"}, {"seq", letter["seq"]}, {"webhook_id", letter["webhook_id"]}},
      admin());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(receiver.Received().size(), 2u);
  EXPECT_EQ(client().Get("/v1/outbox/dead-letters", admin()).json()["dead_letters"].size(), 0u);
}

}  // namespace
}  // namespace privet::testing
