// The policy model's names (policy_names.h) and the principals' text forms (principal.cc).
#include "policy/policy_names.h"

#include <gtest/gtest.h>

#include "privet/decision.h"
#include "testing/enum_names.h"
#include "testing/policy_fixture.h"

namespace privet {
namespace {

using testing::ExpectNamesRoundTrip;

TEST(PolicyNames, EveryEnumeratorRoundTrips) {
  ExpectNamesRoundTrip(&LegalBasisName, &ParseLegalBasisName);
  ExpectNamesRoundTrip(&ConsentModeName, &ParseConsentModeName);
  ExpectNamesRoundTrip(&DataSourceName, &ParseDataSourceName);
  ExpectNamesRoundTrip(&RecipientKindName, &ParseRecipientKindName);
  ExpectNamesRoundTrip(&AnchorEventName, &ParseAnchorEventName);
  ExpectNamesRoundTrip(&RetentionActionName, &ParseRetentionActionName);
  ExpectNamesRoundTrip(&RightName, &ParseRightName);
  ExpectNamesRoundTrip(&SignalResponseName, &ParseSignalResponseName);
  ExpectNamesRoundTrip(&ReasonName, &ParseReasonName);
  ExpectNamesRoundTrip(&PrincipalKindName, &ParsePrincipalKindName);
}

TEST(PolicyNames, SpellTheFileFormat) {
  EXPECT_EQ(LegalBasisName(LegalBasis::kLegitimateInterests), "legitimate_interests");
  EXPECT_EQ(LegalBasisTitle(LegalBasis::kLegitimateInterests), "Legitimate interests");
  EXPECT_EQ(LegalBasisTitle(static_cast<LegalBasis>(99)), "Unknown");
  EXPECT_EQ(ConsentModeName(ConsentMode::kOptOut), "opt_out");
  EXPECT_EQ(RightName(Right::kOptOutOfSale), "opt_out_of_sale");
  EXPECT_EQ(ParseRightName("Access"), std::nullopt);
  EXPECT_EQ(ReasonName(Reason::kRemovedFromOrganization), "removed_from_organization");
  EXPECT_EQ(PrincipalKindName(PrincipalKind::kOrganizationAdmin), "organization_admin");
}

TEST(PrincipalText, ParsesWhatItPrints) {
  auto policy = testing::CompileFile("policies/starter.yaml");
  ASSERT_NE(policy, nullptr);
  const std::optional<RoleId> support = policy->FindRole("support");
  ASSERT_TRUE(support.has_value());
  for (const Principal& p :
       {Principal::Service(), Principal{.kind = PrincipalKind::kAdmin}, Principal::Staff(*support),
        Principal::OrganizationAdmin(7), Principal::Tenant(12)}) {
    const std::string text = PrincipalText(*policy, p);
    StatusOr<Principal> parsed = ParsePrincipal(*policy, text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(PrincipalText(*policy, *parsed), text);
  }
  EXPECT_EQ(PrincipalText(*policy, Principal::Staff(*support)), "staff:support");
  EXPECT_EQ(StaffPrincipalText("support"), "staff:support");
  EXPECT_EQ(PrincipalText(*policy, Principal::OrganizationAdmin(7)), "organization_admin:7");
  EXPECT_EQ(PrincipalText(*policy, Principal::Subject(5)), "subject");
  EXPECT_EQ(PrincipalText(*policy, Principal::Staff(999)), "staff:?");
}

TEST(PrincipalText, RefusesOtherText) {
  auto policy = testing::CompileFile("policies/starter.yaml");
  ASSERT_NE(policy, nullptr);
  for (std::string_view text :
       {"", "subject", "staff", "staff:", "staff:nobody", "service:1", "tenant:0", "tenant:x",
        "tenant:", "organization_admin:-1", "Service", "admin "}) {
    StatusOr<Principal> parsed = ParsePrincipal(*policy, text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(parsed.status().field(), "principal") << text;
  }
}

}  // namespace
}  // namespace privet
