#!/usr/bin/env bash
# Runs a libFuzzer target (clang-14) for a while, growing its corpus in fuzz/corpus/TARGET.
#   scripts/fuzz.sh [TARGET] [SECONDS]      default: policy_loader_fuzz (or json_body_fuzz), 300 s
# New inputs that cover new code are kept in the corpus (commit them: ctest replays the corpus
# on every run). A crash leaves fuzz/crash-* to reproduce with build-fuzz/fuzz/TARGET FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-policy_loader_fuzz}
seconds=${2:-300}
scripts/install-deps.sh
CC=clang-14 CXX=clang++-14 PRIVET_BUILD_DIR=build-fuzz scripts/build.sh \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVET_FUZZ=ON -DPRIVET_BENCH=OFF
corpus=fuzz/corpus/$target
mkdir -p "$corpus"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Fuzz into a scratch dir seeded from the corpus, then merge only what adds coverage.
"build-fuzz/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=fuzz/ -dict=fuzz/policy.dict "$scratch" "$corpus"
"build-fuzz/fuzz/$target" -merge=1 "$corpus" "$scratch"
echo "corpus: $(ls "$corpus" | wc -l) inputs in $corpus"
