// Status and StatusOr: errors as values.
//
// Every fallible operation in privet returns a Status (or a StatusOr<T> when it also yields a
// value). A Status carries a code, a human-readable message and, where the error is about one
// input field or policy key, the name of that field. Codes map one-to-one to HTTP statuses so
// the server can answer without a translation table per route. A refusal also carries its
// typed Reason (privet/reason.h): callers branch on `reason()`, never on the message's text.
//
//   StatusOr<Policy> policy = LoadPolicyFile("policies/starter.yaml");
//   if (!policy.ok()) { std::cerr << policy.status().ToString() << "\n"; return 1; }
//
//   Status s = PermissionDenied(Reason::kNoConsent, "no consent to this purpose", "purpose");
//   s.reason();   // Reason::kNoConsent
//   s.message();  // "no_consent: no consent to this purpose"
//
// The macros PRIVET_RETURN_IF_ERROR and PRIVET_ASSIGN_OR_RETURN propagate errors; they are
// prefixed so that an application embedding privet keeps its own (or Abseil's) unprefixed ones.
//
// Messages must never contain personal data or secrets: they end up in logs and HTTP bodies.
// Thread-safety: values; copy freely.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "privet/reason.h"

namespace privet {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // 400: the input is malformed or names something unknown.
  kUnauthenticated,     // 401: no or bad credentials.
  kPermissionDenied,    // 403: the policy or the principal's rights refuse the action.
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 409: the system is not in a state where the action is possible.
  kResourceExhausted,   // 413/429: an input or a rate is over its documented limit.
  kDataLoss,            // 500: stored data is corrupt or was tampered with.
  kInternal,            // 500: a bug or an environment failure.
  kUnavailable,         // 503
};

std::string_view StatusCodeName(StatusCode code);                      // "INVALID_ARGUMENT"
std::optional<StatusCode> ParseStatusCodeName(std::string_view name);  // nullopt if unknown
int HttpStatusFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}
  // A refusal for `reason`; the message is "<reason name>: <text>".
  Status(StatusCode code, Reason reason, std::string_view text, std::string field = {});

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The input field or policy key the error is about; empty when it is about no single one.
  const std::string& field() const { return field_; }
  // Why it was refused, where the error is a refusal with a reason; nullopt otherwise.
  std::optional<Reason> reason() const { return reason_; }
  // "INVALID_ARGUMENT: message" (or "OK").
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
  std::optional<Reason> reason_;
};

inline Status InvalidArgument(std::string message, std::string field = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field));
}
inline Status PermissionDenied(std::string message, std::string field = {}) {
  return Status(StatusCode::kPermissionDenied, std::move(message), std::move(field));
}
inline Status PermissionDenied(Reason reason, std::string_view text, std::string field = {}) {
  return Status(StatusCode::kPermissionDenied, reason, text, std::move(field));
}
inline Status NotFound(std::string message, std::string field = {}) {
  return Status(StatusCode::kNotFound, std::move(message), std::move(field));
}
inline Status FailedPrecondition(std::string message, std::string field = {}) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), std::move(field));
}
inline Status FailedPrecondition(Reason reason, std::string_view text, std::string field = {}) {
  return Status(StatusCode::kFailedPrecondition, reason, text, std::move(field));
}
inline Status ResourceExhausted(std::string message, std::string field = {}) {
  return Status(StatusCode::kResourceExhausted, std::move(message), std::move(field));
}
inline Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

// A value or the Status that explains why there is none. REQUIRES: a StatusOr built from a
// Status is built from a non-OK one.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "StatusOr built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }  // as absl::StatusOr: *Make() moves out
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace privet

#define PRIVET_CONCAT_INNER(a, b) a##b
#define PRIVET_CONCAT(a, b) PRIVET_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define PRIVET_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::privet::Status privet_status_ = (expr);        \
    if (!privet_status_.ok()) return privet_status_; \
  } while (0)

// PRIVET_ASSIGN_OR_RETURN(auto x, MakeX()): binds the value or returns the error. (`lhs` is a
// declaration, which parentheses would break: hence the NOLINT.)
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PRIVET_ASSIGN_OR_RETURN(lhs, expr)               \
  auto PRIVET_CONCAT(privet_or_, __LINE__) = (expr);     \
  if (!PRIVET_CONCAT(privet_or_, __LINE__).ok())         \
    return PRIVET_CONCAT(privet_or_, __LINE__).status(); \
  lhs = std::move(PRIVET_CONCAT(privet_or_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)
