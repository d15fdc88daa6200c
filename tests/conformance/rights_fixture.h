// Support for the rights conformance suites (*_rights_test.cc): a vault on the company's policy
// with a manual clock (testing::VaultTest) and a RequestDesk on it, plus the steps a subject
// takes: file a request, read the identity code from the outbox, type it in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "privet/retention.h"
#include "privet/rights.h"
#include "testing/vault_fixture.h"

namespace privet::testing {

class RightsTest : public VaultTest {
 protected:
  explicit RightsTest(std::string policy_file) : VaultTest(std::move(policy_file)) {}

  void SetUp() override {
    VaultTest::SetUp();
    desk_ = std::make_unique<RequestDesk>(vault());
  }
  void TearDown() override { desk_.reset(); }

  RequestDesk& desk() { return *desk_; }

  // The identity code sent for `request_id` (the latest one), or "" (a test failure) if none.
  std::string CodeFor(uint64_t request_id) {
    auto outbox = desk().Outbox(/*unsent_only=*/false);
    EXPECT_TRUE(outbox.ok()) << outbox.status().ToString();
    if (!outbox.ok()) return "";
    std::string code;
    for (const OutboxMessage& m : *outbox) {
      if (m.topic != "identity_code") continue;
      nlohmann::json body = nlohmann::json::parse(m.body, nullptr, /*allow_exceptions=*/false);
      if (!body.is_object() || body.value("request", "") != std::to_string(request_id)) continue;
      code = body.value("code", "");
    }
    EXPECT_FALSE(code.empty()) << "no identity code in the outbox for request " << request_id;
    return code;
  }

  // Outbox messages with `topic` (sent or not).
  std::vector<OutboxMessage> Messages(const std::string& topic) {
    std::vector<OutboxMessage> out;
    auto outbox = desk().Outbox(/*unsent_only=*/false);
    EXPECT_TRUE(outbox.ok()) << outbox.status().ToString();
    if (!outbox.ok()) return out;
    for (const OutboxMessage& m : *outbox)
      if (m.topic == topic) out.push_back(m);
    return out;
  }

  // Files `request` and confirms it with the code from the outbox: the request after the code
  // (in progress, or awaiting its fee). Returns a request with id 0 on failure (test failed).
  RightsRequest FileAndVerify(const NewRequest& request) {
    auto filed = desk().File(request);
    EXPECT_TRUE(filed.ok()) << filed.status().ToString();
    if (!filed.ok()) return {};
    EXPECT_EQ(filed->state, RequestState::kIdentityPending);
    auto verified = desk().VerifyIdentity(filed->id, CodeFor(filed->id));
    EXPECT_TRUE(verified.ok()) << verified.status().ToString();
    return verified.ok() ? *verified : RightsRequest{};
  }

  // Files, verifies and fulfils: the result of Fulfil.
  StatusOr<FulfilResult> Exercise(const NewRequest& request, const Fulfilment& fulfilment = {}) {
    RightsRequest r = FileAndVerify(request);
    if (r.id == 0) return Internal("the request could not be filed and verified");
    return desk().Fulfil(r.id, fulfilment);
  }

  std::vector<uint64_t> MustWrite(const WriteRequest& request) {
    auto ids = vault().Write(request);
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? *ids : std::vector<uint64_t>(request.fields.size(), 0);
  }

  // The categories of `fields`, sorted.
  static std::vector<std::string> CategoriesOf(const std::vector<FieldValue>& fields) {
    std::vector<std::string> out;
    for (const FieldValue& f : fields) out.push_back(f.category);
    std::sort(out.begin(), out.end());
    return out;
  }

  // The categories a Read returns for `purpose` as seen by `who`, sorted.
  std::vector<std::string> Visible(const Principal& who, uint64_t subject,
                                   const std::string& purpose) {
    auto read = vault().Read(who, subject, purpose);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() ? CategoriesOf(read->fields) : std::vector<std::string>{};
  }

  // The reasons fields were withheld for, from a Read, leaving out fields that were never
  // collected for the purpose read (not_collected_for_purpose).
  static std::vector<Reason> Reasons(const ReadResult& read) {
    std::vector<Reason> out;
    for (const WithheldField& w : read.withheld)
      if (w.reason != Reason::kNotCollectedForPurpose) out.push_back(w.reason);
    return out;
  }

  static std::vector<RequestState> States(const RightsRequest& r) {
    std::vector<RequestState> out;
    for (const RequestTransition& t : r.history) out.push_back(t.state);
    return out;
  }

  // Parses an export; an empty object (a test failure) if it is not JSON.
  static nlohmann::json Parse(const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << text;
    return j.is_discarded() ? nlohmann::json::object() : j;
  }

  std::unique_ptr<RequestDesk> desk_;
};

}  // namespace privet::testing
