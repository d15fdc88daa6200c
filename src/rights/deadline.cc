// Request deadlines: calendar arithmetic on civil days (std::chrono's calendar types).
#include <algorithm>
#include <chrono>

#include "privet/rights.h"

namespace privet {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

sys_days ToSysDays(CivilDay d) {
  return sys_days(std::chrono::year{d.year} / std::chrono::month{d.month} / std::chrono::day{d.day});
}

CivilDay FromSysDays(sys_days d) {
  const year_month_day ymd(d);
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}

// Same day-of-month `months` later; a day the target month lacks becomes its last day
// (31 January + 1 month = 28 February, or 29 in a leap year).
CivilDay AddMonths(CivilDay start, int months) {
  const year_month_day ymd = std::chrono::year{start.year} / std::chrono::month{start.month} /
                             std::chrono::day{start.day};
  const std::chrono::year_month target = std::chrono::year_month(ymd.year(), ymd.month()) + std::chrono::months(months);
  const std::chrono::day last = std::chrono::year_month_day_last(target.year(), std::chrono::month_day_last(target.month())).day();
  const year_month_day out(target.year(), target.month(), std::min(ymd.day(), last));
  return {static_cast<int>(out.year()), static_cast<unsigned>(out.month()), static_cast<unsigned>(out.day())};
}

bool IsBusinessDay(sys_days d, const std::vector<CivilDay>& holidays) {
  const std::chrono::weekday w(d);
  if (w == std::chrono::Saturday || w == std::chrono::Sunday) return false;
  const CivilDay c = FromSysDays(d);
  return std::find(holidays.begin(), holidays.end(), c) == holidays.end();
}

}  // namespace

CivilDay CivilDayOf(Time t) { return FromSysDays(std::chrono::floor<std::chrono::days>(t)); }

CivilDay AddPeriod(CivilDay start, Duration period, const std::vector<CivilDay>& holidays) {
  switch (period.unit) {
    case TimeUnit::kDays:
      return FromSysDays(ToSysDays(start) + std::chrono::days(period.count));
    case TimeUnit::kWeeks:
      return FromSysDays(ToSysDays(start) + std::chrono::days(7 * period.count));
    case TimeUnit::kHours:  // a deadline in hours ends on the day the last hour falls in
      return FromSysDays(ToSysDays(start) + std::chrono::days((period.count + 23) / 24));
    case TimeUnit::kMonths:
      return AddMonths(start, period.count);
    case TimeUnit::kYears:
      return AddMonths(start, 12 * period.count);
    case TimeUnit::kBusinessDays: {
      // The n-th business day after the start day.
      sys_days d = ToSysDays(start);
      for (int left = period.count; left > 0;) {
        d += std::chrono::days(1);
        if (IsBusinessDay(d, holidays)) --left;
      }
      return FromSysDays(d);
    }
  }
  return start;
}

const Deadline* FindDeadline(const Policy& policy, std::string_view jurisdiction) {
  const auto& rules = policy.rights.deadlines;
  auto find = [&](std::string_view j) -> const Deadline* {
    auto it = std::find_if(rules.begin(), rules.end(), [&](const Deadline& d) { return d.jurisdiction == j; });
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
      out.extended_due = AddPeriod(received, {rule.period.count + rule.extension.count, rule.period.unit}, rule.holidays);
    } else {
      out.extended_due = AddPeriod(out.due, rule.extension, rule.holidays);
    }
  }
  return out;
}

}  // namespace privet
