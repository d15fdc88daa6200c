// connectrex promises the vault keeps (policies/connectrex.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConnectrexVault : public testing::VaultTest {
 protected:
  ConnectrexVault() : VaultTest("policies/connectrex.yaml") {}

  StatusOr<std::vector<uint64_t>> Interact(uint64_t id, std::vector<FieldInput> fields,
                                           std::vector<std::string> purposes = {"service", "service.location"}) {
    return vault().Write({.subject_id = id, .purposes = std::move(purposes), .fields = std::move(fields)});
  }
  static FieldInput Location() { return {.category = "user.location.precise", .value = "37.65,-122.41"}; }
};

TEST_F(ConnectrexVault, CX03_EveryInteractionRecordsALocationUnlessExempt) {
  const uint64_t id = NewSubject({.kind = "supervisee"});
  auto without = Interact(id, {{.category = "user.name", .value = "Pat"}});
  ASSERT_EQ(without.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(without.status().message(), HasSubstr("location"));
  EXPECT_TRUE(Interact(id, {{.category = "user.name", .value = "Pat"}, Location()}).ok());

  const uint64_t exempt = NewSubject({.kind = "supervisee", .location_exemptions = {"court_exemption"}});
  EXPECT_TRUE(Interact(exempt, {{.category = "user.name", .value = "Sam"}}).ok());
  // An exemption the policy does not recognize is no exemption.
  const uint64_t self_declared = NewSubject({.kind = "supervisee", .location_exemptions = {"i_said_so"}});
  EXPECT_EQ(Interact(self_declared, {{.category = "user.name", .value = "Lee"}}).status().code(),
            StatusCode::kFailedPrecondition);
  // Subjects of other kinds are not located.
  const uint64_t visitor = NewSubject({.kind = "visitor"});
  ASSERT_TRUE(vault()
                  .RecordConsent(visitor, {.purpose = "service.preferences",
                                           .action = ConsentAction::kGrant,
                                           .source = ConsentSource::kCookieBanner})
                  .ok());
  EXPECT_TRUE(vault()
                  .Write({.subject_id = visitor,
                          .purposes = {"service.preferences"},
                          .fields = {{.category = "user.device.cookie_id.preferences",
                                      .value = "c1",
                                      .source = DataSource::kCookies}}})
                  .ok());
}

TEST_F(ConnectrexVault, CX09_IncorrectDataReportedIsCorrected) {
  const uint64_t id = NewSubject({.kind = "supervisee"});
  auto ids = Interact(id, {{.category = "user.contact.address", .value = "P.O. Box 2056"}, Location()});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  const uint64_t address = (*ids)[0];
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(vault().Rectify(Principal::Subject(id), id, address, "P.O. Box 2065").ok());
  auto read = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(read.ok());
  std::vector<FieldValue> addresses;
  for (const FieldValue& f : read->fields)
    if (f.category == "user.contact.address") addresses.push_back(f);
  ASSERT_EQ(addresses.size(), 1u);  // corrected in place, not added beside the wrong one
  EXPECT_EQ(addresses[0].value, "P.O. Box 2065");
  EXPECT_EQ(addresses[0].id, address);
  EXPECT_EQ(addresses[0].last_activity - addresses[0].collected_at, std::chrono::hours(2));
  // A correction passes the same checks as any write.
  EXPECT_EQ(vault().Rectify(Principal::Subject(id), id, address, "4111111111111111").code(),
            StatusCode::kPermissionDenied);
  // Nobody corrects someone else's data.
  const uint64_t other = NewSubject({.kind = "supervisee"});
  EXPECT_EQ(vault().Rectify(Principal::Subject(other), id, address, "x").code(), StatusCode::kPermissionDenied);
}

// CX05 through the vault: a cookie waits for permission, works once given, stops once declined;
// the essential functions never depend on it.
TEST_F(ConnectrexVault, CX05_CookiesWaitForPermissionAndStopWhenDeclined) {
  const uint64_t visitor = NewSubject({.kind = "visitor"});
  const WriteRequest cookie{.subject_id = visitor,
                            .purposes = {"service.preferences"},
                            .fields = {{.category = "user.device.cookie_id.preferences", .value = "pref-1",
                                        .source = DataSource::kCookies}}};
  EXPECT_EQ(vault().Write(cookie).status().code(), StatusCode::kPermissionDenied);  // no choice yet
  ASSERT_TRUE(vault()
                  .RecordConsent(visitor, {.purpose = "service.preferences", .action = ConsentAction::kGrant,
                                           .source = ConsentSource::kCookieBanner})
                  .ok());
  ASSERT_TRUE(vault().Write(cookie).ok());
  auto agreed = vault().Read(Principal::Service(), visitor, "service.preferences");
  ASSERT_TRUE(agreed.ok());
  EXPECT_EQ(agreed->fields.size(), 1u);
  ASSERT_TRUE(vault()
                  .RecordConsent(visitor, {.purpose = "service.preferences", .action = ConsentAction::kWithdraw,
                                           .source = ConsentSource::kCookieBanner})
                  .ok());
  auto declined = vault().Read(Principal::Service(), visitor, "service.preferences");
  ASSERT_TRUE(declined.ok());
  EXPECT_TRUE(declined->fields.empty());
  ASSERT_EQ(declined->withheld.size(), 1u);
  EXPECT_EQ(declined->withheld[0].reason, Reason::kNoConsent);
  EXPECT_EQ(vault().Write(cookie).status().code(), StatusCode::kPermissionDenied);
  // A supervisee who declined every cookie still uses the service.
  const uint64_t supervisee = NewSubject({.kind = "supervisee"});
  EXPECT_TRUE(Interact(supervisee, {{.category = "user.name", .value = "Pat"}, Location()}).ok());
  auto service = vault().Read(Principal::Service(), supervisee, "service");
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(service->fields.size(), 2u);
}

}  // namespace
}  // namespace privet
