#!/usr/bin/env bash
# Sets up everything the atlas needs on a fresh machine; safe to run again.
#   scripts/setup.sh         runtime: .venv from requirements.txt + map assets
#   scripts/setup.sh --dev   also test tools (requirements-dev.txt), Debian's chromium and
#                            poppler-utils (pdftoppm, for the printed brief's tests)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

py=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    py="$candidate"; break
  fi
done
if [ -z "$py" ]; then
  echo "setup: Python 3.11 is required (python3.11 or python3 must be 3.11)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $py"
  "$py" -m venv .venv
fi

req=requirements.txt
[ $dev = 1 ] && req=requirements-dev.txt
# Reinstall only when the requirement files changed since the last successful install.
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$dev"
if [ ! -f "$stamp" ]; then
  echo "setup: installing $req"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  touch "$stamp"
fi

# Map scripts, styles and country outlines from the npm registry, integrity-checked.
if ! .venv/bin/python -m components.map.assets check >/dev/null; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is needed once to fetch the map assets (apt-get install npm)." >&2
    exit 1
  fi
  .venv/bin/python -m components.map.assets fetch
fi

# Browser tests drive Debian's chromium; the brief's tests render the PDF with poppler.
if [ $dev = 1 ]; then
  missing=""
  [ -x /usr/bin/chromium ] || missing="$missing chromium fonts-dejavu-core"
  command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
  if [ -n "$missing" ]; then
    echo "setup: installing Debian's$missing for the tests"
    sudo_cmd=""
    [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
  fi
fi
echo "setup: ready"
