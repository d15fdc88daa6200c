// Helpers shared by the benchmarks: a directory removed at exit, dying on an error status,
// microsecond conversion and peak memory. Header-only: each bench/*_bench.cc is its own binary.
#pragma once

#include <errno.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// Makes `dir` a fresh /tmp/privet-<name>-XXXXXX when empty, and unless `keep` removes it at exit.
// False (after saying why) if it cannot be made.
inline bool PrepareScratchDir(std::string& dir, bool keep, const char* name) {
  if (dir.empty()) {
    std::string templ = std::string("/tmp/privet-") + name + "-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) {
      std::fprintf(stderr, "%s: mkdtemp: %s\n", program_invocation_short_name,
                   std::strerror(errno));
      return false;
    }
    dir = templ;
  }
  if (!keep) {
    CleanupDir() = dir;
    std::atexit(RemoveCleanupDir);
  }
  return true;
}

[[noreturn]] inline void Die(std::string_view what, const Status& status) {
  std::fprintf(stderr, "%s: %.*s: %s\n", program_invocation_short_name,
               static_cast<int>(what.size()), what.data(), status.ToString().c_str());
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

// splitmix64: small, fast and the same on every platform (std distributions are not), so every
// run of a benchmark loads the same data.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  uint64_t Id() {  // as the vault's ids: positive as a signed 64-bit key, never 0
    for (;;)
      if (uint64_t z = Next() & 0x7FFFFFFFFFFFFFFFull; z != 0) return z;
  }
  std::string Bytes(size_t n) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
      const uint64_t r = Next();
      for (size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<char>(r >> (8 * k));
    }
    return out;
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[Next() % i]);
  }

 private:
  uint64_t state_;
};

}  // namespace privet::bench
