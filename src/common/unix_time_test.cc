#include "common/unix_time.h"

#include <gtest/gtest.h>

namespace privet {
namespace {

TEST(UnixTime, SecondsSinceTheEpochBothWays) {
  EXPECT_EQ(ToUnix(CivilDayToTime({1970, 1, 1})), 0);
  EXPECT_EQ(ToUnix(CivilDayToTime({2024, 3, 4})), 1'709'510'400);
  EXPECT_EQ(FromUnix(1'709'510'400), CivilDayToTime({2024, 3, 4}));
  EXPECT_EQ(ToUnix(FromUnix(-86'400)), -86'400);
}

TEST(UnixTime, DropsFractionsOfASecond) {
  EXPECT_EQ(ToUnix(FromUnix(42) + std::chrono::milliseconds(999)), 42);
}

// A damaged record's time used to overflow Time's nanoseconds (UBSan: signed overflow); the
// parsers refuse it with UnixTimeInRange, and anything else gets the nearest end of the range.
TEST(UnixTime, OutOfRangeSecondsStopAtTheEndsOfTime) {
  EXPECT_TRUE(UnixTimeInRange(9'223'372'036));
  EXPECT_FALSE(UnixTimeInRange(9'223'372'037));
  EXPECT_TRUE(UnixTimeInRange(-9'223'372'036));
  EXPECT_FALSE(UnixTimeInRange(-9'223'372'037));
  EXPECT_EQ(ToUnix(FromUnix(INT64_MAX)), 9'223'372'036);
  EXPECT_EQ(ToUnix(FromUnix(INT64_MIN)), -9'223'372'036);
  EXPECT_EQ(ToUnix(FromUnix(9'223'372'036)), 9'223'372'036);
}

}  // namespace
}  // namespace privet
