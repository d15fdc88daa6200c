#include "privet/clock.h"

#include <cstdio>

namespace privet {

namespace {

// Writes `value` as `width` decimal digits (zero-padded) at `out`.
void PutDigits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

CivilDay CivilDayOf(Time t) {
  const std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(t));
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

std::string_view Rfc3339(Time t, Rfc3339Buffer& buffer) {
  using namespace std::chrono;
  const sys_seconds secs = time_point_cast<seconds>(t);  // toward zero, as to_time_t
  const sys_days day = floor<days>(secs);
  const year_month_day ymd(day);
  // By hand rather than strftime: the API writes two of these per field it returns. Time
  // (nanoseconds in 64 bits) spans the years 1677 to 2262, always four digits.
  const hh_mm_ss<seconds> time(secs - day);
  constexpr std::string_view kShape = "0000-00-00T00:00:00Z";
  static_assert(kShape.size() == std::tuple_size_v<Rfc3339Buffer>);
  char* out = buffer.data();
  kShape.copy(out, kShape.size());
  PutDigits(&out[0], static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  PutDigits(&out[5], static_cast<unsigned>(ymd.month()), 2);
  PutDigits(&out[8], static_cast<unsigned>(ymd.day()), 2);
  PutDigits(&out[11], static_cast<unsigned>(time.hours().count()), 2);
  PutDigits(&out[14], static_cast<unsigned>(time.minutes().count()), 2);
  PutDigits(&out[17], static_cast<unsigned>(time.seconds().count()), 2);
  return {out, buffer.size()};
}

std::string Rfc3339(Time t) {
  Rfc3339Buffer buffer;
  return std::string(Rfc3339(t, buffer));
}

std::string DayString(CivilDay d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
  return buf;
}

}  // namespace privet
