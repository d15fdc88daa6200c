#!/usr/bin/env bash
# Runs a libFuzzer target (clang-14) for a while, growing its corpus in fuzz/corpus/TARGET.
#   scripts/fuzz.sh [TARGET] [SECONDS]      default: policy_loader_fuzz, 300 s
# TARGET is one of PRIVET_FUZZ_TARGETS in fuzz/CMakeLists.txt (fuzz/README.md lists them and what
# each covers); fuzz/TARGET.dict is its dictionary. New inputs that cover new code are kept in
# the corpus (commit them: ctest replays the corpus on every run). A crash, or an undefined
# behaviour report (UBSan halts), leaves fuzz/crash-* to reproduce with build-fuzz/fuzz/TARGET FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-policy_loader_fuzz}
seconds=${2:-300}
if [[ ! -f fuzz/$target.cc ]]; then
  echo "fuzz.sh: no target $target (fuzz/*.cc: $(cd fuzz && ls *_fuzz.cc | sed 's/\.cc//' | tr '\n' ' '))" >&2
  exit 2
fi
scripts/install-deps.sh
# Only the target (and the library) is built: the tests' instrumented build is not needed here.
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPRIVET_FUZZ=ON -DPRIVET_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "$target"
corpus=fuzz/corpus/$target
dict=()
if [[ -f fuzz/$target.dict ]]; then dict=(-dict="fuzz/$target.dict"); fi
# UBSan only reports by default; halting makes undefined behaviour a crash libFuzzer keeps.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$corpus"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Fuzz into a scratch dir seeded from the corpus, then merge only what adds coverage.
"build-fuzz/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=fuzz/ "${dict[@]}" "$scratch" "$corpus"
"build-fuzz/fuzz/$target" -merge=1 "$corpus" "$scratch"
echo "corpus: $(ls "$corpus" | wc -l) inputs in $corpus"
