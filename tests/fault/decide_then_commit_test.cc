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
#include "store/store.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"
#include "vault/vault_internal.h"

namespace privet {
namespace {

// A data store that runs `on_get_fields` (once) when the vault next reads a subject's fields.
class HookedDataStore : public store::DataStore {
 public:
  explicit HookedDataStore(std::unique_ptr<store::DataStore> inner) : inner_(std::move(inner)) {}

  std::function<void()> on_get_fields;

  Status Apply(const store::WriteBatch& b) override { return inner_->Apply(b); }
  StatusOr<std::optional<store::SubjectRecord>> GetSubject(uint64_t id) override {
    return inner_->GetSubject(id);
  }
  StatusOr<std::vector<store::FieldRecord>> GetFields(uint64_t id) override {
    if (on_get_fields) {
      std::function<void()> hook = std::move(on_get_fields);
      on_get_fields = nullptr;
      hook();
    }
    return inner_->GetFields(id);
  }
  StatusOr<std::vector<store::ConsentEventRecord>> GetConsentEvents(uint64_t id) override {
    return inner_->GetConsentEvents(id);
  }
  StatusOr<std::vector<store::DisclosureRecord>> GetDisclosures(uint64_t id) override {
    return inner_->GetDisclosures(id);
  }
  StatusOr<std::optional<uint64_t>> FindByBlindIndex(std::string_view index,
                                                     std::string_view hash) override {
    return inner_->FindByBlindIndex(index, hash);
  }
  StatusOr<std::vector<uint64_t>> ListOrganizationMembers(uint64_t org) override {
    return inner_->ListOrganizationMembers(org);
  }
  StatusOr<std::optional<store::RequestRecord>> GetRequest(uint64_t id) override {
    return inner_->GetRequest(id);
  }
  StatusOr<std::vector<store::RequestRecord>> ListRequests(uint64_t id) override {
    return inner_->ListRequests(id);
  }
  StatusOr<std::vector<store::RequestRecord>> ListOpenRequests() override {
    return inner_->ListOpenRequests();
  }
  StatusOr<std::vector<store::OutboxRecord>> GetOutbox(bool unsent_only) override {
    return inner_->GetOutbox(unsent_only);
  }
  StatusOr<std::vector<store::LegalHoldRecord>> GetLegalHolds(uint64_t id) override {
    return inner_->GetLegalHolds(id);
  }
  StatusOr<std::vector<store::LifecycleEventRecord>> GetLifecycleEvents(uint64_t id) override {
    return inner_->GetLifecycleEvents(id);
  }
  StatusOr<std::vector<store::AggregateRecord>> GetAggregates() override {
    return inner_->GetAggregates();
  }
  Status ScanFieldMetadata(const std::function<bool(const store::FieldMetadata&)>& visit) override {
    return inner_->ScanFieldMetadata(visit);
  }
  Status PurgeSubject(uint64_t id) override { return inner_->PurgeSubject(id); }
  Status BackupTo(const std::string& path) override { return inner_->BackupTo(path); }
  StatusOr<std::vector<store::AuditRecord>> GetAuditEntries(uint64_t start,
                                                            uint64_t limit) override {
    return inner_->GetAuditEntries(start, limit);
  }
  StatusOr<std::vector<store::TreeHeadRecord>> GetTreeHeads() override {
    return inner_->GetTreeHeads();
  }
  void SetAuditOnlyDurability(AuditOnlyDurability d) override { inner_->SetAuditOnlyDurability(d); }

 private:
  std::unique_ptr<store::DataStore> inner_;
};

class DecideThenCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
    vault_internal::Opener::Wrappers wrap;
    wrap.data = [this](std::unique_ptr<store::DataStore> s) {
      auto hooked = std::make_unique<HookedDataStore>(std::move(s));
      store_ = hooked.get();
      return std::unique_ptr<store::DataStore>(std::move(hooked));
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
  HookedDataStore* store_ = nullptr;
  uint64_t subject_ = 0;
};

TEST_F(DecideThenCommit, AWriteForAConsentWithdrawnWhileItWasDecidedIsRefused) {
  ASSERT_TRUE(
      vault_->RecordConsent(subject_, {.purpose = "marketing", .action = ConsentAction::kGrant})
          .ok());
  Status withdrawn;
  store_->on_get_fields = [&] {
    withdrawn = vault_->RecordConsent(subject_,
                                      {.purpose = "marketing", .action = ConsentAction::kWithdraw});
  };
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
  store_->on_get_fields = [&] { ++hooks; };
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
