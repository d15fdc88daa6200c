#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format-14 makes of it (.clang-format: Google
# style, 100 columns). Fix with: git ls-files '*.cc' '*.h' | xargs clang-format-14 -i
# (or `git clang-format` on staged changes). Part of the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format-14 --dry-run --Werror
echo "check-format: $(git ls-files '*.cc' '*.h' | wc -l) files formatted"
