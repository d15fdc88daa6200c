// The audit log as the vault keeps it: what is recorded, signed tree heads, proofs, and tamper
// detection by VerifyAuditLog.
#include "audit/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "audit/merkle.h"
#include "nlohmann/json.hpp"
#include "privet/audit.h"
#include "testing/enum_names.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The canonical bytes as first defined: nlohmann::ordered_json, compact, ensure_ascii.
// SerializeAuditEntry builds plain entries directly; both must give the same bytes.
std::string ReferenceBytes(const AuditEntry& e) {
  nlohmann::ordered_json j;
  j["event"] = AuditEventName(e.event);
  j["at"] = std::chrono::duration_cast<std::chrono::seconds>(e.at.time_since_epoch()).count();
  j["subject"] = e.subject_id;
  j["principal"] = e.principal;
  if (!e.key.empty()) j["key"] = e.key;  // added later, and only where set
  j["action"] = e.action;
  j["purpose"] = e.purpose;
  j["categories"] = e.categories;
  j["outcome"] = e.outcome;
  j["basis"] = e.basis;
  j["withheld"] = e.withheld;
  j["detail"] = e.detail;
  j["policy_version"] = e.policy_version;
  return j.dump(-1, ' ', /*ensure_ascii=*/true);
}

// A search by time reads only the blocks that may hold the window, whatever the entries' order.
TEST(EntryTimesTest, CoversEveryEntryInTheWindowWhateverTheOrder) {
  constexpr uint64_t kBlock = audit::EntryTimes::kBlock;
  audit::EntryTimes times;
  for (uint64_t i = 0; i < 4 * kBlock; ++i) {
    if (i == kBlock + 5) {
      times.Add(10);  // a clock stepped back
    } else if (i == 2 * kBlock + 7) {
      times.Add(std::nullopt);  // a time not known
    } else {
      times.Add(1000 + static_cast<int64_t>(i));
    }
  }
  using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;
  EXPECT_EQ(times.Covering(10, 10, times.size()), (Ranges{{kBlock, 3 * kBlock}}));
  // Block 1 spans 10 to its last time, so it is read for any time between.
  EXPECT_EQ(times.Covering(1000, 1000, times.size()), (Ranges{{0, 3 * kBlock}}));
  const int64_t in_block_3 = 1000 + static_cast<int64_t>(3 * kBlock + 1);
  EXPECT_EQ(times.Covering(in_block_3, in_block_3, times.size()),
            (Ranges{{2 * kBlock, 4 * kBlock}}));
  const int64_t last = 1000 + static_cast<int64_t>(4 * kBlock - 1);
  EXPECT_EQ(times.Covering(last, last + 10, times.size()), (Ranges{{2 * kBlock, 4 * kBlock}}));
  EXPECT_EQ(times.Covering(last + 1, last + 10, 3 * kBlock), (Ranges{{2 * kBlock, 3 * kBlock}}));
  EXPECT_EQ(times.Covering(INT64_MIN, INT64_MAX, 10), (Ranges{{0, 10}}));
}

TEST(EntryTimesTest, EntryTimeOfReadsTheCanonicalPrefixOnly) {
  EXPECT_EQ(audit::EntryTimeOf(R"({"event":"write","at":1741082437,"subject":1})"), 1741082437);
  EXPECT_EQ(audit::EntryTimeOf(R"({"event":"decision","at":-5,"subject":1})"), -5);
  EXPECT_EQ(audit::EntryTimeOf(R"({"at":5,"event":"write"})"), std::nullopt);
  EXPECT_EQ(audit::EntryTimeOf(R"({"event":"write","at":"5"})"), std::nullopt);
  EXPECT_EQ(audit::EntryTimeOf(R"({"event":"write","at":1234567890123456789})"), std::nullopt);
}

