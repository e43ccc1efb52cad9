#!/usr/bin/env bash
# Set everything up and start the dashboard on the committed data (http://localhost:8501).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py "$@"
