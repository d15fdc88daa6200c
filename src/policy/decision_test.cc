#include "privet/decision.h"

#include <gtest/gtest.h>

#include "testing/policy_fixture.h"

namespace privet {
namespace {

constexpr std::string_view kPolicy = R"(privet_policy: 1
organization: Example Ltd
jurisdictions: [EU]
version: 3
effective: 2024-03-04
categories:
  - id: user.contact.email
  - id: user.contact.phone
  - id: user.name
  - id: user.behavior.clicks
    sensitive: true
  - id: user.health
    special: true
  - id: user.financial.card_number
    forbidden: true
purposes:
  - id: provide
    basis: contract
    categories: [user.contact, user.name]
  - id: provide.support
  - id: personalize
    basis: consent
    categories: [user.behavior]
  - id: analytics
    basis: legitimate_interests
    consent: opt_out
    categories: [user.behavior]
  - id: security
    basis: legitimate_interests
    sensitive_use_permitted: true
    categories: [user.behavior, user.contact]
  - id: marketing
    basis: legitimate_interests
    consent: opt_out
    direct_marketing: true
    categories: [user.contact.email]
  - id: marketing.email
  - id: sale
    basis: consent
    prohibited: true
    categories: [user]
  - id: research
    basis: consent
    since_version: 3
    categories: [user.behavior]
  - id: customer_processing
    basis: contract
    processor: true
    categories: [user.contact, user.name]
roles:
  - id: support
    purposes: [provide]
    categories: [user.contact]
  - id: organization_admin
    purposes: [provide]
    categories: [user.contact, user.name]
recipients:
  - id: mailer
    kind: processor
    country: US
    dpa: true
    transfer_mechanism: scc
    purposes: [marketing]
    categories: [user.contact.email]
  - id: police
    kind: authority
    country: DE
    purposes: [security]
    categories: [user.contact, user.behavior]
    preconditions: [court_order]
  - id: new_partner
    kind: partner
    country: FR
    purposes: [provide]
    categories: [user.name]
    since_version: 3
signals:
  gpc: honor
  dnt: ignore
  opt_out_purposes: [marketing, analytics]
changes:
  material_change_requires_consent: true
)";

class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileText(kPolicy);
    ASSERT_NE(policy_, nullptr);
  }
  PurposeId P(std::string_view id) { return *policy_->FindPurpose(id); }
  CategorySet C(const std::vector<std::string>& ids) { return *policy_->Categories(ids); }
  Decision Read(const SubjectState& s, const std::vector<std::string>& cats,
                std::string_view purpose, Principal who = Principal::Service()) {
    return Decide(*policy_, who, Action::kRead, s, C(cats), P(purpose));
  }
  SubjectState Subject() {
    SubjectState s;
    s.subject_id = 42;
    return s;
  }
  std::shared_ptr<const CompiledPolicy> policy_;
};

TEST_F(DecideTest, ContractPurposeAllowsItsCategoriesAndReportsBasis) {
  Decision d = Read(Subject(), {"user.contact.email"}, "provide");
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.basis, LegalBasis::kContract);
}

TEST_F(DecideTest, DescendantPurposeInheritsCategoriesAndBasis) {
  Decision d = Read(Subject(), {"user.name"}, "provide.support");
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.basis, LegalBasis::kContract);
}

TEST_F(DecideTest, CategoryOutsidePurposeIsDenied) {
  EXPECT_EQ(Read(Subject(), {"user.behavior.clicks"}, "provide").reason,
            Reason::kCategoryNotForPurpose);
}

TEST_F(DecideTest, ProhibitedPurposeWinsOverConsent) {
  SubjectState s = Subject();
  s.consents.Set(P("sale"));
  EXPECT_EQ(Read(s, {"user.name"}, "sale").reason, Reason::kProhibitedPurpose);
}

TEST_F(DecideTest, ConsentPurposeNeedsActiveConsent) {
  SubjectState s = Subject();
  EXPECT_EQ(Read(s, {"user.behavior.clicks"}, "personalize").reason, Reason::kNoConsent);
  s.consents.Set(P("personalize"));
  Decision d = Read(s, {"user.behavior.clicks"}, "personalize");
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.basis, LegalBasis::kConsent);
}

