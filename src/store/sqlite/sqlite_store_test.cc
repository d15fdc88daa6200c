#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_util.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/store.h"
#include "store/test_records.h"
#include "testing/temp_dir.h"

namespace privet::store {

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using namespace test_records;  // NOLINT(google-build-using-namespace): the shared rows

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Occurrences of `needle` in the file at `path` (0 when the file does not exist).
int CountOccurrences(const std::string& path, const std::string& needle) {
  std::string hay = ReadFile(path);
  int count = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

class SqliteDataStore : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    auto opened = OpenSqliteDataStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // A subject with two fields, two consent events and a blind-index entry.
  void PopulateOne(uint64_t id, uint64_t org = 0) {
    ASSERT_TRUE(store_->Apply(test_records::PopulateOneBatch(id, org)).ok());
  }

  testing::TempDir dir_;
  std::string path_ = dir_ / "data.db";
  std::unique_ptr<DataStore> store_;
};

TEST_F(SqliteDataStore, ReopenKeepsData) {
  PopulateOne(kSubject, kOrg);
  Reopen();
  auto subject = store_->GetSubject(kSubject);
  ASSERT_TRUE(subject.ok());
  EXPECT_THAT(*subject, Optional(Subject(kSubject, kOrg)));
  auto fields = store_->GetFields(kSubject);
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->size(), 2u);
  // Consent sequence numbers keep increasing after a reopen.
  auto before = store_->GetConsentEvents(kSubject);
  ASSERT_TRUE(before.ok());
  WriteBatch batch;
  batch.AppendConsent(Consent(kSubject, "grant"));
  ASSERT_TRUE(store_->Apply(batch).ok());
  auto after = store_->GetConsentEvents(kSubject);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_GT((*after)[2].seq, (*before)[1].seq);
}

TEST_F(SqliteDataStore, BackupOpensWithTheSameRowsAndNoKeys) {
  auto keys = OpenSqliteKeyStore(dir_ / "keys.db");
  ASSERT_TRUE(keys.ok());
  const std::string wrapped(32, '\xA7');
  ASSERT_TRUE((*keys)->PutWrappedKey(kSubject, wrapped).ok());

  PopulateOne(kSubject, kOrg);
  const std::string backup = dir_ / "backup.db";
  ASSERT_TRUE(store_->BackupTo(backup).ok());
  EXPECT_THAT(store_->BackupTo(backup), StatusIs(StatusCode::kAlreadyExists));

  EXPECT_EQ(CountOccurrences(backup, wrapped), 0);
  // The backup is a data store, not a key store.
  EXPECT_THAT(OpenSqliteKeyStore(backup).status(), StatusIs(StatusCode::kDataLoss));

  auto copy = OpenSqliteDataStore(backup);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto subject = (*copy)->GetSubject(kSubject);
  ASSERT_TRUE(subject.ok());
  EXPECT_THAT(*subject, Optional(Subject(kSubject, kOrg)));
  auto fields = (*copy)->GetFields(kSubject);
  auto live_fields = store_->GetFields(kSubject);
  ASSERT_TRUE(fields.ok() && live_fields.ok());
  EXPECT_EQ(*fields, *live_fields);
  auto events = (*copy)->GetConsentEvents(kSubject);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 2u);
  auto members = (*copy)->ListOrganizationMembers(kOrg);
  ASSERT_TRUE(members.ok());
  EXPECT_THAT(*members, ElementsAre(kSubject));
}

TEST_F(SqliteDataStore, GarbageFileIsDataLoss) {
  const std::string path = dir_ / "garbage.db";
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage.push_back(static_cast<char>((i * 131) % 251));
  WriteFile(path, garbage);
  auto opened = OpenSqliteDataStore(path);
  EXPECT_THAT(opened.status(), StatusIs(StatusCode::kDataLoss));
  EXPECT_NE(opened.status().message().find(path), std::string::npos) << opened.status().message();
  EXPECT_EQ(ReadFile(path), garbage);  // left untouched
}

