// Message texts and their MIME form: templates, escaping, header encoding, addresses.
#include "delivery/messages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "delivery/smtp.h"
#include "delivery/webhook_post.h"
#include "testing/policy_fixture.h"

namespace privet::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FillTemplateTest, FillsNamesFromTheBodyAndEscapesForHtml) {
  const nlohmann::json v = {{"name", "<b>Ada</b> & co"},
                            {"n", 3},
                            {"list", {"a", "b"}},
                            {"things", {{{"id", "x"}, {"description", "The X"}}, {{"id", "y"}}}}};
  EXPECT_EQ(FillTemplate("Hi {{name}}, {{ n }}: {{list}}; {{things}}{{missing}}.", v, false),
            "Hi <b>Ada</b> & co, 3: a, b; The X, y.");
  EXPECT_EQ(FillTemplate("<p>{{name}}</p>", v, true), "<p>&lt;b&gt;Ada&lt;/b&gt; &amp; co</p>");
  EXPECT_EQ(FillTemplate("open {{ and never closed", v, false), "open {{ and never closed");
}

TEST(RenderMessageTest, DefaultsPolicyTemplatesAndAGenericFallbackAllSayWhoWrites) {
  auto policy = testing::CompileFile("policies/starter.yaml");
  ASSERT_NE(policy, nullptr);
  const RenderedMessage code =
      RenderMessage(*policy, "identity_code", {{"code", "12345678"}, {"right", "access"}});
  EXPECT_EQ(code.subject, "Your verification code");
  EXPECT_THAT(code.text, HasSubstr("12345678"));
  EXPECT_THAT(code.text, HasSubstr(policy->policy().contact.email));
  EXPECT_THAT(code.html, HasSubstr("<p>"));
  const RenderedMessage other = RenderMessage(*policy, "something_new", {{"what", "x\ny"}});
  EXPECT_THAT(other.text, HasSubstr("what: x\ny"));
  EXPECT_THAT(other.html, HasSubstr("x<br>"));
  EXPECT_THAT(other.subject, Not(HasSubstr("\n")));
}

TEST(ComposeMimeTest, EncodesHeadersAndCarriesBothParts) {
  const std::string mime = ComposeMime({.from = "privacy@example.com",
                                        .from_name = "Exämple Ltd.",
                                        .to = "ada@example.com",
                                        .idempotency_key = "0123456789abcdef0123456789abcdef",
                                        .date = CivilDayToTime({2026, 12, 7}),
                                        .content = {.subject = "Grüße", .text = "t", .html = "h"}});
  EXPECT_THAT(mime, HasSubstr("Date: Mon, 07 Dec 2026 00:00:00 +0000\r\n"));
  EXPECT_THAT(mime, HasSubstr("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"));
  EXPECT_THAT(mime, HasSubstr("From: =?UTF-8?B?"));
  EXPECT_THAT(mime, HasSubstr("Message-ID: <0123456789abcdef0123456789abcdef@example.com>\r\n"));
  EXPECT_THAT(mime, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(mime, HasSubstr("Content-Type: text/html; charset=utf-8\r\n"));
  EXPECT_THAT(mime, Not(HasSubstr("\n\n")));  // CRLF only
}

TEST(PlainAddressTest, RefusesWhatCouldInjectHeadersOrRecipients) {
  EXPECT_TRUE(PlainAddress("ada@example.com"));
  EXPECT_FALSE(PlainAddress("ada@example.com\r\nBcc: x@evil.example"));
  EXPECT_FALSE(PlainAddress("a@b@c"));
  EXPECT_FALSE(PlainAddress("<ada@example.com>"));
  EXPECT_FALSE(PlainAddress("ada@example.com, eve@example.com"));
  EXPECT_FALSE(PlainAddress("no-at-sign"));
  EXPECT_FALSE(PlainAddress("@example.com"));
}

TEST(WebhookTest, UrlsMustBeHttpsOrLoopbackHttpWhenAllowed) {
  EXPECT_TRUE(CheckWebhookUrl("https://hooks.example.com/privet", false).ok());
  EXPECT_FALSE(CheckWebhookUrl("http://hooks.example.com/privet", true).ok());
  EXPECT_TRUE(CheckWebhookUrl("http://127.0.0.1:9/x", true).ok());
  EXPECT_FALSE(CheckWebhookUrl("http://127.0.0.1:9/x", false).ok());
  EXPECT_FALSE(CheckWebhookUrl("https://u:p@hooks.example.com/", false).ok());
  EXPECT_FALSE(CheckWebhookUrl("ftp://hooks.example.com/", false).ok());
  EXPECT_FALSE(CheckWebhookUrl("not a url", false).ok());
  // The signature is the HMAC of "<t>.<body>".
  EXPECT_EQ(WebhookSignature("Jefe", 1, "x"), "t=1,v1=" + crypto::HmacSha256Hex("Jefe", "1.x"));
}

}  // namespace
}  // namespace privet::delivery
