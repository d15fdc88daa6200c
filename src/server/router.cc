#include "server/router.h"

#include <cassert>

namespace privet::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Number of literal segments: more literals is a more specific match.
int Specificity(const Route& r) {
  int n = 0;
  for (const auto& s : r.segments) n += IsParam(s) ? 0 : 1;
  return n;
}

bool Matches(const Route& r, const std::vector<std::string>& segments, PathParams* params) {
  if (r.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = r.segments[i];
    if (IsParam(want)) {
      if (segments[i].empty()) return false;
      if (params) (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.emplace_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

size_t Router::Add(std::string method, std::string pattern, RouteAccess access) {
  assert(!pattern.empty() && pattern.front() == '/');
  Route r{.method = std::move(method), .pattern = std::move(pattern), .access = access};
  r.segments = SplitPath(r.pattern);
  routes_.push_back(std::move(r));
  return routes_.size() - 1;
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  // A path that does not begin with '/' is no route: SplitPath would have read "v1/subjects/7"
  // as "/v1/subjects/7" (found by fuzz/json_body_fuzz.cc; the listener refuses such a target
  // before routing, but the router keeps its own promise to every caller).
  if (path.empty() || path.front() != '/') return RouteMatch{};  // kNotFound
  // Split on the slashes that were sent as slashes, then decode each segment: an encoded slash
  // ("%2F") stays inside its segment, a parameter's value or a literal that matches nothing.
  std::vector<std::string> segments = SplitPath(path);
  for (std::string& segment : segments) {
    std::string decoded;
    if (!PercentDecode(segment, false, &decoded)) return RouteMatch{};  // kNotFound
    segment = std::move(decoded);
  }
  RouteMatch result;
  int best = -1;
  int best_any_method = -1;
  std::vector<const Route*> same_shape;  // routes of the most specific pattern, any method
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!Matches(r, segments, nullptr)) continue;
    int spec = Specificity(r);
    if (spec > best_any_method) {
      best_any_method = spec;
      same_shape.clear();
    }
    if (spec == best_any_method) same_shape.push_back(&r);
    if (r.method == method && spec > best) {
      best = spec;
      result.route = &r;
      result.index = i;
    }
  }
  if (result.route != nullptr && best == best_any_method) {
    result.outcome = RouteMatch::Outcome::kFound;
    Matches(*result.route, segments, &result.params);
    return result;
  }
  if (same_shape.empty()) {
    result.outcome = RouteMatch::Outcome::kNotFound;
    result.route = nullptr;
    return result;
  }
  if (result.route != nullptr) {  // a less specific pattern serves this method
    result.outcome = RouteMatch::Outcome::kFound;
    Matches(*result.route, segments, &result.params);
    return result;
  }
  result.outcome = RouteMatch::Outcome::kMethodNotAllowed;
  for (const Route* r : same_shape) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += r->method;
  }
  return result;
}

}  // namespace privet::server
