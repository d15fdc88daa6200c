// Drives `privet retention run` and `privet request overdue` against a vault made by the library
// in 2024: by the real clock's today, its security log is long due and its request late.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "privet/retention.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/run_privet.h"
#include "testing/temp_dir.h"
#include "vault/vault_core.h"

namespace privet {
namespace {

using ::testing::HasSubstr;

using testing::RunPrivet;

class RightsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
    auto vault = Vault::Open({.data_dir = dir_ / "vault", .policy = policy_, .clock = &clock_});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    auto id = (*vault)->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(
        (*vault)
            ->Write({.subject_id = *id,
                     .purposes = {"security"},
                     .fields = {{.category = "user.device.ip_address", .value = "203.0.113.9"}}})
            .ok());
    ASSERT_TRUE((*vault)
                    ->Write({.subject_id = *id,
                             .purposes = {"service"},
                             .fields = {{.category = "user.name", .value = "Ada"}}})
                    .ok());
    RequestDesk desk(**vault);
    auto request = desk.File({.right = Right::kAccess, .subject_id = *id, .channel = "email"});
    ASSERT_TRUE(request.ok());
    request_ = request->id;
    args_ = " --policy " + std::string(PRIVET_SOURCE_DIR) + "/policies/starter.yaml --data " +
            (dir_ / "vault");
  }

  testing::TempDir dir_;
  ManualClock clock_{CivilDayToTime({2024, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  uint64_t request_ = 0;
  std::string args_;
};

TEST_F(RightsCli, RetentionDryRunListsThenTheRunDeletes) {
  std::string out;
  ASSERT_EQ(RunPrivet("retention run --dry-run" + args_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("would delete"));
  EXPECT_THAT(out, HasSubstr("user.device.ip_address  (rule security_logs)"));
  EXPECT_THAT(out, HasSubstr("dry run: 2 fields scanned, 1 due, 0 removed"));
  EXPECT_EQ(out.find("203.0.113.9"), std::string::npos);  // never a value
  ASSERT_EQ(RunPrivet("retention run" + args_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("2 fields scanned, 1 due, 1 removed"));
  ASSERT_EQ(RunPrivet("retention run" + args_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("1 fields scanned, 0 due, 0 removed"));
}

// One subject whose sealed data no longer opens: the run processes the others, names the
// skipped subject by id (never a value) and exits 1, so that cron mails the operator.
TEST_F(RightsCli, RetentionSkipsAnUnreadableSubjectAndSaysTheRunWasIncomplete) {
  uint64_t damaged = 0;
  {
    auto vault = Vault::Open({.data_dir = dir_ / "vault", .policy = policy_, .clock = &clock_});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    auto id = (*vault)->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    ASSERT_TRUE(id.ok());
    damaged = *id;
    ASSERT_TRUE(
        (*vault)
            ->Write({.subject_id = damaged,
                     .purposes = {"service"},
                     .fields = {{.category = "user.contact.email", .value = "bob@example.com"}}})
            .ok());
    ASSERT_TRUE((*vault)->RecordLifecycleEvent(damaged, AnchorEvent::kContractEnd).ok());
    vault_internal::VaultCore& core = vault_internal::CoreOf(**vault);
    auto fields = core.data().GetFields(damaged);
    ASSERT_TRUE(fields.ok() && fields->size() == 1u);
    store::FieldRecord f = fields->front();
    f.sealed_value.back() = static_cast<char>(f.sealed_value.back() ^ 0x01);
    store::WriteBatch batch;
    batch.PutField(std::move(f));
    ASSERT_TRUE(core.Commit(batch, {}).ok());
  }
  std::string out;
  EXPECT_EQ(RunPrivet("retention run" + args_, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("1 removed"));  // the other subject's security log went
  EXPECT_THAT(out, HasSubstr("retention incomplete: 1 subject(s) could not be read (DATA_LOSS) "
                             "and were skipped: " +
                             std::to_string(damaged) + "\n"));
  EXPECT_EQ(out.find("bob@example.com"), std::string::npos);  // never a value
}

TEST_F(RightsCli, OverdueListsTheLateRequestAndExitsOne) {
  std::string out;
  ASSERT_EQ(RunPrivet("request overdue" + args_, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(std::to_string(request_) +
                             "  access  identity_pending  due 2024-04-04  LATE"));
  EXPECT_THAT(out, HasSubstr("1 request(s) late"));
  EXPECT_EQ(RunPrivet("request overdue --within -1" + args_, &out), 2);
}

TEST_F(RightsCli, AWrongPolicyIsRefused) {
  std::string out;
  EXPECT_EQ(RunPrivet("retention run --policy /nonexistent.yaml --data " + (dir_ / "vault"), &out),
            1);
  EXPECT_THAT(out, HasSubstr("does not load"));
}

}  // namespace
}  // namespace privet
