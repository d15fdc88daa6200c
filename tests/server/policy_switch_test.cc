// A running server switches to a published policy version on its effective day, without a
// restart (Server::AdoptPolicyInForce, and the timer that calls it): what the new version says
// is enforced from then on, each datum keeps the version it was collected under (CN17), and
// requests that arrive during the switch are answered, not refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "server/server_fixture.h"
#include "testing/policy_versions.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using testing::HttpClient;
using testing::HttpReply;

class PolicySwitch : public testing::ServerTest {
 protected:
  CivilDay Today() const { return CivilDayOf(clock_.Now()); }
  CivilDay InDays(int n) const { return AddPeriod(Today(), {.count = n, .unit = TimeUnit::kDays}); }
  nlohmann::json Versions() {
    HttpReply r = client().Get("/v1/policy/versions", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  // The version served after a check; 0 when the check failed.
  int Adopt() {
    StatusOr<int> served = server().AdoptPolicyInForce();
    EXPECT_TRUE(served.ok()) << served.status().ToString();
    return served.ok() ? *served : 0;
  }
  HttpReply Publish(const std::string& text) {
    return client().Post("/v1/policy/versions", {{"policy", text}}, admin());
  }
  HttpReply WriteName(const std::string& subject, const std::string& purpose,
                      const std::string& token) {
    return client().Post(
        "/v1/subjects/" + subject + "/fields",
        {{"purposes", {purpose}}, {"fields", {{{"category", "user.name"}, {"value", "Kim"}}}}},
        token);
  }
  HttpReply Read(const std::string& subject, const std::string& purpose, const std::string& token) {
    return client().Get("/v1/subjects/" + subject + "/fields?purpose=" + purpose, token);
  }
  std::string Metrics() { return client().Get("/metrics", admin()).body; }
};

// Version 2 of the starter policy adds a purpose (material: announced 30 days ahead) and lets
// the support role serve the `service` purpose too.
TEST_F(PolicySwitch, OnItsEffectiveDayTheServerEnforcesTheNewVersionWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(Start("policies/starter.yaml"));
  const std::string service = Key("service"), support = Key("staff:support");
  const std::string adult = R"({"kind":"customer","age_years":30})";
  const std::string before = NewSubject(nlohmann::json::parse(adult), service);
  ASSERT_EQ(WriteName(before, "service", service).status, 201);

  const CivilDay effective = InDays(30);
  std::string next = testing::VersionText(policy_text_, 2, effective,
                                          "  - id: service.recommendations\n"
                                          "    description: Recommendations\n"
                                          "    categories: [user.name]\n"
                                          "    since_version: 2\n");
  const std::string role = "    purposes: [service.support]\n";
  ASSERT_NE(next.find(role), std::string::npos);
  next.replace(next.find(role), role.size(), "    purposes: [service.support, service]\n");
  HttpReply published = Publish(next);
  ASSERT_EQ(published.status, 201) << published.body;

  // Until its day, version 1 is enforced: checking changes nothing.
  ASSERT_EQ(Adopt(), 1);
  HttpReply undeclared = WriteName(before, "service.recommendations", service);
  EXPECT_EQ(undeclared.status, 403) << undeclared.body;
  EXPECT_EQ(undeclared.error("reason"), "unknown_purpose");
  HttpReply support_read = Read(before, "service", support);
  ASSERT_EQ(support_read.status, 200) << support_read.body;
  EXPECT_TRUE(support_read.json()["fields"].empty()) << support_read.body;
  EXPECT_EQ(Versions()["in_force"], 1);

  clock_.Set(CivilDayToTime(effective) + std::chrono::hours(1));
  EXPECT_EQ(Versions()["due"], 2);
  ASSERT_EQ(Adopt(), 2);

  // The same server, the same keys, now under version 2.
  nlohmann::json versions = Versions();
  EXPECT_EQ(versions["in_force"], 2);
  EXPECT_EQ(versions["due"], 2);
  HttpReply policy = client().Get("/v1/policy", service);
  ASSERT_EQ(policy.status, 200) << policy.body;
  EXPECT_EQ(policy.json().value("version", 0), 2) << policy.body;
  HttpReply notice = client().Get("/privacy");
  EXPECT_THAT(notice.body, HasSubstr("Version 2"));
  EXPECT_THAT(notice.body, HasSubstr("effective " + DayString(effective)));
  // The new purpose serves data collected under version 2 ...
  const std::string after = NewSubject(nlohmann::json::parse(adult), service);
  ASSERT_EQ(WriteName(after, "service", service).status, 201);
  HttpReply fresh = Read(after, "service.recommendations", service);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.json()["fields"].size(), 1u) << fresh.body;
  // ... but not data collected under version 1, which did not state it (CN17).
  HttpReply old = Read(before, "service.recommendations", service);
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_TRUE(old.json()["fields"].empty()) << old.body;
  ASSERT_EQ(old.json()["withheld"].size(), 1u) << old.body;
  EXPECT_EQ(old.json()["withheld"][0].value("reason", ""), "purpose_not_in_force_at_collection");
  // The support role is version 2's.
  support_read = Read(before, "service", support);
  ASSERT_EQ(support_read.status, 200) << support_read.body;
  EXPECT_EQ(support_read.json()["fields"].size(), 1u) << support_read.body;

  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("privet_policy_version 2\n"));
  EXPECT_THAT(metrics, HasSubstr("privet_policy_switches_total{outcome=\"ok\"} 1\n"));
  // Checking again switches nothing.
  EXPECT_EQ(Adopt(), 2);
  EXPECT_THAT(Metrics(), HasSubstr("privet_policy_switches_total{outcome=\"ok\"} 1\n"));

