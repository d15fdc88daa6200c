// The promises about policy changes (CN16, CF17, CX10, CU06, CU11): publishing a new version
// through the vault (Vault::PublishPolicy) or the server (POST /v1/policy/versions), and what
// subjects and visitors of the notice are told. Each new version is the company's own file with
// its version raised (and, for a material change, a purpose added); what must happen is read
// from the file's `changes:` section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "server/server_fixture.h"
#include "testing/policy_versions.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using testing::HttpReply;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using testing::StatusIs;

bool Notifies(const Policy& p, std::string_view channel) {
  return std::find(p.changes.notify.begin(), p.changes.notify.end(), channel) !=
         p.changes.notify.end();
}

// A vault opened with the company's file, which becomes its first published version.
class PublishingVault : public testing::VaultTest {
 protected:
  explicit PublishingVault(std::string policy_file) : VaultTest(std::move(policy_file)) {
    first_open_with_text_ = true;
  }
  CivilDay Today() const { return CivilDayOf(clock_.Now()); }
  // The next version of the file, effective on `effective`, with `purpose` added.
  std::string Next(CivilDay effective, std::string_view purpose = "") const {
    return testing::VersionText(policy_text_, compiled().version() + 1, effective, purpose);
  }
  uint64_t Customer(const std::string& kind) {
    auto id = vault().CreateSubject({.kind = kind, .age_years = 30, .jurisdiction = "EU"});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
};

class ConnactPublishing : public PublishingVault {
 protected:
  ConnactPublishing() : PublishingVault("policies/connact.yaml") {}
};
class ConfectPublishing : public PublishingVault {
 protected:
  ConfectPublishing() : PublishingVault("policies/confect.yaml") {}
};
class CustomerTrackrPublishing : public PublishingVault {
 protected:
  CustomerTrackrPublishing() : PublishingVault("policies/customertrackr.yaml") {}
};

// CN16: "On a policy change, the updated date is revised and users are emailed."
TEST_F(ConnactPublishing, CN16_OnAPolicyChangeTheDateIsRevisedAndUsersAreEmailed) {
  ASSERT_TRUE(Notifies(compiled().policy(), "email"));
  const uint64_t ada = Customer("user");
  const uint64_t bob = Customer("user");
  const CivilDay effective = AddPeriod(Today(), {.count = 1, .unit = TimeUnit::kMonths});
  auto published = vault().PublishPolicy({.text = Next(effective)});
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  // The updated date is revised: the latest published version carries the new one.
  auto versions = vault().PolicyVersions();
  ASSERT_TRUE(versions.ok());
  ASSERT_THAT(*versions, SizeIs(2));
  EXPECT_EQ(versions->back().version, compiled().version() + 1);
  EXPECT_EQ(versions->back().effective, effective);
  EXPECT_EQ(versions->front().effective, compiled().policy().effective);
  // Every user is emailed once, with the version and its date.
  std::multimap<uint64_t, nlohmann::json> emails = OpenedOutbox("policy_updated");
  ASSERT_THAT(emails, SizeIs(2));
  for (uint64_t id : {ada, bob}) {
    ASSERT_EQ(emails.count(id), 1u);
    const nlohmann::json& body = emails.find(id)->second;
    EXPECT_EQ(body.value("version", 0), compiled().version() + 1);
    EXPECT_EQ(body.value("effective", ""), DayString(effective));
    EXPECT_FALSE(body.value("notice", "").empty());
  }
}

// CF17: "Significant policy changes are announced before they take effect."
TEST_F(ConfectPublishing, CF17_SignificantChangesAreAnnouncedBeforeTheyTakeEffect) {
  const std::optional<Duration> notice = compiled().policy().changes.advance_notice;
  ASSERT_TRUE(notice.has_value());
  const uint64_t id = Customer("customer");
  // A significant change: a new purpose.
  const std::string purpose =
      "  - id: purchase.recommendations\n"
      "    description: Recommendations from your orders\n"
      "    since_version: 2\n";
  const CivilDay required = AddPeriod(Today(), *notice);
  const CivilDay day_before = CivilDayOf(CivilDayToTime(required) - std::chrono::hours(24));
  auto too_soon = vault().PublishPolicy({.text = Next(day_before, purpose)});
  EXPECT_THAT(too_soon, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(too_soon.status().message(), HasSubstr(DayString(required)));
  EXPECT_THAT(vault().PolicyVersions().value(), SizeIs(1));  // nothing changed
  EXPECT_THAT(OpenedOutbox("policy_updated"), IsEmpty());

  auto published = vault().PublishPolicy({.text = Next(required, purpose)});
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(published->classification, PolicyClassification::kMaterial);
  EXPECT_EQ(published->effective, required);
  // Announced now, before it takes effect, on the channels the policy names.
  ASSERT_LT(clock_.Now(), CivilDayToTime(required));
  if (Notifies(compiled().policy(), "email")) {
    std::multimap<uint64_t, nlohmann::json> emails = OpenedOutbox("policy_updated");
    ASSERT_EQ(emails.count(id), 1u);
    EXPECT_EQ(emails.find(id)->second.value("effective", ""), DayString(required));
    EXPECT_TRUE(emails.find(id)->second.value("material", false));
  }
}

// CU06: "Before data is shared with a new third party or used for an incompatible purpose, the
// subject is notified and can opt out." Publishing the version that adds the purpose tells the
// subjects whose data it would reach, before it takes effect.
TEST_F(CustomerTrackrPublishing, CU06_PublishingANewPurposeTellsTheSubjectsItConcerns) {
  const uint64_t buyer = Customer("user");
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = buyer,
                  .purposes = {"service.purchasing"},
                  .fields = {{.category = "user.behavior.purchase_history", .value = "order:17"}}})
          .ok());
  const uint64_t other = Customer("user");  // no data the new purpose could use
  const CivilDay effective = AddPeriod(Today(), {.count = 10, .unit = TimeUnit::kDays});
  auto published =
      vault().PublishPolicy({.text = Next(effective,
                                          "  - id: service.purchasing.recommendations\n"
                                          "    description: Recommendations from your purchases\n"
                                          "    since_version: 2\n")});
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  std::multimap<uint64_t, nlohmann::json> told = OpenedOutbox("policy_change");
  ASSERT_EQ(told.count(buyer), 1u);
  EXPECT_EQ(told.count(other), 0u);
  const nlohmann::json& body = told.find(buyer)->second;
  ASSERT_EQ(body["new_purposes"].size(), 1u);
  EXPECT_EQ(body["new_purposes"][0].value("id", ""), "service.purchasing.recommendations");
  EXPECT_FALSE(body.value("opt_out", "").empty());
  // The notice event that starts the opt-out window is recorded now, before the date.
  auto history = vault().ConsentHistory(buyer);
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(std::any_of(history->begin(), history->end(), [&](const ConsentEvent& e) {
    return e.action == ConsentAction::kNotified && e.policy_version == published->version &&
           e.at < CivilDayToTime(effective);
  }));
}

