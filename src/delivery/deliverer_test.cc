// The deliverer against real servers on loopback: Debian's aiosmtpd (tests/testing/
// smtp_sink.py) receives the mail, a Beast HTTP server the webhooks. Starter policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/crypto.h"
#include "privet/delivery.h"
#include "privet/rights.h"
#include "testing/http_receiver.h"
#include "testing/smtp_sink.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

// Fails the test, naming the status, unless `expr` (a Status) is OK.
#define ASSERT_OK(expr)                              \
  do {                                               \
    const ::privet::Status status_ = (expr);         \
    ASSERT_TRUE(status_.ok()) << status_.ToString(); \
  } while (0)

namespace privet {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// The decoded text/plain part of a message privet composed (base64, in 76-character lines).
std::string PlainText(const std::string& data) {
  const std::string start = "Content-Type: text/plain; charset=utf-8\r\n";
  size_t at = data.find(start);
  if (at == std::string::npos) return "";
  at = data.find("\r\n\r\n", at) + 4;
  const size_t end = data.find("\r\n--", at);
  std::string b64;
  for (char c : data.substr(at, end - at))
    if (c != '\r' && c != '\n') b64 += c;
  std::string out(b64.size(), '\0');
  size_t len = 0;
  sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                    b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL);
  out.resize(len);
  return out;
}

std::string FileBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DelivererTest : public testing::VaultTest {
 protected:
  DelivererTest() : VaultTest("policies/starter.yaml") {}

  void SetUp() override {
    VaultTest::SetUp();
    desk_ = std::make_unique<RequestDesk>(vault());
    subject_ = NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    ASSERT_OK(vault()
                  .Write({.subject_id = subject_,
                          .purposes = {"service"},
                          .fields = {{.category = "user.contact.email", .value = kAddress},
                                     {.category = "user.name", .value = "Ada Lovelace"}}})
                  .status());
  }

  DeliveryOptions Options(const testing::SmtpSink* sink) {
    DeliveryOptions o;
    if (sink != nullptr) o.smtp = SmtpSettings{.url = sink->url(), .from = "privacy@example.com"};
    o.allow_loopback_http = true;
    o.first_retry = std::chrono::seconds(30);
    o.max_retry = std::chrono::seconds(120);
    o.max_attempts = 3;
    return o;
  }

  // Files an access request: its identity code goes to the outbox. Returns the code.
  std::string FileRequest() {
    auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "email"});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto outbox = desk_->Outbox();
    EXPECT_TRUE(outbox.ok());
    std::string code;
    for (const OutboxMessage& m : *outbox)
      if (m.topic == "identity_code") code = json::parse(m.body)["code"];
    return code;
  }

  DeliveryReport Pass(Deliverer& d) {
    auto report = d.RunOnce();
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : DeliveryReport{};
  }

  static constexpr const char* kAddress = "ada@example.com";
  std::unique_ptr<RequestDesk> desk_;
  uint64_t subject_ = 0;
};

