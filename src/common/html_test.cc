#include "common/html.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace privet {
namespace {

TEST(Html, ValuesAreEscapedAndMarkupIsNot) {
  Html h;
  h.Add("<td class=\"v\">{}</td>", std::string("<img src=x onerror=\"alert('1')\"> & co"));
  EXPECT_EQ(h.str(),
            "<td class=\"v\">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; "
            "co</td>");
}

TEST(Html, IntegersAndFragmentsGoInAsTheyAre) {
  Html inner;
  inner.Add("<b>{}</b>", "a<b");
  Html outer;
  outer.Add("<p>{} of {}: {}</p>", 3, uint64_t{18446744073709551615U}, inner);
  EXPECT_EQ(outer.str(), "<p>3 of 18446744073709551615: <b>a&lt;b</b></p>");
}

TEST(Html, DoubledBracesAreLiteral) {
  Html h;
  h.Add("a {{b}} {}", "c");
  EXPECT_EQ(h.str(), "a {b} c");
}

TEST(HtmlEscape, EscapesTheFiveCharacters) {
  EXPECT_EQ(HtmlEscape("<>&\"'x"), "&lt;&gt;&amp;&quot;&#39;x");
}

}  // namespace
}  // namespace privet
