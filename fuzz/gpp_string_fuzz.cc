// Fuzz target: GPP strings (DecodeGppString, EncodeGppString, OptOutsOf), as a request's
// Sec-GPC/GPP header or a CMP's API hands them over. Any byte string must become a GppString or
// an InvalidArgument that names where it went wrong, never a crash, a hang or a sanitizer
// report; and:
//   - an error is InvalidArgument for field "gpp", its message naming a bit or character offset,
//     a section, or the length limit;
//   - every decoded string encodes (unless its TCF section is not service specific, which the
//     reference encoder refuses too), and a fixed point is reached after one round: the encoding
//     decodes to the same value but that the TCF section gains its DisclosedVendors and
//     Publisher TC segments (GPP always writes both), and re-encodes to the same bytes;
//   - OptOutsOf does not change over the round.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "privet/gpp.h"
#include "privet/status.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

bool NamesAPlace(const privet::Status& status) {
  const std::string& message = status.message();
  for (const char* place : {" at bit ", " at character ", "section", "longer than"}) {
    if (message.find(place) != std::string::npos) return true;
  }
  return false;
}

bool SameOptOuts(const privet::GppOptOuts& a, const privet::GppOptOuts& b) {
  return a.sale == b.sale && a.sharing == b.sharing &&
         a.targeted_advertising == b.targeted_advertising && a.sensitive_data == b.sensitive_data &&
         a.gpc == b.gpc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const privet::StatusOr<privet::GppString> gpp = privet::DecodeGppString(text);
  if (!gpp.ok()) {
    Require(gpp.status().code() == privet::StatusCode::kInvalidArgument);
    Require(gpp.status().field() == "gpp" && NamesAPlace(gpp.status()));
    return 0;
  }
  const privet::StatusOr<std::string> encoded = privet::EncodeGppString(*gpp);
  if (gpp->tcf_eu && !gpp->tcf_eu->is_service_specific) {
    Require(!encoded.ok());
    return 0;
  }
  Require(encoded.ok());
  privet::GppString expected = *gpp;
  if (expected.tcf_eu) {
    if (!expected.tcf_eu->disclosed_vendors) expected.tcf_eu->disclosed_vendors.emplace();
    if (!expected.tcf_eu->publisher_tc) expected.tcf_eu->publisher_tc.emplace();
  }
  const privet::StatusOr<privet::GppString> again = privet::DecodeGppString(*encoded);
  Require(again.ok() && *again == expected);
  const privet::StatusOr<std::string> twice = privet::EncodeGppString(*again);
  Require(twice.ok() && *twice == *encoded);
  Require(SameOptOuts(privet::OptOutsOf(*gpp), privet::OptOutsOf(*again)));
  return 0;
}
