// The vault on each store implementation: the same script on SQLite and on the in-memory store
// (swapped in through vault_internal::Opener's wrappers), with the same expectations. What the
// vault promises must not depend on the backend under it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audit/merkle.h"
#include "nlohmann/json.hpp"
#include "privet/audit.h"
#include "privet/vault.h"
#include "store/memory/memory_store.h"
#include "testing/policy_fixture.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vault/vault_core.h"
#include "vault/vault_internal.h"

namespace privet {
namespace {

enum class Backend { kSqlite, kMemory };

class VaultOnStore : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
    vault_internal::Opener::Wrappers wrap;
    if (GetParam() == Backend::kMemory) {
      wrap.data = [](std::unique_ptr<store::DataStore>) { return store::NewMemoryDataStore(); };
      wrap.keys = [](std::unique_ptr<store::KeyStore>) { return store::NewMemoryKeyStore(); };
    }
    auto opened = vault_internal::Opener::Open(
        {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_}, wrap);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    vault_ = std::move(*opened);
  }

  StatusOr<uint64_t> NewCustomer() {
    return vault_->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
  }
  StatusOr<std::vector<uint64_t>> WriteEmail(uint64_t id, const std::string& email,
                                             std::vector<std::string> purposes = {"service"}) {
    return vault_->Write({.principal = Principal::Service(),
                          .subject_id = id,
                          .purposes = std::move(purposes),
                          .fields = {{.category = "user.contact.email", .value = email},
                                     {.category = "user.name", .value = "Name"}}});
  }
  std::optional<uint64_t> Find(const std::string& email) {
    auto found = vault_->FindSubject(Vault::Identifier::kEmail, email);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : std::nullopt;
  }

  testing::TempDir dir_;
  std::shared_ptr<const CompiledPolicy> policy_;
  SystemClock clock_;
  std::unique_ptr<Vault> vault_;
};

std::string BackendName(const ::testing::TestParamInfo<Backend>& param) {
  return param.param == Backend::kMemory ? "Memory" : "Sqlite";
}

INSTANTIATE_TEST_SUITE_P(Backends, VaultOnStore,
                         ::testing::Values(Backend::kSqlite, Backend::kMemory), BackendName);

TEST_P(VaultOnStore, WritesReadsRectifiesAndDeletes) {
  auto id = NewCustomer();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto written = WriteEmail(*id, "ann@example.com");
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto read = vault_->Read(Principal::Service(), *id, "service");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->fields.size(), 2u);
  EXPECT_EQ(Find("ann@example.com"), id.value());

  ASSERT_TRUE(vault_->Rectify(Principal::Service(), *id, (*written)[0], "ann@example.org").ok());
  EXPECT_EQ(Find("ann@example.com"), std::nullopt);
  EXPECT_EQ(Find("ann@example.org"), id.value());

  ASSERT_TRUE(vault_->DeleteField(Principal::Service(), *id, (*written)[0]).ok());
  EXPECT_EQ(Find("ann@example.org"), std::nullopt);
  read = vault_->Read(Principal::Service(), *id, "service");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 1u);
  EXPECT_EQ(read->fields[0].value, "Name");
  EXPECT_TRUE(vault_->Health().ok());
}

TEST_P(VaultOnStore, AnIdentifierAnotherSubjectHoldsIsRefusedAndChangesNothing) {
  auto first = NewCustomer();
  auto second = NewCustomer();
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(WriteEmail(*first, "bob@example.com").ok());
  auto refused = WriteEmail(*second, "bob@example.com");
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists) << refused.status().ToString();
  auto read = vault_->Read(Principal::Service(), *second, "service");
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->fields.empty());  // the name of the refused batch is not there either
  EXPECT_EQ(Find("bob@example.com"), first.value());
  EXPECT_TRUE(vault_->Health().ok());  // a refusal is not a store fault
}

