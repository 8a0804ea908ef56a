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
from ingest.chunking import section_at, sentence_lines
from ingest.embedders import Embedder
from ingest.keywords import tokenize

MAX_SENTENCE = 400


# What a question asks for, and what a sentence that answers it contains.
ANSWER_TYPES: dict[str, tuple[re.Pattern, re.Pattern]] = {
    "year": (
        re.compile(r"\b(when|what year|which year|since when)\b|いつ|何年", re.I),
        re.compile(r"(?<!\d)(1[6-9]|20)\d\d(?!\d)|[0-9０-９]+年|令和|平成"),
    ),
    "count": (
        re.compile(
            r"\b(how many|how much|number of|what percentage|population)\b"
            r"|いくつ|何人|何件|何都市|何か国|どれくらい|どのくらい|人口",
            re.I,
        ),
        re.compile(r"[0-9０-９]"),
    ),
}


# "何都市？" / "how many cities?": a sentence that counts that very thing ("116 cities") answers it.
_COUNTERS: list[tuple[str, str]] = [  # (Japanese counter, English noun), as regex alternatives
    ("都市", r"cit(?:y|ies)"),
    ("か国|カ国|ヶ国|箇国", r"countr(?:y|ies)"),
    ("人|名", r"people|persons?|visitors?|participants?|students?"),
    ("団体", r"organi[sz]ations?|groups?"),
    ("社", r"companies|firms?|businesses"),
    ("業種", r"crafts?|industries"),
    ("件", r"cases?|projects?|events?"),
]
_JA_COUNT = re.compile(r"(?:何|いくつの?|どれくらいの)(" + "|".join(ja for ja, _ in _COUNTERS) + ")")
_EN_COUNT = re.compile(r"\bhow many ((?:\w+ ){0,2}\w+)", re.I)  # "how many (creative) cities"


def counted_thing(question: str) -> re.Pattern | None:
    """A pattern for a number followed by the thing a 'how many' question counts, in either language."""
    ja_match, en_match = _JA_COUNT.search(question), _EN_COUNT.search(question)
    for ja, en in _COUNTERS:
        if (ja_match and re.fullmatch(ja, ja_match.group(1))) or (
            en_match and any(re.fullmatch(en, word, re.I) for word in en_match.group(1).split())
        ):
            return re.compile(rf"[0-9０-９][0-9０-９,，.]*\s*(?:{ja}|(?:{en})\b)", re.I)
    return None


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
    line: int | None = None  # the line of the passage it comes from

    @property
    def section(self) -> str:
        """The heading path the quoted sentence sits under (a packed chunk spans several sections)."""
        return section_of(self.hit, self.text, self.line)


def section_of(hit: Hit, sentence: str, line: int | None = None) -> str:
    """Heading path of a sentence (on ``line``, else where it first occurs) of a document passage."""
    first = str(hit.metadata.get("section", ""))
    inline = json.loads(str(hit.metadata.get("inline_sections") or "[]"))
    if line is None:
        position = hit.text.find(sentence)
        line = hit.text.count("\n", 0, position) if position >= 0 else None
    if not inline or line is None:
        return first
    return section_at(hit.text, line, first, inline)


def in_context(hit: Hit, sentence: str, line: int | None = None) -> str:
    """What a sentence is scored as: a list item or table line says little without its heading."""
    if sentence.endswith(("。", ".", "!", "?", "！", "？")):
        return sentence
    heading = section_of(hit, sentence, line).split(" > ")[-1]
    return f"{heading}: {sentence}" if heading else sentence


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
    counted = counted_thing(question) if question else None
    candidates: list[tuple[str, Hit, float, int]] = []
    scored: list[str] = []
    for rank, hit in enumerate(hits):
        for line, sentence in sentence_lines(hit.text, hit.lang, int(hit.metadata.get("lead_in", 0) or 0)):
            if sentence.rstrip().endswith((":", "：")):
                continue
            context = in_context(hit, sentence[:MAX_SENTENCE], line)
            bonus = 0.03 * (len(hits) - rank) + 0.3 * _overlap(context, hit.lang, keywords)
            if wants and ANSWER_TYPES[wants][1].search(sentence):
                bonus += 0.15
            if counted and counted.search(sentence):
                bonus += 0.3  # a number of the very thing asked for ("116 cities") is the answer itself
            candidates.append((sentence[:MAX_SENTENCE], hit, bonus, line))
            scored.append(context)
    if not candidates:
        return []
    vectors = scorer.vectors(scored)
    scores = vectors @ question_vector
    ranked = sorted(zip(candidates, scores, strict=True), key=lambda x: -(x[1] + x[0][2]))
    quotes: list[Quote] = []
    per_hit: dict[str, int] = {}
    for (sentence, hit, bonus, line), score in ranked:
        if per_hit.get(hit.id, 0) >= 2 or any(q.text == sentence for q in quotes):
            continue
        if quotes and score + bonus < 0.75 * (quotes[0].score):
            break
        quotes.append(Quote(sentence, hit, float(score + bonus), line))
        per_hit[hit.id] = per_hit.get(hit.id, 0) + 1
        if len(quotes) >= limit:
            break
    return quotes
