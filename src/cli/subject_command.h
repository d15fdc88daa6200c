// `privet subject event|hold|release`: the retention anchors and legal holds of one subject, for
// an operator without the HTTP API (docs/operations.md). Each opens the vault with its policy and
// is refused while `privet serve` holds it (the error names the route to use instead). Exit codes:
// 0 done, 1 refused or failed (the reason on `err`, never personal data), 2 usage.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/rights_command.h"

namespace privet::cli {

// Records that `event` (contract_end, process_end, last_application, last_activity, analysis)
// happened now for subject `subject_id`: the anchor of the retention rules that name it.
int SubjectEvent(const VaultSpec& spec, const std::string& subject_id, const std::string& event,
                 std::ostream& out, std::ostream& err);
// Places a legal hold on the fields retention rule `rule` covers (empty: every field, and
// erasure), on `ground`, a code or case reference.
int SubjectHold(const VaultSpec& spec, const std::string& subject_id, const std::string& rule,
                const std::string& ground, std::ostream& out, std::ostream& err);
// Releases the hold placed for `rule` (empty: the whole-subject hold).
int SubjectRelease(const VaultSpec& spec, const std::string& subject_id, const std::string& rule,
                   std::ostream& out, std::ostream& err);

}  // namespace privet::cli
