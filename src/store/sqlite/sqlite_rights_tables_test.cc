// The in-place upgrade of a version-1 data file to the rights and retention tables. (Their round
// trips, merge rules and purge are in store_conformance_test.cc, run on every backend.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.h"
#include "testing/temp_dir.h"

namespace privet::store {
namespace {

class RightsTables : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteDataStore(dir_ / "data.db");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    WriteBatch batch;
    batch.PutSubject({.id = 7, .kind = "customer", .sealed_profile = "p"});
    batch.PutField({.id = 70,
                    .subject_id = 7,
                    .category = "user.name",
                    .purposes = {"service"},
                    .collected_at = 5,
                    .last_activity = 6,
                    .sealed_value = "v"});
    ASSERT_TRUE(store_->Apply(batch).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<DataStore> store_;
};

// Takes a file back to version 4: before the outbox's delivery state and the webhook tables
// (version 5), the policy versions (version 6), the breach register (version 7) and the consent
// string timestamps (version 8), and the consent banner's text hash (version 9).
constexpr char kUndoVersion9[] = "ALTER TABLE consent_events DROP COLUMN text_hash;";
constexpr char kUndoVersion8[] =
    "ALTER TABLE consent_events DROP COLUMN string_created;"
    " ALTER TABLE consent_events DROP COLUMN string_updated;";
constexpr char kUndoVersion5[] =
    "DROP TABLE breach_affected; DROP TABLE breaches; DROP TABLE policy_versions; DROP TABLE "
    "webhook_endpoints; DROP TABLE "
    "webhook_events; DROP "
    "TABLE webhook_dead_letters;"
    " DROP INDEX outbox_pending; ALTER TABLE outbox DROP COLUMN state;"
    " ALTER TABLE outbox DROP COLUMN attempts; ALTER TABLE outbox DROP COLUMN next_attempt_at;"
    " ALTER TABLE outbox DROP COLUMN last_error; DELETE FROM sqlite_sequence WHERE name ="
    " 'webhook_events'; PRAGMA user_version=4;";

// Runs `sql` on the closed store's file, after taking it back to version 4.
void Downgrade(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, (std::string(kUndoVersion9) + kUndoVersion8 + kUndoVersion5 + sql).c_str(),
                   nullptr, nullptr, nullptr),
      SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST_F(RightsTables, AVersionFourFileKeepsItsOutboxAndGainsDeliveryState) {
  WriteBatch outbox;
  outbox.AppendOutbox({.subject_id = 7, .topic = "sent", .sealed_body = "1", .created_at = 1});
  outbox.AppendOutbox({.subject_id = 7, .topic = "waiting", .sealed_body = "2", .created_at = 2});
  ASSERT_TRUE(store_->Apply(outbox).ok());
  WriteBatch sent;
  sent.MarkOutboxSent(store_->GetOutbox(false)->front().seq, 5);
  ASSERT_TRUE(store_->Apply(sent).ok());
  store_.reset();
  Downgrade(dir_ / "data.db", "");
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto sent_ones = (*reopened)->GetOutboxInState(OutboxState::kSent);
  ASSERT_TRUE(sent_ones.ok());
  ASSERT_EQ(sent_ones->size(), 1u);
  EXPECT_EQ(sent_ones->front().topic, "sent");
  auto due = (*reopened)->GetDueOutbox(0, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().topic, "waiting");
  WriteBatch event;
  event.AppendWebhookEvent({.type = "subject.erased", .subject_id = 7, .at = 3});
  EXPECT_TRUE((*reopened)->Apply(event).ok());
}

TEST_F(RightsTables, AVersionOneFileIsUpgradedInPlace) {
  store_.reset();
  // Make the file look like version 1: without the rights tables.
  Downgrade(dir_ / "data.db",
            "DROP TABLE requests; DROP TABLE outbox; DROP TABLE legal_holds;"
            " DROP TABLE lifecycle_events; DROP TABLE aggregates;"
            " ALTER TABLE consent_events DROP COLUMN recipient; PRAGMA user_version=1;");
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto subject = (*reopened)->GetSubject(7);
  ASSERT_TRUE(subject.ok() && subject->has_value());  // the data is still there
  WriteBatch batch;
  batch.PutRequest({.id = 1, .subject_id = 7, .document = "{}"});
  EXPECT_TRUE((*reopened)->Apply(batch).ok());
}

TEST_F(RightsTables, AVersionThreeFileKeepsItsConsentEventsAndGainsTheirRecipient) {
  WriteBatch consent;
  consent.AppendConsent(
      {.subject_id = 7, .purpose = "service", .action = "opt_out", .source = "form", .at = 9});
  ASSERT_TRUE(store_->Apply(consent).ok());
  store_.reset();
  Downgrade(dir_ / "data.db",
            "ALTER TABLE consent_events DROP COLUMN recipient; PRAGMA user_version=3;");
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  WriteBatch more;
  more.AppendConsent(
      {.subject_id = 7, .recipient = "partner", .action = "opt_out", .source = "form", .at = 10});
  ASSERT_TRUE((*reopened)->Apply(more).ok());
  auto events = (*reopened)->GetConsentEvents(7);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].purpose, "service");
  EXPECT_EQ((*events)[0].recipient, "");
  EXPECT_EQ((*events)[1].recipient, "partner");
}

