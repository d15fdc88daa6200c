// The breach register (Vault::RecordBreach): who is affected, from the data and from the audit
// log's read evidence; the notices; the refusals; a crash in the middle of the notices.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "privet/audit.h"
#include "privet/webhook_events.h"
#include "store/faulty_store.h"
#include "store/store.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"
#include "vault/vault_internal.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::StatusIs;

// The starter policy: breach.threshold high_risk, channels [email], authority_within 72 hours.
class BreachTest : public testing::VaultTest {
 protected:
  BreachTest() : VaultTest("policies/starter.yaml") {
    clock_.Set(CivilDayToTime({2025, 3, 4}));  // after the starter policy's effective date
  }

  uint64_t SubjectWith(const std::vector<FieldInput>& fields) {
    const uint64_t id = NewSubject({.kind = "customer", .age_years = 30});
    auto written = vault().Write({.subject_id = id, .purposes = {"service"}, .fields = fields});
    EXPECT_TRUE(written.ok()) << written.status().ToString();
    return id;
  }
  uint64_t Customer() {
    const std::string n = std::to_string(++people_);
    return SubjectWith({{.category = "user.name", .value = "Person " + n},
                        {.category = "user.contact.email", .value = "p" + n + "@example.com"}});
  }
  void Advance(std::chrono::seconds by) { clock_.Set(clock_.Now() + by); }
  Breach Record(const BreachReport& report) {
    auto recorded = vault().RecordBreach(report);
    EXPECT_TRUE(recorded.ok()) << recorded.status().ToString();
    return recorded.ok() ? *recorded : Breach{};
  }
  std::multimap<uint64_t, nlohmann::json> Notices() { return OpenedOutbox("breach_notice"); }
  std::vector<AuditEntry> AuditOf(AuditEvent event) {
    std::vector<AuditEntry> out;
    auto rows = vault_internal::CoreOf(vault()).data().GetAuditEntries(0, vault().AuditSize());
    EXPECT_TRUE(rows.ok());
    for (const store::AuditRecord& r : *rows) {
      auto e = ParseAuditEntry(r.entry);
      if (e.ok() && e->event == event) out.push_back(*e);
    }
    return out;
  }

  static constexpr size_t kSubjects = Vault::kBreachNoticeBatch + 7;
  void InterruptNotices();
  void ExpectEveryoneToldOnce();

  int people_ = 0;
};

TEST_F(BreachTest, WithoutPrincipalsEveryoneWithDataInTheCategoriesIsAffectedAndTold) {
  const uint64_t with_email = Customer();
  const uint64_t name_only = SubjectWith({{.category = "user.name", .value = "Bo"}});
  const Time start = clock_.Now();
  Advance(std::chrono::hours(2));
  const Time end = clock_.Now();
  Advance(std::chrono::hours(1));
  const uint64_t later = Customer();  // joined after the breach ended: not affected
  Advance(std::chrono::hours(5));
  const Time aware = clock_.Now();

  const Breach b = Record({.what = "A backup of the mailing database was exposed",
                           .started_at = start,
                           .ended_at = end,
                           .aware_at = aware,
                           .categories = {"user.contact"},
                           .systems = {"mailing-db"},
                           .risk = BreachRisk::kHighRisk,
                           .measures = "The backup was deleted; be wary of phishing."});
  EXPECT_FALSE(b.read_evidence);
  EXPECT_EQ(b.subjects_affected, 1u);
  EXPECT_EQ(b.subjects_with_data, 1u);
  EXPECT_TRUE(b.threshold_met);
  EXPECT_EQ(b.subjects_notified, 1u);
  EXPECT_FALSE(b.website_notice);  // the starter policy notifies by email only
  EXPECT_FALSE(b.notices_pending);
  ASSERT_TRUE(b.authority_due.has_value());
  EXPECT_EQ(*b.authority_due, aware + std::chrono::hours(72));

  const std::multimap<uint64_t, nlohmann::json> notices = Notices();
  ASSERT_THAT(notices, SizeIs(1));
  EXPECT_EQ(notices.begin()->first, with_email);
  const nlohmann::json& body = notices.begin()->second;
  EXPECT_EQ(body["what"], "A backup of the mailing database was exposed");
  EXPECT_EQ(body["measures"], "The backup was deleted; be wary of phishing.");
  const Category& email = compiled().category(*compiled().FindCategory("user.contact.email"));
  EXPECT_EQ(body["categories"], email.description.empty() ? email.id : email.description);
  EXPECT_EQ(body["started_at"], Rfc3339(start));
  EXPECT_FALSE(notices.count(name_only) || notices.count(later));

  // The register keeps it across a reopen; the audit log and the webhook events record it.
  Reopen();
  auto all = vault().Breaches();
  ASSERT_TRUE(all.ok());
  ASSERT_THAT(*all, SizeIs(1));
  EXPECT_EQ((*all)[0].id, b.id);
  EXPECT_EQ((*all)[0].report.systems, std::vector<std::string>{"mailing-db"});
  EXPECT_EQ((*all)[0].report.ended_at, end);
  EXPECT_EQ((*all)[0].subjects_notified, 1u);
  const std::vector<AuditEntry> audited = AuditOf(AuditEvent::kBreach);
  ASSERT_THAT(audited, SizeIs(2));
  EXPECT_EQ(audited[0].action, "record");
  EXPECT_THAT(audited[0].detail, HasSubstr("affected:1"));
  EXPECT_EQ(audited[1].action, "notify");
  auto events = vault_internal::CoreOf(vault()).data().GetWebhookEvents(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].type, webhook_event::kBreachRecorded);
  EXPECT_EQ((*events)[0].subject_id, 0u);
}

