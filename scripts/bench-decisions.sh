#!/usr/bin/env bash
# Decision benchmark: privet's Decide() and Cedar (cedar-wasm) on the same 100,000 decisions over
# the five reference policies, one after the other on one core each; prints privet's decisions
# per second and p50/p99 latency, Cedar's decisions per second, their ratio and how many
# answers agree. See docs/performance.md for the method and bench/decision_bench.cc for the
# workload.
#
#   scripts/bench-decisions.sh
#
# Environment: PRIVET_BUILD_DIR (default build), BENCH_SECONDS (privet's throughput run, default
# 3), CEDAR_TEXT_EVERY (isAuthorized-with-policy-text runs every K-th decision, default 4).
# Exits non-zero if Cedar and privet disagree on any decision. Rewrites the generated Cedar
# policies in bench/cedar/generated/ (deterministic: a diff there means the translation changed).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}

if [[ ! -d bench/cedar/node_modules/@cedar-policy/cedar-wasm ]]; then
  (cd bench/cedar && npm ci --no-audit --no-fund)
fi
[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target decision_bench

workload="$build_dir/bench/decision_workload.json"
privet_out=$("$build_dir/bench/decision_bench" --workload="$workload" --seconds="${BENCH_SECONDS:-3}")
echo "$privet_out"
cedar_out=$(node bench/cedar/run.mjs "$workload" --write-policies=bench/cedar/generated \
  --text-every="${CEDAR_TEXT_EVERY:-4}")
echo "$cedar_out"

value() { sed -n "s/^$1=//p" <<<"$privet_out$(printf '\n')$cedar_out"; }
awk -v decisions="$(value privet_decisions)" -v privet="$(value privet_decisions_per_second)" \
    -v p50="$(value privet_p50_ns)" -v p99="$(value privet_p99_ns)" \
    -v cedar="$(value cedar_decisions_per_second)" \
    -v cedar_text="$(value cedar_text_decisions_per_second)" \
    -v agree="$(value cedar_agree)" -v mismatches="$(value cedar_mismatches)" 'BEGIN {
  ratio = privet / cedar
  printf "\n== privet vs Cedar: %d decisions, five policies, one core each ==\n", decisions
  printf "privet:  %12.0f decisions/s   p50 %.1f ns   p99 %.1f ns\n", privet, p50, p99
  printf "cedar:   %12.0f decisions/s   (statefulIsAuthorized, policy set preparsed)\n", cedar
  printf "cedar:   %12.0f decisions/s   (isAuthorized, policy set as text in every call)\n", cedar_text
  printf "ratio:   %12.0fx  (vs preparsed Cedar; %.0fx vs isAuthorized)\n", ratio, privet / cedar_text
  printf "agree:   %d of %d decisions (%d mismatches)\n", agree, decisions, mismatches
  printf "targets: p50 < 250 ns: %s; ratio >= 500x: %s\n", (p50 < 250 ? "met" : "MISSED"),
         (ratio >= 500 ? "met" : "MISSED")
}'
[[ "$(value cedar_mismatches)" == 0 ]]
