// Confect promises the vault keeps (policies/confect.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfectVault : public testing::VaultTest {
 protected:
  ConfectVault() : VaultTest("policies/confect.yaml") {}
};

TEST_F(ConfectVault, CF01_SpecialCategoryDataIsRefusedAtWriteTime) {
  const uint64_t id = NewSubject({.kind = "customer"});
  for (const char* category : {"user.special.health", "user.special.religious_belief",
                               "user.special.trade_union"}) {
    for (const char* purpose : {"purchase", "support", "marketing"}) {
      auto r = vault().Write({.subject_id = id, .purposes = {purpose},
                              .fields = {{.category = category, .value = "sensitive"}}});
      EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << category << " " << purpose;
    }
  }
  auto special = vault().Write({.subject_id = id, .purposes = {"purchase"},
                                .fields = {{.category = "user.special.health", .value = "x"}}});
  EXPECT_THAT(special, ::privet::testing::Refused(Reason::kSpecialCategoryRefused));
  // The basic personal data the policy lists is accepted.
  EXPECT_TRUE(vault()
                  .Write({.subject_id = id, .purposes = {"purchase"},
                          .fields = {{.category = "user.name", .value = "Sam"},
                                     {.category = "user.contact.email", .value = "sam@example.com"},
                                     {.category = "user.account.username", .value = "sam"}}})
                  .ok());
}

TEST_F(ConfectVault, CF02_EachDatumRecordsHowItWasCollected) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const std::vector<DataSource> sources = {DataSource::kSubject,     DataSource::kConnectedPerson,
                                           DataSource::kAggregator,  DataSource::kPartner,
                                           DataSource::kPublicSource, DataSource::kSocialNetwork};
  std::vector<FieldInput> fields;
  for (DataSource s : sources)
    fields.push_back({.category = "user.name", .value = std::string(DataSourceName(s)), .source = s});
  ASSERT_TRUE(vault().Write({.subject_id = id, .purposes = {"purchase"}, .fields = fields}).ok());

  const uint64_t visitor = NewSubject({.kind = "visitor"});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = visitor, .purposes = {"support.improvement"},
                          .fields = {{.category = "user.device.cookie_id", .value = "c-123",
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

}  // namespace
}  // namespace privet
