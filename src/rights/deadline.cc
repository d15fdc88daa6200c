// Request deadlines: the policy's rule for a jurisdiction, counted with AddPeriod
// (src/policy/calendar.cc).
#include <algorithm>

#include "privet/rights.h"

namespace privet {

const Deadline* FindDeadline(const Policy& policy, std::string_view jurisdiction) {
  const auto& rules = policy.rights.deadlines;
  auto find = [&](std::string_view j) -> const Deadline* {
    auto it = std::find_if(rules.begin(), rules.end(),
                           [&](const Deadline& d) { return d.jurisdiction == j; });
    return it == rules.end() ? nullptr : &*it;
  };
  if (const Deadline* exact = find(jurisdiction)) return exact;
  const size_t dash = jurisdiction.find('-');
  if (dash != std::string_view::npos) return find(jurisdiction.substr(0, dash));
  return nullptr;
}

RequestDeadline ComputeDeadline(const Deadline& rule, CivilDay received) {
  RequestDeadline out{.due = AddPeriod(received, rule.period, rule.holidays)};
  if (rule.extension.count > 0) {
    // The extension is counted from receipt as one period: 1 month + 2 months = 3 months, so
    // that 31 January extends to 30 April and not to 28 April (28 February + 2 months).
    if (rule.extension.unit == rule.period.unit) {
      out.extended_due = AddPeriod(
          received, {rule.period.count + rule.extension.count, rule.period.unit}, rule.holidays);
    } else {
      out.extended_due = AddPeriod(out.due, rule.extension, rule.holidays);
    }
  }
  return out;
}

}  // namespace privet
