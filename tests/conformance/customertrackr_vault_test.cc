// CustomerTrackr promises the vault keeps (policies/customertrackr.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class CustomerTrackrVault : public testing::VaultTest {
 protected:
  CustomerTrackrVault() : VaultTest("policies/customertrackr.yaml") {}

  std::vector<std::string> OwnValues(uint64_t id) {
    auto r = vault().Read(Principal::Subject(id), id, "service.profile");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& f : r->fields) out.push_back(f.category + "=" + f.value);
    return out;
  }

  // A purchase collected under the policy's version 1, then version 2 of the policy (with `edit`
  // applied too) adding recommendations beneath purchasing. Returns the subject.
  uint64_t PurchaseThenVersionTwo(const std::function<void(Policy&)>& edit) {
    const uint64_t id = NewSubject({.kind = "user"});
    EXPECT_TRUE(vault()
                    .Write({.subject_id = id,
                            .purposes = {"service.purchasing"},
                            .fields = {{.category = "user.behavior.purchase_history",
                                        .value = "order:17"}}})
                    .ok());
    ReopenUnder([&](Policy& p) {
      p.version = 2;
      Purpose recommendations;
      recommendations.id = "service.purchasing.recommendations";
      recommendations.description = "Recommendations from your purchases";
      recommendations.since_version = 2;
      p.purposes.push_back(recommendations);
      edit(p);
    });
    return id;
  }
  StatusOr<ReadResult> ReadRecommendations(uint64_t id) {
    return vault().Read(Principal::Service(), id, "service.purchasing.recommendations");
  }
};

TEST_F(CustomerTrackrVault, CU02_RegistrationRequiresAnEmailAddress) {
  const uint64_t id = NewSubject({.kind = "user"});
  auto r = vault().Write({.subject_id = id,
                          .purposes = {"service.registration"},
                          .fields = {{.category = "user.name", .value = "Kim"}},
                          .feature = "register"});
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("user.contact.email"));
  EXPECT_TRUE(
      vault()
          .Write({.subject_id = id,
                  .purposes = {"service.registration"},
                  .fields = {{.category = "user.name", .value = "Kim"},
                             {.category = "user.contact.email", .value = "kim@example.com"}},
                  .feature = "register"})
          .ok());
}

TEST_F(CustomerTrackrVault, CU04_CookieIdentifiersAreNeverJoinedWithPersonalData) {
  const uint64_t visitor = NewSubject({.kind = "visitor"});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = visitor,
                          .purposes = {"analytics"},
                          .fields = {{.category = "user.device.cookie_id",
                                      .value = "ck-77",
                                      .source = DataSource::kCookies},
                                     {.category = "user.behavior.page_visits",
                                      .value = "/pricing",
                                      .source = DataSource::kCookies}}})
                  .ok());
  // Named data never joins the cookie identifier's record ...
  auto join =
      vault().Write({.subject_id = visitor,
                     .purposes = {"service"},
                     .fields = {{.category = "user.contact.email", .value = "kim@example.com"}}});
  EXPECT_EQ(join.status().code(), StatusCode::kPermissionDenied);
  // ... nor does a cookie identifier join a named subject's record, even in one write.
  const uint64_t user = NewSubject({.kind = "user"});
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = user,
                  .purposes = {"service"},
                  .fields = {{.category = "user.contact.email", .value = "kim@example.com"}}})
          .ok());
  EXPECT_EQ(vault()
                .Write({.subject_id = user,
                        .purposes = {"analytics"},
                        .fields = {{.category = "user.device.cookie_id", .value = "ck-77"}}})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  // And no lookup joins them: the email finds the user, nothing finds the visitor by it.
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "kim@example.com"), user);
  auto visitor_read = vault().Read(Principal::Service(), visitor, "service");
  ASSERT_TRUE(visitor_read.ok());
  EXPECT_THAT(visitor_read->fields, IsEmpty());
}

