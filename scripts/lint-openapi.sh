#!/usr/bin/env bash
# Lints api/openapi.yaml with Redocly's OpenAPI linter, every rule of its strict set an error.
# The linter comes from npm, pinned by tools/openapi-lint/package-lock.json, and is installed
# into tools/openapi-lint/node_modules the first time (about a minute; needs Node.js 18.17+).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=tools/openapi-lint
if [[ ! -x $tools/node_modules/.bin/redocly ]]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >&2
fi
exec "$tools/node_modules/.bin/redocly" lint --extends recommended-strict --format stylish api/openapi.yaml
