// ConfiTrek promises the vault keeps (policies/confitrek.yaml): writes and reads through the
// real vault (SQLite, libsodium, the compiled policy, a manual clock).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfiTrekVault : public testing::VaultTest {
 protected:
  ConfiTrekVault() : VaultTest("policies/confitrek.yaml") {}

  StatusOr<std::vector<uint64_t>> Put(uint64_t id, std::vector<std::string> purposes,
                                      std::vector<FieldInput> fields, std::string feature = "",
                                      Principal who = Principal::Service()) {
    return vault().Write({.principal = who, .subject_id = id, .purposes = std::move(purposes),
                          .fields = std::move(fields), .feature = std::move(feature)});
  }
};

TEST_F(ConfiTrekVault, CT01_DecliningOptionalDataTurnsPersonalizationOff) {
  const uint64_t declined = NewSubject({.kind = "customer"});
  // Without consent the optional data cannot even be collected for personalization ...
  auto refused = Put(declined, {"personalize"}, {{.category = "user.behavior.interests", .value = "hiking"}});
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("no_consent"));
  // ... and the rest of the product keeps working.
  EXPECT_TRUE(Put(declined, {"provide"}, {{.category = "user.contact.email", .value = "d@example.com"},
                                          {.category = "user.name", .value = "Dee"}},
                  "create_account")
                  .ok());

  const uint64_t chose = NewSubject({.kind = "customer"});
  ASSERT_TRUE(vault().RecordConsent(chose, {.purpose = "personalize", .action = ConsentAction::kGrant}).ok());
  ASSERT_TRUE(Put(chose, {"personalize"}, {{.category = "user.behavior.interests", .value = "hiking"}}).ok());
  auto read = vault().Read(Principal::Service(), chose, "personalize");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 1u);
  // Declining later turns the feature off: reads for it are refused.
  ASSERT_TRUE(vault().RecordConsent(chose, {.purpose = "personalize", .action = ConsentAction::kWithdraw}).ok());
  read = vault().Read(Principal::Service(), chose, "personalize");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  EXPECT_EQ(read->withheld.at(0).reason, Reason::kNoConsent);
}

TEST_F(ConfiTrekVault, CT02_RequiredDataDeclinedRefusesTheActionNamingIt) {
  const uint64_t id = NewSubject({.kind = "customer"});
  auto r = Put(id, {"provide"}, {{.category = "user.name", .value = "Dee"}}, "create_account");
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("user.contact.email"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("Dee")));
  auto read = vault().Read(Principal::Service(), id, "provide");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());  // nothing of the refused action was stored
}

TEST_F(ConfiTrekVault, CT04_CombinedDataRecordsWhereEachDatumCameFrom) {
  const uint64_t id = NewSubject({.kind = "customer"});
  ASSERT_TRUE(Put(id, {"provide"}, {{.category = "user.name", .value = "Dee", .source = DataSource::kSubject},
                                    {.category = "user.workplace", .value = "Acme",
                                     .source = DataSource::kPartner}})
                  .ok());
  auto read = vault().Read(Principal::Service(), id, "provide");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 2u);
  for (const FieldValue& f : read->fields) {
    EXPECT_EQ(f.source, f.category == "user.name" ? DataSource::kSubject : DataSource::kPartner) << f.category;
  }
}

TEST_F(ConfiTrekVault, CT10_CookiesAreSeparateConsentsThatClearingWithdraws) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const std::vector<Cookie>& cookies = compiled().policy().cookies;
  ASSERT_FALSE(cookies.empty());
  auto usable = [&](const Cookie& c) {
    auto read = vault().Read(Principal::Service(), id, c.purpose);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() && !read->fields.empty();
  };
  // Off until chosen: nothing can even be set for a cookie's purpose without its consent.
  for (const Cookie& c : cookies) {
    auto refused = Put(id, {c.purpose},
                       {{.category = "user.device.cookie_id",
                         .value = "c-" + c.id,
                         .source = DataSource::kCookies}});
    EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << c.id;
  }
  // Each chosen separately, on the banner.
  for (const Cookie& c : cookies) {
    ASSERT_TRUE(vault()
                    .RecordConsent(id, {.purpose = c.purpose,
                                        .action = ConsentAction::kGrant,
                                        .source = ConsentSource::kCookieBanner})
                    .ok());
    ASSERT_TRUE(Put(id, {c.purpose},
                    {{.category = "user.device.cookie_id",
                      .value = "c-" + c.id,
                      .source = DataSource::kCookies}})
                    .ok())
        << c.id;
  }
  for (const Cookie& c : cookies) EXPECT_TRUE(usable(c)) << c.id;

  // A cookie the policy does not declare is refused, and nothing changes.
  auto before = vault().ConsentHistory(id);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(vault().CookiesCleared(id, {cookies.front().id, "no_such_cookie"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(vault().ConsentHistory(id)->size(), before->size());
  EXPECT_TRUE(usable(cookies.front()));

  // Clearing one cookie withdraws that cookie's consent only.
  ASSERT_TRUE(vault().CookiesCleared(id, {cookies.front().id}).ok());
  EXPECT_FALSE(usable(cookies.front()));
  for (size_t i = 1; i < cookies.size(); ++i) EXPECT_TRUE(usable(cookies[i])) << cookies[i].id;
  auto history = vault().ConsentHistory(id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().purpose, cookies.front().purpose);
  EXPECT_EQ(history->back().action, ConsentAction::kWithdraw);
  EXPECT_EQ(history->back().source, ConsentSource::kCookieBanner);

  // Clearing (or blocking) all of them withdraws every one.
  ASSERT_TRUE(vault().CookiesCleared(id, {}).ok());
  for (const Cookie& c : cookies) EXPECT_FALSE(usable(c)) << c.id;
}

TEST_F(ConfiTrekVault, CT11_OrganizationAdminAdministersItsMembersOnly) {
  constexpr uint64_t kAcme = 100, kGlobex = 200;
  const uint64_t member = NewSubject({.kind = "member", .organization_id = kAcme});
  const uint64_t outsider = NewSubject({.kind = "member", .organization_id = kGlobex});
  ASSERT_TRUE(Put(member, {"provide"}, {{.category = "user.contact.email", .value = "m@acme.example"}}).ok());
  ASSERT_TRUE(Put(outsider, {"provide"}, {{.category = "user.contact.email", .value = "o@globex.example"}}).ok());

  const Principal acme_admin = Principal::OrganizationAdmin(kAcme);
  auto mine = vault().Read(acme_admin, member, "provide");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->fields.size(), 1u);
  EXPECT_EQ(mine->fields[0].value, "m@acme.example");
  // The admin also administers the member's account data.
  EXPECT_TRUE(Put(member, {"provide"}, {{.category = "user.name", .value = "M"}}, "", acme_admin).ok());

  auto theirs = vault().Read(acme_admin, outsider, "provide");
  ASSERT_TRUE(theirs.ok());
  EXPECT_THAT(theirs->fields, IsEmpty());
  EXPECT_EQ(theirs->withheld.at(0).reason, Reason::kOtherOrganization);
  EXPECT_EQ(Put(outsider, {"provide"}, {{.category = "user.name", .value = "X"}}, "", acme_admin).status().code(),
            StatusCode::kPermissionDenied);

  auto members = vault().OrganizationMembers(kAcme);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, std::vector<uint64_t>{member});
}

}  // namespace
}  // namespace privet
