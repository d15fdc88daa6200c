#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start privet on its embedded
# default: SQLite in ./data (PRIVET_DATA to change), the starter policy, the HTTP API and the
# privacy center and notice on http://127.0.0.1:8080 (PRIVET_LISTEN to change). The first start prints the
# admin API key once; keep it. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/privet policy check policies/starter.yaml
data=${PRIVET_DATA:-data}
listen=${PRIVET_LISTEN:-127.0.0.1:8080}
echo "privet: open http://$listen/ (the privacy center; the notice at /privacy, the API in docs/api.md), data in $data"
exec build/privet serve --policy policies/starter.yaml --data "$data" --listen "$listen"
