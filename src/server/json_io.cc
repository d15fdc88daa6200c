#include "server/json_io.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <set>
#include <vector>

namespace privet::server {

StatusOr<Json> ParseObject(std::string_view body, std::initializer_list<std::string_view> allowed) {
  if (body.empty()) return Json::object();
  // nlohmann/json stops at a NUL byte as at the end of the input, so "{...}\0anything" would
  // parse; a raw NUL is never valid JSON (RFC 8259 section 7), anywhere in the text.
  if (body.find('\0') != std::string_view::npos) {
    return InvalidArgument("the body is not valid JSON (a NUL byte)", "body");
  }
  // nlohmann/json keeps the last of duplicate names silently, so a body could say one thing to
  // a proxy or a log reader and another to privet. The names seen so far, one set per open object.
  std::vector<std::set<std::string, std::less<>>> names;
  bool duplicate = false;
  auto watch = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        names.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        names.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!names.back().insert(parsed.get_ref<const std::string&>()).second) duplicate = true;
        break;
      default:
        break;
    }
    return true;
  };
  Json parsed = Json::parse(body, watch, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidArgument("the body is not valid JSON", "body");
  if (duplicate) return InvalidArgument("the body is not valid JSON (a duplicate name)", "body");
  if (!parsed.is_object()) return InvalidArgument("the body must be a JSON object", "body");
  for (const auto& item : parsed.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || item.key() == a;
    // The unknown name is the caller's word: it is named in `field`, not echoed in the message,
    // and not at all when it is longer than any name could be.
    if (!known && item.key().size() > kMaxTextBytes)
      return InvalidArgument("unknown field", "body");
    if (!known) return InvalidArgument("unknown field", item.key());
  }
  return parsed;
}

namespace {
Status WrongType(const std::string& where, std::string_view name, const char* want) {
  return InvalidArgument(std::string("must be ") + want, where + std::string(name));
}
Status Missing(const std::string& where, std::string_view name) {
  return InvalidArgument("is required", where + std::string(name));
}
Status TooLong(const std::string& where, std::string_view name, size_t max_bytes) {
  return InvalidArgument("must be at most " + std::to_string(max_bytes) + " bytes",
                         where + std::string(name));
}
}  // namespace

StatusOr<std::optional<std::string>> Field::String(std::string_view name, bool required) const {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Missing(where, name);
    return std::optional<std::string>();
  }
  if (!it->is_string()) return WrongType(where, name, "a string");
  if (it->get_ref<const std::string&>().size() > max_bytes) return TooLong(where, name, max_bytes);
  return std::optional<std::string>(it->get<std::string>());
}

StatusOr<std::string> Field::RequiredString(std::string_view name) const {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return Missing(where, name);
  if (!it->is_string()) return WrongType(where, name, "a string");
  if (it->get_ref<const std::string&>().size() > max_bytes) return TooLong(where, name, max_bytes);
  return it->get<std::string>();
}

StatusOr<std::optional<bool>> Field::Bool(std::string_view name) const {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return WrongType(where, name, "a boolean");
  return std::optional<bool>(it->get<bool>());
}

StatusOr<std::optional<int64_t>> Field::Int(std::string_view name, bool required) const {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Missing(where, name);
    return std::optional<int64_t>();
  }
  if (!it->is_number_integer()) return WrongType(where, name, "an integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

StatusOr<std::optional<uint64_t>> Field::Id(std::string_view name, bool required) const {
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> text, String(name, required));
  if (!text) return std::optional<uint64_t>();
  PRIVET_ASSIGN_OR_RETURN(uint64_t id, ParseId(*text, where + std::string(name)));
  return std::optional<uint64_t>(id);
}

