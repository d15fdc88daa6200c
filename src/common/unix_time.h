// Time as whole seconds since the Unix epoch (UTC), the form stores, documents and audit entries
// keep it in. The one conversion in each direction; everything stored goes through these.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "privet/clock.h"

namespace privet {

// Whole seconds since 1970-01-01T00:00:00Z, truncated toward zero (as std::chrono casts do).
inline int64_t ToUnix(Time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The seconds Time can hold (nanoseconds in 64 bits: 1677-09-21 to 2262-04-11), both ends
// included: ToUnix(Time::min()) and ToUnix(Time::max()).
inline constexpr int64_t kLastUnixSecond =
    std::chrono::duration_cast<std::chrono::seconds>(Time::duration::max()).count();
inline constexpr int64_t kFirstUnixSecond =
    std::chrono::duration_cast<std::chrono::seconds>(Time::duration::min()).count();
inline constexpr bool UnixTimeInRange(int64_t seconds) {
  return seconds >= kFirstUnixSecond && seconds <= kLastUnixSecond;
}

// The time `seconds` after the epoch; ToUnix(FromUnix(s)) == s when UnixTimeInRange(s). A value
// outside that range (only a damaged record holds one: parsers of documents refuse it with
// UnixTimeInRange) becomes the nearest end of the range, never an overflow.
inline Time FromUnix(int64_t seconds) {
  return Time(std::chrono::seconds(std::clamp(seconds, kFirstUnixSecond, kLastUnixSecond)));
}

}  // namespace privet
