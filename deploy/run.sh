#!/usr/bin/env bash
# Builds claimgate (only the executable and its data) if needed, then runs its main job on the embedded default: the gateway server
# (`claimgate serve`) on 127.0.0.1:8080 with the bundled ICD-10-CM code set, data under ./var
# (spool, outbox, dead-letter). Extra arguments go to `claimgate serve` (e.g. --config FILE,
# --listen ADDR:PORT, --data-dir DIR). Ctrl-C / SIGTERM: graceful shutdown.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the server needs: the executable, its rule packs and the compiled index (no tests).
CG_BUILD_TARGETS="claimgate codeset_index" deploy/setup.sh >&2
exec build/claimgate serve "$@"
