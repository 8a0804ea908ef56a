"""Names as the knowledge writes them, and the word-level tests that find them in a question.

The phrase tables of crafts, venues, programmes, plans and landmarks (exact phrases, whole words in
English) with a fuzzy pass for misspelt English names, and the content words of names that identify an
indicator or a programme described in other words. Used by the entity recogniser (bot/core/entities.py)
and by the handlers that compare a question's words with a record's name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.core.lexicon import PhraseMatcher, Phrases, words
from ingest.keywords import short_units_ja, tokenize

# A name variant that is only a place is no name of a craft, venue or programme ("Kanazawa/Kaga folk toys").
PLACE_NAMES = frozenset({"kanazawa", "kaga", "ishikawa", "japan", "tokyo", "金沢", "加賀", "石川", "金沢市", "city"})
_GENERIC_NAMES = frozenset(
    {
        "museum",
        "gallery",
        "shop",
        "store",
        "workshop",
        "kiln",
        "center",
        "centre",
        "craft",
        "crafts",
        "main",
        "the",
        "of",
        "and",
        "online",
        "collections",
        "maker",
        "美術館",
        "工房",
        "工芸館",
        "本店",
        "資料館",
        "記念館",
        "ギャラリー",
    }
)
FUZZY_MIN_LENGTH = 6  # shorter names are too easily matched by chance
FUZZY_SCORE = 88


def name_variants(name: str) -> list[str]:
    """'Kutani ware (Kutani porcelain)' → the whole, 'Kutani ware', 'Kutani porcelain'; without 'Kanazawa '."""
    out = [name]
    if "(" in name or "（" in name:
        head, _, rest = name.replace("（", "(").partition("(")
        out += [head, rest.rstrip(")）")]
    out += [part for x in list(out) for part in re.split(r"\s*[/／]\s*", x) if part != x]
    out += [x[len("Kanazawa ") :] for x in out if x.startswith("Kanazawa ")]
    out += [x[len("金沢") :] for x in out if x.startswith("金沢") and len(x) > 4]
    out = [x.strip(" ()（）") for x in out]
    return [x for x in dict.fromkeys(out) if len(x) >= 2 and _distinctive(x)]


def _distinctive(name: str) -> bool:
    """A name variant says which thing it is: not only a place, not only generic words ("Museum+")."""
    if name in PLACE_NAMES or name in _GENERIC_NAMES:
        return False
    tokens = words(name).split()
    return not tokens or any(t not in PLACE_NAMES and t not in _GENERIC_NAMES for t in tokens)


_NAME_STOP = frozenset(
    {
        "number",
        "numbers",
        "total",
        "cumulative",
        "the",
        "of",
        "in",
        "by",
        "for",
        "a",
        "an",
        "and",
        "to",
        "from",
        "at",
        "on",
        "with",
        "kanazawa",
        "city",
        "金沢",
        "金沢市",
        "数",
        "の",
        "件数",
        "人数",
    }
)


_ENGLISH = snowballstemmer.stemmer("english")


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    """English words by their Snowball stem ("nationally designated" = "national designation"); others as they are."""
    return _ENGLISH.stemWord(word) if word.isascii() else word


def word_idf(names) -> dict[str, float]:
    """Inverse document frequency of each word over the indicator names: how much a word tells them apart."""
    names = list(names)
    counts: dict[str, int] = {}
    for name in names:
        for w in name:
            counts[w] = counts.get(w, 0) + 1
    return {w: math.log((1 + len(names)) / (1 + c)) + 1.0 for w, c in counts.items()}


def name_words(text: str, lang: str) -> set[str]:
    """The words of a name or question that identify an indicator (stemmed English, Sudachi Japanese)."""
    tokens = tokenize(unqualified(text) if lang == "en" else text, lang)
    tokens = [part for t in tokens for part in (t.split("-") if "-" in t else [t])]  # bike-share = bike share
    return {_stem(t) for t in tokens if t not in _NAME_STOP and len(t) > 1 and not t.isdigit()}


def short_name_words(text: str) -> set[str]:
    """name_words of a Japanese name or question in Sudachi's shortest units, one-character words kept
    (数, 率, 者: 「従事者が減っている」 does not name 「従事者数」)."""
    return {t for t in short_units_ja(text) if (t == "数" or t not in _NAME_STOP) and not t.isdigit()}


def unqualified(name: str) -> str:
    """An indicator's name without its bracketed qualifiers ((累計), (R2～R6の合計), (cumulative))."""
    return re.sub(r"\s*[（(][^（()）]*[)）]", "", name).strip() or name


def indicator_key(text: str) -> str:
    """An indicator's name as compared: NFKC, no spaces, no punctuation, no 〔再掲〕 / [再掲] mark."""
    text = re.sub(r"[〔\[]再掲[〕\]]", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"[\s、・,.()（）「」“”\"]", "", text).lower()


@dataclass
class NameTable:
    matcher: PhraseMatcher
    keys: dict[str, list[str]]  # phrase-table key -> entity ids it stands for
    fuzzy: list[tuple[str, str]]  # (normalised English name, table key)

    @cached_property
    def fuzzy_by_words(self) -> dict[int, tuple[list[str], list[str]]]:
        """{window length in words: (names, their keys)}: a name is tried on runs of its own number of words
        and one more or fewer ("kutaniware", "kaga yu zen")."""
        out: dict[int, tuple[list[str], list[str]]] = {}
        for name, key in self.fuzzy:
            n = len(name.split())
            for size in {max(1, n - 1), n, n + 1}:
                names, keys = out.setdefault(size, ([], []))
                names.append(name)
                keys.append(key)
        return out

    def misspelt(self, text: str) -> list[str]:
        """A misspelt name ("kutani wear", "kaga yuzan"): compared with runs of whole words of the question
        of about its own length, never with a piece of another word ("gilding" is not in "building",
        "shikki" not in "okuzashiki")."""
        tokens = words(text).split()
        if len(" ".join(tokens)) < FUZZY_MIN_LENGTH or not self.fuzzy:
            return []
        best: tuple[float, str] | None = None
        for size, (names, keys) in self.fuzzy_by_words.items():
            for start in range(len(tokens) - size + 1):
                window = " ".join(tokens[start : start + size])
                if len(window) < FUZZY_MIN_LENGTH:
                    continue
                found = process.extractOne(window, names, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
                if found and (best is None or found[1] > best[0]):
                    best = (found[1], keys[found[2]])
        return list(self.keys[best[1]]) if best else []


def name_table(entries: list[tuple[list[str], list[str], list[str]]]) -> NameTable:
    """entries: (English names, Japanese names, entity ids)."""
    phrases, keys, fuzzy = {}, {}, []
    for n, (en, ja, ids) in enumerate(entries):
        key = str(n)
        phrases[key] = Phrases(en=[x for x in en if x], ja=[x for x in ja if x])
        keys[key] = ids
        fuzzy += [(words(x).strip(), key) for x in en if len(x) >= FUZZY_MIN_LENGTH]
    return NameTable(PhraseMatcher(phrases), keys, fuzzy)
