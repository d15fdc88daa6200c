// The US sections of a GPP string (ids 7-12): which fields each has, in which order, and their
// codec. One table per section (us_section.cc) drives both directions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "privet/gpp.h"

namespace privet::signals {

// The US sections privet understands, by GPP section id.
enum class UsSectionId : uint8_t {
  kNational = 7,
  kCalifornia = 8,
  kVirginia = 9,
  kColorado = 10,
  kUtah = 11,
  kConnecticut = 12,
};

// The GPP name of the section ("usnat", "usca", ...).
std::string_view UsSectionName(UsSectionId id);

// Decodes a section's text (core segment, then the optional GPC segment after a '.'). Errors
// are InvalidArgument (field "gpp") naming the section, offset and field; offsets count from
// `char_offset`.
StatusOr<UsSection> DecodeUsSection(UsSectionId id, std::string_view text, std::size_t char_offset);

// InvalidArgument when `section` sets a field its section lacks, a list has the wrong length, a
// value is outside 0..2, or the version is not one the section has.
StatusOr<std::string> EncodeUsSection(UsSectionId id, const UsSection& section);

}  // namespace privet::signals
