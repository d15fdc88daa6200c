#!/usr/bin/env bash
# Vault benchmark: 1,000,000 fields (100,000 subjects x 10) through the vault and the same rows
# into plain SQLite with the vault data file's schema and durability settings (WAL,
# synchronous=FULL), per subject and in batches; read latency (cold and warm), erase latency for
# subjects with 1, 10 and 100 fields, and peak memory. See docs/performance.md for the method
# and bench/vault_bench.cc for the workload.
#
#   scripts/bench-vault.sh [vault_bench flags]     e.g. --subjects=2000 for a quick smoke run
#
# Environment: PRIVET_BUILD_DIR (default build), PER_SUBJECT (subjects written one per
# transaction, default 5000: at a few milliseconds per fsync, 100,000 of them would take tens of
# minutes). Runs in a fresh directory under /tmp (TMPDIR is not consulted) and removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}

[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target vault_bench

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')," \
  "/tmp on $(df --output=source,fstype /tmp | tail -1 | tr -s ' ')"
time "$build_dir/bench/vault_bench" --subjects=100000 --fields=10 \
  --per-subject="${PER_SUBJECT:-5000}" --batch=1000 --erase=200 "$@"
