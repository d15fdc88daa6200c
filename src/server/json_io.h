// JSON in and out for the routes: strict body reading (malformed JSON, wrong types and unknown
// fields are InvalidArgument naming the field, before anything changes), responses, and the
// error document {"error":{"code","message","field"[,"reason"]}}.
//
// Ids (subjects, fields, requests, organizations, tenants) are 64-bit and travel as decimal
// strings, so JavaScript clients do not round them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/status.h"
#include "server/http_message.h"

namespace privet::server {

using Json = nlohmann::json;

// Parses a body that must be a JSON object whose keys are all in `allowed`. An empty body is
// an empty object. A name repeated within one object (at any depth) and a NUL byte anywhere are
// InvalidArgument on "body", as malformed JSON is: no value silently wins, nothing is ignored.
StatusOr<Json> ParseObject(std::string_view body, std::initializer_list<std::string_view> allowed);

// The longest string a body member may be unless its route allows more: names (kinds,
// purposes, categories, channels, features, labels, recipients), codes, references, reasons,
// laws and jurisdictions. Field values have kMaxFieldValueBytes, passwords kMaxPasswordBytes and
// emails kMaxEmailBytes. Stated in docs/api.md and api/openapi.yaml (maxLength).
inline constexpr size_t kMaxTextBytes = 200;

// Typed members. Absent: nullopt (or InvalidArgument when `required`); present with another type,
// or a string (or an item of a string array) over `max_bytes`: InvalidArgument naming `name`
// (prefixed by `where`, e.g. "fields[0].").
struct Field {
  const Json& object;
  std::string where;
  size_t max_bytes = kMaxTextBytes;
  StatusOr<std::optional<std::string>> String(std::string_view name, bool required = false) const;
  // A required string member, without the optional (GCC 12 misreads optional<string> here).
  StatusOr<std::string> RequiredString(std::string_view name) const;
  StatusOr<std::optional<bool>> Bool(std::string_view name) const;
  StatusOr<std::optional<int64_t>> Int(std::string_view name, bool required = false) const;
  StatusOr<std::optional<uint64_t>> Id(std::string_view name, bool required = false) const;
  StatusOr<std::optional<std::vector<std::string>>> Strings(std::string_view name,
                                                            bool required = false) const;
};

// A decimal id (path parameter or string member). InvalidArgument naming `field` otherwise.
StatusOr<uint64_t> ParseId(std::string_view text, std::string_view field);
std::string IdString(uint64_t id);

HttpResponse JsonResponse(int status, const Json& body);

// A JSON text written front to back, for the read route, where building an nlohmann tree (a map
// node and a string per member, ten fields per answer) was a third of a request's CPU
// (docs/performance.md). nlohmann/json has no streaming writer, so this small one only appends
// and escapes; the caller keeps the structure balanced (the tests parse its output back).
// Methods are the client's bytes: logs and metrics name only the standard ones, "other" for
// the rest.
std::string_view LoggedMethod(std::string_view method);

// A member name written into privet's code, checked when it is compiled to need no escape
// (printable ASCII but a quote or a backslash), so the writer copies it without a scan.
class PlainName {
 public:
  template <size_t N>
  consteval PlainName(const char (&name)[N]) : name_(name, N - 1) {  // NOLINT: implicit by design
    for (char c : name_) {
      // Not a constant expression, so a name that needs escaping does not compile.
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
        throw "this JSON name needs escaping: use EscapedKey";
    }
  }
  std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

class JsonWriter {
 public:
  JsonWriter() = default;
  // Reserves room for about `expected_bytes` of text, so a large answer is not copied as it grows.
  explicit JsonWriter(size_t expected_bytes) { out_.reserve(expected_bytes); }
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  // A name from the code, e.g. Key("fields"); EscapedKey for a name that comes from data.
  JsonWriter& Key(PlainName name) {
    BeforeValue();
    out_ += '"';
    out_.append(name.view());
    out_ += "\":";
    need_comma_ = false;
    return *this;
  }
  JsonWriter& EscapedKey(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Strings(const std::vector<std::string>& values);
  JsonWriter& Int(int64_t value);
  JsonWriter& Id(uint64_t id);       // as IdString: a string of decimal digits
  JsonWriter& Timestamp(Time t);     // as Rfc3339
  JsonWriter& Double(double value);  // shortest form that reads back the same; finite values only
  // The text, with the newline every response body ends with.
  std::string Take() &&;

 private:
  JsonWriter& Open(char bracket) {
    BeforeValue();
    out_ += bracket;
    need_comma_ = false;
    return *this;
  }
  JsonWriter& Close(char bracket) {
    out_ += bracket;
    need_comma_ = true;
    return *this;
  }
  void BeforeValue() {
    if (need_comma_) out_ += ',';
    need_comma_ = true;
  }
  void AppendEscaped(std::string_view s);

  std::string out_;
  bool need_comma_ = false;
};
HttpResponse NoContent();
HttpResponse ErrorResponse(const Status& status);
// An error the Status codes do not name (405 METHOD_NOT_ALLOWED, 413 PAYLOAD_TOO_LARGE, ...).
HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           std::string_view field = {});
// The name of the status's typed reason ("no_consent"), or empty when it carries none.
std::string ReasonOf(const Status& status);

}  // namespace privet::server