TEST_F(RightsTables, AVersionTwoFileKeepsItsAggregatesWithNoOneBehindThem) {
  store_.reset();
  // Make the file look like version 2: aggregates without the people behind them.
  Downgrade(dir_ / "data.db",
            "DROP TABLE aggregates; CREATE TABLE aggregates (rule TEXT NOT NULL, category TEXT "
            "NOT NULL, day INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (rule, category,"
            " day)) WITHOUT ROWID; INSERT INTO aggregates VALUES ('logs', 'user.device', 0, 12);"
            " ALTER TABLE consent_events DROP COLUMN recipient; PRAGMA user_version=2;");
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  WriteBatch batch;
  batch.AddAggregate(
      {.rule = "logs", .category = "user.device", .day = 0, .count = 3, .subjects = 2});
  ASSERT_TRUE((*reopened)->Apply(batch).ok());
  auto aggregates = (*reopened)->GetAggregates();
  ASSERT_TRUE(aggregates.ok()) << aggregates.status().ToString();
  ASSERT_EQ(aggregates->size(), 1u);
  EXPECT_EQ((*aggregates)[0].count, 15);
  EXPECT_EQ((*aggregates)[0].subjects, 2);  // the old twelve fields count no one
}

// Version 5 added the published policy versions (sqlite_policy_versions.cc).
TEST_F(RightsTables, AVersionFiveFileGainsThePolicyVersionsTable) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   (std::string(kUndoVersion9) + kUndoVersion8 +
                    "DROP TABLE breach_affected; DROP TABLE breaches; DROP TABLE policy_versions;"
                    " PRAGMA user_version=5;")
                       .c_str(),
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto subject = (*reopened)->GetSubject(7);
  ASSERT_TRUE(subject.ok() && subject->has_value());
  WriteBatch batch;
  batch.PutPolicyVersion({.version = 1, .text = "version: 1"});
  ASSERT_TRUE((*reopened)->Apply(batch).ok());
  auto versions = (*reopened)->GetPolicyVersions();
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 1u);
}

// Version 6 added the breach register (sqlite_breaches.cc).
TEST_F(RightsTables, AVersionSixFileGainsTheBreachRegister) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         (std::string(kUndoVersion9) + kUndoVersion8 +
                          "DROP TABLE breach_affected; DROP TABLE breaches; PRAGMA user_version=6;")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto subject = (*reopened)->GetSubject(7);
  ASSERT_TRUE(subject.ok() && subject->has_value());
  WriteBatch batch;
  batch.PutBreach({.id = 3, .recorded_at = 9, .document = "{}"});
  ASSERT_TRUE((*reopened)->Apply(batch).ok());
  auto breaches = (*reopened)->GetBreaches();
  ASSERT_TRUE(breaches.ok());
  EXPECT_EQ(breaches->size(), 1u);
}

// Version 8 added a consent string's own timestamps to its consent events.
TEST_F(RightsTables, AVersionSevenFileKeepsItsConsentEventsAndGainsStringTimes) {
  WriteBatch consent;
  consent.AppendConsent(
      {.subject_id = 7, .purpose = "service", .action = "opt_out", .source = "form", .at = 9});
  ASSERT_TRUE(store_->Apply(consent).ok());
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(
                db, (std::string(kUndoVersion9) + kUndoVersion8 + "PRAGMA user_version=7;").c_str(),
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  WriteBatch more;
  more.AppendConsent({.subject_id = 7,
                      .purpose = "ads",
                      .action = "opt_out",
                      .source = "tcf",
                      .at = 10,
                      .string_created = 3,
                      .string_updated = 8});
  ASSERT_TRUE((*reopened)->Apply(more).ok());
  auto events = (*reopened)->GetConsentEvents(7);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].string_updated, 0);
  EXPECT_EQ((*events)[1].string_created, 3);
  EXPECT_EQ((*events)[1].string_updated, 8);
}

// Version 9 added the hash of the consent banner's text to its consent events.
TEST_F(RightsTables, AVersionEightFileKeepsItsConsentEventsAndGainsTheBannerTextHash) {
  WriteBatch consent;
  consent.AppendConsent(
      {.subject_id = 7, .purpose = "service", .action = "grant", .source = "form", .at = 9});
  ASSERT_TRUE(store_->Apply(consent).ok());
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, (std::string(kUndoVersion9) + "PRAGMA user_version=8;").c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  WriteBatch more;
  more.AppendConsent({.subject_id = 7,
                      .purpose = "analytics",
                      .action = "grant",
                      .source = "cookie_banner",
                      .at = 10,
                      .text_hash = std::string(64, 'a')});
  ASSERT_TRUE((*reopened)->Apply(more).ok());
  auto events = (*reopened)->GetConsentEvents(7);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].text_hash, "");
  EXPECT_EQ((*events)[0].action, "grant");
  EXPECT_EQ((*events)[1].text_hash, std::string(64, 'a'));
}

}  // namespace
}  // namespace privet::store
