"""Extractive answers from the source documents: quote the one to three sentences that answer best.

Sentences of the best passages are scored against the question with USE-multilingual (the bundled
model least biased towards its own language) plus a small bonus for the passage's rank, and quoted
verbatim. Nothing is paraphrased, so nothing can be invented.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from bot.documents import Candidate, DocumentTexts
from bot.retrieval import Hit
from ingest.chunking import section_at
from ingest.embedders import Embedder
from ingest.keywords import tokenize

MAX_SENTENCE = 900  # a unit is one sentence: quoted whole (a translated sentence runs longer than its original)
LIST_MIN_ITEMS = 3  # a list this long is quoted whole when it is the best evidence
# A candidate's score: e5 similarity to the question (cosines sit in a narrow band, hence the scale),
# plus the share of the question's keywords it contains, plus a little for its passage's rank. Set on
# the dev part of the QA set (tests/qa/qa_docs_dev.yaml): the target sentence ranked first for 24 of 37
# document questions, against 16 with USE similarity.
SIMILARITY_SCALE = 3.0
SIMILARITY_CENTER = 0.8
KEYWORD_WEIGHT = 0.6
RANK_BONUS = 0.03
QUOTE_MARGIN = 0.35  # further quotes only while this close to the best one


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
    ("人|名", r"people|ppl|persons?|visitors?|participants?|students?|tourists?"),
    ("団体", r"organi[sz]ations?|groups?"),
    ("社", r"companies|firms?|businesses"),
    ("業種", r"crafts?|industries"),
    ("件", r"cases?|projects?|events?"),
    ("軒|店|工房|か所|カ所|ヶ所|箇所", r"workshops?|studios?|kilns?|shops?|stores?|venues?"),
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
    line: int | None = None  # the line of the passage it comes from (when not aligned to a unit)
    candidate: Candidate | None = None  # the unit it quotes, with its original when translated
    items: list[Candidate] = field(default_factory=list)  # a whole list, when the list is the evidence

    @property
    def section(self) -> str:
        """The heading path the quoted sentence sits under (a packed chunk spans several sections)."""
        if self.candidate is not None:
            return self.candidate.section
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


class SentenceScorer:
    """Vectors of candidate quotes for one embedder: stored in the index at ingest (one per quotable
    unit), else embedded now and cached (an index written before units were stored)."""

    def __init__(self, embedder: Embedder, retriever=None, max_cached: int = 20000):
        self.embedder = embedder
        self.retriever = retriever
        self.max_cached = max_cached
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # the bot answers from several threads

    def vectors(self, candidates: list[Candidate]) -> np.ndarray:
        if not candidates:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        stored: list[np.ndarray | None] = (
            self.retriever.sentence_vectors([c.entry_id for c in candidates], self.embedder.key)
            if self.retriever is not None
            else [None] * len(candidates)
        )
        missing = [c.context for c, v in zip(candidates, stored, strict=True) if v is None]
        computed = dict(zip(missing, self.embed(missing), strict=True)) if missing else {}
        return np.stack([v if v is not None else computed[c.context] for c, v in zip(candidates, stored, strict=True)])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts as passages, cached (bounded)."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        with self._lock:
            known = {s: self._cache[s] for s in texts if s in self._cache}
        fresh = [s for s in dict.fromkeys(texts) if s not in known]
        if fresh:
            known.update(zip(fresh, self.embedder.embed_passages(fresh), strict=True))
            with self._lock:
                if len(self._cache) + len(fresh) > self.max_cached:
                    self._cache.clear()
                self._cache.update((s, known[s]) for s in fresh)
        return np.stack([known[s] for s in texts])


def _overlap(sentence: str, lang: str, keywords: dict[str, set[str]]) -> float:
    """Share of the question's keywords (in the sentence's language) that the sentence contains."""
    wanted = keywords.get(lang) or set()
    if not wanted:
        return 0.0
    return len(wanted & set(tokenize(sentence, lang))) / len(wanted)


def _keyword_share(candidate: Candidate, lang: str, keywords: dict[str, set[str]]) -> float:
    """The keyword overlap of a candidate, read in its original too when it is a translation: the
    question's terms bridged into the original's language (glossary names, romaji terms) meet the
    original's own words, where a translation may have rendered them otherwise."""
    share = _overlap(candidate.context, lang, keywords)
    if candidate.translated:
        original_lang = "en" if candidate.original.isascii() else "ja"
        if original_lang != lang:
            share = max(share, _overlap(candidate.original, original_lang, keywords))
    return share


