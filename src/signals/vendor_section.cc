#include "signals/vendor_section.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <string>

namespace privet::signals {
namespace {

constexpr int kIdBits = 16;
constexpr int kNumEntriesBits = 12;

// Reads range entries; ids must be in 1..max_id. Returns the ids sorted without duplicates.
std::vector<int> ReadEntries(BitReader& reader, std::string_view what, int max_id) {
  const auto count = static_cast<std::size_t>(reader.Read(kNumEntriesBits, {what, "", 0}));
  std::vector<IdRun> runs;
  bool sorted = true;
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
      sorted = sorted && (runs.empty() || runs.back().last < first);
      runs.push_back({first, last});
    }
  }
  if (!reader.ok()) return {};
  if (!sorted) {
    // Out of order or overlapping (allowed): sort and merge, so each id appears once.
    std::sort(runs.begin(), runs.end(), [](IdRun a, IdRun b) { return a.first < b.first; });
    std::vector<IdRun> merged;
    for (const IdRun& run : runs) {
      if (!merged.empty() && run.first <= merged.back().last + 1) {
        merged.back().last = std::max(merged.back().last, run.last);
      } else {
        merged.push_back(run);
      }
    }
    runs = std::move(merged);
  }
  std::size_t total = 0;
  for (const IdRun& run : runs) total += static_cast<std::size_t>(run.last - run.first + 1);
  std::vector<int> ids(total);
  auto out = ids.begin();
  for (const IdRun& run : runs) {
    out = std::next(out, run.last - run.first + 1);
    std::iota(std::prev(out, run.last - run.first + 1), out, run.first);
  }
  return ids;
}

// The length @iabtechlabtcf/core compares with the bit field's when it picks ranges: it counts
// a single id as 16 bits (not 17) and stops before the last id's 16. See README.md.
bool TcfCorePrefersRanges(const std::vector<IdRun>& runs, int max_id) {
  constexpr int kHeader = kIdBits + 1;
  constexpr int kMinRangeLength = 2 * kIdBits + 1 + kNumEntriesBits;
  if (max_id <= kMinRangeLength) return false;
  long range_length = kHeader + kNumEntriesBits - kIdBits;
  for (const IdRun& run : runs) range_length += run.first == run.last ? kIdBits : 2 * kIdBits + 1;
  return range_length < kHeader + max_id;
}

bool GppPrefersRanges(const std::vector<IdRun>& runs, int max_id) {
  long range_length = kNumEntriesBits;
  for (const IdRun& run : runs)
    range_length += run.first == run.last ? 1 + kIdBits : 1 + 2 * kIdBits;
  return range_length <= max_id;
}

void WriteRuns(const std::vector<IdRun>& runs, BitWriter& writer) {
  writer.Write(runs.size(), kNumEntriesBits);
  for (const IdRun& run : runs) {
    writer.WriteBool(run.first != run.last);
    writer.Write(static_cast<uint64_t>(run.first), kIdBits);
    if (run.first != run.last) writer.Write(static_cast<uint64_t>(run.last), kIdBits);
  }
}

}  // namespace

std::vector<IdRun> RunsOf(const std::vector<int>& ids) {
  std::vector<IdRun> runs;
  for (const int id : ids) {
    if (!runs.empty() && runs.back().last + 1 == id) {
      runs.back().last = id;
    } else {
      runs.push_back({id, id});
    }
  }
  return runs;
}

std::vector<int> ReadVendorSection(BitReader& reader, std::string_view what) {
  const auto max_id = static_cast<int>(reader.Read(kIdBits, {what, "", 0}));
  const bool is_range = reader.ReadBool({what, "", 0});
  if (!reader.ok()) return {};
  if (is_range) return ReadEntries(reader, what, max_id);
  if (reader.remaining() < static_cast<std::size_t>(max_id)) {
    reader.Fail(reader.position(),
                "truncated bit field of MaxVendorId " + std::to_string(max_id) + " bits",
                {what, "", 0});
    return {};
  }
  // 64 bits at a time, the first the lowest id; each set bit found by counting zeros.
  std::vector<int> ids;
  for (int base = 0; base < max_id; base += 64) {
    const int width = std::min(64, max_id - base);
    uint64_t chunk = reader.Read(width, {what, "", 0});
    std::size_t at = ids.size();
    ids.resize(at + static_cast<std::size_t>(std::popcount(chunk)));
    while (chunk != 0) {
      const int high = 63 - std::countl_zero(chunk);
      ids[at++] = base + width - high;
      chunk &= ~(uint64_t{1} << high);
    }
  }
  return ids;
}

std::vector<int> ReadRangeEntries(BitReader& reader, std::string_view what) {
  return ReadEntries(reader, what, kMaxVendorId);
}

Status CheckVendorIds(const std::vector<int>& ids, std::string_view what) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 1 || ids[i] > kMaxVendorId) {
      return InvalidArgument(std::string(what) + ": vendor id " + std::to_string(ids[i]) +
                             " outside 1.." + std::to_string(kMaxVendorId));
    }
    if (i > 0 && ids[i] <= ids[i - 1]) {
      return InvalidArgument(std::string(what) + ": vendor ids not sorted and distinct at " +
                             std::to_string(ids[i]));
    }
  }
  return Status::Ok();
}

void WriteVendorSection(const std::vector<int>& ids, VendorSectionRule rule, BitWriter& writer) {
  const int max_id = ids.empty() ? 0 : ids.back();
  const std::vector<IdRun> runs = RunsOf(ids);
  const bool ranges = rule == VendorSectionRule::kTcfCore ? TcfCorePrefersRanges(runs, max_id)
                                                          : GppPrefersRanges(runs, max_id);
  writer.Write(static_cast<uint64_t>(max_id), kIdBits);
  writer.WriteBool(ranges);
  if (ranges) {
    WriteRuns(runs, writer);
    return;
  }
  std::size_t next = 0;
  for (int id = 1; id <= max_id; ++id) {
    const bool set = next < ids.size() && ids[next] == id;
    if (set) ++next;
    writer.WriteBool(set);
  }
}

void WriteRangeEntries(const std::vector<int>& ids, BitWriter& writer) {
  WriteRuns(RunsOf(ids), writer);
}

}  // namespace privet::signals
