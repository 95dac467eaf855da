#!/usr/bin/env bash
# Loopback benchmark of `claimgate serve`, every figure from one run: requests/s and p50/p99
# latency of GET /healthz (the HTTP baseline), POST /fhir/Claim (one accepted Claim), POST /x12
# with 1 and 100 claims and a multi-set body that the server validates on its work pool; every
# accepted claim is fsynced into the spool and forwarded to the outbox, as in production.
# Beside them, in the same run: the disk's own fdatasync latency (a probe on the spool's file
# system before and after the cases) and, per case, the spool's group commits (entries per
# fsync, mean time inside the spool's fdatasync), which bound the accepting requests.
# Bounded in time (DURATION seconds per case, default 5). Usage:
#   tests/bench/server_bench.sh [BUILD_DIR]        (default: build)
# Environment: DURATION, CONNECTIONS (default 32), CLIENT_THREADS (default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-32}"
CLIENT_THREADS="${CLIENT_THREADS:-1}"
cmake --build "$BUILD" --target claimgate bench_server_load >/dev/null

DIR="$(mktemp -d)"
cat > "$DIR/config.json" <<JSON
{ "_comment": "benchmark: quiet logs, data in a temporary directory",
  "listen": "127.0.0.1:0", "log": {"level": "warn", "requests": false},
  "limits": {"spool_max_bytes": 17179869184} }
JSON
"$BUILD/claimgate" serve --config "$DIR/config.json" --data-dir "$DIR/var" --port-file "$DIR/port" 2>"$DIR/server.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do [ -s "$DIR/port" ] && break; sleep 0.05; done
PORT="$(cat "$DIR/port")"
LOAD=("$BUILD/tests/bench_server_load" --port "$PORT" --duration "$DURATION" --connections "$CONNECTIONS" --threads "$CLIENT_THREADS")

# One value of the server's /metrics (0 when absent).
metric() {
  local out
  out="$(curl -s "127.0.0.1:$PORT/metrics" 2>/dev/null || true)"
  awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }' <<<"$out"
}
# CPU time (user + system, clock ticks) the server process has used so far.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
# Runs one case, then prints the server's CPU time per claim (what a core does, whatever share
# of the machine the server got) and the spool's group commits during it.
run_case() {
  local a0 f0 s0 a1 f1 s1 c0 c1 t0 t1
  a0="$(metric claimgate_spool_appended_total)"; f0="$(metric claimgate_spool_fsyncs_total)"
  s0="$(metric claimgate_spool_fsync_seconds_total)"
  c0="$(( $(metric 'claimgate_claims_total{verdict="accepted"}') + $(metric 'claimgate_claims_total{verdict="rejected"}') ))"
  t0="$(server_ticks)"
  "${LOAD[@]}" "$@"
  t1="$(server_ticks)"
  c1="$(( $(metric 'claimgate_claims_total{verdict="accepted"}') + $(metric 'claimgate_claims_total{verdict="rejected"}') ))"
  a1="$(metric claimgate_spool_appended_total)"; f1="$(metric claimgate_spool_fsyncs_total)"
  s1="$(metric claimgate_spool_fsync_seconds_total)"
  awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v a="$((a1 - a0))" -v f="$((f1 - f0))" \
      -v s0="$s0" -v s1="$s1" 'BEGIN {
    if (c > 0 && t > 0) printf "%-30s %9d claims in %.2f CPU-seconds of the server: %.0f claims per CPU-second\n", "  server CPU", c, t / hz, c * hz / t
    if (f > 0) printf "%-30s %9d entries in %d fsyncs: %.1f entries per fsync, mean fsync %.3f ms\n", "  spool during the case", a, f, a / f, (s1 - s0) * 1000 / f }'
}

echo "claimgate serve on 127.0.0.1:$PORT, $(nproc) cores, $CONNECTIONS keep-alive connections, ${DURATION}s per case, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/tests/bench_server_load" --fsync-probe "$DIR/var" --count 300
run_case --method GET --path /healthz
run_case --path /fhir/Claim --body tests/integration/data/claim-accepted.json
run_case --path /x12 --x12-claims 1
run_case --path /x12 --x12-claims 100
run_case --path /x12 --x12-claims 4000 --x12-per-set 500 --connections 2
"$BUILD/tests/bench_server_load" --fsync-probe "$DIR/var" --count 300
sleep 1
echo "spool and forwarding: $(curl -s "127.0.0.1:$PORT/metrics" 2>/dev/null |
  grep -E '^claimgate_(spool_appended_total|spool_fsyncs_total|spool_fsync_seconds_total|spool_pending_entries|forwarded_total)' | tr '\n' ' ')"
echo "outbox: $(find "$DIR/var/outbox" -name '*.keys' | wc -l) batch files; load average $(cut -d' ' -f1-3 /proc/loadavg)"
