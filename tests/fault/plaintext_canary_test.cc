// No plaintext personal data at rest: distinctive values written through the vault must not
// appear in any file the vault leaves on disk (data file, its WAL, the key store, its WAL, any
// log), and erased subjects' keys must be gone from disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "privet/vault.h"
#include "store/store.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Files under `dir` (recursively) that contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, std::string_view needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (ReadFile(e.path()).find(needle) != std::string::npos)
      hits.push_back(e.path().filename().string());
  }
  return hits;
}

class OnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
    auto opened = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    vault_ = std::move(*opened);
  }

  testing::TempDir dir_;
  ManualClock clock_{CivilDayToTime({2024, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(OnDisk, PlaintextCanariesAppearInNoFile) {
  const std::vector<std::string> canaries = {
      "Zebulon Quixotic-Canary", "zq.canary.7731@example.org", "Birthplace Xanadu Canary"};
  std::vector<uint64_t> ids;
  for (int i = 0; i < 20; ++i) {
    auto id = vault_->CreateSubject(
        {.kind = "customer", .birth_date = CivilDay{1987, 7, 31}, .jurisdiction = "Canaryland"});
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
    ASSERT_TRUE(vault_
                    ->Write({.subject_id = *id,
                             .purposes = {"service"},
                             .fields = {{.category = "user.name", .value = canaries[0]},
                                        {.category = "user.contact.email",
                                         .value = i == 0 ? canaries[1]
                                                         : "zq.canary.7731+" + std::to_string(i) +
                                                               "@example.org"},
                                        {.category = "user.name", .value = canaries[2]}}})
                    .ok());
  }
  ASSERT_TRUE(
      vault_
          ->Rectify(Principal::Service(), ids[0],
                    *vault_
                         ->Write({.subject_id = ids[0],
                                  .purposes = {"service"},
                                  .fields = {{.category = "user.name", .value = "temporary"}}})
                         ->begin(),
                    "Rectified Canary Value")
          .ok());
  ASSERT_TRUE(vault_->FindSubject(Vault::Identifier::kEmail, canaries[1])->has_value());

  auto scan = [&](const char* when) {
    for (const std::string& needle :
         {canaries[0], canaries[1], canaries[2], std::string("Rectified Canary Value"),
          std::string("Canaryland"), std::string("1987-07-31"), std::string("zq.canary.7731")}) {
      EXPECT_EQ(FilesContaining(dir_.path(), needle), std::vector<std::string>{})
          << needle << " " << when;
    }
  };
  scan("while open (WAL files present)");
  // The scan saw the WAL files, not only the main files.
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data.db-wal"));
  vault_.reset();
  scan("after close");
}

TEST_F(OnDisk, ErasedSubjectsKeyIsGoneAndOldBackupsYieldNothing) {
  auto id = vault_->CreateSubject({.kind = "customer", .age_years = 40});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(vault_
                  ->Write({.subject_id = *id,
                           .purposes = {"service"},
                           .fields = {{.category = "user.name", .value = "Erase Me"}}})
                  .ok());
  const std::string before_erasure = dir_ / "backup-before-erasure.db";
  ASSERT_TRUE(vault_->BackupData(before_erasure).ok());

  // The subject's key, wrapped and unwrapped, as it is on disk now.
  std::string wrapped, raw;
  {
    auto keys = store::OpenSqliteKeyStore(dir_ / "keys.db");
    ASSERT_TRUE(keys.ok());
    auto w = (*keys)->GetWrappedKey(*id);
    ASSERT_TRUE(w.ok() && w->has_value());
    wrapped = **w;
    auto master = crypto::LoadOrCreateMasterKey(dir_ / "master.key");
    ASSERT_TRUE(master.ok());
    auto key = crypto::UnwrapKey(*master, wrapped, *id);
    ASSERT_TRUE(key.ok());
    raw = std::string(key->view());
  }
  ASSERT_FALSE(FilesContaining(dir_.path(), wrapped).empty());  // the scan can see it before

  ASSERT_TRUE(vault_->Erase(*id).ok());
  // Erase returns once the destruction is durable; the background purge then scrubs the key's
  // old bytes from the key store's files. Closing the vault waits for the purge.
  vault_.reset();
  EXPECT_EQ(FilesContaining(dir_.path(), wrapped), std::vector<std::string>{});
  EXPECT_EQ(FilesContaining(dir_.path(), raw), std::vector<std::string>{});

  // A data file copied before the erasure, opened with today's key store, yields nothing.
  testing::TempDir restored;
  std::filesystem::copy_file(before_erasure, restored / "data.db");
  auto restored_vault = Vault::Open({.data_dir = restored.path(),
                                     .key_store_path = dir_ / "keys.db",
                                     .master_key_file = dir_ / "master.key",
                                     .policy = policy_,
                                     .clock = &clock_});
  ASSERT_TRUE(restored_vault.ok()) << restored_vault.status().ToString();
  auto read = (*restored_vault)->Read(Principal::Service(), *id, "service");
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace privet
