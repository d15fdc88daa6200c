#include "privet/policy_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "privet/policy.h"

namespace privet {
namespace {

using ::testing::HasSubstr;

Policy BasePolicy() {
  Policy p;
  p.organization = "Example Ltd";
  p.jurisdictions = {"EU"};
  p.version = 1;
  p.effective = {2024, 1, 1};
  for (const char* id : {"user.contact.email", "user.name"}) {
    Category c;
    c.id = id;
    p.categories.push_back(c);
  }
  Purpose provide;
  provide.id = "provide";
  provide.basis = LegalBasis::kContract;
  provide.categories = {"user"};
  Purpose marketing;
  marketing.id = "marketing";
  marketing.basis = LegalBasis::kConsent;
  marketing.categories = {"user.contact.email"};
  Purpose newsletter;  // inherits consent from `marketing`
  newsletter.id = "marketing.newsletter";
  p.purposes = {provide, marketing, newsletter};
  Recipient mailer;
  mailer.id = "mailer";
  mailer.name = "MailCo";
  mailer.country = "DE";
  mailer.dpa = true;
  mailer.categories = {"user.contact.email"};
  mailer.purposes = {"marketing"};
  mailer.preconditions = {"contract"};
  p.recipients = {mailer};
  RetentionRule accounts;
  accounts.id = "accounts";
  accounts.duration = {6, TimeUnit::kMonths};
  accounts.anchor = AnchorEvent::kLastActivity;
  p.retention = {accounts};
  p.rights.offered = {Right::kAccess, Right::kErasure};
  p.rights.channels = {"email"};
  p.signals.dnt = SignalResponse::kHonor;
  p.signals.gpc = SignalResponse::kHonor;
  MarketingChannel email;
  email.id = "email";
  email.purpose = "marketing";
  p.marketing_channels = {email};
  return p;
}

const PolicyChange* Find(const std::vector<PolicyChange>& changes, const std::string& kind,
                         const std::string& subject) {
  for (const PolicyChange& c : changes) {
    if (c.kind == kind && c.subject == subject) return &c;
  }
  return nullptr;
}

// Asserts that the only change from BasePolicy() to `after` (apart from `ignore` kinds) is one
// of `kind` about `subject`, with the given materiality.
void ExpectSingleChange(const Policy& after, const std::string& kind, const std::string& subject,
                        bool material) {
  std::vector<PolicyChange> changes = DiffPolicies(BasePolicy(), after);
  SCOPED_TRACE(FormatPolicyChanges(changes));
  const PolicyChange* c = Find(changes, kind, subject);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->material, material);
  EXPECT_EQ(changes.size(), 1u);
}

TEST(PolicyDiff, SamePolicyHasNoChanges) {
  std::vector<PolicyChange> changes = DiffPolicies(BasePolicy(), BasePolicy());
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(FormatPolicyChanges(changes), "No changes.\n");
}

TEST(PolicyDiff, ReorderingListsIsNoChange) {
  Policy after = BasePolicy();
  std::reverse(after.categories.begin(), after.categories.end());
  std::reverse(after.purposes.begin(), after.purposes.end());
  std::reverse(after.rights.offered.begin(), after.rights.offered.end());
  EXPECT_TRUE(DiffPolicies(BasePolicy(), after).empty());
}

// The keys of issue 15 show in the diff; only automated decisions starting is material.
TEST(PolicyDiff, ControllerDetailsAndAutomatedDecisionsAreListed) {
  Policy after = BasePolicy();
  after.controller.supervisory_authority = SupervisoryAuthority{.name = "DPC", .url = ""};
  ExpectSingleChange(after, "controller_changed", "controller.supervisory_authority", false);
  after = BasePolicy();
  after.controller.security_measures = {"Encryption at rest"};
  ExpectSingleChange(after, "controller_changed", "controller.security_measures", false);
  after = BasePolicy();
  after.automated_decisions = AutomatedDecisions{.used = false};
  ExpectSingleChange(after, "automated_decisions_changed", "automated_decisions", false);
  after.automated_decisions = AutomatedDecisions{.used = true, .description = "Fraud scores"};
  ExpectSingleChange(after, "automated_decisions_changed", "automated_decisions", true);
}

TEST(PolicyDiff, NewPurposeIsMaterialButNewProhibitedOneIsNot) {
  Policy after = BasePolicy();
  Purpose ads;
  ads.id = "advertising";
  ads.basis = LegalBasis::kLegitimateInterests;
  after.purposes.push_back(ads);
  ExpectSingleChange(after, "purpose_added", "advertising", true);

  after = BasePolicy();
  Purpose sale;
  sale.id = "sale";
  sale.basis = LegalBasis::kConsent;
  sale.prohibited = true;
  after.purposes.push_back(sale);
  ExpectSingleChange(after, "purpose_added", "sale", false);
}

TEST(PolicyDiff, AConsentStringMappingRemovedIsMaterialAndOneAddedIsNot) {
  Policy before = BasePolicy();
  before.signals.tcf.push_back({.purpose = "marketing", .tcf_purposes = {3, 4}});
  Policy after = BasePolicy();
  std::vector<PolicyChange> changes = DiffPolicies(before, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, "signal_changed");
  EXPECT_TRUE(changes[0].material);
  changes = DiffPolicies(after, before);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].material);
}

