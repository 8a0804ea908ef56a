#!/usr/bin/env bash
# Set up, then run the linter and the whole test suite (real models, real Chroma, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check .
# -n auto: one pytest worker per core; tests that wait (an outage, a killed worker) overlap with ones that
# compute. `scripts/test.sh -n 0 tests/test_x.py` runs in one process.
exec .venv/bin/python -m pytest -n auto "$@"
