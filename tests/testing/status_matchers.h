// gMock matchers for Status and StatusOr, shared by every test binary.
//
//   EXPECT_THAT(vault.Write(...), IsOk());
//   EXPECT_THAT(vault.Read(...), StatusIs(StatusCode::kNotFound));
//   EXPECT_THAT(vault.Write(...), Refused(Reason::kNoConsent));   // PERMISSION_DENIED, typed
//   reason EXPECT_THAT(desk.Fulfil(...), StatusIs(StatusCode::kFailedPrecondition,
//   Reason::kAwaitingFee));
//
// Each takes a Status or any StatusOr<T>, and on a mismatch prints the whole status.
#pragma once

#include <gmock/gmock.h>

#include <string>

#include "privet/reason.h"
#include "privet/status.h"

namespace privet::testing {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const StatusOr<T>& status_or) {
  return status_or.status();
}

inline std::string Describe(const Status& status) {
  std::string out = status.ToString();
  if (status.reason()) out += " [reason " + std::string(ReasonName(*status.reason())) + "]";
  return out;
}

MATCHER(IsOk, "is OK") {
  const Status& status = ::privet::testing::StatusOf(arg);
  if (status.ok()) return true;
  *result_listener << "is " << ::privet::testing::Describe(status);
  return false;
}

MATCHER_P(StatusIs, code, "has status " + std::string(StatusCodeName(code))) {
  const Status& status = ::privet::testing::StatusOf(arg);
  if (status.code() == code) return true;
  *result_listener << "is " << ::privet::testing::Describe(status);
  return false;
}

MATCHER_P2(StatusIs, code, reason,
           "has status " + std::string(StatusCodeName(code)) + " for reason " +
               std::string(ReasonName(reason))) {
  const Status& status = ::privet::testing::StatusOf(arg);
  if (status.code() == code && status.reason() == reason) return true;
  *result_listener << "is " << ::privet::testing::Describe(status);
  return false;
}

// A refusal: PERMISSION_DENIED with this typed reason.
MATCHER_P(Refused, reason, "is refused for reason " + std::string(ReasonName(reason))) {
  const Status& status = ::privet::testing::StatusOf(arg);
  if (status.code() == StatusCode::kPermissionDenied && status.reason() == reason) return true;
  *result_listener << "is " << ::privet::testing::Describe(status);
  return false;
}

}  // namespace privet::testing
