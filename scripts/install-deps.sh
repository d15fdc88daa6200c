#!/usr/bin/env bash
# Installs, from Debian's packages, whatever privet needs to build and test that the machine
# lacks. Idempotent: installs nothing when everything is there. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libsodium-dev
  libsqlite3-dev sqlite3 libboost-dev libpq-dev
  libcurl4-openssl-dev libssl-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev libjemalloc-dev
  clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  python3-aiosmtpd  # tests: a real SMTP server on loopback (tests/testing/smtp_sink.py)
  nodejs wrk  # benchmarks: the Cedar comparison, the HTTP load generator
  chromium fonts-liberation  # browser tests (scripts/browser-tests.sh); Arial's metrics for pages
)
# npm: the OpenAPI linter (scripts/lint-openapi.sh). Some machines have it with their own Node.js.
if ! command -v npm >/dev/null; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
