#!/usr/bin/env bash
# Peers benchmark: one generated 837P batch, read in one run by claimgate and by the independent
# parser the tests already install (node-x12, npm, under BUILD/npm: see deploy/test.sh), each
# as its own process under /usr/bin/time -v. Prints, per tool, the claims it reported, CPU
# seconds (user + system), claims per CPU-second, wall time and peak resident memory. What each
# does differs: claimgate parses, checks the 837 guide, maps every claim and validates every
# code against the ICD-10-CM release of the date of service; node-x12 only splits the
# interchange into an object model of segments. Not a test: nothing is asserted.
#   tests/bench/peers.sh [BUILD_DIR] [CLAIMS]        (defaults: build, 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
CLAIMS="${2:-100000}"
[ -x /usr/bin/time ] || { echo "peers: /usr/bin/time is needed (Debian package time)" >&2; exit 2; }
cmake --build "$BUILD" --target claimgate bench_gen837_file >/dev/null

DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
BATCH="$DIR/batch.x12"
"$BUILD/tests/bench_gen837_file" "$CLAIMS" > "$BATCH"
MB=$(awk -v b="$(stat -c %s "$BATCH")" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "generated 837P: $CLAIMS claims, $MB MB; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %9s %8s %14s %8s %12s\n' tool claims "CPU s" "claims/CPU-s" "wall s" "peak RSS"

# run NAME CLAIMS_FROM COMMAND...: CLAIMS_FROM is "out" (the command prints the count) or a
# number (claims known from the batch).
run() {
  local name="$1" from="$2"
  shift 2
  local rc=0
  /usr/bin/time -v -o "$DIR/time" "$@" > "$DIR/out" 2> "$DIR/err" || rc=$?
  if [ "$rc" -gt 1 ]; then  # claimgate exits 1 when some claims are rejected
    echo "$name: failed (exit $rc): $(head -c 300 "$DIR/err")"
    return
  fi
  local n="$from"
  [ "$from" = out ] && n="$(tail -n 1 "$DIR/out")"
  case "$n" in
    '' | *[!0-9]*) echo "$name: failed (exit $rc): $(head -c 300 "$DIR/err")"; return ;;
  esac
  awk -v name="$name" -v n="$n" -F': ' '
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { rss = $2 }
    /Elapsed \(wall clock\)/ { k = split($2, p, ":"); w = 0; for (i = 1; i <= k; i++) w = w * 60 + p[i] }
    END { cpu = u + s; printf "%-44s %9d %8.2f %14.0f %8.2f %9.1f MB\n", name, n, cpu, (cpu > 0 ? n / cpu : 0), w, rss / 1024 }' "$DIR/time"
}

CG=("$BUILD/claimgate" validate "$BATCH" --format summary --today 2026-01-15)
run "claimgate validate --jobs 1" "$CLAIMS" "${CG[@]}" --jobs 1
run "claimgate validate (--jobs $(nproc))" "$CLAIMS" "${CG[@]}"
if command -v node >/dev/null && [ -d "$BUILD/npm/node_modules/node-x12" ]; then
  run "node-x12 1.7.1 parse (strict)" out node tests/bench/peers_node_x12.js "$BUILD/npm/node_modules" "$BATCH"
else
  echo "node-x12: not installed under $BUILD/npm (deploy/test.sh installs it): skipped"
fi
