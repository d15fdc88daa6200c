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
)";

class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileText(kPolicy);
    ASSERT_NE(policy_, nullptr);
  }
  PurposeId P(std::string_view id) { return *policy_->FindPurpose(id); }
  CategorySet C(std::vector<std::string> ids) { return *policy_->Categories(ids); }
  Decision Read(const SubjectState& s, std::vector<std::string> cats, std::string_view purpose,
                Principal who = Principal::Service()) {
    return Decide(*policy_, who, Action::kRead, s, C(std::move(cats)), P(purpose));
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
  EXPECT_EQ(Read(Subject(), {"user.behavior.clicks"}, "provide").reason, Reason::kCategoryNotForPurpose);
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

TEST_F(DecideTest, RestrictionAllowsStorageOnly) {
  SubjectState s = Subject();
  s.restricted = true;
  EXPECT_EQ(Read(s, {"user.name"}, "provide").reason, Reason::kRestricted);
  EXPECT_TRUE(Decide(*policy_, Principal::Service(), Action::kStore, s, C({"user.name"}), P("provide")).allowed());
}

TEST_F(DecideTest, StaffSeeOnlyTheirNeedToKnow) {
  Principal support = Principal::Staff(*policy_->FindRole("support"));
  EXPECT_TRUE(Read(Subject(), {"user.contact.phone"}, "provide.support", support).allowed());
  EXPECT_EQ(Read(Subject(), {"user.name"}, "provide", support).reason, Reason::kNotNeedToKnow);
  EXPECT_EQ(Read(Subject(), {"user.behavior"}, "security", support).reason, Reason::kNotNeedToKnow);
}

TEST_F(DecideTest, ForbiddenAndSpecialCategoriesRefusedOnWrite) {
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kWrite, Subject(),
                   C({"user.financial.card_number"}), P("provide")).reason,
            Reason::kForbiddenCategory);
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kWrite, Subject(), C({"user.health"}),
                   P("provide")).reason,
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
}

TEST_F(DecideTest, ProcessorDataServesOnlyItsTenant) {
  SubjectState submitted = Subject();
  submitted.tenant_id = 5;
  EXPECT_TRUE(Read(submitted, {"user.name"}, "customer_processing", Principal::Tenant(5)).allowed());
  EXPECT_EQ(Read(submitted, {"user.name"}, "customer_processing", Principal::Tenant(6)).reason,
            Reason::kOtherTenant);
  EXPECT_EQ(Read(submitted, {"user.name"}, "provide").reason, Reason::kControllerPurposeOnProcessorData);
  EXPECT_EQ(Read(Subject(), {"user.name"}, "customer_processing").reason,
            Reason::kProcessorPurposeNeedsTenant);
}

TEST_F(DecideTest, AdminHasNoDataAccessAndUnknownPurposeDenied) {
  Principal admin{.kind = PrincipalKind::kAdmin};
  EXPECT_EQ(Read(Subject(), {"user.name"}, "provide", admin).reason, Reason::kAdminHasNoDataAccess);
  EXPECT_EQ(Decide(*policy_, Principal::Service(), Action::kRead, Subject(), C({"user.name"}), 999).reason,
            Reason::kUnknownPurpose);
}

}  // namespace
}  // namespace privet
