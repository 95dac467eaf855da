#!/usr/bin/env bash
# claims/s through the C ABI, the Java binding and the Python binding against the CLI, on the
# same generated batch (tests/support/gen837.hpp), side by side in one run; each binding's
# ratio to the C ABI is its overhead. The CLI row is a process per batch (start-up and index
# load included): what running `claimgate validate` per message costs an engine.
# usage: engine/embed/bench/embed_bench.sh [BUILD_DIR] [CLAIMS_PER_BATCH] [SECONDS]
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
claims=${2:-100}
seconds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tests/bench_gen837_file" "$claims" > "$work/batch.x12"
lib="$build/libclaimgate.so.1"

run() {  # name command... -> "name claims/s" on stdout
  "$@" | awk '{print $2}'
}
cli_rate() {
  local n=0 t0 t1
  t0=$(date +%s.%N)
  while :; do
    "$build/claimgate" validate --format json --today 2026-06-01 "$work/batch.x12" >/dev/null || [ $? -eq 1 ]
    n=$((n + 1))
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v s="$seconds" 'BEGIN { exit !(b - a >= s) }' && break
  done
  awk -v n="$n" -v c="$claims" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n * c / (b - a) }'
}

for mode in answers report; do
  c=$(run "$build/bench_embed" "$work/batch.x12" "$claims" "$seconds" "$mode")
  j=$(run java -cp "$build/claimgate.jar:/usr/share/java/jna.jar" -Dclaimgate.library="$lib" \
        "$src/engine/embed/bench/EmbedBench.java" "$work/batch.x12" "$claims" "$seconds" "$mode")
  p=$(CLAIMGATE_LIBRARY="$lib" PYTHONPATH="$src/bindings/python" \
        python3 "$src/engine/embed/bench/embed_bench.py" "$work/batch.x12" "$claims" "$seconds" "$mode")
  p=${p#python }
  if [ "$mode" = answers ]; then
    cli=$(cli_rate)
    echo "batch of $claims claims (837P, generated), $seconds s per row"
    printf '%-36s %12s %10s %10s\n' "path" "claims/s" "us/claim" "vs C ABI"
  fi
  label="validate + 999/277CA/837 (default)"
  [ "$mode" = report ] && label="report only (answers=false)"
  echo "-- $label"
  for row in "C ABI (cg_validate):$c" "Java (ClaimGate.validate):$j" "Python (Engine.validate):$p"; do
    name=${row%%:*} rate=${row##*:}
    awk -v n="$name" -v r="$rate" -v c="$c" 'BEGIN { printf "%-36s %12.0f %10.1f %9.2fx\n", n, r, 1e6 / r, c / r }'
  done
  if [ "$mode" = answers ]; then
    awk -v r="$cli" -v c="$c" 'BEGIN { printf "%-36s %12.0f %10.1f %9.2fx\n", "CLI (claimgate validate per batch)", r, 1e6 / r, c / r }'
  fi
done
