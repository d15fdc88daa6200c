#include "privet/clock.h"

#include <charconv>
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

// The value of a string of decimal digits (the caller fixes how many); nullopt for any other
// character.
std::optional<unsigned> Digits(std::string_view s) {
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
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

std::optional<CivilDay> ParseDayString(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::optional<unsigned> y = Digits(text.substr(0, 4));
  const std::optional<unsigned> m = Digits(text.substr(5, 2));
  const std::optional<unsigned> d = Digits(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  const CivilDay parsed{static_cast<int>(*y), *m, *d};
  if (parsed.year < kFirstYear || parsed.year > kLastYear) return std::nullopt;
  using namespace std::chrono;
  if (!year_month_day(year{parsed.year}, month{parsed.month}, day{parsed.day}).ok())
    return std::nullopt;
  return parsed;
}

std::optional<Time> ParseRfc3339(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  const std::optional<CivilDay> day = ParseDayString(text.substr(0, 10));
  const std::optional<unsigned> h = Digits(text.substr(11, 2));
  const std::optional<unsigned> m = Digits(text.substr(14, 2));
  const std::optional<unsigned> s = Digits(text.substr(17, 2));
  if (!day || !h || !m || !s || *h > 23 || *m > 59 || *s > 59) return std::nullopt;
  return CivilDayToTime(*day) + std::chrono::hours(*h) + std::chrono::minutes(*m) +
         std::chrono::seconds(*s);
}

}  // namespace privet
