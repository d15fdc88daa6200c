#!/usr/bin/env bash
# Server benchmark (issue #6): authorized reads of subjects' fields through `privet serve`,
# against a bare Boost.Beast server answering a fixed body (bench/bare_http_server.cc), the
# limit on this machine. Both get the same number of threads; wrk runs on the same cores. See
# docs/performance.md for the method.
#
#   scripts/bench-server.sh                                  # 3 rounds of 20 s runs, about 3 minutes
#   PRIVET_BENCH_SECONDS=5 PRIVET_BENCH_ROUNDS=1 PRIVET_BENCH_SUBJECTS=100 scripts/bench-server.sh   # smoke
#
# Both servers run side by side (the one not measured sits idle). Each round, after a warm-up:
# privet reading one subject's 10 fields (the same request every time), then the bare server
# sent the very same request and answering with the bytes privet answered it; the round's
# ratio pairs the two. Then one run of privet reading random subjects among
# PRIVET_BENCH_SUBJECTS. Prints req/s, p50/p99, the CPU each side used, and the medians over
# the rounds against the targets (privet at least half the bare server's rate, p99 under 5 ms):
# on a shared machine a server's rate drifts by 10 % from minute to minute, and pairing runs a
# round apart keeps that drift out of the ratio. Exits 1 if any answer was not a 2xx, wrk saw a
# socket error or a timeout (an answer slower than 2 s), or a server died.
#
# Environment: PRIVET_BUILD_DIR (default build), PRIVET_BENCH_SECONDS (measured seconds per run,
# default 20), PRIVET_BENCH_WARMUP (seconds, default 5), PRIVET_BENCH_ROUNDS (default 3),
# PRIVET_BENCH_CONNECTIONS (default 64), PRIVET_BENCH_THREADS (server threads, default 2; wrk
# always gets -t2), PRIVET_BENCH_SUBJECTS (default 1000; 0 or 1 skips that run),
# PRIVET_BENCH_VERBOSE (set: also print wrk's reports), PRIVET_BENCH_SERVE_ARGS (more
# `privet serve` flags, e.g. "--read-committer thread --read-commit-delay-us 50").
# Builds with the build directory's configuration (the default build: RelWithDebInfo). Installs
# wrk (Debian package) if missing. Everything runs in a fresh directory under /tmp, removed on
# exit with the servers it started.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PRIVET_BUILD_DIR:-build}
seconds=${PRIVET_BENCH_SECONDS:-20}
warmup=${PRIVET_BENCH_WARMUP:-5}
connections=${PRIVET_BENCH_CONNECTIONS:-64}
server_threads=${PRIVET_BENCH_THREADS:-2}
subjects=${PRIVET_BENCH_SUBJECTS:-1000}
rounds=${PRIVET_BENCH_ROUNDS:-3}
wrk_threads=2
fields_per_subject=10
target_ratio=0.5
target_p99_ms=5

if ((seconds < 4 || rounds < 1)); then
  echo "bench-server: PRIVET_BENCH_SECONDS must be at least 4, PRIVET_BENCH_ROUNDS at least 1" >&2
  exit 2
fi
if ! command -v wrk >/dev/null; then
  echo "bench-server: installing wrk"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

[[ -d "$build_dir" ]] || cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target privet bare_http_server

work=$(mktemp -d /tmp/privet-bench-server-XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  echo "bench-server: $*" >&2
  exit 1
}

# Starts "$@" in the background with stdout to $1.out, stderr to $1.err (under $work); waits for
# "listening on HOST:PORT" and sets $port and $server_pid.
start_server() {
  local name=$1
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  pids+=("$server_pid")
  local i
  for ((i = 0; i < 300; i++)); do
    if grep -q '^listening on ' "$work/$name.out" 2>/dev/null; then
      port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/$name.out")
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || die "$name exited: $(tail -5 "$work/$name.err")"
    sleep 0.1
  done
  die "$name did not start listening within 30 s"
}

# Drops a process that has been waited for from the ones the exit trap stops.
forget() {
  local pid kept=()
  for pid in "${pids[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
}

