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
#include "testing/temp_dir.h"

namespace privet::store {

// Test-only equality (ADL finds these for gmock matchers).
bool operator==(const SubjectRecord& a, const SubjectRecord& b) {
  return a.id == b.id && a.kind == b.kind && a.organization_id == b.organization_id &&
         a.tenant_id == b.tenant_id && a.created_at == b.created_at &&
         a.policy_version == b.policy_version && a.sealed_profile == b.sealed_profile;
}

bool operator==(const FieldRecord& a, const FieldRecord& b) {
  return a.id == b.id && a.subject_id == b.subject_id && a.category == b.category &&
         a.source == b.source && a.purposes == b.purposes && a.basis == b.basis &&
         a.collected_at == b.collected_at && a.last_activity == b.last_activity &&
         a.policy_version == b.policy_version && a.sealed_value == b.sealed_value;
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

MATCHER_P(StatusIs, code, "has status " + std::string(StatusCodeName(code))) {
  if (arg.code() == code) return true;
  *result_listener << "is " << arg.ToString();
  return false;
}

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

// Ids above 2^63 check the int64 round trip.
constexpr uint64_t kSubject = 0xF00DCAFE12345678ull;
constexpr uint64_t kOtherSubject = 42;
constexpr uint64_t kOrg = 0x8000000000000001ull;

SubjectRecord Subject(uint64_t id, uint64_t org = 0) {
  return {.id = id,
          .kind = "customer",
          .organization_id = org,
          .tenant_id = 7,
          .created_at = 1700000000,
          .policy_version = 3,
          .sealed_profile = std::string("\x00profile\xff", 9)};
}

FieldRecord Field(uint64_t id, uint64_t subject, std::string category = "user.contact.email") {
  return {.id = id,
          .subject_id = subject,
          .category = std::move(category),
          .source = "form",
          .purposes = {"service", "marketing"},
          .basis = "consent",
          .collected_at = 1700000001,
          .last_activity = 1700000002,
          .policy_version = 3,
          .sealed_value = std::string("\x01\x00sealed", 8)};
}

ConsentEventRecord Consent(uint64_t subject, std::string action) {
  return {.subject_id = subject,
          .purpose = "marketing",
          .channel = "email",
          .action = std::move(action),
          .source = "form",
          .at = 1700000003,
          .policy_version = 3};
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
    WriteBatch batch;
    batch.PutSubject(Subject(id, org));
    batch.PutField(Field(id ^ 1, id));
    batch.PutField(Field(id ^ 2, id, "user.name"));
    batch.AppendConsent(Consent(id, "grant"));
    batch.AppendConsent(Consent(id, "withdraw"));
    batch.PutBlindIndex(
        {.index = "email", .hash = std::string(32, 'h') + std::to_string(id), .subject_id = id});
    ASSERT_TRUE(store_->Apply(batch).ok());
  }

  testing::TempDir dir_;
  std::string path_ = dir_ / "data.db";
  std::unique_ptr<DataStore> store_;
};

TEST_F(SqliteDataStore, RoundTripsEveryRecordType) {
  WriteBatch batch;
  batch.PutSubject(Subject(kSubject, kOrg));
  FieldRecord email = Field(0xFFFFFFFFFFFFFFFFull, kSubject);
  FieldRecord name = Field(5, kSubject, "user.name");
  name.purposes = {};
  name.sealed_value.clear();
  FieldRecord odd = Field(6, kSubject, "user.misc");
  odd.purposes = {"with \"quote\"", "back\\slash", "", "comma,]["};
  batch.PutField(email);
  batch.PutField(name);
  batch.PutField(odd);
  batch.AppendConsent(Consent(kSubject, "grant"));
  batch.AppendConsent(Consent(kSubject, "withdraw"));
  batch.PutBlindIndex({.index = "email", .hash = std::string(32, '\0'), .subject_id = kSubject});
  ASSERT_TRUE(store_->Apply(batch).ok());

  auto subject = store_->GetSubject(kSubject);
  ASSERT_TRUE(subject.ok());
  EXPECT_THAT(*subject, Optional(Subject(kSubject, kOrg)));

  auto fields = store_->GetFields(kSubject);
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 3u);
  for (const FieldRecord& want : {email, name, odd}) {
    EXPECT_THAT(*fields, ::testing::Contains(want)) << want.category;
  }

