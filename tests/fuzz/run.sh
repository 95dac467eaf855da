#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 20),
# seeded from conformance/. A short smoke in CI; run longer by hand:  tests/fuzz/run.sh 600
# Crashes are written to build-fuzz/crash-*; turn each into a conformance case.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET="${1:-20}"
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not installed; skipped"
  exit 0
fi
OUT=build-fuzz
mkdir -p "$OUT"
FLAGS=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.
       -fsanitize-ignorelist=tests/fuzz/sanitizer-ignore.txt
       -DRAPIDJSON_HAS_STDSTRING=1 -msse4.2 -DRAPIDJSON_SSE42=1)
SRCS=(parsers/x12/*.cpp parsers/fhir/*.cpp transforms/x12_claims.cpp transforms/fhir_claims.cpp
      transforms/input.cpp rulesets/core/claim.cpp rulesets/core/date.cpp rulesets/core/source_ref.cpp)
build() {  # target
  if [ ! -x "$OUT/$1" ] || [ -n "$(find "${SRCS[@]}" "tests/fuzz/$1.cpp" -newer "$OUT/$1" 2>/dev/null | head -1)" ]; then
    clang++ "${FLAGS[@]}" "tests/fuzz/$1.cpp" "${SRCS[@]}" -o "$OUT/$1"
  fi
}
build x12_fuzz
build fhir_fuzz
mkdir -p "$OUT/corpus-x12" "$OUT/corpus-fhir"
find conformance -name '*.x12' -size -64k -exec cp {} "$OUT/corpus-x12/" \; 2>/dev/null || true
find conformance -name 'input.json' -size -64k | while read -r f; do cp "$f" "$OUT/corpus-fhir/$(echo "$f" | tr / _)"; done
(cd "$OUT" && ./x12_fuzz -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=1024 -print_final_stats=1 corpus-x12 2>&1 | tail -3)
(cd "$OUT" && ./fhir_fuzz -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=1024 -print_final_stats=1 corpus-fhir 2>&1 | tail -3)
echo "fuzz: no crash"
