#!/usr/bin/env bash
# Command-line behaviour a user meets first (issue 15, "paper cuts"): every command's --help
# works whatever else is on the line; a missing file or a directory is an input error in the
# report (JSON lists it, the summary counts it) with the same exit code as any unusable input,
# said once; control numbers of `ack` never repeat across runs.
#   cli_checks.sh SOURCE_DIR CLAIMGATE_EXE SCRATCH_DIR
set -uo pipefail
src="$1"
cg="$2"
scratch="$3"
rm -rf "$scratch"
mkdir -p "$scratch"
cd "$src"
export XDG_STATE_HOME="$scratch/state"
unset CLAIMGATE_STATE_DIR
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

for line in "validate --help" "validate x.x12 --format bogus --help" "ack --help" "ack x.x12 -h" \
            "parse --bogus --help" "code --help" "code M54.5 --dos 2024-02-30 --help" "serve --listen nope --help" \
            "convert --help" "convert x.x12 --to nope --help" "dead-letter list --help" "code-set build --help" "audit verify x.log --help"; do
  # shellcheck disable=SC2086
  out="$("$cg" $line 2>&1)"
  rc=$?
  [ "$rc" -eq 0 ] && [[ "$out" == usage:* ]] || fail "claimgate $line: exit $rc, want usage and 0: ${out:0:80}"
done

# Unusable inputs: exit 2 and one input error each, in every format.
for input in /nonexistent/claims.x12 deploy deploy/claimgate.sample.json; do
  json="$("$cg" validate "$input" --format json 2>"$scratch/err")"
  rc=$?
  [ "$rc" -eq 2 ] || fail "validate $input --format json: exit $rc, want 2"
  [[ "$json" == *'"errors":1'* ]] || fail "validate $input --format json: the report does not count it: $json"
  [[ "$json" == *'"rule":"input.un'* ]] || fail "validate $input --format json: no input error listed: $json"
  [ ! -s "$scratch/err" ] || fail "validate $input --format json: said twice (stderr: $(cat "$scratch/err"))"
  text="$("$cg" validate "$input" 2>"$scratch/err")"
  [ "$(grep -c ": input error " <<<"$text")" -eq 1 ] && [ ! -s "$scratch/err" ] ||
    fail "validate $input: the error is not said exactly once: $text / $(cat "$scratch/err")"
  summary="$("$cg" validate "$input" --format summary 2>"$scratch/err")"
  rc=$?
  [ "$rc" -eq 2 ] && [[ "$summary" == "summary: 0 claims: 0 accepted, 0 rejected, 0 warnings, 1 input error" ]] &&
    [ "$(wc -l <"$scratch/err")" -eq 1 ] || fail "validate $input --format summary: exit $rc: $summary / $(cat "$scratch/err")"
done

# dead-letter checks its subcommand before it reads the configuration.
out="$("$cg" dead-letter bogus --config /nonexistent/claimgate.json 2>&1)"
rc=$?
[ "$rc" -eq 2 ] && [[ "$out" == *"unknown subcommand 'bogus'"* ]] && [[ "$out" != *nonexistent* ]] ||
  fail "dead-letter bogus: exit $rc: ${out:0:200}"

# An impossible date says so.
out="$("$cg" code M54.5 --dos 2024-02-30 2>&1)"
rc=$?
[ "$rc" -eq 2 ] && [[ "$out" == *"2024-02-30 is impossible: February 2024 has 29 days"* ]] ||
  fail "code --dos 2024-02-30: exit $rc: $out"

# ack twice: no ISA13 twice for one sender identity.
"$cg" ack deploy/examples/professional.x12 >"$scratch/ack1" 2>/dev/null
"$cg" ack deploy/examples/professional.x12 >"$scratch/ack2" 2>/dev/null
dups="$(cat "$scratch/ack1" "$scratch/ack2" | grep '^ISA' | cut -d'*' -f6-7,14 | sort | uniq -d)"
[ -z "$dups" ] || fail "ack reused control numbers: $dups"
[ -s "$scratch/state/claimgate/control-numbers/ZZ-CLAIMGATE" ] || fail "ack kept no control-number state"

# validate --out twice on FHIR: no resource id twice (ids are unique across runs, engine/ids.hpp).
"$cg" validate deploy/examples/claims.json --out "$scratch/out1" >/dev/null 2>&1
"$cg" validate deploy/examples/claims.json --out "$scratch/out2" >/dev/null 2>&1
ids="$(cat "$scratch/out1/claims.json/outcomes.ndjson" "$scratch/out2/claims.json/outcomes.ndjson" 2>/dev/null | grep -o '"id":"[^"]*"')"
[ "$(wc -l <<<"$ids")" -ge 4 ] && [ -z "$(sort <<<"$ids" | uniq -d)" ] ||
  fail "validate --out: FHIR resource ids repeat across runs or are missing: $(sort <<<"$ids" | uniq -d | head -3)"

# convert (issue 14): exit 0 all converted, 1 some claims not (reasons located on stderr), 2 unusable
# input or command line; nothing of a claim that cannot be converted is written.
"$cg" convert /nonexistent/claims.x12 --to fhir >/dev/null 2>&1
rc=$?; [ "$rc" -eq 2 ] || fail "convert of a missing file: exit $rc, want 2"
"$cg" convert deploy/examples/claims.json >/dev/null 2>&1
rc=$?; [ "$rc" -eq 2 ] || fail "convert without --to: exit $rc, want 2"
out="$("$cg" convert deploy/examples/*.x12 --to x12 2>"$scratch/err")"
rc=$?; [ "$rc" -eq 0 ] && [[ "$out" == ISA* ]] && [[ "$out" == *IEA* ]] || fail "convert X12 -> X12: exit $rc: $(head -c 200 "$scratch/err")"
"$cg" convert deploy/examples/claims.json --to x12 >/dev/null 2>"$scratch/err"
rc=$?; [ "$rc" -eq 2 ] && grep -q -- "--sender" "$scratch/err" || fail "convert FHIR -> X12 without --sender: exit $rc"
out="$("$cg" convert deploy/examples/claims.json --to x12 --sender CLINIC --receiver PAYER --contact-phone 6155550100 2>"$scratch/err")"
rc=$?
[ "$rc" -eq 1 ] && [ -z "$out" ] && grep -q "convert.missing: Claim.provider: the 837 needs the billing provider tax id" "$scratch/err" ||
  fail "convert FHIR lacking 837 data: exit $rc, output '${out:0:40}', stderr $(head -c 200 "$scratch/err")"

echo "cli checks: $failures failures"
[ "$failures" -eq 0 ]
