// Fuzz target: request bodies and paths, as the server reads them. Any byte string must become
// a value or an InvalidArgument, never a crash, a hang or a sanitizer report; and what is
// accepted keeps the server's promises (issue 15): no NUL byte, no name given twice, no string
// over its bound, and no path segment that holds a slash the client sent encoded.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "server/json_io.h"
#include "server/router.h"

namespace {

using privet::server::Field;
using privet::server::Json;

void Require(bool ok) {
  if (!ok) std::abort();
}

// Every string member read through Field is within its bound.
void ReadAll(const Json& object, const std::string& where) {
  const Field f{object, where};
  for (const auto& item : object.items()) {
    if (item.value().is_string()) {
      auto s = f.String(item.key());
      if (s.ok() && *s) Require((*s)->size() <= privet::server::kMaxTextBytes);
    } else if (item.value().is_array()) {
      (void)f.Strings(item.key());
    } else if (item.value().is_object()) {
      ReadAll(item.value(), where + item.key() + ".");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed =
      privet::server::ParseObject(text, {"kind", "purposes", "fields", "value", "a", "b"});
  if (parsed.ok()) {
    Require(text.find('\0') == std::string_view::npos);
    // Written back and read again, the object is the same: no member was dropped as a duplicate.
    auto again = privet::server::ParseObject(parsed->dump(),
                                             {"kind", "purposes", "fields", "value", "a", "b"});
    Require(again.ok() && *again == *parsed);
    ReadAll(*parsed, "");
  }

  privet::server::Router router;
  router.Add("GET", "/v1/subjects/{id}", {});
  router.Add("GET", "/v1/subjects/{id}/fields", {});
  router.Add("GET", "/v1/audit/tree-head", {});
  const privet::server::RouteMatch match = router.Match("GET", text);
  if (match.outcome == privet::server::RouteMatch::Outcome::kFound) {
    // As many segments as slashes sent as slashes: an encoded one never separated them.
    const auto slashes = std::count(text.begin(), text.end(), '/');
    const auto want = std::count(match.route->pattern.begin(), match.route->pattern.end(), '/');
    Require(slashes == want);
  }
  return 0;
}
