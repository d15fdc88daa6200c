// Drives `privet policy publish` and `privet policy versions` against a vault made by the
// library with the starter policy's file, by the real clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/policy_versions.h"
#include "testing/run_privet.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using testing::RunPrivet;

class PolicyPublishCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string file = testing::SourcePath("policies/starter.yaml");
    std::ifstream in(file, std::ios::binary);
    text_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    auto vault = Vault::Open({.data_dir = dir_ / "vault",
                              .policy = testing::CompileFile("policies/starter.yaml"),
                              .policy_text = text_,
                              .clock = &clock_});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    data_ = " --data " + (dir_ / "vault");
    v1_ = " --policy " + file;
  }
  // Writes version 2, effective today, and returns its path.
  std::string WriteNext() {
    std::string path = dir_ / "v2.yaml";
    std::ofstream(path) << testing::VersionText(text_, 2, CivilDayOf(clock_.Now()));
    return path;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::string text_, data_, v1_;
};

TEST_F(PolicyPublishCli, PublishesTheNextVersionOnceAndListsThem) {
  std::string out;
  ASSERT_EQ(RunPrivet("policy versions" + v1_ + data_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("1\t2025-01-01\tinitial"));
  const std::string next = WriteNext();
  ASSERT_EQ(RunPrivet("policy publish " + next + v1_ + data_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("published version 2 (non_material), effective " +
                             DayString(CivilDayOf(clock_.Now()))));
  // The same file again is no longer the next version.
  EXPECT_EQ(RunPrivet("policy publish " + next + " --policy " + next + data_, &out), 1);
  EXPECT_THAT(out, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_EQ(RunPrivet("policy publish " + next + v1_ + data_ + " --effective soon", &out), 2);
  // Version 2 is in force from today: the vault is opened with its file, no longer with 1's.
  EXPECT_EQ(RunPrivet("policy versions" + v1_ + data_, &out), 1);
  EXPECT_THAT(out, HasSubstr("replaced by version 2"));
  ASSERT_EQ(RunPrivet("policy versions --policy " + next + data_, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("2\t" + DayString(CivilDayOf(clock_.Now())) + "\tnon_material"));
}

TEST_F(PolicyPublishCli, BesideARunningServerItPointsToTheRoute) {
  auto held = Vault::Open({.data_dir = dir_ / "vault",
                           .policy = testing::CompileFile("policies/starter.yaml"),
                           .clock = &clock_});
  ASSERT_TRUE(held.ok());
  std::string out;
  EXPECT_EQ(RunPrivet("policy publish " + WriteNext() + v1_ + data_, &out), 1);
  EXPECT_THAT(out, HasSubstr("POST /v1/policy/versions"));
}

}  // namespace
}  // namespace privet
