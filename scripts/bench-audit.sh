#!/usr/bin/env bash
# Audit log benchmark: inclusion-proof latency in a 10,000,000-entry Merkle tree (p50, p99,
# build time, memory), the single-thread SHA-256 leaf-hashing rate of 1,000,000 realistic
# decision entries, and durable appends of the same entries to a SQLite data store (WAL,
# synchronous=FULL) in batches of 1,000 and 10,000, with their ratio to the hashing rate. See
# docs/performance.md for the method and bench/audit_bench.cc for the workload.
#
#   scripts/bench-audit.sh [audit_bench flags]   e.g. --entries=20000 --proof-leaves=100000 for a smoke run
#
# Environment: PRIVET_BUILD_DIR (default build). Runs in a fresh directory under /tmp and
# removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}

[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target audit_bench

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')," \
  "/tmp on $(df --output=source,fstype /tmp | tail -1 | tr -s ' ')"
time "$build_dir/bench/audit_bench" --entries=1000000 --batch=1000,10000 \
  --proof-leaves=10000000 --proofs=100000 "$@"
