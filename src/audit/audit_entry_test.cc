// Reading audit entries and tree heads back: only what the serializers write is accepted.
// Inputs found by fuzz/audit_entry_fuzz.cc.
#include <gtest/gtest.h>

#include <string>

#include "privet/audit.h"

namespace privet {
namespace {

// A canonical entry with the given numbers, written as they appear in the JSON text.
std::string Entry(const std::string& at, const std::string& subject = "3",
                  const std::string& policy_version = "1") {
  return R"({"event":"write","at":)" + at + R"(,"subject":)" + subject +
         R"(,"principal":"service","action":"write","purpose":"","categories":[],)"
         R"("outcome":"allowed","basis":"","withheld":[],"detail":"","policy_version":)" +
         policy_version + "}";
}

TEST(AuditEntryParse, ReadsCanonicalBytesBackToTheSameBytes) {
  const std::string bytes = Entry("1709553600");
  auto entry = ParseAuditEntry(bytes);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(SerializeAuditEntry(*entry), bytes);
}

// A float was cast to int64_t by get<int64_t>() (undefined behaviour out of range: 1e300), and
// a time beyond 2262 overflowed the nanoseconds of Time in FromUnix (UBSan: signed overflow).
TEST(AuditEntryParse, RefusesATimeThatIsNotWholeSecondsTimeCanHold) {
  for (const char* at : {"1e300", "-1e300", "1.5", "10000000000000", "-9300000000", "\"5\""}) {
    auto entry = ParseAuditEntry(Entry(at));
    EXPECT_EQ(entry.status().code(), StatusCode::kInvalidArgument) << at;
  }
  EXPECT_TRUE(ParseAuditEntry(Entry("9223372036")).ok());
  EXPECT_TRUE(ParseAuditEntry(Entry("-9223372036")).ok());
}

TEST(AuditEntryParse, RefusesASubjectOrPolicyVersionOutOfRange) {
  EXPECT_EQ(ParseAuditEntry(Entry("0", "-3")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAuditEntry(Entry("0", "3e2")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAuditEntry(Entry("0", "3", "4294967297")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseAuditEntry(Entry("0", "18446744073709551615", "-2147483648")).ok());
}

TEST(TreeHeadJson, RefusesATreeSizeThatIsNotAWholeNumber) {
  for (const char* size : {"1e300", "-1", "2.5", "\"7\""}) {
    const std::string json = std::string(R"({"tree_size":)") + size +
                             R"(,"root_hash":"","timestamp":"","signature":""})";
    EXPECT_EQ(TreeHeadFromJson(json).status().code(), StatusCode::kInvalidArgument) << size;
  }
  const SignedTreeHead head{
      .tree_size = 18446744073709551615u, .root_hash = "ab", .timestamp = "t"};
  auto read = TreeHeadFromJson(TreeHeadToJson(head));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->tree_size, head.tree_size);
}

}  // namespace
}  // namespace privet
