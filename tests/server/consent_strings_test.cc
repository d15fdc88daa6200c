// IAB consent strings end to end over HTTP (POST /v1/subjects/{id}/consent-strings): a TCF
// string from the site's consent tool that refuses TCF purposes 3 and 4 stops the next
// personalised-advertising read; a GPP opt-out of targeted advertising does the same; a bad
// string is refused, naming where, and changes nothing. The strings were made with the IAB's own
// encoders (@iabtechlabtcf/core, @iabgpp/cmpapi): CMP 300, created 2024-03-01, last updated
// 2024-03-03.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "server_fixture.h"

namespace privet::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kTcfRefusingAll[] = "CP6ywkAP65WcAEsACBENCWFgAAAAAAAAAAYgAAAAAAAA";
constexpr char kGppOptingOutOfTargetedAds[] = "DBABLA~CVQlAAAAAABA.QA";  // US National
constexpr char kAds[] = "advertise.interest_based";

class ConsentStrings : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Start("policies/confitrek.yaml"));
    service_ = Key("service");
  }

  // A customer whose interests are held for interest-based advertising (an opt-out purpose:
  // used until the subject says no).
  std::string AdvertisedTo() {
    std::string id = NewSubject({{"kind", "customer"}}, service_);
    HttpReply w = client().Post(
        "/v1/subjects/" + id + "/fields",
        {{"purposes", {kAds}},
         {"fields", {{{"category", "user.behavior.interests"}, {"value", "hiking"}}}}},
        service_);
    EXPECT_EQ(w.status, 201) << w.body;
    return id;
  }

  // How many values a read for interest-based advertising releases.
  size_t AdsRead(const std::string& id) {
    HttpReply r =
        client().Get("/v1/subjects/" + id + "/fields?purpose=" + std::string(kAds), service_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["fields"].size();
  }

  HttpReply Submit(const std::string& id, const Json& body) {
    return client().Post("/v1/subjects/" + id + "/consent-strings", body, service_);
  }

  std::string service_;
};

TEST_F(ConsentStrings, ATcfStringRefusingPurposesThreeAndFourStopsTheNextAdvertisingRead) {
  const std::string id = AdvertisedTo();
  ASSERT_EQ(AdsRead(id), 1u);
  HttpReply r = Submit(id, {{"tcf", kTcfRefusingAll}});
  ASSERT_EQ(r.status, 200) << r.body;
  bool opted_out = false;
  const Json body = r.json();
  for (const Json& e : body["recorded"]) {
    EXPECT_EQ(e["source"], "tcf");
    EXPECT_EQ(e["string_updated"], "2024-03-03T00:00:00Z");
    opted_out = opted_out || (e["purpose"] == std::string(kAds) && e["action"] == "opt_out");
  }
  EXPECT_TRUE(opted_out) << r.body;
  EXPECT_EQ(AdsRead(id), 0u);
  // The ledger shows it, with the string's own timestamps.
  HttpReply history = client().Get("/v1/subjects/" + id + "/consents", service_);
  ASSERT_EQ(history.status, 200);
  EXPECT_THAT(history.body, HasSubstr("\"string_created\":\"2024-03-01T00:00:00Z\""));
  // The same string again changes nothing more.
  HttpReply again = Submit(id, {{"tcf", kTcfRefusingAll}});
  ASSERT_EQ(again.status, 200);
  EXPECT_TRUE(again.json()["recorded"].empty());
}

TEST_F(ConsentStrings, AGppOptOutOfTargetedAdvertisingStopsTheNextAdvertisingRead) {
  const std::string id = AdvertisedTo();
  ASSERT_EQ(AdsRead(id), 1u);
  HttpReply r = Submit(id, {{"gpp", kGppOptingOutOfTargetedAds}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["recorded"][0]["source"], "gpp");
  EXPECT_EQ(AdsRead(id), 0u);
}

TEST_F(ConsentStrings, ABadStringIsRefusedNamingWhereAndChangesNothing) {
  const std::string id = AdvertisedTo();
  const std::string consents = "/v1/subjects/" + id + "/consents";
  const size_t events = client().Get(consents, service_).json()["events"].size();
  for (const Json& body :
       {Json{{"tcf", "CP6ywkAP65Wc"}}, Json{{"tcf", "not*base64"}}, Json{{"gpp", "DBABLA~"}},
        Json{{"tcf", kTcfRefusingAll}, {"gpp", ""}}, Json::object()}) {
    HttpReply r = Submit(id, body);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
  }
  HttpReply truncated = Submit(id, {{"tcf", "CP6ywkAP65Wc"}});
  EXPECT_THAT(truncated.error("message"), HasSubstr("bit"));
  EXPECT_EQ(client().Get(consents, service_).json()["events"].size(), events);
  EXPECT_EQ(AdsRead(id), 1u);
  // Nor may a body claim a string's source for an ordinary consent.
  HttpReply claimed = client().Post(
      consents, {{"purpose", kAds}, {"action", "opt_out"}, {"source", "tcf"}}, service_);
  EXPECT_EQ(claimed.status, 400);
}

TEST_F(ConsentStrings, AnotherTenantsKeyCannotSubmitForTheSubject) {
  const std::string id = AdvertisedTo();
  const std::string tenant = Key("tenant:77");
  HttpReply r =
      client().Post("/v1/subjects/" + id + "/consent-strings", {{"tcf", kTcfRefusingAll}}, tenant);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(AdsRead(id), 1u);
}

}  // namespace
}  // namespace privet::testing
