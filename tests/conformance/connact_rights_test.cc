// CONNACT rights and retention promises, run through the request desk, the retention sweep and
// the vault (policies/connact.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "conformance/rights_fixture.h"

namespace privet {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class ConnactRights : public testing::RightsTest {
 protected:
  ConnactRights() : RightsTest("policies/connact.yaml") {}

  // An adult user of the Services in the EU.
  uint64_t NewUser() { return NewSubject({.kind = "user", .age_years = 30, .jurisdiction = "EU"}); }
  // The request log of one visit, collected for abuse detection and statistics.
  std::vector<uint64_t> WriteLogs(uint64_t id, const std::string& ip) {
    return MustWrite({.subject_id = id,
                      .purposes = {"abuse_detection", "statistics"},
                      .fields = {{.category = "user.device.ip_address", .value = ip},
                                 {.category = "user.device.browser", .value = "Firefox 124"},
                                 {.category = "user.behavior.browsing", .value = "/pricing 42s"}}});
  }
};

// CN01: "Information collected automatically is used only to identify potential cases of abuse
// and establish statistical information regarding the usage and traffic": through the vault,
// for every other purpose of the policy, whoever asks and whatever the subject consented to.
TEST_F(ConnactRights, CN01_RequestLogsServeOnlyAbuseDetectionAndStatistics) {
  const uint64_t id = NewUser();
  for (const char* purpose : {"newsletter", "social_media"})
    ASSERT_TRUE(
        vault().RecordConsent(id, {.purpose = purpose, .action = ConsentAction::kGrant}).ok());
  MustWrite({.subject_id = id,
             .purposes = {"service"},
             .fields = {{.category = "user.name", .value = "Alex"}}});
  WriteLogs(id, "203.0.113.7");
  EXPECT_THAT(
      Visible(Principal::Service(), id, "abuse_detection"),
      ElementsAre("user.behavior.browsing", "user.device.browser", "user.device.ip_address"));
  EXPECT_THAT(
      Visible(Principal::Service(), id, "statistics"),
      ElementsAre("user.behavior.browsing", "user.device.browser", "user.device.ip_address"));
  for (const Purpose& p : compiled().policy().purposes) {
    if (p.id == "abuse_detection" || p.id == "statistics" || p.id.starts_with("statistics.") ||
        p.processor)
      continue;
    auto read = vault().Read(Principal::Service(), id, p.id);
    ASSERT_TRUE(read.ok()) << p.id << ": " << read.status().ToString();
    for (const FieldValue& f : read->fields)
      EXPECT_EQ(f.category, "user.name") << p.id << " reads request-log data";
  }
  // Staff see them only in the role and for the purpose that covers them.
  EXPECT_THAT(Visible(Principal::Staff(*compiled().FindRole("security")), id, "abuse_detection"),
              SizeIs(3));
  EXPECT_THAT(Visible(Principal::Staff(*compiled().FindRole("legal")), id, "legal"),
              ElementsAre("user.name"));
}

// CN06: "the subject can ask which basis applies and whether the data is a statutory or
// contractual requirement": a legal-basis inquiry through the request desk, answered from what
// the vault holds about that subject and the policy's bases.
TEST_F(ConnactRights, CN06_TheSubjectLearnsTheBasisOfEachProcessingAndWhetherItIsRequired) {
  const uint64_t id = NewUser();
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "newsletter", .action = ConsentAction::kGrant}).ok());
  MustWrite({.subject_id = id,
             .purposes = {"service", "newsletter"},
             .fields = {{.category = "user.contact.email", .value = "kim@example.com"}}});
  WriteLogs(id, "203.0.113.44");
  auto answer =
      Exercise({.right = Right::kLegalBasisInquiry, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->request.state, RequestState::kCompleted);
  nlohmann::json report = Parse(answer->export_json);
  std::set<std::string> answered;
  for (const auto& entry : report["purposes"]) {
    const std::string purpose = entry.value("purpose", "");
    answered.insert(purpose);
    std::optional<PurposeId> pid = compiled().FindPurpose(purpose);
    ASSERT_TRUE(pid.has_value()) << purpose;
    const LegalBasis basis = compiled().purpose(*pid).basis;
    EXPECT_EQ(entry.value("legal_basis", ""), LegalBasisName(basis)) << purpose;
    EXPECT_EQ(entry.value("contractual_requirement", false), basis == LegalBasis::kContract)
        << purpose;
    EXPECT_EQ(entry.value("statutory_requirement", true), basis == LegalBasis::kLegalObligation)
        << purpose;
    EXPECT_FALSE(entry["categories"].empty()) << purpose;
  }
  // Every purpose the subject's data was collected for is answered, and nothing else.
  EXPECT_EQ(answered,
            (std::set<std::string>{"service", "newsletter", "abuse_detection", "statistics"}));
  EXPECT_THAT(answer->export_json, Not(HasSubstr("kim@example.com")));  // bases, not the data
}

