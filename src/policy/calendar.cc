// Calendar arithmetic on civil days (std::chrono's calendar types): AddPeriod (privet/policy.h).
#include <algorithm>
#include <chrono>

#include "privet/policy.h"

namespace privet {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

sys_days ToSysDays(CivilDay d) {
  return sys_days(std::chrono::year{d.year} / std::chrono::month{d.month} /
                  std::chrono::day{d.day});
}

CivilDay FromSysDays(sys_days d) {
  const year_month_day ymd(d);
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

// Same day-of-month `months` later; a day the target month lacks becomes its last day
// (31 January + 1 month = 28 February, or 29 in a leap year).
CivilDay AddMonths(CivilDay start, int months) {
  const year_month_day ymd =
      std::chrono::year{start.year} / std::chrono::month{start.month} / std::chrono::day{start.day};
  const std::chrono::year_month target =
      std::chrono::year_month(ymd.year(), ymd.month()) + std::chrono::months(months);
  const std::chrono::day last =
      std::chrono::year_month_day_last(target.year(), std::chrono::month_day_last(target.month()))
          .day();
  const year_month_day out(target.year(), target.month(), std::min(ymd.day(), last));
  return {static_cast<int>(out.year()), static_cast<unsigned>(out.month()),
          static_cast<unsigned>(out.day())};
}

bool IsBusinessDay(sys_days d, const std::vector<CivilDay>& holidays) {
  const std::chrono::weekday w(d);
  if (w == std::chrono::Saturday || w == std::chrono::Sunday) return false;
  const CivilDay c = FromSysDays(d);
  return std::find(holidays.begin(), holidays.end(), c) == holidays.end();
}

}  // namespace

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

}  // namespace privet