TEST_F(DecideTest, OptOutPurposeAllowedUntilOptOutOfItOrAnAncestor) {
  SubjectState s = Subject();
  EXPECT_TRUE(Read(s, {"user.contact.email"}, "marketing.email").allowed());
  s.opt_outs.Set(P("marketing"));
  EXPECT_EQ(Read(s, {"user.contact.email"}, "marketing.email").reason, Reason::kOptedOut);
}

TEST_F(DecideTest, OptOutOfAncestorEndsConsentGivenToDescendant) {
  SubjectState s = Subject();
  s.consents.Set(P("personalize"));
  EXPECT_TRUE(Read(s, {"user.behavior.clicks"}, "personalize").allowed());
  s.opt_outs.Set(P("personalize"));
  EXPECT_EQ(Read(s, {"user.behavior.clicks"}, "personalize").reason, Reason::kOptedOut);
  // Contract purposes are not a choice: an opt-out changes nothing for them.
  s.opt_outs.Set(P("provide"));
  EXPECT_TRUE(Read(s, {"user.name"}, "provide.support").allowed());
}

TEST_F(DecideTest, ObjectionStopsLegitimateInterestUnlessOverridden) {
  SubjectState s = Subject();
  s.objections.Set(P("security"));
  EXPECT_EQ(Read(s, {"user.behavior.clicks"}, "security").reason, Reason::kObjected);
  s.overriding_grounds.Set(P("security"));
  EXPECT_TRUE(Read(s, {"user.behavior.clicks"}, "security").allowed());
}

TEST_F(DecideTest, ObjectionToDirectMarketingCannotBeOverridden) {
  SubjectState s = Subject();
  s.objections.Set(P("marketing"));
  s.overriding_grounds.Set(P("marketing"));
  EXPECT_EQ(Read(s, {"user.contact.email"}, "marketing.email").reason, Reason::kObjected);
}

// California's right to limit: sensitive data (marked, or special) serves only permitted uses.
TEST_F(DecideTest, ALimitOnSensitiveUseLeavesOnlyPermittedPurposes) {
  EXPECT_TRUE(policy_->sensitive_categories().Intersects(C({"user.health"})));
  EXPECT_FALSE(policy_->sensitive_categories().Intersects(C({"user.contact"})));
  SubjectState s = Subject();
  EXPECT_TRUE(Read(s, {"user.behavior.clicks"}, "analytics").allowed());
  s.limited_sensitive_use = true;
  EXPECT_EQ(Read(s, {"user.behavior.clicks"}, "analytics").reason, Reason::kSensitiveUseLimited);
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kWrite, s, C({"user.behavior.clicks"}),
                   P("analytics"))
                .reason,
            Reason::kSensitiveUseLimited);
  EXPECT_TRUE(Read(s, {"user.behavior.clicks"}, "security").allowed());
  EXPECT_TRUE(Read(s, {"user.contact.email"}, "provide").allowed());  // not sensitive
  EXPECT_TRUE(Decide(*policy_, Principal::Service(), Action::kErase, s, C({"user.behavior.clicks"}),
                     P("analytics"))
                  .allowed());
}

TEST_F(DecideTest, RestrictionAllowsStorageOnly) {
  SubjectState s = Subject();
  s.restricted = true;
  EXPECT_EQ(Read(s, {"user.name"}, "provide").reason, Reason::kRestricted);
  EXPECT_TRUE(
      Decide(*policy_, Principal::Service(), Action::kStore, s, C({"user.name"}), P("provide"))
          .allowed());
}

TEST_F(DecideTest, StaffSeeOnlyTheirNeedToKnow) {
  Principal support = Principal::Staff(*policy_->FindRole("support"));
  EXPECT_TRUE(Read(Subject(), {"user.contact.phone"}, "provide.support", support).allowed());
  EXPECT_EQ(Read(Subject(), {"user.name"}, "provide", support).reason, Reason::kNotNeedToKnow);
  EXPECT_EQ(Read(Subject(), {"user.behavior"}, "security", support).reason, Reason::kNotNeedToKnow);
}

