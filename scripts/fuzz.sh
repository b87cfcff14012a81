#!/usr/bin/env bash
# Long property-based fuzzing: the loaders (CSV path, YAML, raw bytes; tests/unit/test_fuzz_loaders.py,
# >= 10,000 generated inputs by default) and the reports command line (--view strings and --data
# files; tests/unit/test_fuzz_reports_cli.py). The URL/view parser is fuzzed in tests/unit/test_query.py
# on every run. FUZZ_CSV / FUZZ_YAML / FUZZ_BYTES / FUZZ_CLI change the number of examples per
# property; scripts/test.sh runs a short version (FUZZ_SHORT=1).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${FUZZ_SHORT:-0}" == "1" ]]; then
  export FUZZ_CSV="${FUZZ_CSV:-150}" FUZZ_YAML="${FUZZ_YAML:-150}" FUZZ_BYTES="${FUZZ_BYTES:-150}" FUZZ_CLI="${FUZZ_CLI:-10}"
fi
exec .venv/bin/python -m pytest -m fuzz tests/unit/test_fuzz_loaders.py tests/unit/test_fuzz_reports_cli.py \
  -p no:cacheprovider -q "$@"
