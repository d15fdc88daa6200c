// Drives `privet breach record|list|authority-notified` against a vault made by the library with
// the starter policy (breach: email, threshold high_risk, authority within 72 hours), by the real
// clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/run_privet.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunPrivet;

class BreachCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto vault = Vault::Open({.data_dir = dir_ / "vault",
                              .policy = testing::CompileFile("policies/starter.yaml"),
                              .clock = &clock_});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    for (const char* email : {"ada@example.com", "bo@example.com"}) {
      auto id = (*vault)->CreateSubject({.kind = "customer", .age_years = 30});
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE((*vault)
                      ->Write({.subject_id = *id,
                               .purposes = {"service"},
                               .fields = {{.category = "user.contact.email", .value = email}}})
                      .ok());
    }
    vault_ =
        " --policy " + testing::SourcePath("policies/starter.yaml") + " --data " + (dir_ / "vault");
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::string vault_;
};

TEST_F(BreachCli, RecordsListsAndClosesTheAuthorityDeadline) {
  const std::string started = Rfc3339(clock_.Now() - std::chrono::hours(5));
  std::string out;
  ASSERT_EQ(
      RunPrivet("breach record --what 'A mailing list export was exposed' --started " + started +
                    " --aware " + started + " --categories user.contact --risk high_risk" + vault_,
                &out),
      0)
      << out;
  EXPECT_THAT(out, HasSubstr("2 subjects affected"));
  EXPECT_THAT(out, HasSubstr("2 notices queued"));
  EXPECT_THAT(out, HasSubstr("authority due "));
  EXPECT_THAT(out, Not(HasSubstr("example.com")));            // nobody named
  const std::string id = out.substr(16, out.find(':') - 16);  // "recorded breach ID: ..."
  ASSERT_EQ(RunPrivet("breach list" + vault_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr(id + "\t"));
  EXPECT_THAT(out, HasSubstr("high_risk\t2 affected (data held)\t2 notified\tauthority due"));
  ASSERT_EQ(RunPrivet("breach authority-notified " + id + vault_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("authority notified "));
  EXPECT_EQ(RunPrivet("breach authority-notified " + id + vault_, &out), 1);  // once
  EXPECT_THAT(out, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_EQ(RunPrivet("breach authority-notified 12345" + vault_, &out), 1);
  EXPECT_THAT(out, HasSubstr("NOT_FOUND"));
}

TEST_F(BreachCli, BadFlagsAreRefusedAndRecordNothing) {
  std::string out;
  const std::string now = " --aware " + Rfc3339(clock_.Now()) + " ";
  EXPECT_EQ(
      RunPrivet("breach record --what x --risk risk --started yesterday" + now + vault_, &out), 2);
  EXPECT_THAT(out, HasSubstr("--started must be a UTC time"));
  EXPECT_EQ(RunPrivet("breach record --what x --started 2026-01-01T00:00:00Z" + now + vault_, &out),
            2);  // --risk is required: no default assessment
  EXPECT_EQ(RunPrivet("breach record --what x --started 2026-01-01T00:00:00Z --risk catastrophic" +
                          now + vault_,
                      &out),
            2);
  EXPECT_EQ(RunPrivet("breach record --what x --started 2026-01-01T00:00:00Z --risk risk" + now +
                          "--categories user.nothing" + vault_,
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("INVALID_ARGUMENT"));
  ASSERT_EQ(RunPrivet("breach list" + vault_, &out), 0) << out;
  EXPECT_EQ(out, "");
}

TEST_F(BreachCli, BesideARunningServerItPointsToTheRoute) {
  auto held = Vault::Open({.data_dir = dir_ / "vault",
                           .policy = testing::CompileFile("policies/starter.yaml"),
                           .clock = &clock_});
  ASSERT_TRUE(held.ok());
  std::string out;
  EXPECT_EQ(RunPrivet("breach list" + vault_, &out), 1);
  EXPECT_THAT(out, HasSubstr("/v1/breaches"));
}

}  // namespace
}  // namespace privet
