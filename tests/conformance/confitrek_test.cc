// ConfiTrek (CT): the promises the policy engine alone decides, against policies/confitrek.yaml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "testing/conformance.h"

namespace privet {
namespace {

using ::privet::testing::AllowedUnder;
using ::privet::testing::DeniedBecause;
using ::testing::UnorderedElementsAre;

class ConfiTrek : public testing::ConformanceTest {
 protected:
  ConfiTrek() : ConformanceTest("policies/confitrek.yaml") {}

  // The reason a read for `purpose` is refused once the subject withdrew their choice: no
  // consent for opt-in purposes, an opt-out for opt-out ones.
  Reason WithdrawnReason(std::string_view purpose) const {
    return PurposeOf(purpose).consent == ConsentMode::kRequired ? Reason::kNoConsent
                                                                : Reason::kOptedOut;
  }
  // Records the subject's choice of `purpose` (consent for opt-in purposes; no opt-out otherwise).
  void Choose(SubjectState& s, std::string_view purpose) const {
    Add(s.consents, purpose);
    Remove(s.opt_outs, purpose);
  }
  // Withdraws it, as clearing or blocking a cookie does.
  void Withdraw(SubjectState& s, std::string_view purpose) const {
    Remove(s.consents, purpose);
    Add(s.opt_outs, purpose);
  }
};

TEST_F(ConfiTrek, CT01_PersonalizationIsOffWhenItsOptionalDataIsDeclined) {
  const Feature* personalization = FeatureDecl("personalization");
  ASSERT_NE(personalization, nullptr);
  EXPECT_TRUE(personalization->optional);
  EXPECT_EQ(personalization->purpose, "personalize");
  EXPECT_THAT(personalization->requires_categories,
              UnorderedElementsAre("user.behavior.interests"));

  // Declined: no consent to the optional processing, so its reads are refused ...
  const SubjectState declined = Subject();
  EXPECT_THAT(Read(declined, personalization->requires_categories, "personalize"),
              DeniedBecause(Reason::kNoConsent));
  EXPECT_THAT(Read(declined, {"user.behavior.interaction"}, "personalize"),
              DeniedBecause(Reason::kNoConsent));
  // ... while the product itself still works.
  EXPECT_THAT(Read(declined, {"user.name", "user.contact.email"}, "provide"),
              AllowedUnder(LegalBasis::kContract));

  const SubjectState provided = ConsentedTo({"personalize"});
  EXPECT_THAT(Read(provided, personalization->requires_categories, "personalize"),
              AllowedUnder(LegalBasis::kConsent));
}

TEST_F(ConfiTrek, CT01_RequiredFeaturesDoNotDependOnOptionalData) {
  for (const Feature& f : model().features) {
    if (f.optional) continue;
    for (const std::string& category : f.requires_categories)
      EXPECT_FALSE(IdCovers("user.behavior.interests", category))
          << f.id << " requires " << category;
  }
}

TEST_F(ConfiTrek, CT03_EveryDeclaredPurposeIsUsableForItsCategories) {
  // A subject who has given every choice: each purpose then reaches all of its categories.
  std::vector<std::string_view> all;
  for (const Purpose& p : model().purposes) all.push_back(p.id);
  const SubjectState s = ConsentedTo(all);
  for (const std::string& purpose : PurposeIds()) {
    SCOPED_TRACE(purpose);
    EXPECT_THAT(Read(s, CategoriesOf(purpose), purpose), AllowedUnder(PurposeOf(purpose).basis));
  }
  // The declared families, with the basis the statement implies.
  EXPECT_THAT(Read(s, {"user.content.private"}, "provide"), AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "provide.support"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(s, {"user.device.ip_address"}, "provide.security"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.device.diagnostic"}, "improve"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.behavior.interests"}, "personalize"),
              AllowedUnder(LegalBasis::kConsent));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "advertise"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.device.cookie_id"}, "operate.analytics"),
              AllowedUnder(LegalBasis::kConsent));
  EXPECT_THAT(Read(s, {"user.name"}, "operate.legal"), AllowedUnder(LegalBasis::kLegalObligation));
  EXPECT_THAT(Read(s, {"user.behavior.interaction"}, "operate.workforce"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.behavior.interaction"}, "operate.research"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
}

TEST_F(ConfiTrek, CT03_AnyOtherUseIsRefused) {
  EXPECT_THAT(TopLevelPurposes(), UnorderedElementsAre("provide", "improve", "personalize",
                                                       "advertise", "operate", "protect"));

  for (const char* undeclared : {"sale", "data_brokerage", "credit_scoring", "operate.sale"})
    EXPECT_FALSE(compiled().FindPurpose(undeclared).has_value()) << undeclared;
  EXPECT_THAT(Decide(compiled(), Principal::Service(), Action::kRead, Subject(), C({"user.name"}),
                     testing::kUndeclaredPurpose),
              DeniedBecause(Reason::kUnknownPurpose));
  // A declared purpose does not reach categories outside it.
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "improve"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Read(ConsentedTo({"personalize"}), {"user.content.private"}, "personalize"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Read(Subject(), {"user.content.private"}, "operate"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
}

TEST_F(ConfiTrek, CT05_SharingNeedsConsentOrARequestedTransaction) {
  const std::vector<std::string> contact = {"user.name", "user.contact.email"};
  // Third parties the subject consents to receive data only for the consent-based purpose; the
  // consent itself is read from the ledger by the vault (ConfiTrekDisclosure.CT05_...).
  EXPECT_THAT(Disclose("consented_third_parties", contact, "provide.consented_sharing"),
              AllowedUnder(LegalBasis::kConsent));
  EXPECT_THAT(Disclose("consented_third_parties", contact, "provide.transactions"),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_EQ(compiled().purpose(*compiled().FindPurpose("provide.consented_sharing")).consent,
            ConsentMode::kRequired);
  EXPECT_THAT(Disclose("transaction_parties", contact, "provide.transactions"),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("transaction_parties", contact, "provide.transactions", {"subject_request"}),
              AllowedUnder(LegalBasis::kContract));
  // Vendors act for CT's own purposes only; affiliates receive no private content.
  EXPECT_THAT(Disclose("vendors", contact, "provide"), AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Disclose("vendors", {"user.behavior.interests"}, "personalize"),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("affiliates", {"user.content.private"}, "provide"),
              DeniedBecause(Reason::kCategoryNotForRecipient));
  EXPECT_THAT(Disclose("authorities", contact, "protect"),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("authorities", contact, "protect.legal_process", {"legal_process"}),
              AllowedUnder(LegalBasis::kLegalObligation));
}

TEST_F(ConfiTrek, CT06_InterestBasedAdvertisingStopsAfterOptOut) {
  const std::vector<std::string> profile = {"user.behavior.interaction"};
  const std::vector<std::string> cookie = {"user.device.cookie_id"};  // its own consent (CT10)
  EXPECT_EQ(PurposeOf("advertise.interest_based").consent, ConsentMode::kOptOut);
  EXPECT_THAT(Read(Subject(), profile, "advertise.interest_based"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  SubjectState cookies_chosen = ConsentedTo({"advertise.interest_based.cookies"});
  EXPECT_TRUE(Read(cookies_chosen, cookie, "advertise.interest_based.cookies").allowed());

  const SubjectState opted_out = OptedOutOf({"advertise.interest_based"});
  EXPECT_THAT(Read(opted_out, profile, "advertise.interest_based"),
              DeniedBecause(Reason::kOptedOut));
  cookies_chosen.opt_outs |= opted_out.opt_outs;  // the opt-out switches the cookie off too
  EXPECT_FALSE(Read(cookies_chosen, cookie, "advertise.interest_based.cookies").allowed());
  EXPECT_THAT(Read(opted_out, {"user.behavior.interests"}, "advertise.interest_based"),
              DeniedBecause(Reason::kOptedOut));
  // Other purposes, including other advertising, are unaffected.
  EXPECT_THAT(Read(opted_out, {"user.behavior.interests"}, "advertise.offers"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(opted_out, {"user.device.diagnostic"}, "improve"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(opted_out, {"user.name"}, "provide"), AllowedUnder(LegalBasis::kContract));
}

TEST_F(ConfiTrek, CT06_GlobalPrivacyControlOptsOutOfInterestBasedAdvertising) {
  const PurposeSet& gpc = SignalOptOuts(compiled(), PrivacySignal::kGlobalPrivacyControl);
  EXPECT_TRUE(Includes(gpc, "advertise.interest_based"));
  EXPECT_FALSE(Includes(gpc, "advertise.offers"));
  SubjectState s = Subject();
  s.opt_outs |= gpc;
  EXPECT_THAT(Read(s, {"user.behavior.interaction"}, "advertise.interest_based"),
              DeniedBecause(Reason::kOptedOut));
  EXPECT_THAT(Read(s, {"user.behavior.interests"}, "advertise.offers"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_TRUE(SignalOptOuts(compiled(), PrivacySignal::kDoNotTrack).None());
}

TEST_F(ConfiTrek, CT07_EachPromotionalChannelIsItsOwnPurpose) {
  std::vector<std::string> channels;
  std::vector<std::string> purposes;
  for (const MarketingChannel& c : model().marketing_channels) {
    channels.push_back(c.id);
    purposes.push_back(c.purpose);
  }
  EXPECT_THAT(channels, UnorderedElementsAre("email", "sms", "phone", "postal"));
  EXPECT_THAT(purposes,
              UnorderedElementsAre("advertise.promotional.email", "advertise.promotional.sms",
                                   "advertise.promotional.phone", "advertise.promotional.postal"));
}

TEST_F(ConfiTrek, CT07_ChoosingOneChannelLeavesTheOthersUnchanged) {
  const auto& channels = model().marketing_channels;
  for (const MarketingChannel& chosen : channels) {
    SCOPED_TRACE(chosen.id);
    const SubjectState s = ConsentedTo({chosen.purpose});
    for (const MarketingChannel& c : channels) {
      const Decision d = Read(s, CategoriesOf(c.purpose), c.purpose);
      if (c.id == chosen.id) {
        EXPECT_THAT(d, AllowedUnder(LegalBasis::kConsent)) << c.id;
      } else {
        EXPECT_THAT(d, DeniedBecause(Reason::kNoConsent)) << c.id;
      }
    }
  }
  // Withdrawing one of several choices stops only that one.
  SubjectState all = Subject();
  for (const MarketingChannel& c : channels) Choose(all, c.purpose);
  for (const MarketingChannel& withdrawn : channels) {
    SCOPED_TRACE(withdrawn.id);
    SubjectState s = all;
    Withdraw(s, withdrawn.purpose);
    for (const MarketingChannel& c : channels) {
      const Decision d = Read(s, CategoriesOf(c.purpose), c.purpose);
      if (c.id == withdrawn.id) {
        EXPECT_THAT(d, DeniedBecause(Reason::kNoConsent)) << c.id;
      } else {
        EXPECT_THAT(d, AllowedUnder(LegalBasis::kConsent)) << c.id;
      }
    }
  }
}

TEST_F(ConfiTrek, CT10_EachCookiePurposeIsASeparateChoice) {
  std::vector<std::string> cookies;
  std::vector<std::string> purposes;
  for (const Cookie& c : model().cookies) {
    cookies.push_back(c.id);
    purposes.push_back(c.purpose);
  }
  EXPECT_THAT(cookies, UnorderedElementsAre("preferences", "sign_in", "interest_based_ads", "fraud",
                                            "analytics"));
  std::sort(purposes.begin(), purposes.end());
  EXPECT_EQ(std::adjacent_find(purposes.begin(), purposes.end()), purposes.end())
      << "two cookies share a purpose";
  for (const Cookie& c : model().cookies) EXPECT_FALSE(c.essential) << c.id;
}

TEST_F(ConfiTrek, CT10_ClearingOneCookieWithdrawsOnlyThatPurpose) {
  const std::vector<std::string> cookie_id = {"user.device.cookie_id"};
  SubjectState all = Subject();
  for (const Cookie& c : model().cookies) Choose(all, c.purpose);
  for (const Cookie& c : model().cookies)
    EXPECT_TRUE(Read(all, cookie_id, c.purpose).allowed()) << c.id;

  for (const Cookie& cleared : model().cookies) {
    SCOPED_TRACE(cleared.id);
    SubjectState s = all;
    Withdraw(s, cleared.purpose);
    for (const Cookie& c : model().cookies) {
      const Decision d = Read(s, cookie_id, c.purpose);
      if (c.id == cleared.id) {
        EXPECT_THAT(d, DeniedBecause(WithdrawnReason(c.purpose))) << c.id;
      } else {
        EXPECT_TRUE(d.allowed()) << c.id << ": " << ReasonName(d.reason);
      }
    }
  }
}

TEST_F(ConfiTrek, CT10_ConsentCookiesAreOffUntilChosen) {
  for (const Cookie& c : model().cookies) {
    EXPECT_THAT(Read(Subject(), {"user.device.cookie_id"}, c.purpose),
                DeniedBecause(Reason::kNoConsent))
        << c.id;
    EXPECT_TRUE(Read(ConsentedTo({c.purpose}), {"user.device.cookie_id"}, c.purpose).allowed())
        << c.id;
  }
}

TEST_F(ConfiTrek, CT11_OnlyTheProvidingOrganizationAdministersTheAccount) {
  SubjectState member = Subject();
  member.organization_id = 7;
  EXPECT_THAT(Read(member, {"user.content.private", "user.account.settings"}, "provide",
                   Principal::OrganizationAdmin(7)),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(member, {"user.name"}, "provide", Principal::OrganizationAdmin(8)),
              DeniedBecause(Reason::kOtherOrganization));
  EXPECT_THAT(Read(Subject(), {"user.name"}, "provide", Principal::OrganizationAdmin(7)),
              DeniedBecause(Reason::kOtherOrganization));
}

}  // namespace
}  // namespace privet