TEST(AuditEntryTest, CanonicalBytesMatchTheReferenceEncoding) {
  AuditEntry decision{.event = AuditEvent::kDecision,
                      .at = Time(std::chrono::seconds(1'790'000'123)),
                      .subject_id = 18'446'744'073'709'551'615u,
                      .principal = "organization_admin:4611686018427387911",
                      .action = "read",
                      .purpose = "marketing.email",
                      .categories = {"user.contact.email", "user.name.given"},
                      .outcome = "allowed",
                      .basis = "consent",
                      .withheld = {"user.contact.phone:no_consent"},
                      .policy_version = 7};
  AuditEntry empty;  // every string and list empty, time 0
  AuditEntry negative_time = decision;
  negative_time.at = Time(std::chrono::seconds(-86'400));
  negative_time.policy_version = -1;
  AuditEntry printable = decision;  // every printable ASCII character that needs no escape
  for (char c = 0x20; c < 0x7f; ++c)
    if (c != '"' && c != '\\') printable.detail += c;
  AuditEntry by_key = decision;  // an API key's read (breach evidence)
  by_key.key = "0123456789abcdef";
  std::vector<AuditEntry> entries = {decision, empty, negative_time, printable, by_key};
  // Strings that need escaping take the reference path.
  for (const std::string& odd :
       {std::string("quote\"d"), std::string("back\\slash"), std::string("tab\there"),
        std::string("del\x7f"), std::string("caf\xc3\xa9"), std::string(1, '\0')}) {
    AuditEntry e = decision;
    e.detail = odd;
    entries.push_back(e);
    e = decision;
    e.withheld.push_back(odd);
    entries.push_back(e);
  }
  for (const AuditEntry& e : entries) {
    const std::string bytes = SerializeAuditEntry(e);
    EXPECT_EQ(bytes, ReferenceBytes(e));
    auto parsed = ParseAuditEntry(bytes);
    ASSERT_TRUE(parsed.ok()) << bytes;
    EXPECT_EQ(SerializeAuditEntry(*parsed), bytes);
  }
}

// An entry without a key keeps the bytes it had before keys were recorded; "key" comes after
// "principal" when set; an empty "key" is not canonical (absent is).
TEST(AuditEntryTest, TheKeyIsWrittenOnlyWhenSet) {
  AuditEntry e{.event = AuditEvent::kDecision, .principal = "staff:support", .action = "read"};
  EXPECT_THAT(SerializeAuditEntry(e), Not(HasSubstr("\"key\"")));
  e.key = "00000000000000ff";
  const std::string bytes = SerializeAuditEntry(e);
  EXPECT_THAT(bytes, HasSubstr("\"principal\":\"staff:support\",\"key\":\"00000000000000ff\","));
  ASSERT_TRUE(ParseAuditEntry(bytes).ok());
  EXPECT_EQ(ParseAuditEntry(bytes)->key, e.key);
  std::string empty_key = bytes;
  empty_key.replace(empty_key.find("00000000000000ff"), 16, "");
  EXPECT_FALSE(ParseAuditEntry(empty_key).ok());
}

class AuditLogTest : public testing::VaultTest {
 protected:
  AuditLogTest() : VaultTest("policies/starter.yaml") {}

  VaultFiles Files() const { return {.data_dir = dir_.path()}; }
  int populated_ = 0;

  // A subject with a little history: creation, a write, a read, a consent, a refused read.
  uint64_t Populate() {
    const uint64_t id = NewSubject({.kind = "customer", .age_years = 30});
    const std::string email = "canary.audit." + std::to_string(populated_++) + "@example.com";
    EXPECT_TRUE(vault()
                    .Write({.subject_id = id,
                            .purposes = {"service"},
                            .fields = {{.category = "user.contact.email", .value = email}}})
                    .ok());
    EXPECT_TRUE(vault().Read(Principal::Service(), id, "service").ok());
    EXPECT_TRUE(
        vault().RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kGrant}).ok());
    EXPECT_FALSE(vault().Read(Principal::Service(), id, "no_such_purpose").ok());
    return id;
  }

  // Runs `sql` on the data file directly, as an attacker with file access would.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::vector<std::string> Blobs(const std::string& query) {
    sqlite3* db = nullptr;
    std::vector<std::string> out;
    EXPECT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW)
      out.emplace_back(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                       sqlite3_column_bytes(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  // Sets `column` of the row whose `key` (as text) is `key_value`, with a bound blob.
  void SetBlob(const std::string& table, const std::string& column, const std::string& key,
               const std::string& key_value, const std::string& value) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const std::string sql =
        "UPDATE " + table + " SET " + column + " = ? WHERE CAST(" + key + " AS BLOB) = ?";
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    sqlite3_bind_blob(stmt, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 2, key_value.data(), static_cast<int>(key_value.size()),
                      SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }

  AuditVerification Verify(const std::optional<SignedTreeHead>& published = std::nullopt) {
    auto report = VerifyAuditLog(Files(), std::nullopt, published);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AuditVerification{.problems = {"cannot verify"}};
  }
};

TEST_F(AuditLogTest, RecordsEveryDecisionAndChangeWithIdsOnly) {
  const uint64_t id = Populate();
  EXPECT_EQ(vault().AuditSize(), 5u);
  const std::vector<std::string> entries = Blobs("SELECT entry FROM audit_log ORDER BY idx");
  ASSERT_EQ(entries.size(), 5u);
  std::vector<std::string> events;
  for (const std::string& bytes : entries) {
    auto e = ParseAuditEntry(bytes);
    ASSERT_TRUE(e.ok()) << bytes;
    EXPECT_EQ(SerializeAuditEntry(*e), bytes);  // canonical
    EXPECT_EQ(e->subject_id, id);
    EXPECT_THAT(bytes, Not(HasSubstr("canary")));  // never a value
    events.push_back(std::string(AuditEventName(e->event)) + "/" + e->outcome);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"subject_created/allowed", "write/allowed",
                                              "decision/allowed", "consent/allowed",
                                              "decision/unknown_purpose"}));
  auto read = ParseAuditEntry(entries[2]);
  EXPECT_EQ(read->categories, std::vector<std::string>{"user.contact.email"});
  EXPECT_EQ(read->basis, "contract");
}

TEST_F(AuditLogTest, RefusalsRecordOnlyDeclaredPurposeIds) {
  const uint64_t id = NewSubject({.kind = "customer", .age_years = 30});
  // Whatever a caller passes as a purpose must not enter the permanent log verbatim.
  EXPECT_FALSE(vault().Read(Principal::Service(), id, "ada@example.com").ok());
  EXPECT_FALSE(vault()
                   .Write({.subject_id = id,
                           .purposes = {"service", "bob@example.com"},
                           .fields = {{.category = "user.name", .value = "Ada"}}})
                   .ok());
  const std::vector<std::string> entries = Blobs("SELECT entry FROM audit_log ORDER BY idx");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(ParseAuditEntry(entries[1])->purpose, "undeclared");
  EXPECT_EQ(ParseAuditEntry(entries[2])->purpose, "service,undeclared");
  for (const std::string& e : entries) EXPECT_THAT(e, Not(HasSubstr("example.com")));
}

TEST_F(AuditLogTest, SignedTreeHeadsProofsAndVerification) {
  Populate();
  auto first = vault().SignTreeHead();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Populate();
  auto second = vault().SignTreeHead();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->tree_size, 5u);
  EXPECT_EQ(second->tree_size, 10u);
  auto public_key = AuditPublicKey(Files());
  ASSERT_TRUE(public_key.ok());
  EXPECT_TRUE(VerifyTreeHeadSignature(*second, *public_key));
  SignedTreeHead forged = *second;
  forged.tree_size = 9;
  EXPECT_FALSE(VerifyTreeHeadSignature(forged, *public_key));

  AuditVerification report = Verify();
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.entries, 10u);
  EXPECT_EQ(report.tree_heads, 2u);

  // An inclusion proof a third party can check against the signed head.
  auto proof_json = AuditInclusionProofJson(Files(), 7, 0);
  ASSERT_TRUE(proof_json.ok()) << proof_json.status().ToString();
  nlohmann::json proof = nlohmann::json::parse(*proof_json);
  std::vector<audit::Hash> path;
  for (const auto& h : proof["inclusion_path"])
    path.push_back(*audit::HashFromHex(h.get<std::string>()));
  EXPECT_EQ(proof["tree_size"], 10);
  EXPECT_EQ(proof["tree_head"]["root_hash"], second->root_hash);
  EXPECT_TRUE(audit::VerifyInclusion(audit::LeafHash(proof["entry"].get<std::string>()), 7, 10,
                                     path, *audit::HashFromHex(second->root_hash)));

  auto consistency_json = AuditConsistencyProofJson(Files(), 5, 10);
  ASSERT_TRUE(consistency_json.ok());
  nlohmann::json consistency = nlohmann::json::parse(*consistency_json);
  std::vector<audit::Hash> cpath;
  for (const auto& h : consistency["consistency_path"])
    cpath.push_back(*audit::HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(audit::VerifyConsistency(5, 10, *audit::HashFromHex(first->root_hash),
                                       *audit::HashFromHex(second->root_hash), cpath));
}

