// connectrex rights and retention promises, run through the request desk, the retention sweep
// and the vault (policies/connectrex.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "conformance/rights_fixture.h"
#include "testing/status_matchers.h"

namespace privet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class ConnectrexRights : public testing::RightsTest {
 protected:
  ConnectrexRights() : RightsTest("policies/connectrex.yaml") {}
  static FieldInput Location() {
    return {.category = "user.location.precise", .value = "37.65,-122.41"};
  }
  size_t Swept() {
    auto report = RunRetention(vault());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? report->fields_deleted : 0;
  }
};

// CX02: "any attempt to write a card number (anywhere, in any field) is refused": in a field
// value, and in every other input the vault keeps (a subject's jurisdiction and exemptions, a
// disclosure's evidence, a legal hold's ground, a fee's payment reference, an extension's
// reason, a denial's ground and law). Refused without echoing it, and found in no vault file.
TEST_F(ConnectrexRights, CX02_PaymentCardNumbersAreNeverStoredAnywhere) {
  const std::vector<std::string> cards = {"4111111111111111", "4111 1111 1111 1111",
                                          "5500-0000-0000-0004",
                                          "note: card 378282246310005 exp 12/26"};
  auto refused = [](const Status& s, const std::string& what) {
    EXPECT_FALSE(s.ok()) << what;
    EXPECT_THAT(s.message(), Not(HasSubstr("1111"))) << what;
    EXPECT_THAT(s.message(), Not(HasSubstr("0004"))) << what;
    EXPECT_THAT(s.message(), Not(HasSubstr("8282"))) << what;
  };
  const uint64_t id = NewSubject({.kind = "supervisee", .jurisdiction = "UK"});
  for (const std::string& card : cards) {
    // In the card category, and hidden in any other field.
    for (const char* category :
         {"user.financial.payment_card", "user.name", "user.job_title", "user.contact.address"}) {
      auto w = vault().Write({.subject_id = id,
                              .purposes = {"service", "service.location"},
                              .fields = {Location(), {.category = category, .value = card}}});
      EXPECT_EQ(w.status().code(), StatusCode::kPermissionDenied) << category << " " << card;
      refused(w.status(), category);
    }
    refused(vault().CreateSubject({.kind = "supervisee", .jurisdiction = card}).status(),
            "jurisdiction");
    refused(vault().GrantLocationExemption(Principal::Service(), id, card, "order-1"), "exemption");
    refused(vault().GrantLocationExemption(Principal::Service(), id, "court_exemption", card),
            "exemption reference");
  }
  // Codes and references: the spellings a code may take (digits with dashes) are refused too.
  for (const std::string& card :
       {std::string("4111111111111111"), std::string("5500-0000-0000-0004")}) {
    refused(vault().PlaceLegalHold(id, "", "case-" + card), "legal hold ground");
    refused(vault()
                .Disclose({.recipient = "courts_and_law_enforcement",
                           .subject_id = id,
                           .categories = {"user.name"},
                           .purpose = "legal",
                           .evidence = {"legal_process:" + card}})
                .status(),
            "disclosure evidence");
    auto request = desk().File({.right = Right::kAccess, .subject_id = id, .channel = "post"});
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    ASSERT_TRUE(desk().VerifyIdentity(request->id, CodeFor(request->id)).ok());
    refused(desk().RecordFeePaid(request->id, card).status(), "fee reference");
    refused(desk().Extend(request->id, card).status(), "extension reason");
    refused(desk()
                .Deny(request->id, {.scope = "user.name", .ground = card, .law = "UK GDPR Art. 15"})
                .status(),
            "denial ground");
    refused(desk()
                .Deny(request->id,
                      {.scope = "user.name", .ground = "manifestly_unfounded", .law = card})
                .status(),
            "denial law");
  }
  // Only the provider's token and the balance are kept.
  EXPECT_TRUE(
      vault()
          .Write({.subject_id = id,
                  .purposes = {"billing", "service.location"},
                  .fields = {{.category = "user.financial.payment_token", .value = "tok_9f8e7d"},
                             {.category = "user.financial.account_balance", .value = "-45.00"},
                             Location()}})
          .ok());
  // No file of the vault holds a card number, sealed or not.
  desk_.reset();
  vault_.reset();
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    const std::string bytes = ReadFile(entry.path().string());
    for (const char* digits : {"4111111111111111", "5500-0000-0000-0004", "378282246310005"})
      EXPECT_EQ(bytes.find(digits), std::string::npos) << entry.path() << " holds " << digits;
  }
}

