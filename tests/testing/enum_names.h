// ExpectNamesRoundTrip: every enumerator of an enum through its public name functions, both ways.
// The enumerators are walked from 0 up to the first value the name function calls `unknown`;
// common/name_table.h already refuses, at compile time, a table that misses one.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace privet::testing {

template <typename E>
void ExpectNamesRoundTrip(std::string_view (*name_of)(E),
                          std::optional<E> (*parse)(std::string_view),
                          std::string_view unknown = "unknown") {
  std::set<std::string_view> seen;
  size_t count = 0;
  for (;; ++count) {
    const E value = static_cast<E>(count);
    const std::string_view name = name_of(value);
    if (name == unknown) break;
    EXPECT_FALSE(name.empty()) << "enumerator " << count;
    EXPECT_TRUE(seen.insert(name).second) << "two enumerators named " << name;
    EXPECT_EQ(parse(name), std::optional<E>(value)) << name;
    EXPECT_EQ(parse(std::string(name) + " "), std::nullopt) << name;
  }
  EXPECT_GE(count, 2u) << "an enum of one value, or a name function that knows none";
  EXPECT_EQ(parse(""), std::nullopt);
  EXPECT_EQ(parse(unknown), std::nullopt);
}

}  // namespace privet::testing