// --- Through the server: the notice on the website ---------------------------------------------

class PublishingServer : public testing::ServerTest {
 protected:
  CivilDay Today() const { return CivilDayOf(clock_.Now()); }
  HttpReply Publish(const std::string& text, const std::string& key) {
    return client().Post("/v1/policy/versions", {{"policy", text}}, key);
  }
  // Lets the effective day of the published `text` come: the running server switches to it, as
  // its timer would (Server::AdoptPolicyInForce); later restarts start with that file.
  void RunFrom(const std::string& text, CivilDay effective) {
    clock_.Set(CivilDayToTime(effective));
    const StatusOr<int> served = server().AdoptPolicyInForce();
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    policy_ = testing::CompileText(text);
    ASSERT_NE(policy_, nullptr);
    ASSERT_EQ(*served, policy_->version());
    policy_text_ = text;
  }
};

// CX10: "The policy may change without individual notice; the current version is always
// published with its effective date."
TEST_F(PublishingServer, CX10_TheCurrentVersionIsAlwaysPublishedWithItsEffectiveDate) {
  ASSERT_NO_FATAL_FAILURE(Start("policies/connectrex.yaml"));
  const Policy first = policy_->policy();
  HttpReply notice = client().Get("/privacy");
  ASSERT_EQ(notice.status, 200);
  EXPECT_THAT(notice.body, HasSubstr("Version " + std::to_string(first.version)));
  EXPECT_THAT(notice.body, HasSubstr("effective " + DayString(first.effective)));
  NewSubject({{"kind", "supervisee"}}, Key("service"));

  const CivilDay effective = AddPeriod(Today(), {.count = 10, .unit = TimeUnit::kDays});
  const std::string next = testing::VersionText(policy_text_, first.version + 1, effective);
  HttpReply published = Publish(next, admin());
  ASSERT_EQ(published.status, 201) << published.body;
  // Until its date the version in force stays published, the next one announced.
  notice = client().Get("/privacy");
  EXPECT_THAT(notice.body, HasSubstr("effective " + DayString(first.effective)));
  EXPECT_THAT(notice.body, HasSubstr("takes effect on " + DayString(effective)));
  // The policy notifies only on the website: no individual notice is queued.
  if (!Notifies(first, "email")) {
    ASSERT_NO_FATAL_FAILURE(WhileStopped([](Vault& vault) {
      auto outbox = vault_internal::CoreOf(vault).data().GetOutbox(false);
      ASSERT_TRUE(outbox.ok());
      for (const store::OutboxRecord& m : *outbox) EXPECT_NE(m.topic, "policy_updated");
    }));
  }
  // From its date the new version is the one published, with its date and the earlier one's.
  ASSERT_NO_FATAL_FAILURE(RunFrom(next, effective));
  notice = client().Get("/privacy");
  ASSERT_EQ(notice.status, 200);
  EXPECT_THAT(notice.body, HasSubstr("Version " + std::to_string(first.version + 1)));
  EXPECT_THAT(notice.body, HasSubstr("effective " + DayString(effective)));
  EXPECT_THAT(notice.body, HasSubstr("Version " + std::to_string(first.version) + ", effective " +
                                     DayString(first.effective)));
  EXPECT_THAT(notice.body, Not(HasSubstr("takes effect on")));
}

