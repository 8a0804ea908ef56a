"""Cross-lingual hybrid retrieval over the active index.

A multilingual embedder still prefers passages in the question's language, so one search over a mixed
index buries the other language. Each language's entries are therefore searched on their own with
three signals (e5, USE, BM25), fused with reciprocal rank fusion, and the two languages' lists are
merged afterwards. The index is small (about a thousand entries), so the retriever reads the active
generation's vectors from Chroma once and searches them exactly in memory: filtered approximate search
loses recall when a filter keeps a third of the collection, and exact search is faster at this size.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.batching import MicroBatcher
from bot.glossary import Glossary
from ingest.embedders import Embedder, load_embedders, one_torch_thread
from ingest.keywords import KeywordIndex
from ingest.schema import LANGS
from ingest.settings import Settings
from ingest.store import IndexStore

log = logging.getLogger(__name__)
RRF_K = 60
_CITY = re.compile(r"kanazawa|金沢", re.I)
CANDIDATES = 40  # per signal and language
SAME_LANGUAGE_HANDICAP = 0.08
QUERY_CACHE_SIZE = 2048  # recent questions' vectors (a few MB)


@dataclass
class Hit:
    """One retrieved entry with its fused score and the rank each signal gave it."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)
    similarities: dict[str, float] = field(default_factory=dict)  # cosine per dense signal

    @property
    def kind(self) -> str:
        return str(self.metadata["kind"])

    @property
    def lang(self) -> str:
        return str(self.metadata["lang"])

    @property
    def record_id(self) -> str:
        return str(self.metadata["record_id"])


@dataclass
class SearchResult:
    hits: list[Hit]  # everything, by fused score: what to answer from
    passages: list[Hit]  # documents of both languages, interleaved: what to quote from
    vectors: dict[str, np.ndarray]  # the question's embeddings (reused for sentence scoring)