TEST_F(DecideTest, ForbiddenAndSpecialCategoriesRefusedOnWrite) {
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kWrite, Subject(),
                   C({"user.financial.card_number"}), P("provide"))
                .reason,
            Reason::kForbiddenCategory);
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kWrite, Subject(), C({"user.health"}),
                   P("provide"))
                .reason,
            Reason::kSpecialCategoryRefused);
}

TEST_F(DecideTest, DataFromOlderVersionNotUsedForNewerPurposeWithoutConsent) {
  SubjectState s = Subject();
  s.collected_under_version = 2;
  s.consents.Set(P("personalize"));
  EXPECT_TRUE(Read(s, {"user.behavior.clicks"}, "personalize").allowed());
  // research is consent-based and new in version 3: consent is both needed and sufficient.
  EXPECT_EQ(Read(s, {"user.behavior.clicks"}, "research").reason, Reason::kNoConsent);
  s.consents.Set(P("research"));
  EXPECT_TRUE(Read(s, {"user.behavior.clicks"}, "research").allowed());
}

// CU06: an opt-out of a purpose newer than the data keeps the data from it, whatever the
// purpose's own consent mode; but the law, not a preference, decides uses it requires.
TEST_F(DecideTest, AnOptOutOfANewerPurposeStopsItUnlessTheLawRequiresIt) {
  Policy edited = policy_->policy();
  edited.changes.material_change_requires_consent = false;
  const PurposeId security = P("security");
  edited.purposes[security].since_version = 3;
  auto v3 = CompiledPolicy::Compile(edited);
  ASSERT_TRUE(v3.ok());
  SubjectState s = Subject();
  s.collected_under_version = 2;
  s.opt_outs.Set(security);
  EXPECT_EQ(
      Decide(**v3, Principal::Service(), Action::kRead, s, C({"user.behavior.clicks"}), security)
          .reason,
      Reason::kOptedOut);
  // Data collected under the version that declared it was collected knowing of it.
  s.collected_under_version = 3;
  EXPECT_TRUE(
      Decide(**v3, Principal::Service(), Action::kRead, s, C({"user.behavior.clicks"}), security)
          .allowed());
  s.collected_under_version = 2;
  for (LegalBasis law : {LegalBasis::kLegalObligation, LegalBasis::kVitalInterests}) {
    edited.purposes[security].basis = law;
    auto lawful = CompiledPolicy::Compile(edited);
    ASSERT_TRUE(lawful.ok());
    EXPECT_TRUE(Decide(**lawful, Principal::Service(), Action::kRead, s,
                       C({"user.behavior.clicks"}), security)
                    .allowed())
        << LegalBasisName(law);
  }
}

TEST_F(DecideTest, WithoutTheConsentRuleTheVersionInForceGovernsUse) {
  Policy edited = policy_->policy();
  edited.changes.material_change_requires_consent = false;
  SubjectState s = Subject();
  s.collected_under_version = 2;
  const PurposeId security = P("security");
  Purpose& newer = edited.purposes[security];
  newer.since_version = 3;
  auto v3 = CompiledPolicy::Compile(edited);
  ASSERT_TRUE(v3.ok());
  EXPECT_TRUE(
      Decide(**v3, Principal::Service(), Action::kRead, s, C({"user.behavior.clicks"}), security)
          .allowed());
  // With an opt-out window, the subject must have been told of version 3 and the window passed.
  edited.changes.opt_out_window = Duration{30, TimeUnit::kDays};
  auto with_window = CompiledPolicy::Compile(edited);
  ASSERT_TRUE(with_window.ok());
  EXPECT_EQ(Decide(**with_window, Principal::Service(), Action::kRead, s,
                   C({"user.behavior.clicks"}), security)
                .reason,
            Reason::kPurposeNotInForceAtCollection);
  s.notified_version = 3;
  EXPECT_TRUE(Decide(**with_window, Principal::Service(), Action::kRead, s,
                     C({"user.behavior.clicks"}), security)
                  .allowed());
  // The consent rule ignores notice: only consent lets old data serve the newer purpose.
  edited.changes.material_change_requires_consent = true;
  auto consent_rule = CompiledPolicy::Compile(edited);
  ASSERT_TRUE(consent_rule.ok());
  EXPECT_EQ(Decide(**consent_rule, Principal::Service(), Action::kRead, s,
                   C({"user.behavior.clicks"}), security)
                .reason,
            Reason::kPurposeNotInForceAtCollection);
}

