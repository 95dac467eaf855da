#!/usr/bin/env bash
# Every speed target of issue 16, measured in one run on this machine, each beside its baseline:
#   1. `claimgate validate --format summary` on a generated 837P batch, CPU time of the whole
#      process (code-set load included) beside `cat` and the single-pass scan that tokenizes
#      segments and checks pointers (bench_scan_baseline); 837I and 837D beside it;
#   2. one core against two (bench_cores: the CLI under taskset, the Kafka worker's batches);
#   3. the in-process benchmarks: parse to claims (bench_x12_parse), rules (bench_rules_eval),
#      the pipeline (bench_validate_pipeline), FHIR (bench_fhir_parse);
#   4. the server (server_bench.sh) and the peers (peers.sh) unless QUICK=1.
# Not a test: nothing is asserted. docs/performance.md quotes its output.
#   tests/bench/targets.sh [BUILD_DIR] [CLAIMS]        (defaults: build, 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
CLAIMS="${2:-100000}"
[ -x /usr/bin/time ] || { echo "targets: /usr/bin/time is needed (Debian package time)" >&2; exit 2; }
cmake --build "$BUILD" --target claimgate bench_gen837_file bench_scan_baseline bench_x12_parse \
  bench_rules_eval bench_validate_pipeline bench_fhir_parse bench_cores >/dev/null

DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
TODAY=2026-01-15
echo "claimgate $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"

# cpu_of LOG: user + system seconds from the last line of /usr/bin/time -f '%U %S %e %M' (a
# command that exits non-zero, as validate does when it rejects claims, gets a line before it).
cpu_of() { tail -n 1 "$1" | awk '{ printf "%.2f", $1 + $2 }'; }
wall_of() { tail -n 1 "$1" | awk '{ printf "%.2f", $3 }'; }
rss_of() { tail -n 1 "$1" | awk '{ printf "%.0f MB", $4 / 1024 }'; }
per_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }'; }

echo
echo "== 1. validate --format summary, whole process, one core (CPU time)"
printf '%-12s %-40s %8s %10s %12s %10s\n' input what "CPU s" "MB/CPU-s" "claims/CPU-s" "peak RSS"
for kind in professional institutional dental; do
  batch="$DIR/$kind.x12"
  "$BUILD/tests/bench_gen837_file" "$CLAIMS" "$kind" > "$batch"
  mb=$(awk -v b="$(stat -c %s "$batch")" 'BEGIN { printf "%.1f", b / 1e6 }')
  label="$kind ${mb}MB"
  /usr/bin/time -f '%U %S %e %M' -o "$DIR/t" cat "$batch" > /dev/null
  printf '%-12s %-40s %8s %10s %12s %10s\n' "${kind:0:12}" "cat (baseline)" "$(cpu_of "$DIR/t")" \
    "$(per_s "$mb" "$(cpu_of "$DIR/t")")" - "$(rss_of "$DIR/t")"
  /usr/bin/time -f '%U %S %e %M' -o "$DIR/t" "$BUILD/tests/bench_scan_baseline" "$batch" > "$DIR/scan"
  printf '%-12s %-40s %8s %10s %12s %10s\n' "" "scan + pointer check (baseline)" "$(cpu_of "$DIR/t")" \
    "$(per_s "$mb" "$(cpu_of "$DIR/t")")" "$(per_s "$CLAIMS" "$(cpu_of "$DIR/t")")" "$(rss_of "$DIR/t")"
  scan_cpu=$(cpu_of "$DIR/t")
  /usr/bin/time -f '%U %S %e %M' -o "$DIR/t" taskset -c 0 "$BUILD/claimgate" validate "$batch" \
    --format summary --today "$TODAY" --jobs 1 > "$DIR/summary" || true
  cpu=$(cpu_of "$DIR/t")
  printf '%-12s %-40s %8s %10s %12s %10s  (%sx the scan)\n' "" "claimgate validate --jobs 1" "$cpu" \
    "$(per_s "$mb" "$cpu")" "$(per_s "$CLAIMS" "$cpu")" "$(rss_of "$DIR/t")" \
    "$(awk -v a="$cpu" -v b="$scan_cpu" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')"
  echo "  ($label: $(head -1 "$DIR/summary"))"
done

echo
echo "== 2. every core: one and two cores, wall clock and CPU (bench_cores)"
"$BUILD/tests/bench_cores" "$CLAIMS" 1

echo
echo "== 3. in-process benchmarks (each prints its own baseline)"
taskset -c 0 "$BUILD/tests/bench_x12_parse" "$CLAIMS" 0
echo
taskset -c 0 "$BUILD/tests/bench_rules_eval"
echo
taskset -c 0 "$BUILD/tests/bench_validate_pipeline" "$CLAIMS"
echo
taskset -c 0 "$BUILD/tests/bench_fhir_parse"

if [ "${QUICK:-0}" != 1 ]; then
  echo
  echo "== 4. the server"
  DURATION="${DURATION:-5}" tests/bench/server_bench.sh "$BUILD"
  echo
  echo "== 5. peers"
  if [ -d "$BUILD/npm/node_modules/node-x12" ]; then tests/bench/peers.sh "$BUILD" "$CLAIMS"
  else echo "(node-x12 not installed under $BUILD/npm: deploy/test.sh installs it)"; fi
fi
