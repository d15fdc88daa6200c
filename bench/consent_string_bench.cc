// Consent-string benchmark: privet's DecodeTcString and DecodeGppString on the strings the IAB's
// own libraries encoded (tools/iab-reference/generate.js), one core; prints decodes per second
// as key=value lines. scripts/bench-consent-strings.sh runs it beside the JavaScript decoders
// (tools/iab-reference/bench.js) on the same strings and prints the ratio (docs/performance.md).
//
//   consent_string_bench --strings=STRINGS.jsonl [--seconds=3]
//
// Every string must decode (a failure exits 1: the benchmark would measure errors).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"
#include "nlohmann/json.hpp"
#include "privet/gpp.h"
#include "privet/tcf.h"

namespace {

using privet::bench::SteadyClock;

// Decodes per second of `decode` over `strings`: a warm-up round, then rounds until `seconds`.
template <typename Decode>
double Rate(const std::vector<std::string>& strings, Decode decode, double seconds) {
  for (const std::string& s : strings) decode(s);
  long done = 0;
  const auto start = SteadyClock::now();
  double elapsed = 0;
  do {
    for (const std::string& s : strings) decode(s);
    done += static_cast<long>(strings.size());
    elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string path;
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--strings=")) {
      path = arg.substr(10);
    } else if (arg.starts_with("--seconds=")) {
      seconds = std::atof(argv[i] + 10);
    } else {
      std::fprintf(stderr, "usage: consent_string_bench --strings=FILE [--seconds=S]\n");
      return 2;
    }
  }
  std::ifstream in(path);
  if (path.empty() || !in) {
    std::fprintf(stderr, "consent_string_bench: cannot read --strings=%s\n", path.c_str());
    return 2;
  }
  std::vector<std::string> tc_strings;
  std::vector<std::string> gpp_strings;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("kind") || !j.contains("encoded")) {
      std::fprintf(stderr, "consent_string_bench: not a generate.js line: %.80s\n", line.c_str());
      return 2;
    }
    (j["kind"] == "tcf" ? tc_strings : gpp_strings).push_back(j["encoded"].get<std::string>());
  }
  for (const std::string& s : tc_strings) {
    privet::bench::Check(privet::DecodeTcString(s), "decode TC string");
  }
  for (const std::string& s : gpp_strings) {
    privet::bench::Check(privet::DecodeGppString(s), "decode GPP string");
  }
  // A cheap piece of each result is kept so the decodes cannot be optimized away.
  std::size_t sink = 0;
  const double tc_rate = Rate(
      tc_strings,
      [&sink](const std::string& s) {
        sink += static_cast<std::size_t>(privet::DecodeTcString(s)->cmp_id);
      },
      seconds);
  const double gpp_rate = Rate(
      gpp_strings,
      [&sink](const std::string& s) {
        sink += privet::DecodeGppString(s)->other_sections.size() + 1;
      },
      seconds);
  std::printf("privet_tcf_strings=%zu\nprivet_tcf_decodes_per_second=%.0f\n", tc_strings.size(),
              tc_rate);
  std::printf("privet_gpp_strings=%zu\nprivet_gpp_decodes_per_second=%.0f\n", gpp_strings.size(),
              gpp_rate);
  std::printf("sink=%zu\n", sink % 2);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "consent_string_bench: %s\n", e.what());
  return 1;
}
