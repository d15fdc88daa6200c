// `privet policy check|render|diff|publish|versions`: the policy subcommands. Each returns the
// process exit code: 0 success, 1 the policy (or a compared policy) is invalid or the vault
// refused, 2 usage error.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/rights_command.h"

namespace privet::cli {

enum class NoticeFormat { kMarkdown, kHtml, kRopa };

int PolicyCheck(const std::string& path, std::ostream& out, std::ostream& err);
int PolicyRender(const std::string& path, NoticeFormat format, std::ostream& out,
                 std::ostream& err);
int PolicyDiff(const std::string& before, const std::string& after, std::ostream& out,
               std::ostream& err);

// Publishes `file` as the vault's next policy version (Vault::PublishPolicy), effective on
// `effective` (YYYY-MM-DD; empty: the file's `effective:`). Prints the version, its
// classification and the changes. While `privet serve` holds the vault, says to use
// POST /v1/policy/versions instead.
int PolicyPublish(const VaultSpec& spec, const std::string& file, const std::string& effective,
                  std::ostream& out, std::ostream& err);
// Lists the published versions, oldest first: version, effective date, classification.
int PolicyVersions(const VaultSpec& spec, std::ostream& out, std::ostream& err);

}  // namespace privet::cli
