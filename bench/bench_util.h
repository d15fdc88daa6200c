// Helpers shared by the benchmarks: a directory removed at exit, dying on an error status,
// microsecond conversion and peak memory. Header-only: each bench/*_bench.cc is its own binary.
#pragma once

#include <errno.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "privet/status.h"

namespace privet::bench {

using SteadyClock = std::chrono::steady_clock;

// The scratch directory the benchmark removes at exit (register RemoveCleanupDir with atexit).
inline std::string& CleanupDir() {
  static std::string dir;
  return dir;
}
inline void RemoveCleanupDir() {
  if (!CleanupDir().empty()) std::filesystem::remove_all(CleanupDir());
}

[[noreturn]] inline void Die(std::string_view what, const Status& status) {
  std::fprintf(stderr, "%s: %.*s: %s\n", program_invocation_short_name, static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Check(StatusOr<T> v, std::string_view what) {
  if (!v.ok()) Die(what, v.status());
  return std::move(*v);
}

inline void Check(const Status& s, std::string_view what) {
  if (!s.ok()) Die(what, s);
}

inline double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }
inline double Micros(SteadyClock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

inline long PeakRssMib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;  // KiB on Linux
}

}  // namespace privet::bench
