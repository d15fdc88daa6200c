// Marketing email over HTTP, to a real SMTP server (aiosmtpd): it is decided before it is queued
// and again before it goes, carries a one-click unsubscribe (RFC 8058) that works without signing
// in, and an unsubscribe stops the next one at once while service messages still go (CN14).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "server/server_fixture.h"
#include "testing/smtp_sink.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

constexpr char kSite[] = "https://privacy.example.com";
const std::map<std::string, std::string> kOneClick = {
    {"Content-Type", "application/x-www-form-urlencoded"}};

class Unsubscribe : public ServerTest {
 protected:
  void SetUp() override {
    sink_ = std::make_unique<SmtpSink>(dir_.path() + "/smtp");
    ASSERT_TRUE(sink_->ok());
    delivery_.smtp = SmtpSettings{.url = sink_->url(), .from = "news@example.com"};
    delivery_.max_attempts = 1;
    delivery_.public_url = std::string(kSite) + "/";  // a trailing slash is dropped
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

  HttpReply Queue(const std::string& subject_line) {
    return client().Post("/v1/subjects/" + subject_ + "/marketing",
                         {{"channel", "email"},
                          {"subject", subject_line},
                          {"text", "Our spring range is here."},
                          {"html", "<html><body><p>Our spring range is here.</p></body></html>"}},
                         service_);
  }
  Json Deliver() { return client().Post("/v1/outbox/deliver", Json::object(), admin()).json(); }
  Json Consents() {
    return client().Get("/v1/subjects/" + subject_ + "/consents", service_).json()["events"];
  }
  void Subscribe() {
    ASSERT_EQ(client()
                  .Post("/v1/subjects/" + subject_ + "/consents",
                        {{"channel", "email"}, {"action", "grant"}}, service_)
                  .status,
              201);
  }
  // The path of the unsubscribe link a mail carries (List-Unsubscribe: <https://.../path>).
  static std::string LinkPath(const ReceivedMail& mail) {
    const std::string header = mail.Header("List-Unsubscribe");
    const std::string prefix = std::string("<") + kSite;
    if (!header.starts_with(prefix) || !header.ends_with(">")) return "";
    return header.substr(prefix.size(), header.size() - prefix.size() - 1);
  }

  // Subscribes, sends one marketing email and sets `path` to its unsubscribe link's path.
  void SendOneAndTakeItsLink(std::string& path) {
    ASSERT_NO_FATAL_FAILURE(Subscribe());
    ASSERT_EQ(Queue("Spring sale").status, 202);
    EXPECT_EQ(Deliver()["emails_sent"], 1);
    const std::vector<ReceivedMail> mail = sink_->WaitFor(1);
    ASSERT_EQ(mail.size(), 1u);
    path = LinkPath(mail[0]);
    ASSERT_FALSE(path.empty());
  }

  std::unique_ptr<SmtpSink> sink_;
  std::string service_;
  std::string subject_;
};

TEST_F(Unsubscribe, MarketingEmailCarriesAOneClickUnsubscribeThatStopsTheNextOne) {
  // Opt-in: nothing is queued before the subject subscribes.
  HttpReply refused = Queue("Spring sale");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.error("reason"), "no_consent");
  EXPECT_EQ(Deliver()["emails_sent"], 0);

  ASSERT_NO_FATAL_FAILURE(Subscribe());
  ASSERT_EQ(Queue("Spring sale").status, 202);
  EXPECT_EQ(Deliver()["emails_sent"], 1);
  const std::vector<ReceivedMail> mail = sink_->WaitFor(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].rcpt_to, "ada@example.com");
  EXPECT_EQ(mail[0].Header("Subject"), "Spring sale");
  EXPECT_EQ(mail[0].Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  const std::string path = LinkPath(mail[0]);
  ASSERT_THAT(path, StartsWith("/unsubscribe/")) << mail[0].Header("List-Unsubscribe");
  // The subject's id is nowhere in the link.
  EXPECT_THAT(path, Not(HasSubstr(subject_)));
  // The text names the sender, how to reach them, and the link (CN14).
  const std::string text = mail[0].Text();
  EXPECT_THAT(text, HasSubstr("Our spring range is here."));
  EXPECT_THAT(text, HasSubstr(policy_->policy().organization));
  EXPECT_THAT(text, HasSubstr(policy_->policy().contact.email));
  EXPECT_THAT(text, HasSubstr(std::string(kSite) + path));

  // The next one is queued, not yet sent, when the subject unsubscribes.
  ASSERT_EQ(Queue("Summer sale").status, 202);
  const size_t events = Consents().size();

  // Opening the link changes nothing: it asks first.
  HttpReply page = client().Get(path);
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.headers["Content-Type"], StartsWith("text/html"));
  EXPECT_THAT(page.headers["Content-Security-Policy"], HasSubstr("default-src 'none'"));
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\">"));
  EXPECT_THAT(page.body, HasSubstr("email"));
  EXPECT_EQ(Consents().size(), events);

  // The mail client's one-click POST: recorded at once, answered without a redirect.
  HttpReply done = client().Send("POST", path, "List-Unsubscribe=One-Click", "", kOneClick);
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.headers.count("Location"), 0u);
  EXPECT_THAT(done.body, HasSubstr("no more marketing by email"));
  const Json after = Consents();
  ASSERT_EQ(after.size(), events + 1);
  EXPECT_EQ(after.back()["channel"], "email");
  EXPECT_EQ(after.back()["action"], "opt_out");
  EXPECT_EQ(after.back()["source"], "unsubscribe");
  // Again (a second click, a retrying client): the same answer, nothing more recorded.
  EXPECT_EQ(client().Send("POST", path, "List-Unsubscribe=One-Click", "", kOneClick).status, 200);
  EXPECT_EQ(Consents().size(), events + 1);

  // The message queued before the unsubscribe is cancelled, not sent, and not retried.
  const Json pass = Deliver();
  EXPECT_EQ(pass["emails_sent"], 0);
  EXPECT_EQ(pass["cancelled"], 1);
  EXPECT_EQ(Deliver()["cancelled"], 0);
  EXPECT_THAT(client().Get("/metrics", service_).body,
              HasSubstr("privet_delivery_total{outcome=\"cancelled\"} 1\n"));
  // A new one is refused with the reason, and nothing is queued.
  HttpReply again = Queue("Autumn sale");
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(again.error("reason"), "opted_out");

  // Service messages still go: an access request's identity code.
  ASSERT_EQ(client()
                .Post("/v1/subjects/" + subject_ + "/requests",
                      {{"right", "access"}, {"channel", "email"}}, service_)
                .status,
            201);
  EXPECT_EQ(Deliver()["emails_sent"], 1);
  const std::vector<ReceivedMail> all = sink_->WaitFor(2);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].Header("Subject"), "Your verification code");
  EXPECT_EQ(all[1].Header("List-Unsubscribe"), "");  // a service message is not marketing

  // The token is a secret: the access log has the route, never the link.
  const std::string token = path.substr(std::string("/unsubscribe/").size());
  EXPECT_THAT(log(), HasSubstr("/unsubscribe/{token}"));
  EXPECT_THAT(log(), Not(HasSubstr(token)));
}

