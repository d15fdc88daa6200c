// California's right to limit the use of sensitive personal information (Cal. Civ. Code
// § 1798.121; 11 CCR § 7027), end to end over HTTP: a subject's limit, filed as a request or
// recorded as a choice, leaves sensitive data only to the purposes the policy marks as permitted
// uses, for reads, writes and disclosures alike, until the subject allows such use again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server_fixture.h"

namespace privet::testing {
namespace {

using Json = nlohmann::json;

// A small California policy: precise location is sensitive; the service the subject asked for
// may use it after a limit (a permitted use), advertising may not.
constexpr std::string_view kPolicy = R"(privet_policy: 1
organization: Example Maps Inc.
jurisdictions: [US-CA]
version: 1
effective: 2026-01-01
categories:
  - id: user.contact.email
    identifier: email
  - id: user.location.precise
    description: Precise geolocation
    sensitive: true
purposes:
  - id: service
    description: Provide the maps you asked for
    basis: contract
    sensitive_use_permitted: true
    categories: [user]
  - id: advertising
    description: Show ads near you
    basis: legitimate_interests
    consent: opt_out
    categories: [user.location, user.contact.email]
subject_kinds:
  - id: customer
    description: Customers
recipients:
  - id: adnet
    name: AdNet Inc.
    kind: third_party
    function: Serves location-based ads
    country: US
    categories: [user.location]
    purposes: [advertising]
sharing:
  unaffiliated_third_parties: true
rights:
  offered: [access, limit_sensitive_use]
  channels: [dashboard]
  deadlines:
    - jurisdiction: US-CA
      period: 45 days
)";

class RightToLimit : public ServerTest {
 protected:
  void SetUp() override {
    policy_ = CompileText(kPolicy);
    ASSERT_NE(policy_, nullptr);
    ASSERT_NO_FATAL_FAILURE(Serve());
    admin_ = *server().initial_admin_key();
    service_ = Key("service");
    subject_ =
        NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "US-CA"}}, service_);
    HttpReply w =
        client().Post("/v1/subjects/" + subject_ + "/fields",
                      {{"purposes", {"service", "advertising"}},
                       {"fields",
                        {{{"category", "user.contact.email"}, {"value", "kai@example.com"}},
                         {{"category", "user.location.precise"}, {"value", "37.7749,-122.4194"}}}}},
                      service_);
    ASSERT_EQ(w.status, 201) << w.body;
  }

  // The categories a read for `purpose` releases, and the reason each withheld one gives.
  Json Read(const std::string& purpose) {
    HttpReply r = client().Get("/v1/subjects/" + subject_ + "/fields?purpose=" + purpose, service_);
    EXPECT_EQ(r.status, 200) << r.body;
    Json out = {{"released", Json::array()}, {"withheld", Json::object()}};
    const Json body = r.json();
    std::vector<std::string> released;  // in category order: field ids are random
    for (size_t i = 0; i < body["fields"].size(); ++i)
      released.push_back(body["fields"][i]["category"]);
    std::sort(released.begin(), released.end());
    out["released"] = released;
    for (size_t i = 0; i < body["withheld"].size(); ++i)
      out["withheld"][body["withheld"][i]["category"].get<std::string>()] =
          body["withheld"][i]["reason"];
    return out;
  }

  HttpReply Disclose() {
    return client().Post("/v1/disclosures",
                         {{"recipient", "adnet"},
                          {"subject_id", subject_},
                          {"categories", {"user.location.precise"}},
                          {"purpose", "advertising"}},
                         service_);
  }

  std::string service_;
  std::string subject_;
};

TEST_F(RightToLimit, ALimitRequestLeavesSensitiveDataOnlyToPermittedUsesUntilAllowedAgain) {
  // Before any limit, advertising sees the location and may pass it to the ad network.
  EXPECT_EQ(Read("advertising")["released"],
            Json::array({"user.contact.email", "user.location.precise"}));
  ASSERT_EQ(Disclose().status, 200);

  // The request needs no identity code (11 CCR § 7027(e)) and is carried out at once.
  HttpReply filed =
      client().Post("/v1/subjects/" + subject_ + "/requests",
                    {{"right", "limit_sensitive_use"}, {"channel", "dashboard"}}, service_);
  ASSERT_EQ(filed.status, 201) << filed.body;
  EXPECT_EQ(filed.json()["state"], "in_progress");
  const std::string request = filed.json()["id"];
  HttpReply done = client().Post("/v1/requests/" + request + "/fulfil", Json::object(), service_);
  ASSERT_EQ(done.status, 200) << done.body;

  // Advertising keeps the email but loses the location; the service keeps both.
  const Json ads = Read("advertising");
  EXPECT_EQ(ads["released"], Json::array({"user.contact.email"}));
  EXPECT_EQ(ads["withheld"]["user.location.precise"], "sensitive_use_limited");
  EXPECT_EQ(Read("service")["released"],
            Json::array({"user.contact.email", "user.location.precise"}));
  // No disclosure and no new collection of sensitive data for advertising.
  HttpReply disclosed = Disclose();
  EXPECT_EQ(disclosed.status, 403) << disclosed.body;
  EXPECT_EQ(disclosed.error("reason"), "sensitive_use_limited");
  HttpReply written = client().Post(
      "/v1/subjects/" + subject_ + "/fields",
      {{"purposes", {"advertising"}},
       {"fields", {{{"category", "user.location.precise"}, {"value", "34.05,-118.24"}}}}},
      service_);
  EXPECT_EQ(written.status, 403) << written.body;
  EXPECT_EQ(written.error("reason"), "sensitive_use_limited");
  EXPECT_EQ(Read("service")["released"].size(), 2u);  // the refused write changed nothing

  // The subject allows it again: advertising sees the location once more.
  HttpReply allowed =
      client().Post("/v1/subjects/" + subject_ + "/consents",
                    {{"action", "allow_sensitive_use"}, {"source", "form"}}, service_);
  ASSERT_EQ(allowed.status, 201) << allowed.body;
  EXPECT_EQ(Read("advertising")["released"],
            Json::array({"user.contact.email", "user.location.precise"}));
  EXPECT_EQ(Disclose().status, 200);
}

TEST_F(RightToLimit, TheLimitIsAlsoAChoiceRecordedDirectly) {
  HttpReply limited =
      client().Post("/v1/subjects/" + subject_ + "/consents",
                    {{"action", "limit_sensitive_use"}, {"source", "form"}}, service_);
  ASSERT_EQ(limited.status, 201) << limited.body;
  EXPECT_EQ(Read("advertising")["withheld"]["user.location.precise"], "sensitive_use_limited");
  EXPECT_EQ(Read("service")["released"].size(), 2u);
}

}  // namespace
}  // namespace privet::testing
