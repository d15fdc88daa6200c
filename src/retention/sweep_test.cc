// Retention sweeps on the starter policy: security logs go 30 days after collection; a
// customer's account goes whole 6 months after the contract ends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "privet/audit.h"
#include "privet/retention.h"
#include "testing/vault_fixture.h"
#include "vault/vault_core.h"

namespace privet {
namespace {

using ::testing::IsEmpty;

class SweepTest : public testing::VaultTest {
 protected:
  SweepTest() : VaultTest("policies/starter.yaml") {}

  void SetUp() override {
    VaultTest::SetUp();
    subject_ = NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    ASSERT_TRUE(
        vault()
            .Write({.subject_id = subject_,
                    .purposes = {"service"},
                    .fields = {{.category = "user.contact.email", .value = "ada@example.com"},
                               {.category = "user.name", .value = "Ada"}}})
            .ok());
    ASSERT_TRUE(
        vault()
            .Write({.subject_id = subject_,
                    .purposes = {"security"},
                    .fields = {{.category = "user.device.ip_address", .value = "203.0.113.9"}}})
            .ok());
  }

  std::vector<std::string> Categories() {
    auto read = vault().Read(Principal::Service(), subject_, "service");
    std::vector<std::string> out;
    if (read.ok()) {
      for (const FieldValue& f : read->fields) out.push_back(f.category);
    }
    auto logs = vault().Read(Principal::Service(), subject_, "security");
    if (logs.ok()) {
      for (const FieldValue& f : logs->fields) out.push_back(f.category);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  uint64_t subject_ = 0;
};

TEST_F(SweepTest, NothingIsDueBeforeItsTime) {
  clock_.Advance(std::chrono::days(29));
  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->fields_scanned, 3u);
  EXPECT_EQ(report->fields_due, 0u);
  EXPECT_EQ(Categories().size(), 3u);
}

TEST_F(SweepTest, DryRunListsAndChangesNothingThenTheSweepDeletes) {
  clock_.Advance(std::chrono::days(31));
  const uint64_t audit_before = vault().AuditSize();
  auto dry = RunRetention(vault(), {.dry_run = true});
  ASSERT_TRUE(dry.ok());
  ASSERT_EQ(dry->due.size(), 1u);
  EXPECT_EQ(dry->due[0].category, "user.device.ip_address");
  EXPECT_EQ(dry->due[0].rule, "security_logs");
  EXPECT_EQ(dry->fields_deleted, 0u);
  EXPECT_EQ(vault().AuditSize(), audit_before);
  EXPECT_EQ(Categories().size(), 3u);

  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->fields_deleted, 1u);
  EXPECT_EQ(Categories(), (std::vector<std::string>{"user.contact.email", "user.name"}));
  // Idempotent: a second sweep finds nothing more.
  EXPECT_EQ(RunRetention(vault())->fields_due, 0u);
}

TEST_F(SweepTest, AWholeAccountIsErasedAfterTheContractEnds) {
  ASSERT_TRUE(vault().RecordLifecycleEvent(subject_, AnchorEvent::kContractEnd).ok());
  clock_.Advance(std::chrono::days(31 * 6 + 1));
  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->subjects_erased, 1u);
  EXPECT_EQ(vault().GetSubject(subject_).status().code(), StatusCode::kNotFound);
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "ada@example.com");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
}

TEST_F(SweepTest, AnErasureASweepLeftHalfDoneIsFinishedByTheNext) {
  // What a sweep killed between its two steps leaves: the fields gone, the marker recorded, the
  // key still there.
  auto fields = vault_internal::CoreOf(vault()).data().GetFields(subject_);
  ASSERT_TRUE(fields.ok());
  store::WriteBatch batch;
  ASSERT_TRUE(vault_internal::CoreOf(vault()).DeleteFieldsInto(subject_, *fields, batch).ok());
  batch.PutLifecycleEvent({.subject_id = subject_, .event = "retention_erase", .at = 1});
  ASSERT_TRUE(vault_internal::CoreOf(vault()).Commit(batch, {}).ok());
  ASSERT_TRUE(vault().GetSubject(subject_).ok());

  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->fields_scanned, 0u);
  EXPECT_EQ(report->subjects_erased, 1u);
  EXPECT_EQ(vault().GetSubject(subject_).status().code(), StatusCode::kNotFound);
}

