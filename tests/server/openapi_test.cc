// api/openapi.yaml and the server agree: every route in the spec is served, and every route
// served is in the spec, with the same methods. Also checks that the spec is a well-formed
// OpenAPI 3.1 document whose operations all list their responses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

std::set<std::pair<std::string, std::string>> SpecRoutes(const YAML::Node& spec) {
  static const std::set<std::string> kMethods = {"get",   "post", "put",    "delete",
                                                 "patch", "head", "options"};
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

// What a local `$ref` ("#/components/schemas/X") names; `node` itself when it is no reference.
YAML::Node Resolve(const YAML::Node& spec, const YAML::Node& node, int depth = 0) {
  if (!node.IsMap() || !node["$ref"] || depth > 8) return node;
  const std::string ref = node["$ref"].as<std::string>();
  if (ref.rfind("#/", 0) != 0) return node;
  YAML::Node at = spec;
  std::stringstream parts(ref.substr(2));
  for (std::string part; std::getline(parts, part, '/');) {
    const YAML::Node& here = at;  // const: a missing key is not created
    at.reset(here[part]);
  }
  return Resolve(spec, at, depth + 1);
}

// Adds to `problems` what in `value` its `schema` does not allow, as far as this checks: an
// object's keys the schema does not declare (when it declares properties), its required keys
// that are missing, and the same within properties and array items.
void CheckAgainst(const YAML::Node& spec, const YAML::Node& declared, const nlohmann::json& value,
                  const std::string& where, std::vector<std::string>& problems) {
  const YAML::Node schema = Resolve(spec, declared);
  if (value.is_object()) {
    if (const YAML::Node properties = schema["properties"]) {
      for (const auto& [key, v] : value.items()) {
        const YAML::Node property = properties[key];
        if (!property) {
          problems.push_back(where + "." + key + ": sent, not declared");
          continue;
        }
        CheckAgainst(spec, property, v, where + "." + key, problems);
      }
    }
    if (const YAML::Node required = schema["required"]) {
      for (const auto& name : required) {
        if (!value.contains(name.as<std::string>()))
          problems.push_back(where + ": required " + name.as<std::string>() + " not sent");
      }
    }
  } else if (value.is_array()) {
    if (const YAML::Node items = schema["items"]) {
      for (size_t i = 0; i < value.size(); ++i)
        CheckAgainst(spec, items, value[i], where + "[" + std::to_string(i) + "]", problems);
    }
  }
}

// Issue 15: every 2xx JSON body says what it holds, never a bare {type: object} that a generated
// client can only treat as a map.
TEST(OpenApiSpec, EverySuccessfulJsonResponseHasATypedSchema) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  int checked = 0;
  for (const auto& path : spec["paths"]) {
    for (const auto& op : path.second) {
      if (!op.second.IsMap() || !op.second["responses"]) continue;  // "parameters", ...
      const YAML::Node responses = op.second["responses"];
      for (const auto& response : responses) {
        const std::string code = response.first.as<std::string>();
        if (code.empty() || code[0] != '2') continue;
        const YAML::Node resolved = Resolve(spec, response.second);
        const YAML::Node content = resolved["content"];  // none on a 204
        if (!content) continue;
        const YAML::Node json = content["application/json"];
        if (!json) continue;
        const YAML::Node schema = Resolve(spec, json["schema"]);
        const std::string where =
            op.first.as<std::string>() + " " + path.first.as<std::string>() + " " + code;
        ASSERT_TRUE(schema) << where << ": no schema";
        ++checked;
        const bool typed = schema["properties"] || schema["items"] || schema["oneOf"] ||
                           schema["anyOf"] || schema["allOf"] || schema["const"] || schema["enum"];
        EXPECT_TRUE(typed) << where << ": a bare object, with no properties";
      }
    }
  }
  EXPECT_GT(checked, 10);
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
  for (const RouteInfo& r : server().routes()) {
    // The privacy center's pages (and "/", which leads a browser there) are pages, not API:
    // docs/privacy-center.md documents them, and the browser tests (tools/browser) test them.
    if (r.pattern == "/" || r.pattern.starts_with("/privacy-center") ||
        r.pattern == "/privet-consent.js")  // a script, docs/consent-banner.md
      continue;
    served.emplace(r.method, r.pattern);
  }
  for (const auto& r : documented)
    EXPECT_TRUE(served.count(r)) << "documented, not served: " << r.first << " " << r.second;
  for (const auto& r : served)
    EXPECT_TRUE(documented.count(r)) << "served, not documented: " << r.first << " " << r.second;
}

