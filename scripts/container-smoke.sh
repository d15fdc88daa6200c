#!/usr/bin/env bash
# Smoke test of privet's container image (scripts/container.sh builds it), on a Docker daemon:
# start it on a fresh volume, wait for the health check, read the admin key from `docker logs`,
# make a service key and a subject with a field over the API, restart, and read the field back
# from the volume; a clean stop on SIGTERM, a new admin key with the server stopped, and a new
# container on the same volume (an upgrade's steps).
# Removes its container, volume and network at the end. Not part of scripts/test.sh: CI
# machines have no Docker daemon. docs/operations.md, "Running in a container".
#   scripts/container-smoke.sh [IMAGE]      (default privet:VERSION)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^project(privet VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
image=${1:-privet:$version}
name=privet-smoke-$$
docker network create "$name" >/dev/null  # a bridge of its own: the daemon's default may be off
docker volume create "$name" >/dev/null
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$name" >/dev/null 2>&1 || true
  docker network rm "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "container-smoke: FAIL: $*" >&2; docker logs "$name" 2>&1 | tail -n 20 >&2; exit 1; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# Waits until the container's health check passes; prints the seconds it took.
wait_healthy() {
  local start=$SECONDS status
  while :; do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
    [[ $status == healthy ]] && break
    [[ $status == unhealthy ]] && fail "health check: unhealthy"
    ((SECONDS - start < 120)) || fail "not healthy after 120 s"
    sleep 1
  done
  echo $((SECONDS - start))
}
# The host address of the API (the published port may change on a restart).
api() { echo "http://$(docker port "$name" 8080/tcp | head -n 1)"; }
# Subject $id's field, read back with the service key.
field_is_there() {
  curl -fsS -H "Authorization: Bearer $svc" "$(api)/v1/subjects/$id/fields?purpose=service" |
    grep -q '"Ada"' || fail "subject $id's field is gone $1"
}
admin_keys_printed() { docker logs "$name" 2>/dev/null | grep -c '^admin API key' || true; }

run() {
  docker run -d --name "$name" --network "$name" -v "$name:/var/lib/privet" -p 127.0.0.1::8080 \
    "$image" >/dev/null
}
run
echo "container-smoke: healthy after $(wait_healthy) s"
curl -fsS "$(api)/healthz" | grep -q '"ok"' || fail "GET /healthz from the host"
echo "container-smoke: GET $(api)/healthz from the host: 200"
[[ $(docker exec "$name" stat -c '%a %U' /var/lib/privet) == "700 privet" ]] ||
  fail "/var/lib/privet is not 0700, user privet"
[[ $(docker exec "$name" id -un) == privet ]] || fail "the server does not run as privet"
echo "container-smoke: runs as privet, /var/lib/privet is 0700 privet"

admin=$(docker logs "$name" 2>/dev/null | sed -n 's/^admin API key (shown once, keep it safe): //p')
[[ -n $admin ]] || fail "no admin key in docker logs"
svc=$(curl -fsS -X POST -H "Authorization: Bearer $admin" -d '{"principal":"service","label":"smoke"}' \
  "$(api)/v1/api-keys" | json '["token"]')
id=$(curl -fsS -X POST -H "Authorization: Bearer $svc" -d '{"kind":"customer","age_years":30}' \
  "$(api)/v1/subjects" | json '["id"]')
curl -fsS -X POST -H "Authorization: Bearer $svc" \
  -d '{"purposes":["service"],"fields":[{"category":"user.name","value":"Ada"}]}' \
  "$(api)/v1/subjects/$id/fields" >/dev/null
echo "container-smoke: admin key from docker logs; service key, subject $id with user.name made"

docker restart "$name" >/dev/null
echo "container-smoke: restarted, healthy after $(wait_healthy) s"
field_is_there "after the restart"
(($(admin_keys_printed) == 1)) || fail "the restart printed another admin key"
echo "container-smoke: subject $id and its field survived the restart (volume)"

start=$SECONDS
docker stop "$name" >/dev/null
stop_seconds=$((SECONDS - start))
((stop_seconds < 5)) || fail "docker stop took $stop_seconds s: SIGTERM was not handled"
[[ $(docker inspect -f '{{.State.ExitCode}}' "$name") == 0 ]] || fail "exit code after SIGTERM"
echo "container-smoke: docker stop: exit 0 after SIGTERM in $stop_seconds s"
admin2=$(docker run --rm -v "$name:/var/lib/privet" "$image" keys admin --new /var/lib/privet |
  sed -n 's/^admin API key (shown once, keep it safe): //p')
[[ -n $admin2 ]] || fail "keys admin --new printed no key"
docker start "$name" >/dev/null
wait_healthy >/dev/null
code() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
  -d '{"principal":"service","label":"smoke2"}' "$(api)/v1/api-keys"; }
[[ $(code "$admin") == 401 ]] || fail "the old admin key still works"
[[ $(code "$admin2") == 2?? ]] || fail "the new admin key does not work"
echo "container-smoke: keys admin --new (server stopped): new admin key works, the old one is revoked"

# An upgrade: a new container from the image on the same volume (here the same image).
docker rm -f "$name" >/dev/null
run
echo "container-smoke: new container on the same volume, healthy after $(wait_healthy) s"
field_is_there "in the new container"
(($(admin_keys_printed) == 0)) || fail "the new container printed an admin key for an existing vault"
echo "container-smoke: subject $id and its field are there, no new admin key printed"
echo "container-smoke: OK ($image)"
