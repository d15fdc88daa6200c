// What each setting of the policy file does: the one table that says, key by key, whether the
// engine enforces it, whether it only informs readers, or whether it states a promise privet
// cannot keep yet.
//
// The notice and the record of processing are rendered from the same file the engine enforces.
// A setting that changed the rendered text and nothing the engine does would be a published
// promise nobody keeps. Every key the loader reads is in this table (a test checks it against
// the loader), and tests/conformance/notice_guard_test.cc flips every setting of the reference
// policies, renders both documents and runs the engine: a setting that changes the text must
// change what the engine does (or make the loader refuse the file), unless the table declares it
// informational with its reason. A setting privet does not enforce yet is left out of the
// notice (NoticeMayState) until it is.
//
// Private to src/policy/ and its tests.
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>

namespace privet::policy_internal {

enum class SettingEffect {
  kEnforced,        // the engine's behaviour depends on it; `how` names where
  kInformational,   // words for readers, or a fact that needs no behaviour; `how` says why
  kNotYetEnforced,  // a promise privet cannot keep yet: the notice leaves it out; `how` says why
};

struct PolicySetting {
  std::string_view key;  // as the loader reads it, list items as []: "purposes[].basis"
  SettingEffect effect;
  std::string_view how;
  // Of an enforced setting: groups of values (';' between groups, '|' within one) among which a
  // change alters the words and not what the engine does ("scc|bcr|idta": any mechanism
  // permits the transfer), and why.
  std::string_view alike_values = {};
  std::string_view alike_why = {};
};

// Every setting, in the order of docs/policy.md.
std::span<const PolicySetting> PolicySettings();
// The entry for `key` ("changes.advance_notice"), or null.
const PolicySetting* FindPolicySetting(std::string_view key);
// The table's key for a concrete path: "purposes[3].basis" -> "purposes[].basis".
std::string SettingKeyOf(std::string_view path);
// True if `entry` declares values `a` and `b` alike for the engine (PolicySetting::alike_values).
bool InformationalBetween(const PolicySetting& entry, std::string_view a, std::string_view b);
// False for a setting the engine does not enforce yet: the notice must not state it.
bool NoticeMayState(std::string_view key);

// Every key the loader asks for while reading `yaml_text`, list items as []. Keys of a map the
// text does not hold (an absent optional section, an empty list) are not read, so they are not
// listed. For the completeness check of the table.
std::set<std::string> KeysReadFrom(std::string_view yaml_text);

}  // namespace privet::policy_internal