TEST_F(SweepTest, LegalHoldsKeepDataUntilReleased) {
  ASSERT_TRUE(vault().PlaceLegalHold(subject_, "", "litigation:2024-CV-118").ok());
  EXPECT_EQ(vault().PlaceLegalHold(subject_, "no_such_rule", "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(vault().PlaceLegalHold(subject_, "", "Ada's lawsuit").code(),
            StatusCode::kInvalidArgument);
  clock_.Advance(std::chrono::days(31));
  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->fields_held, 1u);
  EXPECT_EQ(report->fields_deleted, 0u);
  EXPECT_EQ(Categories().size(), 3u);
  ASSERT_TRUE(vault().ReleaseLegalHold(subject_, "").ok());
  EXPECT_THAT(*vault().LegalHolds(subject_), IsEmpty());
  EXPECT_EQ(RunRetention(vault())->fields_deleted, 1u);
}

TEST_F(SweepTest, EveryDeletionIsInTheAuditLog) {
  clock_.Advance(std::chrono::days(31));
  ASSERT_TRUE(RunRetention(vault()).ok());
  ASSERT_TRUE(vault().SignTreeHead().ok());
  vault_.reset();
  auto verified = VerifyAuditLog({.data_dir = dir_.path()}, std::nullopt);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok()) << ::testing::PrintToString(verified->problems);
}

// One subject whose sealed data no longer opens (DATA_LOSS) must not stop retention for
// everyone: the sweep skips it whole, processes the others, and reports it by id.
TEST_F(SweepTest, AnUnreadableSubjectIsSkippedAndReportedWhileTheOthersAreProcessed) {
  auto add = [&](const std::string& email) {
    const uint64_t id = NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    EXPECT_TRUE(vault()
                    .Write({.subject_id = id,
                            .purposes = {"service"},
                            .fields = {{.category = "user.contact.email", .value = email},
                                       {.category = "user.name", .value = "Someone"}}})
                    .ok());
    return id;
  };
  const uint64_t damaged = add("bob@example.com");
  const uint64_t other = add("cy@example.com");
  for (uint64_t id : {subject_, damaged, other})
    ASSERT_TRUE(vault().RecordLifecycleEvent(id, AnchorEvent::kContractEnd).ok());
  // Damage the sealed email of one subject in the store (its identifier: deleting it needs the
  // value, to find its blind-index entry), then reopen so that nothing cached hides it.
  auto fields = vault_internal::CoreOf(vault()).data().GetFields(damaged);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  store::WriteBatch batch;
  for (store::FieldRecord f : *fields) {
    if (f.category != "user.contact.email") continue;
    ASSERT_FALSE(f.sealed_value.empty());
    f.sealed_value.back() = static_cast<char>(f.sealed_value.back() ^ 0x01);
    batch.PutField(std::move(f));
  }
  ASSERT_EQ(batch.size(), 1u);
  ASSERT_TRUE(vault_internal::CoreOf(vault()).Commit(batch, {}).ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  clock_.Advance(std::chrono::days(31 * 6 + 1));

  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->complete());
  EXPECT_EQ(report->subjects_unreadable, std::vector<uint64_t>{damaged});
  EXPECT_EQ(report->subjects_erased, 2u);
  EXPECT_EQ(vault().GetSubject(subject_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault().GetSubject(other).status().code(), StatusCode::kNotFound);
  // The damaged subject is left whole, for an operator to restore.
  auto left = vault_internal::CoreOf(vault()).data().GetFields(damaged);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), fields->size());
  // The next sweep finds only the damaged subject, and still says it is incomplete.
  auto again = RunRetention(vault());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->subjects_unreadable, std::vector<uint64_t>{damaged});
  EXPECT_EQ(again->fields_deleted, 0u);

  vault_.reset();
  auto verified = VerifyAuditLog({.data_dir = dir_.path()}, std::nullopt);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok()) << ::testing::PrintToString(verified->problems);
}

}  // namespace
}  // namespace privet
