// connectrex promises the vault keeps (policies/connectrex.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class ConnectrexVault : public testing::VaultTest {
 protected:
  ConnectrexVault() : VaultTest("policies/connectrex.yaml") {}

  StatusOr<std::vector<uint64_t>> Interact(uint64_t id, std::vector<FieldInput> fields,
                                           std::vector<std::string> purposes = {
                                               "service", "service.location"}) {
    return vault().Write(
        {.subject_id = id, .purposes = std::move(purposes), .fields = std::move(fields)});
  }
  static FieldInput Location() {
    return {.category = "user.location.precise", .value = "37.65,-122.41"};
  }
};

TEST_F(ConnectrexVault, CX03_EveryInteractionRecordsALocationUnlessExempt) {
  const uint64_t id = NewSubject({.kind = "supervisee"});
  auto without = Interact(id, {{.category = "user.name", .value = "Pat"}});
  ASSERT_EQ(without.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(without.status().message(), HasSubstr("location"));
  EXPECT_TRUE(Interact(id, {{.category = "user.name", .value = "Pat"}, Location()}).ok());
  auto locations = [&](uint64_t who) {
    auto read = vault().Read(Principal::Service(), who, "service.location");
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    size_t n = 0;
    for (const FieldValue& f : read.ok() ? read->fields : std::vector<FieldValue>{})
      n += f.category.starts_with("user.location") ? 1 : 0;
    return n;
  };
  ASSERT_EQ(locations(id), 1u);

  // Reading their own data is an interaction too: refused without a location, nothing released
  // and nothing recorded; with one, answered, and the location is recorded first.
  const Principal self = Principal::Subject(id);
  auto unlocated = vault().Read(self, id, "service");
  ASSERT_EQ(unlocated.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(unlocated.status().field(), "location");
  EXPECT_EQ(locations(id), 1u);
  const FieldInput here{.category = "", .value = "37.70,-122.40"};
  // A read the vault refuses (a purpose the policy does not declare) records no location.
  EXPECT_EQ(vault().Read(self, id, "no_such_purpose", &here).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(locations(id), 1u);
  auto located = vault().Read(self, id, "service", &here);
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  EXPECT_THAT(located->fields, Not(::testing::IsEmpty()));
  EXPECT_EQ(locations(id), 2u);
  EXPECT_THAT(ValuesFor(id, "service.location"), ::testing::Contains("37.70,-122.40"));
  // Staff serving the subject do not interact as the subject: no location asked of them.
  const Principal case_worker = Principal::Staff(*compiled().FindRole("case_worker"));
  EXPECT_TRUE(vault().Read(case_worker, id, "service").ok());

  // Exemptions are granted by a court or the supervising agency: recorded with the grant's
  // reference by those who may see location data, never declared by the subject.
  const uint64_t exempt = NewSubject({.kind = "supervisee"});
  const Principal billing = Principal::Staff(*compiled().FindRole("billing"));
  EXPECT_EQ(vault()
                .GrantLocationExemption(Principal::Subject(exempt), exempt, "court_exemption",
                                        "CR-2024-118")
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      vault().GrantLocationExemption(billing, exempt, "court_exemption", "CR-2024-118").code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(
      vault().GrantLocationExemption(Principal::Service(), exempt, "i_said_so", "none").code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      vault().GrantLocationExemption(Principal::Service(), exempt, "court_exemption", "").code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(Interact(exempt, {{.category = "user.name", .value = "Sam"}}).status().code(),
            StatusCode::kFailedPrecondition);  // none of the refused grants took effect
  // A court's exemption, recorded by the service ...
  ASSERT_TRUE(
      vault()
          .GrantLocationExemption(Principal::Service(), exempt, "court_exemption", "CR-2024-118")
          .ok());
  EXPECT_TRUE(Interact(exempt, {{.category = "user.name", .value = "Sam"}}).ok());
  EXPECT_TRUE(vault().Read(Principal::Subject(exempt), exempt, "service").ok());
  auto info = vault().GetSubject(exempt);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->location_exemptions.size(), 1u);
  EXPECT_EQ(info->location_exemptions[0].exemption, "court_exemption");
  EXPECT_EQ(info->location_exemptions[0].reference, "CR-2024-118");
  EXPECT_EQ(info->location_exemptions[0].granted_by, "service");
  // ... lasts until revoked: then every interaction needs a location again.
  ASSERT_TRUE(
      vault().RevokeLocationExemption(Principal::Service(), exempt, "court_exemption").ok());
  EXPECT_EQ(Interact(exempt, {{.category = "user.name", .value = "Sam"}}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault().Read(Principal::Subject(exempt), exempt, "service").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault().RevokeLocationExemption(Principal::Service(), exempt, "court_exemption").code(),
            StatusCode::kNotFound);
  // The supervising agency's exemption, recorded by the case worker who received it.
  ASSERT_TRUE(
      vault().GrantLocationExemption(case_worker, exempt, "agency_exemption", "AG/2024/77").ok());
  EXPECT_TRUE(Interact(exempt, {{.category = "user.name", .value = "Sam"}}).ok());
  info = vault().GetSubject(exempt);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->location_exemptions.size(), 1u);
  EXPECT_EQ(info->location_exemptions[0].granted_by, "staff:case_worker");

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
  EXPECT_TRUE(vault().Read(Principal::Subject(visitor), visitor, "service.preferences").ok());
}

TEST_F(ConnectrexVault, CX09_IncorrectDataReportedIsCorrected) {
  const uint64_t id = NewSubject({.kind = "supervisee"});
  auto ids =
      Interact(id, {{.category = "user.contact.address", .value = "P.O. Box 2056"}, Location()});
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
  EXPECT_EQ(vault().Rectify(Principal::Subject(other), id, address, "x").code(),
            StatusCode::kPermissionDenied);
}

// CX05 through the vault: a cookie waits for permission, works once given, stops once declined;
// the essential functions never depend on it.
TEST_F(ConnectrexVault, CX05_CookiesWaitForPermissionAndStopWhenDeclined) {
  const uint64_t visitor = NewSubject({.kind = "visitor"});
  const WriteRequest cookie{.subject_id = visitor,
                            .purposes = {"service.preferences"},
                            .fields = {{.category = "user.device.cookie_id.preferences",
                                        .value = "pref-1",
                                        .source = DataSource::kCookies}}};
  EXPECT_EQ(vault().Write(cookie).status().code(), StatusCode::kPermissionDenied);  // no choice yet
  ASSERT_TRUE(vault()
                  .RecordConsent(visitor, {.purpose = "service.preferences",
                                           .action = ConsentAction::kGrant,
                                           .source = ConsentSource::kCookieBanner})
                  .ok());
  ASSERT_TRUE(vault().Write(cookie).ok());
  auto agreed = vault().Read(Principal::Service(), visitor, "service.preferences");
  ASSERT_TRUE(agreed.ok());
  EXPECT_EQ(agreed->fields.size(), 1u);
  ASSERT_TRUE(vault()
                  .RecordConsent(visitor, {.purpose = "service.preferences",
                                           .action = ConsentAction::kWithdraw,
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

// CX01: "Collected: name and job title; contact details; postal code; supervision conditions
// including fines and fees."
TEST_F(ConnectrexVault, CX01_WhatThePolicySaysIsCollectedIsCollectedAndServesTheService) {
  const CompiledPolicy& policy = compiled();
  // The promise's items, as the policy declares them (each with its subcategories).
  std::vector<const Category*> collected;
  for (const char* item : {"user.name", "user.job_title", "user.contact",
                           "user.demographic.postal_code", "user.supervision"}) {
    size_t before = collected.size();
    for (const Category& c : policy.policy().categories)
      if (IdCovers(item, c.id)) collected.push_back(&c);
    EXPECT_GT(collected.size(), before) << item << " is not declared";
  }
  std::vector<FieldInput> fields;
  for (const Category* c : collected)
    fields.push_back({.category = c->id, .value = SampleValue(*c)});
  fields.push_back(Location());  // each interaction records a location (CX03)
  // A supervisee enrolls giving all of it, collected for the service ...
  const uint64_t id = NewSubject({.kind = "supervisee"});
  ASSERT_THAT(vault().Write({.principal = Principal::Subject(id),
                             .subject_id = id,
                             .purposes = {"service", "service.location"},
                             .fields = fields,
                             .feature = "enroll"}),
              ::privet::testing::IsOk());
  // ... and the service has every item of it, fines and fees among them.
  auto read = vault().Read(Principal::Service(), id, "service");
  ASSERT_THAT(read, ::privet::testing::IsOk());
  EXPECT_THAT(read->withheld, IsEmpty());
  std::vector<std::string> got;
  for (const FieldValue& f : read->fields) got.push_back(f.category + "=" + f.value);
  for (const FieldInput& f : fields)
    EXPECT_THAT(got, ::testing::Contains(f.category + "=" + f.value));
  // Data the policy does not declare is not collected at all.
  EXPECT_THAT(vault().Write({.subject_id = id,
                             .purposes = {"service"},
                             .fields = {{.category = "user.health", .value = "x"}, Location()}}),
              ::privet::testing::StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace privet
