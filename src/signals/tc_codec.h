// The TC string codec, for the public DecodeTcString/EncodeTcString and for GPP's TCF EU
// section (which holds a TC string written by a different reference encoder).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "privet/tcf.h"

namespace privet::signals {

// Whose bytes the encoder reproduces.
enum class TcEncoder : uint8_t {
  kTcfCore,  // @iabtechlabtcf/core: the segments the TcString has
  kGpp,      // @iabgpp/cmpapi's TcfEuV2: core, DisclosedVendors and Publisher TC, always
};

// Decodes `text`. Errors are InvalidArgument with Status field `field`, their messages
// prefixed by `context` ("" or "section 2 (tcfeuv2): ") and offsets counted from `char_offset`.
StatusOr<TcString> DecodeTc(std::string_view text, std::string_view field, std::string_view context,
                            std::size_t char_offset);

StatusOr<std::string> EncodeTc(const TcString& tc, TcEncoder encoder, std::string_view field);

}  // namespace privet::signals
