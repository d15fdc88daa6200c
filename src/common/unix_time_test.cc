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

}  // namespace
}  // namespace privet
