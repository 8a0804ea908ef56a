"""The UI catalogue: the guide's own words per language (bot/data/strings.<lang>.yaml), one key each."""

from __future__ import annotations

from functools import lru_cache

import yaml

from bot.core.lexicon import DATA


@lru_cache(maxsize=2)
def catalogue(lang: str) -> dict[str, str]:
    return yaml.safe_load((DATA / f"strings.{lang}.yaml").read_text(encoding="utf-8"))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def t(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang`` (English if the language has none), placeholders filled."""
    table = catalogue(lang if lang in ("ja", "en") else "en")
    text = table.get(key) or catalogue("en").get(key) or key
    return text.format_map(_Blank({k: str(v) for k, v in params.items()}))


def has(key: str, lang: str) -> bool:
    return key in catalogue(lang)
