#!/usr/bin/env bash
# Builds claimgate if needed, then runs its main job on the embedded default: validating the
# bundled example claims (X12 837P/I/D and FHIR) against the bundled ICD-10-CM code set.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh >/dev/null
exec build/claimgate validate deploy/examples/* "$@"
