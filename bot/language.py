"""Which language a message is written in: Japanese or English (mixed text: the dominant one).

Japanese sentences carry kana (particles, endings); an English sentence that names a Japanese
thing carries a few kanji but English words around them. Kana weigh fully, kanji half, and every
English word counts one and a half, which separates both cases without a model.
"""

from __future__ import annotations

import re

from ingest.schema import Lang

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, default: Lang = "en") -> Lang:
    kana = len(_KANA.findall(text))
    kanji = len(_KANJI.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if kana == kanji == words == 0:
        return default
    japanese = kana + 0.5 * kanji
    return "ja" if japanese >= 1.5 * words else "en"
