#!/usr/bin/env bash
# Runs every command of the README's "A short tour" block as written, from a scratch folder
# that looks like the repository root (deploy/ and build/claimgate), and checks each one's exit
# code and a line of its output. A command added to the tour without an expectation here fails
# the test, as does a tour naming a file that does not exist.
#   readme_tour.sh SOURCE_DIR CLAIMGATE_EXE SCRATCH_DIR
set -euo pipefail
src="$1"
exe="$2"
scratch="$3"
rm -rf "$scratch"
mkdir -p "$scratch/build"
ln -s "$src/deploy" "$scratch/deploy"
ln -s "$exe" "$scratch/build/claimgate"
# The control numbers `ack` and `--out` use are kept in the scratch folder, not in $HOME.
export XDG_STATE_HOME="$scratch/state"
unset CLAIMGATE_STATE_DIR CLAIMGATE_CODESET CLAIMGATE_PACKS

# command (without its comment) -> "exit code|text the output must contain"
declare -A expect=(
  ["build/claimgate validate deploy/examples/professional.x12"]="1|EX-1002  837P  rejected"
  ["build/claimgate validate deploy/examples/professional.x12 --format json"]='1|"rule":"icd10cm.header"'
  ["build/claimgate validate deploy/examples/*.x12 --format summary"]="1|summary: 5 claims: 3 accepted, 2 rejected"
  ["build/claimgate validate deploy/examples/professional.x12 --pack spine"]="1|EX-1001  837P  accepted"
  ["build/claimgate validate - < deploy/examples/institutional.x12"]="0|accepted"
  ["build/claimgate validate deploy/examples/claims.json"]="1|EX-2002  FHIR  rejected"
  ["build/claimgate validate deploy/examples/professional.x12 --out answers/"]="1|EX-1002  837P  rejected"
  ["build/claimgate ack deploy/examples/professional.x12"]="1|ST*999*0001"
  ["build/claimgate parse deploy/examples/dental.x12 --format json"]='0|"format":"837D"'
  ["build/claimgate convert deploy/examples/professional.x12 --to fhir"]='0|"resourceType":"Bundle"'
  ["build/claimgate code M54.5 --dos 2024-03-01"]="0|M54.50"
  ["build/claimgate code 0SG0070 --system icd10pcs --dos 2024-05-01"]="0|Fusion of Lumbar Vertebral Joint with Autologous Tissue Substitute"
  ["build/claimgate dead-letter list --data-dir var"]="0|0 dead letters"
  ["build/claimgate audit verify var/audit.log"]="0|intact"
  ["build/claimgate stream --help"]="0|usage: claimgate stream --config FILE"
  ["build/claimgate code-set build --help"]="0|usage: claimgate code-set build"
)

commands="$(awk '/^## A short tour/{t=1} t&&/^```sh/{c=1;next} c&&/^```/{exit} c{print}' "$src/README.md")"
[ -n "$commands" ] || { echo "no tour block in README.md" >&2; exit 1; }
failures=0
ran=0
while IFS= read -r line; do
  cmd="$(printf '%s' "$line" | sed -E 's/[[:space:]]+#.*$//; s/[[:space:]]+$//')"
  [ -n "$cmd" ] || continue
  ran=$((ran + 1))
  cd "$scratch"
  if [[ "$cmd" == *" serve "* ]]; then
    # The server runs until stopped: start it as written plus a free port, ask /readyz, stop it.
    rm -f port
    bash -c "$cmd --listen 127.0.0.1:0 --port-file port" >serve.out 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
    code="$( [ -s port ] && curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$(cat port)/readyz" || echo none)"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || true
    if [ "$code" != 200 ]; then
      echo "FAIL: $cmd: /readyz answered $code" >&2
      cat serve.out >&2
      failures=$((failures + 1))
    fi
    continue
  fi
  if [ -z "${expect[$cmd]+x}" ]; then
    echo "FAIL: no expectation for the tour command: $cmd" >&2
    failures=$((failures + 1))
    continue
  fi
  want_rc="${expect[$cmd]%%|*}"
  want_text="${expect[$cmd]#*|}"
  set +e
  bash -c "$cmd" >out.txt 2>err.txt
  rc=$?
  set -e
  if [ "$rc" != "$want_rc" ] || ! grep -qF -- "$want_text" out.txt; then
    echo "FAIL: $cmd: exit $rc (want $want_rc), output must contain: $want_text" >&2
    head -20 out.txt err.txt >&2
    failures=$((failures + 1))
  fi
done <<<"$commands"

# What --out wrote, per input file.
for f in report.json report.csv report.html 999.x12 277ca.x12 accepted-87726.837; do
  [ -s "$scratch/answers/professional.x12/$f" ] || { echo "FAIL: --out did not write $f" >&2; failures=$((failures + 1)); }
done
echo "$ran tour commands, $failures failures"
[ "$failures" -eq 0 ]
