"""The intent router: a small classifier over similarities to example questions plus entity features.

Example questions per intent, in both languages and with confusable negatives, live in
bot/data/intents.yaml. They are embedded with the models the index already loads (e5 and USE); a
question's features are, per intent, its best and its top-three mean similarity to that intent's
examples under each model, plus what the entity recogniser found (a craft, a venue, an attribute…).
A multinomial logistic regression over those features is fitted by `guide fit` (and after every
`guide ingest`) and stored beside the index generation, keyed by the models and the examples' hash.
At answer time routing costs two small matrix products: the question vectors are the ones retrieval
computes anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.core.entities import EntityRecognizer
from bot.core.lexicon import DATA, load_lexicon
from bot.core.types import INTENTS, Entities, Intent
from ingest.embedders import Embedder

log = logging.getLogger(__name__)
EXAMPLES = DATA / "intents.yaml"
TOP = 3
ENTITY_FLAGS = ("crafts", "venues", "programs", "plans", "indicators", "landmarks", "areas")
LOW_MARGIN = 0.15  # below this the router is not sure: the safe default answers
SAFE_DEFAULT = "document_fact"


def load_examples(path: Path = EXAMPLES) -> list[tuple[str, str, str]]:
    """(intent, language, question) for every example and every negative (labelled with its own intent)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["intents"]
    out: list[tuple[str, str, str]] = []
    for name, spec in data.items():
        if name not in INTENTS:
            raise ValueError(f"{path}: unknown intent '{name}'")
        for lang in ("en", "ja"):
            out += [(name, lang, q) for q in spec["examples"].get(lang, [])]
        for negative in spec.get("negatives", []):
            if negative["intent"] not in INTENTS:
                raise ValueError(f"{path}: negative of '{name}' names unknown intent '{negative['intent']}'")
            lang = "ja" if any(ord(ch) > 0x3000 for ch in negative["q"]) else "en"
            out.append((negative["intent"], lang, negative["q"]))
    return list(dict.fromkeys(out))


FEATURES_VERSION = "2"  # bump when the feature layout changes in code


def examples_hash(path: Path = EXAMPLES) -> str:
    """What a fitted router depends on besides the models: the examples, the word lists that make the
    entity features (bot/data/lexicon.yaml), the recogniser that finds them and the feature layout."""
    digest = hashlib.sha256(FEATURES_VERSION.encode())
    for part in (path, DATA / "lexicon.yaml", Path(__file__).with_name("entities.py")):
        digest.update(part.read_bytes())
    return digest.hexdigest()[:16]


def entity_features(entities: Entities) -> np.ndarray:
    attributes = sorted(load_lexicon().attributes)
    flags = [1.0 if getattr(entities, name) else 0.0 for name in ENTITY_FLAGS]
    flags += [1.0 if entities.activity else 0.0, 1.0 if entities.role else 0.0]
    flags += [1.0 if entities.years else 0.0, 1.0 if entities.lang else 0.0, 1.0 if entities.near else 0.0]
    flags += [1.0 if not entities.names_a_subject() else 0.0, 1.0 if entities.figures else 0.0]
    flags += [1.0 if entities.asks == kind else 0.0 for kind in sorted(load_lexicon().asks)]
    flags += [1.0 if entities.attribute == a else 0.0 for a in attributes]
    return np.asarray(flags, dtype=np.float32)


SIGNAL_KINDS = ("craft", "venue", "program", "kpi", "document", "heading")


class RecordSignals:
    """How close a question is to each kind of thing the index holds (crafts, venues, programmes, KPIs,
    passages, headings): the best e5 similarity per kind, in the question's language. A question near a
    heading that lists things asks for a list; one near a KPI record asks for a figure."""

    def __init__(self, retriever):
        key = "dense"
        self.key = key
        self.matrices: dict[tuple[str, str], np.ndarray] = {}
        vectors, entries = retriever._state[0], retriever._state[1]
        for lang in ("ja", "en"):
            ids, matrix = vectors[key][lang]
            for kind in SIGNAL_KINDS[:5]:
                rows = [n for n, i in enumerate(ids) if entries[i][1]["kind"] == kind]
                self.matrices[(lang, kind)] = matrix[rows] if rows else np.zeros((0, matrix.shape[1]), np.float32)
            heads = [h[0] for h in retriever.headings(lang)]
            found = [v for v in retriever.sentence_vectors(heads, key) if v is not None]
            self.matrices[(lang, "heading")] = np.stack(found) if found else np.zeros((0, matrix.shape[1]), np.float32)

    def features(self, vectors: dict[str, np.ndarray], lang: str) -> np.ndarray:
        v = _unit(vectors[self.key])
        return np.asarray(
            [float((m @ v).max()) if len(m) else 0.0 for m in (self.matrices[(lang, kind)] for kind in SIGNAL_KINDS)],
            dtype=np.float32,
        )


