// Router: maps (method, path) to a handler, with path parameters ("/v1/subjects/{id}").
//
// A path no route pattern matches is 404; a path some pattern matches under another method is
// 405 with an Allow header. Literal segments win over parameters at the same position. The
// route table is exposed so a test can compare it with api/openapi.yaml.
//
// Thread-safety: build once (Add), then Match from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.h"

namespace privet::server {

using PathParams = std::map<std::string, std::string>;

// Who may call a route: public routes need no key; the others list the principal kinds
// allowed (bits of 1 << PrincipalKind).
struct RouteAccess {
  bool is_public = false;
  unsigned kinds = 0;
};

struct Route {
  std::string method;
  std::string pattern;
  RouteAccess access;
  std::vector<std::string> segments;  // pattern split on '/'
};

struct RouteMatch {
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed } outcome = Outcome::kNotFound;
  const Route* route = nullptr;  // kFound
  size_t index = 0;              // kFound: index in routes()
  PathParams params;             // kFound: parameter values, percent-decoded
  std::string allow;             // kMethodNotAllowed: "GET, POST"
};

class Router {
 public:
  // Returns the route's index. REQUIRES: pattern starts with '/'; no duplicate (method, pattern).
  size_t Add(std::string method, std::string pattern, RouteAccess access);
  // `path` is the request's path as sent, still percent-encoded: it is split on '/' first and
  // each segment decoded after, so "%2F" is part of a segment, never a separator. A segment with
  // a bad escape matches nothing (kNotFound).
  RouteMatch Match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits "/a/b/" into {"a", "b", ""}; "/" into {""}.
std::vector<std::string> SplitPath(std::string_view path);

// Percent-decoding into `out` ('+' is a space only in queries). False on a bad escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

}  // namespace privet::server