TEST_F(Unsubscribe, TheLinkStillWorksAfterARestart) {
  std::string path;
  ASSERT_NO_FATAL_FAILURE(SendOneAndTakeItsLink(path));
  ASSERT_NO_FATAL_FAILURE(WhileStopped([](Vault&) {}));
  EXPECT_EQ(client().Send("POST", path, "List-Unsubscribe=One-Click", "", kOneClick).status, 200);
  EXPECT_EQ(Consents().back()["source"], "unsubscribe");
}

TEST_F(Unsubscribe, ABadOrAlteredLinkIs404AndChangesNothing) {
  std::string path;
  ASSERT_NO_FATAL_FAILURE(SendOneAndTakeItsLink(path));
  path.back() = path.back() == 'A' ? 'B' : 'A';
  const size_t events = Consents().size();
  for (const std::string& bad :
       {path, std::string("/unsubscribe/") + subject_, std::string("/unsubscribe/nothing-here")}) {
    EXPECT_EQ(client().Get(bad).status, 404) << bad;
    HttpReply post = client().Send("POST", bad, "List-Unsubscribe=One-Click", "", kOneClick);
    EXPECT_EQ(post.status, 404) << bad;
    EXPECT_THAT(post.headers["Content-Type"], StartsWith("text/html"));
  }
  EXPECT_EQ(Consents().size(), events);
  // The subscription stands: the next marketing email is queued and sent.
  ASSERT_EQ(Queue("Summer sale").status, 202);
  EXPECT_EQ(Deliver()["emails_sent"], 1);
}

TEST_F(Unsubscribe, AnErasedSubjectsLinkSaysNothing) {
  std::string path;
  ASSERT_NO_FATAL_FAILURE(SendOneAndTakeItsLink(path));
  ASSERT_EQ(Queue("Summer sale").status, 202);
  ASSERT_EQ(client().Send("DELETE", "/v1/subjects/" + subject_, "", service_).status, 204);
  HttpReply gone = client().Get(path);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, client().Get("/unsubscribe/nothing-here").body);
  // Its queued marketing email never goes: the erasure's purge deletes it, or, if the purge has
  // not run yet, the deliverer finds no one to send it to. Either way nothing is retried.
  const Json pass = Deliver();
  EXPECT_EQ(pass["emails_sent"], 0);
  EXPECT_LE(pass["undeliverable"].get<int>(), 1);
  const Json next = Deliver();
  EXPECT_EQ(next["emails_sent"], 0);
  EXPECT_EQ(next["undeliverable"], 0);
  EXPECT_EQ(sink_->WaitFor(2, std::chrono::milliseconds(200)).size(), 1u);
}

TEST_F(Unsubscribe, ServiceKeysSendAndAskTheDecisionPerChannel) {
  const std::string decision = "/v1/subjects/" + subject_ + "/marketing/email";
  HttpReply before = client().Get(decision, service_);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json()["allowed"], false);
  EXPECT_EQ(before.json()["reason"], "no_consent");
  EXPECT_EQ(before.json()["sent_by_privet"], true);
  ASSERT_NO_FATAL_FAILURE(Subscribe());
  HttpReply after = client().Get(decision, service_);
  EXPECT_EQ(after.json()["allowed"], true);
  EXPECT_EQ(after.json()["basis"], "consent");
  EXPECT_EQ(client().Get("/v1/subjects/" + subject_ + "/marketing/fax", service_).error("field"),
            "channel");
  // Only the controller's services send marketing: not the admin, not staff.
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + subject_ + "/marketing",
                      {{"channel", "email"}, {"subject", "x"}, {"text", "y"}}, admin())
                .status,
            403);
  EXPECT_EQ(client().Get(decision, "").status, 401);
  // Bad input is named, and nothing is queued.
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + subject_ + "/marketing",
                      {{"channel", "email"}, {"subject", "x"}}, service_)
                .error("field"),
            "text");
  EXPECT_EQ(Deliver()["emails_sent"], 0);
}

}  // namespace
}  // namespace privet::testing