TEST_F(SqliteDataStore, TruncatedFileIsDataLoss) {
  for (int i = 0; i < 200; ++i) PopulateOne(1000 + i);
  store_.reset();  // the last close checkpoints the WAL into the file
  const std::string full = ReadFile(path_);
  ASSERT_GT(full.size(), 16384u);
  for (size_t size : {full.size() / 2, size_t{4096}, size_t{50}}) {
    const std::string path = dir_ / ("truncated_" + std::to_string(size) + ".db");
    WriteFile(path, full.substr(0, size));
    auto opened = OpenSqliteDataStore(path);
    EXPECT_THAT(opened.status(), StatusIs(StatusCode::kDataLoss)) << "size " << size;
  }
}

TEST_F(SqliteDataStore, CorruptPageIsDataLoss) {
  for (int i = 0; i < 200; ++i) PopulateOne(1000 + i);
  store_.reset();
  std::string bytes = ReadFile(path_);
  ASSERT_GT(bytes.size(), 16384u);
  for (size_t i = 8192; i < 8192 + 4096; ++i) bytes[i] = static_cast<char>(0x5A);
  const std::string path = dir_ / "corrupt.db";
  WriteFile(path, bytes);
  EXPECT_THAT(OpenSqliteDataStore(path).status(), StatusIs(StatusCode::kDataLoss));
}

TEST_F(SqliteDataStore, ForeignSchemaIsDataLoss) {
  const std::string other_app = dir_ / "other_app.db";
  const std::string future = dir_ / "future.db";
  for (const auto& [path, sql] :
       {std::pair{other_app, "CREATE TABLE t (x)"},
        std::pair{future,
                  "PRAGMA application_id=1347573316; PRAGMA user_version=99;"
                  "CREATE TABLE t (x)"}}) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto opened = OpenSqliteDataStore(path);
    EXPECT_THAT(opened.status(), StatusIs(StatusCode::kDataLoss)) << path;
    EXPECT_NE(opened.status().message().find(path), std::string::npos);
  }
  // A key store is not a data store.
  const std::string keys = dir_ / "keys.db";
  ASSERT_TRUE(OpenSqliteKeyStore(keys).ok());
  EXPECT_THAT(OpenSqliteDataStore(keys).status(), StatusIs(StatusCode::kDataLoss));
}

TEST_F(SqliteDataStore, MissingDirectoryIsAnErrorNotACrash) {
  EXPECT_FALSE(OpenSqliteDataStore(dir_ / "no/such/dir/data.db").ok());
}

class SqliteKeyStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteKeyStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  testing::TempDir dir_;
  std::string path_ = dir_ / "keys.db";
  std::unique_ptr<KeyStore> store_;
};

// A store file of one table, `t (v BLOB)`, for the checkpointer tests.
StatusOr<std::unique_ptr<sqlite::Connection>> OpenWalTestStore(const std::string& path) {
  return sqlite::OpenStoreFile(path, {.label = "test store",
                                      .application_id = 0x54455354,
                                      .schema_version = 1,
                                      .schema_sql = "CREATE TABLE t (v BLOB NOT NULL)"});
}

