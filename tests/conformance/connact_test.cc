// CONNACT (CN): the promises the policy engine alone decides, against policies/connact.yaml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "testing/conformance.h"

namespace privet {
namespace {

using ::privet::testing::AllowedUnder;
using ::privet::testing::DeniedBecause;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class Connact : public testing::ConformanceTest {
 protected:
  Connact() : ConformanceTest("policies/connact.yaml") {}
};

// What a request log holds (CN01).
const std::vector<std::string> kRequestLog = {"user.device.ip_address", "user.device.browser",
                                              "user.device.os",         "user.device.language",
                                              "user.behavior.browsing", "user.behavior.search"};

TEST_F(Connact, CN01_RequestLogsServeOnlyAbuseDetectionAndStatistics) {
  ASSERT_TRUE(model().automatic_collection.has_value());
  EXPECT_THAT(model().automatic_collection->purposes,
              UnorderedElementsAre("abuse_detection", "statistics"));
  EXPECT_THAT(Read(Subject(), kRequestLog, "abuse_detection"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(Subject(), kRequestLog, "statistics"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  // Every other purpose, whatever its basis, consented to or not: a legal obligation and the
  // social media features too (their providers see IP and page in the browser, CN12).
  for (const std::string& other : PurposeIds()) {
    if (other == "abuse_detection" || other == "statistics" || other.starts_with("statistics."))
      continue;
    if (PurposeDecl(other)->processor)
      continue;  // serves only customers' data, none of CONNACT's (CN05)
    for (const std::string& field : kRequestLog) {
      EXPECT_THAT(Read(ConsentedTo({"newsletter", "social_media"}), {field}, other),
                  DeniedBecause(Reason::kCategoryNotForPurpose))
          << field << " for " << other;
    }
  }
  // The policy names the categories that hold request logs, and no other purpose names them.
  EXPECT_THAT(model().automatic_collection->categories,
              UnorderedElementsAre("user.device.ip_address", "user.device.browser",
                                   "user.device.os", "user.device.language", "user.behavior"));
  // A policy file that gave request-log data to another purpose is refused, naming it.
  std::ifstream in(testing::SourcePath("policies/connact.yaml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string social = "    categories: [user.device.cookie_id]\n  - id: newsletter";
  const size_t at = text.find(social);
  ASSERT_NE(at, std::string::npos);
  text.replace(
      at, social.size(),
      "    categories: [user.device.cookie_id, user.device.ip_address]\n  - id: newsletter");
  PolicyLoadResult widened = LoadPolicy(text, "connact.yaml");
  EXPECT_FALSE(widened.ok());
  EXPECT_THAT(testing::DiagnosticsText(widened),
              HasSubstr("'social_media'.categories: 'user.device.ip_address' is request-log data"));
}

TEST_F(Connact, CN03_NoSubjectUnder18) {
  for (const SubjectKind& kind : model().subject_kinds) {
    // Data customers submit about others (CN05) is the customer's, not CONNACT's, to collect.
    if (kind.id == "customer_contact") continue;
    EXPECT_EQ(kind.minimum_age, 18) << kind.id;
  }
  const Feature* sign_up = FeatureDecl("sign_up");
  ASSERT_NE(sign_up, nullptr);
  EXPECT_THAT(sign_up->subject_kinds, ElementsAre("user"));
}

TEST_F(Connact, CN05_CustomerSubmittedDataServesOnlyThatCustomer) {
  SubjectState submitted = Subject();
  submitted.tenant_id = 5;
  EXPECT_TRUE(PurposeOf("customer_instructions").processor);
  EXPECT_THAT(Read(submitted, {"customer_data"}, "customer_instructions", Principal::Tenant(5)),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(submitted, {"customer_data"}, "customer_instructions", Principal::Tenant(6)),
              DeniedBecause(Reason::kOtherTenant));
  for (const char* own : {"service", "statistics", "legal"}) {
    EXPECT_THAT(Read(submitted, {"user.device.browser"}, own),
                DeniedBecause(Reason::kControllerPurposeOnProcessorData))
        << own;
  }
  EXPECT_THAT(Read(Subject(), {"customer_data"}, "customer_instructions"),
              DeniedBecause(Reason::kProcessorPurposeNeedsTenant));
}

TEST_F(Connact, CN06_EveryProcessingHasOneOfTheFiveBases) {
  const std::vector<LegalBasis> five = {LegalBasis::kConsent, LegalBasis::kContract,
                                        LegalBasis::kLegalObligation, LegalBasis::kPublicTask,
                                        LegalBasis::kLegitimateInterests};
  for (const std::string& purpose : PurposeIds())
    EXPECT_THAT(five, Contains(PurposeOf(purpose).basis)) << purpose;
  EXPECT_THAT(model().rights.offered, Contains(Right::kLegalBasisInquiry));
}

TEST_F(Connact, CN06_DecisionsReportTheBasisReliedOn) {
  const SubjectState s = ConsentedTo({"newsletter", "social_media"});
  // Contractual and statutory requirements are identifiable as such.
  EXPECT_THAT(Read(s, {"user.contact.email"}, "service"), AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "legal"), AllowedUnder(LegalBasis::kLegalObligation));
  EXPECT_THAT(Read(s, {"user.device.ip_address"}, "abuse_detection"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.device.cookie_id"}, "statistics.analytics"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  EXPECT_THAT(Read(s, {"user.contact.email"}, "newsletter"), AllowedUnder(LegalBasis::kConsent));
  EXPECT_THAT(Read(s, {"user.device.cookie_id"}, "social_media"),
              AllowedUnder(LegalBasis::kConsent));
  // A refused decision still names the basis the processing would rest on.
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "newsletter"),
              DeniedBecause(Reason::kNoConsent));
  EXPECT_EQ(Read(Subject(), {"user.contact.email"}, "newsletter").basis, LegalBasis::kConsent);
}

TEST_F(Connact, CN07_ObjectionStopsOptOutProcessing) {
  for (const char* purpose : {"abuse_detection", "statistics"}) {
    SCOPED_TRACE(purpose);
    SubjectState s = Subject();
    EXPECT_THAT(Read(s, {"user.device.browser"}, purpose),
                AllowedUnder(LegalBasis::kLegitimateInterests));
    Add(s.objections, purpose);
    EXPECT_THAT(Read(s, {"user.device.browser"}, purpose), DeniedBecause(Reason::kObjected));
    Add(s.overriding_grounds, purpose);
    EXPECT_THAT(Read(s, {"user.device.browser"}, purpose),
                AllowedUnder(LegalBasis::kLegitimateInterests));
  }
  EXPECT_THAT(
      Read(OptedOutOf({"statistics.analytics"}), {"user.device.cookie_id"}, "statistics.analytics"),
      DeniedBecause(Reason::kOptedOut));
}

TEST_F(Connact, CN08_ServiceProvidersReceiveOnlyWhatTheirFunctionNeeds) {
  EXPECT_THAT(Disclose("hosting", {"user.name", "user.contact.email", "user.account"}, "service"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Disclose("hosting", {"user.device.ip_address"}, "abuse_detection"),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("email_provider", {"user.contact.email"}, "service"),
              DeniedBecause(Reason::kRecipientNotForPurpose));
  EXPECT_THAT(Disclose("email_provider", {"user.account"}, "newsletter"),
              DeniedBecause(Reason::kCategoryNotForRecipient));
  EXPECT_THAT(Disclose("affiliates", {"user.name"}, "service"),
              AllowedUnder(LegalBasis::kContract));
  EXPECT_THAT(Disclose("affiliates", {"user.name"}, "newsletter"),
              DeniedBecause(Reason::kRecipientNotForPurpose));
}

TEST_F(Connact, CN08_UnaffiliatedThirdPartiesReceiveNothing) {
  EXPECT_FALSE(model().sharing.unaffiliated_third_parties);
  for (const Recipient& r : model().recipients)
    EXPECT_NE(r.kind, RecipientKind::kThirdParty) << r.id;
  // Were one declared, the engine would still refuse it.
  auto with_third_party = CompileEdited([](Policy& p) {
    p.recipients.push_back(testing::NewRecipient("list_broker", RecipientKind::kThirdParty, "EU",
                                                 {"user.contact.email"}, {"service"}));
  });
  ASSERT_NE(with_third_party, nullptr);
  EXPECT_THAT(DiscloseUnder(*with_third_party, "list_broker", {"user.contact.email"}, "service"),
              DeniedBecause(Reason::kUnaffiliatedThirdPartyProhibited));
}

TEST_F(Connact, CN10_AnalyticsToolsReceiveNoIdentifyingData) {
  EXPECT_THAT(Disclose("analytics_provider", {"user.device.cookie_id"}, "statistics.analytics"),
              AllowedUnder(LegalBasis::kLegitimateInterests));
  for (const char* identifying :
       {"user.name", "user.contact.email", "user.device.ip_address", "user.account"}) {
    EXPECT_THAT(Disclose("analytics_provider", {identifying}, "statistics.analytics"),
                DeniedBecause(Reason::kCategoryNotForRecipient))
        << identifying;
  }
  EXPECT_TRUE(CategoryDecl("user.device.cookie_id").pseudonymous_identifier);
}

TEST_F(Connact, CN11_DoNotTrackIsDeclaredNotHonouredAndIsNot) {
  EXPECT_EQ(model().signals.dnt, SignalResponse::kIgnore);
  EXPECT_THAT(model().signals.statement,
              HasSubstr("not yet set up to interpret or respond to Do Not Track"));
  const PurposeSet& dnt = SignalOptOuts(compiled(), PrivacySignal::kDoNotTrack);
  EXPECT_TRUE(dnt.None());

  SubjectState with_dnt = Subject();
  with_dnt.opt_outs |= dnt;
  for (const char* purpose : {"statistics.analytics", "statistics", "abuse_detection"}) {
    EXPECT_EQ(Read(with_dnt, {"user.device.cookie_id"}, purpose).reason,
              Read(Subject(), {"user.device.cookie_id"}, purpose).reason)
        << purpose;
    EXPECT_THAT(Read(with_dnt, {"user.device.cookie_id"}, purpose),
                AllowedUnder(LegalBasis::kLegitimateInterests))
        << purpose;
  }
}

TEST_F(Connact, CN11_GlobalPrivacyControlIsDeclaredAsChangingNothing) {
  EXPECT_EQ(model().signals.gpc, SignalResponse::kIgnore);
  EXPECT_THAT(model().signals.statement, HasSubstr("Global Privacy Control"));
  EXPECT_TRUE(SignalOptOuts(compiled(), PrivacySignal::kGlobalPrivacyControl).None());
}

TEST_F(Connact, CN11_TheEngineFollowsTheDeclaredSetting) {
  // The same policy declaring DNT honoured: the signal then opts out, so the setting is live.
  auto honouring = CompileEdited([](Policy& p) {
    p.signals.dnt = SignalResponse::kHonor;
    p.signals.opt_out_purposes = {"statistics.analytics"};
  });
  ASSERT_NE(honouring, nullptr);
  const PurposeSet& dnt = SignalOptOuts(*honouring, PrivacySignal::kDoNotTrack);
  EXPECT_TRUE(Includes(dnt, "statistics.analytics"));
  SubjectState s = Subject();
  s.opt_outs |= dnt;
  EXPECT_THAT(Decide(*honouring, Principal::Service(), Action::kRead, s,
                     C({"user.device.cookie_id"}), P("statistics.analytics")),
              DeniedBecause(Reason::kOptedOut));
}

TEST_F(Connact, CN12_SocialMediaFeaturesAreASeparateCookieConsent) {
  EXPECT_THAT(Read(Subject(), {"user.device.cookie_id"}, "social_media"),
              DeniedBecause(Reason::kNoConsent));
  const SubjectState s = ConsentedTo({"social_media"});
  EXPECT_THAT(Read(s, {"user.device.cookie_id"}, "social_media"),
              AllowedUnder(LegalBasis::kConsent));
  // The features' providers see IP and page in the browser; CONNACT's request logs stay for
  // abuse detection and statistics (CN01).
  EXPECT_THAT(Read(s, {"user.device.ip_address"}, "social_media"),
              DeniedBecause(Reason::kCategoryNotForPurpose));
  // That consent covers no other cookie purpose, and declining analytics leaves it in place.
  EXPECT_THAT(Read(OptedOutOf({"statistics.analytics"}), {"user.device.cookie_id"}, "social_media"),
              DeniedBecause(Reason::kNoConsent));
  SubjectState both = s;
  Add(both.opt_outs, "statistics.analytics");
  EXPECT_THAT(Read(both, {"user.device.cookie_id"}, "social_media"),
              AllowedUnder(LegalBasis::kConsent));
  EXPECT_THAT(Read(both, {"user.device.cookie_id"}, "statistics.analytics"),
              DeniedBecause(Reason::kOptedOut));
}

TEST_F(Connact, CN13_NewsletterIsOptIn) {
  EXPECT_THAT(Read(Subject(), {"user.contact.email"}, "newsletter"),
              DeniedBecause(Reason::kNoConsent));
  EXPECT_THAT(Read(ConsentedTo({"newsletter"}), {"user.name", "user.contact.email"}, "newsletter"),
              AllowedUnder(LegalBasis::kConsent));
}

TEST_F(Connact, CN13_EmailAddressGoesOnlyToTheSendingProvider) {
  const std::vector<std::string> email = {"user.contact.email"};
  EXPECT_THAT(Disclose("email_provider", email, "newsletter"), AllowedUnder(LegalBasis::kConsent));
  for (const Recipient& r : model().recipients) {
    if (r.id == "email_provider") continue;
    EXPECT_FALSE(Disclose(r.id, email, "newsletter").allowed()) << r.id;
    // Outside the newsletter, the address reaches only CONNACT's own processors and affiliates.
    for (const std::string& purpose : PurposeIds()) {
      if (!Disclose(r.id, email, purpose, r.preconditions).allowed()) continue;
      EXPECT_TRUE(r.kind == RecipientKind::kProcessor || r.kind == RecipientKind::kAffiliate)
          << r.id << " receives the email address for " << purpose;
    }
  }
}

TEST_F(Connact, CN14_UnsubscribingStopsMarketingEmail) {
  ASSERT_EQ(model().marketing_channels.size(), 1u);
  EXPECT_TRUE(model().marketing_channels[0].unsubscribe_link);
  SubjectState s = ConsentedTo({"newsletter"});
  EXPECT_THAT(Read(s, {"user.contact.email"}, "newsletter"), AllowedUnder(LegalBasis::kConsent));
  Remove(s.consents, "newsletter");
  EXPECT_THAT(Read(s, {"user.contact.email"}, "newsletter"), DeniedBecause(Reason::kNoConsent));
  // Unsubscribing does not end the account.
  EXPECT_THAT(Read(s, {"user.contact.email"}, "service"), AllowedUnder(LegalBasis::kContract));
}

TEST_F(Connact, CN17_DataIsNotUsedForAPurposeAddedAfterCollectionWithoutConsent) {
  EXPECT_TRUE(model().changes.material_change_requires_consent);
  // Version 2 of this policy adds a purpose: data collected under version 1 may not serve it.
  auto v2 = CompileEdited([](Policy& p) {
    p.version = 2;
    Purpose profiling;
    profiling.id = "profiling";
    profiling.basis = LegalBasis::kLegitimateInterests;
    profiling.categories = {"user.account"};
    profiling.since_version = 2;
    p.purposes.push_back(profiling);
  });
  ASSERT_NE(v2, nullptr);
  const PurposeId profiling = *v2->FindPurpose("profiling");
  auto read = [&](const SubjectState& s) {
    return Decide(*v2, Principal::Service(), Action::kRead, s, C({"user.account"}), profiling);
  };
  SubjectState old_data = Subject();
  old_data.collected_under_version = 1;
  EXPECT_THAT(read(old_data), DeniedBecause(Reason::kPurposeNotInForceAtCollection));
  old_data.consents.Set(profiling);
  EXPECT_THAT(read(old_data), AllowedUnder(LegalBasis::kLegitimateInterests));

  SubjectState new_data = Subject();
  new_data.collected_under_version = 2;
  EXPECT_THAT(read(new_data), AllowedUnder(LegalBasis::kLegitimateInterests));
  // Purposes already declared in version 1 still serve version-1 data.
  SubjectState v1 = Subject();
  v1.collected_under_version = 1;
  EXPECT_THAT(Decide(*v2, Principal::Service(), Action::kRead, v1, C({"user.behavior.browsing"}),
                     P("abuse_detection")),
              AllowedUnder(LegalBasis::kLegitimateInterests));
}

}  // namespace
}  // namespace privet
