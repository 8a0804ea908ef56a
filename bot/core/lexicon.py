"""Closed word lists as data (bot/data/lexicon.yaml), and matching phrases in questions without regexes.

English phrases match whole words (the text and the phrase are normalised to lower-case words joined
by single spaces, padded, so " open " never matches "opened"); Japanese phrases match as substrings.
One pass of plain substring tests per phrase: a few hundred phrases cost well under a millisecond.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

DATA = Path(__file__).resolve().parent.parent / "data"
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


class Phrases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en: list[str] = Field(default_factory=list)
    ja: list[str] = Field(default_factory=list)


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activities: dict[str, Phrases]
    attributes: dict[str, Phrases]
    roles: dict[str, Phrases]
    languages: dict[str, Phrases]
    conjunctions: Phrases
    followup_words: Phrases
    generic_words: Phrases
    plan_words: Phrases
    reason_words: Phrases
    kpi_words: Phrases
    asks: dict[str, Phrases]
    proximity: Phrases
    references: Phrases
    date_words: Phrases
    numerals: dict[str, Phrases]
    source_words: Phrases
    ordinals: dict[str, Phrases]
    back_references: Phrases
    offices: dict[str, Phrases]


def normalise(text: str) -> str:
    """NFKC, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> str:
    """' word word … ': English text as padded lower-case words, for whole-word phrase tests."""
    return " " + " ".join(_WORD.findall(normalise(text).replace("-", " "))) + " "


class PhraseMatcher:
    """Which keys of a {key: phrases} table a text names, best (longest phrase) first."""

    def __init__(self, table: dict[str, Phrases]):
        # A "Japanese" phrase written in Latin letters (TEL, URL) is matched as English words.
        latin = [(key, x) for key, p in table.items() for x in p.ja if x.isascii()]
        english = [(key, x) for key, p in table.items() for x in p.en] + latin
        self._en = [(f" {words(x).strip()} ", key, len(x)) for key, x in english]
        self._ja = [(normalise(x), key, len(x)) for key, p in table.items() for x in p.ja if not x.isascii()]

    def find(self, text: str) -> list[str]:
        padded, plain = words(text), normalise(text)
        found: dict[str, int] = {}
        for phrase, key, size in self._en:
            if phrase.strip() and phrase in padded:
                found[key] = max(found.get(key, 0), size)
        for phrase, key, size in self._ja:
            if phrase and phrase in plain:
                found[key] = max(found.get(key, 0), size)
        return sorted(found, key=lambda k: -found[k])

    def phrases(self, key: str, text: str) -> list[str]:
        """The phrases of ``key`` that the text contains (normalised)."""
        padded, plain = words(text), normalise(text)
        found = [p.strip() for p, k, _ in self._en if k == key and p.strip() and p in padded]
        return found + [p for p, k, _ in self._ja if k == key and p and p in plain]

    def first(self, text: str) -> str | None:
        found = self.find(text)
        return found[0] if found else None


@lru_cache(maxsize=4)
def load_lexicon(path: Path = DATA / "lexicon.yaml") -> Lexicon:
    return Lexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _source_words() -> PhraseMatcher:
    return PhraseMatcher({"source": load_lexicon().source_words})


def cites_a_document(text: str) -> bool:
    """The question asks what a document says ("according to …", 「…によると」)."""
    return bool(_source_words().find(text))


def refers_back(sentence: str, lang: str) -> bool:
    """The sentence opens by pointing back at what its heading names ("The institute received …", 「同大学は…」):
    quoted alone, it needs that heading to say whom it is about."""
    phrases = load_lexicon().back_references
    if lang == "ja":
        return normalise(sentence).startswith(tuple(normalise(p) for p in phrases.ja))
    return words(sentence).startswith(tuple(f" {words(p).strip()} " for p in phrases.en))
