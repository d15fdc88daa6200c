#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace privet {
namespace {

constexpr size_t kValid = std::string_view::npos;

TEST(Utf8, AcceptsEveryWellFormedLength) {
  EXPECT_EQ(FirstInvalidUtf8(""), kValid);
  EXPECT_EQ(FirstInvalidUtf8("plain ascii"), kValid);
  EXPECT_EQ(FirstInvalidUtf8("caf\xC3\xA9"), kValid);               // U+00E9, 2 bytes
  EXPECT_EQ(FirstInvalidUtf8("\xE2\x82\xAC"), kValid);              // U+20AC, 3 bytes
  EXPECT_EQ(FirstInvalidUtf8("\xF0\x9F\x98\x80"), kValid);          // U+1F600, 4 bytes
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x8F\xBF\xBF"), kValid);          // U+10FFFF, the last
  EXPECT_EQ(FirstInvalidUtf8("\xED\x9F\xBF\xEE\x80\x80"), kValid);  // around the surrogates
  EXPECT_EQ(FirstInvalidUtf8(std::string("a\0b", 3)), kValid);      // NUL is UTF-8
  EXPECT_TRUE(IsValidUtf8("Zo\xC3\xAB"));
}

TEST(Utf8, ReportsTheOffsetOfTheFirstBadSequence) {
  EXPECT_EQ(FirstInvalidUtf8("ab\x80"), 2u);                // a lone continuation byte
  EXPECT_EQ(FirstInvalidUtf8("ab\xC3"), 2u);                // cut short by the end
  EXPECT_EQ(FirstInvalidUtf8("\xE2\x82"), 0u);              // cut short by the end
  EXPECT_EQ(FirstInvalidUtf8("x\xC3(y"), 1u);               // continuation missing
  EXPECT_EQ(FirstInvalidUtf8("\xC0\xAF"), 0u);              // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xE0\x80\xAF"), 0u);          // overlong, 3 bytes
  EXPECT_EQ(FirstInvalidUtf8("\xF0\x80\x80\xAF"), 0u);      // overlong, 4 bytes
  EXPECT_EQ(FirstInvalidUtf8("ok\xED\xA0\x80"), 2u);        // U+D800, a surrogate
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);      // U+110000, past the last
  EXPECT_EQ(FirstInvalidUtf8("\xF8\x88\x80\x80\x80"), 0u);  // 5-byte forms are gone
  EXPECT_EQ(FirstInvalidUtf8("\xFF"), 0u);
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));  // Latin-1, not UTF-8
}

}  // namespace
}  // namespace privet
