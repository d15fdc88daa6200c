// Time as whole seconds since the Unix epoch (UTC), the form stores, documents and audit entries
// keep it in. The one conversion in each direction; everything stored goes through these.
#pragma once

#include <chrono>
#include <cstdint>

#include "privet/clock.h"

namespace privet {

// Whole seconds since 1970-01-01T00:00:00Z, truncated toward zero (as std::chrono casts do).
inline int64_t ToUnix(Time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The time `seconds` after the epoch; ToUnix(FromUnix(s)) == s.
inline Time FromUnix(int64_t seconds) { return Time(std::chrono::seconds(seconds)); }

}  // namespace privet
