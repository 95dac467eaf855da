#!/usr/bin/env bash
# Builds the Debian package (CPack, deploy/install.cmake) in build-deb/: a tree configured for
# /usr without tests or benchmarks, reusing the index of build/ when there is one.
#   deploy/package.sh           build build-deb/claimgate_<version>_<arch>.deb
#   deploy/package.sh --test    then install it and smoke-test it: dpkg -i when root and
#                               CLAIMGATE_CI=1 (CI's throwaway machine), else dpkg -x into a
#                               temporary folder (a relocated install); claimgate validate on the
#                               installed examples, claimgate serve answering /readyz with the
#                               installed configuration, systemd-analyze verify of the unit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build-deb
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  index=()
  if [ -f build/icd10cm.cgx ]; then index=(-DCG_CODESET_INDEX="$PWD/build/icd10cm.cgx"); fi
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DCG_TESTS=OFF -DCG_BENCH=OFF "${index[@]}" >/dev/null
fi
cmake --build "$BUILD_DIR"
rm -f "$BUILD_DIR"/claimgate_*.deb
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
deb="$(ls "$PWD/$BUILD_DIR"/claimgate_*.deb)"
echo "package: $deb"
[ "${1:-}" = "--test" ] || exit 0

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -eq 0 ] && [ "${CLAIMGATE_CI:-}" = 1 ]; then
  dpkg -i "$deb" >/dev/null
  root=""
  echo "package: installed with dpkg -i"
else
  dpkg -x "$deb" "$tmp/root"
  root="$tmp/root"
  echo "package: extracted into $root (not root or not CI: a relocated install)"
fi
bin="$root/usr/bin/claimgate"
doc="$root/usr/share/doc/claimgate"
conf="$root/etc/claimgate/claimgate.json"
unit="$root/usr/lib/systemd/system/claimgate.service"
for f in "$bin" "$root/usr/share/claimgate/icd10cm.cgx" "$root/usr/share/claimgate/packs/spine.json" "$conf" "$unit"; do
  [ -e "$f" ] || { echo "package: missing $f" >&2; exit 1; }
done
# The documentation is checked in the package itself: minimal images exclude /usr/share/doc
# from what dpkg unpacks (path-exclude).
contents="$(dpkg-deb -c "$deb")"
for f in LICENSE NOTICE README.md examples/professional.x12; do
  grep -q "\./usr/share/doc/claimgate/$f\$" <<<"$contents" || { echo "package: lacks /usr/share/doc/claimgate/$f" >&2; exit 1; }
done
example="$doc/examples/professional.x12"
[ -f "$example" ] || example="$PWD/deploy/examples/professional.x12"
grep -q libssl <<<"$(dpkg-deb -f "$deb" Depends)" || { echo "package: Depends lacks libssl" >&2; exit 1; }
grep -qx /etc/claimgate/claimgate.json <<<"$(dpkg-deb -I "$deb" conffiles)" ||
  { echo "package: /etc/claimgate/claimgate.json is not a conffile" >&2; exit 1; }

# The installed binary finds the installed index and packs by itself (no environment).
set +e
(cd "$tmp" && env -u CLAIMGATE_CODESET -u CLAIMGATE_PACKS "$bin" validate "$example" --pack spine \
   --today 2026-01-15 >"$tmp/validate.txt" 2>&1)
rc=$?
set -e
if [ "$rc" -ne 1 ] || ! grep -q "EX-1002  837P  rejected" "$tmp/validate.txt"; then
  echo "package: claimgate validate on the installed example: exit $rc" >&2
  cat "$tmp/validate.txt" >&2
  exit 1
fi

env -u CLAIMGATE_CODESET -u CLAIMGATE_PACKS "$bin" serve --config "$conf" --listen 127.0.0.1:0 \
  --data-dir "$tmp/var" --port-file "$tmp/port" 2>"$tmp/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "package: claimgate serve did not start" >&2; cat "$tmp/serve.log" >&2; exit 1; }
status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$(cat "$tmp/port")/readyz")"
[ "$status" = 200 ] || { echo "package: /readyz answered $status" >&2; cat "$tmp/serve.log" >&2; exit 1; }
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""

if command -v systemd-analyze >/dev/null; then
  if [ -n "$root" ]; then
    # The extracted unit names /usr/bin/claimgate: verify a copy pointing at the extracted binary.
    sed "s|/usr/bin/claimgate|$bin|" "$unit" >"$tmp/claimgate.service"
    unit="$tmp/claimgate.service"
  fi
  systemd-analyze verify "$unit"
fi
echo "package: ok (validate on the installed examples, serve /readyz 200, unit verified)"
