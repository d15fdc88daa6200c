#include "privet/clock.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace privet {
namespace {

std::string WithStrftime(Time t) {
  const std::time_t raw = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&raw, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

TEST(Clock, Rfc3339KnownInstants) {
  EXPECT_EQ(Rfc3339(CivilDayToTime({2024, 3, 4})), "2024-03-04T00:00:00Z");
  EXPECT_EQ(Rfc3339(CivilDayToTime({2024, 2, 29}) + std::chrono::seconds(86399)),
            "2024-02-29T23:59:59Z");
  EXPECT_EQ(Rfc3339(Time{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339(Time{} - std::chrono::seconds(1)), "1969-12-31T23:59:59Z");
}

TEST(Clock, Rfc3339AgreesWithStrftime) {
  std::mt19937_64 random(20261123);
  // Time (nanoseconds in 64 bits) spans 1677-09-21 to 2262-04-11.
  std::uniform_int_distribution<int64_t> seconds(-9'223'372'036, 9'223'372'036);
  for (int i = 0; i < 20000; ++i) {
    const Time t = Time{} + std::chrono::seconds(seconds(random));
    ASSERT_EQ(Rfc3339(t), WithStrftime(t)) << std::chrono::system_clock::to_time_t(t);
  }
  const Time fractional = CivilDayToTime({2030, 12, 31}) + std::chrono::milliseconds(86399999);
  EXPECT_EQ(Rfc3339(fractional), WithStrftime(fractional));
}

TEST(Clock, ParseDayStringIsTheInverseOfDayString) {
  EXPECT_EQ(ParseDayString("2024-03-04"), (CivilDay{2024, 3, 4}));
  EXPECT_EQ(ParseDayString("2024-02-29"), (CivilDay{2024, 2, 29}));
  EXPECT_EQ(ParseDayString("1678-01-01"), (CivilDay{1678, 1, 1}));
  EXPECT_EQ(ParseDayString("2261-12-31"), (CivilDay{2261, 12, 31}));
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-1",
                          "2024-01-1x", " 024-01-01", "+024-01-01", "-999-01-01", "1677-12-31",
                          "2262-01-01", "2024/01/01", "2024-01-01 ", ""}) {
    EXPECT_EQ(ParseDayString(bad), std::nullopt) << bad;
  }
  const CivilDay day{2024, 3, 4};
  EXPECT_EQ(ParseDayString(DayString(day)), day);
}

TEST(Clock, ParseRfc3339IsTheInverseOfRfc3339) {
  const Time t = CivilDayToTime({2024, 3, 4}) + std::chrono::hours(13) + std::chrono::minutes(5) +
                 std::chrono::seconds(59);
  EXPECT_EQ(ParseRfc3339("2024-03-04T13:05:59Z"), t);
  EXPECT_EQ(ParseRfc3339(Rfc3339(t)), t);
  for (const char* bad :
       {"2024-03-04T24:00:00Z", "2024-03-04T13:60:00Z", "2024-03-04T13:00:60Z",
        "2024-03-04 13:00:00Z", "2024-03-04T13:00:00", "2024-03-04T13:00:00+00:00",
        "2023-02-29T00:00:00Z", "2024-03-04T1:00:00Z", ""}) {
    EXPECT_EQ(ParseRfc3339(bad), std::nullopt) << bad;
  }
}

// A day beyond the years Time spans (a damaged document once carried 99999-01-01) used to
// overflow its nanoseconds (UBSan: signed overflow); it is the nearest end of Time instead.
TEST(Clock, CivilDayToTimeStopsAtTheEndsOfTime) {
  EXPECT_EQ(CivilDayToTime({30000, 1, 1}), Time::max());
  EXPECT_EQ(CivilDayToTime({-30000, 1, 1}), Time::min());
  EXPECT_EQ(Rfc3339(CivilDayToTime({2261, 12, 31})), "2261-12-31T00:00:00Z");
}

}  // namespace
}  // namespace privet
