#!/usr/bin/env bash
# Set up everything (venv, pinned packages, Debian chromium) and run every test tier:
# lint, unit/property/reference, AppTest, and Playwright in headless chromium.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/ensure_chromium.sh || echo "warning: could not install chromium (browser tests will fail)" >&2
export REQUIRE_BROWSER=1
export BROWSER_PATH="${BROWSER_PATH:-/usr/bin/chromium}"
.venv/bin/python -m ruff check .
FUZZ_SHORT=1 bash scripts/fuzz.sh   # a short fuzz of the loaders and the reports command line (~30 s)
exec .venv/bin/python -m pytest "$@"
