"""Extractive answers from the source documents: quote the one to three sentences that answer best.

Sentences of the best passages are scored against the question with USE-multilingual (the bundled
model least biased towards its own language) plus a small bonus for the passage's rank, and quoted
verbatim. Nothing is paraphrased, so nothing can be invented.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass

import numpy as np

from bot.retrieval import Hit
from ingest.chunking import INLINE_HEADING, section_at
from ingest.embedders import Embedder
from ingest.keywords import tokenize

_JA_SENTENCE = re.compile(r"(?<=[。！？])")
_EN_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
MIN_SENTENCE = 12
_URL = re.compile(r"https?://\S+")
MAX_SENTENCE = 400


# What a question asks for, and what a sentence that answers it contains.
ANSWER_TYPES: dict[str, tuple[re.Pattern, re.Pattern]] = {
    "year": (
        re.compile(r"\b(when|what year|which year|since when)\b|いつ|何年", re.I),
        re.compile(r"(?<!\d)(1[6-9]|20)\d\d(?!\d)|[0-9０-９]+年|令和|平成"),
    ),
    "count": (
        re.compile(
            r"\b(how many|how much|number of|what percentage)\b|いくつ|何人|何件|何都市|何か国|どれくらい|どのくらい",
            re.I,
        ),
        re.compile(r"[0-9０-９]"),
    ),
}


def answer_type(question: str) -> str | None:
    for name, (asks, _) in ANSWER_TYPES.items():
        if asks.search(question):
            return name
    return None


@dataclass
class Quote:
    text: str
    hit: Hit
    score: float

    @property
    def section(self) -> str:
        """The heading path the quoted sentence sits under (a packed chunk spans several sections)."""
        meta = self.hit.metadata
        first = str(meta.get("section", ""))
        inline = json.loads(str(meta.get("inline_sections") or "[]"))
        position = self.hit.text.find(self.text)
        if not inline or position < 0:
            return first
        line = self.hit.text.count("\n", 0, position)
        return section_at(self.hit.text, line, first, inline)


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences (and list items / table lines, which are their own units in the plans).

    Heading lines of packed chunks label what follows; they state nothing, so they are not quotable.
    """
    out = []
    for line in text.splitlines():
        if INLINE_HEADING.match(line):
            continue
        line = line.strip().lstrip("-•・ ").strip()
        if not line:
            continue
        parts = _JA_SENTENCE.split(line) if lang == "ja" else _EN_SENTENCE.split(line)
        out.extend(p.strip() for p in parts if p.strip())
    # A line that is only links states nothing to quote.
    return [s for s in out if len(_URL.sub("", s).strip()) >= MIN_SENTENCE]


class SentenceScorer:
    """Scores candidate sentences with one embedder; sentence vectors are cached (bounded)."""

    def __init__(self, embedder: Embedder, max_cached: int = 20000):
        self.embedder = embedder
        self.max_cached = max_cached
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # the bot answers from several threads

    def vectors(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        with self._lock:
            known = {s: self._cache[s] for s in sentences if s in self._cache}
        fresh = [s for s in dict.fromkeys(sentences) if s not in known]
        if fresh:
            known.update(zip(fresh, self.embedder.embed_passages(fresh), strict=True))
            with self._lock:
                if len(self._cache) + len(fresh) > self.max_cached:
                    self._cache.clear()
                self._cache.update((s, known[s]) for s in fresh)
        return np.stack([known[s] for s in sentences])


def _overlap(sentence: str, lang: str, keywords: dict[str, set[str]]) -> float:
    """Share of the question's keywords (in the sentence's language) that the sentence contains."""
    wanted = keywords.get(lang) or set()
    if not wanted:
        return 0.0
    return len(wanted & set(tokenize(sentence, lang))) / len(wanted)


def best_quotes(
    question_vector: np.ndarray,
    hits: list[Hit],
    scorer: SentenceScorer,
    keywords: dict[str, set[str]] | None = None,
    limit: int = 3,
    question: str = "",
) -> list[Quote]:
    """The best sentences among the passages, at most two from one passage, in score order.

    Score: USE similarity + keyword overlap with the question + a small bonus for the passage's rank;
    a line ending in a colon introduces a list rather than stating anything, so it is skipped.
    """
    keywords = keywords or {}
    wants = answer_type(question) if question else None
    candidates: list[tuple[str, Hit, float]] = []
    for rank, hit in enumerate(hits):
        for sentence in split_sentences(hit.text, hit.lang):
            if sentence.rstrip().endswith((":", "：")):
                continue
            bonus = 0.03 * (len(hits) - rank) + 0.3 * _overlap(sentence, hit.lang, keywords)
            if wants and ANSWER_TYPES[wants][1].search(sentence):
                bonus += 0.15
            candidates.append((sentence[:MAX_SENTENCE], hit, bonus))
    if not candidates:
        return []
    vectors = scorer.vectors([c[0] for c in candidates])
    scores = vectors @ question_vector
    ranked = sorted(zip(candidates, scores, strict=True), key=lambda x: -(x[1] + x[0][2]))
    quotes: list[Quote] = []
    per_hit: dict[str, int] = {}
    for (sentence, hit, bonus), score in ranked:
        if per_hit.get(hit.id, 0) >= 2 or any(q.text == sentence for q in quotes):
            continue
        if quotes and score + bonus < 0.75 * (quotes[0].score):
            break
        quotes.append(Quote(sentence, hit, float(score + bonus)))
        per_hit[hit.id] = per_hit.get(hit.id, 0) + 1
        if len(quotes) >= limit:
            break
    return quotes
