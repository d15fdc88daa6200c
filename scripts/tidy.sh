#!/usr/bin/env bash
# clang-tidy-14 (.clang-tidy) on the C++ files a change touched, warnings as errors. Part of the
# README's test command, after the build (it reads build/compile_commands.json).
#
#   scripts/tidy.sh                # the files changed since $PRIVET_TIDY_BASE (default HEAD~1)
#   scripts/tidy.sh FILE...        # these files
#   PRIVET_TIDY_BASE=origin/main scripts/tidy.sh
#
# A header counts through the .cc files that include it: a changed header is checked as part of
# its own .cc (and clang-tidy reports warnings in our headers from any .cc it checks).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}
if (($# > 0)); then
  files=("$@")
else
  base=${PRIVET_TIDY_BASE:-HEAD~1}
  if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
    echo "tidy: no base $base (a first commit?): nothing to compare with"
    exit 0
  fi
  mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- '*.cc' '*.h')
  files=()
  for f in "${changed[@]}"; do
    [[ $f == *.h && -f ${f%.h}.cc ]] && f=${f%.h}.cc
    [[ $f == *.cc ]] && grep -q "\"file\": \"$PWD/$f\"" "$build_dir/compile_commands.json" &&
      files+=("$f")
  done
  mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | sed '/^$/d')
fi
if ((${#files[@]} == 0)); then
  echo "tidy: no changed C++ sources"
  exit 0
fi
echo "tidy: ${#files[@]} file(s)"
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy-14 -p "$build_dir" --quiet --warnings-as-errors='*'
echo "tidy: clean"
