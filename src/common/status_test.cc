#include "privet/status.h"

#include <gtest/gtest.h>

#include <memory>

#include "privet/clock.h"
#include "testing/status_matchers.h"

namespace privet {
namespace {

StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument("odd number", "n");
  return n / 2;
}

StatusOr<int> Quarter(int n) {
  PRIVET_ASSIGN_OR_RETURN(int half, Half(n));
  PRIVET_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int n) {
  PRIVET_RETURN_IF_ERROR(Half(n).status());
  return Status::Ok();
}

TEST(Status, CodesMapToHttpStatuses) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
}

TEST(Status, CarriesCodeMessageAndField) {
  Status s = InvalidArgument("odd number", "n");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "n");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: odd number");
  EXPECT_EQ(Status::Ok().ToString(), "OK");
}

TEST(Status, MacrosPropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).field(), "n");
  StatusOr<std::unique_ptr<int>> owned = std::make_unique<int>(7);
  ASSERT_TRUE(owned.ok());
  EXPECT_EQ(**owned, 7);
}

TEST(Status, ARefusalCarriesItsReasonTypedAndNamedInTheMessage) {
  const Status refused =
      PermissionDenied(Reason::kNoConsent, "no consent to this purpose", "purpose");
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.reason(), Reason::kNoConsent);
  EXPECT_EQ(refused.message(), "no_consent: no consent to this purpose");
  EXPECT_EQ(refused.field(), "purpose");
  EXPECT_THAT(refused, testing::Refused(Reason::kNoConsent));
  EXPECT_THAT(FailedPrecondition(Reason::kAwaitingFee, "the request waits for its fee"),
              testing::StatusIs(StatusCode::kFailedPrecondition, Reason::kAwaitingFee));
  // A message that merely looks like "code: text" carries no reason: nothing is parsed back.
  EXPECT_EQ(PermissionDenied("no_consent: typed by hand").reason(), std::nullopt);
  EXPECT_EQ(Status().reason(), std::nullopt);
  EXPECT_THAT(StatusOr<int>(3), testing::IsOk());
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(CivilDayToTime({2024, 1, 31}));
  const Time start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(std::chrono::days(183));
  EXPECT_EQ(clock.Now() - start, std::chrono::days(183));
  clock.Set(CivilDayToTime({2025, 1, 1}));
  EXPECT_EQ(clock.Now(), CivilDayToTime({2025, 1, 1}));
  SystemClock system;
  EXPECT_GT(system.Now(), CivilDayToTime({2020, 1, 1}));
}

}  // namespace
}  // namespace privet
