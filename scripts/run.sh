#!/usr/bin/env bash
# Set up, build (or update) the index on the embedded defaults, then start the guide:
# the Telegram bot when TELEGRAM_BOT_TOKEN is set (environment or .env), otherwise the console chat.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/guide ingest
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.' .env; then
  exec .venv/bin/guide serve
fi
if [ -t 0 ]; then
  exec .venv/bin/guide chat
fi
exec .venv/bin/guide sources
