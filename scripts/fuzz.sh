#!/usr/bin/env bash
# Long property-based fuzzing of the loaders (>= 10,000 generated inputs; see tests/unit/test_fuzz_loaders.py).
# FUZZ_CSV / FUZZ_YAML / FUZZ_BYTES change the number of examples per property.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -m fuzz tests/unit/test_fuzz_loaders.py -p no:cacheprovider -q "$@"