TEST_F(DecideTest, SubjectsReachOnlyTheirOwnData) {
  EXPECT_TRUE(Read(Subject(), {"user.name"}, "provide", Principal::Subject(42)).allowed());
  EXPECT_EQ(Read(Subject(), {"user.name"}, "provide", Principal::Subject(43)).reason,
            Reason::kNotSubjectsOwnData);
}

TEST_F(DecideTest, OrganizationAdminsReachOnlyTheirMembers) {
  SubjectState member = Subject();
  member.organization_id = 7;
  EXPECT_TRUE(Read(member, {"user.name"}, "provide", Principal::OrganizationAdmin(7)).allowed());
  EXPECT_EQ(Read(member, {"user.name"}, "provide", Principal::OrganizationAdmin(8)).reason,
            Reason::kOtherOrganization);
  EXPECT_EQ(Read(Subject(), {"user.name"}, "provide", Principal::OrganizationAdmin(7)).reason,
            Reason::kOtherOrganization);
  // Within its organization, only the organization_admin role's purposes and categories.
  EXPECT_EQ(
      Read(member, {"user.contact.email"}, "marketing", Principal::OrganizationAdmin(7)).reason,
      Reason::kNotNeedToKnow);
  EXPECT_EQ(
      Read(member, {"user.behavior.clicks"}, "analytics", Principal::OrganizationAdmin(7)).reason,
      Reason::kNotNeedToKnow);
  // Never a customer's (processor) subject, whatever organization it names (CN05).
  SubjectState submitted = member;
  submitted.tenant_id = 5;
  EXPECT_EQ(
      Read(submitted, {"user.name"}, "customer_processing", Principal::OrganizationAdmin(7)).reason,
      Reason::kOtherTenant);
}

TEST_F(DecideTest, OrganizationAdminsUseNoDataWithoutTheirRole) {
  auto no_role = testing::CompileText(std::string(kPolicy).replace(
      std::string(kPolicy).find("  - id: organization_admin\n"),
      std::string("  - id: organization_admin\n").size(), "  - id: organization_auditor\n"));
  ASSERT_NE(no_role, nullptr);
  SubjectState member = Subject();
  member.organization_id = 7;
  EXPECT_EQ(Decide(*no_role, Principal::OrganizationAdmin(7), Action::kRead, member,
                   *no_role->Categories({"user.name"}), *no_role->FindPurpose("provide"))
                .reason,
            Reason::kNotNeedToKnow);
}

TEST_F(DecideTest, ProcessorDataServesOnlyItsTenant) {
  SubjectState submitted = Subject();
  submitted.tenant_id = 5;
  EXPECT_TRUE(
      Read(submitted, {"user.name"}, "customer_processing", Principal::Tenant(5)).allowed());
  EXPECT_EQ(Read(submitted, {"user.name"}, "customer_processing", Principal::Tenant(6)).reason,
            Reason::kOtherTenant);
  EXPECT_EQ(Read(submitted, {"user.name"}, "provide").reason,
            Reason::kControllerPurposeOnProcessorData);
  EXPECT_EQ(Read(Subject(), {"user.name"}, "customer_processing").reason,
            Reason::kProcessorPurposeNeedsTenant);
}

TEST_F(DecideTest, AdminHasNoDataAccessAndUnknownPurposeDenied) {
  Principal admin{.kind = PrincipalKind::kAdmin};
  EXPECT_EQ(Read(Subject(), {"user.name"}, "provide", admin).reason, Reason::kAdminHasNoDataAccess);
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kRead, Subject(), C({"user.name"}), 999)
                .reason,
            Reason::kUnknownPurpose);
}

