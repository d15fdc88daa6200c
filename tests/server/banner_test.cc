// The consent banner's API (/v1/banner, docs/consent-banner.md) over HTTP: which sites may use
// it, what a choice records and on whose ledger, and that a refused choice changes nothing. The
// script itself is tested in Chromium (tools/browser/tests/confitrek_banner.test.js).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kSite[] = "https://www.example.com";

class Banner : public ServerTest {
 protected:
  void SetUp() override {
    site_origins_ = {kSite};
    Start("policies/starter.yaml");
  }
  // The audit log's size: every recorded change appends to it.
  int AuditSize() {
    HttpReply head = client().Post("/v1/audit/tree-heads", Json::object(), admin());
    EXPECT_EQ(head.status, 200) << head.body;
    return head.json()["tree_size"].get<int>();
  }
  Json Shown() {
    HttpReply r = client().Get("/v1/banner", "", {{"Origin", kSite}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  HttpReply Choose(const Json& body, const std::string& token = "",
                   const std::map<std::string, std::string>& headers = {{"Origin", kSite}}) {
    return client().Post("/v1/banner/choices", body, token, headers);
  }
};

TEST_F(Banner, OnlyTheServerAndTheConfiguredSitesMayUseIt) {
  HttpReply allowed = client().Get("/v1/banner", "", {{"Origin", kSite}});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.headers["Access-Control-Allow-Origin"], kSite);
  HttpReply preflight = client().Send("OPTIONS", "/v1/banner/choices", "", "", {{"Origin", kSite}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_THAT(preflight.headers["Access-Control-Allow-Headers"], HasSubstr("Authorization"));
  EXPECT_EQ(preflight.headers["Access-Control-Allow-Origin"], kSite);

  for (const char* other : {"https://evil.example", "http://www.example.com", "null"}) {
    HttpReply refused = client().Get("/v1/banner", "", {{"Origin", other}});
    EXPECT_EQ(refused.status, 403) << other;
    EXPECT_EQ(refused.headers.count("Access-Control-Allow-Origin"), 0u) << other;
    EXPECT_EQ(client().Send("OPTIONS", "/v1/banner", "", "", {{"Origin", other}}).status, 403);
  }
  // The server's own pages (Origin = the host it was reached at), and callers with no browser.
  EXPECT_EQ(client().Get("/v1/banner", "", {{"Origin", "http://127.0.0.1"}}).status, 200);
  EXPECT_EQ(client().Get("/v1/banner").status, 200);
  // The script is the same for everyone, and may be cached.
  HttpReply script = client().Get("/privet-consent.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_THAT(script.body, HasSubstr("/v1/banner"));
}

TEST_F(Banner, AChoiceIsRecordedWithItsProofOnANewDeviceThatHoldsNoNamedData) {
  const Json shown = Shown();
  EXPECT_FALSE(shown["decided"]);
  EXPECT_EQ(shown["text"]["policy_version"], policy_->version());
  HttpReply chosen = Choose(
      {{"cookies", {{"analytics", false}, {"session", true}}}, {"text_hash", shown["text_hash"]}});
  ASSERT_EQ(chosen.status, 200) << chosen.body;
  const std::string device = chosen.json()["subject_id"];
  const std::string token = chosen.json()["token"];
  EXPECT_FALSE(chosen.json()["purposes"]["analytics"]);

  // The device's ledger, read by the service: the choice, the text's hash, the version.
  const std::string service = Key("service");
  HttpReply history = client().Get("/v1/subjects/" + device + "/consents", service);
  ASSERT_EQ(history.status, 200);
  const Json events = history.json()["events"];
  ASSERT_EQ(events.size(), 1u) << history.body;  // the essential cookie: none
  const Json& event = events[0];
  EXPECT_EQ(event["purpose"], "analytics");
  EXPECT_EQ(event["action"], "opt_out");
  EXPECT_EQ(event["source"], "cookie_banner");
  EXPECT_EQ(event["text_hash"], shown["text_hash"]);
  EXPECT_EQ(event["policy_version"], policy_->version());

  // The token is the device's: its next visit is decided, and it may change its mind.
  HttpReply again = client().Get("/v1/banner", token, {{"Origin", kSite}});
  EXPECT_TRUE(again.json()["decided"]);
  EXPECT_EQ(again.json()["subject_id"], device);
  HttpReply allow =
      Choose({{"cookies", {{"analytics", true}}}, {"text_hash", shown["text_hash"]}}, token);
  ASSERT_EQ(allow.status, 200) << allow.body;
  EXPECT_TRUE(allow.json()["purposes"]["analytics"]);
  EXPECT_EQ(allow.json().count("token"), 0u);

  // Its token reaches the banner only: not the subject routes, not the privacy center.
  for (const std::string& route :
       {"/v1/subjects/" + device, "/v1/subjects/" + device + "/consents"}) {
    HttpReply refused = client().Get(route, token);
    EXPECT_EQ(refused.status, 403) << route;
    EXPECT_EQ(refused.error("reason"), "principal_not_allowed") << route;
  }
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + device + "/requests",
                      {{"right", "erasure"}, {"channel", "dashboard"}}, token)
                .status,
            403);
  HttpReply center =
      client().Get("/privacy-center/data", "", {{"Cookie", "privet_session=" + token}});
  EXPECT_EQ(center.status, 303) << "a device token is no privacy-center session";

  // A device is known by its cookie id alone (CU04).
  HttpReply named = client().Post(
      "/v1/subjects/" + device + "/fields",
      {{"purposes", {"service"}}, {"fields", {{{"category", "user.name"}, {"value", "Ada"}}}}},
      service);
  EXPECT_EQ(named.status, 403);
  EXPECT_EQ(named.error("reason"), "tracking_id_with_named_data");
}

TEST_F(Banner, ARefusedChoiceChangesNothing) {
  const Json shown = Shown();
  const std::string hash = shown["text_hash"];
  struct Refusal {
    const char* what;
    Json body;
    std::map<std::string, std::string> headers;
    std::string token;
    int status;
  };
  const std::vector<Refusal> refusals = {
      {"another site",
       {{"cookies", {{"analytics", true}}}, {"text_hash", hash}},
       {{"Origin", "https://evil.example"}},
       "",
       403},
      {"another text",
       {{"cookies", {{"analytics", true}}}, {"text_hash", std::string(64, '0')}},
       {{"Origin", kSite}},
       "",
       409},
      {"an unknown cookie",
       {{"cookies", {{"tracker", true}}}, {"text_hash", hash}},
       {{"Origin", kSite}},
       "",
       400},
      {"an essential cookie declined",
       {{"cookies", {{"session", false}}}, {"text_hash", hash}},
       {{"Origin", kSite}},
       "",
       400},
      {"a choice that is not true or false",
       {{"cookies", {{"analytics", "yes"}}}, {"text_hash", hash}},
       {{"Origin", kSite}},
       "",
       400},
      {"an unknown member",
       {{"cookies", {{"analytics", true}}}, {"text_hash", hash}, {"x", 1}},
       {{"Origin", kSite}},
       "",
       400},
      // The starter policy's GPC opts out of analytics: allowing it under the signal is refused.
      {"a purpose the browser's signal holds off",
       {{"cookies", {{"analytics", true}}}, {"text_hash", hash}, {"gpc", true}},
       {{"Origin", kSite}},
       "",
       409},
      {"a token that is no session",
       {{"cookies", {{"analytics", true}}}, {"text_hash", hash}},
       {{"Origin", kSite}},
       "pss_0000000000000000_nothing",
       401},
      {"an API key as the token",
       {{"cookies", {{"analytics", true}}}, {"text_hash", hash}},
       {{"Origin", kSite}},
       Key("service"),
       401},
  };
  const int before = AuditSize();  // after Key() above, which records the key's creation
  for (const Refusal& r : refusals) {
    HttpReply reply = Choose(r.body, r.token, r.headers);
    EXPECT_EQ(reply.status, r.status) << r.what << ": " << reply.body;
  }
  EXPECT_EQ(AuditSize(), before) << "a refused choice recorded something";
}

TEST_F(Banner, ASignedInSubjectChoosesOnItsOwnLedger) {
  const std::string service = Key("service");
  const std::string subject = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  ASSERT_EQ(
      client()
          .Post("/v1/subjects/" + subject + "/fields",
                {{"purposes", {"service"}},
                 {"fields", {{{"category", "user.contact.email"}, {"value", "b@example.com"}}}}},
                service)
          .status,
      201);
  ASSERT_EQ(client()
                .Send("PUT", "/v1/subjects/" + subject + "/password",
                      Json{{"password", "a long enough password"}}.dump(), service)
                .status,
            204);
  const std::string session =
      client()
          .Post("/v1/sessions",
                {{"email", "b@example.com"}, {"password", "a long enough password"}}, "")
          .json()["token"];
  const Json shown = Shown();
  HttpReply chosen =
      Choose({{"cookies", {{"analytics", false}}}, {"text_hash", shown["text_hash"]}}, session);
  ASSERT_EQ(chosen.status, 200) << chosen.body;
  EXPECT_EQ(chosen.json()["subject_id"], subject);
  EXPECT_EQ(chosen.json().count("token"), 0u) << "no device beside a signed-in subject (CU04)";
  HttpReply history = client().Get("/v1/subjects/" + subject + "/consents", service);
  EXPECT_EQ(history.json()["events"].back()["source"], "cookie_banner");
}

class BannerWithoutDeviceKind : public ServerTest {
 protected:
  void SetUp() override { Start("policies/customertrackr.yaml"); }
};

TEST_F(BannerWithoutDeviceKind, AnAnonymousChoiceIsRefusedAndNamesTheMissingSetting) {
  HttpReply shown = client().Get("/v1/banner");
  ASSERT_EQ(shown.status, 200);
  Json cookies = Json::object();
  const Json text = shown.json();
  for (const Json& c : text["text"]["cookies"]) cookies[c["id"].get<std::string>()] = true;
  HttpReply refused = client().Post("/v1/banner/choices",
                                    {{"cookies", cookies}, {"text_hash", text["text_hash"]}}, "");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.error("field"), "subject_kinds");
}

}  // namespace
}  // namespace privet::testing
