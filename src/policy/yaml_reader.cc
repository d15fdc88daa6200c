#include "policy/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <sstream>

#include "common/utf8.h"
#include "policy/policy_settings.h"

namespace privet::policy_internal {

SourceLocation LocationOf(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

SourceLocation LocationOf(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  return LocationOf(node.Mark());
}

void DiagnosticSink::Error(SourceLocation where, std::string message) {
  diagnostics_.push_back({Diagnostic::Severity::kError, path_, where, std::move(message)});
  ++errors_;
}

void DiagnosticSink::Warning(SourceLocation where, std::string message) {
  diagnostics_.push_back({Diagnostic::Severity::kWarning, path_, where, std::move(message)});
}

void DiagnosticSink::NoteKey(std::string_view path) {
  if (keys_ != nullptr) keys_->insert(SettingKeyOf(path));
}

void DiagnosticSink::NoteUnconfirmed(std::string path, const YAML::Node& node) {
  if (node.Tag() != kUnconfirmedTag) return;
  const SourceLocation where = LocationOf(node);
  for (const UnconfirmedValue& u : unconfirmed_) {
    if (u.where.line == where.line && u.where.column == where.column) return;  // read twice
  }
  unconfirmed_.push_back({std::move(path), where});
}

namespace {

// Line and column (1-based, column in bytes) of byte `offset` in `text`.
SourceLocation LocationOfOffset(std::string_view text, size_t offset) {
  SourceLocation loc{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

// Walks the parser's events to refuse what the loader never accepts, before a tree is built.
class StructureCheck final : public YAML::EventHandler {
 public:
  struct Refused {
    YAML::Mark mark;
    std::string message;
  };

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { CheckAnchor(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Refused{mark, "anchors and aliases are not supported in policy files"};
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string&) override {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Enter(mark, anchor);
    CheckTag(mark, tag);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Enter(mark, anchor);
    CheckTag(mark, tag);
  }
  void OnMapEnd() override { --depth_; }

 private:
  // yaml-cpp gives untagged nodes "?" (plain) or "!" (quoted); the one tag a policy may write is
  // !unconfirmed. Any other tag (!!int, !include, ...) would be silently ignored by the reader,
  // so it is refused rather than left to mean nothing.
  static void CheckTag(const YAML::Mark& mark, const std::string& tag) {
    if (tag.empty() || tag == "?" || tag == "!" || tag == kUnconfirmedTag) return;
    throw Refused{mark, "unknown tag '" + tag.substr(0, 60) +
                            "'; the only tag a policy file may use is " +
                            std::string(kUnconfirmedTag)};
  }
  void CheckAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor)
      throw Refused{mark, "anchors and aliases are not supported in policy files"};
  }
  void Enter(const YAML::Mark& mark, YAML::anchor_t anchor) {
    CheckAnchor(mark, anchor);
    if (++depth_ > kMaxPolicyNesting)
      throw Refused{mark, "nesting deeper than " + std::to_string(kMaxPolicyNesting) +
                              " levels; a policy file never needs that many"};
  }
  int depth_ = 0;
};

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Quote(std::string_view s) {
  // Values quoted in messages are cut short: a message must stay readable.
  constexpr size_t kMax = 60;
  std::string out = "'";
  out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  out += "'";
  return out;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

bool CheckRawText(std::string_view text, DiagnosticSink& sink) {
  if (text.size() > kMaxPolicyFileBytes) {
    sink.Error({1, 1}, "file is " + std::to_string(text.size()) +
                           " bytes; policy files are limited to " +
                           std::to_string(kMaxPolicyFileBytes) + " bytes");
    return false;
  }
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    sink.Error(LocationOfOffset(text, bad),
               "the file is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
    return false;
  }
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    sink.Error(LocationOfOffset(text, nul), "the file contains a NUL byte");
    return false;
  }
  return true;
}

std::optional<YAML::Node> ParseDocument(std::string_view text, DiagnosticSink& sink) {
  const std::string owned(text);
  try {
    std::istringstream stream(owned);
    YAML::Parser parser(stream);
    StructureCheck check;
    int documents = 0;
    while (parser.HandleNextDocument(check)) {
      if (++documents > 1) {
        sink.Error({}, "the file holds more than one YAML document; a policy is one document");
        return std::nullopt;
      }
    }
    if (documents == 0) {
      sink.Error({1, 1}, "the file is empty; expected a policy (a YAML map)");
      return std::nullopt;
    }
    return YAML::Load(owned);
  } catch (const StructureCheck::Refused& r) {
    sink.Error(LocationOf(r.mark), r.message);
  } catch (const YAML::Exception& e) {
    sink.Error(LocationOf(e.mark), "YAML syntax: " + e.msg);
  } catch (const std::exception& e) {
    sink.Error({}, std::string("cannot parse: ") + e.what());
  }
  return std::nullopt;
}

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<Duration> ParseDuration(std::string_view s) {
  const size_t space = s.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::optional<int> count = ParseInt(s.substr(0, space));
  if (!count || *count < 0) return std::nullopt;
  std::string_view unit = s.substr(space + 1);
  static const std::map<std::string_view, TimeUnit> kUnits = {
      {"hour", TimeUnit::kHours},
      {"hours", TimeUnit::kHours},
      {"day", TimeUnit::kDays},
      {"days", TimeUnit::kDays},
      {"business day", TimeUnit::kBusinessDays},
      {"business days", TimeUnit::kBusinessDays},
      {"business_days", TimeUnit::kBusinessDays},
      {"week", TimeUnit::kWeeks},
      {"weeks", TimeUnit::kWeeks},
      {"month", TimeUnit::kMonths},
      {"months", TimeUnit::kMonths},
      {"year", TimeUnit::kYears},
      {"years", TimeUnit::kYears}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return std::nullopt;
  return Duration{*count, it->second};
}

bool IsValidId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  bool segment_start = true;
  for (char c : s) {
    if (c == '.') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
    segment_start = false;
  }
  return !segment_start;
}

std::optional<std::string> ClosestName(std::string_view got,
                                       const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  int best_distance = 3;  // suggest only near misses
  for (const auto& c : candidates) {
    int d = EditDistance(got, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

// --- MapReader ---------------------------------------------------------------------------------

MapReader::MapReader(const YAML::Node& node, std::string context, DiagnosticSink& sink)
    : node_(node), context_(std::move(context)), sink_(sink) {
  if (!context_.empty()) sink_.NoteUnconfirmed(context_, node);  // a whole list item
  if (!node.IsMap()) {
    sink_.Error(LocationOf(node), (context_.empty() ? std::string("the policy") : context_) +
                                      ": expected a map of keys to values");
    return;
  }
  valid_ = true;
  std::map<std::string, SourceLocation, std::less<>> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      sink_.Error(LocationOf(kv.first), Path("") + "keys must be plain names");
      valid_ = false;
      continue;
    }
    const std::string& key = kv.first.Scalar();
    auto [it, inserted] = seen.emplace(key, LocationOf(kv.first));
    if (!inserted) {
      sink_.Error(LocationOf(kv.first), "duplicate key " + Path(key) + " (first at line " +
                                            std::to_string(it->second.line) + ")");
      valid_ = false;
    }
  }
}

std::string MapReader::Path(std::string_view key) const {
  if (context_.empty()) return std::string(key);
  if (key.empty()) return context_ + ": ";
  return context_ + "." + std::string(key);
}

YAML::Node MapReader::Get(std::string_view key) {
  known_.emplace(key);
  sink_.NoteKey(Path(key));
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      sink_.NoteUnconfirmed(Path(key), kv.second);
      return kv.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node MapReader::Require(std::string_view key) {
  YAML::Node n = Get(key);
  if (valid_ && !n.IsDefined()) sink_.Error(where(), "missing required key " + Path(key));
  return n;
}

bool MapReader::ScalarOf(const YAML::Node& n, std::string_view key, std::string_view expected,
                         std::string& out) {
  if (!n.IsScalar()) {
    sink_.Error(LocationOf(n), Path(key) + ": expected " + std::string(expected) +
                                   (n.IsNull() ? ", got nothing" : ", got a list or map"));
    return false;
  }
  out = n.Scalar();
  return true;
}

void MapReader::ReportBadName(const YAML::Node& n, std::string_view key, std::string_view got,
                              const std::vector<std::string>& names) {
  std::string msg = Path(key) + ": " + Quote(got) + " is not one of: " + Join(names);
  if (auto near = ClosestName(got, names)) msg += " (did you mean '" + *near + "'?)";
  sink_.Error(LocationOf(n), std::move(msg));
}

void MapReader::String(std::string_view key, std::string& out, Need need) {
  YAML::Node n = need == Need::kRequired ? Require(key) : Get(key);
  if (!n.IsDefined()) return;
  std::string s;
  if (ScalarOf(n, key, "a string", s)) out = std::move(s);
}

void MapReader::Bool(std::string_view key, bool& out) {
  YAML::Node n = Get(key);
  if (!n.IsDefined()) return;
  std::string s;
  if (!ScalarOf(n, key, "true or false", s)) return;
  if (s == "true") {
    out = true;
  } else if (s == "false") {
    out = false;
  } else {
    sink_.Error(LocationOf(n), Path(key) + ": expected true or false, got " + Quote(s));
  }
}

void MapReader::Int(std::string_view key, int& out, int min, int max, Need need) {
  YAML::Node n = need == Need::kRequired ? Require(key) : Get(key);
  if (!n.IsDefined()) return;
  std::string s;
  if (!ScalarOf(n, key, "a whole number", s)) return;
  std::optional<int> v = ParseInt(s);
  if (!v || *v < min || *v > max) {
    sink_.Error(LocationOf(n), Path(key) + ": expected a whole number from " + std::to_string(min) +
                                   " to " + std::to_string(max) + ", got " + Quote(s));
    return;
  }
  out = *v;
}

void MapReader::IntList(std::string_view key, std::vector<int>& out, int min, int max) {
  YAML::Node seq = Sequence(key);
  if (!seq.IsDefined()) return;
  for (size_t i = 0; i < seq.size(); ++i) {
    const YAML::Node item = seq[i];
    const std::string where = Path(key) + "[" + std::to_string(i) + "]";
    std::optional<int> v = item.IsScalar() ? ParseInt(item.Scalar()) : std::nullopt;
    if (!v || *v < min || *v > max) {
      sink_.Error(LocationOf(item), where + ": expected a whole number from " +
                                        std::to_string(min) + " to " + std::to_string(max));
      continue;
    }
    sink_.NoteUnconfirmed(where, item);
    out.push_back(*v);
  }
}

void MapReader::StringList(std::string_view key, std::vector<std::string>& out, Need need) {
  YAML::Node seq = Sequence(key, need);
  if (!seq.IsDefined()) return;
  for (size_t i = 0; i < seq.size(); ++i) {
    const YAML::Node item = seq[i];
    if (!item.IsScalar()) {
      sink_.Error(LocationOf(item), Path(key) + "[" + std::to_string(i) + "]: expected a string");
      continue;
    }
    sink_.NoteUnconfirmed(Path(key) + "[" + std::to_string(i) + "]", item);
    out.push_back(item.Scalar());
  }
}

void MapReader::Id(std::string_view key, std::string& out, Need need) {
  YAML::Node n = need == Need::kRequired ? Require(key) : Get(key);
  if (!n.IsDefined()) return;
  std::string s;
  if (!ScalarOf(n, key, "an id", s)) return;
  if (!IsValidId(s)) {
    sink_.Error(LocationOf(n),
                Path(key) + ": " + Quote(s) +
                    " is not a valid id (dotted lowercase words, e.g. user.contact.email)");
    return;
  }
  out = std::move(s);
}

void MapReader::IdList(std::string_view key, std::vector<std::string>& out, Need need) {
  YAML::Node seq = Sequence(key, need);
  if (!seq.IsDefined()) return;
  for (size_t i = 0; i < seq.size(); ++i) {
    const YAML::Node item = seq[i];
    const std::string where = Path(key) + "[" + std::to_string(i) + "]";
    if (!item.IsScalar()) {
      sink_.Error(LocationOf(item), where + ": expected an id");
      continue;
    }
    if (!IsValidId(item.Scalar())) {
      sink_.Error(LocationOf(item), where + ": " + Quote(item.Scalar()) + " is not a valid id");
      continue;
    }
    sink_.NoteUnconfirmed(where, item);
    out.push_back(item.Scalar());
  }
}

void MapReader::Date(std::string_view key, CivilDay& out, Need need) {
  YAML::Node n = need == Need::kRequired ? Require(key) : Get(key);
  if (!n.IsDefined()) return;
  std::string s;
  if (!ScalarOf(n, key, "a date (YYYY-MM-DD)", s)) return;
  std::optional<CivilDay> d = ParseDayString(s);
  if (!d) {
    sink_.Error(LocationOf(n), Path(key) + ": expected a date YYYY-MM-DD, got " + Quote(s));
    return;
  }
  out = *d;
}

bool MapReader::DurationValue(std::string_view key, Duration& out, Need need) {
  YAML::Node n = need == Need::kRequired ? Require(key) : Get(key);
  if (!n.IsDefined()) return false;
  std::string s;
  if (!ScalarOf(n, key, "a duration such as '6 months'", s)) return false;
  std::optional<Duration> d = ParseDuration(s);
  if (!d) {
    sink_.Error(LocationOf(n), Path(key) +
                                   ": expected a duration '<number> <unit>' with unit "
                                   "hours, days, business days, weeks, months or years; got " +
                                   Quote(s));
    return false;
  }
  out = *d;
  return true;
}

void MapReader::OptionalDuration(std::string_view key, std::optional<Duration>& out) {
  Duration d;
  if (DurationValue(key, d)) out = d;
}

YAML::Node MapReader::Sequence(std::string_view key, Need need) {
  YAML::Node n = need == Need::kRequired ? Require(key) : Get(key);
  if (!n.IsDefined()) return n;
  if (!n.IsSequence()) {
    sink_.Error(LocationOf(n), Path(key) + ": expected a list");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return n;
}

void MapReader::Finish() {
  if (!valid_) return;
  std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) continue;
    const std::string& key = kv.first.Scalar();
    if (known_.count(key)) continue;
    std::string msg = "unknown key " + Quote(Path(key));
    if (auto near = ClosestName(key, known)) {
      msg += " (did you mean '" + *near + "'?)";
    } else {
      msg += "; expected one of: " + Join(known);
    }
    sink_.Error(LocationOf(kv.first), std::move(msg));
  }
}

}  // namespace privet::policy_internal