TEST_F(DelivererTest, SendsAnIdentityCodeOnceWithItsHeadersAndTheDefaultText) {
  testing::SmtpSink sink(dir_.path());
  ASSERT_TRUE(sink.ok());
  const std::string code = FileRequest();
  ASSERT_THAT(code, SizeIs(8));
  Deliverer deliverer(vault(), Options(&sink));
  const uint64_t audit_before = vault().AuditSize();

  EXPECT_EQ(Pass(deliverer).emails_sent, 1u);
  const std::vector<testing::ReceivedMail> mail = sink.WaitFor(1);
  ASSERT_THAT(mail, SizeIs(1));
  EXPECT_EQ(mail[0].mail_from, "privacy@example.com");
  EXPECT_EQ(mail[0].rcpt_to, kAddress);
  EXPECT_EQ(mail[0].Header("To"), std::string("<") + kAddress + ">");
  EXPECT_THAT(mail[0].Header("From"), HasSubstr("<privacy@example.com>"));
  EXPECT_THAT(mail[0].Header("From"), HasSubstr(compiled().policy().organization));
  EXPECT_EQ(mail[0].Header("Subject"), "Your verification code");
  const std::string key = mail[0].Header("Privet-Idempotency-Key");
  EXPECT_THAT(key, SizeIs(32));
  EXPECT_EQ(mail[0].Header("Message-ID"), "<" + key + "@example.com>");
  EXPECT_THAT(mail[0].Header("Content-Type"), HasSubstr("multipart/alternative"));
  const std::string text = PlainText(mail[0].data);
  EXPECT_THAT(text, HasSubstr(code));
  EXPECT_THAT(text, HasSubstr(compiled().policy().contact.email));  // who to reach
  EXPECT_THAT(mail[0].data, HasSubstr("Content-Type: text/html; charset=utf-8"));

  // Sent once: nothing pending, nothing sent again; the address read is in the audit log.
  EXPECT_EQ(Pass(deliverer).emails_sent, 0u);
  EXPECT_THAT(sink.Received(), SizeIs(1));
  EXPECT_THAT(*desk_->Outbox(), IsEmpty());
  EXPECT_EQ(vault().AuditSize(), audit_before + 1);
}

TEST_F(DelivererTest, PolicyTemplatesReplaceTheDefaults) {
  ReopenUnder([](Policy& p) {
    p.messages.push_back({.topic = "identity_code",
                          .subject = "Code for {{right}}",
                          .text = "Here it is: {{code}}.",
                          .html = "<p>Here: <b>{{code}}</b> {{right}}</p>"});
  });
  desk_ = std::make_unique<RequestDesk>(vault());
  testing::SmtpSink sink(dir_.path());
  ASSERT_TRUE(sink.ok());
  const std::string code = FileRequest();
  Deliverer deliverer(vault(), Options(&sink));
  Pass(deliverer);
  const auto mail = sink.WaitFor(1);
  ASSERT_THAT(mail, SizeIs(1));
  EXPECT_EQ(mail[0].Header("Subject"), "Code for access");
  EXPECT_THAT(PlainText(mail[0].data), HasSubstr("Here it is: " + code + "."));
}

TEST_F(DelivererTest, RetriesATemporaryFailureWithBackoffAndTheSameKey) {
  testing::SmtpSink sink(dir_.path(), {.fail_first = 1});
  ASSERT_TRUE(sink.ok());
  FileRequest();
  Deliverer deliverer(vault(), Options(&sink));

  DeliveryReport first = Pass(deliverer);
  EXPECT_EQ(first.emails_sent, 0u);
  EXPECT_EQ(first.retries_scheduled, 1u);
  // Not due yet: nothing is tried before the backoff (at least half of 30 s) has passed.
  clock_.Advance(std::chrono::seconds(14));
  EXPECT_EQ(Pass(deliverer).retries_scheduled, 0u);
  EXPECT_THAT(sink.Received(), IsEmpty());
  clock_.Advance(std::chrono::seconds(17));
  EXPECT_EQ(Pass(deliverer).emails_sent, 1u);
  EXPECT_THAT(sink.WaitFor(1), SizeIs(1));
}

TEST_F(DelivererTest, AMessageGoesOutOnlyAfterTheSubjectsEarlierOne) {
  testing::SmtpSink sink(dir_.path(), {.fail_first = 1});
  ASSERT_TRUE(sink.ok());
  auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "email"});
  ASSERT_OK(r.status());
  ASSERT_OK(desk_->ResendCode(r->id).status());  // a second message for the same subject
  Deliverer deliverer(vault(), Options(&sink));

  Pass(deliverer);  // the first fails; the second waits behind it
  EXPECT_THAT(sink.Received(), IsEmpty());
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(Pass(deliverer).emails_sent, 2u);
  const auto mail = sink.WaitFor(2);
  ASSERT_THAT(mail, SizeIs(2));
  // The resent code is the one that verifies: the first message must not arrive last.
  auto outbox = desk_->Outbox(/*unsent_only=*/false);
  ASSERT_OK(outbox.status());
  ASSERT_THAT(*outbox, SizeIs(2));
  EXPECT_THAT(PlainText(mail[0].data), HasSubstr(json::parse((*outbox)[0].body)["code"]));
  EXPECT_THAT(PlainText(mail[1].data), HasSubstr(json::parse((*outbox)[1].body)["code"]));
}

