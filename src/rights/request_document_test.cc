// The stored form of a request: what ToRecord writes reads back the same, and a document with a
// value ToRecord never writes is DataLoss. Inputs found by fuzz/stored_record_fuzz.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/unix_time.h"
#include "rights/internal.h"

namespace privet::rights_internal {
namespace {

Tracked Request() {
  Tracked r;
  r.id = 7;
  r.subject_id = 9;
  r.right = Right::kPortability;
  r.state = RequestState::kIdentityPending;
  r.channel = "api";
  r.filed_by = "subject";
  r.received_at = FromUnix(1'709'553'600);
  r.due = CivilDay{2024, 4, 4};
  r.extended_due = CivilDay{2024, 6, 4};
  r.routed_to_organization = 12;
  r.fee = Fee{.right = Right::kPortability,
              .jurisdiction = "US-CA",
              .amount_cents = 1500,
              .currency = "USD"};
  r.code_hash = std::string("\x01\xab", 2);
  r.code_expires_at = FromUnix(1'709'557'200);
  r.code_attempts_left = 3;
  r.exceptions = {{"invoices", "legal_obligation", "HGB 257"}};
  r.history = {{.state = RequestState::kReceived, .at = FromUnix(1), .actor = "subject"},
               {.state = RequestState::kIdentityPending,
                .at = FromUnix(2),
                .actor = "privet",
                .note = "code_sent"}};
  return r;
}

TEST(RequestDocument, ReadsBackWhatItWrote) {
  const store::RequestRecord record = ToRecord(Request());
  auto read = FromRecord(record);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->due, Request().due);
  EXPECT_EQ(read->routed_to_organization, 12u);
  EXPECT_EQ(read->code_hash, Request().code_hash);
  EXPECT_EQ(read->fee->amount_cents, 1500);
  EXPECT_EQ(ToRecord(*read).document, record.document);
  EXPECT_EQ(record.due_at, ToUnix(CivilDayToTime({2024, 4, 5})));
}

// Each value was read before: a date beyond Time's years overflowed (UBSan) when the desk wrote
// the request back, a float was cast out of range, a negative id wrapped, a loose date or a bad
// hash was silently changed. Now each is a damaged document.
TEST(RequestDocument, RefusesValuesItNeverWrites) {
  const nlohmann::json good = nlohmann::json::parse(ToRecord(Request()).document);
  const std::vector<std::pair<std::string, nlohmann::json>> damage = {
      {"due", "99999-01-01"},
      {"due", "2024-1-1"},
      {"due", "2024-02-30"},
      {"extended_due", 20240604},
      {"received_at", 1e300},
      {"received_at", 10'000'000'000'000},
      {"code_expires_at", 1.5},
      {"code_attempts_left", 10'000'000'000},
      {"routed_to_organization", "-1"},
      {"routed_to_organization", " 12"},
      {"code_hash", "abc"},
      {"code_hash", "zz"},
  };
  for (const auto& [key, value] : damage) {
    nlohmann::json doc = good;
    doc[key] = value;
    const store::RequestRecord record{.id = 7, .subject_id = 9, .document = doc.dump()};
    EXPECT_EQ(FromRecord(record).status().code(), StatusCode::kDataLoss) << key << " " << value;
  }
  nlohmann::json doc = good;
  doc["history"][0]["at"] = 1e300;
  EXPECT_EQ(FromRecord({.id = 7, .subject_id = 9, .document = doc.dump()}).status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace privet::rights_internal
