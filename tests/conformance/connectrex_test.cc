// connectrex (CX): the promises the policy engine alone decides, against policies/connectrex.yaml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "testing/conformance.h"

namespace privet {
namespace {

using ::privet::testing::AllowedUnder;
using ::privet::testing::DeniedBecause;
using ::testing::IsSupersetOf;

class Connectrex : public testing::ConformanceTest {
 protected:
  Connectrex() : ConformanceTest("policies/connectrex.yaml") {}

  static SubjectState Supervisee() { return Subject(); }
};

// CX01: what the policy says connectrex collects.
const std::vector<std::string> kCollected = {"user.name",
                                             "user.job_title",
                                             "user.contact.address",
                                             "user.contact.email",
                                             "user.contact.phone",
                                             "user.demographic.postal_code",
                                             "user.supervision.conditions",
                                             "user.supervision.fines_fees"};

TEST_F(Connectrex, CX01_DeclaredCategoriesCoverWhatIsCollected) {
  std::vector<std::string> declared;
  for (const Category& c : model().categories) declared.push_back(c.id);
  EXPECT_THAT(declared, IsSupersetOf(kCollected));
  // Data the policy does not mention is not a category the engine accepts at all.
  StatusOr<CategorySet> health = compiled().Categories({"user.health"});
  ASSERT_FALSE(health.ok());
  EXPECT_EQ(health.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(Connectrex, CX01_EachCollectedCategoryServesAPurpose) {
  for (const std::string& category : kCollected) {
    EXPECT_THAT(Write(Supervisee(), {category}, "service"), AllowedUnder(LegalBasis::kContract))
        << category;
    EXPECT_THAT(Read(Supervisee(), {category}, "service"), AllowedUnder(LegalBasis::kContract))
        << category;
  }
  EXPECT_THAT(Read(Supervisee(), {"user.supervision.fines_fees", "user.financial.account_balance"},
                   "billing"),
              AllowedUnder(LegalBasis::kContract));
  // ... and only the purposes that need it.
  EXPECT_THAT(Read(Supervisee(), {"user.supervision.conditions"}, "billing"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Read(Supervisee(), {"user.job_title"}, "statistics"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
}

TEST_F(Connectrex, CX02_PaymentCardNumbersAreNeverStored) {
  EXPECT_TRUE(CategoryDecl("user.financial.payment_card").forbidden);
  for (const std::string& purpose : PurposeIds()) {
    if (PurposeDecl(purpose)->prohibited) continue;
    EXPECT_THAT(Write(Supervisee(), {"user.financial.payment_card"}, purpose),
                DeniedBecause(Reason::kForbiddenCategory))
        << purpose;
  }
  EXPECT_THAT(Write(Supervisee(),
                    {"user.financial.payment_token", "user.financial.account_balance"}, "billing"),
              AllowedUnder(LegalBasis::kContract));
}

TEST_F(Connectrex, CX04_TrafficLogsServeStatisticsOnly) {
  const std::vector<std::string> traffic_log = {"user.device.cookie_id.traffic_log",
                                                "user.behavior.page_views"};
  EXPECT_THAT(model().automatic_collection->categories,
              ::testing::UnorderedElementsAreArray(traffic_log));
  EXPECT_THAT(Read(ConsentedTo({"statistics"}), traffic_log, "statistics"),
              AllowedUnder(LegalBasis::kConsent));
  // No other purpose, whatever its basis: compliance with law reaches every other category, not
  // these.
  for (const std::string& other : PurposeIds()) {
    if (other == "statistics") continue;
    for (const std::string& field : traffic_log)
      EXPECT_FALSE(
          Read(ConsentedTo({"statistics", "service.preferences"}), {field}, other).allowed())
          << field << " for " << other;
  }
  EXPECT_THAT(Read(Supervisee(), {"user.name", "user.location.precise"}, "legal"),
              AllowedUnder(LegalBasis::kLegalObligation));
}

// "A cookie ... asks permission to be placed on your computer's hard drive. Once you agree, the
// file is added"; "You can choose to accept or decline cookies ... This may prevent you from
// taking full advantage of the website."
TEST_F(Connectrex, CX05_CookiesWaitForPermissionAndDecliningLeavesEssentialFunctions) {
  std::vector<std::string_view> optional_cookie_purposes;
  for (const Cookie& c : model().cookies) {
    if (c.essential) {
      EXPECT_EQ(c.purpose, "service") << c.id;
    } else {
      optional_cookie_purposes.push_back(c.purpose);
    }
  }
  ASSERT_EQ(optional_cookie_purposes.size(), 2u);
  const std::map<std::string_view, std::string> cookie_category = {
      {"service.preferences", "user.device.cookie_id.preferences"},
      {"statistics", "user.device.cookie_id.traffic_log"}};
  SubjectState agreed = Supervisee();
  for (std::string_view purpose : optional_cookie_purposes) {
    const std::string& category = cookie_category.at(purpose);
    // Off before any choice; on once agreed; off again once declined.
    EXPECT_THAT(Write(Supervisee(), {category}, std::string(purpose)),
                DeniedBecause(Reason::kNoConsent))
        << purpose;
    EXPECT_THAT(Read(Supervisee(), {category}, std::string(purpose)),
                DeniedBecause(Reason::kNoConsent))
        << purpose;
    Add(agreed.consents, purpose);
    EXPECT_TRUE(Read(agreed, {category}, std::string(purpose)).allowed()) << purpose;
  }
  const SubjectState declined = Supervisee();  // withdrawing clears the consent bit
  EXPECT_THAT(Read(declined, {"user.device.cookie_id.traffic_log", "user.behavior.page_views"},
                   "statistics"),
              DeniedBecause(Reason::kNoConsent));
  // The essential functions work without any cookie choice.
  EXPECT_THAT(Read(declined, {"user.name", "user.supervision.conditions"}, "service"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(declined, {"user.location.precise"}, "service.location"),
              AllowedUnder(LegalBasis::kLegalObligation));
}

TEST_F(Connectrex, CX06_PublicRecordDataIsStillReleasedOnlyAsThePolicyAllows) {
  const std::vector<std::string> conditions = {"user.supervision.conditions"};
  EXPECT_TRUE(CategoryDecl("user.supervision.conditions").public_record);
  EXPECT_THAT(Disclose("supervising_agency", conditions, "agency", {"contract"}),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Disclose("collection_agency", conditions, "billing.collections", {"unpaid_balance"}),
              DeniedBecause(Reason::kCategoryNotForRecipient));
  EXPECT_THAT(Disclose("dispute_resolution", conditions, "disputes", {"dispute"}),
              DeniedBecause(Reason::kCategoryNotForRecipient));
}

TEST_F(Connectrex, CX07_NoSaleDistributionOrLease) {
  EXPECT_FALSE(model().sharing.sale);
  for (const Recipient& r : model().recipients) EXPECT_FALSE(r.sale) << r.id;
  EXPECT_TRUE(PurposeDecl("sale")->prohibited);
  // Not even with the subject's consent, and to no recipient.
  EXPECT_THAT(Read(ConsentedTo({"sale"}), {"user.name"}, "sale"),
              DeniedBecause(Reason::kProhibitedPurpose));
  for (const Recipient& r : model().recipients) {
    EXPECT_THAT(Disclose(r.id, {"user.name"}, "sale", r.preconditions),
                DeniedBecause(Reason::kProhibitedPurpose))
        << r.id;
  }
  // A recipient declared as a sale is refused for any purpose.
  auto with_buyer = CompileEdited([](Policy& p) {
    Recipient buyer = testing::NewRecipient("list_buyer", RecipientKind::kThirdParty, "US",
                                            {"user.name", "user.contact"}, {"service"});
    buyer.transfer_mechanism = "derogation";
    buyer.sale = true;
    p.recipients.push_back(buyer);
  });
  ASSERT_NE(with_buyer, nullptr);
  EXPECT_THAT(DiscloseUnder(*with_buyer, "list_buyer", {"user.name"}, "service"),
              DeniedBecause(Reason::kSaleProhibited));
}

TEST_F(Connectrex, CX07_DisclosuresOnlyForTheStatedReasons) {
  const std::vector<std::string> contact = {"user.name", "user.contact.phone"};
  // (i) law and the supervising agency's contract
  EXPECT_THAT(Disclose("courts_and_law_enforcement", contact, "legal", {"legal_process"}),
              AllowedUnder(LegalBasis::kLegalObligation));
  EXPECT_THAT(Disclose("supervising_agency", {"user.location.precise"}, "agency", {"contract"}),
              AllowedUnder(LegalBasis::kContract));
  // (ii) unpaid bills
  EXPECT_THAT(Disclose("collection_agency", {"user.name", "user.financial.account_balance"},
                       "billing.collections", {"unpaid_balance"}),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  // (iii) staff serving the subject
  EXPECT_THAT(
      Read(Supervisee(), {"user.supervision.conditions"}, "service.staff", Staff("case_worker")),
      AllowedUnder(LegalBasis::kContract));
  // (iv) disputes
  EXPECT_THAT(Disclose("dispute_resolution", contact, "disputes", {"dispute"}),
              AllowedUnder(LegalBasis::kLegitimateInterests));

  // Each recipient serves its own reason only ...
  EXPECT_THAT(Disclose("collection_agency", contact, "disputes", {"unpaid_balance"}),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("supervising_agency", contact, "billing.collections", {"contract"}),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("dispute_resolution", contact, "statistics", {"dispute"}),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("courts_and_law_enforcement", contact, "service", {"legal_process"}),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  // ... and only when that reason is shown.
  EXPECT_THAT(Disclose("collection_agency", contact, "billing.collections"),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("dispute_resolution", contact, "disputes"),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("supervising_agency", contact, "agency"),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("courts_and_law_enforcement", contact, "legal"),
              DeniedBecause(Reason::kMissingPrecondition));
  // Staff outside their role see nothing.
  EXPECT_THAT(
      Read(Supervisee(), {"user.supervision.conditions"}, "service.staff", Staff("billing")),
      DeniedBecause(Reason::kNotNeedToKnow));
}

}  // namespace
}  // namespace privet