def rrf(rankings: dict[str, list[str]], weights: dict[str, float] | None = None, k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion of several ranked id lists."""
    scores: dict[str, float] = {}
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, entry_id in enumerate(ranking):
            scores[entry_id] = scores.get(entry_id, 0.0) + weight / (k + rank + 1)
    return scores


class HybridRetriever:
    """Loads the active generation once; thread-safe searches afterwards."""

    def __init__(
        self,
        settings: Settings,
        store: IndexStore | None = None,
        embedders: list[Embedder] | None = None,
        glossary: Glossary | None = None,
    ):
        self.settings = settings
        self.glossary = glossary
        self.romaji = None  # RomajiIndex of the knowledge served (set by the engine with the glossary)
        self.embedders = embedders or load_embedders(settings)
        self.store = store or IndexStore(settings)
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
        self._vector_lock = threading.Lock()
        self.batcher = MicroBatcher(self._embed_batch, on_start=one_torch_thread, workers=settings.query_threads)
        self.reload()

    def reload(self) -> None:
        """(Re)load the active generation: collections, stored texts and the BM25 indexes."""
        models = {e.key: e.model_id for e in self.embedders}
        gen = self.store.require_active(models)
        collections = {e.key: self.store.collection(gen.id, e.key) for e in self.embedders}
        entries: dict[str, tuple[str, dict[str, Any]]] = {}
        vectors: dict[str, dict[str, tuple[list[str], np.ndarray]]] = {}
        sentences: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
        stored: dict[str, tuple[dict[str, int], np.ndarray]] = {}  # per signal: sentence id -> row, matrix
        headings: dict[str, list[tuple[str, dict[str, Any], str]]] = {}  # per language: (id, metadata, text)
        for key, collection in collections.items():
            got = collection.get(include=["documents", "metadatas", "embeddings"])
            if not entries:
                entries = {
                    i: (doc, meta)
                    for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                    if meta["kind"] not in ("sentence", "heading")
                }
            matrix = np.asarray(got["embeddings"], dtype=np.float32)
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            stored[key] = (
                {i: n for n, i in enumerate(got["ids"]) if i.startswith(("sentence:", "heading:"))},
                matrix,
            )
            if not headings:
                rows = list(zip(got["ids"], got["metadatas"], got["documents"], strict=True))
                headings = {
                    lang: [(i, dict(m), d) for i, m, d in rows if m["kind"] == "heading" and m["lang"] == lang]
                    for lang in LANGS
                }
            vectors[key], sentences[key] = {}, {}
            for lang in LANGS:
                rows = [n for n, i in enumerate(got["ids"]) if i in entries and entries[i][1]["lang"] == lang]
                ids = [got["ids"][n] for n in rows]
                vectors[key][lang] = (ids, matrix[rows])
                # Each sentence row points at its passage's row in this language's matrix.
                position = {entry_id: n for n, entry_id in enumerate(ids)}
                own = [
                    (n, position[m["parent"]])
                    for n, m in enumerate(got["metadatas"])
                    if m["kind"] == "sentence" and m["lang"] == lang and m.get("parent") in position
                ]
                sentences[key][lang] = (
                    np.asarray([parent for _, parent in own], dtype=np.int64),
                    matrix[[n for n, _ in own]] if own else np.zeros((0, matrix.shape[1]), dtype=np.float32),
                )
        keyword: dict[str, KeywordIndex] = {}
        for lang in LANGS:
            ids = [i for i, (_, m) in entries.items() if m["lang"] == lang]
            texts = [_keyword_text(entries[i][0], entries[i][1]) for i in ids]
            keyword[lang] = KeywordIndex(ids, texts, lang)
        untranslated = {
            lang: {i for i, (_, m) in entries.items() if m["lang"] == lang and _untranslated(m)} for lang in LANGS
        }
        with self._lock:  # one assignment each: a search in flight keeps the generation it started with
            self._state = (vectors, entries, keyword, sentences, untranslated)
            self._stored = stored
            self._headings = headings
            self.generation = gen.id
        log.info("retriever loaded generation %s (%d entries)", gen.id, len(entries))

    def refresh_if_changed(self) -> bool:
        """Switch to a newer generation if ingestion made one; cheap when nothing changed."""
        active = self.store.active()
        if active is not None and active.id != self.generation:
            self.reload()
            return True
        return False

    def headings(self, lang: str) -> list[tuple[str, dict[str, Any], str]]:
        """Every document heading indexed in ``lang``: (entry id, metadata, text)."""
        return self._headings.get(lang, [])

    def embed(self, query: str) -> dict[str, np.ndarray]:
        """The question's vectors, one per signal (routing reuses them). Embedding is most of an answer's
        time and popular questions repeat ("Where can I try gold leaf?"), so recent ones are remembered."""
        with self._vector_lock:
            cached = self._vectors.get(query)
            if cached is not None:
                self._vectors.move_to_end(query)
                return cached
        vectors = self.batcher(query)  # with the questions of other chats asked at the same moment
        with self._vector_lock:
            self._vectors[query] = vectors
            while len(self._vectors) > QUERY_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vectors

    def _embed_batch(self, queries: list[str]) -> list[dict[str, np.ndarray]]:
        per_model = {e.key: e.embed_queries(queries) for e in self.embedders}
        return [{key: matrix[n] for key, matrix in per_model.items()} for n in range(len(queries))]

    def clear_query_cache(self) -> None:
        with self._vector_lock:
            self._vectors.clear()

    def sentence_vectors(self, ids: list[str], key: str) -> list[np.ndarray | None]:
        """The stored vectors of quotable sentences (None for one the index does not hold)."""
        rows, matrix = self._stored.get(key, ({}, None))
        return [matrix[rows[i]] if matrix is not None and i in rows else None for i in ids]

    @property
    def _entries(self) -> dict[str, tuple[str, dict[str, Any]]]:
        return self._state[1]

    @property
    def signal_names(self) -> list[str]:
        return [e.key for e in self.embedders] + ["bm25"]

    def _kind(self, entry_id: str, entries: dict | None = None) -> str:
        return str((entries or self._entries)[entry_id][1]["kind"])

    def entry(self, entry_id: str) -> Hit | None:
        item = self._entries.get(entry_id)
        return Hit(entry_id, item[0], dict(item[1])) if item else None

    def entries(self, kind: str | None = None, lang: str | None = None) -> list[Hit]:
        return [
            Hit(i, doc, dict(meta))
            for i, (doc, meta) in self._entries.items()
            if (kind is None or meta["kind"] == kind) and (lang is None or meta["lang"] == lang)
        ]

    def search_language(
        self,
        query: str,
        lang: str,
        vectors: dict[str, np.ndarray],
        kinds: list[str] | None = None,
        query_lang: str | None = None,
        untranslated_only: bool = False,
    ) -> list[Hit]:
        """Fused ranking of one language's entries (keywords bridged through the glossary across languages).

        ``untranslated_only`` keeps original passages that no translation serves in the question's
        language: the rest is found, better, among the translations in the question's language.
        """
        vectors_by_key, entries, keyword_indexes, sentences, untranslated = self._state  # one generation
        allowed = set(kinds) if kinds else None
        if untranslated_only:
            entries = {i: entries[i] for i in untranslated[lang]}
        rankings: dict[str, list[str]] = {}
        similarity: dict[str, dict[str, float]] = {}
        for key, per_lang in vectors_by_key.items():
            ids, matrix = per_lang[lang]
            sims = matrix @ vectors[key]
            ranking_sims = sims
            if query_lang and query_lang != lang:
                ranking_sims = _blend_best_sentence(sims, *sentences[key][lang], vectors[key])
            ranked = [
                ids[n]
                for n in np.argsort(-ranking_sims)
                if ids[n] in entries and (allowed is None or self._kind(ids[n], entries) in allowed)
            ]
            rankings[key] = ranked[:CANDIDATES]
            for n, entry_id in enumerate(ids):
                if entry_id in entries:
                    similarity.setdefault(entry_id, {})[key] = float(sims[n])
        index = keyword_indexes[lang]
        keywords = query
        if query_lang and query_lang != lang:
            keywords = " ".join(self.glossary.bridge(query, query_lang)) if self.glossary else ""
            keywords = _CITY.sub(" ", keywords)  # the city's name matches every passage: no signal
        scores = index.scores(keywords)
        order = [i for i in np.argsort(-scores) if scores[i] > 0]
        rankings["bm25"] = [
            index.ids[i]
            for i in order
            if index.ids[i] in entries and (allowed is None or self._kind(index.ids[i], entries) in allowed)
        ][:CANDIDATES]
        printed = self._romaji_terms(query, query_lang or lang)
        if printed:
            rankings["romaji"] = [
                i for i in _printing(printed, entries, lang) if allowed is None or self._kind(i, entries) in allowed
            ][:CANDIDATES]
        fused = rrf(rankings)
        hits = []
        for entry_id, score in sorted(fused.items(), key=lambda x: -x[1]):
            doc, meta = entries[entry_id]
            ranks = {name: r.index(entry_id) + 1 for name, r in rankings.items() if entry_id in r}
            hits.append(Hit(entry_id, doc, dict(meta), score, ranks, similarity.get(entry_id, {})))
        return hits

    def _romaji_terms(self, query: str, query_lang: str) -> list[str]:
        """The Japanese documents' terms an English question writes in romaji ("okuzashiki" → 奥座敷)."""
        if query_lang != "en" or self.romaji is None:
            return []
        # romaji the English passages print too ("Ginza no Kanazawa", "tsunagite") is found by its words
        printed_in_english = self._state[2]["en"].vocabulary
        return [term for _, term in self.romaji.terms_in(query, printed_in_english)]

    def search(
        self,
        query: str,
        query_lang: str,
        k: int = 10,
        kinds: list[str] | None = None,
        vectors: dict[str, np.ndarray] | None = None,
    ) -> SearchResult:
        """Search the question's language, and the other language where no translation serves it.

        Directory records exist in both languages with the same content, and every document is there
        in the question's language too, as the original or as the guide's aligned translation, so the
        question's language is searched first (same-language matching is the most precise: R@5 1.00
        against 0.79 across languages on the dev set). Original passages that no translation serves
        (stale or untranslated units) are searched across languages with the sentence blend. ``hits``
        merges everything by fused score (what to answer from); ``passages`` interleaves the two
        languages' documents for quoting.
        """
        vectors = vectors or self.embed(query)
        other = "ja" if query_lang == "en" else "en"
        other_kinds = [x for x in (kinds or ["document"]) if x == "document"]
        per_lang = {query_lang: self.search_language(query, query_lang, vectors, kinds, query_lang)}
        per_lang[other] = (
            self.search_language(query, other, vectors, other_kinds, query_lang, untranslated_only=True)
            if other_kinds
            else []
        )
        merged = sorted((h for hits in per_lang.values() for h in hits), key=lambda h: -h.score)[:k]
        documents = {lang: [h for h in hits if h.kind == "document"] for lang, hits in per_lang.items()}
        return SearchResult(merged, interleave_languages(documents, query_lang, k), vectors)


def _blend_best_sentence(sims: np.ndarray, parents: np.ndarray, matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Average each passage's similarity with that of its best sentence (passages without any keep theirs).

    Used across languages only: a short question in one language matches a whole chunk in the other
    weakly, while the one sentence that answers it stands out (on the dev set EN→JA R@5 rises from
    about 0.85 to 0.89–0.92 with JA→EN unchanged; in one language BM25 already finds the exact terms).
    """
    if not len(parents):
        return sims
    best = np.full(len(sims), -np.inf, dtype=np.float32)
    np.maximum.at(best, parents, matrix @ query)
    return np.where(np.isfinite(best), (sims + best) / 2, sims)


def language_score(hits: list[Hit], lang: str, query_lang: str) -> float:
    """How likely this language's list holds the answer, from its top hits' similarities.

    USE is the least language-biased signal; e5 adds precision; a same-language list gets a small
    handicap because both embedders rate same-language text higher. Weights were fitted on
    shared/reference/eval/xling_dev.json (see `guide eval`).
    """
    top = hits[:3]
    if not top:
        return float("-inf")
    use = max(h.similarities.get("use", 0.0) for h in top)
    dense = max(h.similarities.get("dense", 0.0) for h in top)
    return use + 0.5 * dense - (SAME_LANGUAGE_HANDICAP if lang == query_lang else 0.0)


def interleave_languages(per_lang: dict[str, list[Hit]], query_lang: str, k: int) -> list[Hit]:
    """Alternate the two languages' rankings, starting with the language more likely to hold the answer."""
    order = sorted(per_lang, key=lambda lang: -language_score(per_lang[lang], lang, query_lang))
    merged: list[Hit] = []
    queues = [list(per_lang[lang]) for lang in order]
    while len(merged) < k and any(queues):
        for queue in queues:
            if queue and len(merged) < k:
                merged.append(queue.pop(0))
    return merged


def _printing(terms: list[str], entries: dict, lang: str) -> list[str]:
    """This language's document passages that print one of the terms, or whose original does (a translation
    renders 奥座敷 as "secluded retreat": the romaji the user typed is only found through the original)."""
    out = []
    for entry_id, (text, meta) in entries.items():
        if meta["lang"] != lang or meta["kind"] != "document":
            continue
        original = entries.get(meta.get("translation_of") or "", ("", {}))[0]
        if any(t in text or t in original for t in terms):
            out.append(entry_id)
    return out


def _untranslated(meta: dict[str, Any]) -> bool:
    """An original document passage that no translation serves in the other language."""
    return meta["kind"] == "document" and not meta.get("translation_of") and not meta.get("translated")


def _keyword_text(text: str, meta: dict[str, Any]) -> str:
    return f"{meta.get('title', '')} {meta.get('section', '')}\n{text}"