StatusOr<std::optional<std::vector<std::string>>> Field::Strings(std::string_view name,
                                                                 bool required) const {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Missing(where, name);
    return std::optional<std::vector<std::string>>();
  }
  if (!it->is_array()) return WrongType(where, name, "an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    if (!item.is_string()) {
      return WrongType(where, std::string(name) + "[" + std::to_string(i) + "]", "a string");
    }
    if (item.get_ref<const std::string&>().size() > max_bytes) {
      return TooLong(where, std::string(name) + "[" + std::to_string(i) + "]", max_bytes);
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

StatusOr<uint64_t> ParseId(std::string_view text, std::string_view field) {
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("must be a decimal id", std::string(field));
  }
  return id;
}

std::string IdString(uint64_t id) { return std::to_string(id); }

HttpResponse JsonResponse(int status, const Json& body) {
  return {.status = status,
          .body = body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n"};
}

JsonWriter& JsonWriter::EscapedKey(std::string_view key) {
  BeforeValue();
  AppendEscaped(key);
  out_ += ':';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendEscaped(value);
  return *this;
}

JsonWriter& JsonWriter::Strings(const std::vector<std::string>& values) {
  BeginArray();
  for (const std::string& v : values) String(v);
  return EndArray();
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char digits[24];
  const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), value);
  out_.append(digits, end);
  return *this;
}

JsonWriter& JsonWriter::Id(uint64_t id) {
  BeforeValue();
  char digits[24];
  const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), id);
  out_ += '"';
  out_.append(digits, end);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::Timestamp(Time t) {
  BeforeValue();
  Rfc3339Buffer buffer;  // digits, '-', ':', 'T' and 'Z': nothing to escape
  out_ += '"';
  out_.append(Rfc3339(t, buffer));
  out_ += '"';
  return *this;
}

std::string_view LoggedMethod(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "other";
}

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, ec == std::errc() ? end : buf);
  if (ec != std::errc()) out_ += '0';
  return *this;
}

std::string JsonWriter::Take() && {
  out_ += '\n';
  return std::move(out_);
}

// RFC 8259 section 7: quote, backslash and control characters escaped, everything else (UTF-8,
// which the vault has validated on the way in) as is.
namespace {

// Whether any of the eight bytes of `w` is a control character, a quote or a backslash: the
// zero-byte test of Hacker's Delight (6-1), exact for the word as a whole.
bool NeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHigh = 0x8080808080808080;
  const auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void JsonWriter::AppendEscaped(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  size_t pending = 0;  // start of the characters not yet written, which need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none needs an escape (values are mostly plain text).
    for (uint64_t w; i + 8 <= s.size(); i += 8) {
      std::memcpy(&w, s.data() + i, 8);
      if (NeedsEscape(w)) break;
    }
    if (i == s.size()) break;
    const auto byte = static_cast<unsigned char>(s[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out_.append(s.data() + pending, i - pending);
    pending = i + 1;
    switch (byte) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        out_ += "\\u00";
        out_ += kHex[byte >> 4];
        out_ += kHex[byte & 0xf];
    }
  }
  out_.append(s.data() + pending, s.size() - pending);
  out_ += '"';
}

HttpResponse NoContent() { return {.status = 204, .content_type = "", .body = ""}; }

std::string ReasonOf(const Status& status) {
  return status.reason() ? std::string(ReasonName(*status.reason())) : std::string();
}

HttpResponse ErrorResponse(const Status& status) {
  Json error = {{"code", std::string(StatusCodeName(status.code()))},
                {"message", status.message()},
                {"field", status.field().empty() ? Json(nullptr) : Json(status.field())}};
  std::string reason = ReasonOf(status);
  if (!reason.empty()) error["reason"] = reason;
  return JsonResponse(HttpStatusFor(status.code()), Json{{"error", error}});
}

HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           std::string_view field) {
  Json error = {{"code", std::string(code)},
                {"message", std::string(message)},
                {"field", field.empty() ? Json(nullptr) : Json(std::string(field))}};
  return JsonResponse(http_status, Json{{"error", error}});
}

}  // namespace privet::server
