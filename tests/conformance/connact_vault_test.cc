// CONNACT promises the vault keeps (policies/connact.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::IsEmpty;

class ConnactVault : public testing::VaultTest {
 protected:
  ConnactVault() : VaultTest("policies/connact.yaml") {}
};

TEST_F(ConnactVault, CN03_NoSignUpUnderEighteen) {
  clock_.Set(CivilDayToTime({2024, 6, 1}));
  for (const char* kind : {"user", "subscriber"}) {
    auto minor = vault().CreateSubject({.kind = kind, .birth_date = CivilDay{2006, 6, 2}});
    EXPECT_EQ(minor.status().code(), StatusCode::kPermissionDenied) << kind;
    EXPECT_EQ(vault().CreateSubject({.kind = kind, .age_years = 17}).status().code(),
              StatusCode::kPermissionDenied);
    EXPECT_TRUE(vault().CreateSubject({.kind = kind, .birth_date = CivilDay{2006, 6, 1}}).ok()) << kind;
  }
  // No age at all is not a way around the gate.
  EXPECT_EQ(vault().CreateSubject({.kind = "user"}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConnactVault, CN05_CustomerSubmittedDataServesOnlyThatCustomer) {
  constexpr uint64_t kCustomerA = 7, kCustomerB = 8;
  const Principal a = Principal::Tenant(kCustomerA);
  const uint64_t contact =
      NewSubject({.kind = "customer_contact", .tenant_id = kCustomerA, .principal = a});
  ASSERT_TRUE(vault()
                  .Write({.principal = a,
                          .subject_id = contact,
                          .purposes = {"customer_instructions"},
                          .fields = {{.category = "customer_data", .value = "lead notes",
                                      .source = DataSource::kCustomer}}})
                  .ok());
  auto own = vault().Read(a, contact, "customer_instructions");
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->fields.size(), 1u);
  EXPECT_EQ(own->fields[0].value, "lead notes");

  auto other_customer = vault().Read(Principal::Tenant(kCustomerB), contact, "customer_instructions");
  ASSERT_TRUE(other_customer.ok());
  EXPECT_THAT(other_customer->fields, IsEmpty());
  EXPECT_EQ(other_customer->withheld.at(0).reason, Reason::kOtherTenant);

  // Invisible to CONNACT's own purposes, whoever asks.
  for (const char* purpose : {"service", "statistics", "abuse_detection"}) {
    auto operator_read = vault().Read(Principal::Service(), contact, purpose);
    if (!operator_read.ok()) {
      EXPECT_EQ(operator_read.status().code(), StatusCode::kPermissionDenied) << purpose;
      continue;
    }
    EXPECT_THAT(operator_read->fields, IsEmpty()) << purpose;
  }
  // A customer cannot file subjects for another customer.
  EXPECT_EQ(vault().CreateSubject({.kind = "customer_contact", .tenant_id = kCustomerB, .principal = a})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

// CN17: "we will not, without your consent, use your Personal Information in a manner materially
// different than what was stated at the time your Personal Information was collected."
TEST_F(ConnactVault, CN17_DataIsNotUsedForAPurposeAddedAfterCollectionWithoutConsent) {
  ASSERT_TRUE(compiled().policy().changes.material_change_requires_consent);
  const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = id,
                          .purposes = {"service"},
                          .fields = {{.category = "user.account", .value = "plan:team"}}})
                  .ok());
  // Version 2 adds a use of account data that version 1 did not state.
  ReopenUnder([](Policy& p) {
    p.version = 2;
    Purpose insights;
    insights.id = "service.insights";
    insights.description = "Usage insights from your account";
    insights.since_version = 2;
    p.purposes.push_back(insights);
  });
  auto old_data = vault().Read(Principal::Service(), id, "service.insights");
  ASSERT_TRUE(old_data.ok()) << old_data.status().ToString();
  EXPECT_THAT(old_data->fields, IsEmpty());
  ASSERT_EQ(old_data->withheld.size(), 1u);
  EXPECT_EQ(old_data->withheld[0].reason, Reason::kPurposeNotInForceAtCollection);
  // Nor does it go to a recipient for it; the register says why.
  auto disclosed = vault().Disclose(
      {.recipient = "affiliates", .subject_id = id, .categories = {"user.account"}, .purpose = "service.insights"});
  ASSERT_TRUE(disclosed.ok()) << disclosed.status().ToString();
  EXPECT_THAT(disclosed->released, IsEmpty());
  ASSERT_EQ(disclosed->withheld.size(), 1u);
  EXPECT_EQ(disclosed->withheld[0].reason, Reason::kPurposeNotInForceAtCollection);
  // What version 1 stated still serves the data.
  auto stated = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(stated.ok());
  EXPECT_EQ(stated->fields.size(), 1u);
  // Data collected under version 2 serves it; so does version-1 data once the subject consents.
  const uint64_t later = NewSubject({.kind = "user", .age_years = 30});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = later,
                          .purposes = {"service"},
                          .fields = {{.category = "user.account", .value = "plan:solo"}}})
                  .ok());
  auto new_data = vault().Read(Principal::Service(), later, "service.insights");
  ASSERT_TRUE(new_data.ok());
  EXPECT_EQ(new_data->fields.size(), 1u);
  ASSERT_TRUE(
      vault()
          .RecordConsent(id, {.purpose = "service.insights", .action = ConsentAction::kGrant})
          .ok());
  auto consented = vault().Read(Principal::Service(), id, "service.insights");
  ASSERT_TRUE(consented.ok());
  ASSERT_EQ(consented->fields.size(), 1u);
  EXPECT_EQ(consented->fields[0].value, "plan:team");
}

}  // namespace
}  // namespace privet
