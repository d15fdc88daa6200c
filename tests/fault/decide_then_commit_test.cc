// A decision never commits after a change it did not see. The vault decides a write, a
// rectification, a deletion or a disclosure (VaultCore::DecideThenLock) without its write lock (the
// decision reads the subject's stored fields), and commits under it: a consent withdrawn, or a
// field written, in between must be seen by the commit. Here the store runs the change itself at
// the moment the decision reads the subject's fields, which is the widest such window there is.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "privet/vault.h"
#include "store/faulty_store.h"
#include "store/store.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"
#include "vault/vault_internal.h"

namespace privet {
namespace {

class DecideThenCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
    vault_internal::Opener::Wrappers wrap;
    wrap.data = [this](std::unique_ptr<store::DataStore> s) {
      return store::WrapFaulty(std::move(s), plan_);
    };
    auto opened = vault_internal::Opener::Open(
        {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_}, wrap);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    vault_ = std::move(*opened);
    auto id = vault_->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    subject_ = *id;
  }

  // The marketing fields the vault holds for the subject, as a marketing read shows them.
  size_t MarketingFields() {
    StatusOr<ReadResult> read = vault_->Read(Principal::Service(), subject_, "marketing");
    return read.ok() ? read->fields.size() : 0;
  }

  testing::TempDir dir_;
  ManualClock clock_{CivilDayToTime({2024, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  std::unique_ptr<Vault> vault_;
  std::shared_ptr<store::FaultPlan> plan_ = std::make_shared<store::FaultPlan>();
  uint64_t subject_ = 0;
};

TEST_F(DecideThenCommit, AWriteForAConsentWithdrawnWhileItWasDecidedIsRefused) {
  ASSERT_TRUE(
      vault_->RecordConsent(subject_, {.purpose = "marketing", .action = ConsentAction::kGrant})
          .ok());
  Status withdrawn;
  plan_->BeforeNextGetFields([&] {
    withdrawn = vault_->RecordConsent(subject_,
                                      {.purpose = "marketing", .action = ConsentAction::kWithdraw});
  });
  StatusOr<std::vector<uint64_t>> written =
      vault_->Write({.subject_id = subject_,
                     .purposes = {"marketing"},
                     .fields = {{.category = "user.contact.email", .value = "ada@example.com"}}});
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.ToString();
  EXPECT_EQ(written.status().code(), StatusCode::kPermissionDenied) << written.status().ToString();
  // Nothing was stored: consent granted again, a marketing read finds nothing.
  ASSERT_TRUE(
      vault_->RecordConsent(subject_, {.purpose = "marketing", .action = ConsentAction::kGrant})
          .ok());
  EXPECT_EQ(MarketingFields(), 0u);
}

TEST_F(DecideThenCommit, AWriteWhoseDecisionNothingChangedCommitsOnce) {
  ASSERT_TRUE(
      vault_->RecordConsent(subject_, {.purpose = "marketing", .action = ConsentAction::kGrant})
          .ok());
  int hooks = 0;
  plan_->BeforeNextGetFields([&] { ++hooks; });
  StatusOr<std::vector<uint64_t>> written =
      vault_->Write({.subject_id = subject_,
                     .purposes = {"marketing"},
                     .fields = {{.category = "user.contact.email", .value = "ada@example.com"}}});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(MarketingFields(), 1u);
}

}  // namespace
}  // namespace privet
