// The rights and retention tables of the data file: round trips, merge rules, purge, and the
// in-place upgrade of a version-1 file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.h"
#include "testing/temp_dir.h"

namespace privet::store {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

class RightsTables : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteDataStore(dir_ / "data.db");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    WriteBatch batch;
    batch.PutSubject({.id = 7, .kind = "customer", .sealed_profile = "p"});
    batch.PutField({.id = 70, .subject_id = 7, .category = "user.name", .purposes = {"service"}, .collected_at = 5,
                    .last_activity = 6, .sealed_value = "v"});
    ASSERT_TRUE(store_->Apply(batch).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<DataStore> store_;
};

TEST_F(RightsTables, RoundTripsAndMerges) {
  WriteBatch batch;
  batch.PutRequest({.id = 1, .subject_id = 7, .open = true, .due_at = 100, .document = "{}"});
  batch.PutRequest({.id = 2, .subject_id = 7, .open = false, .due_at = 50, .document = "{}"});
  batch.AppendOutbox({.subject_id = 7, .topic = "identity_code", .sealed_body = "sealed", .created_at = 3});
  batch.PutLegalHold({.subject_id = 7, .rule = "", .ground = "case:1", .placed_at = 4});
  batch.PutLifecycleEvent({.subject_id = 7, .event = "contract_end", .at = 20});
  batch.PutLifecycleEvent({.subject_id = 7, .event = "contract_end", .at = 10});  // earlier: ignored
  batch.AddAggregate({.rule = "logs", .category = "user.device", .day = 0, .count = 2});
  batch.AddAggregate({.rule = "logs", .category = "user.device", .day = 0, .count = 3});  // added up
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
  EXPECT_EQ(store_->GetLegalHolds(7)->front().ground, "case:1");

  std::vector<FieldMetadata> scanned;
  ASSERT_TRUE(store_->ScanFieldMetadata([&](const FieldMetadata& f) {
                      scanned.push_back(f);
                      return true;
                    }).ok());
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

TEST_F(RightsTables, AVersionOneFileIsUpgradedInPlace) {
  store_.reset();
  // Make the file look like version 1: without the rights tables.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE requests; DROP TABLE outbox; DROP TABLE legal_holds;"
                         " DROP TABLE lifecycle_events; DROP TABLE aggregates; PRAGMA user_version=1;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto subject = (*reopened)->GetSubject(7);
  ASSERT_TRUE(subject.ok() && subject->has_value());  // the data is still there
  WriteBatch batch;
  batch.PutRequest({.id = 1, .subject_id = 7, .document = "{}"});
  EXPECT_TRUE((*reopened)->Apply(batch).ok());
}

}  // namespace
}  // namespace privet::store
