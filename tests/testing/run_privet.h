// Runs the privet binary of this build (PRIVET_BINARY) with `args`, for CLI tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace privet::testing {

// The exit code (-1 if it did not exit), with what it wrote to stdout and stderr in `output`.
inline int RunPrivet(const std::string& args, std::string* output) {
  FILE* pipe = ::popen((std::string(PRIVET_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf{};
  size_t n;
  output->clear();
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) output->append(buf.data(), n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace privet::testing