TEST_F(BreachTest, ALeakedKeyAffectsOnlyThoseWhoseDataItRead) {
  const uint64_t read_by_key = Customer();
  const uint64_t read_by_colleague = Customer();
  const uint64_t read_before = Customer();
  const uint64_t never_read = Customer();
  const std::optional<RoleId> support = compiled().FindRole("support");
  ASSERT_TRUE(support.has_value());
  Principal leaked = Principal::Staff(*support);
  leaked.api_key = 0x0123456789abcdefu;
  const Principal colleague = Principal::Staff(*support);
  ASSERT_TRUE(vault().Read(leaked, read_before, "service.support").ok());
  Advance(std::chrono::hours(1));
  const Time start = clock_.Now();
  ASSERT_TRUE(vault().Read(leaked, read_by_key, "service.support").ok());
  ASSERT_TRUE(vault().Read(colleague, read_by_colleague, "service.support").ok());
  Advance(std::chrono::hours(1));

  const Breach by_key = Record({.what = "A support API key was published",
                                .started_at = start,
                                .aware_at = clock_.Now(),
                                .categories = {"user.name"},
                                .api_keys = {"0123456789abcdef"},
                                .risk = BreachRisk::kHighRisk});
  EXPECT_TRUE(by_key.read_evidence);
  EXPECT_EQ(by_key.subjects_affected, 1u);
  EXPECT_EQ(by_key.subjects_with_data, 4u);
  std::multimap<uint64_t, nlohmann::json> notices = Notices();
  ASSERT_THAT(notices, SizeIs(1));
  EXPECT_EQ(notices.begin()->first, read_by_key);
  EXPECT_EQ(notices.begin()->second["categories"].get<std::string>().empty(), false);

  // The role as a whole: both reads in the window, not the one before it.
  const Breach by_role = Record({.what = "The support role was misused",
                                 .started_at = start,
                                 .aware_at = clock_.Now(),
                                 .principals = {"staff:support"},
                                 .risk = BreachRisk::kHighRisk});
  EXPECT_EQ(by_role.subjects_affected, 2u);
  notices = Notices();
  EXPECT_EQ(notices.count(read_by_colleague), 1u);
  EXPECT_EQ(notices.count(read_by_key), 2u);
  EXPECT_EQ(notices.count(read_before), 0u);
  EXPECT_EQ(notices.count(never_read), 0u);
}