stop_server() {  # stop_server PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# CPU time of a process, or of the whole machine, in clock ticks.
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
hz=$(getconf CLK_TCK)
calc() { awk "BEGIN {print ($1)}"; }
# A sleep that a signal interrupts at once (bash runs traps only between foreground commands).
pause() {
  sleep "$1" &
  local pid=$!
  pids+=("$pid")
  wait "$pid"
  forget "$pid"
}

# run_wrk LABEL URL IDS_FILE SERVER_PID: a warm-up, then the measured run; prints the line and
# sets $rps, $p99_us, $non2xx, $failures. The CPU each process used is sampled over the middle
# of the run (from 1 s in to 1 s before the end).
run_wrk() {
  local label=$1 url=$2 ids=$3 server_pid=$4
  BENCH_TOKEN=$token BENCH_IDS_FILE=$ids wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" \
    -s bench/wrk/read_fields.lua "$url" >"$work/warmup.txt" 2>&1 ||
    die "wrk warm-up failed: $(cat "$work/warmup.txt")"
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  BENCH_TOKEN=$token BENCH_IDS_FILE=$ids wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" \
    --latency -s bench/wrk/read_fields.lua "$url" >"$work/wrk.txt" 2>&1 &
  local wrk_pid=$!
  pids+=("$wrk_pid")
  pause 1
  local s0 w0 m0 s1 w1 m1
  s0=$(proc_ticks "$server_pid") w0=$(proc_ticks "$wrk_pid") m0=$(machine_busy_ticks)
  pause $((seconds - 2))
  s1=$(proc_ticks "$server_pid") w1=$(proc_ticks "$wrk_pid") m1=$(machine_busy_ticks)
  wait "$wrk_pid" || die "wrk failed: $(cat "$work/wrk.txt")"
  forget "$wrk_pid"
  kill -0 "$server_pid" 2>/dev/null || die "the server died during the run: $(tail -5 "$work"/*.err)"
  runs=$((runs + 1))
  cp "$work/wrk.txt" "$work/wrk-$(printf %02d "$runs") $label.txt"
  local result
  result=$(grep '^RESULT ' "$work/wrk.txt") || die "no result from wrk: $(cat "$work/wrk.txt")"
  field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$result"; }
  rps=$(field rps) p99_us=$(field p99_us) non2xx=$(field non2xx)
  local p50_us requests errors window
  p50_us=$(field p50_us) requests=$(field requests)
  errors="connect $(field connect), read $(field read), write $(field write), timeout $(field timeout)"
  failures=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
  window=$((seconds - 2))
  printf '%-36s %9.0f req/s   p50 %6.2f ms   p99 %6.2f ms   max %7.2f ms\n' "$label" "$rps" \
    "$(calc "$p50_us/1000")" "$(calc "$p99_us/1000")" "$(calc "$(field max_us)/1000")"
  printf '%-36s %s requests, %s non-2xx; socket errors: %s\n' "" "$requests" "$non2xx" "$errors"
  printf '%-36s cpu (cores): server %.2f, wrk %.2f, machine busy %.2f of %d; load before %s\n' "" \
    "$(calc "($s1-$s0)/$hz/$window")" "$(calc "($w1-$w0)/$hz/$window")" \
    "$(calc "($m1-$m0)/$hz/$window")" "$(nproc)" "$load"
  printf '%-36s cpu per request: server %.1f us, wrk %.1f us, machine %.1f us\n' "" \
    "$(calc "($s1-$s0)/$hz*1e6/($rps*$window)")" "$(calc "($w1-$w0)/$hz*1e6/($rps*$window)")" \
    "$(calc "($m1-$m0)/$hz*1e6/($rps*$window)")"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)," \
  "/tmp on $(df --output=source,fstype /tmp | tail -1 | tr -s ' ')"

# --- privet serve on a fresh vault, the starter policy -------------------------------------
start_server privet "$build_dir/privet" serve --policy policies/starter.yaml --data "$work/data" \
  --listen 127.0.0.1:0 --threads "$server_threads" ${PRIVET_BENCH_SERVE_ARGS:-}
privet_pid=$server_pid
base="http://127.0.0.1:$port"
admin=$(sed -n 's/^admin API key.*: \(pvk_[A-Za-z0-9_-]*\)$/\1/p' "$work/privet.out")
[[ -n "$admin" ]] || die "privet printed no admin key"

api() {  # api METHOD PATH TOKEN [BODY]: prints the body, fails on a non-2xx
  curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    ${4:+--data "$4"} "$base$2"
}
token=$(api POST /v1/api-keys "$admin" '{"principal":"service","label":"bench-server"}' | jq -r .token)
[[ "$token" == pvk_* ]] || die "could not create a service key"

# Subjects, each with an email and 9 names collected for `service`, written in two curl
# processes (one keep-alive connection each): all the subjects, then all their fields.
total_subjects=$((subjects > 1 ? subjects : 1))
fields_body() {
  local i=$1 k
  local list="{\"category\":\"user.contact.email\",\"value\":\"subject-$i@example.com\"}"
  for ((k = 1; k < fields_per_subject; k++)); do
    list+=",{\"category\":\"user.name\",\"value\":\"Name $k of subject $i\"}"
  done
  echo "{\"purposes\":[\"service\"],\"fields\":[$list]}"
}
curl_config() {  # curl_config METHOD < lines of "PATH<TAB>BODY"
  local path body first=1
  while IFS=$'\t' read -r path body; do
    ((first)) || echo next
    first=0
    printf 'url = "%s%s"\nrequest = "%s"\nheader = "Authorization: Bearer %s"\n' \
      "$base" "$path" "$1" "$token"
    printf 'header = "Content-Type: application/json"\ndata = "%s"\nsilent\nshow-error\nfail-with-body\n' \
      "${body//\"/\\\"}"
  done
}
echo "setup: $total_subjects subjects x $fields_per_subject fields through the API..."
setup_start=$(date +%s.%N)
for ((i = 0; i < total_subjects; i++)); do
  printf '/v1/subjects\t{"kind":"customer","age_years":30,"jurisdiction":"EU"}\n'
done | curl_config POST >"$work/subjects.curl"
curl -K "$work/subjects.curl" >"$work/subjects.json" ||
  die "creating subjects failed: $(tail -2 "$work/subjects.json")"
jq -r .id "$work/subjects.json" >"$work/ids-all.txt"
created=$(wc -l <"$work/ids-all.txt")
((created == total_subjects)) || die "created $created subjects, not $total_subjects"
i=0
while read -r id; do
  printf '/v1/subjects/%s/fields\t%s\n' "$id" "$(fields_body "$i")"
  i=$((i + 1))
done <"$work/ids-all.txt" | curl_config POST >"$work/fields.curl"
curl -K "$work/fields.curl" >"$work/fields.json" ||
  die "writing fields failed: $(tail -2 "$work/fields.json")"
written=$(jq '.field_ids | length' "$work/fields.json" | awk '{n += $1} END {print n}')
((written == total_subjects * fields_per_subject)) ||
  die "wrote $written fields, not $((total_subjects * fields_per_subject))"
printf 'setup: done in %.1f s\n' "$(calc "$(date +%s.%N) - $setup_start")"
head -1 "$work/ids-all.txt" >"$work/ids-one.txt"

# The response the bare server will send: what privet answers the single-subject request.
one_path="/v1/subjects/$(cat "$work/ids-one.txt")/fields?purpose=service"
api GET "$one_path" "$token" >"$work/read-body.json"
read_fields=$(jq '.fields | length' "$work/read-body.json")
((read_fields == fields_per_subject)) || die "the read returned $read_fields fields, not $fields_per_subject"
body_bytes=$(wc -c <"$work/read-body.json")

# --- the bare server: same threads, same request bytes, privet's response body -------------
# It runs beside privet from here on; whichever is not being measured sits idle.
start_server bare "$build_dir/bench/bare_http_server" --listen 127.0.0.1:0 --threads "$server_threads" \
  --body-file "$work/read-body.json"
bare_pid=$server_pid
bare_base="http://127.0.0.1:$port"

echo "== privet serve vs a bare Beast server: wrk -t$wrk_threads -c$connections," \
  "${warmup} s warm-up + ${seconds} s per run, $rounds rounds," \
  "$server_threads server threads, wrk on the same $(nproc) cores =="
failed=0 runs=0
ratios=() privet_p99s=()
for ((round = 1; round <= rounds; round++)); do
  run_wrk "privet, 1 subject x $fields_per_subject fields" "$base" "$work/ids-one.txt" "$privet_pid"
  privet_rps=$rps
  privet_p99s+=("$p99_us")
  ((non2xx == 0 && failures == 0)) || failed=1
  run_wrk "bare Beast, fixed ${body_bytes}-byte body" "$bare_base" "$work/ids-one.txt" "$bare_pid"
  ((non2xx == 0 && failures == 0)) || failed=1
  ratios+=("$(calc "$privet_rps / $rps")")
  printf '%-36s %.3f\n' "ratio, round $round of $rounds:" "${ratios[-1]}"
done
if ((subjects > 1)); then
  run_wrk "privet, $subjects subjects x $fields_per_subject fields" "$base" "$work/ids-all.txt" "$privet_pid"
  many_p99_us=$p99_us
  ((non2xx == 0 && failures == 0)) || failed=1
fi
if grep -q '"status":5' "$work/privet.err"; then
  echo "bench-server: privet logged 5xx answers" >&2
  failed=1
fi
stop_server "$privet_pid"
kill -0 "$privet_pid" 2>/dev/null && die "privet did not stop"
stop_server "$bare_pid"

# The medians over the rounds: each ratio pairs two runs a minute apart at most, so a machine
# that speeds up or slows down during the benchmark moves both sides of it.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio=$(median "${ratios[@]}")
p99_ms=$(calc "$(median "${privet_p99s[@]}") / 1000")
verdict() { if (($(calc "$1"))); then echo met; else echo MISSED; fi; }
printf '%-36s %.3f   target >= %s: %s\n' "ratio (privet/bare, median):" "$ratio" "$target_ratio" \
  "$(verdict "$ratio >= $target_ratio")"
printf '%-36s %.2f ms   target < %s ms: %s (%.2fx the target)\n' "p99 (privet, 1 subject, median):" "$p99_ms" \
  "$target_p99_ms" "$(verdict "$p99_ms < $target_p99_ms")" "$(calc "$p99_ms / $target_p99_ms")"
if ((subjects > 1)); then
  printf '%-36s %.2f ms   target < %s ms: %s\n' "p99 (privet, $subjects subjects):" \
    "$(calc "$many_p99_us / 1000")" "$target_p99_ms" "$(verdict "$many_p99_us < $target_p99_ms * 1000")"
fi
if [[ -n "${PRIVET_BENCH_VERBOSE:-}" ]]; then
  for f in "$work"/wrk-*.txt; do echo "--- $f"; cat "$f"; done
fi
((failed == 0)) || die "some requests failed (non-2xx answers or socket errors): see above"
