#!/usr/bin/env bash
# Set up (first run only) and start the dashboard with the embedded data; open http://localhost:8501.
# It listens on 127.0.0.1 only (.streamlit/config.toml); README "Serving on a network" says how to widen it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Static figure export uses Debian's chromium when present (never downloads a browser).
if [ -z "${BROWSER_PATH:-}" ] && [ -x /usr/bin/chromium ]; then export BROWSER_PATH=/usr/bin/chromium; fi
exec .venv/bin/python -m streamlit run app.py "$@"
