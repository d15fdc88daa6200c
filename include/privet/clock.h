// Clock: the one source of "now" in privet.
//
// Retention, deadlines, consent events and token expiry all take a Clock&; nothing calls the
// system clock directly, so a test can say "six months later" as one step:
//
//   privet::ManualClock clock(privet::CivilDayToTime({2024, 3, 4}));
//   clock.Advance(std::chrono::days(183));
//
// Time is UTC, as a std::chrono::system_clock time point. SystemClock is thread-safe;
// ManualClock is thread-safe for concurrent Now() with Advance()/Set().
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace privet {

using Time = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  Time Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; for tests and for replaying history.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time start) : now_(start.time_since_epoch().count()) {}
  Time Now() const override { return Time(Time::duration(now_.load())); }
  void Set(Time t) { now_.store(t.time_since_epoch().count()); }
  template <typename Rep, typename Period>
  void Advance(std::chrono::duration<Rep, Period> d) {
    now_.fetch_add(std::chrono::duration_cast<Time::duration>(d).count());
  }

 private:
  std::atomic<Time::rep> now_;
};

// A calendar date (proleptic Gregorian, UTC).
struct CivilDay {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  friend bool operator==(const CivilDay&, const CivilDay&) = default;
};

// Time holds nanoseconds since 1970 in 64 bits: 1677-09-21 to 2262-04-11. A day outside that
// span (which only a damaged record or a hostile request could carry: ParseDayString refuses
// it) becomes the earliest or the latest Time, never an overflow.
inline Time CivilDayToTime(CivilDay d) {
  using namespace std::chrono;
  const sys_days day = sys_days(year{d.year} / month{d.month} / std::chrono::day{d.day});
  constexpr auto kLastDay = duration_cast<days>(Time::duration::max()).count();
  if (day.time_since_epoch().count() > kLastDay) return Time::max();
  if (day.time_since_epoch().count() < -kLastDay) return Time::min();
  return day;
}
CivilDay CivilDayOf(Time t);  // the UTC day of a time

// Text forms used in documents, exports and audit entries (UTC).
std::string Rfc3339(Time t);  // 2024-03-04T12:00:00Z
// The same, written into `buffer` without allocating; returns a view of it.
using Rfc3339Buffer = std::array<char, 20>;
std::string_view Rfc3339(Time t, Rfc3339Buffer& buffer);
std::string DayString(CivilDay d);  // 2024-03-04
// The inverse of DayString: exactly YYYY-MM-DD, a day that exists, in the years Time spans
// whole (kFirstYear to kLastYear); nullopt for anything else (no sign, no space, no other
// length). For dates in policy files, request bodies and stored documents.
inline constexpr int kFirstYear = 1678;
inline constexpr int kLastYear = 2261;
std::optional<CivilDay> ParseDayString(std::string_view text);
// The inverse of Rfc3339: exactly YYYY-MM-DDTHH:MM:SSZ (UTC, whole seconds), a day
// ParseDayString accepts and a time of day that exists; nullopt for anything else.
std::optional<Time> ParseRfc3339(std::string_view text);

}  // namespace privet
