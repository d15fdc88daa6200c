#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run privet's main job on its
# embedded default. Until the server lands that job is checking the starter policy and
# rendering its privacy notice.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/privet policy check policies/starter.yaml
build/privet policy render policies/starter.yaml --format md
