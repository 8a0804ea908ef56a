"""The bot's own words: the Telegram keys of the one UI catalogue (bot/data/strings.<lang>.yaml)."""

from __future__ import annotations

from bot.strings import t as _t

RENAMED = {"thanks": "feedback_thanks"}


def t(key: str, lang: str, **values: object) -> str:
    return _t(f"tg.{RENAMED.get(key, key)}", lang, **values)


EXAMPLES = {lang: [_t(f"tg.example.{n}", lang) for n in range(3)] for lang in ("en", "ja")}