TEST_F(CustomerTrackrVault, CU09_SubjectsSeeCorrectAndDeleteTheirOwnData) {
  const uint64_t id = NewSubject({.kind = "user"});
  auto ids = vault().Write({.subject_id = id,
                            .purposes = {"service"},
                            .fields = {{.category = "user.name", .value = "Kim"},
                                       {.category = "user.profile", .value = "likes: tea"}}});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_THAT(OwnValues(id), UnorderedElementsAre("user.name=Kim", "user.profile=likes: tea"));
  ASSERT_TRUE(vault().Rectify(Principal::Subject(id), id, (*ids)[1], "likes: coffee").ok());
  EXPECT_THAT(OwnValues(id), UnorderedElementsAre("user.name=Kim", "user.profile=likes: coffee"));
  ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, (*ids)[1]).ok());
  EXPECT_THAT(OwnValues(id), UnorderedElementsAre("user.name=Kim"));

  // Another subject sees, corrects and deletes none of it.
  const uint64_t other = NewSubject({.kind = "user"});
  auto peek = vault().Read(Principal::Subject(other), id, "service.profile");
  // Refused outright: not even which categories the record holds is named (CF07 showed why).
  ASSERT_EQ(peek.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(peek, ::privet::testing::Refused(Reason::kNotSubjectsOwnData));
  EXPECT_EQ(vault().Rectify(Principal::Subject(other), id, (*ids)[0], "Mallory").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(vault().DeleteField(Principal::Subject(other), id, (*ids)[0]).code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(OwnValues(id), UnorderedElementsAre("user.name=Kim"));
}

// CU11: "Use of information we collect now is subject to the Privacy Policy in effect at the time
// such information is used", with CU06's notice and opt-out before a new use reaches old data.
TEST_F(CustomerTrackrVault, CU11_DataIsUsedUnderTheVersionInForceAtTheTimeOfUse) {
  ASSERT_FALSE(compiled().policy().changes.material_change_requires_consent);
  const uint64_t id = PurchaseThenVersionTwo([](Policy&) {});
  auto read = [&] { return ReadRecommendations(id); };
  // Before the subject was told of version 2 and its opt-out window passed, the new use waits
  // (CU06) ...
  auto before_notice = read();
  ASSERT_TRUE(before_notice.ok()) << before_notice.status().ToString();
  EXPECT_THAT(before_notice->fields, IsEmpty());
  ASSERT_TRUE(vault().RecordConsent(id, {.action = ConsentAction::kNotified}).ok());
  clock_.Advance(std::chrono::days(29));
  auto in_window = read();
  ASSERT_TRUE(in_window.ok());
  EXPECT_THAT(in_window->fields, IsEmpty());
  // ... then version 2 governs the use of data collected under version 1, without consent.
  clock_.Advance(std::chrono::days(2));
  auto after = read();
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->fields.size(), 1u);
  EXPECT_EQ(after->fields[0].value, "order:17");
  EXPECT_EQ(after->fields[0].policy_version, 1);
}

// CU06 for a new use: "used for a purpose incompatible with the purpose(s) for which it was
// originally collected, ... you will be able to prevent ... by opting out". The opt-out of the
// new purpose keeps the subject's old data out of it, and only out of it.
TEST_F(CustomerTrackrVault, CU06_AnOptOutOfANewPurposeKeepsOldDataOutOfIt) {
  const uint64_t other = NewSubject({.kind = "user"});
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = other,
                  .purposes = {"service.purchasing"},
                  .fields = {{.category = "user.behavior.purchase_history", .value = "order:18"}}})
          .ok());
  const uint64_t id = PurchaseThenVersionTwo([](Policy&) {});
  auto announced =
      vault().AnnouncePolicyChange(Principal::Service());  // privet tells both of the new use
  ASSERT_TRUE(announced.ok()) << announced.status().ToString();
  ASSERT_EQ(announced->subjects_told, 2u);
  ASSERT_TRUE(vault()
                  .RecordConsent(id, {.purpose = "service.purchasing.recommendations",
                                      .action = ConsentAction::kOptOut})
                  .ok());
  clock_.Advance(std::chrono::days(31));  // past the policy's opt-out window
  auto opted_out = ReadRecommendations(id);
  ASSERT_TRUE(opted_out.ok()) << opted_out.status().ToString();
  EXPECT_THAT(opted_out->fields, IsEmpty());
  ASSERT_EQ(opted_out->withheld.size(), 1u);
  EXPECT_EQ(opted_out->withheld[0].reason, Reason::kOptedOut);
  // The purpose the data was collected for goes on.
  auto purchasing = vault().Read(Principal::Service(), id, "service.purchasing");
  ASSERT_TRUE(purchasing.ok());
  EXPECT_EQ(purchasing->fields.size(), 1u);
  // A subject who did not opt out is governed by the new version.
  auto told = ReadRecommendations(other);
  ASSERT_TRUE(told.ok());
  EXPECT_EQ(told->fields.size(), 1u);
}

