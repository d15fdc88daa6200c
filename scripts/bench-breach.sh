#!/usr/bin/env bash
# Breach benchmark: Vault::RecordBreach working out who a breach affected among 1,000,000
# subjects (each with an email address) and 10,000,000 audit entries (mostly read decisions by
# the service and support agents, each with its API key): by a leaked API key over 1% of the
# log's time and over all of it (read evidence), and by categories only (data held), each
# against plain SQLite doing the least equivalent work on the same data file in the same run;
# target under 5 s. It also times Vault::Reopen (a running server's policy switch) against the
# vault's Open. See bench/breach_bench.cc for the workload and docs/performance.md for the
# figures.
#
#   scripts/bench-breach.sh [breach_bench flags]     e.g. --subjects=20000 --entries=300000
#
# Environment: PRIVET_BUILD_DIR (default build); PRIVET_BENCH_DIR (default
# /tmp/privet-breach-bench): where the dataset is built once and kept, about 3.5 GB at full size
# and 3 minutes to build; later runs with the same --subjects and --entries reuse it (its
# `manifest` says which), a run with other sizes rebuilds it there (give a smoke run its own
# PRIVET_BENCH_DIR to keep the full one). Delete the directory to free the space.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}
bench_dir=${PRIVET_BENCH_DIR:-/tmp/privet-breach-bench}

[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target breach_bench

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')," \
  "$bench_dir on $(df --output=source,fstype "$(dirname "$bench_dir")" | tail -1 | tr -s ' ')"
time "$build_dir/bench/breach_bench" --dir="$bench_dir" "$@"
