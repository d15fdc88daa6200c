#include "privet/id_source.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace privet {
namespace {

std::vector<uint64_t> Draw(IdSource& source, int n) {
  std::vector<uint64_t> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(source.Next());
  return out;
}

TEST(SeededIdSource, TheSameSeedGivesTheSameSequence) {
  SeededIdSource a(7);
  SeededIdSource b(7);
  const std::vector<uint64_t> drawn = Draw(a, 100);
  EXPECT_EQ(drawn, Draw(b, 100));
  EXPECT_EQ(std::set<uint64_t>(drawn.begin(), drawn.end()).size(), drawn.size());
  SeededIdSource c(8);
  EXPECT_NE(Draw(c, 100), drawn);
}

TEST(SeededIdSource, UsesAllSixtyFourBits) {
  SeededIdSource source(1);
  uint64_t ored = 0;
  for (uint64_t v : Draw(source, 64)) ored |= v;
  EXPECT_EQ(ored, ~uint64_t{0});
}

TEST(RandomIdSource, DrawsDifferFromEachOtherAndAcrossSources) {
  RandomIdSource a;
  std::vector<uint64_t> drawn = Draw(a, 50);
  const std::vector<uint64_t> more = Draw(DefaultIdSource(), 50);
  drawn.insert(drawn.end(), more.begin(), more.end());
  EXPECT_EQ(std::set<uint64_t>(drawn.begin(), drawn.end()).size(), drawn.size());
}

}  // namespace
}  // namespace privet
