// Publishing policy versions (Vault::PublishPolicy): the record, the refusals, the notices.
#include "testing/policy_versions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "privet/audit.h"
#include "store/faulty_store.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"
#include "vault/vault_internal.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::StatusIs;

constexpr char kNewPurpose[] =
    "  - id: service.recommendations\n"
    "    description: Recommendations\n"
    "    since_version: 2\n";

class PolicyVersionsTest : public testing::VaultTest {
 protected:
  PolicyVersionsTest() : VaultTest("policies/starter.yaml") {
    first_open_with_text_ = true;
    clock_.Set(CivilDayToTime({2025, 3, 4}));  // after the starter policy's effective date
  }

  CivilDay Today() const { return CivilDayOf(clock_.Now()); }
  std::string Next(CivilDay effective, std::string_view purpose = "") const {
    return testing::VersionText(policy_text_, 2, effective, purpose);
  }
  std::vector<PolicyVersion> Versions() {
    auto v = vault().PolicyVersions();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::vector<PolicyVersion>{};
  }
  std::multimap<uint64_t, nlohmann::json> Notices() { return OpenedOutbox("policy_updated"); }
  // Reopens the vault on a data store that fails the writes `plan` says.
  void ReopenFaulty(const std::shared_ptr<store::FaultPlan>& plan) {
    vault_.reset();
    vault_internal::Opener::Wrappers wrap;
    wrap.data = [plan](std::unique_ptr<store::DataStore> s) {
      return store::WrapFaulty(std::move(s), plan);
    };
    auto opened = vault_internal::Opener::Open(
        {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_}, wrap);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    vault_ = std::move(*opened);
  }
  void ImportSubjects(size_t n) {
    std::vector<ImportedSubject> subjects(n);
    for (ImportedSubject& s : subjects) s.subject = {.kind = "customer", .age_years = 30};
    auto ids = vault().Import(subjects);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  }
};

TEST_F(PolicyVersionsTest, TheFirstOpenRecordsTheOpeningPolicyOnce) {
  std::vector<PolicyVersion> versions = Versions();
  ASSERT_THAT(versions, SizeIs(1));
  EXPECT_EQ(versions[0].version, compiled().version());
  EXPECT_EQ(versions[0].effective, compiled().policy().effective);
  EXPECT_EQ(versions[0].classification, PolicyClassification::kInitial);
  EXPECT_EQ(versions[0].text, policy_text_);
  EXPECT_THAT(versions[0].hash, SizeIs(64));
  Reopen();
  EXPECT_THAT(Versions(), SizeIs(1));
}

TEST_F(PolicyVersionsTest, PublishingRecordsTheVersionAndEmailsEverySubjectOnce) {
  ImportSubjects(3);
  const uint64_t audit_before = vault().AuditSize();
  auto published = vault().PublishPolicy({.text = Next(Today())});
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(published->version, 2);
  EXPECT_EQ(published->classification, PolicyClassification::kNonMaterial);
  EXPECT_FALSE(published->notices_pending);
  ASSERT_THAT(Versions(), SizeIs(2));
  EXPECT_EQ(Versions()[1].text, Next(Today()));
  EXPECT_EQ(Versions()[1].effective, Today());
  EXPECT_GT(vault().AuditSize(), audit_before);

  std::multimap<uint64_t, nlohmann::json> notices = Notices();
  ASSERT_THAT(notices, SizeIs(3));
  for (const auto& [subject, body] : notices) {
    EXPECT_EQ(notices.count(subject), 1u);
    EXPECT_EQ(body.value("version", 0), 2);
    EXPECT_EQ(body.value("effective", ""), DayString(Today()));
    EXPECT_EQ(body.value("notice", ""), "/privacy");
    EXPECT_FALSE(body.value("material", true));
  }
}

