#!/usr/bin/env bash
# Set up, then run the linter and the whole test suite (real models, real Chroma, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
