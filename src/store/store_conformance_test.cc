// The contract of store.h, run against every implementation: the in-memory store (the reference
// semantics) and SQLite, with identical expectations, so that any difference between them fails
// here. A PostgreSQL backend joins by adding its factory to kBackends. Backend-specific
// behaviour (files, reopening, backups, corruption) is tested beside each backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/memory/memory_store.h"
#include "store/store.h"
#include "store/test_records.h"
#include "testing/temp_dir.h"

namespace privet::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using namespace test_records;  // NOLINT(google-build-using-namespace): the shared rows

struct Backend {
  std::string name;
  // Opens a fresh store whose files, if any, go in `dir`.
  std::function<std::unique_ptr<DataStore>(const std::string& dir)> data;
  std::function<std::unique_ptr<KeyStore>(const std::string& dir)> keys;
};

template <class T>
std::unique_ptr<T> OrDie(StatusOr<std::unique_ptr<T>> opened) {
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

const Backend kBackends[] = {
    {.name = "Memory",
     .data = [](const std::string&) { return NewMemoryDataStore(); },
     .keys = [](const std::string&) { return NewMemoryKeyStore(); }},
    {.name = "Sqlite",
     .data = [](const std::string& dir) { return OrDie(OpenSqliteDataStore(dir + "/data.db")); },
     .keys = [](const std::string& dir) { return OrDie(OpenSqliteKeyStore(dir + "/keys.db")); }},
};

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

class DataStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().data(dir_.path());
    ASSERT_NE(store_, nullptr);
  }

  void PopulateOne(uint64_t id, uint64_t org = 0) {
    ASSERT_TRUE(store_->Apply(PopulateOneBatch(id, org)).ok());
  }

  std::vector<FieldRecord> Fields(uint64_t subject) {
    auto fields = store_->GetFields(subject);
    EXPECT_TRUE(fields.ok()) << fields.status().ToString();
    std::vector<FieldRecord> out = fields.ok() ? *fields : std::vector<FieldRecord>{};
    std::sort(out.begin(), out.end(),
              [](const FieldRecord& a, const FieldRecord& b) { return a.id < b.id; });
    return out;
  }
  std::optional<uint64_t> Find(const std::string& index, const std::string& hash) {
    auto found = store_->FindByBlindIndex(index, hash);
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : std::nullopt;
  }

  testing::TempDir dir_;
  std::unique_ptr<DataStore> store_;
};

class KeyStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().keys(dir_.path());
    ASSERT_NE(store_, nullptr);
  }

  testing::TempDir dir_;
  std::unique_ptr<KeyStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, DataStoreConformance, ::testing::ValuesIn(kBackends),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, KeyStoreConformance, ::testing::ValuesIn(kBackends),
                         BackendName);

