"""Romanised Japanese terms in a question ("okuzashiki", "kihon rinen") matched to the documents' words.

Users write the plans' own terms in romaji; no translation or directory name holds them. Every run of one
to four morphemes of the Japanese documents is indexed by its reading (Sudachi's dictionary, romanised by
jaconv), reduced so that Hepburn variants meet (shi/si, tsu/tu, long vowels, m before b/p): a romaji
phrase in a question is then a term the sources do hold, in the script they print it in.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

from ingest.keywords import EN_STOP, has_japanese, readings

MIN_KEY = 6  # a shorter reading ("kara", "sake") meets English words by chance
MAX_MORPHEMES = 4
MAX_WORDS = 4  # a romaji phrase in a question: "kanazawa no okuzashiki" at most
MAX_LINES = 12  # a term on more lines than this (金沢, 工芸, 推進) tells no passage from another
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u017f]+(?:[-'][A-Za-z\u00c0-\u017f]+)*")
_REDUCTIONS = [  # Hepburn, Kunrei and a user's spelling reduced to one form (applied in order)
    (r"[^a-z]", ""),
    (r"sh", "sy"),
    (r"ch", "ty"),
    (r"ts", "t"),
    (r"j", "zy"),
    (r"f", "h"),
    (r"m(?=[bpm])", "n"),
    (r"(?<=[ao])u|(?<=o)o|(?<=u)u|(?<=a)a|(?<=e)i|(?<=i)i", ""),  # long vowels: kyouto / kyōto / kyoto
    (r"yi", "i"),
]


def reduce(romaji: str) -> str:
    """The spelling-independent key of a romanised word or phrase."""
    text = unicodedata.normalize("NFKD", romaji.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for pattern, replacement in _REDUCTIONS:
        text = re.sub(pattern, replacement, text)
    return text


def _romanise(katakana: str) -> str:
    return jaconv.kana2alphabet(jaconv.kata2hira(katakana))


class RomajiIndex:
    """Reading key → the documents' word or phrase with that reading (the first printed)."""

    def __init__(self, japanese_texts: list[str]):
        self.terms: dict[str, str] = {}
        lines_with: dict[str, int] = {}
        for text in japanese_texts:
            for line in text.splitlines():
                if has_japanese(line):
                    for key in self._add_line(line):
                        lines_with[key] = lines_with.get(key, 0) + 1
        for key, count in lines_with.items():
            if count > MAX_LINES:
                del self.terms[key]

    def _add_line(self, line: str) -> set[str]:
        """Index the line's terms; their keys."""
        keys: set[str] = set()
        morphemes = [(surface, reduce(_romanise(reading))) for surface, reading in readings(line)]
        for start in range(len(morphemes)):
            surface, key = "", ""
            for piece, reading in morphemes[start : start + MAX_MORPHEMES]:
                if not reading:  # punctuation ends a term: 「産後ケア」 is 産後ケア
                    break
                surface, key = surface + piece, key + reading
                if len(key) >= MIN_KEY and has_japanese(surface):
                    self.terms.setdefault(key, surface)
                    keys.add(key)
        return keys

    def term(self, phrase: str) -> str | None:
        """The documents' word for a romaji phrase ("Okuzashiki" → 奥座敷), if they print one."""
        key = reduce(phrase)
        return self.terms.get(key) if len(key) >= MIN_KEY else None

    def terms_in(self, text: str, english_words: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        """The romaji phrases of a question that the documents print, longest first, with their word.

        A phrase of English words only ("machine", "station") is English, whatever it reads as.
        """
        words = [(m.group(0), m.start()) for m in _LATIN_WORD.finditer(text)]
        found: list[tuple[str, str]] = []
        taken: set[int] = set()
        for size in range(MAX_WORDS, 0, -1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if taken & set(span):
                    continue
                tokens = [words[i][0].lower() for i in span]
                if (
                    tokens[0] in EN_STOP
                    or tokens[-1] in EN_STOP
                    or all(t in english_words or t in EN_STOP for t in tokens)
                ):
                    continue
                term = self.term("".join(tokens))
                if term:
                    found.append((" ".join(words[i][0] for i in span), term))
                    taken |= set(span)
        return found
