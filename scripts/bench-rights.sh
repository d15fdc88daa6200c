#!/usr/bin/env bash
# Rights and retention benchmark: RequestDesk::ExportJson (access export, everything) of one
# subject among 1,000,000 subjects of 10 fields each (p50, p99; cold and warm), and a retention
# sweep (RunRetention) of 1,000,000 expired fields among the 10,000,000 against a plain SQLite
# DELETE of the same rows by the same predicate, in batches of the same size, with the vault data
# file's durability settings (WAL, synchronous=FULL); peak memory. See docs/performance.md for the
# method and bench/rights_bench.cc for the workload.
#
#   scripts/bench-rights.sh [rights_bench flags]     e.g. --subjects=20000 for a quick smoke run
#
# Environment: PRIVET_BUILD_DIR (default build); PRIVET_BENCH_SUBJECTS (subjects, default
# 1000000; --subjects wins). Runs in a fresh directory under /tmp (TMPDIR is not consulted) and
# removes it; it needs about 6 GB there at full size.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}

[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target rights_bench

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')," \
  "/tmp on $(df --output=source,fstype /tmp | tail -1 | tr -s ' ')"
time "$build_dir/bench/rights_bench" --subjects="${PRIVET_BENCH_SUBJECTS:-1000000}" --fields=10 \
  --chunk=10000 --exports=10000 --batch=10000 "$@"
