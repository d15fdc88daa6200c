// POST and GET /v1/policy/versions: who may publish, and refusals that change nothing.
#include "testing/policy_versions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/server_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using testing::HttpReply;

class PolicyVersionsRoutes : public testing::ServerTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Start("policies/starter.yaml")); }
  CivilDay Today() const { return CivilDayOf(clock_.Now()); }
  CivilDay InDays(int n) const { return AddPeriod(Today(), {.count = n, .unit = TimeUnit::kDays}); }
  std::string Next(CivilDay effective, int version = 2) const {
    return testing::VersionText(policy_text_, version, effective);
  }
  nlohmann::json Versions() {
    HttpReply r = client().Get("/v1/policy/versions", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
};

TEST_F(PolicyVersionsRoutes, OnlyTheAdminPublishes) {
  for (const char* principal : {"service", "staff:support"}) {
    HttpReply r = client().Post("/v1/policy/versions", {{"policy", Next(Today())}}, Key(principal));
    EXPECT_EQ(r.status, 403) << principal << " " << r.body;
  }
  EXPECT_EQ(client().Post("/v1/policy/versions", {{"policy", Next(Today())}}, "").status, 401);
  EXPECT_EQ(Versions()["versions"].size(), 1u);

  HttpReply r = client().Post("/v1/policy/versions", {{"policy", Next(Today())}}, admin());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().value("version", 0), 2);
  EXPECT_EQ(r.json().value("classification", ""), "non_material");
  EXPECT_EQ(r.json().value("effective", ""), DayString(Today()));
  EXPECT_EQ(r.json().value("published_by", ""), "admin");
  nlohmann::json listed = Versions();
  ASSERT_EQ(listed["versions"].size(), 2u);
  EXPECT_EQ(listed["versions"][0].value("classification", ""), "initial");
  EXPECT_EQ(listed["in_force"], 1);
  EXPECT_EQ(listed["due"], 2);  // effective today: the server is to be restarted with it
  // A service key may read the list.
  EXPECT_EQ(client().Get("/v1/policy/versions", Key("service")).status, 200);
}

TEST_F(PolicyVersionsRoutes, RefusalsAreClearAndChangeNothing) {
  const nlohmann::json before = Versions();
  auto post = [&](const nlohmann::json& body) {
    return client().Post("/v1/policy/versions", body, admin());
  };
  HttpReply unparsable = post({{"policy", "version: [unclosed"}});
  EXPECT_EQ(unparsable.status, 400) << unparsable.body;
  EXPECT_EQ(unparsable.json()["error"].value("field", ""), "policy");
  HttpReply skipped = post({{"policy", Next(InDays(60), 3)}});
  EXPECT_EQ(skipped.status, 400);
  EXPECT_EQ(skipped.json()["error"].value("field", ""), "version");
  HttpReply bad_date = post({{"policy", Next(InDays(60))}, {"effective", "next week"}});
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_EQ(bad_date.json()["error"].value("field", ""), "effective");
  EXPECT_EQ(post({{"policy", Next(InDays(60))}, {"extra", 1}}).status, 400);
  EXPECT_EQ(post(nlohmann::json::object()).status, 400);
  // A material change (a new purpose) sooner than the advance notice: 409 naming the date.
  const std::string material =
      testing::VersionText(policy_text_, 2, InDays(1),
                           "  - id: service.recommendations\n    description: Recommendations\n"
                           "    since_version: 2\n");
  HttpReply too_soon = post({{"policy", material}});
  EXPECT_EQ(too_soon.status, 409) << too_soon.body;
  EXPECT_THAT(too_soon.json()["error"].value("message", ""),
              HasSubstr(DayString(AddPeriod(Today(), *policy_->policy().changes.advance_notice))));
  EXPECT_EQ(Versions(), before);
  // --effective overrides the file's date, and then it is accepted.
  HttpReply later = post({{"policy", material}, {"effective", DayString(InDays(30))}});
  EXPECT_EQ(later.status, 201) << later.body;
  EXPECT_EQ(later.json().value("classification", ""), "material");
}

TEST_F(PolicyVersionsRoutes, TheNoticeAnnouncesTheNextVersionAndListsEarlierOnes) {
  ASSERT_EQ(client().Post("/v1/policy/versions", {{"policy", Next(InDays(5))}}, admin()).status,
            201);
  HttpReply notice = client().Get("/privacy");
  ASSERT_EQ(notice.status, 200);
  EXPECT_THAT(notice.body, HasSubstr("takes effect on " + DayString(InDays(5))));
  EXPECT_THAT(notice.body, HasSubstr("Coming into effect"));
}

}  // namespace
}  // namespace privet
