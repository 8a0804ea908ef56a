#!/usr/bin/env bash
# Set up, build (or update) the index on the embedded defaults, then show what is indexed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/guide ingest
exec .venv/bin/guide sources