TEST_P(DataStoreConformance, RoundTripsEveryRecordType) {
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

TEST_P(DataStoreConformance, PutFieldReplacesAndDeleteFieldRemoves) {
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

TEST_P(DataStoreConformance, DeleteFieldNamingAnotherSubjectDeletesNothing) {
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

TEST_P(DataStoreConformance, BatchWithDuplicateSubjectAppliesNothing) {
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

TEST_P(DataStoreConformance, RowsOfAnUnknownSubjectAreRefused) {
  WriteBatch batch;
  batch.PutField(Field(1, kOtherSubject));
  EXPECT_THAT(store_->Apply(batch), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_P(DataStoreConformance, BlindIndexEntryOfAnotherSubjectIsAlreadyExists) {
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

TEST_P(DataStoreConformance, ErrorMessagesHoldNoRowValues) {
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

TEST_P(DataStoreConformance, PurgeRemovesEverythingAndIsIdempotent) {
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

TEST_P(DataStoreConformance, ListsOrganizationMembersInIdOrder) {
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

TEST_P(DataStoreConformance, ConcurrentWritersAndReaders) {
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

TEST_P(KeyStoreConformance, PutGetAndAlreadyExists) {
  ASSERT_TRUE(store_->PutWrappedKey(kSubject, "wrapped-1").ok());
  EXPECT_THAT(store_->PutWrappedKey(kSubject, "wrapped-2"), StatusIs(StatusCode::kAlreadyExists));
  auto key = store_->GetWrappedKey(kSubject);
  ASSERT_TRUE(key.ok());
  EXPECT_THAT(*key, Optional(std::string("wrapped-1")));
  auto none = store_->GetWrappedKey(kOtherSubject);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(KeyStoreConformance, MetaRoundTripsAndReplaces) {
  auto none = store_->GetMeta("key_check");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->PutMeta("key_check", std::string("a\0b", 3)).ok());
  ASSERT_TRUE(store_->PutMeta("key_check", std::string("c\0d", 3)).ok());
  auto value = store_->GetMeta("key_check");
  ASSERT_TRUE(value.ok());
  EXPECT_THAT(*value, Optional(std::string("c\0d", 3)));
}

TEST_P(KeyStoreConformance, RewrapAllReplacesEveryValue) {
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

TEST_P(KeyStoreConformance, RewrapAllRollsBackWhenTheCallbackFailsMidway) {
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

TEST_P(DataStoreConformance, RightsRowsRoundTripMergeAndPurge) {
  WriteBatch setup;
  setup.PutSubject({.id = 7, .kind = "customer", .sealed_profile = "p"});
  setup.PutField({.id = 70,
                  .subject_id = 7,
                  .category = "user.name",
                  .purposes = {"service"},
                  .collected_at = 5,
                  .last_activity = 6,
                  .sealed_value = "v"});
  ASSERT_TRUE(store_->Apply(setup).ok());
  WriteBatch batch;
  batch.PutRequest({.id = 1, .subject_id = 7, .open = true, .due_at = 100, .document = "{}"});
  batch.PutRequest({.id = 2, .subject_id = 7, .open = false, .due_at = 50, .document = "{}"});
  batch.AppendOutbox(
      {.subject_id = 7, .topic = "identity_code", .sealed_body = "sealed", .created_at = 3});
  batch.PutLegalHold({.subject_id = 7, .rule = "", .ground = "case:1", .placed_at = 4});
  batch.PutLifecycleEvent({.subject_id = 7, .event = "contract_end", .at = 20});
  batch.PutLifecycleEvent(
      {.subject_id = 7, .event = "contract_end", .at = 10});  // earlier: ignored
  batch.AddAggregate(
      {.rule = "logs", .category = "user.device", .day = 0, .count = 2, .subjects = 1});
  batch.AddAggregate({.rule = "logs",
                      .category = "user.device",
                      .day = 0,
                      .count = 3,
                      .subjects = 2});  // added up
  ASSERT_TRUE(store_->Apply(batch).ok());

  auto open = store_->ListOpenRequests();
  ASSERT_TRUE(open.ok());
  ASSERT_THAT(*open, SizeIs(1));
  EXPECT_EQ(open->front().id, 1u);
  EXPECT_THAT(*store_->ListRequests(7), SizeIs(2));
  auto outbox = store_->GetOutbox(true);
  ASSERT_THAT(*outbox, SizeIs(1));
  EXPECT_EQ(outbox->front().sealed_body, "sealed");
  WriteBatch sent;
  sent.MarkOutboxSent(outbox->front().seq, 9);
  ASSERT_TRUE(store_->Apply(sent).ok());
  EXPECT_THAT(*store_->GetOutbox(true), IsEmpty());
  EXPECT_EQ(store_->GetOutbox(false)->front().sent_at, 9);
  EXPECT_EQ(store_->GetLifecycleEvents(7)->front().at, 20);
  EXPECT_EQ(store_->GetAggregates()->front().count, 5);
  EXPECT_EQ(store_->GetAggregates()->front().subjects, 3);
  EXPECT_EQ(store_->GetLegalHolds(7)->front().ground, "case:1");

  std::vector<FieldMetadata> scanned;
  ASSERT_TRUE(store_
                  ->ScanFieldMetadata([&](const FieldMetadata& f) {
                    scanned.push_back(f);
                    return true;
                  })
                  .ok());
  ASSERT_THAT(scanned, SizeIs(1));
  EXPECT_EQ(scanned[0].subject_kind, "customer");
  EXPECT_EQ(scanned[0].purposes, std::vector<std::string>{"service"});
  EXPECT_EQ(scanned[0].last_activity, 6);

  // A purge takes the subject's messages, holds and events; requests and aggregates stay.
  ASSERT_TRUE(store_->PurgeSubject(7).ok());
  EXPECT_THAT(*store_->GetOutbox(false), IsEmpty());
  EXPECT_THAT(*store_->GetLegalHolds(7), IsEmpty());
  EXPECT_THAT(*store_->GetLifecycleEvents(7), IsEmpty());
  EXPECT_THAT(*store_->ListRequests(7), SizeIs(2));
  EXPECT_THAT(*store_->GetAggregates(), SizeIs(1));
}

TEST_P(DataStoreConformance, OperationsApplyInTheOrderTheyWereAdded) {
  // Rows of a subject put earlier in the same batch find their subject; before it they do not.
  WriteBatch before;
  before.PutField(Field(1, kSubject));
  before.PutSubject(Subject(kSubject));
  EXPECT_THAT(store_->Apply(before), StatusIs(StatusCode::kFailedPrecondition));
  WriteBatch after;
  after.PutSubject(Subject(kSubject));
  after.PutField(Field(1, kSubject));
  after.UpdateProfile(kSubject, "profile-2");
  ASSERT_TRUE(store_->Apply(after).ok());
  EXPECT_EQ(store_->GetSubject(kSubject)->value().sealed_profile, "profile-2");

  // Put then delete: gone. Delete then put: there.
  const BlindIndexRecord a{.index = "email", .hash = "a", .subject_id = kSubject};
  const BlindIndexRecord b{.index = "email", .hash = "b", .subject_id = kSubject};
  ASSERT_TRUE(store_
                  ->Apply([&] {
                    WriteBatch w;
                    w.PutBlindIndex(b);
                    w.PutField(Field(2, kSubject));
                    return w;
                  }())
                  .ok());
  WriteBatch batch;
  batch.PutBlindIndex(a);
  batch.DeleteBlindIndex(a);
  batch.DeleteBlindIndex(b);
  batch.PutBlindIndex(b);
  batch.PutField(Field(3, kSubject));
  batch.DeleteField(kSubject, 3);
  batch.DeleteField(kSubject, 2);
  FieldRecord again = Field(2, kSubject);
  again.sealed_value = "again";
  batch.PutField(again);
  ASSERT_TRUE(store_->Apply(batch).ok());
  EXPECT_EQ(Find("email", "a"), std::nullopt);
  EXPECT_THAT(Find("email", "b"), Optional(kSubject));
  EXPECT_THAT(Fields(kSubject), ElementsAre(Field(1, kSubject), again));

  // A purge then new rows: the subject comes back with only those.
  WriteBatch purge;
  purge.PurgeSubject(kSubject);
  purge.PutSubject(Subject(kSubject));
  purge.PutField(Field(4, kSubject));
  ASSERT_TRUE(store_->Apply(purge).ok());
  EXPECT_THAT(Fields(kSubject), ElementsAre(Field(4, kSubject)));
  EXPECT_EQ(Find("email", "b"), std::nullopt);
  EXPECT_EQ(store_->GetSubject(kSubject)->value().sealed_profile, Subject(kSubject).sealed_profile);
}

TEST_P(DataStoreConformance, AFailingOperationUndoesEveryEarlierOne) {
  PopulateOne(kSubject);
  WriteBatch seed;
  seed.AppendAudit({.index = 0, .entry = "e0"});
  seed.PutRequest({.id = 5, .subject_id = kSubject, .open = true, .due_at = 10, .document = "{}"});
  seed.AppendOutbox({.subject_id = kSubject, .topic = "t", .sealed_body = "b", .created_at = 1});
  seed.PutLifecycleEvent({.subject_id = kSubject, .event = "contract_end", .at = 5});
  seed.AddAggregate({.rule = "r", .category = "c", .day = 0, .count = 1});
  seed.PutLegalHold({.subject_id = kSubject, .rule = "", .ground = "case:1", .placed_at = 1});
  ASSERT_TRUE(store_->Apply(seed).ok());
  const std::vector<FieldRecord> fields = Fields(kSubject);
  const int64_t outbox_seq = store_->GetOutbox(false)->front().seq;

  WriteBatch batch;  // one of every kind, then a refused one
  batch.PutSubject(Subject(kOtherSubject));
  batch.UpdateProfile(kSubject, "changed");
  batch.PutField(Field(kSubject ^ 1, kOtherSubject));  // moves nothing in the end
  batch.DeleteField(kSubject, kSubject ^ 2);
  batch.AppendConsent(Consent(kSubject, "opt_out"));
  batch.AppendDisclosure({.subject_id = kSubject, .recipient = "r", .purpose = "p", .at = 1});
  batch.PutBlindIndex({.index = "phone", .hash = "p", .subject_id = kSubject});
  batch.DeleteBlindIndex({.index = "email",
                          .hash = std::string(32, 'h') + std::to_string(kSubject),
                          .subject_id = kSubject});
  batch.AppendAudit({.index = 1, .entry = "e1"});
  batch.PutTreeHead({.tree_size = 2, .root = "r", .timestamp = "t", .signature = "s"});
  batch.PutRequest(
      {.id = 5, .subject_id = kSubject, .open = false, .due_at = 10, .document = "{}"});
  batch.AppendOutbox({.subject_id = kSubject, .topic = "t2", .sealed_body = "b", .created_at = 2});
  batch.MarkOutboxSent(outbox_seq, 9);
  batch.RemoveLegalHold(kSubject, "");
  batch.PutLifecycleEvent({.subject_id = kSubject, .event = "contract_end", .at = 50});
  batch.AddAggregate({.rule = "r", .category = "c", .day = 0, .count = 5});
  batch.PurgeSubject(kSubject);
  batch.PutBlindIndex({.index = "x", .hash = "y", .subject_id = 999});  // no such subject
  EXPECT_THAT(store_->Apply(batch), StatusIs(StatusCode::kFailedPrecondition));

  EXPECT_FALSE(store_->GetSubject(kOtherSubject)->has_value());
  EXPECT_THAT(*store_->GetSubject(kSubject), Optional(Subject(kSubject)));
  EXPECT_EQ(Fields(kSubject), fields);
  EXPECT_THAT(*store_->GetConsentEvents(kSubject), SizeIs(2));
  EXPECT_THAT(*store_->GetDisclosures(kSubject), IsEmpty());
  EXPECT_EQ(Find("phone", "p"), std::nullopt);
  EXPECT_THAT(Find("email", std::string(32, 'h') + std::to_string(kSubject)), Optional(kSubject));
  EXPECT_THAT(*store_->GetAuditEntries(0, 10), SizeIs(1));
  EXPECT_THAT(*store_->GetTreeHeads(), IsEmpty());
  EXPECT_TRUE(store_->GetRequest(5)->value().open);
  EXPECT_THAT(*store_->GetOutbox(true), SizeIs(1));
  EXPECT_THAT(*store_->GetLegalHolds(kSubject), SizeIs(1));
  EXPECT_EQ(store_->GetLifecycleEvents(kSubject)->front().at, 5);
  EXPECT_EQ(store_->GetAggregates()->front().count, 1);
  // And the next batch applies as if the refused one had never been.
  WriteBatch next;
  next.AppendAudit({.index = 1, .entry = "e1"});
  EXPECT_TRUE(store_->Apply(next).ok());
}

TEST_P(DataStoreConformance, AuditEntriesExtendTheLogContiguously) {
  WriteBatch gap;
  gap.AppendAudit({.index = 1, .entry = "e1"});
  EXPECT_THAT(store_->Apply(gap), StatusIs(StatusCode::kFailedPrecondition));
  WriteBatch three;
  for (uint64_t i = 0; i < 3; ++i)
    three.AppendAudit({.index = i, .entry = "e" + std::to_string(i)});
  EXPECT_TRUE(three.audit_only());
  ASSERT_TRUE(store_->Apply(three).ok());
  WriteBatch reused;
  reused.AppendAudit({.index = 2, .entry = "again"});
  EXPECT_THAT(store_->Apply(reused), StatusIs(StatusCode::kAlreadyExists));
  WriteBatch skipping;
  skipping.AppendAudit({.index = 3, .entry = "e3"});
  skipping.AppendAudit({.index = 5, .entry = "e5"});
  EXPECT_THAT(store_->Apply(skipping), StatusIs(StatusCode::kFailedPrecondition));

  auto entries = store_->GetAuditEntries(1, 5);
  ASSERT_TRUE(entries.ok());
  ASSERT_THAT(*entries, SizeIs(2));
  EXPECT_EQ((*entries)[0].index, 1u);
  EXPECT_EQ((*entries)[1].entry, "e2");
  EXPECT_THAT(*store_->GetAuditEntries(0, 1), SizeIs(1));
  EXPECT_THAT(*store_->GetAuditEntries(3, 10), IsEmpty());

  // Tree heads: inserted or replaced by size, read in size order.
  WriteBatch heads;
  heads.PutTreeHead({.tree_size = 3, .root = "r3", .timestamp = "t", .signature = "s"});
  heads.PutTreeHead({.tree_size = 1, .root = "r1", .timestamp = "t", .signature = "s"});
  heads.PutTreeHead({.tree_size = 3, .root = "r3b", .timestamp = "t", .signature = "s"});
  EXPECT_FALSE(heads.audit_only());
  ASSERT_TRUE(store_->Apply(heads).ok());
  auto read = store_->GetTreeHeads();
  ASSERT_TRUE(read.ok());
  ASSERT_THAT(*read, SizeIs(2));
  EXPECT_EQ((*read)[0].root, "r1");
  EXPECT_EQ((*read)[1].root, "r3b");
  // Relaxed durability changes what survives a power cut, not what a batch does.
  store_->SetAuditOnlyDurability(DataStore::AuditOnlyDurability::kProcessCrash);
  WriteBatch relaxed;
  relaxed.AppendAudit({.index = 3, .entry = "e3"});
  EXPECT_TRUE(store_->Apply(relaxed).ok());
  EXPECT_TRUE(store_->Apply(WriteBatch()).ok());
  EXPECT_THAT(*store_->GetAuditEntries(0, 100), SizeIs(4));
}

TEST_P(DataStoreConformance, ProfileOfAMissingSubjectAndRowsOfOneAreRefused) {
  PopulateOne(kSubject);
  auto refused = [&](const WriteBatch& batch) {
    EXPECT_THAT(store_->Apply(batch), StatusIs(StatusCode::kFailedPrecondition));
  };
  WriteBatch profile;
  profile.UpdateProfile(kOtherSubject, "p");
  refused(profile);
  WriteBatch consent;
  consent.AppendConsent(Consent(kOtherSubject, "grant"));
  refused(consent);
  WriteBatch disclosure;
  disclosure.AppendDisclosure({.subject_id = kOtherSubject, .recipient = "r"});
  refused(disclosure);
  WriteBatch index;
  index.PutBlindIndex({.index = "email", .hash = "new", .subject_id = kOtherSubject});
  refused(index);
  WriteBatch outbox;
  outbox.AppendOutbox({.subject_id = kOtherSubject, .topic = "t"});
  refused(outbox);
  WriteBatch hold;
  hold.PutLegalHold({.subject_id = kOtherSubject, .rule = "r"});
  refused(hold);
  // An entry naming another subject is AlreadyExists before the subject's absence is looked at.
  WriteBatch taken;
  taken.PutBlindIndex({.index = "email",
                       .hash = std::string(32, 'h') + std::to_string(kSubject),
                       .subject_id = kOtherSubject});
  EXPECT_THAT(store_->Apply(taken), StatusIs(StatusCode::kAlreadyExists));
  // Requests and lifecycle events need no subject: they outlive erasures, and subject 0 is
  // everyone.
  WriteBatch unowned;
  unowned.PutRequest({.id = 9, .subject_id = kOtherSubject, .document = "{}"});
  unowned.PutLifecycleEvent({.subject_id = 0, .event = "statistics", .at = 3});
  EXPECT_TRUE(store_->Apply(unowned).ok());
}

TEST_P(DataStoreConformance, AFieldIdIsUniqueAcrossSubjects) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  WriteBatch batch;
  batch.PutField(Field(kSubject ^ 1, kOtherSubject));  // that id was kSubject's
  ASSERT_TRUE(store_->Apply(batch).ok());
  EXPECT_THAT(Fields(kSubject), ElementsAre(Field(kSubject ^ 2, kSubject, "user.name")));
  EXPECT_THAT(Fields(kOtherSubject), SizeIs(3));
}

TEST_P(DataStoreConformance, SequencesIncreaseAndRequestsListInOrder) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  WriteBatch batch;
  batch.AppendDisclosure({.subject_id = kSubject,
                          .recipient = "a",
                          .purpose = "p",
                          .categories = {"x", "y"},
                          .evidence = {"court_order:1"},
                          .at = 5,
                          .policy_version = 2});
  batch.AppendDisclosure({.subject_id = kOtherSubject, .recipient = "b", .purpose = "p", .at = 6});
  batch.AppendDisclosure({.subject_id = kSubject, .recipient = "c", .purpose = "p", .at = 7});
  batch.AppendConsent(Consent(kOtherSubject, "opt_out"));
  batch.PutRequest(
      {.id = 30, .subject_id = kSubject, .open = true, .due_at = 100, .document = "{\"a\":1}"});
  batch.PutRequest(
      {.id = 10, .subject_id = kSubject, .open = true, .due_at = 200, .document = "{}"});
  batch.PutRequest(
      {.id = 20, .subject_id = kOtherSubject, .open = true, .due_at = 100, .document = "{}"});
  batch.PutRequest(
      {.id = 40, .subject_id = kSubject, .open = false, .due_at = 1, .document = "{}"});
  ASSERT_TRUE(store_->Apply(batch).ok());

  auto disclosures = store_->GetDisclosures(kSubject);
  ASSERT_TRUE(disclosures.ok());
  ASSERT_THAT(*disclosures, SizeIs(2));
  EXPECT_EQ((*disclosures)[0].recipient, "a");
  EXPECT_EQ((*disclosures)[0].categories, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ((*disclosures)[0].evidence, std::vector<std::string>{"court_order:1"});
  EXPECT_EQ((*disclosures)[0].policy_version, 2);
  EXPECT_EQ((*disclosures)[1].recipient, "c");
  EXPECT_LT((*disclosures)[0].seq, (*disclosures)[1].seq);
  auto other_events = store_->GetConsentEvents(kOtherSubject);
  auto events = store_->GetConsentEvents(kSubject);
  ASSERT_TRUE(other_events.ok() && events.ok());
  EXPECT_GT(other_events->back().seq, events->back().seq);

  auto open = store_->ListOpenRequests();  // by deadline, then id
  ASSERT_TRUE(open.ok());
  std::vector<uint64_t> ids;
  for (const RequestRecord& r : *open) ids.push_back(r.id);
  EXPECT_THAT(ids, ElementsAre(20u, 30u, 10u));
  auto mine = store_->ListRequests(kSubject);
  ASSERT_TRUE(mine.ok());
  ids.clear();
  for (const RequestRecord& r : *mine) ids.push_back(r.id);
  EXPECT_THAT(ids, ElementsAre(10u, 30u, 40u));
  EXPECT_EQ(store_->GetRequest(30)->value().document, "{\"a\":1}");
  EXPECT_FALSE(store_->GetRequest(31)->has_value());
}

TEST_P(DataStoreConformance, OutboxMarksOnceAndHoldsAndEventsReadPerSubjectOrAll) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  WriteBatch batch;
  batch.AppendOutbox({.subject_id = kSubject,
                      .organization_id = kOrg,
                      .topic = "a",
                      .sealed_body = "1",
                      .created_at = 1,
                      .sent_at = 77});
  batch.AppendOutbox(
      {.subject_id = kOtherSubject, .topic = "b", .sealed_body = "2", .created_at = 2});
  batch.PutLegalHold({.subject_id = kSubject, .rule = "logs", .ground = "case:1", .placed_at = 1});
  batch.PutLegalHold({.subject_id = kOtherSubject, .rule = "", .ground = "case:2", .placed_at = 2});
  batch.PutLegalHold(
      {.subject_id = kSubject, .rule = "logs", .ground = "case:3", .placed_at = 3});  // replaces
  batch.PutLifecycleEvent({.subject_id = kSubject, .event = "last_activity", .at = 10});
  batch.PutLifecycleEvent({.subject_id = 0, .event = "statistics", .at = 4});
  ASSERT_TRUE(store_->Apply(batch).ok());

  auto outbox = store_->GetOutbox(false);
  ASSERT_TRUE(outbox.ok());
  ASSERT_THAT(*outbox, SizeIs(2));
  EXPECT_EQ((*outbox)[0].sent_at, 0);  // a new message is unsent, whatever it said
  EXPECT_EQ((*outbox)[0].organization_id, kOrg);
  EXPECT_LT((*outbox)[0].seq, (*outbox)[1].seq);
  WriteBatch sent;
  sent.MarkOutboxSent((*outbox)[0].seq, 9);
  sent.MarkOutboxSent((*outbox)[0].seq, 11);  // already marked: stays 9
  sent.MarkOutboxSent(123456, 9);             // no such message: nothing
  ASSERT_TRUE(store_->Apply(sent).ok());
  auto unsent = store_->GetOutbox(true);
  ASSERT_TRUE(unsent.ok());
  ASSERT_THAT(*unsent, SizeIs(1));
  EXPECT_EQ(unsent->front().topic, "b");
  EXPECT_EQ(store_->GetOutbox(false)->front().sent_at, 9);

  auto holds = store_->GetLegalHolds(kSubject);
  ASSERT_TRUE(holds.ok());
  ASSERT_THAT(*holds, SizeIs(1));
  EXPECT_EQ(holds->front().ground, "case:3");
  auto all_holds = store_->GetLegalHolds(0);
  ASSERT_TRUE(all_holds.ok());
  EXPECT_THAT(*all_holds, SizeIs(2));
  WriteBatch lifted;
  lifted.RemoveLegalHold(kSubject, "logs");
  lifted.RemoveLegalHold(kSubject, "other");  // none: nothing
  ASSERT_TRUE(store_->Apply(lifted).ok());
  EXPECT_THAT(*store_->GetLegalHolds(kSubject), IsEmpty());

  auto mine = store_->GetLifecycleEvents(kSubject);
  ASSERT_TRUE(mine.ok());
  ASSERT_THAT(*mine, SizeIs(1));
  EXPECT_EQ(mine->front().event, "last_activity");
  EXPECT_THAT(*store_->GetLifecycleEvents(0), SizeIs(2));  // everyone's, subject 0 included
}

TEST_P(DataStoreConformance, DueOutboxIsEachSubjectsFirstPendingMessageWhenDue) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  WriteBatch batch;
  batch.AppendOutbox({.subject_id = kSubject, .topic = "a1", .sealed_body = "1"});
  batch.AppendOutbox({.subject_id = kSubject, .topic = "a2", .sealed_body = "2"});
  batch.AppendOutbox({.subject_id = kOtherSubject, .topic = "b1", .sealed_body = "3"});
  // An organization's admin reads theirs through the API: never due, never in the way.
  batch.AppendOutbox({.subject_id = kOtherSubject, .organization_id = kOrg, .topic = "org"});
  ASSERT_TRUE(store_->Apply(batch).ok());
  auto topics = [&](int64_t now, size_t limit) {
    std::vector<std::string> out;
    auto due = store_->GetDueOutbox(now, limit);
    EXPECT_TRUE(due.ok());
    if (due.ok())
      for (const OutboxRecord& m : *due) out.push_back(m.topic);
    return out;
  };
  EXPECT_THAT(topics(0, 10), ElementsAre("a1", "b1"));
  EXPECT_THAT(topics(0, 1), ElementsAre("a1"));
  const std::vector<OutboxRecord> all = *store_->GetOutbox(false);
  ASSERT_THAT(all, SizeIs(4));

  // a1 fails and waits until 100: a2 waits behind it; b1 is sent.
  WriteBatch attempt;
  attempt.UpdateOutboxDelivery({.seq = all[0].seq,
                                .state = OutboxState::kPending,
                                .attempts = 1,
                                .next_attempt_at = 100,
                                .last_error = "smtp_451"});
  attempt.UpdateOutboxDelivery(
      {.seq = all[2].seq, .state = OutboxState::kSent, .attempts = 1, .sent_at = 5});
  attempt.UpdateOutboxDelivery({.seq = 123456, .state = OutboxState::kSent});  // none: nothing
  ASSERT_TRUE(store_->Apply(attempt).ok());
  EXPECT_THAT(topics(99, 10), IsEmpty());
  EXPECT_THAT(topics(100, 10), ElementsAre("a1"));
  const OutboxRecord a1 = store_->GetOutbox(false)->front();
  EXPECT_EQ(a1.attempts, 1);
  EXPECT_EQ(a1.next_attempt_at, 100);
  EXPECT_EQ(a1.last_error, "smtp_451");

  // a1 dead: a2 is next. The dead and the sent are listed by state.
  WriteBatch dead;
  dead.UpdateOutboxDelivery(
      {.seq = all[0].seq, .state = OutboxState::kDead, .attempts = 8, .last_error = "smtp_550"});
  ASSERT_TRUE(store_->Apply(dead).ok());
  EXPECT_THAT(topics(0, 10), ElementsAre("a2"));
  auto dead_ones = store_->GetOutboxInState(OutboxState::kDead);
  ASSERT_TRUE(dead_ones.ok());
  ASSERT_THAT(*dead_ones, SizeIs(1));
  EXPECT_EQ(dead_ones->front().topic, "a1");
  EXPECT_EQ(store_->GetOutboxInState(OutboxState::kSent)->front().sent_at, 5);
  // Pending only, for GetOutbox(true): a2 and the organization's.
  EXPECT_THAT(*store_->GetOutbox(true), SizeIs(2));
}

TEST_P(DataStoreConformance, WebhookEventsEndpointsAndDeadLettersRoundTripAndPrune) {
  EXPECT_EQ(*store_->LastWebhookEventSeq(), 0);
  WriteBatch batch;
  // No subject needed: an event may outlive its subject (an erasure's).
  batch.AppendWebhookEvent(
      {.type = "subject.erased", .subject_id = 99, .at = 1, .sealed_body = "e1"});
  batch.AppendWebhookEvent(
      {.type = "consent.withdrawn", .subject_id = 98, .at = 2, .sealed_body = "e2"});
  batch.AppendWebhookEvent(
      {.type = "subject.erased", .subject_id = 97, .at = 3, .sealed_body = "e3"});
  batch.PutWebhookEndpoint({.id = 5,
                            .url = "https://a.example/",
                            .events = "[\"subject.erased\"]",
                            .sealed_secret = "s",
                            .created_at = 1});
  batch.PutWebhookEndpoint({.id = 3, .url = "https://b.example/", .events = "[]", .created_at = 2});
  ASSERT_TRUE(store_->Apply(batch).ok());
  auto events = store_->GetWebhookEvents(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_THAT(*events, SizeIs(3));
  EXPECT_EQ((*events)[0].type, "subject.erased");
  EXPECT_EQ((*events)[1].subject_id, 98u);
  EXPECT_EQ((*events)[2].sealed_body, "e3");
  EXPECT_LT((*events)[0].seq, (*events)[1].seq);
  EXPECT_EQ(*store_->LastWebhookEventSeq(), (*events)[2].seq);
  auto after_first = store_->GetWebhookEvents((*events)[0].seq, 1);
  ASSERT_THAT(*after_first, SizeIs(1));
  EXPECT_EQ(after_first->front().seq, (*events)[1].seq);

  auto endpoints = store_->GetWebhookEndpoints();
  ASSERT_TRUE(endpoints.ok());
  ASSERT_THAT(*endpoints, SizeIs(2));
  EXPECT_EQ((*endpoints)[0].id, 3u);  // in id order
  EXPECT_EQ((*endpoints)[1].sealed_secret, "s");
  WebhookEndpointRecord moved = (*endpoints)[1];
  moved.cursor = (*events)[1].seq;
  moved.attempts = 2;
  moved.next_attempt_at = 50;
  moved.last_error = "http_503";
  WriteBatch progress;
  progress.PutWebhookEndpoint(moved);  // replaces
  progress.PutWebhookDeadLetter({.endpoint_id = 5,
                                 .event_seq = (*events)[0].seq,
                                 .at = 4,
                                 .attempts = 8,
                                 .error = "http_500"});
  ASSERT_TRUE(store_->Apply(progress).ok());
  EXPECT_EQ(store_->GetWebhookEndpoints()->at(1).cursor, (*events)[1].seq);
  EXPECT_EQ(store_->GetWebhookEndpoints()->at(1).last_error, "http_503");
  auto letters = store_->GetWebhookDeadLetters();
  ASSERT_TRUE(letters.ok());
  ASSERT_THAT(*letters, SizeIs(1));
  EXPECT_EQ(letters->front().error, "http_500");

  // Pruning keeps what a dead letter needs, and the last seq survives the prune.
  WriteBatch prune;
  prune.PruneWebhookEvents((*events)[2].seq);
  ASSERT_TRUE(store_->Apply(prune).ok());
  auto left = store_->GetWebhookEvents(0, 10);
  ASSERT_THAT(*left, SizeIs(1));
  EXPECT_EQ(left->front().seq, (*events)[0].seq);
  EXPECT_EQ(*store_->LastWebhookEventSeq(), (*events)[2].seq);

  // Removing an endpoint removes its dead letters; a missing one changes nothing.
  WriteBatch removed;
  removed.RemoveWebhookEndpoint(5);
  removed.RemoveWebhookEndpoint(77);
  removed.RemoveWebhookDeadLetter(3, 1);
  ASSERT_TRUE(store_->Apply(removed).ok());
  EXPECT_THAT(*store_->GetWebhookEndpoints(), SizeIs(1));
  EXPECT_THAT(*store_->GetWebhookDeadLetters(), IsEmpty());
  // A subject's purge leaves the events (they announce it).
  WriteBatch more;
  more.AppendWebhookEvent({.type = "subject.erased", .subject_id = kSubject, .at = 5});
  ASSERT_TRUE(store_->Apply(more).ok());
  ASSERT_TRUE(store_->PurgeSubject(kSubject).ok());
  EXPECT_THAT(*store_->GetWebhookEvents((*events)[2].seq, 10), SizeIs(1));
}

TEST_P(DataStoreConformance, ScanVisitsEachSubjectsFieldsTogetherAndStops) {
  PopulateOne(kSubject);
  PopulateOne(kOtherSubject);
  PopulateOne(7);
  std::vector<FieldMetadata> seen;
  ASSERT_TRUE(store_
                  ->ScanFieldMetadata([&](const FieldMetadata& f) {
                    seen.push_back(f);
                    return true;
                  })
                  .ok());
  ASSERT_THAT(seen, SizeIs(6));
  std::vector<uint64_t> subjects;
  for (const FieldMetadata& f : seen) {
    if (subjects.empty() || subjects.back() != f.subject_id) subjects.push_back(f.subject_id);
    EXPECT_EQ(f.subject_kind, "customer");
    EXPECT_EQ(f.purposes, (std::vector<std::string>{"service", "marketing"}));
    EXPECT_EQ(f.collected_at, 1700000001);
    EXPECT_EQ(f.last_activity, 1700000002);
  }
  EXPECT_THAT(subjects, UnorderedElementsAre(kSubject, kOtherSubject, 7u));  // each one group
  int visits = 0;
  ASSERT_TRUE(store_->ScanFieldMetadata([&](const FieldMetadata&) { return ++visits < 2; }).ok());
  EXPECT_EQ(visits, 2);
}

TEST_P(KeyStoreConformance, PutManyIsAllOrNothing) {
  ASSERT_TRUE(store_->PutWrappedKey(1, "one").ok());
  EXPECT_THAT(store_->PutWrappedKeys({{2, "two"}, {1, "again"}}),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->PutWrappedKeys({{3, "three"}, {3, "twice"}}),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_FALSE(store_->GetWrappedKey(2)->has_value());
  EXPECT_FALSE(store_->GetWrappedKey(3)->has_value());
  EXPECT_THAT(*store_->GetWrappedKey(1), Optional(std::string("one")));
  ASSERT_TRUE(store_->PutWrappedKeys({{2, "two"}, {kSubject, "big"}}).ok());
  EXPECT_THAT(*store_->GetWrappedKey(kSubject), Optional(std::string("big")));
  EXPECT_TRUE(store_->PutWrappedKeys({}).ok());
}

TEST_P(KeyStoreConformance, DestroyRecordsAPendingPurgeUntilDone) {
  ASSERT_TRUE(store_->PutWrappedKeys({{1, "a"}, {2, "b"}, {kSubject, "c"}, {4, "d"}}).ok());
  ASSERT_TRUE(store_->DestroyWrappedKey(kSubject).ok());
  ASSERT_TRUE(store_->DestroyWrappedKey(1).ok());
  ASSERT_TRUE(store_->DestroyWrappedKey(1).ok());          // idempotent
  ASSERT_TRUE(store_->DestroyWrappedKey(555).ok());        // no key: still a purge to do
  ASSERT_TRUE(store_->DestroyWrappedKeys({2, 777}).ok());  // records no purge
  EXPECT_FALSE(store_->GetWrappedKey(kSubject)->has_value());
  EXPECT_FALSE(store_->GetWrappedKey(2)->has_value());
  EXPECT_THAT(*store_->GetWrappedKey(4), Optional(std::string("d")));
  EXPECT_THAT(*store_->PendingPurges(), UnorderedElementsAre(kSubject, 1u, 555u));
  ASSERT_TRUE(store_->PurgeDone(1).ok());
  ASSERT_TRUE(store_->PurgeDone(999).ok());
  EXPECT_THAT(*store_->PendingPurges(), UnorderedElementsAre(kSubject, 555u));
  // A destroyed key's id may be used again.
  EXPECT_TRUE(store_->PutWrappedKey(1, "new").ok());
}

TEST_P(DataStoreConformance, PolicyVersionsRoundTripInVersionOrder) {
  const PolicyVersionRecord v1{.version = 1,
                               .effective = 86400,
                               .text = "version: 1\n",
                               .hash = "aa",
                               .published_at = 10,
                               .published_by = "cli",
                               .classification = "initial"};
  PolicyVersionRecord v2 = v1;
  v2.version = 2;
  v2.text = "version: 2\n";
  v2.classification = "material";
  v2.changes = "MATERIAL purpose_added x: y\n";
  v2.notices_pending = true;
  WriteBatch batch;
  batch.PutPolicyVersion(v2);  // any order: read back by version
  batch.PutPolicyVersion(v1);
  ASSERT_TRUE(store_->Apply(batch).ok());
  auto versions = store_->GetPolicyVersions();
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_THAT(*versions, SizeIs(2));
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[0].text, "version: 1\n");
  EXPECT_EQ((*versions)[0].published_by, "cli");
  EXPECT_EQ((*versions)[0].effective, 86400);
  EXPECT_FALSE((*versions)[0].notices_pending);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[1].classification, "material");
  EXPECT_EQ((*versions)[1].changes, "MATERIAL purpose_added x: y\n");
  EXPECT_TRUE((*versions)[1].notices_pending);
  EXPECT_EQ((*versions)[1].notices_through, 0u);

  WriteBatch progress;
  progress.SetPolicyNoticeProgress(2, 0xF000000000000001u, false);
  ASSERT_TRUE(store_->Apply(progress).ok());
  versions = store_->GetPolicyVersions();
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ((*versions)[1].notices_through, 0xF000000000000001u);
  EXPECT_FALSE((*versions)[1].notices_pending);
}

TEST_P(DataStoreConformance, APolicyVersionIsRecordedOnceAndProgressNeedsOne) {
  WriteBatch first;
  first.PutPolicyVersion({.version = 1, .text = "a"});
  ASSERT_TRUE(store_->Apply(first).ok());
  WriteBatch again;
  again.PutSubject({.id = 5, .kind = "customer"});
  again.PutPolicyVersion({.version = 1, .text = "b"});
  EXPECT_EQ(store_->Apply(again).code(), StatusCode::kAlreadyExists);
  WriteBatch unknown;
  unknown.PutSubject({.id = 6, .kind = "customer"});
  unknown.SetPolicyNoticeProgress(9, 1, false);
  EXPECT_EQ(store_->Apply(unknown).code(), StatusCode::kFailedPrecondition);
  // Neither batch left anything.
  auto versions = store_->GetPolicyVersions();
  ASSERT_TRUE(versions.ok());
  ASSERT_THAT(*versions, SizeIs(1));
  EXPECT_EQ((*versions)[0].text, "a");
  EXPECT_FALSE(store_->GetSubject(5)->has_value());
  EXPECT_FALSE(store_->GetSubject(6)->has_value());
}

TEST_P(DataStoreConformance, BreachesAreRecordedReplacedAndRolledBack) {
  WriteBatch batch;
  batch.PutBreach({.id = 0x8000000000000001u,
                   .recorded_at = 5,
                   .document = "{\"a\":1}",
                   .notices_pending = true});
  batch.PutBreach({.id = 7, .recorded_at = 6, .document = "{}"});
  ASSERT_TRUE(store_->Apply(batch).ok());
  WriteBatch progress;
  progress.PutBreach({.id = 0x8000000000000001u,
                      .recorded_at = 5,
                      .document = "{\"a\":2}",
                      .notices_pending = false,
                      .notices_through = 0xFFFFFFFFFFFFFFFFu});
  ASSERT_TRUE(store_->Apply(progress).ok());
  // A batch that fails leaves its breach out.
  WriteBatch failing;
  failing.PutBreach({.id = 9, .document = "{}"});
  failing.PutLegalHold({.subject_id = 0xDEAD, .rule = "r"});
  EXPECT_FALSE(store_->Apply(failing).ok());
  auto breaches = store_->GetBreaches();
  ASSERT_TRUE(breaches.ok()) << breaches.status().ToString();
  ASSERT_THAT(*breaches, SizeIs(2));
  std::sort(breaches->begin(), breaches->end(),
            [](const BreachRecord& a, const BreachRecord& b) { return a.id < b.id; });
  EXPECT_EQ((*breaches)[0].id, 7u);
  EXPECT_EQ((*breaches)[1].document, "{\"a\":2}");
  EXPECT_FALSE((*breaches)[1].notices_pending);
  EXPECT_EQ((*breaches)[1].notices_through, 0xFFFFFFFFFFFFFFFFu);
  EXPECT_EQ((*breaches)[1].recorded_at, 5);
  // Who a breach affected is written once, as bytes.
  EXPECT_EQ(store_->GetBreachAffected(7).status().code(), StatusCode::kNotFound);
  const std::string bytes("\x01\x00\xff", 3);
  WriteBatch affected;
  affected.PutBreachAffected(7, bytes);
  ASSERT_TRUE(store_->Apply(affected).ok());
  EXPECT_EQ(*store_->GetBreachAffected(7), bytes);
  WriteBatch again;
  again.PutBreach({.id = 8, .document = "{}"});
  again.PutBreachAffected(7, "other");
  EXPECT_EQ(store_->Apply(again).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->GetBreachAffected(7), bytes);
  EXPECT_THAT(*store_->GetBreaches(), SizeIs(2));  // breach 8 rolled back with it
}

TEST_P(DataStoreConformance, ListSubjectsWalksEveryoneOnceInPages) {
  // Ids on both sides of the sign bit: the order is the int64 one in every backend.
  const std::vector<uint64_t> ids = {3,  0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu,
                                     42, uint64_t{1} << 40,   0x9000000000000000u};
  WriteBatch batch;
  for (uint64_t id : ids) batch.PutSubject({.id = id, .kind = "customer", .created_at = 7});
  ASSERT_TRUE(store_->Apply(batch).ok());
  std::vector<uint64_t> walked;
  uint64_t after = 0;
  for (;;) {
    auto page = store_->ListSubjects(after, 4);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_LE(page->size(), 4u);
    if (page->empty()) break;
    for (const SubjectRecord& s : *page) {
      walked.push_back(s.id);
      EXPECT_EQ(s.created_at, 7);
    }
    after = page->back().id;
  }
  EXPECT_THAT(walked, ElementsAre(0x8000000000000000u, 0x9000000000000000u, 0xFFFFFFFFFFFFFFFFu, 3,
                                  42, uint64_t{1} << 40));
}

}  // namespace
}  // namespace privet::store