TEST_F(BreachTest, AReadStoredWithEscapedTextCountsAsAnyOther) {
  // The vault's entries are read in place; bytes in any other valid form go through the full
  // parser, and the same reads count.
  const uint64_t id = Customer();
  const Time start = clock_.Now();
  vault_.reset();
  {
    auto data = store::OpenSqliteDataStore(dir_ / "data.db");
    ASSERT_TRUE(data.ok());
    auto rows = (*data)->GetAuditEntries(0, 1'000'000);
    ASSERT_TRUE(rows.ok());
    const AuditEntry read{.event = AuditEvent::kDecision,
                          .at = start,
                          .subject_id = id,
                          .principal = "staff:support",
                          .key = "0123456789abcdef",
                          .action = "read",
                          .purpose = "service.support",
                          .categories = {"user.contact.email"},
                          .outcome = "allowed",
                          .basis = "contract",
                          .detail = "caf\xc3\xa9",  // not plain ASCII: escaped
                          .policy_version = compiled().version()};
    const std::string bytes = SerializeAuditEntry(read);
    ASSERT_THAT(bytes, HasSubstr("\\u00e9"));
    store::WriteBatch batch;
    batch.AppendAudit({.index = rows->size(), .entry = bytes});
    ASSERT_TRUE((*data)->Apply(batch).ok());
  }
  Reopen();
  Advance(std::chrono::hours(1));
  const Breach b = Record({.what = "A support API key was published",
                           .started_at = start,
                           .aware_at = clock_.Now(),
                           .categories = {"user.contact"},
                           .api_keys = {"0123456789abcdef"},
                           .risk = BreachRisk::kRisk});
  EXPECT_EQ(b.subjects_affected, 1u);
}

TEST_F(BreachTest, BelowThePolicysThresholdTheBreachIsRecordedAndNobodyIsTold) {
  Customer();
  const Breach b = Record({.what = "A laptop with encrypted disks was lost",
                           .started_at = clock_.Now(),
                           .aware_at = clock_.Now(),
                           .risk = BreachRisk::kRisk});  // the starter policy says high_risk
  EXPECT_EQ(b.subjects_affected, 1u);
  EXPECT_FALSE(b.threshold_met);
  EXPECT_EQ(b.subjects_notified, 0u);
  EXPECT_THAT(Notices(), SizeIs(0));
  EXPECT_TRUE(b.authority_due.has_value());  // the authority clock runs all the same
}

