#!/usr/bin/env bash
# The browser tests (tools/browser/tests/*.test.js): privet's web pages in a real Chromium,
# Debian's, driven by Playwright, against a real `privet serve` with a fresh vault per test file,
# with axe-core for accessibility (docs/development.md#browser-tests).
#
#   scripts/browser-tests.sh                                   (every test file; ctest runs this)
#   scripts/browser-tests.sh tools/browser/tests/notice.test.js  (some of them)
#
# Builds nothing: it tests $PRIVET_BINARY, else build/privet. Installs what is missing: Chromium
# and fonts from Debian (as scripts/install-deps.sh lists them; needs root or sudo), and
# playwright-core and axe-core from npm, pinned by tools/browser/package-lock.json, into
# tools/browser/node_modules (needs Node.js 20+). PRIVET_BROWSER_VERBOSE=1 copies the servers'
# access logs to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=tools/browser
for p in chromium fonts-liberation; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    scripts/install-deps.sh >&2
    break
  fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "browser-tests: Playwright needs Node.js 20 or later; this is $(node --version)" >&2
  exit 1
fi
# Installed the first time, and again when the lock file has changed since.
if [[ ! -f $tools/node_modules/.package-lock.json ||
      $tools/package-lock.json -nt $tools/node_modules/.package-lock.json ]]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >&2
fi
if (($# == 0)); then
  set -- "$tools"/tests/*.test.js
fi
# One file at a time: each starts its own server and browser, and the machine has 2 cores.
exec node --test --test-reporter=spec --test-concurrency=1 "$@"
