// Strict reading of YAML for the policy loader: every key must be known, none may repeat, every
// value must have the expected type, and every problem becomes a Diagnostic with the file's
// line and column. yaml-cpp exceptions are caught here and never escape.
//
// Private to src/policy/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/name_table.h"
#include "privet/policy.h"

namespace privet::policy_internal {

// The tag that marks a value the company has not confirmed: `duration: !unconfirmed 30 days`
// (see UnconfirmedValue in privet/policy.h). The only tag a policy file may use.
inline constexpr std::string_view kUnconfirmedTag = "!unconfirmed";

SourceLocation LocationOf(const YAML::Node& node);
SourceLocation LocationOf(const YAML::Mark& mark);

// Every name of a table, in enumerator order, for "is not one of: ..." messages.
template <typename E, size_t N>
std::vector<std::string> AllNames(const common::NameTable<E, N>& names) {
  std::vector<std::string> out;
  out.reserve(N);
  for (const common::Named<E>& entry : names) out.emplace_back(entry.name);
  return out;
}

class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string path) : path_(std::move(path)) {}
  void Error(SourceLocation where, std::string message);
  void Warning(SourceLocation where, std::string message);
  bool has_errors() const { return errors_ > 0; }
  std::vector<Diagnostic> Take() { return std::move(diagnostics_); }
  // Records every key path a MapReader asks for into `keys` ("purposes[].basis"); off when null.
  void RecordKeysIn(std::set<std::string>* keys) { keys_ = keys; }
  void NoteKey(std::string_view path);
  // Records `node` as an unconfirmed value at `path` if it carries kUnconfirmedTag; a node read
  // twice is recorded once.
  void NoteUnconfirmed(std::string path, const YAML::Node& node);
  std::vector<UnconfirmedValue> TakeUnconfirmed() { return std::move(unconfirmed_); }

 private:
  std::vector<UnconfirmedValue> unconfirmed_;
  std::set<std::string>* keys_ = nullptr;
  std::string path_;
  std::vector<Diagnostic> diagnostics_;
  int errors_ = 0;
};

// Checks the raw text before it reaches the YAML parser: size, UTF-8 validity, NUL bytes.
// Returns false (after reporting) when the text must not be parsed.
bool CheckRawText(std::string_view text, DiagnosticSink& sink);

// Parses `text` as exactly one YAML document, refusing nesting deeper than kMaxPolicyNesting,
// anchors/aliases (a policy has no use for them and they allow exponential documents) and
// multiple documents. Returns nullopt (after reporting) on any problem.
std::optional<YAML::Node> ParseDocument(std::string_view text, DiagnosticSink& sink);

// Parsers for scalar values; each returns nullopt when the text is not of that form.
std::optional<int> ParseInt(std::string_view s);
std::optional<Duration> ParseDuration(std::string_view s);
bool IsValidId(std::string_view s);  // dotted lowercase: [a-z0-9_]+(\.[a-z0-9_]+)*

// Reads one YAML map. Construct it, call the typed getters for every key the map may hold
// (present or not), then Finish() to report keys nobody asked for. `context` names the map in
// messages, e.g. "purposes[2]".
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string context, DiagnosticSink& sink);

  bool valid() const { return valid_; }
  const std::string& context() const { return context_; }
  SourceLocation where() const { return LocationOf(node_); }

  // The value node for `key` (undefined if absent); registers `key` as known.
  YAML::Node Get(std::string_view key);
  // Reports a missing key as an error. Returns the node (undefined if absent).
  YAML::Node Require(std::string_view key);

  enum class Need { kOptional, kRequired };
  void String(std::string_view key, std::string& out, Need need = Need::kOptional);
  void Bool(std::string_view key, bool& out);
  void Int(std::string_view key, int& out, int min, int max, Need need = Need::kOptional);
  // A sequence of whole numbers from `min` to `max` (optional).
  void IntList(std::string_view key, std::vector<int>& out, int min, int max);
  void StringList(std::string_view key, std::vector<std::string>& out, Need need = Need::kOptional);
  void Id(std::string_view key, std::string& out, Need need = Need::kRequired);
  void IdList(std::string_view key, std::vector<std::string>& out, Need need = Need::kOptional);
  void Date(std::string_view key, CivilDay& out, Need need = Need::kOptional);
  // Returns true when a valid duration was read.
  bool DurationValue(std::string_view key, Duration& out, Need need = Need::kOptional);
  void OptionalDuration(std::string_view key, std::optional<Duration>& out);

  // An enum spelled as in `names` (policy_names.h); an unknown name is reported with the list.
  template <typename E, size_t N>
  bool Enum(std::string_view key, std::optional<E>& out, const common::NameTable<E, N>& names) {
    YAML::Node n = Get(key);
    if (!n.IsDefined()) return false;
    std::string s;
    if (!ScalarOf(n, key, "a name", s)) return false;
    if (std::optional<E> value = names.Parse(s)) {
      out = value;
      return true;
    }
    ReportBadName(n, key, s, AllNames(names));
    return false;
  }

  // The sequence under `key` (undefined if absent or reported as not a sequence).
  YAML::Node Sequence(std::string_view key, Need need = Need::kOptional);

  // Reports every key of the map that no getter asked for.
  void Finish();

  std::string Path(std::string_view key) const;

 private:
  bool ScalarOf(const YAML::Node& n, std::string_view key, std::string_view expected,
                std::string& out);
  void ReportBadName(const YAML::Node& n, std::string_view key, std::string_view got,
                     const std::vector<std::string>& names);

  YAML::Node node_;
  std::string context_;
  DiagnosticSink& sink_;
  bool valid_ = false;
  std::set<std::string, std::less<>> known_;
};

// The name in `candidates` closest to `got` by edit distance, if close enough to suggest.
std::optional<std::string> ClosestName(std::string_view got,
                                       const std::vector<std::string>& candidates);

}  // namespace privet::policy_internal