// The same rule the other way: a policy whose changes need consent keeps old data out of a new
// purpose whatever notice was given (CN17's rule, from the same flag).
TEST_F(CustomerTrackrVault, MaterialChangesNeedingConsentKeepOldDataOutOfNewPurposes) {
  const uint64_t id =
      PurchaseThenVersionTwo([](Policy& p) { p.changes.material_change_requires_consent = true; });
  ASSERT_TRUE(vault().RecordConsent(id, {.action = ConsentAction::kNotified}).ok());
  clock_.Advance(std::chrono::days(60));
  auto read = ReadRecommendations(id);
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  ASSERT_EQ(read->withheld.size(), 1u);
  EXPECT_EQ(read->withheld[0].reason, Reason::kPurposeNotInForceAtCollection);
}

// CU01: "Only data relevant to a declared purpose is collected; a write for no declared purpose
// is refused."
TEST_F(CustomerTrackrVault, CU01_OnlyDataForADeclaredPurposeThatUsesItIsCollected) {
  const CompiledPolicy& policy = compiled();
  int accepted = 0;
  // Named data and cookie data on subjects of their own (never together, CU04).
  for (const bool pseudonymous : {false, true}) {
    SCOPED_TRACE(pseudonymous ? "pseudonymous" : "named");
    const uint64_t id = NewSubject({.kind = pseudonymous ? "visitor" : "user"});
    std::set<std::string> stored;
    for (const Category& category : policy.policy().categories) {
      if (category.pseudonymous_identifier != pseudonymous) continue;
      const std::string value = SampleValue(category);
      const FieldInput field{.category = category.id, .value = value};
      // No purpose, or one the policy does not declare: refused.
      EXPECT_THAT(vault().Write({.subject_id = id, .purposes = {}, .fields = {field}}),
                  ::privet::testing::Refused(Reason::kPurposeRequired))
          << category.id;
      for (const char* undeclared : {"marketing", "advertising", "research", "sale.list"}) {
        ASSERT_FALSE(policy.FindPurpose(undeclared).has_value()) << undeclared;
        EXPECT_THAT(vault().Write({.subject_id = id, .purposes = {undeclared}, .fields = {field}}),
                    ::privet::testing::Refused(Reason::kUnknownPurpose))
            << category.id << " " << undeclared;
      }
      // Each declared purpose takes it exactly when the policy lets that purpose use it.
      for (const Purpose& purpose : policy.policy().purposes) {
        std::vector<std::string> relevant;
        for (const Category* c : CategoriesFor(purpose.id, pseudonymous)) relevant.push_back(c->id);
        const bool uses =
            !purpose.prohibited && std::count(relevant.begin(), relevant.end(), category.id);
        auto written =
            vault().Write({.subject_id = id, .purposes = {purpose.id}, .fields = {field}});
        if (uses) {
          EXPECT_THAT(written, ::privet::testing::IsOk()) << category.id << " " << purpose.id;
          if (written.ok()) stored.insert(value);
        } else {
          EXPECT_THAT(written, ::privet::testing::StatusIs(StatusCode::kPermissionDenied))
              << category.id << " for " << purpose.id << " is collected";
        }
      }
    }
    // What the vault holds is exactly what was accepted: every purpose's reads together.
    std::set<std::string> held;
    for (const Purpose& purpose : policy.policy().purposes) {
      if (purpose.prohibited) continue;
      auto read = vault().Read(Principal::Service(), id, purpose.id);
      ASSERT_THAT(read, ::privet::testing::IsOk()) << purpose.id;
      for (const FieldValue& f : read->fields) held.insert(f.value);
    }
    EXPECT_EQ(held, stored);
    accepted += static_cast<int>(stored.size());
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace privet