  auto events = store_->GetConsentEvents(kSubject);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].action, "grant");
  EXPECT_EQ((*events)[1].action, "withdraw");
  EXPECT_LT((*events)[0].seq, (*events)[1].seq);
  EXPECT_EQ((*events)[1].subject_id, kSubject);
  EXPECT_EQ((*events)[1].purpose, "marketing");
  EXPECT_EQ((*events)[1].channel, "email");
  EXPECT_EQ((*events)[1].source, "form");
  EXPECT_EQ((*events)[1].at, 1700000003);
  EXPECT_EQ((*events)[1].policy_version, 3);

  auto found = store_->FindByBlindIndex("email", std::string(32, '\0'));
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, Optional(kSubject));

  auto missing = store_->GetSubject(kOtherSubject);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto no_fields = store_->GetFields(kOtherSubject);
  ASSERT_TRUE(no_fields.ok());
  EXPECT_THAT(*no_fields, IsEmpty());
}

TEST_F(SqliteDataStore, PutFieldReplacesAndDeleteFieldRemoves) {
  PopulateOne(kSubject);
  FieldRecord changed = Field(kSubject ^ 1, kSubject);
  changed.sealed_value = "new";
  changed.purposes = {"service"};
  WriteBatch batch;
  batch.PutField(changed);
  batch.DeleteField(kSubject, kSubject ^ 2);
  ASSERT_TRUE(store_->Apply(batch).ok());
  auto fields = store_->GetFields(kSubject);
  ASSERT_TRUE(fields.ok());
  EXPECT_THAT(*fields, ElementsAre(changed));
}

TEST_F(SqliteDataStore, DeleteFieldNamingAnotherSubjectDeletesNothing) {
  PopulateOne(kSubject);
  auto before = store_->GetFields(kSubject);
  ASSERT_TRUE(before.ok());
  ASSERT_FALSE(before->empty());
  WriteBatch batch;
  batch.DeleteField(kOtherSubject, (*before)[0].id);
  ASSERT_TRUE(store_->Apply(batch).ok());
  auto after = store_->GetFields(kSubject);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
}

TEST_F(SqliteDataStore, BatchWithDuplicateSubjectAppliesNothing) {
  PopulateOne(kSubject);
  WriteBatch batch;
  batch.PutSubject(Subject(kOtherSubject));
  batch.PutField(Field(99, kOtherSubject));
  batch.AppendConsent(Consent(kSubject, "opt_out"));
  batch.PutSubject(Subject(kSubject));  // exists
  EXPECT_THAT(store_->Apply(batch), StatusIs(StatusCode::kAlreadyExists));

  auto other = store_->GetSubject(kOtherSubject);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto events = store_->GetConsentEvents(kSubject);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 2u);
  // The store is still usable: no transaction was left open.
  WriteBatch ok_batch;
  ok_batch.PutSubject(Subject(kOtherSubject));
  EXPECT_TRUE(store_->Apply(ok_batch).ok());
}

TEST_F(SqliteDataStore, RowsOfAnUnknownSubjectAreRefused) {
  WriteBatch batch;
  batch.PutField(Field(1, kOtherSubject));
  EXPECT_THAT(store_->Apply(batch), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(SqliteDataStore, BlindIndexEntryOfAnotherSubjectIsAlreadyExists) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  std::string hash = std::string(32, 'h') + std::to_string(kSubject);
  WriteBatch same;
  same.PutBlindIndex({.index = "email", .hash = hash, .subject_id = kSubject});
  EXPECT_TRUE(store_->Apply(same).ok());
  WriteBatch other;
  other.PutBlindIndex({.index = "email", .hash = hash, .subject_id = kOtherSubject});
  EXPECT_THAT(store_->Apply(other), StatusIs(StatusCode::kAlreadyExists));
  auto found = store_->FindByBlindIndex("email", hash);
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, Optional(kSubject));
  // Another index name is another key space.
  auto phone = store_->FindByBlindIndex("phone", hash);
  ASSERT_TRUE(phone.ok());
  EXPECT_FALSE(phone->has_value());
}