def _list_evidence(top: list, documents: DocumentTexts, keywords: dict[str, set[str]]) -> object | None:
    """The best candidate is an item of a list whose heading the question names, and another of its
    items is among the best candidates too: the list answers as a whole, quoted in its own order."""
    if not top:
        return None
    (first, hit, _), _ = top[0]
    if first.unit is None or first.unit.kind != "item":
        return None
    heading = first.section.split(" > ")[-1]
    if not keywords.get(hit.lang, set()) & set(tokenize(heading, hit.lang)):
        return None
    same = [
        c
        for (c, h, _), _ in top[1:]
        if c.unit is not None and h.record_id == hit.record_id and c.unit.path_ids == first.unit.path_ids
    ]
    if not same or len(documents.section_items(hit, first.unit)) < LIST_MIN_ITEMS:
        return None
    return first


def best_quotes(
    question_vector: np.ndarray,
    hits: list[Hit],
    scorer: SentenceScorer,
    documents: DocumentTexts,
    keywords: dict[str, set[str]] | None = None,
    limit: int = 3,
    question: str = "",
) -> list[Quote]:
    """The best sentences among the passages, at most two from one passage, in score order.

    Score: USE similarity + keyword overlap with the question + a small bonus for the passage's rank;
    a line ending in a colon introduces a list rather than stating anything, so it is skipped. A
    translated passage offers its units' translations, each with its original.
    """
    keywords = keywords or {}
    wants = answer_type(question) if question else None
    counted = counted_thing(question) if question else None
    candidates: list[tuple[Candidate, Hit, float]] = []
    for rank, hit in enumerate(hits):
        for candidate in documents.candidates(hit):
            sentence = candidate.text
            if sentence.rstrip().endswith((":", "：")) or documents.is_title(hit.record_id, sentence):
                continue
            bonus = RANK_BONUS * (len(hits) - rank) + KEYWORD_WEIGHT * _overlap(candidate.context, hit.lang, keywords)
            if wants and ANSWER_TYPES[wants][1].search(sentence):
                bonus += 0.15
            if counted and counted.search(sentence):
                bonus += 0.3  # a number of the very thing asked for ("116 cities") is the answer itself
            candidates.append((candidate, hit, bonus))
    if not candidates:
        return []
    vectors = scorer.vectors([c for c, _, _ in candidates])
    scores = SIMILARITY_SCALE * (vectors @ question_vector - SIMILARITY_CENTER)
    ranked = sorted(zip(candidates, scores, strict=True), key=lambda x: -(x[1] + x[0][2]))
    quotes: list[Quote] = []
    listed = _list_evidence(ranked[:6], documents, keywords)
    if listed is not None:
        (candidate, hit, bonus), score = ranked[0]
        items = documents.section_items(hit, candidate.unit)
        text = "\n".join(i.text for i in items)
        quotes.append(Quote(text, hit, float(score + bonus), candidate=candidate, items=items))
    listed_units = {i.unit.id for q in quotes for i in q.items if i.unit}
    per_hit: dict[str, int] = {q.hit.id: 1 for q in quotes}
    for (candidate, hit, bonus), score in ranked:
        if candidate.unit is not None and candidate.unit.id in listed_units:
            continue
        sentence = candidate.text[:MAX_SENTENCE]
        same_unit = candidate.unit is not None and any(
            q.candidate
            and q.candidate.unit
            and q.candidate.unit.id == candidate.unit.id
            and q.hit.record_id == hit.record_id
            for q in quotes
        )
        if per_hit.get(hit.id, 0) >= 2 or same_unit or any(q.text == sentence for q in quotes):
            continue
        if quotes and score + bonus < quotes[0].score - QUOTE_MARGIN:
            break
        quotes.append(Quote(sentence, hit, float(score + bonus), candidate=candidate))
        per_hit[hit.id] = per_hit.get(hit.id, 0) + 1
        if len(quotes) >= limit:
            break
    return quotes
