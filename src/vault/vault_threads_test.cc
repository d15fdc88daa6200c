// Every kind of vault call at once, from several threads, beside the vault's own background
// threads (read committer, purger). The assertions are modest (every call succeeds, nothing is
// lost); the point is the ThreadSanitizer build (scripts/test.sh), which sees every access the
// calls make and reports any that no lock or atomic orders.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "privet/audit.h"
#include "privet/retention.h"
#include "privet/vault.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

class VaultUnderThreads : public testing::VaultTest,
                          public ::testing::WithParamInterface<VaultOptions::ReadAuditing> {
 protected:
  VaultUnderThreads() : VaultTest("policies/starter.yaml") {}

  void SetUp() override {
    VaultTest::SetUp();
    ReopenWith({.read_auditing = GetParam()});
  }

  uint64_t Customer() {
    return NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
  }

  // Counts a failed call, with what it said, for the test's end.
  void Check(const Status& s, const char* what) {
    if (s.ok()) return;
    ++failures_;
    ADD_FAILURE() << what << ": " << s.ToString();
  }

  std::atomic<int> failures_{0};
};

TEST_P(VaultUnderThreads, EveryCallAtOnceBesideTheBackgroundThreads) {
  const uint64_t shared = Customer();
  auto written = vault().Write({.subject_id = shared,
                                .purposes = {"service"},
                                .fields = {{.category = "user.name", .value = "Ada"}}});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  const uint64_t name_field = written->front();
  constexpr int kRounds = 12;
  std::vector<std::thread> threads;
  // Subjects come and go: create, write, read, erase (the purger's work).
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds; ++i) {
      auto id = vault().CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
      Check(id.status(), "create");
      if (!id.ok()) continue;
      const std::string email = "user" + std::to_string(i) + "@example.com";
      Check(vault()
                .Write({.subject_id = *id,
                        .purposes = {"service"},
                        .fields = {{.category = "user.contact.email", .value = email}}})
                .status(),
            "write");
      Check(vault().Read(Principal::Service(), *id, "service").status(), "read");
      Check(vault().Erase(*id), "erase");
    }
  });
  // Reads of one subject, synchronous and through the read committer.
  std::atomic<int> answered{0};  // ReadThen's answers, which may come after the thread ended
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds * 2; ++i) {
      Check(vault().Read(Principal::Service(), shared, "service").status(), "read shared");
      vault().ReadThen(Principal::Service(), shared, "service", [&](StatusOr<ReadResult> r) {
        Check(r.status(), "read then");
        ++answered;
      });
    }
  });
  // Its consent and its one field change meanwhile.
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds; ++i) {
      const ConsentAction action = i % 2 == 0 ? ConsentAction::kGrant : ConsentAction::kWithdraw;
      Check(vault().RecordConsent(shared, {.purpose = "marketing", .action = action}), "consent");
      Check(vault().Rectify(Principal::Service(), shared, name_field, "Ada " + std::to_string(i)),
            "rectify");
    }
  });
  // Operators' calls: retention sweeps, tree heads, health, lookups, a key rotation.
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds; ++i) {
      Check(RunRetention(vault()).status(), "retention");
      Check(vault().SignTreeHead().status(), "tree head");
      Check(vault().Health(), "health");
      Check(vault().FindSubject(Vault::Identifier::kEmail, "user0@example.com").status(), "find");
      if (i == kRounds / 2) Check(vault().RotateMasterKey(std::string(64, 'b')), "rotate");
      clock_.Advance(std::chrono::hours(1));
    }
  });
  for (std::thread& t : threads) t.join();
  vault().DrainReads();
  EXPECT_EQ(answered.load(), kRounds * 2);
  EXPECT_EQ(failures_.load(), 0);
  Reopen();  // every purge and decision stored, the log whole
  EXPECT_EQ(vault().Health().code(), StatusCode::kOk);
  auto read = vault().Read(Principal::Service(), shared, "service");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->fields.size(), 1u);
}

// Each read of a subject not yet cached unwraps its key with the master key, which a rotation
// replaces (and rewraps every subject key under) meanwhile.
TEST_P(VaultUnderThreads, ReadsOfUncachedSubjectsDuringKeyRotations) {
  constexpr int kSubjects = 40;
  std::vector<uint64_t> ids;
  for (int i = 0; i < kSubjects; ++i) {
    ids.push_back(Customer());
    ASSERT_TRUE(vault()
                    .Write({.subject_id = ids.back(),
                            .purposes = {"service"},
                            .fields = {{.category = "user.name", .value = "Ada"}}})
                    .ok());
  }
  Reopen();  // nothing cached
  std::atomic<bool> reading{true};
  std::thread rotator([&] {
    for (int i = 0; reading; ++i)
      Check(vault().RotateMasterKey(std::string(64, "bc"[i % 2])), "rotate");
  });
  for (uint64_t id : ids) Check(vault().Read(Principal::Service(), id, "service").status(), "read");
  reading = false;
  rotator.join();
  EXPECT_EQ(failures_.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(ReadAuditing, VaultUnderThreads,
                         ::testing::Values(VaultOptions::ReadAuditing::kBeforeReturn,
                                           VaultOptions::ReadAuditing::kBatched),
                         [](const ::testing::TestParamInfo<VaultOptions::ReadAuditing>& param) {
                           return param.param == VaultOptions::ReadAuditing::kBatched
                                      ? "Batched"
                                      : "BeforeReturn";
                         });

}  // namespace
}  // namespace privet