TEST(PolicyDiff, ShowingAPurposesDataToMoreSubjectsIsMaterial) {
  Policy after = BasePolicy();
  after.purposes[0].shown_to_subjects = {"customer"};
  ExpectSingleChange(after, "purpose_changed", after.purposes[0].id, true);
}

TEST(PolicyDiff, RemovedPurposeIsNotMaterial) {
  Policy after = BasePolicy();
  after.purposes.pop_back();
  ExpectSingleChange(after, "purpose_removed", "marketing.newsletter", false);
}

TEST(PolicyDiff, NewRecipientIsMaterial) {
  Policy after = BasePolicy();
  Recipient crm;
  crm.id = "crm";
  crm.name = "CRM Inc";
  after.recipients.push_back(crm);
  ExpectSingleChange(after, "recipient_added", "crm", true);

  after = BasePolicy();
  after.recipients.clear();
  ExpectSingleChange(after, "recipient_removed", "mailer", false);
}

TEST(PolicyDiff, RecipientLosingSafeguardsIsMaterial) {
  Policy after = BasePolicy();
  after.recipients[0].preconditions.clear();
  ExpectSingleChange(after, "recipient_changed", "mailer", true);
  after = BasePolicy();
  after.recipients[0].categories.push_back("user.name");
  ExpectSingleChange(after, "recipient_categories_changed", "mailer", true);
  after = BasePolicy();
  after.recipients[0].name = "MailCo GmbH";
  ExpectSingleChange(after, "recipient_changed", "mailer", false);
}

TEST(PolicyDiff, NewCategoryIsMaterial) {
  Policy after = BasePolicy();
  Category phone;
  phone.id = "user.contact.phone";
  after.categories.push_back(phone);
  ExpectSingleChange(after, "category_added", "user.contact.phone", true);

  after = BasePolicy();
  Category card;
  card.id = "user.financial.card";
  card.forbidden = true;
  after.categories.push_back(card);
  ExpectSingleChange(after, "category_added", "user.financial.card", false);

  after = BasePolicy();
  after.categories[1].description = "Full name";
  ExpectSingleChange(after, "category_changed", "user.name", false);
}

TEST(PolicyDiff, LongerRetentionIsMaterialShorterIsNot) {
  Policy after = BasePolicy();
  after.retention[0].duration = {1, TimeUnit::kYears};
  ExpectSingleChange(after, "retention_duration_changed", "accounts", true);
  after.retention[0].duration = {200, TimeUnit::kDays};  // 6 months ≈ 182.6 days
  ExpectSingleChange(after, "retention_duration_changed", "accounts", true);
  after.retention[0].duration = {150, TimeUnit::kBusinessDays};  // ≈ 210 days
  ExpectSingleChange(after, "retention_duration_changed", "accounts", true);
  after.retention[0].duration = {90, TimeUnit::kDays};
  ExpectSingleChange(after, "retention_duration_changed", "accounts", false);
  after.retention[0].duration = {26, TimeUnit::kWeeks};  // 182 days: not longer
  ExpectSingleChange(after, "retention_duration_changed", "accounts", false);
}

TEST(PolicyDiff, RemovedRetentionRuleIsMaterial) {
  Policy after = BasePolicy();
  after.retention.clear();
  ExpectSingleChange(after, "retention_removed", "accounts", true);
}

TEST(PolicyDiff, WeakerLegalBasisIsMaterial) {
  Policy after = BasePolicy();
  after.purposes[1].basis = LegalBasis::kLegitimateInterests;
  std::vector<PolicyChange> changes = DiffPolicies(BasePolicy(), after);
  SCOPED_TRACE(FormatPolicyChanges(changes));
  // The child inherits the change: both purposes report it.
  for (const char* id : {"marketing", "marketing.newsletter"}) {
    const PolicyChange* basis = Find(changes, "purpose_basis_changed", id);
    ASSERT_NE(basis, nullptr) << id;
    EXPECT_TRUE(basis->material);
    EXPECT_EQ(basis->detail, "consent -> legitimate_interests");
    const PolicyChange* consent = Find(changes, "purpose_consent_changed", id);
    ASSERT_NE(consent, nullptr) << id;
    EXPECT_TRUE(consent->material);
  }

  after = BasePolicy();
  after.purposes[0].basis = LegalBasis::kConsent;  // contract -> consent: stronger
  changes = DiffPolicies(BasePolicy(), after);
  const PolicyChange* basis = Find(changes, "purpose_basis_changed", "provide");
  ASSERT_NE(basis, nullptr);
  EXPECT_FALSE(basis->material);
}

