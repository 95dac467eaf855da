#!/usr/bin/env bash
# Loopback benchmark of `claimgate serve`: requests/s and p50/p99 latency of GET /healthz (the
# HTTP baseline), POST /fhir/Claim (one accepted Claim), POST /x12 with 1 and 100 claims; every
# accepted claim is fsynced into the spool and forwarded to the outbox, as in production.
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

echo "claimgate serve on 127.0.0.1:$PORT, $(nproc) cores, $CONNECTIONS keep-alive connections, ${DURATION}s per case"
"${LOAD[@]}" --method GET --path /healthz
"${LOAD[@]}" --path /fhir/Claim --body tests/integration/data/claim-accepted.json
"${LOAD[@]}" --path /x12 --x12-claims 1
"${LOAD[@]}" --path /x12 --x12-claims 100
sleep 1
echo "spool and forwarding: $(curl -s "127.0.0.1:$PORT/metrics" 2>/dev/null |
  grep -E '^claimgate_(spool_appended_total|spool_fsyncs_total|spool_pending_entries|forwarded_total)' | tr '\n' ' ')"
echo "outbox: $(find "$DIR/var/outbox" -name '*.keys' | wc -l) batch files"
