#!/usr/bin/env bash
# The install as another project sees it. Installs the build into a scratch prefix, then builds
# the README's C++ snippet (the fenced ```cpp block, verbatim) against it twice, once through
# find_package(privet) and once through pkg-config, and runs it: the documented embedding works
# as written. Usage: install_and_embed.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
for f in bin/privet include/privet/vault.h lib/libprivet.a lib/cmake/privet/privetConfig.cmake \
         lib/pkgconfig/privet.pc share/privet/policies/starter.yaml lib/systemd/system/privet.service; do
  [[ -e "$scratch/prefix/$f" ]] || { echo "not installed: $f" >&2; exit 1; }
done
"$scratch/prefix/bin/privet" --version

# The snippet, wrapped in main() after every public header; its relative policy path is the
# source tree's, and its data directory gets a scratch one.
mkdir -p "$scratch/consumer"
{
  for h in "$scratch"/prefix/include/privet/*.h; do echo "#include <privet/$(basename "$h")>"; done
  echo "int main() {"
  awk '/^```cpp$/ {in_block = 1; next} /^```$/ {in_block = 0} in_block' "$source/README.md" |
    sed "s|\"policies/|\"$source/policies/|; s|\"/tmp/privet-demo\"|\"$scratch/demo\"|"
  echo "  return 0;"
  echo "}"
} >"$scratch/consumer/main.cc"
grep -q "Vault::Open" "$scratch/consumer/main.cc" || { echo "no C++ snippet found in README.md" >&2; exit 1; }

cat >"$scratch/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(consumer LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(privet 0.1 REQUIRED)
add_executable(consumer main.cc)
target_link_libraries(consumer PRIVATE privet::core)
CMAKE
cmake -S "$scratch/consumer" -B "$scratch/consumer/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/consumer/build" >/dev/null
"$scratch/consumer/build/consumer"
echo "find_package(privet): the README snippet builds and runs"

rm -rf "$scratch/demo"
PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig" \
  sh -c "c++ -o '$scratch/consumer/by-pkg-config' '$scratch/consumer/main.cc' \$(pkg-config --cflags --libs privet)"
"$scratch/consumer/by-pkg-config"
echo "pkg-config privet: the README snippet builds and runs"