// CU11: "... changes are announced on the website." A published change shows on the notice,
// with its date and what it changes, before it applies.
TEST_F(PublishingServer, CU11_ChangesAreAnnouncedOnTheWebsite) {
  ASSERT_NO_FATAL_FAILURE(Start("policies/customertrackr.yaml"));
  ASSERT_TRUE(Notifies(policy_->policy(), "website"));
  const CivilDay effective = AddPeriod(Today(), {.count = 10, .unit = TimeUnit::kDays});
  const std::string next =
      testing::VersionText(policy_text_, policy_->version() + 1, effective,
                           "  - id: service.purchasing.recommendations\n"
                           "    description: Recommendations from your purchases\n"
                           "    since_version: 2\n");
  EXPECT_THAT(client().Get("/privacy").body, Not(HasSubstr("recommendations")));
  HttpReply published = Publish(next, admin());
  ASSERT_EQ(published.status, 201) << published.body;
  EXPECT_EQ(published.json().value("classification", ""), "material");
  HttpReply notice = client().Get("/privacy");
  ASSERT_EQ(notice.status, 200);
  EXPECT_THAT(notice.body, HasSubstr("Version " + std::to_string(policy_->version() + 1) +
                                     "</strong> takes effect on " + DayString(effective)));
  EXPECT_THAT(notice.body, HasSubstr("service.purchasing.recommendations"));
}

}  // namespace
}  // namespace privet
