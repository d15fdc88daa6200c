// Signing in to the privacy center with a one-time code, over HTTP: what a person sees does not
// tell whether an address has an account, the codes asked for and the wrong codes tried are
// limited like passwords, and a code sits in the outbox sealed, never in the clear. The whole
// flow, with the code read from a real SMTP server, is tested in Chromium
// (tools/browser/tests/sign_in_code.test.js).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "privet/rights.h"
#include "server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

class CenterSignIn : public ServerTest {
 protected:
  void SetUp() override {
    Start("policies/starter.yaml");
    const std::string service = Key("service");
    const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
    ASSERT_EQ(client()
                  .Post("/v1/subjects/" + id + "/fields",
                        {{"purposes", {"service"}},
                         {"fields", {{{"category", "user.contact.email"}, {"value", kEmail}}}}},
                        service)
                  .status,
              201);
  }

  // A sign-in form as a browser would send it: the pre-session cookie and token of a fresh page.
  HttpReply Form(const std::string& action, const std::string& fields) {
    HttpReply page = client().Get("/privacy-center/sign-in/code");
    const std::string cookie = page.headers["Set-Cookie"];
    const std::string token = cookie.substr(cookie.find('=') + 1, 32);
    return client().Send("POST", action, "csrf=" + token + "&" + fields, "",
                         {{"Cookie", "privet_signin=" + token},
                          {"Content-Type", "application/x-www-form-urlencoded"}});
  }
  HttpReply AskCode(const std::string& email) {
    return Form("/privacy-center/sign-in/code", "email=" + email);
  }
  HttpReply EnterCode(const std::string& email, const std::string& code) {
    return Form("/privacy-center/sign-in/code/verify", "email=" + email + "&code=" + code);
  }

  static constexpr char kEmail[] = "kim@example.com";
};

TEST_F(CenterSignIn, AnAddressWithoutAnAccountGetsTheSamePage) {
  HttpReply known = AskCode(kEmail);
  HttpReply unknown = AskCode("nobody@example.com");
  EXPECT_EQ(known.status, 200);
  EXPECT_EQ(unknown.status, 200);
  auto without = [](std::string body, const std::string& email) {
    for (size_t at; (at = body.find(email)) != std::string::npos;)
      body.replace(at, email.size(), "");
    // The two pages' random tokens differ, and nothing else may.
    while (body.find("name=\"csrf\" value=\"") != std::string::npos) {
      const size_t at = body.find("name=\"csrf\" value=\"");
      body.erase(at, std::string("name=\"csrf\" value=\"").size() + 32);
    }
    return body;
  };
  EXPECT_EQ(without(known.body, kEmail), without(unknown.body, "nobody@example.com"));
}

TEST_F(CenterSignIn, WrongCodesAndCodesAskedForAreLimited) {
  ASSERT_EQ(AskCode(kEmail).status, 200);
  for (int i = 0; i < 5; ++i) {
    HttpReply wrong = EnterCode(kEmail, "00000000");
    EXPECT_EQ(wrong.status, 401) << i;
    EXPECT_THAT(wrong.body, HasSubstr("That code is not right"));
  }
  // The login limit: a sixth try is refused whatever the code, and says when to come back.
  HttpReply limited = EnterCode(kEmail, "00000000");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["Retry-After"], "900");
  // Codes asked for: five within the window (one above), then no more.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(AskCode(kEmail).status, 200) << i;
  EXPECT_EQ(AskCode(kEmail).status, 429);
  // An address no one has is limited alike: the limit says nothing about accounts.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(AskCode("nobody@example.com").status, 200) << i;
  EXPECT_EQ(AskCode("nobody@example.com").status, 429);
}

TEST_F(CenterSignIn, AFormWithoutItsTokenOrFromAnotherSiteSendsNoCode) {
  HttpReply stale = client().Send("POST", "/privacy-center/sign-in/code",
                                  "csrf=0123456789abcdef0123456789abcdef&email=kim@example.com", "",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(stale.status, 403);
  HttpReply cross = client().Send(
      "POST", "/privacy-center/sign-in/code", "email=kim@example.com", "",
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(cross.status, 403);
  // Nothing was queued; a code that was is in the outbox sealed, never in the clear.
  ASSERT_EQ(AskCode(kEmail).status, 200);
  WhileStopped([](Vault& vault) {
    auto outbox = RequestDesk(vault).Outbox();
    ASSERT_TRUE(outbox.ok());
    int codes = 0;
    for (const OutboxMessage& m : *outbox) codes += m.topic == "sign_in_code" ? 1 : 0;
    EXPECT_EQ(codes, 1);
  });
  EXPECT_THAT(log(), Not(HasSubstr("kim@example.com")));
}

}  // namespace
}  // namespace privet::testing
