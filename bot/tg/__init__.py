"""The Telegram bot (python-telegram-bot v22): wiring, handlers, keyboards, formatting, storage."""