TEST_F(SqliteDataStore, ErrorMessagesHoldNoRowValues) {
  PopulateOne(kSubject);
  WriteBatch batch;
  SubjectRecord dup = Subject(kSubject);
  dup.kind = "alice@example.com";
  batch.PutSubject(dup);
  Status status = store_->Apply(batch);
  EXPECT_THAT(status, StatusIs(StatusCode::kAlreadyExists));
  EXPECT_EQ(status.message().find("alice"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find(std::to_string(kSubject)), std::string::npos);
}

TEST_F(SqliteDataStore, PurgeRemovesEverythingAndIsIdempotent) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  ASSERT_TRUE(store_->PurgeSubject(kSubject).ok());

  auto subject = store_->GetSubject(kSubject);
  ASSERT_TRUE(subject.ok());
  EXPECT_FALSE(subject->has_value());
  auto fields = store_->GetFields(kSubject);
  ASSERT_TRUE(fields.ok());
  EXPECT_THAT(*fields, IsEmpty());
  auto events = store_->GetConsentEvents(kSubject);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, IsEmpty());
  auto found = store_->FindByBlindIndex("email", std::string(32, 'h') + std::to_string(kSubject));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());

  EXPECT_TRUE(store_->PurgeSubject(kSubject).ok());
  EXPECT_TRUE(store_->PurgeSubject(12345).ok());

  // The other subject is untouched.
  auto other = store_->GetFields(kOtherSubject);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->size(), 2u);
}

TEST_F(SqliteDataStore, ListsOrganizationMembersInIdOrder) {
  PopulateOne(kSubject, kOrg);
  PopulateOne(kOtherSubject, kOrg);
  PopulateOne(7, kOrg);
  PopulateOne(8, /*org=*/99);
  auto members = store_->ListOrganizationMembers(kOrg);
  ASSERT_TRUE(members.ok());
  EXPECT_THAT(*members, ElementsAre(7u, kOtherSubject, kSubject));
  auto none = store_->ListOrganizationMembers(1234);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

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

TEST_F(SqliteDataStore, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const uint64_t id = 100000 + t * 1000 + i;
        WriteBatch batch;
        batch.PutSubject(Subject(id, kOrg));
        batch.PutField(Field(id, id));
        EXPECT_TRUE(store_->Apply(batch).ok());
        auto fields = store_->GetFields(id);
        EXPECT_TRUE(fields.ok() && fields->size() == 1u);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto members = store_->ListOrganizationMembers(kOrg);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), static_cast<size_t>(kThreads * kPerThread));
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

TEST_F(SqliteKeyStore, PutGetAndAlreadyExists) {
  ASSERT_TRUE(store_->PutWrappedKey(kSubject, "wrapped-1").ok());
  EXPECT_THAT(store_->PutWrappedKey(kSubject, "wrapped-2"), StatusIs(StatusCode::kAlreadyExists));
  auto key = store_->GetWrappedKey(kSubject);
  ASSERT_TRUE(key.ok());
  EXPECT_THAT(*key, Optional(std::string("wrapped-1")));
  auto none = store_->GetWrappedKey(kOtherSubject);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SqliteKeyStore, MetaRoundTripsAndReplaces) {
  auto none = store_->GetMeta("key_check");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->PutMeta("key_check", std::string("a\0b", 3)).ok());
  ASSERT_TRUE(store_->PutMeta("key_check", std::string("c\0d", 3)).ok());
  auto value = store_->GetMeta("key_check");
  ASSERT_TRUE(value.ok());
  EXPECT_THAT(*value, Optional(std::string("c\0d", 3)));
}

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
      **conn, {.checkpoint_frames = 64, .backstop_frames = 1'000'000, .catch_up_frames = 1'000'000});
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