TEST_F(ConnactRights, CN04_ChildDataReportNeedsNoCodeAndErasesTheData) {
  const uint64_t id = NewUser();  // signed up claiming to be an adult
  MustWrite({.subject_id = id,
             .purposes = {"service"},
             .fields = {{.category = "user.name", .value = "Robin"},
                        {.category = "user.contact.email", .value = "robin@example.com"}}});
  WriteLogs(id, "203.0.113.9");
  // Only a child-data report may come from someone other than the subject.
  EXPECT_EQ(desk()
                .File({.right = Right::kErasure,
                       .subject_id = id,
                       .channel = "web_form",
                       .filed_by = Requester::kReporter})
                .status()
                .code(),
            StatusCode::kInvalidArgument);

  auto filed = desk().File({.right = Right::kChildDataReport,
                            .subject_id = id,
                            .channel = "web_form",
                            .filed_by = Requester::kReporter});
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  EXPECT_EQ(filed->state, RequestState::kInProgress);  // nothing to verify of the reporter
  EXPECT_EQ(filed->filed_by, "reporter");
  EXPECT_THAT(Messages("identity_code"), IsEmpty());

  auto done = desk().Fulfil(filed->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  EXPECT_THAT(done->request.exceptions, IsEmpty());
  EXPECT_EQ(vault().GetSubject(id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault().Read(Principal::Service(), id, "service").status().code(),
            StatusCode::kNotFound);
  auto lookup = vault().FindSubject(Vault::Identifier::kEmail, "robin@example.com");
  EXPECT_TRUE(!lookup.ok() || !lookup->has_value());
  auto tracked = desk().Get(filed->id);
  ASSERT_TRUE(tracked.ok());
  EXPECT_THAT(States(*tracked), ElementsAre(RequestState::kReceived, RequestState::kInProgress,
                                            RequestState::kCompleted));
}

TEST_F(ConnactRights, CN07_ObjectionStopsOptOutProcessing) {
  const uint64_t id = NewUser();
  WriteLogs(id, "203.0.113.10");
  ASSERT_THAT(Visible(Principal::Service(), id, "statistics"), SizeIs(3));

  // Statistics rest on legitimate interests: the subject objects, and they stop.
  auto done = Exercise(
      {.right = Right::kObjection, .subject_id = id, .channel = "email", .purpose = "statistics"});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  EXPECT_THAT(done->request.exceptions, IsEmpty());
  auto stats = vault().Read(Principal::Service(), id, "statistics");
  ASSERT_TRUE(stats.ok());
  EXPECT_THAT(stats->fields, IsEmpty());
  ASSERT_THAT(stats->withheld, SizeIs(3));
  EXPECT_THAT(Reasons(*stats), Each(Reason::kObjected));
  // Only what was objected to stops: abuse detection goes on.
  EXPECT_THAT(Visible(Principal::Service(), id, "abuse_detection"), SizeIs(3));

  // Analytics cookies are opt-out: opting out stops them too.
  const uint64_t visitor = NewSubject({.kind = "visitor", .age_years = 40, .jurisdiction = "EU"});
  MustWrite({.subject_id = visitor,
             .purposes = {"statistics.analytics"},
             .fields = {{.category = "user.device.cookie_id",
                         .value = "ga-77",
                         .source = DataSource::kCookies}}});
  ASSERT_THAT(Visible(Principal::Service(), visitor, "statistics.analytics"), SizeIs(1));
  ASSERT_TRUE(vault()
                  .RecordConsent(visitor, {.purpose = "statistics.analytics",
                                           .action = ConsentAction::kOptOut,
                                           .source = ConsentSource::kCookieBanner})
                  .ok());
  auto analytics = vault().Read(Principal::Service(), visitor, "statistics.analytics");
  ASSERT_TRUE(analytics.ok());
  EXPECT_THAT(analytics->fields, IsEmpty());
  EXPECT_THAT(Reasons(*analytics), ElementsAre(Reason::kOptedOut));

  // Contract processing is not open to objection.
  EXPECT_EQ(desk()
                .File({.right = Right::kObjection,
                       .subject_id = id,
                       .channel = "email",
                       .purpose = "service"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

// CN02: "No statistic we produce describes fewer than 10 people": the statistics retention
// leaves behind count people, not records. One visitor's many page views, on one day or on many,
// never make a group; only min_group_size distinct people do.
TEST_F(ConnactRights, CN02_ManyRecordsOfOnePersonNeverMakeAStatistic) {
  const int min_group = compiled().policy().automatic_collection->min_group_size;
  ASSERT_GT(min_group, 1);
  clock_.Set(CivilDayToTime({2024, 5, 6}) + std::chrono::hours(9));
  // One busy visitor and everyone but one other person the group needs, on the same day.
  const uint64_t busy = NewUser();
  for (int visit = 0; visit < 3 * min_group; ++visit) WriteLogs(busy, "203.0.113.7");
  for (int i = 0; i < min_group - 2; ++i) WriteLogs(NewUser(), "198.51.100." + std::to_string(i));
  // The busy visitor comes back every day for as many days as the group needs people.
  for (int day = 1; day <= min_group; ++day) {
    clock_.Advance(std::chrono::hours(24));
    WriteLogs(busy, "203.0.113.7");
  }
  clock_.Advance(std::chrono::days(91));
  auto sweep = RunRetention(vault());
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  ASSERT_GT(sweep->fields_deleted, 0u);
  EXPECT_THAT(Visible(Principal::Service(), busy, "statistics"), IsEmpty());  // the logs went
  auto aggregates = vault().Aggregates();
  ASSERT_TRUE(aggregates.ok()) << aggregates.status().ToString();
  EXPECT_THAT(*aggregates, IsEmpty()) << "a statistic of fewer than " << min_group << " people";

  // A day with min_group distinct people, the busy visitor among them, is a group: now a
  // statistic may be reported, and it covers that day.
  const Time group_day = clock_.Now();
  WriteLogs(busy, "203.0.113.7");
  for (int i = 0; i < min_group - 1; ++i) WriteLogs(NewUser(), "192.0.2." + std::to_string(i));
  clock_.Advance(std::chrono::days(91));
  ASSERT_TRUE(RunRetention(vault()).ok());
  aggregates = vault().Aggregates();
  ASSERT_TRUE(aggregates.ok()) << aggregates.status().ToString();
  EXPECT_THAT(*aggregates, Not(IsEmpty()));
  for (const RetentionAggregate& a : *aggregates) {
    EXPECT_EQ(a.rule, "request_logs");
    EXPECT_LE(CivilDayToTime(a.first_day), group_day);
    EXPECT_GE(CivilDayToTime(a.last_day) + std::chrono::hours(24), group_day);
  }
}

TEST_F(ConnactRights, CN09_RequestLogsGoAfterNinetyDaysLeavingOnlyAnonymousCounts) {
  clock_.Set(CivilDayToTime({2024, 3, 4}) + std::chrono::hours(10));
  const uint64_t a = NewUser();
  const uint64_t b = NewUser();
  MustWrite({.subject_id = a,
             .purposes = {"service"},
             .fields = {{.category = "user.name", .value = "Alex"},
                        {.category = "user.contact.email", .value = "alex@example.com"}}});
  const std::vector<uint64_t> logs_a = WriteLogs(a, "203.0.113.7");
  WriteLogs(b, "198.51.100.23");

  clock_.Advance(std::chrono::days(89));
  auto early = RunRetention(vault());
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_EQ(early->fields_deleted, 0u);
  EXPECT_THAT(Visible(Principal::Service(), a, "abuse_detection"), SizeIs(3));

  clock_.Advance(std::chrono::days(2));  // 91 days after collection
  auto sweep = RunRetention(vault());
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  EXPECT_EQ(sweep->fields_deleted, 6u);
  EXPECT_EQ(sweep->subjects_erased, 0u);  // the account data is under another rule
  for (uint64_t id : {a, b}) {
    auto logs = vault().Read(Principal::Service(), id, "abuse_detection");
    ASSERT_TRUE(logs.ok());
    EXPECT_THAT(logs->fields, IsEmpty());
    EXPECT_THAT(Reasons(*logs), IsEmpty());  // gone, not withheld
  }
  EXPECT_THAT(Visible(Principal::Service(), a, "service"),
              ElementsAre("user.contact.email", "user.name"));

  // What stays are counts naming no one, and none of two people (CN02: no statistic describes
  // fewer than the policy's min_group_size).
  auto aggregates = vault().Aggregates();
  ASSERT_TRUE(aggregates.ok()) << aggregates.status().ToString();
  EXPECT_THAT(*aggregates, IsEmpty());

  // No right finds the deleted data any more.
  auto access = Exercise({.right = Right::kAccess, .subject_id = a, .channel = "web_form"});
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_THAT(access->export_json, Not(HasSubstr("203.0.113.7")));
  EXPECT_THAT(access->export_json, Not(HasSubstr("Firefox")));
  EXPECT_THAT(access->export_json, Not(HasSubstr("/pricing")));
  nlohmann::json exported = Parse(access->export_json);
  std::vector<std::string> categories;
  for (const auto& f : exported["fields"]) categories.push_back(f.value("category", ""));
  std::sort(categories.begin(), categories.end());
  EXPECT_THAT(categories, ElementsAre("user.contact.email", "user.name"));
  for (const auto& [category, csv] : access->export_csv)
    EXPECT_THAT(csv, Not(HasSubstr("203.0.113.7")));

  auto portable = Exercise({.right = Right::kPortability, .subject_id = a, .channel = "web_form"});
  ASSERT_TRUE(portable.ok()) << portable.status().ToString();
  EXPECT_THAT(portable->export_json, Not(HasSubstr("203.0.113.7")));

  RightsRequest rectify =
      FileAndVerify({.right = Right::kRectification, .subject_id = a, .channel = "web_form"});
  ASSERT_NE(rectify.id, 0u);
  auto corrected = desk().Fulfil(rectify.id, {.corrections = {{logs_a[0], "192.0.2.1"}}});
  EXPECT_EQ(corrected.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault().Rectify(Principal::Subject(a), a, logs_a[0], "192.0.2.1").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(vault().DeleteField(Principal::Subject(a), a, logs_a[0]).code(), StatusCode::kNotFound);

  auto erased = Exercise({.right = Right::kErasure, .subject_id = a, .channel = "web_form"});
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->request.state, RequestState::kCompleted);
  EXPECT_THAT(erased->request.exceptions, IsEmpty());  // nothing held back, nothing left to report
  EXPECT_EQ(vault().GetSubject(a).status().code(), StatusCode::kNotFound);
  // The counts outlive the subjects they were made from, reported once a group is large enough.
  const int min_group = compiled().policy().automatic_collection->min_group_size;
  ASSERT_EQ(min_group, 10);
  const Time day_two = clock_.Now();
  for (int i = 0; i < min_group; ++i) WriteLogs(NewUser(), "198.51.100." + std::to_string(i));
  clock_.Advance(std::chrono::days(91));
  ASSERT_TRUE(RunRetention(vault()).ok());
  auto after = vault().Aggregates();
  ASSERT_TRUE(after.ok());
  std::map<std::string, int64_t> counts;
  for (const RetentionAggregate& x : *after) {
    EXPECT_EQ(x.rule, "request_logs");
    EXPECT_GE(x.count, min_group);
    EXPECT_EQ(x.first_day,
              (CivilDay{2024, 3, 4}));  // the first day's two joined the next day's ten
    EXPECT_EQ(x.last_day, CivilDayOf(day_two));
    counts[x.category] += x.count;
  }
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"user.behavior.browsing", 12},
                                                    {"user.device.browser", 12},
                                                    {"user.device.ip_address", 12}}));
}

TEST_F(ConnactRights, CN09_AccountDataGoesTwelveMonthsAfterTheContractEnds) {
  const uint64_t id = NewUser();
  MustWrite({.subject_id = id,
             .purposes = {"service"},
             .fields = {{.category = "user.name", .value = "Alex"},
                        {.category = "user.contact.email", .value = "alex@example.com"}}});
  clock_.Advance(std::chrono::days(400));
  auto no_end = RunRetention(vault());
  ASSERT_TRUE(no_end.ok());
  EXPECT_EQ(no_end->fields_deleted, 0u);  // a running contract keeps the account
  ASSERT_TRUE(vault().RecordLifecycleEvent(id, AnchorEvent::kContractEnd).ok());
  clock_.Advance(std::chrono::days(364));
  auto early = RunRetention(vault());
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->fields_deleted, 0u);
  EXPECT_THAT(Visible(Principal::Service(), id, "service"), SizeIs(2));
  clock_.Advance(std::chrono::days(2));
  auto sweep = RunRetention(vault());
  ASSERT_TRUE(sweep.ok());
  EXPECT_EQ(sweep->fields_deleted, 2u);
  EXPECT_THAT(Visible(Principal::Service(), id, "service"), IsEmpty());
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "alex@example.com");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::nullopt);  // the lookup key went with the value
}

