// CF07 over HTTP: a forum user, signed in with their own session, reads another user's forum
// posts, and nothing else of that user's record; their privacy signals stay their own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kPassword[] = "correct horse battery staple";

class ShownData : public ServerTest {
 protected:
  void SetUp() override {
    Start("policies/confect.yaml");
    service_ = Key("service");
    for (const Purpose& p : policy_->policy().purposes)
      if (!p.shown_to_subjects.empty()) forum_ = &p;
    ASSERT_NE(forum_, nullptr);
    author_ = NewSubject({{"kind", "customer"}}, service_);
    reader_ =
        NewSubject({{"kind", forum_->shown_to_subjects.front()}, {"age_years", 30}}, service_);
    ASSERT_EQ(Write(author_, forum_->id, forum_->categories.front(), "How do I export a report?"),
              201);
    ASSERT_EQ(Write(author_, "purchase", "user.contact.email", "author@example.com"), 201);
    ASSERT_EQ(Write(reader_, "purchase", "user.contact.email", "reader@example.com"), 201);
    ASSERT_EQ(client()
                  .Send("PUT", "/v1/subjects/" + reader_ + "/password",
                        Json{{"password", kPassword}}.dump(), service_)
                  .status,
              204);
    HttpReply login = client().Post("/v1/sessions",
                                    {{"email", "reader@example.com"}, {"password", kPassword}}, "");
    ASSERT_EQ(login.status, 201) << login.body;
    session_ = login.json()["token"];
  }
  int Write(const std::string& id, const std::string& purpose, const std::string& category,
            const std::string& value) {
    return client()
        .Post("/v1/subjects/" + id + "/fields",
              {{"purposes", {purpose}}, {"fields", {{{"category", category}, {"value", value}}}}},
              service_)
        .status;
  }
  std::string service_, author_, reader_, session_;
  const Purpose* forum_ = nullptr;
};

TEST_F(ShownData, CF07_AForumUserReadsAnotherUsersPostsAndNothingElse) {
  HttpReply posts =
      client().Get("/v1/subjects/" + author_ + "/fields?purpose=" + forum_->id, session_);
  ASSERT_EQ(posts.status, 200) << posts.body;
  const Json body = posts.json();
  ASSERT_EQ(body["fields"].size(), 1u) << posts.body;
  EXPECT_EQ(body["fields"][0]["value"], "How do I export a report?");
  EXPECT_TRUE(body["withheld"].empty()) << posts.body;
  EXPECT_THAT(posts.body, Not(HasSubstr("author@example.com")));
  // The rest of the author's record stays the author's.
  for (const Purpose& other : policy_->policy().purposes) {
    if (!other.shown_to_subjects.empty()) continue;
    HttpReply refused =
        client().Get("/v1/subjects/" + author_ + "/fields?purpose=" + other.id, session_);
    EXPECT_EQ(refused.status, 403) << other.id << " " << refused.body;
    EXPECT_THAT(refused.body, Not(HasSubstr("author@example.com")));
  }
  EXPECT_EQ(client().Get("/v1/subjects/" + author_, session_).status, 403);
  EXPECT_EQ(client().Get("/v1/subjects/" + author_ + "/consents", session_).status, 403);
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + author_ + "/fields",
                      {{"purposes", {forum_->id}},
                       {"fields", {{{"category", forum_->categories.front()}, {"value", "spam"}}}}},
                      session_)
                .status,
            403);
}

TEST_F(ShownData, CF07_AReadersPrivacySignalIsTheirsNotTheAuthors) {
  HttpReply posts = client().Get("/v1/subjects/" + author_ + "/fields?purpose=" + forum_->id,
                                 session_, {{"Sec-GPC", "1"}});
  ASSERT_EQ(posts.status, 200) << posts.body;
  HttpReply author_ledger = client().Get("/v1/subjects/" + author_ + "/consents", service_);
  ASSERT_EQ(author_ledger.status, 200);
  EXPECT_THAT(author_ledger.body, Not(HasSubstr("gpc")));
  HttpReply reader_ledger = client().Get("/v1/subjects/" + reader_ + "/consents", service_);
  ASSERT_EQ(reader_ledger.status, 200);
  EXPECT_THAT(reader_ledger.body, HasSubstr("gpc"));
}

TEST_F(ShownData, ARefusedReadRecordsNoSignal) {
  // A location on another subject's record is refused (400) before anything is recorded.
  HttpReply refused =
      client().Get("/v1/subjects/" + author_ + "/fields?purpose=" + forum_->id, session_,
                   {{"Sec-GPC", "1"}, {"Privet-Location", "52.52,13.40"}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  HttpReply reader_ledger = client().Get("/v1/subjects/" + reader_ + "/consents", service_);
  ASSERT_EQ(reader_ledger.status, 200);
  EXPECT_THAT(reader_ledger.body, Not(HasSubstr("gpc")));
}

}  // namespace
}  // namespace privet::testing
