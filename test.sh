#!/usr/bin/env bash
# Set everything up and run every check: lint, data validation, unit, AppTest and browser tests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m components.data validate data
exec .venv/bin/python -m pytest "$@"
