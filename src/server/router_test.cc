#include "server/router.h"

#include <gtest/gtest.h>

#include "server/json_io.h"

namespace privet::server {
namespace {

using Outcome = RouteMatch::Outcome;

Router Table() {
  Router r;
  r.Add("GET", "/v1/subjects/{id}", {});
  r.Add("DELETE", "/v1/subjects/{id}", {});
  r.Add("POST", "/v1/subjects", {});
  r.Add("GET", "/v1/subjects/{id}/fields", {});
  r.Add("PUT", "/v1/subjects/{id}/fields/{field_id}", {});
  r.Add("GET", "/v1/audit/tree-head", {});
  r.Add("GET", "/v1/audit/{thing}", {});
  return r;
}

TEST(Router, MatchesPatternsAndBindsParameters) {
  Router r = Table();
  RouteMatch m = r.Match("PUT", "/v1/subjects/42/fields/7");
  ASSERT_EQ(m.outcome, Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/v1/subjects/{id}/fields/{field_id}");
  EXPECT_EQ(m.params.at("id"), "42");
  EXPECT_EQ(m.params.at("field_id"), "7");
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router r = Table();
  EXPECT_EQ(r.Match("GET", "/v1/audit/tree-head").route->pattern, "/v1/audit/tree-head");
  EXPECT_EQ(r.Match("GET", "/v1/audit/proof").route->pattern, "/v1/audit/{thing}");
}

TEST(Router, UnknownPathsAre404AndOtherMethods405WithAllow) {
  Router r = Table();
  EXPECT_EQ(r.Match("GET", "/v1/nothing").outcome, Outcome::kNotFound);
  EXPECT_EQ(r.Match("GET", "/v1/subjects/").outcome, Outcome::kNotFound);  // empty parameter
  EXPECT_EQ(r.Match("GET", "/v1/subjects/1/fields/2/x").outcome, Outcome::kNotFound);
  RouteMatch m = r.Match("POST", "/v1/subjects/1");
  ASSERT_EQ(m.outcome, Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
}

// Issue 15: the path was decoded before it was split, so "/v1/subjects/1%2Ffields" reached the
// fields route. Segments are split on the slashes sent as slashes, then decoded.
TEST(Router, AnEncodedSlashNeverSeparatesSegments) {
  Router r = Table();
  RouteMatch m = r.Match("GET", "/v1/subjects/1%2Ffields");
  ASSERT_EQ(m.outcome, Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/v1/subjects/{id}");
  EXPECT_EQ(m.params.at("id"), "1/fields");
  EXPECT_EQ(r.Match("GET", "/v1%2Fsubjects/1").outcome, Outcome::kNotFound);
  EXPECT_EQ(r.Match("GET", "/v1/subjects/1%2ffields/2").outcome, Outcome::kNotFound);
  // Other escapes are decoded within their segment, literals included.
  RouteMatch encoded = r.Match("GET", "/v1/%73ubjects/%34%32/fields");
  ASSERT_EQ(encoded.outcome, Outcome::kFound);
  EXPECT_EQ(encoded.route->pattern, "/v1/subjects/{id}/fields");
  EXPECT_EQ(encoded.params.at("id"), "42");
  EXPECT_EQ(r.Match("GET", "/v1/subjects/%4").outcome, Outcome::kNotFound);  // a bad escape
}

// Found by fuzz/json_body_fuzz.cc: a path without its leading slash matched as if it had one.
TEST(Router, APathWithoutItsLeadingSlashMatchesNothing) {
  Router r = Table();
  EXPECT_EQ(r.Match("GET", "v1/subjects/7").outcome, Outcome::kNotFound);
  EXPECT_EQ(r.Match("GET", "").outcome, Outcome::kNotFound);
  EXPECT_EQ(r.Match("GET", "/v1/subjects/7").outcome, Outcome::kFound);
}

TEST(JsonIo, BodiesAreStrict) {
  EXPECT_EQ(ParseObject("[1]", {"a"}).status().field(), "body");
  EXPECT_EQ(ParseObject("{\"a\":1", {"a"}).status().field(), "body");
  EXPECT_EQ(ParseObject("{\"b\":1}", {"a"}).status().field(), "b");
  // An unknown name longer than any name is not echoed back whole.
  const std::string long_name = "{\"" + std::string(kMaxTextBytes + 1, 'n') + "\":1}";
  EXPECT_EQ(ParseObject(long_name, {"a"}).status().field(), "body");
  auto ok = ParseObject("{\"a\":\"x\"}", {"a"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((Field{*ok, ""}.Int("a").status().field()), "a");
  EXPECT_EQ(ParseId("12x", "id").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseId("18446744073709551615", "id"), 18446744073709551615u);
  EXPECT_EQ(ParseId("18446744073709551616", "id").status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonIo, ErrorsCarryCodeFieldAndReason) {
  HttpResponse r = ErrorResponse(
      PermissionDenied(Reason::kNotNeedToKnow, "the role does not cover it", "purpose"));
  EXPECT_EQ(r.status, 403);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "PERMISSION_DENIED");
  EXPECT_EQ(j["error"]["reason"], "not_need_to_know");
  EXPECT_EQ(j["error"]["field"], "purpose");
  EXPECT_TRUE(Json::parse(ErrorResponse(NotFound("x")).body)["error"]["field"].is_null());
}

}  // namespace
}  // namespace privet::server