TEST_F(DelivererTest, ARejectedMessageIsADeadLetterTheAdminCanRedeliver) {
  FileRequest();
  {
    testing::SmtpSink rejecting(dir_.path() + "/r", {.reject = true});
    ASSERT_TRUE(rejecting.ok());
    Deliverer deliverer(vault(), Options(&rejecting));
    EXPECT_EQ(Pass(deliverer).dead, 1u);
    auto dead = deliverer.DeadLetters();
    ASSERT_OK(dead.status());
    ASSERT_THAT(*dead, SizeIs(1));
    EXPECT_EQ((*dead)[0].channel, "email");
    EXPECT_EQ((*dead)[0].topic, "identity_code");
    EXPECT_EQ((*dead)[0].state, "dead");
    EXPECT_EQ((*dead)[0].error, "smtp_550");
    ASSERT_OK(deliverer.Redeliver((*dead)[0], Principal{.kind = PrincipalKind::kAdmin}));
    EXPECT_THAT(*deliverer.DeadLetters(), IsEmpty());
  }
  testing::SmtpSink sink(dir_.path() + "/a");
  ASSERT_TRUE(sink.ok());
  Deliverer deliverer(vault(), Options(&sink));
  EXPECT_EQ(Pass(deliverer).emails_sent, 1u);
  EXPECT_THAT(sink.WaitFor(1), SizeIs(1));
}

TEST_F(DelivererTest, AnUnreachableServerIsRetriedUntilTheLastAttempt) {
  FileRequest();
  testing::SmtpSink stopped(dir_.path());
  ASSERT_TRUE(stopped.ok());
  stopped.Stop();  // nothing listens on its port now
  Deliverer deliverer(vault(), Options(&stopped));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Pass(deliverer);
    clock_.Advance(std::chrono::seconds(120));
  }
  auto dead = deliverer.DeadLetters();
  ASSERT_OK(dead.status());
  ASSERT_THAT(*dead, SizeIs(1));
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].error, "connect");
}

TEST_F(DelivererTest, AnErasedSubjectsMessagesAreNeverOpenedNorSent) {
  testing::SmtpSink sink(dir_.path());
  ASSERT_TRUE(sink.ok());
  FileRequest();
  ASSERT_OK(vault().Erase(subject_));
  Deliverer deliverer(vault(), Options(&sink));
  const DeliveryReport report = Pass(deliverer);
  EXPECT_EQ(report.emails_sent, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_THAT(sink.Received(), IsEmpty());
}

TEST_F(DelivererTest, WithoutAnAddressAMessageIsUndeliverable) {
  const uint64_t other = NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
  ASSERT_OK(vault()
                .Write({.subject_id = other,
                        .purposes = {"service"},
                        .fields = {{.category = "user.name", .value = "No Mail"}}})
                .status());
  ASSERT_OK(
      desk_->File({.right = Right::kAccess, .subject_id = other, .channel = "email"}).status());
  testing::SmtpSink sink(dir_.path());
  ASSERT_TRUE(sink.ok());
  Deliverer deliverer(vault(), Options(&sink));
  EXPECT_EQ(Pass(deliverer).undeliverable, 1u);
  auto dead = deliverer.DeadLetters();
  ASSERT_OK(dead.status());
  ASSERT_THAT(*dead, SizeIs(1));
  EXPECT_EQ((*dead)[0].state, "undeliverable");
  EXPECT_EQ((*dead)[0].error, "no_address");
}

TEST_F(DelivererTest, MessageBodiesAreSealedOnDisk) {
  const std::string code = FileRequest();
  const std::string plaintext = "\"code\":\"" + code + "\"";
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_THAT(FileBytes(entry.path()), Not(HasSubstr(plaintext))) << entry.path();
    EXPECT_THAT(FileBytes(entry.path()), Not(HasSubstr(kAddress))) << entry.path();
  }
}