TEST_F(AuditLogTest, TreeHeadsAreSignedAtTheConfiguredInterval) {
  Populate();  // within the first hour: no head yet
  EXPECT_EQ(Verify().tree_heads, 0u);
  clock_.Advance(std::chrono::minutes(61));
  Populate();  // the first change after the hour signs one, covering that change
  AuditVerification report = Verify();
  EXPECT_EQ(report.tree_heads, 1u);
  EXPECT_THAT(report.problems, IsEmpty());
  Populate();
  EXPECT_EQ(Verify().tree_heads, 1u);
}

TEST_F(AuditLogTest, BatchedReadDecisionsAreStoredWithTheNextCommitOrShortlyAfter) {
  vault_.reset();
  auto opened = Vault::Open({.data_dir = dir_.path(),
                             .policy = policy_,
                             .clock = &clock_,
                             .read_auditing = VaultOptions::ReadAuditing::kBatched,
                             .read_audit_flush = std::chrono::milliseconds(20)});
  ASSERT_TRUE(opened.ok());
  vault_ = std::move(*opened);
  const uint64_t id = NewSubject({.kind = "customer", .age_years = 30});  // entry 0
  ASSERT_TRUE(vault().Read(Principal::Service(), id, "service").ok());    // buffered
  // Within the flush interval the decision is stored (by the background flush) ...
  for (int i = 0; i < 200 && vault().AuditSize() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(vault().AuditSize(), 2u);
  // ... and a change stores buffered decisions before itself, in order.
  ASSERT_TRUE(vault().Read(Principal::Service(), id, "service").ok());
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kGrant}).ok());
  EXPECT_EQ(vault().AuditSize(), 4u);
  const std::vector<std::string> entries = Blobs("SELECT entry FROM audit_log ORDER BY idx");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(ParseAuditEntry(entries[2])->event, AuditEvent::kDecision);
  EXPECT_EQ(ParseAuditEntry(entries[3])->event, AuditEvent::kConsent);
  // Closing stores whatever is still buffered.
  ASSERT_TRUE(vault().Read(Principal::Service(), id, "service").ok());
  vault_.reset();
  EXPECT_EQ(Blobs("SELECT entry FROM audit_log ORDER BY idx").size(), 5u);
  EXPECT_THAT(Verify().problems, IsEmpty());
}

