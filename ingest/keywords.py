"""The keyword signal: BM25 over Sudachi tokens (Japanese) and normalised words (English).

Sudachi (core dictionary, search mode C) keeps numbers such as 2020 whole and splits compounds the
way Japanese readers do; English is lower-cased, NFKC-normalised words with a short stop list.
The index is small (about a thousand passages), so it is rebuilt in memory when the engine loads.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its logger to DEBUG on import

_JA_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_EN_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Parts of speech that carry no search meaning (particles, auxiliaries, symbols, blanks).
_JA_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
EN_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "there",
        "these",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_sudachi_lock = threading.Lock()


@lru_cache(maxsize=1)
def _sudachi():
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").create(), SplitMode.C


def has_japanese(text: str) -> bool:
    return bool(_JA_CHARS.search(text))


def tokenize_en(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return [w for w in _EN_WORD.findall(text) if w not in EN_STOP]


def tokenize_ja(text: str) -> list[str]:
    """Sudachi normalised forms; Latin words inside Japanese text go through the English path."""
    tokenizer, mode = _sudachi()
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    with _sudachi_lock:  # a Sudachi tokenizer object is not safe to share across threads
        morphemes = tokenizer.tokenize(text, mode)
        for m in morphemes:
            if m.part_of_speech()[0] in _JA_SKIP_POS:
                continue
            surface = m.normalized_form().lower()
            if not surface.strip():
                continue
            if has_japanese(surface):
                out.append(surface)
            else:
                out.extend(tokenize_en(surface))
    return out


def readings(text: str) -> list[tuple[str, str]]:
    """Each morpheme of a Japanese text with its reading in katakana (Sudachi's dictionary)."""
    tokenizer, mode = _sudachi()
    with _sudachi_lock:
        return [(m.surface(), m.reading_form()) for m in tokenizer.tokenize(unicodedata.normalize("NFKC", text), mode)]


def short_units_ja(text: str) -> list[str]:
    """Sudachi's shortest units (mode A), normalised: compounds split the same way wherever they stand
    (mode C reads 「従事者数」 as one word in a name and 「従事者」「数」 in 「…の従事者数って」)."""
    from sudachipy import SplitMode

    tokenizer, _mode = _sudachi()
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    with _sudachi_lock:
        for m in tokenizer.tokenize(text, SplitMode.A):
            if m.part_of_speech()[0] in _JA_SKIP_POS:
                continue
            surface = m.normalized_form().lower()
            if surface.strip():
                out.extend([surface] if has_japanese(surface) else tokenize_en(surface))
    return out


def tokenize(text: str, lang: str) -> list[str]:
    return tokenize_ja(text) if lang == "ja" else tokenize_en(text)


class KeywordIndex:
    """BM25 over one language's passages; scores are returned for every passage."""

    def __init__(self, ids: list[str], texts: list[str], lang: str):
        self.ids = ids
        self.lang = lang
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(t, lang) or ["\u2205"] for t in texts]
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        self.vocabulary = frozenset(self._bm25.vocab_dict) if ids else frozenset()  # every token indexed

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query, self.lang) if t in self._bm25.vocab_dict] if self.ids else []
        if not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