TEST_P(VaultOnStore, ConsentTakesEffectErasureHidesAndTheLogIsSigned) {
  auto id = NewCustomer();
  ASSERT_TRUE(id.ok());
  // Marketing needs consent: refused before, taken at once after (the cached state follows).
  EXPECT_FALSE(WriteEmail(*id, "cy@example.com", {"service", "marketing"}).ok());
  ASSERT_TRUE(
      vault_->RecordConsent(*id, {.purpose = "marketing", .action = ConsentAction::kGrant}).ok());
  auto written = WriteEmail(*id, "cy@example.com", {"service", "marketing"});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto after = vault_->Read(Principal::Service(), *id, "marketing");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->fields.empty());

  ASSERT_TRUE(vault_->Erase(*id).ok());
  EXPECT_FALSE(vault_->Read(Principal::Service(), *id, "service").ok());
  store::DataStore& data = vault_internal::CoreOf(*vault_).data();
  EXPECT_EQ(Find("cy@example.com"), std::nullopt);
  // The purger removes the subject's rows in the background, within moments.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (data.GetSubject(*id)->has_value() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_FALSE(data.GetSubject(*id)->has_value());

  auto head = vault_->SignTreeHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  auto entries = data.GetAuditEntries(0, 1000);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(head->tree_size, entries->size());
  EXPECT_GE(entries->size(), 5u);
}

// Proofs come from the vault's own tree and store: on the in-memory store there are no files a
// second store could read, and entries appended after the vault opened are proved at once.
TEST_P(VaultOnStore, ProofsComeFromTheVaultsLiveTree) {
  using testing::StatusIs;
  // No tree head signed yet: "the latest signed head" names nothing.
  EXPECT_THAT(vault_->AuditInclusionProofJson(0).status(),
              StatusIs(StatusCode::kFailedPrecondition));
  auto id = NewCustomer();
  ASSERT_TRUE(id.ok());
  auto first = vault_->SignTreeHead();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(WriteEmail(*id, "di@example.com").ok());
  ASSERT_TRUE(vault_->Read(Principal::Service(), *id, "service").ok());
  auto second = vault_->SignTreeHead();
  ASSERT_TRUE(second.ok());
  ASSERT_GT(second->tree_size, first->tree_size);

  for (uint64_t index : {uint64_t{0}, second->tree_size - 1}) {
    auto json = vault_->AuditInclusionProofJson(index);  // against the latest signed head
    ASSERT_TRUE(json.ok()) << json.status().ToString();
    nlohmann::json proof = nlohmann::json::parse(*json);
    EXPECT_EQ(proof["index"], index);
    EXPECT_EQ(proof["tree_size"], second->tree_size);
    EXPECT_EQ(proof["tree_head"]["root_hash"], second->root_hash);
    std::vector<audit::Hash> path;
    for (const auto& h : proof["inclusion_path"])
      path.push_back(*audit::HashFromHex(h.get<std::string>()));
    EXPECT_TRUE(audit::VerifyInclusion(audit::LeafHash(proof["entry"].get<std::string>()), index,
                                       second->tree_size, path,
                                       *audit::HashFromHex(second->root_hash)));
  }
  auto consistency = vault_->AuditConsistencyProofJson(first->tree_size, second->tree_size);
  ASSERT_TRUE(consistency.ok()) << consistency.status().ToString();
  nlohmann::json c = nlohmann::json::parse(*consistency);
  std::vector<audit::Hash> cpath;
  for (const auto& h : c["consistency_path"])
    cpath.push_back(*audit::HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(audit::VerifyConsistency(first->tree_size, second->tree_size,
                                       *audit::HashFromHex(first->root_hash),
                                       *audit::HashFromHex(second->root_hash), cpath));

  // Beyond the log: refused, naming the parameter, and nothing recorded.
  const uint64_t size = vault_->AuditSize();
  EXPECT_THAT(vault_->AuditInclusionProofJson(size, size + 1).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(vault_->AuditInclusionProofJson(size, size).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(vault_->AuditConsistencyProofJson(1, size + 1).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(vault_->AuditInclusionProofJson(size, size + 1).status().field(), "tree_size");
  EXPECT_EQ(vault_->AuditInclusionProofJson(size, size).status().field(), "index");
  EXPECT_EQ(vault_->AuditSize(), size);
  EXPECT_TRUE(vault_->Health().ok());
}

}  // namespace
}  // namespace privet
