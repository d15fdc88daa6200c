// A vault on a fresh temp directory with a manual clock, for tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"
#include "vault/vault_core.h"

namespace privet::testing {

class VaultTest : public ::testing::Test {
 protected:
  // `policy_file` relative to the source tree, e.g. "policies/confect.yaml".
  explicit VaultTest(std::string policy_file) : policy_file_(std::move(policy_file)) {}

  void SetUp() override {
    policy_ = CompileFile(policy_file_);
    ASSERT_NE(policy_, nullptr);
    // As the CLI and the server open it: the first open records the file as the first
    // published version (Vault::PolicyVersions), the one a published change is compared with.
    if (first_open_with_text_) policy_text_ = ReadFile(SourcePath(policy_file_));
    ReopenWith({.policy_text = policy_text_});
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

  // Reopens the vault under an edited copy of its policy, e.g. the policy's next version, as a
  // running server does when that version takes effect (Vault::Reopen).
  void ReopenUnder(const std::function<void(Policy&)>& edit) {
    Policy edited = policy_->policy();
    edit(edited);
    auto compiled = CompiledPolicy::Compile(std::move(edited));
    ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
    policy_ = *compiled;
    auto reopened = Vault::Reopen(std::move(vault_),
                                  {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    vault_ = std::move(*reopened);
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

  // A distinct value of the category's form (identifiers are unique to their subject).
  std::string SampleValue(const Category& category) {
    const std::string n = std::to_string(++samples_);
    if (category.identifier == "phone") return "+1 555 01" + n;
    return "v" + n + "." + category.id + "@example.com";
  }

  // The categories `purpose` may use (its own and its ancestors'), as the policy declares them:
  // the pseudonymous identifiers or the rest (a subject never holds both, CU04).
  std::vector<const Category*> CategoriesFor(std::string_view purpose, bool pseudonymous) const {
    std::vector<const Category*> out;
    const CompiledPurpose& p = policy_->purpose(*policy_->FindPurpose(purpose));
    for (int c = 0; c < policy_->category_count(); ++c) {
      const Category& category = policy_->category(static_cast<CategoryId>(c));
      if (p.categories.Test(c) && category.pseudonymous_identifier == pseudonymous)
        out.push_back(&category);
    }
    return out;
  }

  // Records the subject's choice of `purpose` where the purpose needs one (consent), through the
  // marketing channel that serves it if there is one.
  Status ChooseIfNeeded(uint64_t id, const std::string& purpose) {
    if (policy_->purpose(*policy_->FindPurpose(purpose)).consent != ConsentMode::kRequired)
      return Status::Ok();
    ConsentChange grant{.purpose = purpose, .action = ConsentAction::kGrant};
    for (const MarketingChannel& ch : policy_->policy().marketing_channels)
      if (ch.purpose == purpose) grant = {.channel = ch.id, .action = ConsentAction::kGrant};
    return vault_->RecordConsent(id, grant);
  }

  // The outbox messages of `topic`, opened with their subject's key, by subject.
  std::multimap<uint64_t, nlohmann::json> OpenedOutbox(std::string_view topic) {
    std::multimap<uint64_t, nlohmann::json> out;
    vault_internal::VaultCore& core = vault_internal::CoreOf(*vault_);
    auto messages = core.data().GetOutbox(false);
    EXPECT_TRUE(messages.ok()) << messages.status().ToString();
    if (!messages.ok()) return out;
    for (const store::OutboxRecord& m : *messages) {
      if (m.topic != topic) continue;
      auto body =
          core.Open(m.subject_id, vault_internal::VaultCore::OutboxContext(m.topic), m.sealed_body);
      EXPECT_TRUE(body.ok()) << body.status().ToString();
      out.emplace(m.subject_id, nlohmann::json::parse(body.ok() ? *body : "null"));
    }
    return out;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string policy_file_;
  bool first_open_with_text_ = false;  // set in a constructor: SetUp opens with policy_text_
  std::string policy_text_;            // the file's text, when first_open_with_text_
  TempDir dir_;
  ManualClock clock_{CivilDayToTime({2024, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  std::unique_ptr<Vault> vault_;
  int samples_ = 0;
};

}  // namespace privet::testing
