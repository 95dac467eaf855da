#!/usr/bin/env bash
# libclaimgate from an installed tree (PREFIX, made by `cmake --install`): C programs built only
# from what is installed (pkg-config for the shared library, find_package(claimgate) for the
# shared and the static one) validate the examples; their JSON must be byte for byte what the
# CLI prints, through cg_validate (with and without answers) and through cg_stream_* (chunks of
# 4 KiB). Then every API path and the multi-threaded run, against the installed library.
# usage: installed_test.sh BUILD_DIR SOURCE_DIR PREFIX
set -euo pipefail
build=$1 src=$2 prefix=$3
today=2026-06-01
# Nothing of the build or source tree may be needed from here on but the test sources.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/$(gcc -print-multiarch 2>/dev/null)/pkgconfig"
pkg-config --exists claimgate || { echo "claimgate.pc not installed"; exit 1; }
libdir=$(realpath "$(pkg-config --variable=libdir claimgate)")
[ -f "$prefix/include/claimgate.h" ] || { echo "claimgate.h not installed"; exit 1; }
[ "$(readlink "$libdir/libclaimgate.so")" = libclaimgate.so.1 ] || { echo "libclaimgate.so -> SONAME link missing"; exit 1; }
exported=$(nm -D --defined-only "$libdir/libclaimgate.so.1" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' |
  sed 's/@.*//' | grep -v '^cg_' || true)
[ -z "$exported" ] || { echo "symbols beyond cg_* exported: $exported"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -std=c11 -Wall -Wextra -Werror -o "$work/embed_test_pc" "$src/tests/embed/embed_test.c" \
  $(pkg-config --cflags --libs claimgate) -lpthread -Wl,-rpath,"$libdir"
mkdir "$work/consumer"
cat > "$work/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(consumer C CXX)
find_package(claimgate 0.1 REQUIRED CONFIG)
find_package(Threads REQUIRED)
add_executable(embed_test_shared $src/tests/embed/embed_test.c)
target_link_libraries(embed_test_shared PRIVATE claimgate::claimgate Threads::Threads)
add_executable(embed_test_static $src/tests/embed/embed_test.c)
target_link_libraries(embed_test_static PRIVATE claimgate::claimgate_static Threads::Threads)
CMAKE
cmake -S "$work/consumer" -B "$work/consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer/build" >/dev/null
# ldd's whole output is read before it is searched: `ldd | grep -q` under pipefail fails whenever
# grep exits at its match before ldd has written the rest (SIGPIPE).
loads=$(ldd "$work/consumer/build/embed_test_shared")
grep -qF "$libdir/libclaimgate.so.1" <<<"$loads" ||
  { echo "embed_test_shared does not load the installed library ($libdir):"; echo "$loads"; exit 1; }
loads=$(ldd "$work/consumer/build/embed_test_static")
if grep -q libclaimgate <<<"$loads"; then
  echo "embed_test_static loads libclaimgate.so:"; echo "$loads"; exit 1
fi

# A program linking libclaimgate.a has no library folder to find the index from: it names it.
static_env=(env CLAIMGATE_CODESET="$prefix/share/claimgate/icd10cm.cgx")
cli="$build/claimgate"
[ -x "$prefix/bin/claimgate" ] && cli="$prefix/bin/claimgate"
files=$(cd "$src" && find conformance/cases conformance/fhir/corpus conformance/x12 -type f \
  \( -name 'input.*' -o -name '*.json' -o -name '*.x12' -o -name '*.edi' -o -name '*.837' \) \
  ! -name expected.json | sort)
cd "$src"
mkdir "$work/pc" "$work/static"
"$work/embed_test_pc" compare "$today" "$work/pc" $files
"${static_env[@]}" "$work/consumer/build/embed_test_static" compare "$today" "$work/static" $files
n=0
for f in $files; do
  "$cli" validate --format json --today "$today" "$f" > "$work/cli.json" 2>/dev/null || true
  for got in "$work/pc/$n".{validate,report,stream}.json "$work/static/$n".{validate,report,stream}.json; do
    cmp -s "$work/cli.json" "$got" ||
      { echo "$(basename "$got") differs from the CLI for $f:"; diff "$work/cli.json" "$got" | head -5; exit 1; }
  done
  n=$((n + 1))
done
echo "$n examples: cg_validate (with and without answers) and cg_stream_*, through the shared and the static library, match the CLI byte for byte"
"$work/embed_test_pc" api "$src/conformance/cases/837p/clean-office-visit/input.x12" \
  "$src/conformance/fhir/corpus/claim/hl7r4ex__Claim-100150.json"
"${static_env[@]}" "$work/consumer/build/embed_test_static" threads 4 2 $(head -20 <<<"$files")
