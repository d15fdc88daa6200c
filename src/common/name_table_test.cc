#include "common/name_table.h"

#include <gtest/gtest.h>

#include "privet/status.h"
#include "testing/enum_names.h"

namespace privet {
namespace {

enum class Fruit { kApple, kPear, kPlum };

constexpr auto kFruitNames = common::MakeNameTable<Fruit>({
    {Fruit::kApple, "apple"},
    {Fruit::kPear, "pear"},
    {Fruit::kPlum, "plum"},
});
static_assert(common::CoversEveryEnumerator(kFruitNames));
static_assert(kFruitNames.Name(Fruit::kPear) == "pear");
static_assert(kFruitNames.Parse("plum") == Fruit::kPlum);
static_assert(!kFruitNames.Parse("Plum"));

// What the compile-time check refuses: an enumerator without a name (the one a new enumerator
// would be), entries out of order, and one name for two values.
static_assert(!common::CoversEveryEnumerator(
    common::MakeNameTable<Fruit>({{Fruit::kApple, "apple"}, {Fruit::kPear, "pear"}})));
static_assert(!common::CoversEveryEnumerator(common::MakeNameTable<Fruit>(
    {{Fruit::kApple, "apple"}, {Fruit::kPlum, "plum"}, {Fruit::kPear, "pear"}})));
static_assert(!common::CoversEveryEnumerator(common::MakeNameTable<Fruit>(
    {{Fruit::kApple, "apple"}, {Fruit::kPear, "apple"}, {Fruit::kPlum, "plum"}})));

TEST(NameTable, NamesAndParsesEveryEntry) {
  for (auto [value, name] : kFruitNames) {
    EXPECT_EQ(kFruitNames.Name(value), name);
    EXPECT_EQ(kFruitNames.Parse(name), value);
  }
  EXPECT_EQ(kFruitNames.size(), 3u);
}

TEST(NameTable, AValueOutsideTheEnumHasTheUnknownName) {
  EXPECT_EQ(kFruitNames.Name(static_cast<Fruit>(3)), "unknown");
  EXPECT_EQ(kFruitNames.Name(static_cast<Fruit>(7), "UNKNOWN"), "UNKNOWN");
}

TEST(NameTable, ParsesOnlyExactNames) {
  EXPECT_EQ(kFruitNames.Parse(""), std::nullopt);
  EXPECT_EQ(kFruitNames.Parse("APPLE"), std::nullopt);
  EXPECT_EQ(kFruitNames.Parse("apple "), std::nullopt);
  EXPECT_EQ(kFruitNames.Parse("unknown"), std::nullopt);
}

TEST(NameTable, StatusCodeNamesRoundTrip) {
  testing::ExpectNamesRoundTrip(&StatusCodeName, &ParseStatusCodeName, "UNKNOWN");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace privet
