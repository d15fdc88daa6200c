#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every test.
#  1. release build (with benchmarks): unit, conformance and fuzz-corpus replay tests;
#  2. api/openapi.yaml through a real OpenAPI linter;
#  3. a short benchmark smoke run, so a broken benchmark fails CI too;
#  4. ASan+UBSan build: the same tests again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
scripts/build.sh
echo "== tests"
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 300

echo "== OpenAPI lint (Redocly, strict rules)"
scripts/lint-openapi.sh

echo "== benchmark smoke (decisions; the full run is scripts/bench-decisions.sh)"
build/bench/decision_bench --seconds=0.3

echo "== build (ASan+UBSan)"
PRIVET_BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DPRIVET_SANITIZE=ON -DPRIVET_BENCH=OFF
echo "== tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 600