TEST(PolicyDiff, ConsentRequiredToOptOutIsMaterial) {
  Policy after = BasePolicy();
  after.purposes[2].consent = ConsentMode::kOptOut;
  ExpectSingleChange(after, "purpose_consent_changed", "marketing.newsletter", true);

  Policy before = after;
  after = BasePolicy();  // opt_out -> required: stronger
  std::vector<PolicyChange> changes = DiffPolicies(before, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].material);
}

TEST(PolicyDiff, SaleAndUnaffiliatedSharingTurnedOnAreMaterial) {
  Policy after = BasePolicy();
  after.sharing.sale = true;
  ExpectSingleChange(after, "sharing_changed", "sale", true);
  after = BasePolicy();
  after.sharing.unaffiliated_third_parties = true;
  ExpectSingleChange(after, "sharing_changed", "unaffiliated_third_parties", true);

  Policy before = BasePolicy();
  before.sharing.sale = true;
  std::vector<PolicyChange> changes = DiffPolicies(before, BasePolicy());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].material);
}

TEST(PolicyDiff, RemovedRightIsMaterialAddedRightIsNot) {
  Policy after = BasePolicy();
  after.rights.offered = {Right::kAccess};
  ExpectSingleChange(after, "right_removed", "erasure", true);
  after = BasePolicy();
  after.rights.offered.push_back(Right::kPortability);
  ExpectSingleChange(after, "right_added", "portability", false);
}

TEST(PolicyDiff, SignalHonourToIgnoreIsMaterial) {
  Policy after = BasePolicy();
  after.signals.dnt = SignalResponse::kIgnore;
  ExpectSingleChange(after, "signal_changed", "dnt", true);
  after = BasePolicy();
  after.signals.gpc = SignalResponse::kIgnore;
  ExpectSingleChange(after, "signal_changed", "gpc", true);

  Policy before = BasePolicy();
  before.signals.dnt = SignalResponse::kIgnore;
  std::vector<PolicyChange> changes = DiffPolicies(before, BasePolicy());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, "signal_changed");
  EXPECT_FALSE(changes[0].material);
}

TEST(PolicyDiff, MarketingChannelBecomingOptOutIsMaterial) {
  Policy after = BasePolicy();
  after.marketing_channels[0].opt_in = false;
  ExpectSingleChange(after, "channel_changed", "email", true);
}

TEST(PolicyDiff, HousekeepingChangesAreNotMaterial) {
  Policy after = BasePolicy();
  after.version = 2;
  after.effective = {2024, 6, 1};
  after.contact.email = "privacy@example.com";
  after.purposes[0].description = "Run the service";
  Role support;
  support.id = "support";
  after.roles = {support};
  Cookie session;
  session.id = "session";
  after.cookies = {session};
  std::vector<PolicyChange> changes = DiffPolicies(BasePolicy(), after);
  SCOPED_TRACE(FormatPolicyChanges(changes));
  for (const auto& [kind, subject] :
       std::vector<std::pair<std::string, std::string>>{{"version_changed", "version"},
                                                        {"effective_changed", "effective"},
                                                        {"contact_changed", "contact.email"},
                                                        {"purpose_changed", "provide"},
                                                        {"role_added", "support"},
                                                        {"cookie_added", "session"}}) {
    const PolicyChange* c = Find(changes, kind, subject);
    ASSERT_NE(c, nullptr) << kind;
    EXPECT_FALSE(c->material) << kind;
  }
  EXPECT_EQ(changes.size(), 6u);
  EXPECT_EQ(Find(changes, "version_changed", "version")->detail, "1 -> 2");
}

TEST(PolicyDiff, FormatKeepsOneLinePerChange) {
  Policy after = BasePolicy();
  after.summary = "First line.\nSecond line.\n" + std::string(300, 'x');
  after.contact.email = "privacy@example.com";
  const std::string text = FormatPolicyChanges(DiffPolicies(BasePolicy(), after));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  EXPECT_THAT(text, HasSubstr("summary_changed summary: (none) -> \"First line. Second line. xxx"));
  EXPECT_THAT(text, HasSubstr("...\""));
  EXPECT_THAT(text, HasSubstr("contact_changed contact.email: (none) -> \"privacy@example.com\""));
}

TEST(PolicyDiff, FormatMarksMaterialLinesInOrder) {
  Policy after = BasePolicy();
  after.version = 2;
  after.signals.dnt = SignalResponse::kIgnore;
  after.retention[0].duration = {12, TimeUnit::kMonths};
  const std::string text = FormatPolicyChanges(DiffPolicies(BasePolicy(), after));
  EXPECT_EQ(text,
            "         version_changed version: 1 -> 2\n"
            "MATERIAL retention_duration_changed accounts: duration: 6 months -> 12 months\n"
            "MATERIAL signal_changed dnt: honor -> ignore\n");
}

}  // namespace
}  // namespace privet
