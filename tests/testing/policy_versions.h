// Next versions of a policy file's text, for tests of publishing (Vault::PublishPolicy).
#pragma once

#include <regex>
#include <string>
#include <string_view>

#include "privet/clock.h"

namespace privet::testing {

// `text` as version `version`: its `version:` and `effective:` lines replaced (their comments
// dropped), and `purpose_yaml` (list items indented as the file's, e.g. "  - id: x\n ...") added
// at the end of its `purposes:` list.
inline std::string VersionText(std::string text, int version, CivilDay effective,
                               std::string_view purpose_yaml = "") {
  text = std::regex_replace(text, std::regex("(^|\n)version:[^\n]*"),
                            "$1version: " + std::to_string(version));
  text = std::regex_replace(text, std::regex("(^|\n)effective:[^\n]*"),
                            "$1effective: " + DayString(effective));
  if (!purpose_yaml.empty()) {
    const size_t list = text.find("\npurposes:\n");
    size_t end = list == std::string::npos ? list : list + 11;
    // The list ends at the next line that starts with neither a space, a dash nor a comment.
    while (end != std::string::npos && end < text.size() && text[end] != '\n' &&
           (text[end] == ' ' || text[end] == '-' || text[end] == '#')) {
      end = text.find('\n', end);
      if (end != std::string::npos) ++end;
    }
    if (end != std::string::npos) text.insert(end, std::string(purpose_yaml));
  }
  return text;
}

}  // namespace privet::testing
