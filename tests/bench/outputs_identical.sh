#!/bin/sh
# Behaviour check for speed work (issue 16): runs two claimgate executables (say, one built
# before a change and one after) over every input of the conformance tree and over generated
# 837P and 837I batches, and compares every report and answer byte for byte:
#   validate --format text | json | summary, and json with --pack spine (stdout, standard
#   error and exit code; every input in one run),
#   validate --out DIR (report.json, report.csv, report.html, 999, 277CA, the payers' 837s;
#   FHIR: outcomes.ndjson, accepted.ndjson),
#   ack (the 999 and 277CA of the whole-body path), per X12 input.
# Time stamps are pinned (--today, --control-start; TZ=UTC) except where an output embeds the
# clock (X12 ISA09/ISA10, GS04/GS05, BHT04/05, FHIR dateTimes) or is unique per run (the
# 32-hex-digit run id of generated FHIR ids, engine/ids): those are masked before the comparison. Prints one line per difference; exit 0 when everything is identical.
#
#   tests/bench/outputs_identical.sh BEFORE_EXE AFTER_EXE [CODE_SET] [CLAIMS=20000]
set -u
before=$1
after=$2
codes=${3:-$(dirname "$after")/icd10cm.cgx}
claims=${4:-20000}
src=$(cd "$(dirname "$0")/../.." && pwd)
gen=$(dirname "$codes")/tests/bench_gen837_file  # the build tree of the code set
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TZ=UTC CLAIMGATE_PACKS="$src/rulesets/packs"

inputs="$work/inputs.txt"
find "$src/conformance" -type f \( -name '*.x12' -o -name '*.edi' -o -name '*.837' -o -name '*.837i' \
  -o -name '*.txt' -o -name '*.json' -o -name '*.ndjson' \) ! -name 'expected.json' ! -name 'README*' |
  sort >"$inputs"
if [ -x "$gen" ]; then
  "$gen" "$claims" >"$work/gen-p.x12" && echo "$work/gen-p.x12" >>"$inputs"
  "$gen" "$((claims / 4))" institutional >"$work/gen-i.x12" && echo "$work/gen-i.x12" >>"$inputs"
else
  echo "outputs_identical: $gen not built: generated batches skipped" >&2
fi

# Masks what a run stamps from the clock: X12 envelope dates/times and FHIR dateTimes.
mask() {
  sed -E -e 's/(ISA(.[^~]*){8}.)[0-9]{6}.[0-9]{4}/\1DATE*TIME/g' \
    -e 's/(GS(.[^~]*){3}.)[0-9]{8}.[0-9]{4,8}/\1DATE*TIME/g' \
    -e 's/(BHT(.[^~]*){3}.)[0-9]{8}.[0-9]{4,8}/\1DATE*TIME/g' \
    -e 's/"(created|lastUpdated|timestamp|date)":"[0-9T:.+Z-]*"/"\1":"NOW"/g' \
    -e 's/[0-9a-f]{32}-([0-9])/RUN-\1/g' "$1"
}

fail=0
n=0
differ() {
  echo "DIFFERS: $*"
  fail=1
}
run_both() {  # name, then the arguments after the executable
  name=$1
  shift
  "$before" "$@" >"$work/b.out" 2>"$work/b.err"
  echo "exit $?" >>"$work/b.out"
  "$after" "$@" >"$work/a.out" 2>"$work/a.err"
  echo "exit $?" >>"$work/a.out"
  mask "$work/b.out" >"$work/b.m"
  mask "$work/a.out" >"$work/a.m"
  cmp -s "$work/b.m" "$work/a.m" || differ "$name"
  cmp -s "$work/b.err" "$work/a.err" || differ "$name (standard error)"
  n=$((n + 1))
}
# Every input in one run per format (one index load): the reports name each file.
set -- $(cat "$inputs")
for fmt in text json summary; do
  run_both "validate --format $fmt (every input)" validate "$@" --format "$fmt" --today 2026-01-15 --code-set "$codes"
done
run_both "validate --pack spine (every input)" validate "$@" --format json --pack spine --today 2026-01-15 --code-set "$codes"
while IFS= read -r f; do
  rel=${f#"$src"/}
  if [ "$(head -c 3 "$f")" = ISA ]; then
    run_both "ack $rel" ack "$f" --control-start 1 --today 2026-01-15 --code-set "$codes"
  fi
  rm -rf "$work/ob" "$work/oa"
  "$before" validate "$f" --out "$work/ob" --format summary --control-start 1 --today 2026-01-15 --code-set "$codes" \
    >/dev/null 2>&1
  "$after" validate "$f" --out "$work/oa" --format summary --control-start 1 --today 2026-01-15 --code-set "$codes" \
    >/dev/null 2>&1
  (cd "$work/ob" 2>/dev/null && find . -type f | sort) >"$work/lb"
  (cd "$work/oa" 2>/dev/null && find . -type f | sort) >"$work/la"
  cmp -s "$work/lb" "$work/la" || differ "validate --out $rel: file list"
  while IFS= read -r o; do
    [ -f "$work/oa/$o" ] || continue
    mask "$work/ob/$o" >"$work/b.m"
    mask "$work/oa/$o" >"$work/a.m"
    cmp -s "$work/b.m" "$work/a.m" || differ "validate --out $rel: $o"
    n=$((n + 1))
  done <"$work/lb"
done <"$inputs"
echo "outputs_identical: $(wc -l <"$inputs") inputs, $n outputs compared: $([ $fail = 0 ] && echo identical || echo DIFFERENT)"
exit $fail
