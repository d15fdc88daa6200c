// Every kind of vault call at once, from several threads, beside the vault's own background
// threads (read committer, purger). The assertions are modest (every call succeeds, nothing is
// lost); the point is the ThreadSanitizer build (scripts/test.sh), which sees every access the
// calls make and reports any that no lock or atomic orders.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
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

// Issue 15: a master key rotation while other threads create subjects and write their fields,
// then a restart. Every subject created before, during and after the rotation reads back what
// was written (none is wrapped under a key that is gone), and the audit log verifies.
TEST_P(VaultUnderThreads, KeyRotationUnderLoadThenARestartLosesNothing) {
  std::mutex mu;
  std::map<uint64_t, std::vector<std::string>> written;  // subject → its values; guarded by mu
  auto create_and_write = [&](const std::string& tag) {
    auto id = vault().CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    Check(id.status(), "create");
    if (!id.ok()) return;
    const std::vector<std::string> values = {tag + "@example.com", "Name " + tag};
    Check(vault()
              .Write({.subject_id = *id,
                      .purposes = {"service"},
                      .fields = {{.category = "user.contact.email", .value = values[0]},
                                 {.category = "user.name", .value = values[1]}}})
              .status(),
          "write");
    std::lock_guard lock(mu);
    written[*id] = values;
  };
  for (int i = 0; i < 5; ++i) create_and_write("before" + std::to_string(i));
  std::atomic<bool> rotating{true};
  std::atomic<int> during{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      // Until the rotations are over, and at least a few subjects each.
      for (int i = 0; rotating || i < 4; ++i) {
        create_and_write("during" + std::to_string(t) + "-" + std::to_string(i));
        if (rotating) ++during;
      }
    });
  }
  std::thread rotator([&] {
    while (during.load() < 2) std::this_thread::yield();  // the writers are under way
    for (int i = 0; i < 3; ++i) Check(vault().RotateMasterKey(std::string(64, "bcd"[i])), "rotate");
    rotating = false;
  });
  rotator.join();
  for (std::thread& t : writers) t.join();
  for (int i = 0; i < 5; ++i) create_and_write("after" + std::to_string(i));
  EXPECT_GE(during.load(), 2);
  ASSERT_EQ(failures_.load(), 0);
  vault().DrainReads();

  Reopen();
  for (const auto& [id, values] : written) {
    auto read = vault().Read(Principal::Service(), id, "service");
    ASSERT_TRUE(read.ok()) << "subject " << id << ": " << read.status().ToString();
    std::vector<std::string> got;
    for (const FieldValue& f : read->fields) got.push_back(f.value);
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = values;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << "subject " << id;
  }
  ASSERT_TRUE(vault().SignTreeHead().ok());
  vault().DrainReads();
  vault_.reset();
  auto verified = VerifyAuditLog({.data_dir = dir_.path()}, std::nullopt);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok()) << ::testing::PrintToString(verified->problems);
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
