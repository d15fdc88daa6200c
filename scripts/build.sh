#!/usr/bin/env bash
# Configures and builds privet into build/ (or $PRIVET_BUILD_DIR) with both cores.
# Extra arguments go to cmake's configure step, e.g. -DPRIVET_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
