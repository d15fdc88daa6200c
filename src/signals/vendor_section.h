// Sets of vendor ids as TC strings write them: a vendor section (MaxVendorId, then a bit field
// or ranges) and the range entries of a publisher restriction. Shared by the TC string codec
// and GPP's TCF section, which differ only in when they choose ranges over a bit field.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "privet/status.h"
#include "signals/bits.h"

namespace privet::signals {

inline constexpr int kMaxVendorId = 65535;

// A run of consecutive ids, [first, last].
struct IdRun {
  int first;
  int last;
};

// The runs of consecutive ids of a sorted id list.
std::vector<IdRun> RunsOf(const std::vector<int>& ids);

// When a vendor section is written as ranges rather than a bit field.
enum class VendorSectionRule : uint8_t {
  kTcfCore,  // @iabtechlabtcf/core's VendorVectorEncoder (see README.md)
  kGpp,      // @iabgpp/cmpapi's OptimizedFixedRangeEncoder: ranges when not longer
};

// Reads MaxVendorId (16), IsRangeEncoding (1) and the bit field or the range entries. Ids are
// returned sorted without duplicates. Errors go to `reader` (a range entry whose end is below
// its start, an id of 0 or above MaxVendorId, a bit field longer than the bits present).
std::vector<int> ReadVendorSection(BitReader& reader, std::string_view what);

// Reads NumEntries (12) and that many range entries (IsARange, start, end); for publisher
// restrictions, which have no MaxVendorId.
std::vector<int> ReadRangeEntries(BitReader& reader, std::string_view what);

// InvalidArgument unless `ids` is sorted, without duplicates, each in 1..65535.
Status CheckVendorIds(const std::vector<int>& ids, std::string_view what);

// REQUIRES: CheckVendorIds(ids) is OK.
void WriteVendorSection(const std::vector<int>& ids, VendorSectionRule rule, BitWriter& writer);
void WriteRangeEntries(const std::vector<int>& ids, BitWriter& writer);

}  // namespace privet::signals
