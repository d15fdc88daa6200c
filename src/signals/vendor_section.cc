#include "signals/vendor_section.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace privet::signals {
namespace {

constexpr int kIdBits = 16;
constexpr int kNumEntriesBits = 12;

using Runs = std::vector<VendorSet::Run>;

// Reads range entries into `ids`; ids must be in 1..max_id.
void ReadEntries(BitReader& reader, std::string_view what, int max_id, VendorSet& ids) {
  const auto count = static_cast<std::size_t>(reader.Read(kNumEntriesBits, {what, "", 0}));
  for (std::size_t entry = 1; entry <= count && reader.ok(); ++entry) {
    const Where where(what, "range entry", entry);
    const std::size_t at = reader.position();
    const bool is_range = reader.ReadBool(where);
    const auto first = static_cast<int>(reader.Read(kIdBits, where));
    const int last = is_range ? static_cast<int>(reader.Read(kIdBits, where)) : first;
    if (!reader.ok()) break;
    if (first == 0) {
      reader.Fail(at, "vendor id 0", where);
    } else if (last < first) {
      reader.Fail(at,
                  "range end " + std::to_string(last) + " below its start " + std::to_string(first),
                  where);
    } else if (last > max_id) {
      reader.Fail(
          at, "vendor id " + std::to_string(last) + " above MaxVendorId " + std::to_string(max_id),
          where);
    } else {
      ids.insert_range(first, last);  // overlapping or out of order is allowed
    }
  }
}

// The length @iabtechlabtcf/core compares with the bit field's when it picks ranges: it counts
// a single id as 16 bits (not 17) and stops before the last id's 16. See README.md.
bool TcfCorePrefersRanges(const Runs& runs, int max_id) {
  constexpr int kHeader = kIdBits + 1;
  constexpr int kMinRangeLength = 2 * kIdBits + 1 + kNumEntriesBits;
  if (max_id <= kMinRangeLength) return false;
  long range_length = kHeader + kNumEntriesBits - kIdBits;
  for (const VendorSet::Run& run : runs) {
    range_length += run.first == run.last ? kIdBits : 2 * kIdBits + 1;
  }
  return range_length < kHeader + max_id;
}

bool GppPrefersRanges(const Runs& runs, int max_id) {
  long range_length = kNumEntriesBits;
  for (const VendorSet::Run& run : runs) {
    range_length += run.first == run.last ? 1 + kIdBits : 1 + 2 * kIdBits;
  }
  return range_length <= max_id;
}

void WriteRuns(const Runs& runs, BitWriter& writer) {
  writer.Write(runs.size(), kNumEntriesBits);
  for (const VendorSet::Run& run : runs) {
    writer.WriteBool(run.first != run.last);
    writer.Write(static_cast<uint64_t>(run.first), kIdBits);
    if (run.first != run.last) writer.Write(static_cast<uint64_t>(run.last), kIdBits);
  }
}

}  // namespace

VendorSet ReadVendorSection(BitReader& reader, std::string_view what) {
  const auto max_id = static_cast<int>(reader.Read(kIdBits, {what, "", 0}));
  const bool is_range = reader.ReadBool({what, "", 0});
  VendorSet ids;
  if (!reader.ok()) return ids;
  if (is_range) {
    ReadEntries(reader, what, max_id, ids);
  } else if (reader.remaining() < static_cast<std::size_t>(max_id)) {
    reader.Fail(reader.position(),
                "truncated bit field of MaxVendorId " + std::to_string(max_id) + " bits",
                {what, "", 0});
  } else {
    // The bit field is the set's own layout: 64 ids per read, the last word left-aligned.
    std::vector<uint64_t> words((static_cast<std::size_t>(max_id) + 63) / 64);
    for (std::size_t w = 0; w < words.size(); ++w) {
      const int width = std::min(64, max_id - static_cast<int>(w) * 64);
      words[w] = reader.Read(width, {what, "", 0}) << (64 - width);
    }
    ids.assign_bits(std::move(words));
  }
  if (!reader.ok()) return {};
  return ids;
}

VendorSet ReadRangeEntries(BitReader& reader, std::string_view what) {
  VendorSet ids;
  ReadEntries(reader, what, kMaxVendorId, ids);
  if (!reader.ok()) return {};
  return ids;
}

void WriteVendorSection(const VendorSet& ids, VendorSectionRule rule, BitWriter& writer) {
  const int max_id = ids.max_id();
  const Runs runs = ids.runs();
  const bool ranges = rule == VendorSectionRule::kTcfCore ? TcfCorePrefersRanges(runs, max_id)
                                                          : GppPrefersRanges(runs, max_id);
  writer.Write(static_cast<uint64_t>(max_id), kIdBits);
  writer.WriteBool(ranges);
  if (ranges) {
    WriteRuns(runs, writer);
    return;
  }
  int next = 1;  // the first id not yet written
  for (const VendorSet::Run& run : runs) {
    writer.WriteRepeated(false, static_cast<std::size_t>(run.first - next));
    writer.WriteRepeated(true, static_cast<std::size_t>(run.last - run.first) + 1);
    next = run.last + 1;
  }
}

void WriteRangeEntries(const VendorSet& ids, BitWriter& writer) { WriteRuns(ids.runs(), writer); }

}  // namespace privet::signals
