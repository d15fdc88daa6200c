#!/usr/bin/env bash
# Delivery benchmark: privet's outbox to a real SMTP server (Debian's aiosmtpd on loopback) and
# its webhook events to a Beast HTTP receiver, each against a plain libcurl loop sending the
# same messages to the same receiver in the same run; prints the rates and the ratios. See
# bench/delivery_bench.cc for the workload and docs/performance.md for the figures.
#
#   scripts/bench-delivery.sh [--messages=N]     (default 2000)
#
# Environment: PRIVET_BUILD_DIR (default build). Needs python3-aiosmtpd (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}

[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target delivery_bench

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $(/usr/bin/python3 -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)')"
time "$build_dir/bench/delivery_bench" "$@"
