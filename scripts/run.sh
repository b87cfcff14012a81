#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501 with the embedded data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Static figure export uses Debian's chromium when present (never downloads a browser).
if [ -z "${BROWSER_PATH:-}" ] && [ -x /usr/bin/chromium ]; then export BROWSER_PATH=/usr/bin/chromium; fi
exec .venv/bin/python -m streamlit run app.py "$@"