// --- Webhooks -------------------------------------------------------------------------------

TEST_F(DelivererTest, WebhooksAreSignedCarryNoPersonalDataAndKeepTheirOrder) {
  testing::HttpReceiver receiver;
  Deliverer deliverer(vault(), Options(nullptr));
  auto hook = deliverer.AddWebhook(
      {.url = receiver.url(), .events = {"consent.withdrawn", "subject.erased"}},
      Principal{.kind = PrincipalKind::kAdmin});
  ASSERT_OK(hook.status());
  EXPECT_THAT(hook->secret, SizeIs(64));

  ASSERT_OK(
      vault().RecordConsent(subject_, {.purpose = "marketing", .action = ConsentAction::kGrant}));
  ASSERT_OK(vault().RecordConsent(subject_,
                                  {.purpose = "marketing", .action = ConsentAction::kWithdraw}));
  ASSERT_OK(vault().Erase(subject_));
  // The erasure's event commits with the purge, in the background.
  std::vector<testing::ReceivedRequest> got;
  for (int i = 0; i < 200 && got.size() < 2; ++i) {
    Pass(deliverer);
    got = receiver.Received();
    if (got.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_THAT(got, SizeIs(2));
  std::vector<std::string> types;
  for (const testing::ReceivedRequest& r : got) {
    const json body = json::parse(r.body);
    types.push_back(body["type"]);
    EXPECT_EQ(body["data"]["subject_id"], std::to_string(subject_));
    EXPECT_EQ(r.headers.at("privet-idempotency-key"), body["id"]);
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    // Privet-Signature: t=<seconds>,v1=<HMAC-SHA256 of "<t>.<body>">, checked as a receiver would.
    const std::string sig = r.headers.at("privet-signature");
    ASSERT_EQ(sig.rfind("t=", 0), 0u);
    const std::string t = sig.substr(2, sig.find(',') - 2);
    EXPECT_EQ(sig.substr(sig.find(",v1=") + 4),
              crypto::HmacSha256Hex(hook->secret, t + "." + r.body));
    EXPECT_THAT(r.body, Not(HasSubstr(kAddress)));
    EXPECT_THAT(r.body, Not(HasSubstr("Ada")));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"consent.withdrawn", "subject.erased"}));
  // Acknowledged: not sent again.
  Pass(deliverer);
  EXPECT_THAT(receiver.Received(), SizeIs(2));
}

