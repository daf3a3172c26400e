#!/usr/bin/env bash
# Set up a fresh Debian machine for CommonGround: system packages, then the virtualenv.
# Idempotent: each step checks before it installs.
set -euo pipefail
VENV=${1:-.venv}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi
}

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "setup: please install these packages yourself: $*" >&2; return 1
  fi
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

java_major() {
  java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1])}'
}

# Python 3.11+ with venv.
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c \
        'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$candidate; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  apt_install python3 python3-venv python3-dev
  PYTHON=python3
fi

# Java 17+ for the Spark engine.
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
  apt_install openjdk-17-jre-headless || apt_install default-jre-headless
fi

# PostgreSQL server binaries: the tests start a throwaway server when none answers.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  apt_install postgresql
fi

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
if ! command -v chromium >/dev/null; then
  apt_install chromium || echo "setup: chromium not installed; browser tests will say so" >&2
fi

# Node.js and npm for the web app's front-end assets (GOV.UK Frontend, Leaflet, Vega-Lite).
if ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[spark,dev]'
bash scripts/assets.sh
echo "setup: ready ($("$VENV/bin/python" --version), java $(java_major))" >&2