@dataclass
class Router:
    """A fitted router: example vectors per model and the classifier's weights."""

    keys: list[str]  # embedder keys, in the order of ``matrices``
    models: dict[str, str]
    labels: np.ndarray  # intent index of each example row
    matrices: dict[str, np.ndarray]  # per embedder: normalised example vectors
    coef: np.ndarray
    intercept: np.ndarray
    examples: str  # hash of the examples file it was fitted on

    signals: RecordSignals | None = None  # attached at load (computed from the index, not stored)

    def features(
        self, vectors: dict[str, np.ndarray], entities: Entities, lang: str = "en", exclude: int | None = None
    ) -> np.ndarray:
        parts = []
        for key in self.keys:
            sims = self.matrices[key] @ _unit(vectors[key])
            if exclude is not None:
                sims = sims.copy()
                sims[exclude] = -1.0
            for n in range(len(INTENTS)):
                own = np.sort(sims[self.labels == n])[::-1]
                parts += [own[0], own[:TOP].mean()] if len(own) else [0.0, 0.0]
        signals = self.signals.features(vectors, lang) if self.signals else np.zeros(len(SIGNAL_KINDS), np.float32)
        return np.concatenate([np.asarray(parts, dtype=np.float32), entity_features(entities), signals])

    def predict(self, vectors: dict[str, np.ndarray], entities: Entities, lang: str = "en") -> Intent:
        logits = self.coef @ self.features(vectors, entities, lang) + self.intercept
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs)
        best, second = float(probs[order[0]]), float(probs[order[1]])
        ranked = tuple((INTENTS[i], float(probs[i])) for i in order[:4])
        return Intent(INTENTS[order[0]], best, best - second, "classifier", ranked)

    # ------------------------------------------------------------------ storage
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"keys": self.keys, "models": self.models, "examples": self.examples, "intents": list(INTENTS)}
        arrays = {f"m_{k}": v for k, v in self.matrices.items()}
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, labels=self.labels, coef=self.coef, intercept=self.intercept, meta=json.dumps(meta), **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Router | None:
        if not path.exists():
            return None
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            if meta["intents"] != list(INTENTS):
                return None
            return cls(
                meta["keys"],
                meta["models"],
                data["labels"],
                {k: data[f"m_{k}"] for k in meta["keys"]},
                data["coef"],
                data["intercept"],
                meta["examples"],
            )


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def fit_router(
    embedders: list[Embedder],
    recognizer: EntityRecognizer,
    signals: RecordSignals | None = None,
    path: Path = EXAMPLES,
) -> Router:
    """Embed the examples and fit the classifier on leave-one-out features (a row never sees itself)."""
    from sklearn.linear_model import LogisticRegression

    examples = load_examples(path)
    texts = [q for _, _, q in examples]
    labels = np.asarray([INTENTS.index(name) for name, _, _ in examples])
    matrices = {e.key: np.stack([_unit(v) for v in e.embed_queries(texts)]) for e in embedders}
    router = Router(
        [e.key for e in embedders],
        {e.key: e.model_id for e in embedders},
        labels,
        matrices,
        np.zeros((len(INTENTS), 1)),
        np.zeros(len(INTENTS)),
        examples_hash(path),
        signals,
    )
    rows = [
        router.features({k: m[n] for k, m in matrices.items()}, recognizer.find(q, lang), lang, exclude=n)
        for n, (_, lang, q) in enumerate(examples)
    ]
    model = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")
    model.fit(np.stack(rows), labels)
    coef = np.zeros((len(INTENTS), len(rows[0])), dtype=np.float32)
    intercept = np.full(len(INTENTS), -1e3, dtype=np.float32)  # an intent without examples is never chosen
    for row, cls in enumerate(model.classes_):
        coef[cls], intercept[cls] = model.coef_[row], model.intercept_[row]
    router.coef, router.intercept = coef, intercept
    log.info("router fitted on %d examples of %d intents", len(examples), len(set(labels.tolist())))
    return router


def router_path(data_dir: Path, generation: int) -> Path:
    return data_dir / "router" / f"g{generation}.npz"


def load_or_fit(
    data_dir: Path,
    generation: int,
    embedders: list[Embedder],
    recognizer: EntityRecognizer,
    signals: RecordSignals | None = None,
    save: bool = True,
) -> Router:
    """The router stored for this generation, if fitted on these models and examples; else fit (and store) it."""
    path = router_path(data_dir, generation)
    router = Router.load(path)
    models = {e.key: e.model_id for e in embedders}
    if router is not None and router.models == models and router.examples == examples_hash():
        router.signals = signals
        return router
    router = fit_router(embedders, recognizer, signals)
    if save:
        try:
            router.save(path)
        except OSError as exc:  # a read-only data directory: serve with the router fitted in memory
            log.warning("could not store the router at %s: %s", path, exc)
    return router
