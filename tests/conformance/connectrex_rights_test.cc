// connectrex rights and retention promises, run through the request desk, the retention sweep
// and the vault (policies/connectrex.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "conformance/rights_fixture.h"

namespace privet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class ConnectrexRights : public testing::RightsTest {
 protected:
  ConnectrexRights() : RightsTest("policies/connectrex.yaml") {}
  static FieldInput Location() { return {.category = "user.location.precise", .value = "37.65,-122.41"}; }
  size_t Swept() {
    auto report = RunRetention(vault());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? report->fields_deleted : 0;
  }
};

TEST_F(ConnectrexRights, CX04_TrafficLogsRemovedAfterTheAnalysis) {
  clock_.Set(CivilDayToTime({2024, 3, 4}) + std::chrono::hours(9));
  // Traffic logs: which pages are used, and the traffic-log cookie, of one visitor.
  const uint64_t pages = NewSubject({.kind = "visitor"});
  MustWrite({.subject_id = pages, .purposes = {"statistics"},
             .fields = {{.category = "user.behavior.page_views", .value = "/pay"},
                        {.category = "user.behavior.page_views", .value = "/faq"},
                        {.category = "user.device.cookie_id", .value = "tl-5", .source = DataSource::kCookies}}});
  // A supervisee's service data is not traffic log and stays.
  const uint64_t supervisee = NewSubject({.kind = "supervisee", .jurisdiction = "US-CA"});
  MustWrite({.subject_id = supervisee, .purposes = {"service", "service.location"},
             .fields = {{.category = "user.name", .value = "Pat"}, Location()}});

  // Before any analysis the logs are still needed for it.
  clock_.Advance(std::chrono::days(30));
  EXPECT_EQ(Swept(), 0u);
  EXPECT_THAT(Visible(Principal::Service(), pages, "statistics"), SizeIs(3));

  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(vault().RecordLifecycleEvent(0, AnchorEvent::kAnalysis).ok());
  clock_.Advance(std::chrono::minutes(5));
  // Data collected after the analysis waits for the next one.
  MustWrite({.subject_id = pages, .purposes = {"statistics"},
             .fields = {{.category = "user.behavior.page_views", .value = "/after"}}});
  EXPECT_EQ(Swept(), 3u);
  auto left = vault().Read(Principal::Service(), pages, "statistics");
  ASSERT_TRUE(left.ok());
  ASSERT_THAT(left->fields, SizeIs(1));
  EXPECT_EQ(left->fields[0].value, "/after");
  EXPECT_THAT(Visible(Principal::Service(), supervisee, "service"), SizeIs(2));
  EXPECT_EQ(Swept(), 0u);  // idempotent

  // The next analysis takes it too.
  clock_.Advance(std::chrono::days(1));
  ASSERT_TRUE(vault().RecordLifecycleEvent(0, AnchorEvent::kAnalysis).ok());
  EXPECT_EQ(Swept(), 1u);
  EXPECT_THAT(Visible(Principal::Service(), pages, "statistics"), IsEmpty());
  EXPECT_THAT(Visible(Principal::Service(), supervisee, "service"), SizeIs(2));
}

TEST_F(ConnectrexRights, CX08_UkAccessRequestWaitsForTheFee) {
  const uint64_t uk = NewSubject({.kind = "supervisee", .jurisdiction = "UK"});
  MustWrite({.subject_id = uk, .purposes = {"service", "service.location"},
             .fields = {{.category = "user.name", .value = "Alex"}, Location()}});
  auto filed = desk().File({.right = Right::kAccess, .subject_id = uk, .channel = "post"});
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  ASSERT_TRUE(filed->fee.has_value());
  EXPECT_EQ(filed->fee->amount_cents, 1000);
  EXPECT_EQ(filed->fee->currency, "GBP");
  auto verified = desk().VerifyIdentity(filed->id, CodeFor(filed->id));
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->state, RequestState::kAwaitingFee);

  auto unpaid = desk().Fulfil(filed->id);
  EXPECT_EQ(unpaid.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(unpaid.status().message(), HasSubstr("awaiting_fee"));
  auto paid = desk().RecordFeePaid(filed->id, "pay-2024-0042");
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_EQ(paid->state, RequestState::kInProgress);
  EXPECT_EQ(paid->fee_reference, "pay-2024-0042");
  EXPECT_EQ(desk().RecordFeePaid(filed->id, "pay-again").status().code(), StatusCode::kFailedPrecondition);
  auto done = desk().Fulfil(filed->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  EXPECT_THAT(done->export_json, HasSubstr("Alex"));
  EXPECT_THAT(States(done->request),
              ElementsAre(RequestState::kReceived, RequestState::kIdentityPending, RequestState::kAwaitingFee,
                          RequestState::kInProgress, RequestState::kCompleted));

  // California: access is free, so no fee and no wait.
  const uint64_t ca = NewSubject({.kind = "supervisee", .jurisdiction = "US-CA"});
  MustWrite({.subject_id = ca, .purposes = {"service", "service.location"},
             .fields = {{.category = "user.name", .value = "Sam"}, Location()}});
  auto no_fee = desk().File({.right = Right::kAccess, .subject_id = ca, .channel = "email"});
  ASSERT_TRUE(no_fee.ok()) << no_fee.status().ToString();
  EXPECT_FALSE(no_fee->fee.has_value());
  auto ca_verified = desk().VerifyIdentity(no_fee->id, CodeFor(no_fee->id));
  ASSERT_TRUE(ca_verified.ok());
  EXPECT_EQ(ca_verified->state, RequestState::kInProgress);
  EXPECT_EQ(desk().RecordFeePaid(no_fee->id, "pay-1").status().code(), StatusCode::kFailedPrecondition);
  auto ca_done = desk().Fulfil(no_fee->id);
  ASSERT_TRUE(ca_done.ok()) << ca_done.status().ToString();
  EXPECT_THAT(ca_done->export_json, HasSubstr("Sam"));

  // The fee is for access only: a UK rectification has none.
  auto fix = desk().File({.right = Right::kRectification, .subject_id = uk, .channel = "email"});
  ASSERT_TRUE(fix.ok());
  EXPECT_FALSE(fix->fee.has_value());
}

}  // namespace
}  // namespace privet