TEST(WalCheckpointer, CheckpointsInTheBackgroundAndKeepsTheWalBounded) {
  testing::TempDir dir;
  const std::string path = dir / "wal.db";
  auto conn = OpenWalTestStore(path);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto checkpointer =
      sqlite::WalCheckpointer::Start(**conn, {.checkpoint_frames = 8, .backstop_frames = 64});
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  // 500 commits of one 4 KiB row each: two or more WAL frames per commit.
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE((*conn)->Exec("INSERT INTO t (v) VALUES (zeroblob(4096))", "insert").ok());
  }
  for (int wait = 0; wait < 2000 && (*checkpointer)->CheckpointsForTest() == 0; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GT((*checkpointer)->CheckpointsForTest(), 0u);
  // Without any checkpoint the WAL would hold every page written: over 2 MB.
  EXPECT_LT(std::filesystem::file_size(path + "-wal"), 100u * 4096 * 2);
  checkpointer->reset();
  // The writer's close is still the last: it checkpoints and removes the WAL.
  conn->reset();
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

// Under commits that never pause, no background checkpoint ends with the whole WAL copied; the
// commit after one that left few frames copies them itself, so the WAL starts over long before
// the backstop (here out of reach).
TEST(WalCheckpointer, CatchesUpInlineSoTheWalStartsOverUnderSteadyCommits) {
  testing::TempDir dir;
  const std::string path = dir / "wal.db";
  auto conn = OpenWalTestStore(path);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto checkpointer = sqlite::WalCheckpointer::Start(
      **conn,
      {.checkpoint_frames = 64, .backstop_frames = 1'000'000, .catch_up_frames = 1'000'000});
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  // Commits of one 4 KiB row each (two or more frames) until the background has checkpointed
  // twenty times: 1,280 frames (5 MiB) or more went through the WAL.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int commits = 0;
  while ((*checkpointer)->CheckpointsForTest() < 20 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*conn)->Exec("INSERT INTO t (v) VALUES (zeroblob(4096))", "insert").ok());
    ++commits;
  }
  ASSERT_GE((*checkpointer)->CheckpointsForTest(), 20u) << commits << " commits";
  // The WAL file keeps the longest length it reached; without starting over it would hold two
  // frames or more per commit since the first checkpoint (32 commits in): over 8 KiB per commit.
  // Half of that, since a loaded machine delays the background checkpoints (a quarter, the
  // bound this test had, failed with the other core busy).
  EXPECT_LT(std::filesystem::file_size(path + "-wal"), uintmax_t{4096} * commits)
      << commits << " commits";
}

TEST_F(SqliteKeyStore, DestroyedKeyBytesAreGoneFromEveryFile) {
  // 32 bytes unique to key n.
  auto distinctive = [](int n) {
    std::string key(32, '\0');
    for (int i = 0; i < 32; ++i) key[i] = static_cast<char>(0xC0 ^ (i * 7));
    key[0] = '\x9E';
    for (int i = 0; i < 4; ++i) key[1 + i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    return key;
  };
  // Enough neighbours that pages fill, split and get rebalanced around the destroyed keys.
  std::vector<uint64_t> destroyed;
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(store_->PutWrappedKey(1000 + i, distinctive(i)).ok());
    if (i % 50 == 7) destroyed.push_back(1000 + i);
  }
  const std::string target(32, '\x5C');
  ASSERT_TRUE(store_->PutWrappedKey(kSubject, target).ok());
  destroyed.push_back(kSubject);

  const std::vector<std::string> files = {path_, path_ + "-wal", path_ + "-shm"};
  int before = 0;
  for (const auto& f : files) before += CountOccurrences(f, target);
  ASSERT_GT(before, 0) << "the scan must be able to see the key before it is destroyed";

  for (uint64_t id : destroyed) ASSERT_TRUE(store_->DestroyWrappedKey(id).ok());
  EXPECT_TRUE(store_->DestroyWrappedKey(kSubject).ok());  // idempotent

  // Destroyed (durably) at once; the old bytes are scrubbed from the files once the purges are
  // done, which is what the vault's background purger reports.
  auto gone = store_->GetWrappedKey(kSubject);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto pending = store_->PendingPurges();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), destroyed.size());
  for (uint64_t id : destroyed) ASSERT_TRUE(store_->PurgeDone(id).ok());
  EXPECT_TRUE(store_->PendingPurges()->empty());
  for (const auto& f : files) {
    EXPECT_EQ(CountOccurrences(f, target), 0) << f;
    for (uint64_t id : destroyed) {
      if (id == kSubject) continue;
      int n = static_cast<int>(id - 1000);
      EXPECT_EQ(CountOccurrences(f, distinctive(n)), 0) << f << " key " << n;
    }
    // Keys not destroyed are still there (the scan sees what it looks for).
    if (f == path_) {
      EXPECT_EQ(CountOccurrences(f, distinctive(1)), 1);
    }
  }
  // Still nothing after close.
  store_.reset();
  for (const auto& f : files) EXPECT_EQ(CountOccurrences(f, target), 0) << f;
}

TEST_F(SqliteKeyStore, GarbageFileIsDataLoss) {
  const std::string path = dir_ / "garbage_keys.db";
  WriteFile(path, std::string(4096, '\x33'));
  EXPECT_THAT(OpenSqliteKeyStore(path).status(), StatusIs(StatusCode::kDataLoss));
}

}  // namespace
}  // namespace privet::store