TEST_F(DelivererTest, AFailingEndpointIsRetriedThenDeadLetteredAndTheNextEventsGoOn) {
  testing::HttpReceiver receiver({503, 500, 502});
  Deliverer deliverer(vault(), Options(nullptr));
  auto hook = deliverer.AddWebhook({.url = receiver.url(), .events = {"consent.withdrawn"}},
                                   Principal{.kind = PrincipalKind::kAdmin});
  ASSERT_OK(hook.status());
  ASSERT_OK(
      vault().RecordConsent(subject_, {.purpose = "analytics", .action = ConsentAction::kOptOut}));
  EXPECT_EQ(Pass(deliverer).retries_scheduled, 1u);
  ASSERT_OK(vault().RecordConsent(subject_,
                                  {.purpose = "analytics", .action = ConsentAction::kUndoOptOut}));
  ASSERT_OK(
      vault().RecordConsent(subject_, {.purpose = "analytics", .action = ConsentAction::kOptOut}));
  Pass(deliverer);  // not due: the second event waits behind the first
  EXPECT_THAT(receiver.Received(), SizeIs(1));
  clock_.Advance(std::chrono::seconds(120));
  Pass(deliverer);  // 500
  clock_.Advance(std::chrono::seconds(120));
  const DeliveryReport last = Pass(deliverer);  // 502: the third attempt, dead; the next goes
  EXPECT_EQ(last.dead, 1u);
  EXPECT_EQ(last.webhooks_sent, 1u);
  const auto got = receiver.Received();
  ASSERT_THAT(got, SizeIs(4));
  EXPECT_EQ(json::parse(got[0].body)["id"], json::parse(got[1].body)["id"]);
  EXPECT_EQ(json::parse(got[0].body)["id"], json::parse(got[2].body)["id"]);  // the same event
  EXPECT_NE(json::parse(got[2].body)["id"], json::parse(got[3].body)["id"]);

  auto dead = deliverer.DeadLetters();
  ASSERT_OK(dead.status());
  ASSERT_THAT(*dead, SizeIs(1));
  EXPECT_EQ((*dead)[0].channel, "webhook");
  EXPECT_EQ((*dead)[0].topic, "consent.withdrawn");
  EXPECT_EQ((*dead)[0].endpoint_id, hook->endpoint.id);
  EXPECT_EQ((*dead)[0].error, "http_502");
  ASSERT_OK(deliverer.Redeliver((*dead)[0], Principal{.kind = PrincipalKind::kAdmin}));
  EXPECT_THAT(receiver.Received(), SizeIs(5));
  EXPECT_THAT(*deliverer.DeadLetters(), IsEmpty());
}

TEST_F(DelivererTest, AnEndpointReceivesOnlyItsEventsFromItsCreationOn) {
  ASSERT_OK(
      vault().RecordConsent(subject_, {.purpose = "analytics", .action = ConsentAction::kOptOut}));
  testing::HttpReceiver receiver;
  Deliverer deliverer(vault(), Options(nullptr));
  ASSERT_OK(deliverer
                .AddWebhook({.url = receiver.url(), .events = {"subject.erased"}},
                            Principal{.kind = PrincipalKind::kAdmin})
                .status());
  ASSERT_OK(vault().RecordConsent(subject_,
                                  {.purpose = "analytics", .action = ConsentAction::kUndoOptOut}));
  ASSERT_OK(
      vault().RecordConsent(subject_, {.purpose = "analytics", .action = ConsentAction::kOptOut}));
  Pass(deliverer);
  EXPECT_THAT(receiver.Received(), IsEmpty());
}

TEST_F(DelivererTest, BadEndpointsAreRefusedAndChangeNothing) {
  Deliverer deliverer(vault(), Options(nullptr));
  const Principal admin{.kind = PrincipalKind::kAdmin};
  const uint64_t audit_before = vault().AuditSize();
  EXPECT_THAT(
      deliverer.AddWebhook({.url = "http://example.com/hook", .events = {"subject.erased"}}, admin),
      testing::StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(deliverer.AddWebhook(
                  {.url = "https://user:pw@example.com/", .events = {"subject.erased"}}, admin),
              testing::StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      deliverer.AddWebhook({.url = "https://example.com/", .events = {"subject.created"}}, admin),
      testing::StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(deliverer.AddWebhook({.url = "https://example.com/", .events = {}}, admin),
              testing::StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(deliverer.RemoveWebhook(42, admin), testing::StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(*deliverer.Webhooks(), IsEmpty());
  EXPECT_EQ(vault().AuditSize(), audit_before);
}

TEST_F(DelivererTest, WebhookSecretsAreSealedOnDisk) {
  Deliverer deliverer(vault(), Options(nullptr));
  auto hook = deliverer.AddWebhook({.url = "https://example.com/", .events = {"subject.erased"}},
                                   Principal{.kind = PrincipalKind::kAdmin});
  ASSERT_OK(hook.status());
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_THAT(FileBytes(entry.path()), Not(HasSubstr(hook->secret))) << entry.path();
}

}  // namespace
}  // namespace privet
