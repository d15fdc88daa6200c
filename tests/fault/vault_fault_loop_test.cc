// A fault loop over the vault: the same script of changes runs again and again on a fresh vault
// whose stores refuse the n-th write (n = 1, 2, ... past the last write of the script), once or
// from then on. Whatever fails:
//  - every change the vault acknowledged is there after a reopen on healthy stores, and nothing
//    the vault refused is (a refused write changes nothing);
//  - a read never returns what the store does not hold;
//  - the audit log verifies, and the vault reports itself unhealthy while writes fail and
//    healthy again after one succeeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fault/vault_model.h"
#include "privet/audit.h"
#include "privet/vault.h"
#include "store/faulty_store.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"
#include "vault/vault_internal.h"

namespace privet {
namespace {

using store::FaultPlan;

constexpr int kSubjects = 3;

// What the vault acknowledged, as the script saw it.
using Model = testing::VaultModel;
using testing::FieldValues;

std::string Email(int run, int i) {
  return "p" + std::string(1, static_cast<char>('a' + i)) +
         std::string(1, static_cast<char>('a' + run % 26)) + "@example.com";
}

class VaultFaultLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
  }

  StatusOr<std::unique_ptr<Vault>> Open(const std::string& dir,
                                        const std::shared_ptr<FaultPlan>& plan) {
    vault_internal::Opener::Wrappers wrap;
    if (plan) {
      wrap.data = [plan](std::unique_ptr<store::DataStore> s) {
        return store::WrapFaulty(std::move(s), plan);
      };
      wrap.keys = [plan](std::unique_ptr<store::KeyStore> s) {
        return store::WrapFaulty(std::move(s), plan);
      };
    }
    return vault_internal::Opener::Open({.data_dir = dir, .policy = policy_, .clock = &clock_},
                                        wrap);
  }

  // The script: subjects with fields and a consent, reads, a deleted field, one erasure. Every
  // read must return exactly what was acknowledged so far.
  void RunScript(Vault& vault, int run, Model& model) {
    const Principal service = Principal::Service();
    for (int i = 0; i < kSubjects; ++i) {
      StatusOr<uint64_t> id =
          vault.CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
      if (!id.ok()) continue;
      Model::Subject& s = model.subjects[*id];
      StatusOr<std::vector<uint64_t>> written = vault.Write(
          {.principal = service,
           .subject_id = *id,
           .purposes = {"service", "marketing"},
           .fields = {{.category = "user.contact.email", .value = Email(run, i)},
                      {.category = "user.name", .value = "Name " + std::to_string(i)}}});
      if (written.ok()) {
        s.fields[(*written)[0]] = Email(run, i);
        s.fields[(*written)[1]] = "Name " + std::to_string(i);
      }
      if (vault.RecordConsent(*id, {.purpose = "marketing", .action = ConsentAction::kGrant}).ok())
        s.marketing = true;
      ExpectReadMatches(vault, *id, s, "after the writes");
      if (!s.fields.empty() && vault.DeleteField(service, *id, s.fields.begin()->first).ok())
        s.fields.erase(s.fields.begin());
      ExpectReadMatches(vault, *id, s, "after the delete");
    }
    if (!model.subjects.empty()) {
      auto& [id, s] = *model.subjects.begin();
      if (vault.Erase(id).ok()) s.erased = true;
    }
  }

  // A read that succeeds shows exactly the acknowledged fields; a marketing read, only with an
  // acknowledged consent.
  void ExpectReadMatches(Vault& vault, uint64_t id, const Model::Subject& s, const char* when) {
    StatusOr<ReadResult> r = vault.Read(Principal::Service(), id, "service");
    if (r.ok()) {
      EXPECT_EQ(FieldValues(*r), s.fields) << when;
    }
    StatusOr<ReadResult> m = vault.Read(Principal::Service(), id, "marketing");
    if (m.ok() && !s.marketing) {
      EXPECT_TRUE(m->fields.empty()) << when << ": no consent on record";
    }
  }

  // After a reopen on healthy stores: the model, exactly, and a log that verifies.
  void ExpectDurable(const std::string& dir, const Model& model, const std::string& label) {
    {
      auto vault = Open(dir, nullptr);
      ASSERT_TRUE(vault.ok()) << label << ": " << vault.status().ToString();
      ASSERT_NO_FATAL_FAILURE(testing::ExpectVaultHolds(**vault, model, label));
    }
    StatusOr<AuditVerification> verified = VerifyAuditLog({.data_dir = dir}, std::nullopt);
    ASSERT_TRUE(verified.ok()) << label << ": " << verified.status().ToString();
    EXPECT_TRUE(verified->ok()) << label << ": " << verified->problems.front();
  }

  ManualClock clock_{CivilDayToTime({2025, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
};

TEST_F(VaultFaultLoop, NothingAcknowledgedIsLostAndNothingRefusedIsKeptWhereverAWriteFails) {
  // A clean run first: how many writes the script makes.
  uint64_t writes = 0;
  {
    testing::TempDir dir;
    auto plan = std::make_shared<FaultPlan>();
    Model model;
    {
      auto vault = Open(dir.path(), plan);
      ASSERT_TRUE(vault.ok()) << vault.status().ToString();
      RunScript(**vault, 0, model);
    }
    writes = plan->writes();
    ASSERT_EQ(plan->failures(), 0u);
    ASSERT_EQ(model.subjects.size(), static_cast<size_t>(kSubjects));
    ASSERT_NO_FATAL_FAILURE(ExpectDurable(dir.path(), model, "clean run"));
  }
  ASSERT_GT(writes, 20u);

  int failed_runs = 0, opened = 0;
  for (FaultPlan::Mode mode : {FaultPlan::Mode::kOnce, FaultPlan::Mode::kForever}) {
    for (uint64_t n = 1; n <= writes + 1; ++n) {
      const std::string label = std::string(mode == FaultPlan::Mode::kOnce ? "once" : "forever") +
                                " at write " + std::to_string(n);
      testing::TempDir dir;
      auto plan = std::make_shared<FaultPlan>();
      plan->FailAt(n, mode);
      Model model;
      {
        auto vault = Open(dir.path(), plan);
        if (vault.ok()) {
          ++opened;
          RunScript(**vault, static_cast<int>(n), model);
          // While writes fail, the vault says it cannot serve; once one succeeds, it can.
          if (mode == FaultPlan::Mode::kForever && plan->failures() > 0) {
            EXPECT_FALSE((*vault)->Health().ok()) << label;
          }
        }
      }
      if (plan->failures() > 0) ++failed_runs;
      ASSERT_NO_FATAL_FAILURE(ExpectDurable(dir.path(), model, label));
      if (HasFailure()) return;  // one scenario's report is enough to read
    }
  }
  EXPECT_GT(failed_runs, static_cast<int>(writes));  // the faults did land
  EXPECT_GT(opened, 0);
}

}  // namespace
}  // namespace privet
