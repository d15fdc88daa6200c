// VendorSet (privet/tcf.h): vendor ids as a bit field (the most significant bit of word 0 being
// id 1) or as runs of consecutive ids. A hand-written container rather than a library (CRoaring
// has both forms) because it is the TC string's own layout and fits in a hundred lines.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "privet/tcf.h"

namespace privet {
namespace {

constexpr uint64_t kAllOnes = ~uint64_t{0};

// The first position at or after `position` whose bit is `value`, or words.size() * 64.
std::size_t Find(std::span<const uint64_t> words, std::size_t position, bool value) {
  for (std::size_t w = position / 64; w < words.size(); ++w) {
    const uint64_t word = value ? words[w] : ~words[w];
    const uint64_t from = w == position / 64 ? kAllOnes >> (position % 64) : kAllOnes;
    if (const uint64_t hits = word & from; hits != 0) {
      return w * 64 + static_cast<std::size_t>(std::countl_zero(hits));
    }
  }
  return words.size() * 64;
}

// Sets the bits of ids [first, last] (1-based), growing `words` as needed.
void SetBits(std::vector<uint64_t>& words, int first, int last) {
  const auto p0 = static_cast<std::size_t>(first - 1);
  const auto p1 = static_cast<std::size_t>(last - 1);
  const std::size_t w0 = p0 / 64;
  const std::size_t w1 = p1 / 64;
  if (words.size() <= w1) words.resize(w1 + 1);
  const uint64_t head = kAllOnes >> (p0 % 64);
  const uint64_t tail = kAllOnes << (63 - p1 % 64);
  if (w0 == w1) {
    words[w0] |= head & tail;
    return;
  }
  words[w0] |= head;
  std::fill(words.begin() + static_cast<std::ptrdiff_t>(w0 + 1),
            words.begin() + static_cast<std::ptrdiff_t>(w1), kAllOnes);
  words[w1] |= tail;
}

}  // namespace

VendorSet::VendorSet(std::initializer_list<int> ids)
    : VendorSet(std::span(ids.begin(), ids.size())) {}

VendorSet::VendorSet(std::span<const int> ids) {
  for (const int id : ids) insert(id);
}

bool VendorSet::insert_range(int first, int last) {
  if (first < 1 || last < first || last > kMaxVendorId) return false;
  if (!bits_.empty()) {
    SetBits(bits_, first, last);
    return true;
  }
  if (runs_.empty() || first > runs_.back().last + 1) {  // the common case: ascending ranges
    runs_.push_back({first, last});
    return true;
  }
  // Merge with every run it overlaps or touches.
  auto lo = std::lower_bound(runs_.begin(), runs_.end(), first,
                             [](const Run& run, int id) { return run.last + 1 < id; });
  auto hi = lo;
  while (hi != runs_.end() && hi->first <= last + 1) ++hi;
  if (lo == hi) {
    runs_.insert(lo, {first, last});
    return true;
  }
  lo->first = std::min(lo->first, first);
  lo->last = std::max(std::prev(hi)->last, last);
  runs_.erase(std::next(lo), hi);
  return true;
}

bool VendorSet::contains(int id) const {
  if (id < 1) return false;
  if (!bits_.empty()) {
    const auto p = static_cast<std::size_t>(id - 1);
    return p / 64 < bits_.size() && ((bits_[p / 64] >> (63 - p % 64)) & 1) != 0;
  }
  auto after = std::upper_bound(runs_.begin(), runs_.end(), id,
                                [](int value, const Run& run) { return value < run.first; });
  return after != runs_.begin() && std::prev(after)->last >= id;
}

std::size_t VendorSet::size() const {
  std::size_t count = 0;
  for (const uint64_t word : bits_) count += static_cast<std::size_t>(std::popcount(word));
  for (const Run& run : runs_) count += static_cast<std::size_t>(run.last - run.first + 1);
  return count;
}

int VendorSet::max_id() const {
  if (!runs_.empty()) return runs_.back().last;
  if (bits_.empty()) return 0;
  return static_cast<int>((bits_.size() - 1) * 64) + 64 - std::countr_zero(bits_.back());
}

std::vector<int> VendorSet::ids() const {
  std::vector<int> ids;
  for (const Run& run : runs()) {
    for (int id = run.first; id <= run.last; ++id) ids.push_back(id);
  }
  return ids;
}

std::vector<VendorSet::Run> VendorSet::runs() const {
  if (bits_.empty()) return runs_;
  std::vector<Run> runs;
  const std::size_t end = bits_.size() * 64;
  for (std::size_t p = Find(bits_, 0, true); p < end; p = Find(bits_, p, true)) {
    const std::size_t past = Find(bits_, p, false);
    runs.push_back({static_cast<int>(p) + 1, static_cast<int>(past)});
    p = past;
  }
  return runs;
}

void VendorSet::assign_bits(std::vector<uint64_t> words) {
  // 1024 words hold positions 0..65535; the last (id 65536) cannot be an id.
  constexpr std::size_t kWords = (kMaxVendorId + 63) / 64;
  if (words.size() >= kWords) {
    words.resize(kWords);
    words.back() &= ~uint64_t{1};
  }
  while (!words.empty() && words.back() == 0) words.pop_back();
  bits_ = std::move(words);
  runs_.clear();
}

bool operator==(const VendorSet& a, const VendorSet& b) {
  if (a.bits_.empty() == b.bits_.empty()) return a.bits_ == b.bits_ && a.runs_ == b.runs_;
  return a.runs() == b.runs();
}

}  // namespace privet