TEST_F(BreachTest, BadReportsAreRefusedAndChangeNothing) {
  Customer();
  const uint64_t audit_before = vault().AuditSize();
  const Time now = clock_.Now();
  const BreachReport good{.what = "x", .started_at = now, .aware_at = now};
  struct Case {
    BreachReport report;
    const char* field;
  };
  std::vector<Case> cases;
  cases.push_back({good, "what"});
  cases.back().report.what = "";
  cases.push_back({good, "ended_at"});
  cases.back().report.ended_at = now - std::chrono::hours(1);
  cases.push_back({good, "started_at"});
  cases.back().report.started_at = now + std::chrono::hours(1);
  cases.push_back({good, "aware_at"});
  cases.back().report.aware_at = now + std::chrono::hours(1);
  cases.push_back({good, "categories"});
  cases.back().report.categories = {"user.unknown"};
  cases.push_back({good, "api_keys"});
  cases.back().report.api_keys = {"not-a-key"};
  cases.push_back({good, "principals"});
  cases.back().report.principals = {"staff:nobody"};
  for (const Case& c : cases) {
    EXPECT_THAT(vault().RecordBreach(c.report), StatusIs(StatusCode::kInvalidArgument)) << c.field;
    EXPECT_EQ(vault().RecordBreach(c.report).status().field(), c.field);
  }
  EXPECT_THAT(*vault().Breaches(), SizeIs(0));
  EXPECT_EQ(vault().AuditSize(), audit_before);
  EXPECT_THAT(vault().RecordAuthorityNotified(42, now, Principal::Service()),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(BreachTest, TheAuthorityNotifiedIsRecorded) {
  const Breach b = Record({.what = "x", .started_at = clock_.Now(), .aware_at = clock_.Now()});
  Advance(std::chrono::hours(3));
  EXPECT_THAT(vault().RecordAuthorityNotified(b.id, clock_.Now() + std::chrono::hours(1),
                                              Principal::Service()),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(vault().RecordAuthorityNotified(b.id, clock_.Now() - std::chrono::hours(4),
                                              Principal::Service()),
              StatusIs(StatusCode::kInvalidArgument));  // before the company knew
  auto told = vault().RecordAuthorityNotified(b.id, clock_.Now(), Principal::Service());
  ASSERT_TRUE(told.ok()) << told.status().ToString();
  EXPECT_THAT(vault().RecordAuthorityNotified(b.id, clock_.Now(), Principal::Service()),
              StatusIs(StatusCode::kFailedPrecondition));  // once
  EXPECT_EQ(told->authority_notified_at, clock_.Now());
  Reopen();
  EXPECT_EQ((*vault().Breaches())[0].authority_notified_at, clock_.Now());
}

TEST_F(BreachTest, NoticesInterruptedByACrashAreFinishedOnceOnReopen) {
  ASSERT_NO_FATAL_FAILURE(InterruptNotices());
  Reopen();  // finishes them
  ExpectEveryoneToldOnce();
}

TEST_F(BreachTest, NoticesAFailureInterruptedAreFinishedByTheNextBreach) {
  ASSERT_NO_FATAL_FAILURE(InterruptNotices());
  const Breach next = Record({.what = "y",
                              .started_at = clock_.Now(),
                              .aware_at = clock_.Now(),
                              .risk = BreachRisk::kRisk});  // below the threshold: no notices
  EXPECT_EQ(next.subjects_notified, 0u);
  std::vector<Breach> breaches = *vault().Breaches();
  ASSERT_THAT(breaches, SizeIs(2));
  EXPECT_FALSE(breaches[0].notices_pending);
  EXPECT_THAT(Notices(), SizeIs(kSubjects));
}

// Imports kSubjects subjects with an email each, and records a breach whose second batch of
// notices fails to commit, as a crash would leave it.
void BreachTest::InterruptNotices() {
  const size_t subjects = kSubjects;
  std::vector<ImportedSubject> imported(subjects);
  for (size_t i = 0; i < subjects; ++i) {
    imported[i].subject = {.kind = "customer", .age_years = 30};
    imported[i].write = {.purposes = {"service"},
                         .fields = {{.category = "user.contact.email",
                                     .value = "i" + std::to_string(i) + "@example.com"}}};
  }
  ASSERT_TRUE(vault().Import(imported).ok());
  Advance(std::chrono::hours(1));
  auto plan = std::make_shared<store::FaultPlan>();
  vault_.reset();
  vault_internal::Opener::Wrappers wrap;
  wrap.data = [plan](std::unique_ptr<store::DataStore> s) {
    return store::WrapFaulty(std::move(s), plan);
  };
  auto opened = vault_internal::Opener::Open(
      {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_}, wrap);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  vault_ = std::move(*opened);
  // The record, the first batch of notices, then the second batch fails
  // as a crash would.
  plan->FailAt(3, store::FaultPlan::Mode::kForever);
  // The breach is recorded all the same, and says its notices are pending.
  auto recorded = vault().RecordBreach(
      {.what = "x", .started_at = clock_.Now() - std::chrono::hours(2), .aware_at = clock_.Now()});
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  EXPECT_TRUE(recorded->notices_pending);
  EXPECT_EQ(recorded->subjects_notified, Vault::kBreachNoticeBatch);
  plan->FailAt(0, store::FaultPlan::Mode::kOnce);
  ASSERT_THAT(*vault().Breaches(), SizeIs(1));
  EXPECT_TRUE((*vault().Breaches())[0].notices_pending);
  EXPECT_THAT(Notices(), SizeIs(Vault::kBreachNoticeBatch));
}

void BreachTest::ExpectEveryoneToldOnce() {
  const size_t subjects = kSubjects;
  const std::vector<Breach> breaches = *vault().Breaches();
  ASSERT_THAT(breaches, SizeIs(1));
  EXPECT_FALSE(breaches[0].notices_pending);
  EXPECT_EQ(breaches[0].subjects_notified, subjects);
  const std::multimap<uint64_t, nlohmann::json> notices = Notices();
  EXPECT_THAT(notices, SizeIs(subjects));
  for (const auto& [subject, body] : notices) EXPECT_EQ(notices.count(subject), 1u) << subject;
}

}  // namespace
}  // namespace privet