TEST_F(OpenApi, EveryDocumentedRouteAnswersOverHttpAndNoneIs404) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  for (const auto& [method, pattern] : SpecRoutes(spec)) {
    std::string target = pattern;
    for (const char* param : {"{id}", "{field_id}", "{key_id}"}) {
      for (size_t at; (at = target.find(param)) != std::string::npos;)
        target.replace(at, std::string(param).size(), "1");
    }
    HttpReply r = client().Send(method, target, "", "");
    if (pattern == "/unsubscribe/{token}") {
      // No token works here: the route answers its own page, not the JSON of an unknown route.
      EXPECT_EQ(r.status, 404) << method << " " << target;
      EXPECT_EQ(r.headers["Content-Type"], "text/html; charset=utf-8") << method << " " << target;
      continue;
    }
    EXPECT_NE(r.status, 404) << method << " " << target;
    EXPECT_NE(r.status, 405) << method << " " << target;
    // Public routes answer; the others want a key.
    const bool is_public = pattern == "/healthz" || pattern == "/.well-known/gpc.json" ||
                           pattern == "/privacy" || pattern == "/v1/sessions" ||
                           pattern.starts_with("/v1/banner");
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

// The six bodies issue 15 found untyped, as the server sends them: every key sent is declared
// in the spec, and every required key is sent.
TEST_F(OpenApi, OperatorAndConsentResponsesHaveTheKeysTheirSchemasDeclare) {
  YAML::Node spec = YAML::LoadFile(SourcePath("api/openapi.yaml"));
  const std::string service = Key("service");
  const std::string subject =
      NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service);
  auto write = [&](const std::string& purpose, const std::string& category,
                   const std::string& value) {
    HttpReply w = client().Post(
        "/v1/subjects/" + subject + "/fields",
        {{"purposes", {purpose}}, {"fields", {{{"category", category}, {"value", value}}}}},
        service);
    ASSERT_EQ(w.status, 201) << w.body;
  };
  ASSERT_NO_FATAL_FAILURE(write("service", "user.contact.email", "ada@example.com"));
  ASSERT_NO_FATAL_FAILURE(write("security", "user.device.ip_address", "192.0.2.1"));
  clock_.Advance(std::chrono::days(31));  // the security log is due: a dry run lists it

  struct Case {
    std::string method, target, path;
    nlohmann::json body;
    std::string token;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/policy", "/v1/policy", nullptr, admin(), 200},
      {"POST",
       "/v1/subjects/" + subject + "/consents",
       "/v1/subjects/{id}/consents",
       {{"purpose", "marketing"}, {"action", "grant"}},
       service,
       201},
      {"POST",
       "/v1/disclosures",
       "/v1/disclosures",
       {{"recipient", "hosting"},
        {"subject_id", subject},
        {"categories", {"user.contact.email", "user.name"}},
        {"purpose", "service"}},
       service,
       200},
      {"POST", "/v1/retention/run", "/v1/retention/run", {{"dry_run", true}}, service, 200},
      {"POST", "/v1/retention/run", "/v1/retention/run", nlohmann::json::object(), service, 200},
      {"POST", "/v1/audit/tree-heads", "/v1/audit/tree-heads", nlohmann::json::object(), admin(),
       200},
      {"GET", "/v1/audit/proof?index=0", "/v1/audit/proof", nullptr, admin(), 200},
  };
  for (const Case& c : cases) {
    HttpReply r = c.method == "GET" ? client().Get(c.target, c.token)
                                    : client().Post(c.target, c.body, c.token);
    ASSERT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.body;
    std::string method = c.method;
    for (char& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const YAML::Node response =
        Resolve(spec, spec["paths"][c.path][method]["responses"][std::to_string(c.status)]);
    const YAML::Node schema = response["content"]["application/json"]["schema"];
    ASSERT_TRUE(schema) << c.method << " " << c.path;
    std::vector<std::string> problems;
    CheckAgainst(spec, schema, r.json(), c.method + " " + c.path, problems);
    EXPECT_THAT(problems, ::testing::IsEmpty()) << r.body;
  }
}

}  // namespace
}  // namespace privet::testing
