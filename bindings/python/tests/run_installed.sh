#!/usr/bin/env bash
# pip-installs the package offline (`pip install ./bindings/python`: no index, the in-tree build
# backend needs nothing) into a fresh virtual environment that sees the system's packages
# (pytest from Debian), then runs the tests against the installed libclaimgate.
# usage: run_installed.sh PYTHON VENV_DIR LIBCLAIMGATE CLAIMGATE_CLI SOURCE_DIR
set -euo pipefail
python=$1 venv=$2 lib=$3 cli=$4 src=$5
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check "$src/bindings/python"
# Run from outside the source tree so that the installed package is the one imported.
cd "$venv"
CLAIMGATE_LIBRARY="$lib" CLAIMGATE_CLI="$cli" CLAIMGATE_SOURCE="$src" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$src/bindings/python/tests"
