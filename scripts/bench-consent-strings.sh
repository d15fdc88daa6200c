#!/usr/bin/env bash
# Consent-string benchmark: privet's TC and GPP string decoders and the IAB's own JavaScript
# decoders (@iabtechlabtcf/core, @iabgpp/cmpapi) on the same strings in the same run, one after
# the other on one core each; prints decodes per second and their ratio (target: privet >= 50x).
# See docs/performance.md for the figures and bench/consent_string_bench.cc for the method.
#
#   scripts/bench-consent-strings.sh
#
# Environment: PRIVET_BUILD_DIR (default build), BENCH_SECONDS (per decoder, default 3),
# BENCH_STRINGS (how many random states tools/iab-reference/generate.js encodes, default 2000,
# about half TC strings and half GPP strings; seed 11).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}
tools=tools/iab-reference
if [[ ! -d $tools/node_modules/@iabtechlabtcf/core || ! -d $tools/node_modules/@iabgpp/cmpapi ]]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >&2
fi
[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja -DPRIVET_BENCH=ON >/dev/null
cmake --build "$build_dir" -j 2 --target consent_string_bench

strings="$build_dir/bench/consent_strings.jsonl"
node "$tools/generate.js" --seed 11 --count "${BENCH_STRINGS:-2000}" >"$strings"
seconds=${BENCH_SECONDS:-3}
privet_out=$(taskset -c 0 "$build_dir/bench/consent_string_bench" --strings="$strings" --seconds="$seconds")
js_out=$(taskset -c 0 node "$tools/bench.js" "$strings" --seconds "$seconds")
echo "$privet_out"
echo "$js_out"

value() { sed -n "s/^$1=//p" <<<"$privet_out$(printf '\n')$js_out"; }
awk -v tcs="$(value privet_tcf_strings)" -v gpps="$(value privet_gpp_strings)" \
    -v ptc="$(value privet_tcf_decodes_per_second)" -v pgpp="$(value privet_gpp_decodes_per_second)" \
    -v jtc="$(value js_tcf_decodes_per_second)" -v jgpp="$(value js_gpp_decodes_per_second)" 'BEGIN {
  printf "\n== privet vs the IAB JavaScript decoders: same strings, one core each ==\n"
  printf "TC strings  (%d): privet %10.0f/s   JS %10.0f/s   ratio %6.0fx\n", tcs, ptc, jtc, ptc / jtc
  printf "GPP strings (%d): privet %10.0f/s   JS %10.0f/s   ratio %6.0fx\n", gpps, pgpp, jgpp, pgpp / jgpp
  printf "target: ratio >= 50x: %s\n", (ptc / jtc >= 50 && pgpp / jgpp >= 50 ? "met" : "MISSED")
}'
