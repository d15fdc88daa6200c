// Confect promises the vault keeps (policies/confect.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::privet::testing::IsOk;
using ::privet::testing::Refused;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfectVault : public testing::VaultTest {
 protected:
  ConfectVault() : VaultTest("policies/confect.yaml") {}

  static constexpr uint64_t kCustomer = 5;  // a customer Confect processes data for (CF04)

  // A subject holding one value of every category `purpose` may use (named or pseudonymous),
  // collected for it after the subject's choice where it needs one; 0 when there is none. Data
  // processed for a customer is filed and written by that customer.
  uint64_t SubjectHoldingAllOf(const std::string& purpose, bool pseudonymous) {
    const std::vector<const Category*> categories = CategoriesFor(purpose, pseudonymous);
    if (categories.empty()) return 0;
    const bool processor = compiled().purpose(*compiled().FindPurpose(purpose)).processor;
    const Principal by = processor ? Principal::Tenant(kCustomer) : Principal::Service();
    const uint64_t id =
        NewSubject({.kind = "customer", .tenant_id = processor ? kCustomer : 0, .principal = by});
    EXPECT_THAT(ChooseIfNeeded(id, purpose), IsOk());
    for (const Category* c : categories) {
      EXPECT_THAT(vault().Write({.principal = by,
                                 .subject_id = id,
                                 .purposes = {purpose},
                                 .fields = {{.category = c->id, .value = SampleValue(*c)}}}),
                  IsOk())
          << purpose << " " << c->id;
    }
    return id;
  }
  Principal ReaderOf(const std::string& purpose) const {
    return compiled().purpose(*compiled().FindPurpose(purpose)).processor
               ? Principal::Tenant(kCustomer)
               : Principal::Service();
  }
};

TEST_F(ConfectVault, CF01_SpecialCategoryDataIsRefusedAtWriteTime) {
  const uint64_t id = NewSubject({.kind = "customer"});
  for (const char* category :
       {"user.special.health", "user.special.religious_belief", "user.special.trade_union"}) {
    for (const char* purpose : {"purchase", "support", "marketing"}) {
      auto r = vault().Write({.subject_id = id,
                              .purposes = {purpose},
                              .fields = {{.category = category, .value = "sensitive"}}});
      EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << category << " " << purpose;
    }
  }
  auto special = vault().Write({.subject_id = id,
                                .purposes = {"purchase"},
                                .fields = {{.category = "user.special.health", .value = "x"}}});
  EXPECT_THAT(special, ::privet::testing::Refused(Reason::kSpecialCategoryRefused));
  // The basic personal data the policy lists is accepted.
  EXPECT_TRUE(vault()
                  .Write({.subject_id = id,
                          .purposes = {"purchase"},
                          .fields = {{.category = "user.name", .value = "Sam"},
                                     {.category = "user.contact.email", .value = "sam@example.com"},
                                     {.category = "user.account.username", .value = "sam"}}})
                  .ok());
}

TEST_F(ConfectVault, CF02_EachDatumRecordsHowItWasCollected) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const std::vector<DataSource> sources = {DataSource::kSubject,      DataSource::kConnectedPerson,
                                           DataSource::kAggregator,   DataSource::kPartner,
                                           DataSource::kPublicSource, DataSource::kSocialNetwork};
  std::vector<FieldInput> fields;
  for (DataSource s : sources)
    fields.push_back(
        {.category = "user.name", .value = std::string(DataSourceName(s)), .source = s});
  ASSERT_TRUE(vault().Write({.subject_id = id, .purposes = {"purchase"}, .fields = fields}).ok());

  const uint64_t visitor = NewSubject({.kind = "visitor"});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = visitor,
                          .purposes = {"support.improvement"},
                          .fields = {{.category = "user.device.cookie_id",
                                      .value = "c-123",
                                      .source = DataSource::kCookies}}})
                  .ok());

  auto read = vault().Read(Principal::Service(), id, "purchase");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), sources.size());
  std::set<DataSource> seen;
  for (const FieldValue& f : read->fields) {
    EXPECT_EQ(f.value, DataSourceName(f.source));  // each value was written with its own source
    seen.insert(f.source);
  }
  EXPECT_EQ(seen, std::set<DataSource>(sources.begin(), sources.end()));
  auto cookies = vault().Read(Principal::Service(), visitor, "support.improvement");
  ASSERT_TRUE(cookies.ok());
  ASSERT_EQ(cookies->fields.size(), 1u);
  EXPECT_EQ(cookies->fields[0].source, DataSource::kCookies);
}

