// api/openapi.yaml and the server agree: every route in the spec is served, and every route
// served is in the spec, with the same methods. Also checks that the spec is a well-formed
// OpenAPI 3.1 document whose operations all list their responses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <utility>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

std::set<std::pair<std::string, std::string>> SpecRoutes(const YAML::Node& spec) {
  static const std::set<std::string> kMethods = {"get", "post", "put", "delete", "patch", "head", "options"};
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& path : spec["paths"]) {
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (!kMethods.count(method)) continue;  // "parameters", "summary", ...
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.emplace(method, path.first.as<std::string>());
    }
  }
  return out;
}

class OpenApi : public ServerTest {
 protected:
  void SetUp() override { Start("policies/starter.yaml"); }
};

TEST_F(OpenApi, EveryRouteInTheSpecIsServedAndEveryServedRouteIsInTheSpec) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  ASSERT_EQ(spec["openapi"].as<std::string>(), "3.1.0");
  std::set<std::pair<std::string, std::string>> documented = SpecRoutes(spec);
  std::set<std::pair<std::string, std::string>> served;
  for (const RouteInfo& r : server().routes()) served.emplace(r.method, r.pattern);
  for (const auto& r : documented) EXPECT_TRUE(served.count(r)) << "documented, not served: " << r.first << " " << r.second;
  for (const auto& r : served) EXPECT_TRUE(documented.count(r)) << "served, not documented: " << r.first << " " << r.second;
}

TEST_F(OpenApi, EveryDocumentedRouteAnswersOverHttpAndNoneIs404) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  for (const auto& [method, pattern] : SpecRoutes(spec)) {
    std::string target = pattern;
    for (const char* param : {"{id}", "{field_id}", "{key_id}"}) {
      for (size_t at; (at = target.find(param)) != std::string::npos;) target.replace(at, std::string(param).size(), "1");
    }
    HttpReply r = client().Send(method, target, "", "");
    EXPECT_NE(r.status, 404) << method << " " << target;
    EXPECT_NE(r.status, 405) << method << " " << target;
    // Public routes answer; the others want a key.
    const bool is_public = pattern == "/healthz" || pattern == "/.well-known/gpc.json" ||
                           pattern == "/privacy" || pattern == "/v1/sessions";
    if (is_public) {
      EXPECT_NE(r.status, 401) << method << " " << target;
    } else {
      EXPECT_EQ(r.status, 401) << method << " " << target;
    }
  }
}

TEST_F(OpenApi, EveryOperationDocumentsItsResponsesAndAuthenticatedOnesTheir401) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  for (const auto& path : spec["paths"]) {
    for (const auto& op : path.second) {
      if (op.first.as<std::string>() == "parameters") continue;
      const std::string where = op.first.as<std::string>() + " " + path.first.as<std::string>();
      ASSERT_TRUE(op.second["responses"]) << where;
      const bool is_public = op.second["security"] && op.second["security"].size() == 0;
      if (!is_public) {
        EXPECT_TRUE(op.second["responses"]["401"]) << where;
      }
    }
  }
}

TEST_F(OpenApi, EveryOperationHasAUniqueOperationIdForGeneratedClients) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  std::set<std::string> ids;
  for (const auto& path : spec["paths"]) {
    for (const auto& op : path.second) {
      if (op.first.as<std::string>() == "parameters") continue;
      const std::string where = op.first.as<std::string>() + " " + path.first.as<std::string>();
      ASSERT_TRUE(op.second["operationId"]) << where;
      EXPECT_TRUE(ids.insert(op.second["operationId"].as<std::string>()).second)
          << "repeated: " << where;
    }
  }
}

TEST_F(OpenApi, EveryErrorCodeTheServerSendsIsInTheSpec) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  std::set<std::string> documented;
  for (const auto& code :
       spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
    documented.insert(code.as<std::string>());
  for (int c = static_cast<int>(StatusCode::kInvalidArgument);
       c <= static_cast<int>(StatusCode::kUnavailable); ++c)
    EXPECT_TRUE(documented.count(std::string(StatusCodeName(static_cast<StatusCode>(c))))) << c;
  // The HTTP layer's own codes.
  for (const char* code :
       {"METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "HEADERS_TOO_LARGE", "RATE_LIMITED"})
    EXPECT_TRUE(documented.count(code)) << code;
}

// One vocabulary: the spec's reason codes are exactly the code's (include/privet/reason.h).
TEST_F(OpenApi, TheReasonCodesInTheSpecAreExactlyTheCodes) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  std::set<std::string> documented;
  for (const auto& code : spec["components"]["schemas"]["Error"]["properties"]["error"]
                              ["properties"]["reason"]["enum"])
    documented.insert(code.as<std::string>());
  std::set<std::string> codes;
  for (int r = static_cast<int>(Reason::kAllowed) + 1; r < 256; ++r) {
    const std::string_view name = ReasonName(static_cast<Reason>(r));
    if (name == "unknown") break;  // past the last enumerator
    codes.emplace(name);
  }
  EXPECT_EQ(documented, codes);
}

}  // namespace
}  // namespace privet::testing
