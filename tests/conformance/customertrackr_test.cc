// CustomerTrackr (CU): the promises the policy engine alone decides, against
// policies/customertrackr.yaml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testing/conformance.h"

namespace privet {
namespace {

using ::privet::testing::AllowedUnder;
using ::privet::testing::DeniedBecause;
using ::testing::ElementsAre;

class CustomerTrackr : public testing::ConformanceTest {
 protected:
  CustomerTrackr() : ConformanceTest("policies/customertrackr.yaml") {}

  // The policy as version 2, adding a fraud-data recipient first declared in that version.
  std::shared_ptr<const CompiledPolicy> WithNewRecipientInVersion2() const {
    return CompileEdited([](Policy& p) {
      p.version = 2;
      Recipient bureau =
          testing::NewRecipient("credit_bureau", RecipientKind::kThirdParty, "US",
                                {"user.contact.email", "user.name"}, {"protect.fraud"});
      bureau.since_version = 2;
      p.recipients.push_back(bureau);
    });
  }
};

TEST_F(CustomerTrackr, CU01_WritesNeedADeclaredPurpose) {
  EXPECT_THAT(
      Write(Subject(), {"user.contact.email", "user.account.username"}, "service.registration"),
      AllowedUnder(LegalBasis::kContract));
  for (const char* undeclared : {"marketing", "advertising", "research", "sale.list"})
    EXPECT_FALSE(compiled().FindPurpose(undeclared).has_value()) << undeclared;
  EXPECT_THAT(Decide(compiled(), Principal::Service(), Action::kWrite, Subject(),
                     C({"user.contact.email"}), testing::kUndeclaredPurpose),
              DeniedBecause(Reason::kUnknownPurpose));
}

TEST_F(CustomerTrackr, CU01_OnlyDataRelevantToThePurposeIsWritten) {
  EXPECT_THAT(Write(Subject(), {"user.behavior.purchase_history"}, "service.registration"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Write(Subject(), {"user.profile"}, "analytics"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Write(Subject(), {"user.behavior.purchase_history"}, "service.purchasing"),
              AllowedUnder(LegalBasis::kContract));
  // Every category the policy declares is relevant to some purpose that is not prohibited.
  for (const Category& category : model().categories) {
    bool used = false;
    for (const std::string& purpose : PurposeIds()) {
      if (PurposeDecl(purpose)->prohibited) continue;
      used = used || Write(Subject(), {category.id}, purpose).allowed();
    }
    EXPECT_TRUE(used) << category.id << " is collected for no purpose";
  }
}

TEST_F(CustomerTrackr, CU02_RegistrationRequiresAnEmailAddress) {
  const Feature* registration = FeatureDecl("register");
  ASSERT_NE(registration, nullptr);
  EXPECT_FALSE(registration->optional);
  EXPECT_EQ(registration->purpose, "service.registration");
  EXPECT_THAT(registration->requires_categories, ElementsAre("user.contact.email"));
  EXPECT_THAT(Write(Subject(), registration->requires_categories, registration->purpose),
              AllowedUnder(LegalBasis::kContract));
}

TEST_F(CustomerTrackr, CU04_CookieIdentifiersAreNeverJoinedWithPersonalData) {
  for (const std::string& purpose : PurposeIds()) {
    int pseudonymous = 0;
    int named = 0;
    for (const std::string& category : CategoriesOf(purpose))
      (CategoryDecl(category).pseudonymous_identifier ? pseudonymous : named)++;
    EXPECT_TRUE(pseudonymous == 0 || named == 0)
        << purpose << " mixes cookie identifiers and personal data";
  }
  EXPECT_THAT(Read(Subject(), {"user.device.cookie_id", "user.behavior.page_visits"}, "analytics"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(Subject(), {"user.device.cookie_id", "user.contact.email"}, "analytics"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Read(Subject(), {"user.device.cookie_id", "user.contact.email"}, "service"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
}

TEST_F(CustomerTrackr, CU05_DataIsNeverRentedOrSold) {
  EXPECT_FALSE(model().sharing.sale);
  for (const Recipient& r : model().recipients) EXPECT_FALSE(r.sale) << r.id;
  EXPECT_TRUE(PurposeDecl("sale")->prohibited);
  EXPECT_THAT(Read(ConsentedTo({"sale"}), {"user.contact.email"}, "sale"),
              DeniedBecause(Reason::kProhibitedPurpose));
  for (const Recipient& r : model().recipients) {
    EXPECT_THAT(Disclose(r.id, {"user.contact.email"}, "sale", r.preconditions),
                DeniedBecause(Reason::kProhibitedPurpose))
        << r.id;
  }
  auto with_renter = CompileEdited([](Policy& p) {
    Recipient renter = testing::NewRecipient("list_renter", RecipientKind::kThirdParty, "US",
                                             {"user.contact.email"}, {"protect.fraud"});
    renter.sale = true;
    p.recipients.push_back(renter);
  });
  ASSERT_NE(with_renter, nullptr);
  EXPECT_THAT(DiscloseUnder(*with_renter, "list_renter", {"user.contact.email"}, "protect.fraud"),
              DeniedBecause(Reason::kSaleProhibited));
  // The sharing the policy does describe still happens.
  EXPECT_THAT(Disclose("fraud_partners", {"user.contact.email"}, "protect.fraud"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Disclose("authorities", {"user.name"}, "legal", {"legal_process"}),
              AllowedUnder(LegalBasis::kLegalObligation));
}

TEST_F(CustomerTrackr, CU06_ANewThirdPartyWaitsForNoticeAndTheOptOutWindow) {
  ASSERT_TRUE(model().changes.opt_out_window.has_value());
  auto v2 = WithNewRecipientInVersion2();
  ASSERT_NE(v2, nullptr);
  // The subject was told of `notified_version`, and its opt-out window has passed.
  auto disclose = [&](std::string_view recipient, int notified_version) {
    std::optional<RecipientId> to = v2->FindRecipient(recipient);
    EXPECT_TRUE(to.has_value()) << recipient;
    return DecideDisclosure(*v2, {.recipient = to.value_or(testing::kUndeclaredRecipient),
                                  .categories = C({"user.contact.email"}),
                                  .purpose = P("protect.fraud"),
                                  .notified_version = notified_version});
  };
  EXPECT_THAT(disclose("credit_bureau", 1), DeniedBecause(Reason::kRecipientNotYetInForce));
  EXPECT_THAT(disclose("credit_bureau", 2), AllowedUnder(LegalBasis::kLegitimateInterests));
  // Recipients of version 1 are unaffected.
  EXPECT_THAT(disclose("fraud_partners", 1), AllowedUnder(LegalBasis::kLegitimateInterests));
}

TEST_F(CustomerTrackr, CU08_StaffSeeOnlyWhatTheirJobNeeds) {
  const Principal support = Staff("support");
  EXPECT_THAT(Read(Subject(), {"user.contact.email", "user.account.username", "user.name"},
                   "service.support", support),
              AllowedUnder(LegalBasis::kContract));
  for (const char* unneeded : {"user.profile", "user.behavior.purchase_history"}) {
    EXPECT_THAT(Read(Subject(), {unneeded}, "service.support", support),
                DeniedBecause(Reason::kNotNeedToKnow))
        << unneeded;
  }
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "protect", support),
              DeniedBecause(Reason::kNotNeedToKnow));

  const Principal fraud = Staff("fraud_analyst");
  EXPECT_THAT(Read(Subject(), {"user.behavior.purchase_history"}, "protect.fraud", fraud),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(Subject(), {"user.name"}, "protect.fraud", fraud),
              DeniedBecause(Reason::kNotNeedToKnow));
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "service.support", fraud),
              DeniedBecause(Reason::kNotNeedToKnow));
}

TEST_F(CustomerTrackr, CU09_SubjectsReachTheirOwnProfileOnly) {
  EXPECT_THAT(
      Write(Subject(), {"user.profile", "user.name"}, "service.profile", Principal::Subject(1)),
      AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(Subject(), {"user.profile"}, "service.profile", Principal::Subject(2)),
              DeniedBecause(Reason::kNotSubjectsOwnData));
}

TEST_F(CustomerTrackr, CU11_DataIsUsedUnderTheVersionInForce) {
  for (const Purpose& p : model().purposes) EXPECT_LE(p.since_version, model().version) << p.id;
  // Version 2 adds a purpose; it governs data collected under version 1 too, once the subject
  // was told of version 2 and the opt-out window passed (CU06). No consent is asked (CU11).
  EXPECT_FALSE(model().changes.material_change_requires_consent);
  auto v2 = CompileEdited([](Policy& p) {
    p.version = 2;
    Purpose recommendations;
    recommendations.id = "service.recommendations";
    recommendations.categories = {"user.behavior.purchase_history"};
    recommendations.since_version = 2;
    p.purposes.push_back(recommendations);
  });
  ASSERT_NE(v2, nullptr);
  const PurposeId recommendations = *v2->FindPurpose("service.recommendations");
  SubjectState s = Subject();
  s.collected_under_version = 1;
  auto read = [&](const SubjectState& state) {
    return Decide(*v2, Principal::Service(), Action::kRead, state,
                  C({"user.behavior.purchase_history"}), recommendations);
  };
  EXPECT_THAT(read(s), DeniedBecause(Reason::kPurposeNotInForceAtCollection));
  s.notified_version = 2;
  EXPECT_THAT(read(s), AllowedUnder(LegalBasis::kContract));
  s.notified_version = 0;
  s.collected_under_version = 2;
  EXPECT_THAT(read(s), AllowedUnder(LegalBasis::kContract));
  EXPECT_EQ(model().changes.notify, std::vector<std::string>{"website"});
}

TEST_F(CustomerTrackr, CU12_GoverningLawIsMassachusetts) {
  EXPECT_EQ(model().governing_law, "US-MA");
}

}  // namespace
}  // namespace privet
