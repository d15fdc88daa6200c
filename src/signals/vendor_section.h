// Sets of vendor ids as TC strings write them: a vendor section (MaxVendorId, then a bit field
// or ranges) and the range entries of a publisher restriction. Shared by the TC string codec
// and GPP's TCF section, which differ only in when they choose ranges over a bit field.
#pragma once

#include <cstdint>
#include <string_view>

#include "privet/tcf.h"
#include "signals/bits.h"

namespace privet::signals {

// When a vendor section is written as ranges rather than a bit field.
enum class VendorSectionRule : uint8_t {
  kTcfCore,  // @iabtechlabtcf/core's VendorVectorEncoder (see README.md)
  kGpp,      // @iabgpp/cmpapi's OptimizedFixedRangeEncoder: ranges when not longer
};

// Reads MaxVendorId (16), IsRangeEncoding (1) and the bit field or the range entries. Errors go
// to `reader` (a range entry whose end is below its start, an id of 0 or above MaxVendorId, a
// bit field longer than the bits present); ranges may overlap or come in any order.
VendorSet ReadVendorSection(BitReader& reader, std::string_view what);

// Reads NumEntries (12) and that many range entries (IsARange, start, end); for publisher
// restrictions, which have no MaxVendorId.
VendorSet ReadRangeEntries(BitReader& reader, std::string_view what);

void WriteVendorSection(const VendorSet& ids, VendorSectionRule rule, BitWriter& writer);
void WriteRangeEntries(const VendorSet& ids, BitWriter& writer);

}  // namespace privet::signals
