#!/usr/bin/env bash
# Installs the Debian packages claimgate needs (when missing), then configures and builds the
# Release tree in build/. Idempotent: with everything in place it only runs an up-to-date build.
# CG_EXTRA_PACKAGES: more Debian packages to install when missing (deploy/test.sh's tools).
# CG_BUILD_TARGETS: build only these targets (deploy/run.sh: what the server needs), else all.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (when installed) rewrites paths below the checkout to relative ones, so a clone in
# another directory reuses what an earlier one compiled (debug info then names relative paths).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

PACKAGES=(cmake ninja-build g++ pkg-config xz-utils
          libboost1.81-dev libboost-test1.81-dev rapidjson-dev libpugixml-dev libssl-dev liblzma-dev
          librdkafka-dev)

# shellcheck disable=SC2206
PACKAGES+=(${CG_EXTRA_PACKAGES:-})
missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"install ok installed"* ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR="${BUILD_DIR:-build}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
if [ -n "${CG_BUILD_TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$BUILD_DIR" --target ${CG_BUILD_TARGETS}
else
  cmake --build "$BUILD_DIR"
fi