TEST_F(ConnectrexRights, CX04_TrafficLogsRemovedAfterTheAnalysis) {
  clock_.Set(CivilDayToTime({2024, 3, 4}) + std::chrono::hours(9));
  // Traffic logs: which pages are used, and the traffic-log cookie, of one visitor.
  const uint64_t pages = NewSubject({.kind = "visitor"});
  ASSERT_TRUE(vault()
                  .RecordConsent(pages, {.purpose = "statistics",
                                         .action = ConsentAction::kGrant,
                                         .source = ConsentSource::kCookieBanner})
                  .ok());  // CX05
  MustWrite({.subject_id = pages,
             .purposes = {"statistics"},
             .fields = {{.category = "user.behavior.page_views", .value = "/pay"},
                        {.category = "user.behavior.page_views", .value = "/faq"},
                        {.category = "user.device.cookie_id.traffic_log",
                         .value = "tl-5",
                         .source = DataSource::kCookies}}});
  // Used for statistics only: no other purpose reads them, a legal obligation included.
  for (const char* other : {"legal", "service", "service.preferences", "agency", "disputes"}) {
    auto read = vault().Read(Principal::Service(), pages, other);
    ASSERT_TRUE(read.ok()) << other;
    EXPECT_THAT(read->fields, IsEmpty()) << other;
  }
  ASSERT_TRUE(
      vault()
          .RecordConsent(pages, {.purpose = "service.preferences", .action = ConsentAction::kGrant})
          .ok());
  auto legal = vault().Read(Principal::Service(), pages, "legal");
  ASSERT_TRUE(legal.ok());
  EXPECT_THAT(legal->fields, IsEmpty());
  EXPECT_THAT(Reasons(*legal), ::testing::Each(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Reasons(*legal), SizeIs(3));
  // A supervisee's service data is not traffic log and stays.
  const uint64_t supervisee = NewSubject({.kind = "supervisee", .jurisdiction = "US-CA"});
  MustWrite({.subject_id = supervisee,
             .purposes = {"service", "service.location"},
             .fields = {{.category = "user.name", .value = "Pat"}, Location()}});

  // Before any analysis the logs are still needed for it.
  clock_.Advance(std::chrono::days(30));
  EXPECT_EQ(Swept(), 0u);
  EXPECT_THAT(Visible(Principal::Service(), pages, "statistics"), SizeIs(3));

  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(vault().RecordLifecycleEvent(0, AnchorEvent::kAnalysis).ok());
  clock_.Advance(std::chrono::minutes(5));
  // Data collected after the analysis waits for the next one.
  MustWrite({.subject_id = pages,
             .purposes = {"statistics"},
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
  MustWrite({.subject_id = uk,
             .purposes = {"service", "service.location"},
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
  EXPECT_THAT(unpaid,
              ::privet::testing::StatusIs(StatusCode::kFailedPrecondition, Reason::kAwaitingFee));
  auto paid = desk().RecordFeePaid(filed->id, "pay-2024-0042");
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_EQ(paid->state, RequestState::kInProgress);
  EXPECT_EQ(paid->fee_reference, "pay-2024-0042");
  EXPECT_EQ(desk().RecordFeePaid(filed->id, "pay-again").status().code(),
            StatusCode::kFailedPrecondition);
  auto done = desk().Fulfil(filed->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  EXPECT_THAT(done->export_json, HasSubstr("Alex"));
  EXPECT_THAT(
      States(done->request),
      ElementsAre(RequestState::kReceived, RequestState::kIdentityPending,
                  RequestState::kAwaitingFee, RequestState::kInProgress, RequestState::kCompleted));

  // California: access is free, so no fee and no wait.
  const uint64_t ca = NewSubject({.kind = "supervisee", .jurisdiction = "US-CA"});
  MustWrite({.subject_id = ca,
             .purposes = {"service", "service.location"},
             .fields = {{.category = "user.name", .value = "Sam"}, Location()}});
  auto no_fee = desk().File({.right = Right::kAccess, .subject_id = ca, .channel = "email"});
  ASSERT_TRUE(no_fee.ok()) << no_fee.status().ToString();
  EXPECT_FALSE(no_fee->fee.has_value());
  auto ca_verified = desk().VerifyIdentity(no_fee->id, CodeFor(no_fee->id));
  ASSERT_TRUE(ca_verified.ok());
  EXPECT_EQ(ca_verified->state, RequestState::kInProgress);
  EXPECT_EQ(desk().RecordFeePaid(no_fee->id, "pay-1").status().code(),
            StatusCode::kFailedPrecondition);
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
