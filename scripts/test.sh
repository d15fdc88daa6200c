#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every test.
#  0. the format check (clang-format-14, every C++ file);
#  1. release build (with benchmarks): unit, conformance and fuzz-corpus replay tests, and the
#     rest ctest knows, the browser tests (real Chromium) among them;
#     then clang-tidy-14 on the C++ files the last commit changed (scripts/tidy.sh);
#  2. api/openapi.yaml through a real OpenAPI linter;
#  3. a short benchmark smoke run, so a broken benchmark fails CI too;
#  4. ASan+UBSan build: the same tests again, but the browser tests (label `browser`: real
#     Chromium against the server; once, in step 1, is enough);
#  5. ThreadSanitizer build (clang-14, which also checks the lock annotations with
#     -Wthread-safety): the unit and server tests, where the threads are (the
#     vault's read committer and purger, the server's io threads, access log flusher and
#     retention timer). Conformance and fault tests run single-threaded code paths already
#     covered by the unit tests and would double the phase's time (docs/development.md).
#     Measured on the shared 2-core machine, under other builds: ~14 min to build from scratch,
#     ~3.5 min for the 359 tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== format check"
scripts/check-format.sh

echo "== build (RelWithDebInfo)"
scripts/build.sh
echo "== tests"
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 300

echo "== clang-tidy on the files the last commit changed"
scripts/tidy.sh

echo "== OpenAPI lint (Redocly, strict rules)"
scripts/lint-openapi.sh

echo "== benchmark smoke (decisions; the full run is scripts/bench-decisions.sh)"
build/bench/decision_bench --seconds=0.3

echo "== build (ASan+UBSan)"
PRIVET_BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DPRIVET_SANITIZE=ON -DPRIVET_BENCH=OFF
echo "== tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -LE '^browser$' -j "$jobs" --output-on-failure --timeout 600

echo "== build (ThreadSanitizer, clang-14)"
tsan_started=$SECONDS
CC=clang-14 CXX=clang++-14 cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPRIVET_TSAN=ON -DPRIVET_BENCH=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target privet unit_tests server_tests
echo "== unit and server tests under ThreadSanitizer"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tsan.supp" \
  ctest --test-dir build-tsan -L '^(unit|server)$' -j "$jobs" --output-on-failure --timeout 600
echo "== ThreadSanitizer phase: $((SECONDS - tsan_started)) s"