TEST_F(ConnactRights, CN18_AnsweredWithinOneMonthAndLateRequestsAreListed) {
  clock_.Set(CivilDayToTime({2024, 1, 31}) + std::chrono::hours(9));
  const uint64_t id = NewUser();
  RightsRequest r =
      FileAndVerify({.right = Right::kAccess, .subject_id = id, .channel = "web_form"});
  ASSERT_NE(r.id, 0u);
  ASSERT_TRUE(r.due.has_value());
  // One calendar month, clamped to the end of February in a leap year.
  EXPECT_EQ(*r.due, (CivilDay{2024, 2, 29}));
  ASSERT_TRUE(r.extended_due.has_value());
  EXPECT_EQ(*r.extended_due, (CivilDay{2024, 4, 30}));  // one + two months from receipt

  auto listed = [&](std::chrono::days within = std::chrono::days(0)) {
    auto overdue = desk().Overdue(within);
    EXPECT_TRUE(overdue.ok()) << overdue.status().ToString();
    std::vector<uint64_t> ids;
    if (overdue.ok())
      for (const RightsRequest& x : *overdue) ids.push_back(x.id);
    return ids;
  };
  EXPECT_THAT(listed(), IsEmpty());
  EXPECT_THAT(listed(std::chrono::days(30)), ElementsAre(r.id));  // due within 30 days
  clock_.Set(CivilDayToTime({2024, 2, 28}) + std::chrono::hours(12));
  EXPECT_THAT(listed(), IsEmpty());
  clock_.Set(CivilDayToTime({2024, 3, 1}) + std::chrono::hours(8));
  EXPECT_THAT(listed(), ElementsAre(r.id));  // late

  // A second request, extended for complexity: the subject is told, the deadline moves.
  const uint64_t other = NewUser();
  RightsRequest big =
      FileAndVerify({.right = Right::kAccess, .subject_id = other, .channel = "email"});
  ASSERT_NE(big.id, 0u);
  EXPECT_EQ(*big.due, (CivilDay{2024, 4, 1}));
  auto extended = desk().Extend(big.id, "complexity");
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(*extended->due, (CivilDay{2024, 6, 1}));
  EXPECT_THAT(Messages("request_extended"), SizeIs(1));
  clock_.Set(CivilDayToTime({2024, 4, 15}));
  EXPECT_THAT(listed(), ElementsAre(r.id));  // the extended one is not late

  // Answered: no longer listed.
  auto done = desk().Fulfil(r.id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_THAT(listed(), IsEmpty());
  clock_.Set(CivilDayToTime({2024, 6, 2}));
  EXPECT_THAT(listed(), ElementsAre(big.id));
}

}  // namespace
}  // namespace privet