  // A restart must name the version in force now: the old file is refused, the new one runs.
  server_.reset();
  auto old_file = Server::Start({.vault = {.data_dir = dir_.path(),
                                           .policy = policy_,
                                           .policy_text = policy_text_,
                                           .clock = &clock_},
                                 .port = 0});
  ASSERT_FALSE(old_file.ok());
  EXPECT_THAT(old_file.status().message(), HasSubstr("replaced by version 2"));
  policy_ = testing::CompileText(next);
  policy_text_ = next;
  ASSERT_NO_FATAL_FAILURE(Serve());
  EXPECT_EQ(Versions()["in_force"], 2);
}

// Requests keep coming while the server switches: each is answered, under one version or the
// other, and none is refused or lost.
TEST_F(PolicySwitch, RequestsDuringTheSwitchAreAnswered) {
  ASSERT_NO_FATAL_FAILURE(Start("policies/starter.yaml"));
  const std::string service = Key("service");
  const std::string subject = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  ASSERT_EQ(WriteName(subject, "service", service).status, 201);
  HttpReply published = Publish(testing::VersionText(policy_text_, 2, Today()));
  ASSERT_EQ(published.status, 201) << published.body;

  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, wrong{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      HttpClient own(server().port());
      for (int i = 0; !stop.load() || i < 20; ++i) {
        // Reads (whose decisions commit after the answer is made) and writes, interleaved.
        HttpReply r = (i + t) % 2 == 0
                          ? own.Get("/v1/subjects/" + subject + "/fields?purpose=service", service)
                          : own.Post("/v1/subjects/" + subject + "/fields",
                                     {{"purposes", {"service"}},
                                      {"fields", {{{"category", "user.name"}, {"value", "Lee"}}}}},
                                     service);
        if (r.status == 200 || r.status == 201) {
          ++answered;
        } else {
          ++wrong;
        }
      }
    });
  }
  while (answered.load() < 30) std::this_thread::yield();
  const StatusOr<int> switched = server().AdoptPolicyInForce();
  stop = true;
  for (std::thread& c : clients) c.join();
  ASSERT_TRUE(switched.ok()) << switched.status().ToString();
  EXPECT_EQ(*switched, 2);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(Versions()["in_force"], 2);
  // Every write was kept: the reads after the switch see them all.
  HttpReply all = Read(subject, "service", service);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_GE(all.json()["fields"].size(), 1u);
}

// No one has to call anything: the server looks for the version in force on a timer.
TEST_F(PolicySwitch, TheServerSwitchesByItselfWhenTheDayComes) {
  policy_check_interval_ = std::chrono::milliseconds(20);
  ASSERT_NO_FATAL_FAILURE(Start("policies/starter.yaml"));
  const CivilDay tomorrow = InDays(1);
  HttpReply published = Publish(testing::VersionText(policy_text_, 2, tomorrow));
  ASSERT_EQ(published.status, 201) << published.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Versions()["in_force"], 1);
  clock_.Set(CivilDayToTime(tomorrow));
  int in_force = 1;
  for (int i = 0; i < 500 && in_force != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    in_force = Versions()["in_force"];
  }
  EXPECT_EQ(in_force, 2);
  EXPECT_THAT(client().Get("/privacy").body, HasSubstr("Version 2"));
}

}  // namespace
}  // namespace privet
