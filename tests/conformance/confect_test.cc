// Confect (CF): the promises the policy engine alone decides, against policies/confect.yaml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/conformance.h"

namespace privet {
namespace {

using ::privet::testing::AllowedUnder;
using ::privet::testing::DeniedBecause;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

class Confect : public testing::ConformanceTest {
 protected:
  Confect() : ConformanceTest("policies/confect.yaml") {}
};

const std::vector<std::string> kSpecialCategories = {"user.special.health",
                                                     "user.special.racial_ethnic_origin",
                                                     "user.special.political_opinion",
                                                     "user.special.religious_belief",
                                                     "user.special.trade_union",
                                                     "user.special.genetic",
                                                     "user.special.biometric",
                                                     "user.special.sex_life"};

TEST_F(Confect, CF01_SpecialCategoryWritesAreRefused) {
  EXPECT_FALSE(model().special_categories_allowed);
  for (const std::string& special : kSpecialCategories) {
    SCOPED_TRACE(special);
    EXPECT_TRUE(CategoryDecl(special).special);
    // Refused whatever the purpose, even alongside ordinary data.
    EXPECT_THAT(Write(Subject(), {special}, "purchase"),
                DeniedBecause(Reason::kSpecialCategoryRefused));
    EXPECT_THAT(Write(Subject(), {"user.name", special}, "recruitment"),
                DeniedBecause(Reason::kSpecialCategoryRefused));
  }
  // No purpose may use them.
  for (const std::string& purpose : PurposeIds()) {
    for (const std::string& category : CategoriesOf(purpose))
      EXPECT_FALSE(IdCovers("user.special", category)) << purpose << " uses " << category;
  }
}

TEST_F(Confect, CF01_BasicPersonalDataIsAcceptedForItsPurposes) {
  EXPECT_THAT(Write(Subject(),
                    {"user.name", "user.contact.address", "user.contact.phone",
                     "user.contact.email", "user.account.login_id", "user.account.username"},
                    "purchase"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Write(Subject(), {"user.device.ip_address"}, "security"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Write(Subject(), {"user.content.uploaded"}, "support"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Write(Subject(), {"user.job_application"}, "recruitment"),
              AllowedUnder(LegalBasis::kContract));
  // ... but only for the purposes that use them.
  EXPECT_THAT(Write(Subject(), {"user.job_application"}, "marketing"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
}

TEST_F(Confect, CF03_ExactlyTheFivePurposeFamiliesPlusProcessorProcessing) {
  EXPECT_THAT(TopLevelPurposes(),
              UnorderedElementsAre("purchase", "support", "security", "marketing", "recruitment",
                                   "customer_instructions"));
  EXPECT_TRUE(PurposeOf("customer_instructions").processor);
  for (const char* family : {"purchase", "support", "security", "marketing", "recruitment"})
    EXPECT_FALSE(PurposeOf(family).processor) << family;
  for (const std::string& id : PurposeIds()) EXPECT_FALSE(PurposeDecl(id)->prohibited) << id;
}

TEST_F(Confect, CF03_EachFamilyServesItsPurposeAndNothingElse) {
  SubjectState s = ConsentedTo({"marketing.email"});
  EXPECT_THAT(Read(s, {"user.financial.orders"}, "purchase.orders"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(s, {"user.content.uploaded"}, "support.improvement"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.device.ip_address"}, "security"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing.email"),
              AllowedUnder(LegalBasis::kConsent));
  EXPECT_THAT(Read(s, {"user.job_application"}, "recruitment"),
              AllowedUnder(LegalBasis::kContract));

  // Any other purpose is unknown to the engine.
  for (const char* other : {"sale", "advertising", "analytics", "research", "profiling"})
    EXPECT_FALSE(compiled().FindPurpose(other).has_value()) << other;
  EXPECT_THAT(Decide(compiled(), Principal::Service(), Action::kRead, s, C({"user.name"}),
                     testing::kUndeclaredPurpose),
              DeniedBecause(Reason::kUnknownPurpose));
  // And a family reaches only its own data.
  EXPECT_THAT(Read(s, {"user.job_application"}, "support"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  EXPECT_THAT(Read(s, {"user.financial.orders"}, "security"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
}

TEST_F(Confect, CF03_ProcessorProcessingServesOnlyTheCustomer) {
  SubjectState customer_contact = Subject();
  customer_contact.tenant_id = 5;
  EXPECT_THAT(
      Read(customer_contact, {"customer_data"}, "customer_instructions", Principal::Tenant(5)),
      AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(
      Read(customer_contact, {"customer_data"}, "customer_instructions", Principal::Tenant(6)),
      DeniedBecause(Reason::kOtherTenant));
  EXPECT_THAT(Read(customer_contact, {"user.name"}, "marketing"),
              DeniedBecause(Reason::kControllerPurposeOnProcessorData));
}

TEST_F(Confect, CF05_AgreementCoversPurchaseAndRecruitmentBeforeAContract) {
  // An applicant has no contract and has consented to nothing, yet the application is processed.
  EXPECT_THAT(Read(Subject(), {"user.name", "user.job_application"}, "recruitment"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(Subject(), {"user.financial.orders"}, "purchase"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_EQ(PurposeOf("recruitment").consent, ConsentMode::kNone);
}

TEST_F(Confect, CF05_ConsentWithdrawalIsImmediatelyEffective) {
  for (const char* purpose : {"marketing.email", "recruitment.talent_pool"}) {
    SCOPED_TRACE(purpose);
    const std::vector<std::string> categories = {"user.contact.email"};
    SubjectState s = Subject();
    EXPECT_THAT(Read(s, categories, purpose), DeniedBecause(Reason::kNoConsent));
    Add(s.consents, purpose);
    EXPECT_THAT(Read(s, categories, purpose), AllowedUnder(LegalBasis::kConsent));
    Remove(s.consents, purpose);  // withdrawn: the very next decision refuses
    EXPECT_THAT(Read(s, categories, purpose), DeniedBecause(Reason::kNoConsent));
  }
}

TEST_F(Confect, CF05_LegitimateInterestsAreObjectable) {
  const struct {
    const char* purpose;
    std::vector<std::string> categories;
  } kCases[] = {
      {"security", {"user.device.ip_address"}},
      {"support.customer_support", {"user.contact.email"}},
      {"support.improvement", {"user.behavior.clicks"}},
      {"marketing", {"user.workplace.customer_relationship"}},  // business contacts
      {"marketing.content", {"user.behavior.clicks"}},          // webinars, downloads
      {"support.forum", {"user.content.forum"}},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.purpose);
    SubjectState s = Subject();
    EXPECT_THAT(Read(s, c.categories, c.purpose), AllowedUnder(LegalBasis::kLegitimateInterests));
    Add(s.objections, c.purpose);
    EXPECT_THAT(Read(s, c.categories, c.purpose), DeniedBecause(Reason::kObjected));
  }
}

TEST_F(Confect, CF06_GroupCompaniesReceiveCustomerDataForGroupPurposes) {
  EXPECT_EQ(RecipientDecl("group_companies")->kind, RecipientKind::kAffiliate);
  EXPECT_THAT(
      Disclose("group_companies", {"user.name", "user.contact.email", "user.financial.orders"},
               "purchase.orders"),
      AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Disclose("group_companies", {"user.contact.email"}, "marketing"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Disclose("group_companies", {"user.name"}, "recruitment"),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("group_companies", {"user.device.ip_address"}, "support"),
              DeniedBecause(Reason::kCategoryNotForRecipient));
}

TEST_F(Confect, CF07_ForumPostsAreReadableForTheForumOnly) {
  EXPECT_THAT(Read(Subject(), {"user.content.forum"}, "support.forum", Staff("forum_moderator")),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "support.forum", Staff("forum_moderator")),
              DeniedBecause(Reason::kNotNeedToKnow));
  EXPECT_THAT(Read(Subject(), {"user.content.forum"}, "marketing.content"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
}

TEST_F(Confect, CF08_AuthorityGetsDataOnlyWithCourtOrder) {
  const std::vector<std::string> data = {"user.account.login_id", "user.device.ip_address"};
  EXPECT_THAT(RecipientDecl("authorities")->preconditions, UnorderedElementsAre("court_order"));
  EXPECT_THAT(Disclose("authorities", data, "security"),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("authorities", data, "security", {"legal_process", "subject_request"}),
              DeniedBecause(Reason::kMissingPrecondition));
  EXPECT_THAT(Disclose("authorities", data, "security", {"court_order"}),
              AllowedUnder(LegalBasis::kLegitimateInterests));
}

TEST_F(Confect, CF08_EveryAuthorityRequiresACourtOrder) {
  int authorities = 0;
  for (const Recipient& r : model().recipients) {
    if (r.kind != RecipientKind::kAuthority) continue;
    ++authorities;
    EXPECT_THAT(r.preconditions, ::testing::Contains("court_order")) << r.id;
  }
  EXPECT_GE(authorities, 1);
}

TEST_F(Confect, CF09_SubProcessorsAreListedWithTheirSafeguards) {
  std::vector<std::string> listed;
  for (const Recipient& r : model().recipients) {
    if (r.kind != RecipientKind::kSubProcessor) continue;
    listed.push_back(r.name + " (" + r.country + ")");
    EXPECT_TRUE(r.dpa) << r.id;
    if (!IsEeaCountry(r.country)) {
      EXPECT_EQ(r.transfer_mechanism, "scc") << r.id;
    }
  }
  EXPECT_THAT(listed, UnorderedElementsAreArray({"Cloud service provider (EU) (SE)",
                                                 "IT service provider (outside the EU/EEA) (US)"}));
}

TEST_F(Confect, CF09_NonEeaSubProcessorNeedsDpaAndStandardContractualClauses) {
  const std::vector<std::string> data = {"user.name", "user.contact.email"};
  EXPECT_FALSE(IsEeaCountry(RecipientDecl("it_provider_us")->country));
  EXPECT_THAT(Disclose("it_provider_us", data, "purchase"), AllowedUnder(LegalBasis::kContract));

  auto without_scc = CompileEdited([](Policy& p) {
    for (Recipient& r : p.recipients)
      if (r.id == "it_provider_us") r.transfer_mechanism.clear();
  });
  ASSERT_NE(without_scc, nullptr);
  EXPECT_THAT(DiscloseUnder(*without_scc, "it_provider_us", data, "purchase"),
              DeniedBecause(Reason::kNoTransferMechanism));
  // The EU sub-processor needs no transfer mechanism.
  EXPECT_THAT(DiscloseUnder(*without_scc, "cloud_provider_eu", data, "purchase"),
              AllowedUnder(LegalBasis::kContract));

  auto without_dpa = CompileEdited([](Policy& p) {
    for (Recipient& r : p.recipients)
      if (r.kind == RecipientKind::kSubProcessor) r.dpa = false;
  });
  ASSERT_NE(without_dpa, nullptr);
  for (const char* sub_processor : {"it_provider_us", "cloud_provider_eu"}) {
    EXPECT_THAT(DiscloseUnder(*without_dpa, sub_processor, data, "purchase"),
                DeniedBecause(Reason::kNoDataProcessingAgreement))
        << sub_processor;
  }
}

TEST_F(Confect, CF13_ObjectionToDirectMarketingAlwaysSucceeds) {
  SubjectState s = Subject();
  Add(s.objections, "marketing");
  Add(s.overriding_grounds, "marketing");
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing"), DeniedBecause(Reason::kObjected));
  Add(s.consents, "marketing.email");  // an earlier consent does not outlive the objection
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing.email"), DeniedBecause(Reason::kObjected));

  // An objection to other legitimate-interest processing yields to a recorded overriding ground.
  SubjectState t = Subject();
  Add(t.objections, "security");
  EXPECT_THAT(Read(t, {"user.device.ip_address"}, "security"), DeniedBecause(Reason::kObjected));
  Add(t.overriding_grounds, "security");
  EXPECT_THAT(Read(t, {"user.device.ip_address"}, "security"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
}

TEST_F(Confect, CF15_ProfilingStopsOnOptOutAndOnGlobalPrivacyControl) {
  const std::vector<std::string> profile = {"user.behavior.clicks",
                                            "user.derived.interest_profile"};
  EXPECT_TRUE(PurposeDecl("marketing.profiling")->profiling);
  EXPECT_THAT(Read(Subject(), profile, "marketing.profiling"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(OptedOutOf({"marketing.profiling"}), profile, "marketing.profiling"),
              DeniedBecause(Reason::kOptedOut));

  SubjectState gpc = Subject();
  gpc.opt_outs |= SignalOptOuts(compiled(), PrivacySignal::kGlobalPrivacyControl);
  EXPECT_THAT(Read(gpc, profile, "marketing.profiling"), DeniedBecause(Reason::kOptedOut));
  EXPECT_THAT(Read(gpc, {"user.behavior.clicks"}, "marketing.content"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_TRUE(SignalOptOuts(compiled(), PrivacySignal::kDoNotTrack).None());
}

TEST_F(Confect, CF16_AdministrativeMessagesContinueAfterMarketingOptOut) {
  SubjectState s = OptedOutOf({"marketing"});
  EXPECT_THAT(Read(s, {"user.contact.email"}, "purchase.administrative"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing"), DeniedBecause(Reason::kOptedOut));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing.content"),
              DeniedBecause(Reason::kOptedOut));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing.email"),
              DeniedBecause(Reason::kNoConsent));
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "marketing.content"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  // A newsletter consent given earlier does not survive the marketing opt-out.
  s.consents.Set(P("marketing.email"));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "marketing.email"), DeniedBecause(Reason::kOptedOut));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "purchase.administrative"),
              AllowedUnder(LegalBasis::kContract));
}

}  // namespace
}  // namespace privet
