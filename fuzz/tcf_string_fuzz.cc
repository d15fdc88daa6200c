// Fuzz target: TC strings (DecodeTcString, EncodeTcString), as a request's consent cookie or a
// CMP's API hands them over. Any byte string must become a TcString or an InvalidArgument that
// names where it went wrong, never a crash, a hang or a sanitizer report; and:
//   - an error is InvalidArgument for field "tcf", its message naming a bit or character offset
//     (or the length limit);
//   - every decoded string encodes, and the encoding decodes to the same value: a fixed point
//     after one round (the encoder may choose ranges where the input had a bit field, never
//     different ids).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "privet/status.h"
#include "privet/tcf.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

bool NamesAPlace(const privet::Status& status) {
  const std::string& message = status.message();
  return message.find(" at bit ") != std::string::npos ||
         message.find(" at character ") != std::string::npos ||
         message.find("longer than") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const privet::StatusOr<privet::TcString> tc = privet::DecodeTcString(text);
  if (!tc.ok()) {
    Require(tc.status().code() == privet::StatusCode::kInvalidArgument);
    Require(tc.status().field() == "tcf" && NamesAPlace(tc.status()));
    return 0;
  }
  const privet::StatusOr<std::string> encoded = privet::EncodeTcString(*tc);
  Require(encoded.ok());
  const privet::StatusOr<privet::TcString> again = privet::DecodeTcString(*encoded);
  Require(again.ok() && *again == *tc);
  const privet::StatusOr<std::string> twice = privet::EncodeTcString(*again);
  Require(twice.ok() && *twice == *encoded);
  return 0;
}