// The profile: the interest profile derived for profiling and the inputs collected for nothing
// else. Inputs also held for another purpose stay, and so does everything else.
TEST_F(ConfectVault, CF07_ForumPostsAreVisibleToForumUsersAndNothingElseIs) {
  const Purpose* forum = nullptr;
  for (const Purpose& p : compiled().policy().purposes)
    if (!p.shown_to_subjects.empty()) forum = &p;
  ASSERT_NE(forum, nullptr) << "the policy shows no purpose's data to subjects";
  ASSERT_FALSE(forum->categories.empty());
  const std::string post_category = forum->categories.front();
  const uint64_t author = NewSubject({.kind = "customer"});
  ASSERT_TRUE(
      vault()
          .Write({.principal = Principal::Subject(author),
                  .subject_id = author,
                  .purposes = {forum->id},
                  .fields = {{.category = post_category, .value = "How do I export a report?"}}})
          .ok());
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = author,
                  .purposes = {"purchase"},
                  .fields = {{.category = "user.contact.email", .value = "author@example.com"}}})
          .ok());
  // Every other subject of a kind the forum is shown to reads the post, and only the post: the
  // rest of the author's record is not even named as withheld.
  for (const SubjectKind& kind : compiled().policy().subject_kinds) {
    const uint64_t reader = NewSubject({.kind = kind.id, .age_years = 30});
    auto read = vault().Read(Principal::Subject(reader), author, forum->id);
    const bool shown =
        std::count(forum->shown_to_subjects.begin(), forum->shown_to_subjects.end(), kind.id) > 0;
    if (!shown) {
      EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied) << kind.id;
      continue;
    }
    ASSERT_TRUE(read.ok()) << kind.id << ": " << read.status().ToString();
    ASSERT_EQ(read->fields.size(), 1u) << kind.id;
    EXPECT_EQ(read->fields[0].category, post_category);
    EXPECT_EQ(read->fields[0].value, "How do I export a report?");
    EXPECT_THAT(read->withheld, IsEmpty()) << kind.id;
    // For any other purpose the author's record stays the author's.
    for (const Purpose& other : compiled().policy().purposes) {
      if (!other.shown_to_subjects.empty()) continue;
      auto refused = vault().Read(Principal::Subject(reader), author, other.id);
      EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied)
          << kind.id << " " << other.id;
    }
  }
  // The forum is legitimate interests: once the author objects, the post is shown to no one.
  const uint64_t reader = NewSubject({.kind = forum->shown_to_subjects.front(), .age_years = 30});
  ASSERT_TRUE(
      vault().RecordConsent(author, {.purpose = forum->id, .action = ConsentAction::kObject}).ok());
  auto after = vault().Read(Principal::Subject(reader), author, forum->id);
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->fields, IsEmpty());
}

TEST_F(ConfectVault, CF15_EndingProfilingDeletesTheProfileWithTheChoice) {
  struct Ending {
    std::string purpose;
    ConsentAction action;
    ConsentSource source;
  };
  for (const Ending& ending :
       {Ending{"marketing.profiling", ConsentAction::kOptOut, ConsentSource::kGpc},
        Ending{"marketing.profiling", ConsentAction::kOptOut, ConsentSource::kForm},
        Ending{"marketing", ConsentAction::kObject, ConsentSource::kForm}}) {
    SCOPED_TRACE(ending.purpose + " " + std::string(ConsentActionName(ending.action)));
    const uint64_t id = NewSubject({.kind = "customer"});
    ASSERT_TRUE(vault()
                    .Write({.subject_id = id,
                            .purposes = {"marketing.profiling"},
                            .fields = {{.category = "user.behavior.clicks",
                                        .value = "webinar:pricing",
                                        .source = DataSource::kCookies},
                                       {.category = "user.derived.interest_profile",
                                        .value = "buyer:pricing",
                                        .source = DataSource::kDerived}}})
                    .ok());
    ASSERT_TRUE(
        vault()
            .Write({.subject_id = id,
                    .purposes = {"marketing.content", "marketing.profiling"},
                    .fields = {{.category = "user.behavior.clicks", .value = "download:report"}}})
            .ok());
    ASSERT_TRUE(vault()
                    .Write({.subject_id = id,
                            .purposes = {"purchase"},
                            .fields = {{.category = "user.name", .value = "Sam"}}})
                    .ok());
    auto profiled = vault().Read(Principal::Service(), id, "marketing.profiling");
    ASSERT_TRUE(profiled.ok());
    ASSERT_EQ(profiled->fields.size(), 3u);

    ASSERT_TRUE(
        vault()
            .RecordConsent(
                id, {.purpose = ending.purpose, .action = ending.action, .source = ending.source})
            .ok());
    // Profiling stops ...
    auto stopped = vault().Read(Principal::Service(), id, "marketing.profiling");
    ASSERT_TRUE(stopped.ok());
    EXPECT_THAT(stopped->fields, IsEmpty());
    // ... and the profile is gone, not hidden: taking the choice back does not bring it back.
    const ConsentAction undo = ending.action == ConsentAction::kObject
                                   ? ConsentAction::kWithdrawObjection
                                   : ConsentAction::kUndoOptOut;
    ASSERT_TRUE(vault().RecordConsent(id, {.purpose = ending.purpose, .action = undo}).ok());
    auto after = vault().Read(Principal::Service(), id, "marketing.profiling");
    ASSERT_TRUE(after.ok());
    std::vector<std::string> left;
    for (const FieldValue& f : after->fields) left.push_back(f.value);
    EXPECT_EQ(left, std::vector<std::string>{"download:report"});
    // Data held for other purposes stays.
    auto purchase = vault().Read(Principal::Service(), id, "purchase");
    ASSERT_TRUE(purchase.ok());
    EXPECT_EQ(purchase->fields.size(), 1u);
  }
}

