#!/usr/bin/env bash
# Builds privet's container image, privet:VERSION: the Debian package from build/ (configured
# here if it is missing; only the privet binary is built), then packaging/container/Dockerfile
# on the registry's debian:12-slim, or on the Debian 12 image --base names (e.g. one made with
# debootstrap and `docker import` where no registry is reachable). Needs a Docker daemon and
# the build dependencies (scripts/install-deps.sh). docs/operations.md, "Running in a container".
#   scripts/container.sh [--base IMAGE] [--tag NAME:TAG] [-- DOCKER_BUILD_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
base=debian:12-slim
tag=""
while (($#)); do
  case $1 in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: scripts/container.sh [--base IMAGE] [--tag NAME:TAG] [-- DOCKER_BUILD_ARGS...]" >&2
       exit 2 ;;
  esac
done

build_dir=${PRIVET_BUILD_DIR:-build}
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  cmake -S . -B "$build_dir" -G Ninja >/dev/null
fi
cmake --build "$build_dir" -j "${PRIVET_JOBS:-$(nproc)}" --target privet
(cd "$build_dir" && cpack -G DEB >/dev/null)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
deb=$build_dir/privet_${version}_$(dpkg --print-architecture).deb
tag=${tag:-privet:$version}

# The build context is the package alone: nothing of the source tree goes to the daemon.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$deb" "$context/"
docker build -f packaging/container/Dockerfile --build-arg "BASE=$base" -t "$tag" "$@" "$context"
echo "container: built $tag from $(basename "$deb") on $base"
