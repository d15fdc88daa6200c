// A vault on a fresh temp directory with a manual clock, for tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet::testing {

class VaultTest : public ::testing::Test {
 protected:
  // `policy_file` relative to the source tree, e.g. "policies/confect.yaml".
  explicit VaultTest(std::string policy_file) : policy_file_(std::move(policy_file)) {}

  void SetUp() override {
    policy_ = CompileFile(policy_file_);
    ASSERT_NE(policy_, nullptr);
    Reopen();
  }

  void Reopen() { ReopenWith({}); }

  // Reopens with `options`, its directory, policy and clock the fixture's.
  void ReopenWith(VaultOptions options) {
    vault_.reset();
    options.data_dir = dir_.path();
    options.policy = policy_;
    options.clock = &clock_;
    auto opened = Vault::Open(std::move(options));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    vault_ = std::move(*opened);
  }

  // Reopens the vault under an edited copy of its policy, e.g. the policy's next version.
  void ReopenUnder(const std::function<void(Policy&)>& edit) {
    Policy edited = policy_->policy();
    edit(edited);
    auto compiled = CompiledPolicy::Compile(std::move(edited));
    ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
    policy_ = *compiled;
    Reopen();
  }

  Vault& vault() { return *vault_; }
  const CompiledPolicy& compiled() const { return *policy_; }

  uint64_t NewSubject(privet::NewSubject s) {
    auto id = vault_->CreateSubject(s);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  // The values the service reads of subject `id` for `purpose` (a failed read fails the test).
  std::vector<std::string> ValuesFor(uint64_t id, const std::string& purpose) {
    std::vector<std::string> out;
    auto read = vault_->Read(Principal::Service(), id, purpose);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    if (read.ok())
      for (const FieldValue& f : read->fields) out.push_back(f.value);
    return out;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string policy_file_;
  TempDir dir_;
  ManualClock clock_{CivilDayToTime({2024, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  std::unique_ptr<Vault> vault_;
};

}  // namespace privet::testing