TEST_F(ConfectVault, CF15_ChoicesAboutOtherPurposesLeaveTheProfile) {
  const uint64_t id = NewSubject({.kind = "customer"});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = id,
                          .purposes = {"marketing.profiling"},
                          .fields = {{.category = "user.derived.interest_profile",
                                      .value = "buyer:pricing",
                                      .source = DataSource::kDerived}}})
                  .ok());
  ASSERT_TRUE(
      vault()
          .RecordConsent(id, {.purpose = "marketing.email", .action = ConsentAction::kWithdraw})
          .ok());
  auto read = vault().Read(Principal::Service(), id, "marketing.profiling");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->fields.size(), 1u);
}

// CF03: "Purposes: purchase and delivery, support and improvement, security, marketing,
// recruitment; nothing else."
TEST_F(ConfectVault, CF03_EveryDeclaredPurposeServesItsDataAndNothingElseIsUsable) {
  int checked = 0;
  for (const Purpose& declared : compiled().policy().purposes) {
    SCOPED_TRACE(declared.id);
    for (const bool pseudonymous : {false, true}) {
      const uint64_t id = SubjectHoldingAllOf(declared.id, pseudonymous);
      if (id == 0) continue;
      auto read = vault().Read(ReaderOf(declared.id), id, declared.id);
      ASSERT_THAT(read, IsOk());
      EXPECT_THAT(read->withheld, IsEmpty());
      EXPECT_EQ(read->fields.size(), CategoriesFor(declared.id, pseudonymous).size());
      // Nothing else: a purpose the policy does not declare is refused, to read or to write.
      for (const char* other : {"sale", "advertising", "analytics", "research", "profiling"}) {
        ASSERT_FALSE(compiled().FindPurpose(other).has_value()) << other;
        EXPECT_THAT(vault().Read(ReaderOf(declared.id), id, other),
                    Refused(Reason::kUnknownPurpose))
            << other;
        EXPECT_THAT(
            vault().Write({.principal = ReaderOf(declared.id),
                           .subject_id = id,
                           .purposes = {other},
                           .fields = {{.category = read->fields.at(0).category, .value = "x"}}}),
            Refused(Reason::kUnknownPurpose))
            << other;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

// CF05: "Legal bases: agreement (including before a contract, e.g. job applications), consent
// (withdrawable at any time, effective immediately), legitimate interest (security, support,
// improvement, business contacts, webinars, downloads, forum, direct marketing)."
TEST_F(ConfectVault, CF05_EachPurposeRestsOnItsBasisAndConsentEndsAtOnce) {
  int by_basis[3] = {0, 0, 0};
  for (const Purpose& declared : compiled().policy().purposes) {
    SCOPED_TRACE(declared.id);
    const CompiledPurpose& purpose = compiled().purpose(*compiled().FindPurpose(declared.id));
    for (const bool pseudonymous : {false, true}) {
      if (CategoriesFor(declared.id, pseudonymous).empty()) continue;
      // Each datum is used under the purpose's basis, the agreement needing no contract yet and
      // legitimate interests no choice of the subject.
      const uint64_t id = SubjectHoldingAllOf(declared.id, pseudonymous);
      auto read = vault().Read(ReaderOf(declared.id), id, declared.id);
      ASSERT_THAT(read, IsOk());
      ASSERT_FALSE(read->fields.empty());
      for (const FieldValue& f : read->fields) EXPECT_EQ(f.basis, purpose.basis) << f.category;
      if (purpose.basis == LegalBasis::kContract) ++by_basis[0];
      if (purpose.basis == LegalBasis::kLegitimateInterests) ++by_basis[1];
      if (purpose.basis != LegalBasis::kConsent) continue;
      ++by_basis[2];
      // Consent: nothing is collected without it, and its withdrawal takes effect at once.
      const uint64_t declined = NewSubject({.kind = "customer"});
      EXPECT_THAT(vault().Write({.subject_id = declined,
                                 .purposes = {declared.id},
                                 .fields = {{.category = read->fields[0].category, .value = "x"}}}),
                  Refused(Reason::kNoConsent));
      ConsentChange withdraw{.purpose = declared.id, .action = ConsentAction::kWithdraw};
      for (const MarketingChannel& ch : compiled().policy().marketing_channels)
        if (ch.purpose == declared.id)
          withdraw = {.channel = ch.id, .action = ConsentAction::kWithdraw};
      ASSERT_THAT(vault().RecordConsent(id, withdraw), IsOk());
      auto after = vault().Read(ReaderOf(declared.id), id, declared.id);
      ASSERT_THAT(after, IsOk());
      EXPECT_THAT(after->fields, IsEmpty());
    }
  }
  // The three bases the statement names are all in use.
  EXPECT_GT(by_basis[0], 0);
  EXPECT_GT(by_basis[1], 0);
  EXPECT_GT(by_basis[2], 0);
  // Before a contract: an applicant with no contract and no choice recorded applies for a job,
  // under the agreement.
  const Feature* apply = nullptr;
  for (const Feature& f : compiled().policy().features)
    if (f.id == "job_application") apply = &f;
  ASSERT_NE(apply, nullptr);
  const uint64_t applicant = NewSubject({.kind = "applicant"});
  std::vector<FieldInput> application;
  for (const std::string& c : apply->requires_categories)
    application.push_back(
        {.category = c, .value = SampleValue(compiled().category(*compiled().FindCategory(c)))});
  ASSERT_THAT(vault().Write({.subject_id = applicant,
                             .purposes = {apply->purpose},
                             .fields = application,
                             .feature = apply->id}),
              IsOk());
  auto read = vault().Read(Principal::Service(), applicant, apply->purpose);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->fields.size(), application.size());
  for (const FieldValue& f : read->fields) EXPECT_EQ(f.basis, LegalBasis::kContract) << f.category;
}

// CF16: "After a marketing opt-out, administrative messages (order confirmations, account
// notices) still go out; marketing messages do not."
TEST_F(ConfectVault, CF16_AfterAMarketingOptOutOnlyAdministrativeMessagesGoOut) {
  const std::string kAdministrative = "purchase.administrative";
  const std::string kMarketing = "marketing";
  std::vector<std::string> marketing;  // the marketing purpose and everything under it
  for (const Purpose& p : compiled().policy().purposes)
    if (p.id == kMarketing || p.id.rfind(kMarketing + ".", 0) == 0) marketing.push_back(p.id);
  ASSERT_GT(marketing.size(), 1u);
  const uint64_t id = NewSubject({.kind = "customer"});
  ASSERT_THAT(
      vault().Write({.subject_id = id,
                     .purposes = {kAdministrative},
                     .fields = {{.category = "user.contact.email", .value = "sam@example.com"}}}),
      IsOk());
  // Every marketing purpose holds the subject's named data, with each choice it needs given.
  for (const std::string& p : marketing) {
    ASSERT_THAT(ChooseIfNeeded(id, p), IsOk());
    for (const Category* c : CategoriesFor(p, false)) {
      ASSERT_THAT(vault().Write({.subject_id = id,
                                 .purposes = {p},
                                 .fields = {{.category = c->id, .value = SampleValue(*c)}}}),
                  IsOk())
          << p << " " << c->id;
    }
    EXPECT_THAT(ValuesFor(id, p), ::testing::Not(IsEmpty())) << p;
  }
  // The subject opts out of marketing.
  ASSERT_THAT(vault().RecordConsent(id, {.purpose = kMarketing, .action = ConsentAction::kOptOut}),
              IsOk());
  for (const bool reopened : {false, true}) {
    if (reopened) Reopen();
    // Administrative messages still reach the address ...
    EXPECT_THAT(ValuesFor(id, kAdministrative), ::testing::ElementsAre("sam@example.com"));
    // ... marketing ones do not: no marketing purpose reads anything, nor does any recipient
    // receive anything for one.
    for (const std::string& p : marketing) {
      EXPECT_THAT(ValuesFor(id, p), IsEmpty()) << p;
      for (const Recipient& r : compiled().policy().recipients) {
        auto sent = vault().Disclose({.recipient = r.id,
                                      .subject_id = id,
                                      .categories = {"user.name", "user.contact.email"},
                                      .purpose = p});
        if (sent.ok()) {
          EXPECT_THAT(sent->released, IsEmpty()) << p << " " << r.id;
        }
      }
    }
  }
}

}  // namespace
}  // namespace privet