TEST_F(SqliteKeyStore, RewrapAllReplacesEveryValue) {
  for (uint64_t id : {uint64_t{1}, kSubject, uint64_t{0x7FFFFFFFFFFFFFFF}}) {
    ASSERT_TRUE(store_->PutWrappedKey(id, "old" + std::to_string(id)).ok());
  }
  for (int i = 0; i < 1100; ++i) ASSERT_TRUE(store_->PutWrappedKey(100 + i, "old").ok());
  ASSERT_TRUE(store_->PutMeta("key_check", "old-check").ok());
  ASSERT_TRUE(store_->PutMeta("index_root", "old-root").ok());

  int calls = 0;
  Status status = store_->RewrapAll(
      [&](uint64_t id, std::string_view old) -> StatusOr<std::string> {
        ++calls;
        return "new(" + std::to_string(id) + "," + std::string(old) + ")";
      },
      [](std::string_view name, std::string_view old) -> StatusOr<std::string> {
        return "new(" + std::string(name) + "," + std::string(old) + ")";
      });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(calls, 1103);
  for (uint64_t id : {uint64_t{1}, kSubject, uint64_t{0x7FFFFFFFFFFFFFFF}}) {
    auto key = store_->GetWrappedKey(id);
    ASSERT_TRUE(key.ok());
    EXPECT_THAT(*key, Optional("new(" + std::to_string(id) + ",old" + std::to_string(id) + ")"));
  }
  auto bulk = store_->GetWrappedKey(1199);
  ASSERT_TRUE(bulk.ok());
  EXPECT_THAT(*bulk, Optional(std::string("new(1199,old)")));
  auto check = store_->GetMeta("key_check");
  ASSERT_TRUE(check.ok());
  EXPECT_THAT(*check, Optional(std::string("new(key_check,old-check)")));
}

TEST_F(SqliteKeyStore, RewrapAllRollsBackWhenTheCallbackFailsMidway) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store_->PutWrappedKey(i, "old").ok());
  ASSERT_TRUE(store_->PutMeta("key_check", "old-check").ok());

  int calls = 0;
  auto rewrap = [&](uint64_t, std::string_view) -> StatusOr<std::string> {
    if (++calls == 6) return Internal("master key went away");
    return std::string("new");
  };
  auto rewrap_meta = [](std::string_view, std::string_view) -> StatusOr<std::string> {
    return std::string("new");
  };
  EXPECT_THAT(store_->RewrapAll(rewrap, rewrap_meta), StatusIs(StatusCode::kInternal));
  for (int i = 0; i < 10; ++i) {
    auto key = store_->GetWrappedKey(i);
    ASSERT_TRUE(key.ok());
    EXPECT_THAT(*key, Optional(std::string("old"))) << i;
  }

  // A failing meta callback rolls back the keys too.
  auto failing_meta = [](std::string_view, std::string_view) -> StatusOr<std::string> {
    return Internal("nope");
  };
  calls = -100;
  EXPECT_THAT(store_->RewrapAll(rewrap, failing_meta), StatusIs(StatusCode::kInternal));
  auto key = store_->GetWrappedKey(0);
  ASSERT_TRUE(key.ok());
  EXPECT_THAT(*key, Optional(std::string("old")));
  auto check = store_->GetMeta("key_check");
  ASSERT_TRUE(check.ok());
  EXPECT_THAT(*check, Optional(std::string("old-check")));
  // The store is still writable: no transaction was left open.
  EXPECT_TRUE(store_->PutWrappedKey(77, "x").ok());
}

TEST_F(SqliteKeyStore, GarbageFileIsDataLoss) {
  const std::string path = dir_ / "garbage_keys.db";
  WriteFile(path, std::string(4096, '\x33'));
  EXPECT_THAT(OpenSqliteKeyStore(path).status(), StatusIs(StatusCode::kDataLoss));
}

}  // namespace
}  // namespace privet::store
