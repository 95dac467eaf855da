#!/bin/sh
# Behaviour check for speed work on the X12 reader and the claim builder: runs two claimgate
# binaries (a reference built before the change, and the current one) on every X12 file of the
# corpus (../shared/corpus when present, conformance/x12, tests/fuzz corpora) and on generated
# 837P/I/D batches and mutated copies of them, and requires byte-identical output from `parse --format json` (the canonical
# claims and every syntax error), `ack` (the 999 / TA1 and the 277CA) and
# `validate --format json` (the report). Only the answer's own creation date and time (ISA09,
# ISA10, GS04, GS05, BHT04, BHT05 of the answers) are masked.
#
#   tests/bench/x12_same_answers.sh REFERENCE_BINARY [CURRENT_BINARY=build/claimgate]
# Exit 0 when every output is identical; 1 with the differing files named.
set -eu
ref=$1
cur=${2:-build/claimgate}
here=$(cd "$(dirname "$0")/../.." && pwd)
gen=$here/build/tests/bench_gen837_file
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
codeset=$here/build/icd10cm.cgx

list=$work/files
: > "$list"
for d in "$here/../shared/corpus/x12" "$here/conformance/x12" "$here/tests/fuzz"; do
  [ -d "$d" ] && find "$d" -type f ! -name '*.md' ! -name '*.tsv' ! -name '*.json' >> "$list"
done
if [ -x "$gen" ]; then
  "$gen" 2000 > "$work/gen_p.x12"
  "$gen" 2000 institutional > "$work/gen_i.x12"
  "$gen" 2000 dental > "$work/gen_d.x12"
  # The same batches with one-change defects: every 37th segment dropped, every 53rd
  # duplicated, some codes and values changed, so that the error paths are compared too.
  for k in p i d; do
    awk 'NR % 37 == 5 { next } NR % 53 == 7 { print } { print }' "$work/gen_$k.x12" |
      sed -E '50~41s/\*85\*/*87*/; 60~43s/\*ABF:/*ABX:/; 70~47s/\*D8\*/*D9*/; 80~59s/\*HC:/*HX:/' \
        > "$work/mut_$k.x12"
  done
  ls "$work"/gen_*.x12 "$work"/mut_*.x12 >> "$list"
fi

mask() {
  # the answers' own date/time: ISA09/ISA10, GS04/GS05, BHT04/BHT05
  sed -E 's/^(ISA(\*[^*]*){8})\*[0-9]{6}\*[0-9]{4}/\1*DATE*TIME/; s/^(GS(\*[^*]*){3})\*[0-9]{8}\*[0-9]{4,8}/\1*DATE*TIME/; s/^(BHT(\*[^*]*){3})\*[0-9]{8}\*[0-9]{4,8}/\1*DATE*TIME/'
}

run() {  # binary file out
  for cmd in "parse --format json" "ack --today 2026-01-15 --control-start 1 --code-set $codeset" \
             "validate --format json --today 2026-01-15 --code-set $codeset"; do
    # shellcheck disable=SC2086
    "$1" $cmd "$2" 2>&1 | tr '\036' '\n' | mask
    echo "exit=$?"
  done > "$3"
}

n=0
bad=0
while IFS= read -r f; do
  head -c 200 "$f" > "$work/head"
  grep -q ISA "$work/head" || continue
  n=$((n + 1))
  run "$ref" "$f" "$work/a"
  run "$cur" "$f" "$work/b"
  if ! cmp -s "$work/a" "$work/b"; then
    bad=$((bad + 1))
    echo "DIFFERENT: $f"
    diff "$work/a" "$work/b" | head -10
  fi
done < "$list"
echo "x12_same_answers: $n X12 inputs, $bad with different output"
[ "$bad" -eq 0 ]
