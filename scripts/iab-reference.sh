#!/usr/bin/env bash
# The reference differential test (tests/reference/iab_reference_test.cc): COUNT random consent
# states encoded by the IAB's own JavaScript libraries, decoded and re-encoded by privet.
#
#   scripts/iab-reference.sh [COUNT [SEED]]     (default 10000 states, seed 1; ctest runs 10000)
#   scripts/iab-reference.sh 1000000 7          (the long run: about 11 minutes on 2 cores)
#
# The libraries come from npm, pinned by tools/iab-reference/package-lock.json, and are installed
# into tools/iab-reference/node_modules the first time (needs Node.js 18+). The test binary is
# $PRIVET_IAB_REFERENCE_TEST, else build/iab_reference_test.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
seed=${2:-1}
tools=tools/iab-reference
test_binary=${PRIVET_IAB_REFERENCE_TEST:-build/iab_reference_test}
if [[ ! -d $tools/node_modules/@iabtechlabtcf/core || ! -d $tools/node_modules/@iabgpp/cmpapi ]]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >&2
fi
node "$tools/generate.js" --seed "$seed" --count "$count" | "$test_binary"
