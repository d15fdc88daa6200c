// `privet policy check|render|diff`: the policy subcommands. Each returns the process exit code:
// 0 success, 1 the policy (or a compared policy) is invalid, 2 usage error.
#pragma once

#include <iosfwd>
#include <string>

namespace privet::cli {

enum class NoticeFormat { kMarkdown, kHtml, kRopa };

int PolicyCheck(const std::string& path, std::ostream& out, std::ostream& err);
int PolicyRender(const std::string& path, NoticeFormat format, std::ostream& out,
                 std::ostream& err);
int PolicyDiff(const std::string& before, const std::string& after, std::ostream& out,
               std::ostream& err);

}  // namespace privet::cli