class DiscloseTest : public DecideTest {
 protected:
  Decision Disclose(std::string_view recipient, const std::vector<std::string>& cats,
                    std::string_view purpose, const std::vector<std::string>* evidence = nullptr,
                    int notified_version = 0) {
    return DecideDisclosure(*policy_, {.recipient = *policy_->FindRecipient(recipient),
                                       .categories = C(cats),
                                       .purpose = P(purpose),
                                       .evidence = evidence,
                                       .notified_version = notified_version});
  }
};

TEST_F(DiscloseTest, RecipientGetsOnlyItsCategoriesForItsPurposes) {
  EXPECT_TRUE(Disclose("mailer", {"user.contact.email"}, "marketing.email").allowed());
  EXPECT_EQ(Disclose("mailer", {"user.contact.phone"}, "marketing.email").reason,
            Reason::kCategoryNotForRecipient);
  EXPECT_EQ(Disclose("mailer", {"user.contact.email"}, "provide").reason,
            Reason::kRecipientNotForPurpose);
}

TEST_F(DiscloseTest, PreconditionsNeedEvidence) {
  EXPECT_EQ(Disclose("police", {"user.contact.email"}, "security").reason,
            Reason::kMissingPrecondition);
  const std::vector<std::string> wrong = {"subject_request"};
  EXPECT_EQ(Disclose("police", {"user.contact.email"}, "security", &wrong).reason,
            Reason::kMissingPrecondition);
  const std::vector<std::string> order = {"court_order"};
  EXPECT_TRUE(Disclose("police", {"user.contact.email"}, "security", &order).allowed());
}

TEST_F(DiscloseTest, RecipientNewInAVersionWaitsForNotice) {
  EXPECT_EQ(Disclose("new_partner", {"user.name"}, "provide", nullptr, 2).reason,
            Reason::kRecipientNotYetInForce);
  EXPECT_TRUE(Disclose("new_partner", {"user.name"}, "provide", nullptr, 3).allowed());
}

TEST_F(DiscloseTest, ProcessorWithoutDpaOrTransferMechanismIsRefused) {
  PolicyLoadResult r = LoadPolicy(kPolicy, "test.yaml");
  ASSERT_TRUE(r.ok());
  Policy without_scc = *r.policy;
  without_scc.recipients[0].transfer_mechanism.clear();
  auto compiled = *CompiledPolicy::Compile(without_scc);
  DisclosureRequest req{.recipient = 0,
                        .categories = *compiled->Categories({"user.contact.email"}),
                        .purpose = *compiled->FindPurpose("marketing")};
  EXPECT_EQ(DecideDisclosure(*compiled, req).reason, Reason::kNoTransferMechanism);
  Policy without_dpa = *r.policy;
  without_dpa.recipients[0].dpa = false;
  EXPECT_EQ(DecideDisclosure(**CompiledPolicy::Compile(without_dpa), req).reason,
            Reason::kNoDataProcessingAgreement);
}

TEST_F(DecideTest, HonouredSignalOptsOutOfDeclaredPurposesOnly) {
  const PurposeSet& gpc = SignalOptOuts(*policy_, PrivacySignal::kGlobalPrivacyControl);
  EXPECT_TRUE(gpc.Test(P("marketing")));
  EXPECT_TRUE(gpc.Test(P("marketing.email")));
  EXPECT_TRUE(gpc.Test(P("analytics")));
  EXPECT_FALSE(gpc.Test(P("provide")));
  EXPECT_TRUE(SignalOptOuts(*policy_, PrivacySignal::kDoNotTrack).None());
  SubjectState s = Subject();
  s.opt_outs |= gpc;
  EXPECT_EQ(Read(s, {"user.contact.email"}, "marketing.email").reason, Reason::kOptedOut);
  EXPECT_TRUE(Read(s, {"user.name"}, "provide").allowed());
}

}  // namespace
}  // namespace privet
