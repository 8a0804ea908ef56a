"""False premises a question carries in its own words: an edition of a plan that does not exist.

"When was the 3rd Comprehensive Strategy adopted?" or 「第3期SDGs未来都市計画はいつから？」 name a plan the
recogniser knows (the Comprehensive Strategy, the SDGs Future City Plan), but the sources hold its 2nd
edition only. Answering from the 2nd would give a real date for a plan that is not in them; the user is
told the 3rd is not in the sources first. An earlier edition (the 1st plan, which the 2nd mentions) is
no false premise: the documents may well speak of it.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.loader import Knowledge

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_JA_EDITION = re.compile(r"第\s*([0-9一二三四五六七八九]+)\s*(?:次|期)")
# An English ordinal counts only before a plan word: "the 3rd of May" is a date, "3rd-term plan" an edition.
_EN_EDITION = re.compile(
    r"\b(\d+)(?:st|nd|rd|th)\b|\b(first|second|third|fourth|fifth|sixth)\b"
    r"(?=(?:[\s-]+[\w-]+){0,4}?[\s-]+(?:plans?|strateg(?:y|ies)|term|phase|edition)\b)",
    re.I,
)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _KANJI_DIGITS.get(text, 0)


def editions_named(text: str) -> list[int]:
    """The plan editions a text names (第3次 → 3, "the third-term plan" → 3)."""
    text = unicodedata.normalize("NFKC", text)
    found = [_number(m.group(1)) for m in _JA_EDITION.finditer(text)]
    for m in _EN_EDITION.finditer(text):
        found.append(int(m.group(1)) if m.group(1) else _EN_WORDS[m.group(2).lower()])
    return [n for n in found if n]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def missing_edition(text: str, plans: list[str], knowledge: Knowledge, lang: str) -> str | None:
    """The plan edition the question names, when it is later than every edition the sources hold of the
    plans it names: its title with that edition ("3rd Kanazawa Comprehensive Strategy"), for the "not in
    my sources" notice. None otherwise."""
    asked = editions_named(text)
    if not asked:
        return None
    for plan in plans:
        document = knowledge.documents.get(plan)
        if document is None:
            continue
        held = editions_named(f"{document.meta.title_ja} {document.meta.title_en}")
        if not held or max(asked) <= max(held):
            continue
        wanted = max(asked)
        # The held edition's period ("(2023年～2025年)") is not the asked one's: left out of the name.
        title_ja, title_en = (
            re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", t) for t in (document.meta.title_ja, document.meta.title_en)
        )
        held_at = _JA_EDITION.search(title_ja)
        if lang == "ja" and held_at:  # the edition's number swapped in place: 第2次… → 第3次…
            return title_ja[: held_at.start(1)] + str(wanted) + title_ja[held_at.end(1) :]
        return re.sub(r"\b\d+(?:st|nd|rd|th)\b", _ordinal(wanted), title_en, count=1)
    return None
