#!/usr/bin/env bash
# Privacy-center benchmark (issue 19): the "My data" page of a signed-in subject against the JSON
# read of the same subject's fields, by the same session, in the same run: wrk, 16 connections,
# each for PRIVET_BENCH_SECONDS after a warm-up. Prints req/s, p50 and p99 of both, and the ratio
# (target: the page at least 0.5x the JSON route's rate, its p99 under 10 ms). See
# docs/performance.md.
#
#   scripts/bench-center.sh                          # 2 rounds of 10 s runs, under a minute
#   PRIVET_BENCH_SECONDS=4 PRIVET_BENCH_ROUNDS=1 scripts/bench-center.sh    # smoke
#
# The page is a read of every field with its purposes, bases, retention and recipients (the
# export), rendered as HTML and recorded in the audit log; the JSON route reads the fields of one
# purpose. Both run against a fresh vault (starter policy) in a directory under /tmp, removed on
# exit with the server. Exits 1 if any answer was not a 200 or wrk saw an error.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}
seconds=${PRIVET_BENCH_SECONDS:-10}
rounds=${PRIVET_BENCH_ROUNDS:-2}
connections=16
fields=10
command -v wrk >/dev/null || scripts/install-deps.sh
[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target privet

work=$(mktemp -d /tmp/privet-bench-center-XXXXXX)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
die() {
  echo "bench-center: $*" >&2
  exit 1
}

"$build_dir/privet" serve --policy policies/starter.yaml --data "$work/data" \
  --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
  grep -q '^listening on ' "$work/out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || die "privet exited: $(tail -5 "$work/err")"
  sleep 0.1
done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/out")
[[ -n $port ]] || die "privet did not start"
base="http://127.0.0.1:$port"
admin=$(sed -n 's/^admin API key.*: \(pvk_[A-Za-z0-9_-]*\)$/\1/p' "$work/out")
api() {  # api METHOD PATH TOKEN [BODY]
  curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $3" \
    -H 'Content-Type: application/json' ${4:+--data "$4"} "$base$2"
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
service=$(api POST /v1/api-keys "$admin" '{"principal":"service","label":"bench"}' | json token)
id=$(api POST /v1/subjects "$service" '{"kind":"customer","age_years":30}' | json id)
list='{"category":"user.contact.email","value":"bench@example.com"}'
for ((k = 1; k < fields; k++)); do list+=",{\"category\":\"user.name\",\"value\":\"Name $k\"}"; done
api POST "/v1/subjects/$id/fields" "$service" "{\"purposes\":[\"service\"],\"fields\":[$list]}" \
  >/dev/null
api PUT "/v1/subjects/$id/password" "$service" '{"password":"a long enough password"}' >/dev/null
session=$(curl -sS --fail-with-body -X POST -d \
  '{"email":"bench@example.com","password":"a long enough password"}' "$base/v1/sessions" |
  json token)

# run LABEL URL HEADER: prints the line, sets $rps and $p99_ms.
run() {
  local label=$1 url=$2 header=$3
  wrk -t2 -c"$connections" -d2s -H "$header" "$url" >/dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "$header" "$url" >"$work/wrk.txt"
  grep -q 'Non-2xx\|Socket errors' "$work/wrk.txt" && die "$label: $(cat "$work/wrk.txt")"
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[^m]s$/) n *= 1000; print n }'; }
  local p50 p99
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")")
  p99_ms=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")")
  printf '%-44s %9.0f req/s   p50 %6.2f ms   p99 %6.2f ms\n' "$label" "$rps" "$p50" "$p99_ms"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg); $fields fields, $connections connections, ${seconds} s"
ratios=()
page_p99s=()
for ((round = 1; round <= rounds; round++)); do
  run "round $round: JSON read (GET /v1/subjects/{id}/fields)" \
    "$base/v1/subjects/$id/fields?purpose=service" "Authorization: Bearer $session"
  json_rps=$rps
  run "round $round: My data page (/privacy-center/data)" "$base/privacy-center/data" \
    "Cookie: privet_session=$session"
  ratios+=("$(awk -v a="$rps" -v b="$json_rps" 'BEGIN {printf "%.3f", a / b}')")
  page_p99s+=("$p99_ms")
done
ratio=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
p99=$(printf '%s\n' "${page_p99s[@]}" | sort -n | tail -1)
echo
echo "page / JSON ratio per round: ${ratios[*]} (median $ratio; target >= 0.5)"
echo "page p99, worst round: $p99 ms (target < 10 ms)"
awk -v r="$ratio" -v p="$p99" 'BEGIN { exit !(r >= 0.5 && p < 10) }' && echo "targets: met" ||
  echo "targets: MISSED"