TEST_F(PolicyVersionsTest, RefusalsChangeNothing) {
  ImportSubjects(2);
  const uint64_t audit_before = vault().AuditSize();
  const CivilDay later = AddPeriod(Today(), {.count = 60, .unit = TimeUnit::kDays});
  EXPECT_THAT(vault().PublishPolicy({.text = "version: [unclosed"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(vault().PublishPolicy({.text = testing::VersionText(policy_text_, 3, later)}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(vault().PublishPolicy({.text = testing::VersionText(policy_text_, 1, later)}),
              StatusIs(StatusCode::kInvalidArgument));
  std::string other = Next(later);
  other.replace(other.find("Example Ltd."), 12, "Other Ltd.");
  EXPECT_THAT(vault().PublishPolicy({.text = other}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(vault().PublishPolicy({.text = Next(later), .effective = CivilDay{2020, 1, 1}}),
              StatusIs(StatusCode::kInvalidArgument));
  // A material change (a new purpose) sooner than the advance notice: refused, naming the day.
  const CivilDay required = AddPeriod(Today(), *compiled().policy().changes.advance_notice);
  auto too_soon = vault().PublishPolicy({.text = Next(Today(), kNewPurpose)});
  EXPECT_THAT(too_soon, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(too_soon.status().message(), HasSubstr(DayString(required)));
  EXPECT_EQ(too_soon.status().field(), "effective");

  EXPECT_THAT(Versions(), SizeIs(1));
  EXPECT_THAT(Notices(), SizeIs(0));
  EXPECT_EQ(vault().AuditSize(), audit_before);
  // On the required day it goes through.
  auto published = vault().PublishPolicy({.text = Next(required, kNewPurpose)});
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(published->classification, PolicyClassification::kMaterial);
  EXPECT_THAT(Notices(), SizeIs(2));
}

TEST_F(PolicyVersionsTest, NoticesInterruptedByACrashAreFinishedOnceOnReopen) {
  const size_t subjects = 2 * Vault::kPolicyNoticeBatch + 7;
  ImportSubjects(subjects);
  auto plan = std::make_shared<store::FaultPlan>();
  ASSERT_NO_FATAL_FAILURE(ReopenFaulty(plan));
  // The version and the first batch commit; the second batch's commit fails, as a crash would.
  plan->FailAt(2, store::FaultPlan::Mode::kForever);
  EXPECT_FALSE(vault().PublishPolicy({.text = Next(Today())}).ok());
  plan->FailAt(0, store::FaultPlan::Mode::kOnce);
  ASSERT_THAT(Versions(), SizeIs(2));
  EXPECT_TRUE(Versions()[1].notices_pending);
  EXPECT_THAT(Notices(), SizeIs(Vault::kPolicyNoticeBatch));

  Reopen();  // finishes them
  ASSERT_THAT(Versions(), SizeIs(2));
  EXPECT_FALSE(Versions()[1].notices_pending);
  std::multimap<uint64_t, nlohmann::json> notices = Notices();
  EXPECT_THAT(notices, SizeIs(subjects));
  for (const auto& [subject, body] : notices) EXPECT_EQ(notices.count(subject), 1u) << subject;
  Reopen();
  EXPECT_THAT(Notices(), SizeIs(subjects));
}

TEST_F(PolicyVersionsTest, NoticesInterruptedByACrashAreFinishedByTheNextPublication) {
  const size_t subjects = Vault::kPolicyNoticeBatch + 3;
  ImportSubjects(subjects);
  auto plan = std::make_shared<store::FaultPlan>();
  ASSERT_NO_FATAL_FAILURE(ReopenFaulty(plan));
  plan->FailAt(2, store::FaultPlan::Mode::kOnce);
  EXPECT_FALSE(vault().PublishPolicy({.text = Next(Today())}).ok());
  EXPECT_THAT(Notices(), SizeIs(Vault::kPolicyNoticeBatch));
  // Version 3: version 2's notices are finished first, then its own go out; none twice.
  auto third = vault().PublishPolicy({.text = testing::VersionText(policy_text_, 3, Today())});
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  std::map<int, size_t> per_version;
  std::multimap<uint64_t, nlohmann::json> notices = Notices();
  for (const auto& [subject, body] : notices) ++per_version[body.value("version", 0)];
  EXPECT_EQ(per_version[2], subjects);
  EXPECT_EQ(per_version[3], subjects);
  for (const PolicyVersion& v : Versions()) EXPECT_FALSE(v.notices_pending) << v.version;
}

TEST_F(PolicyVersionsTest, ANewPurposeIsAnnouncedToTheSubjectsItConcernsWhenPublished) {
  auto id = vault().CreateSubject({.kind = "customer", .age_years = 30});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(vault()
                  .Write({.subject_id = *id,
                          .purposes = {"service"},
                          .fields = {{.category = "user.name", .value = "Ada"}}})
                  .ok());
  const CivilDay required = AddPeriod(Today(), *compiled().policy().changes.advance_notice);
  ASSERT_TRUE(vault().PublishPolicy({.text = Next(required, kNewPurpose)}).ok());
  auto history = vault().ConsentHistory(*id);
  ASSERT_TRUE(history.ok());
  int notified = 0;
  for (const ConsentEvent& e : *history)
    if (e.action == ConsentAction::kNotified && e.policy_version == 2) ++notified;
  EXPECT_EQ(notified, 1);
}

// The policy a vault is opened with, given with its text, must be the published one in force.
TEST_F(PolicyVersionsTest, OpeningWithAPolicyOtherThanTheOneInForceIsRefused) {
  auto open_with = [&](const std::string& text) -> Status {
    vault_.reset();
    auto opened = Vault::Open({.data_dir = dir_.path(),
                               .policy = testing::CompileText(text),
                               .policy_text = text,
                               .clock = &clock_});
    if (opened.ok()) vault_ = std::move(*opened);
    return opened.status();
  };
  const CivilDay effective = AddPeriod(Today(), {.count = 40, .unit = TimeUnit::kDays});
  const std::string next = Next(effective);
  ASSERT_TRUE(vault().PublishPolicy({.text = next}).ok());
  // Before its date: version 1 runs, version 2 is refused, naming the day.
  EXPECT_TRUE(open_with(policy_text_).ok());
  Status early = open_with(next);
  EXPECT_THAT(early, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(early.message(), HasSubstr(DayString(effective)));
  EXPECT_EQ(early.field(), "policy");
  // A version never published, or a published number with another text: refused.
  EXPECT_THAT(open_with(testing::VersionText(policy_text_, 3, effective)),
              StatusIs(StatusCode::kFailedPrecondition));
  std::string edited = policy_text_;
  edited.replace(edited.find("Example Ltd."), 12, "Example plc");
  EXPECT_THAT(open_with(edited), StatusIs(StatusCode::kFailedPrecondition));
  // From its date: version 2 runs, version 1 is refused.
  clock_.Set(CivilDayToTime(effective));
  EXPECT_THAT(open_with(policy_text_), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_TRUE(open_with(next).ok());
  EXPECT_EQ(vault().policy().version(), 2);
}

}  // namespace
}  // namespace privet
