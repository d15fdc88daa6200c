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
  EXPECT_EQ(Rfc3339(CivilDayToTime({2024, 2, 29}) + std::chrono::seconds(86399)), "2024-02-29T23:59:59Z");
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

}  // namespace
}  // namespace privet
