// Drives `privet backup` and `privet keys backup|rotate` against a vault made by the library.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "privet/vault.h"
#include "store/store.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

using ::testing::HasSubstr;

int RunPrivet(const std::string& args, std::string* output = nullptr) {
  FILE* pipe = ::popen((std::string(PRIVET_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class VaultCli : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
    auto vault = Open();
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    auto id = (*vault)->CreateSubject({.kind = "customer", .age_years = 30});
    ASSERT_TRUE(id.ok());
    id_ = *id;
    ASSERT_TRUE((*vault)
                    ->Write({.subject_id = id_,
                             .purposes = {"service"},
                             .fields = {{.category = "user.name", .value = "Ada"}}})
                    .ok());
  }
  StatusOr<std::unique_ptr<Vault>> Open() {
    return Vault::Open({.data_dir = dir_ / "vault", .policy = policy_, .clock = &clock_});
  }

  testing::TempDir dir_;
  ManualClock clock_{CivilDayToTime({2024, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  uint64_t id_ = 0;
};

// The README's tour run before a vault exists, or with --data mistyped: every command on a vault
// says there is none (exit 2, a usage error) and creates nothing.
TEST_F(VaultCli, CommandsOnAMissingOrMistypedVaultRefuseAndCreateNothing) {
  const std::string missing = (dir_ / "vualt");
  const std::string empty = (dir_ / "empty");
  std::filesystem::create_directories(empty);
  const std::string policy = std::string(PRIVET_SOURCE_DIR) + "/policies/starter.yaml";
  for (const std::string& dir : {missing, empty}) {
    for (const std::string& command :
         {"backup " + dir + " " + (dir_ / "b.db"), "keys backup " + dir + " " + (dir_ / "k.db"),
          "keys rotate " + dir, "keys admin --new " + dir, "audit verify " + dir,
          "audit sign " + dir, "audit proof " + dir + " 0", "audit public-key " + dir,
          "request overdue --policy " + policy + " --data " + dir,
          "retention run --dry-run --policy " + policy + " --data " + dir,
          "subject event --policy " + policy + " --data " + dir +
              " --subject 1 --event contract_end",
          "subject hold --policy " + policy + " --data " + dir + " --subject 1 --ground case-1",
          "subject release --policy " + policy + " --data " + dir + " --subject 1"}) {
      SCOPED_TRACE(command);
      std::string out;
      EXPECT_EQ(RunPrivet(command, &out), 2);
      EXPECT_THAT(out, HasSubstr("no privet vault at '" + dir + "'"));
    }
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_TRUE(std::filesystem::is_empty(empty));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "b.db"));
  std::string version;
  EXPECT_EQ(RunPrivet("--version", &version), 0);
  EXPECT_THAT(version, HasSubstr("privet "));
}

TEST_F(VaultCli, BackupCopiesTheDataFileAloneAndNeverOverwrites) {
  std::string out;
  ASSERT_EQ(RunPrivet("backup " + (dir_ / "vault") + " " + (dir_ / "copy.db"), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("no keys"));
  auto copy = store::OpenSqliteDataStore(dir_ / "copy.db");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto subject = (*copy)->GetSubject(id_);
  ASSERT_TRUE(subject.ok());
  EXPECT_TRUE(subject->has_value());
  // The copy is a data file, not a key store: no wrapped key of the subject is in it.
  auto keys = store::OpenSqliteKeyStore(dir_ / "vault/keys.db");
  ASSERT_TRUE(keys.ok());
  auto wrapped = (*keys)->GetWrappedKey(id_);
  ASSERT_TRUE(wrapped.ok() && wrapped->has_value());
  EXPECT_EQ(Slurp(dir_ / "copy.db").find(**wrapped), std::string::npos);
  EXPECT_EQ(RunPrivet("backup " + (dir_ / "vault") + " " + (dir_ / "copy.db"), &out), 1);
  EXPECT_THAT(out, HasSubstr("already exists"));
}

TEST_F(VaultCli, KeysBackupAndRotateKeepTheVaultReadable) {
  std::string out;
  ASSERT_EQ(RunPrivet("keys backup " + (dir_ / "vault") + " " + (dir_ / "keys-copy.db"), &out), 0)
      << out;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "keys-copy.db"));
  const std::string before = Slurp(dir_ / "vault/master.key");
  ASSERT_EQ(RunPrivet("keys rotate " + (dir_ / "vault"), &out), 0) << out;
  EXPECT_NE(Slurp(dir_ / "vault/master.key"), before);
  auto vault = Open();
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  auto read = (*vault)->Read(Principal::Service(), id_, "service");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 1u);
  EXPECT_EQ(read->fields[0].value, "Ada");
  EXPECT_EQ(RunPrivet("keys rotate", &out), 2);
  vault->reset();
  // The master key file is named as in every other command (--key-file is still accepted).
  const std::string key_file = dir_ / "vault/master.key";
  ASSERT_EQ(RunPrivet("keys rotate " + (dir_ / "vault") + " --master-key-file " + key_file, &out),
            0)
      << out;
  ASSERT_EQ(RunPrivet("keys rotate " + (dir_ / "vault") + " --key-file " + key_file, &out), 0)
      << out;
  auto reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto again = (*reopened)->Read(Principal::Service(), id_, "service");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->fields.size(), 1u);
  EXPECT_EQ(again->fields[0].value, "Ada");
}

TEST_F(VaultCli, AuditSignVerifyProveAndDetectTruncation) {
  const std::string dir = dir_ / "vault";
  std::string out;
  ASSERT_EQ(RunPrivet("audit sign " + dir, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"tree_size\": 2"));  // the subject's creation and its write
  const std::string head_file = dir_ / "published-head.json";
  std::ofstream(head_file) << out;
  ASSERT_EQ(RunPrivet("audit verify " + dir, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit log verifies: 2 entries, 1 signed tree heads"));
  ASSERT_EQ(RunPrivet("audit verify " + dir + " --tree-head " + head_file, &out), 0) << out;
  ASSERT_EQ(RunPrivet("audit proof " + dir + " 1", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("inclusion_path"));
  ASSERT_EQ(RunPrivet("audit consistency " + dir + " 1 2", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("consistency_path"));
  ASSERT_EQ(RunPrivet("audit public-key " + dir, &out), 0) << out;
  EXPECT_EQ(out.size(), 45u);  // 44 base64 characters of a 32-byte key, and a newline
  EXPECT_EQ(RunPrivet("audit proof " + dir + " 99", &out), 1);

  // Truncating the log (and dropping the stored heads) passes a naive check but not the
  // published head.
  {
    auto data = store::OpenSqliteDataStore(dir + "/data.db");
    ASSERT_TRUE(data.ok());
  }
  const std::string sql =
      "sqlite3 " + dir + "/data.db 'DELETE FROM audit_log WHERE idx = 1; DELETE FROM tree_heads;'";
  ASSERT_EQ(std::system(sql.c_str()), 0);
  EXPECT_EQ(RunPrivet("audit verify " + dir, &out), 0) << out;
  EXPECT_EQ(RunPrivet("audit verify " + dir + " --tree-head " + head_file, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("truncated"));
  // A log that does not verify is never called consistent with anything.
  EXPECT_THAT(out, HasSubstr("audit log does NOT verify"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("consistent with the published head")));
}

}  // namespace
}  // namespace privet
