#include "server/json_io.h"

#include <gtest/gtest.h>

#include <limits>

namespace privet::server {
namespace {

TEST(JsonWriter, WritesNumbersIdsAndTimestampsInPlace) {
  const Time t = CivilDayToTime({2024, 3, 4}) + std::chrono::hours(13) + std::chrono::seconds(7);
  JsonWriter out;
  out.BeginArray()
      .Int(std::numeric_limits<int64_t>::min())
      .Int(0)
      .Id(std::numeric_limits<uint64_t>::max())
      .Id(0)
      .Timestamp(t)
      .EndArray();
  EXPECT_EQ(std::move(out).Take(),
            "[-9223372036854775808,0,\"18446744073709551615\",\"0\",\"2024-03-04T13:00:07Z\"]\n");
  EXPECT_EQ(IdString(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(Rfc3339(t), "2024-03-04T13:00:07Z");
}

TEST(JsonWriter, WritesWhatNlohmannReadsBack) {
  const std::string tricky = std::string("quote \" backslash \\ newline \n tab \t nul ") + '\0' +
                             " bell \x07 unit \x1f é 日本 🦜";
  JsonWriter out;
  out.BeginObject()
      .Key("fields")
      .BeginArray()
      .BeginObject()
      .Key("value")
      .String(tricky)
      .Key("n")
      .Int(-42)
      .Key("x")
      .Double(0.1)
      .EndObject()
      .BeginObject()
      .Key("purposes")
      .Strings({"a", "b"})
      .Key("empty")
      .Strings({})
      .EndObject()
      .EndArray()
      .Key("withheld")
      .BeginArray()
      .EndArray()
      .EscapedKey(tricky)
      .String("")
      .EndObject();
  const std::string text = std::move(out).Take();
  ASSERT_EQ(text.back(), '\n');
  const Json parsed = Json::parse(text);  // throws (and fails the test) on malformed JSON
  EXPECT_EQ(parsed["fields"][0]["value"], tricky);
  EXPECT_EQ(parsed["fields"][0]["n"], -42);
  EXPECT_EQ(parsed["fields"][0]["x"].get<double>(), 0.1);
  EXPECT_EQ(parsed["fields"][1]["purposes"], Json({"a", "b"}));
  EXPECT_TRUE(parsed["fields"][1]["empty"].is_array());
  EXPECT_TRUE(parsed["withheld"].empty());
  EXPECT_EQ(parsed[tricky], "");
  // Control characters never appear raw.
  for (char c : text.substr(0, text.size() - 1)) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(JsonWriter, NamesFromTheCodeAreWrittenAsEscapedOnesAre) {
  JsonWriter from_code;
  from_code.BeginObject().Key("collected_at").Int(1).Key("a").BeginArray().EndArray().EndObject();
  JsonWriter escaped;
  escaped.BeginObject()
      .EscapedKey("collected_at")
      .Int(1)
      .EscapedKey("a")
      .BeginArray()
      .EndArray()
      .EndObject();
  const std::string text = std::move(from_code).Take();
  EXPECT_EQ(text, "{\"collected_at\":1,\"a\":[]}\n");
  EXPECT_EQ(text, std::move(escaped).Take());
}

TEST(JsonWriter, EscapesWhereverTheByteFalls) {
  // Each escapable byte at every offset of strings of several lengths, against nlohmann.
  for (char special : {'"', '\\', '\n', '\x01', '\x1f', '\0'}) {
    for (size_t length = 1; length <= 20; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string value(length, 'a');
        value[at] = special;
        JsonWriter out;
        out.String(value);
        const std::string text = std::move(out).Take();
        EXPECT_EQ(Json::parse(text).get<std::string>(), value);
        EXPECT_EQ(text.substr(0, text.size() - 1), Json(value).dump()) << length << " " << at;
      }
    }
  }
  JsonWriter plain;
  plain.String("a plain value of more than eight bytes, with UTF-8: é 日本 ~\x7f");
  EXPECT_EQ(std::move(plain).Take(),
            "\"a plain value of more than eight bytes, with UTF-8: é 日本 ~\x7f\"\n");
}

}  // namespace
}  // namespace privet::server
