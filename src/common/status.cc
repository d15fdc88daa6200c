#include "privet/status.h"

#include "common/name_table.h"

namespace privet {

namespace {

constexpr auto kStatusCodeNames = common::MakeNameTable<StatusCode>({
    {StatusCode::kOk, "OK"},
    {StatusCode::kInvalidArgument, "INVALID_ARGUMENT"},
    {StatusCode::kUnauthenticated, "UNAUTHENTICATED"},
    {StatusCode::kPermissionDenied, "PERMISSION_DENIED"},
    {StatusCode::kNotFound, "NOT_FOUND"},
    {StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
    {StatusCode::kFailedPrecondition, "FAILED_PRECONDITION"},
    {StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED"},
    {StatusCode::kDataLoss, "DATA_LOSS"},
    {StatusCode::kInternal, "INTERNAL"},
    {StatusCode::kUnavailable, "UNAVAILABLE"},
});
static_assert(common::CoversEveryEnumerator(kStatusCodeNames));

}  // namespace

std::string_view StatusCodeName(StatusCode code) { return kStatusCodeNames.Name(code, "UNKNOWN"); }
std::optional<StatusCode> ParseStatusCodeName(std::string_view name) {
  return kStatusCodeNames.Parse(name);
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kDataLoss:
      return 500;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kUnavailable:
      return 503;
  }
  return 500;
}

Status::Status(StatusCode code, Reason reason, std::string_view text, std::string field)
    : code_(code), field_(std::move(field)), reason_(reason) {
  message_ = ReasonName(reason);
  message_ += ": ";
  message_ += text;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace privet