TEST_F(AuditLogTest, FlippingAnyByteOfAnyEntryOrTreeHeadIsDetected) {
  Populate();
  ASSERT_TRUE(vault().SignTreeHead().ok());
  vault_.reset();
  ASSERT_THAT(Verify().problems, IsEmpty());
  struct Target {
    std::string table, column, key;
  };
  for (const Target& t :
       {Target{"audit_log", "entry", "idx"}, Target{"tree_heads", "root", "tree_size"},
        Target{"tree_heads", "signature", "tree_size"}}) {
    const std::vector<std::string> keys =
        Blobs("SELECT CAST(" + t.key + " AS BLOB) FROM " + t.table);
    const std::vector<std::string> values =
        Blobs("SELECT " + t.column + " FROM " + t.table + " ORDER BY " + t.key);
    ASSERT_EQ(keys.size(), values.size());
    for (size_t row = 0; row < values.size(); ++row) {
      for (size_t byte = 0; byte < values[row].size(); ++byte) {
        std::string flipped = values[row];
        flipped[byte] = static_cast<char>(flipped[byte] ^ 0x01);
        SetBlob(t.table, t.column, t.key, keys[row], flipped);
        EXPECT_THAT(Verify().problems, Not(IsEmpty()))
            << t.table << "." << t.column << " row " << row << " byte " << byte;
        SetBlob(t.table, t.column, t.key, keys[row], values[row]);
      }
    }
  }
  EXPECT_THAT(Verify().problems, IsEmpty());
  Sql("UPDATE tree_heads SET tree_size = tree_size - 1");
  EXPECT_THAT(Verify().problems, Not(IsEmpty()));
}

TEST_F(AuditLogTest, TruncationIsDetectedAgainstAPublishedTreeHead) {
  Populate();
  auto published = vault().SignTreeHead();
  ASSERT_TRUE(published.ok());
  vault_.reset();
  EXPECT_THAT(Verify(*published).problems, IsEmpty());
  // Cut the last two entries and every stored head: the log alone looks fine ...
  Sql("DELETE FROM audit_log WHERE idx >= 3; DELETE FROM tree_heads;");
  EXPECT_THAT(Verify().problems, IsEmpty());
  // ... but not against the head published before.
  EXPECT_THAT(Verify(*published).problems, Not(IsEmpty()));
}

TEST(AuditEvent, NamesRoundTrip) {
  testing::ExpectNamesRoundTrip(&AuditEventName, &ParseAuditEventName);
  EXPECT_EQ(AuditEventName(AuditEvent::kLocationExemption), "location_exemption");
}

}  // namespace
}  // namespace privet
