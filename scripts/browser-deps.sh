#!/usr/bin/env bash
# Install what the browser tests (tests/browser/) need, on a fresh machine too:
#   - Debian's Chromium at /usr/bin/chromium (Playwright never downloads a browser here),
#   - the Python package playwright in the project's venv (it is in the dev extras),
#   - axe-core from npm, pinned by tests/browser/axe/package-lock.json.
# Whatever is already there is left alone, so running it again costs a second.
#
# A missing piece that cannot be installed stops this script in CI (CI=true); elsewhere it
# only warns, and the browser tests then skip with the same explanation.
#
# Usage: bash scripts/browser-deps.sh            (PYTHON=path/to/python to choose the venv)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
CHROMIUM="${TEST_CHROMIUM:-/usr/bin/chromium}"
AXE_DIR=tests/browser/axe
in_ci() { case "${CI:-}" in 1 | true | TRUE | yes) return 0 ;; *) return 1 ;; esac; }

problems=0
problem() {
  echo "browser-deps: $*" >&2
  problems=$((problems + 1))
}

# --- Chromium (Debian package) -----------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "browser-deps: installing Chromium (apt-get install chromium)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "browser-deps: installing Chromium (sudo apt-get install chromium)"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x "$CHROMIUM" ] || problem "no Chromium at $CHROMIUM (as root: apt-get install chromium)"
fi

# --- Playwright (PyPI) -------------------------------------------------------------------
if [ ! -x "$PYTHON" ]; then
  problem "no Python at $PYTHON (make the venv first: make .venv/.installed, or set PYTHON)"
elif ! "$PYTHON" -c "import playwright.sync_api" 2>/dev/null; then
  echo "browser-deps: installing the Python package playwright"
  "$PYTHON" -m pip install --quiet "playwright>=1.50" \
    || problem "pip could not install playwright into $PYTHON's environment"
fi

# --- axe-core (npm, pinned by the lock file) ---------------------------------------------
locked_axe() {
  node -p "require('./$AXE_DIR/package-lock.json').packages['node_modules/axe-core'].version"
}
installed_axe() {
  node -p "require('./$AXE_DIR/node_modules/axe-core/package.json').version" 2>/dev/null || true
}
if ! command -v npm >/dev/null 2>&1; then
  problem "npm is not installed, so axe-core cannot be (as root: apt-get install nodejs npm)"
elif [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] || [ "$(installed_axe)" != "$(locked_axe)" ]; then
  echo "browser-deps: installing axe-core $(locked_axe) (npm ci in $AXE_DIR)"
  (cd "$AXE_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
    || problem "npm ci in $AXE_DIR failed"
fi

if [ "$problems" -gt 0 ]; then
  if in_ci; then
    echo "browser-deps: CI=true and $problems prerequisite(s) missing: the browser tests would fail" >&2
    exit 1
  fi
  echo "browser-deps: the browser tests will be skipped until this is fixed" >&2
  exit 0
fi
echo "browser-deps: Chromium, Playwright $("$PYTHON" -c 'from importlib.metadata import version; print(version("playwright"))') and axe-core $(installed_axe) ready"
