"""The index: Chroma collections organised in generations, with a SQLite manifest.

Each ingest that changes anything writes a complete new *generation* (one Chroma collection per
embedder), copying unchanged vectors from the active generation and embedding only new or edited
passages. Only when every collection is complete does one SQLite transaction make it active. A
crash halfway leaves the previous generation serving; the leftover is dropped by the next ingest.
The previous generation is kept one round longer so that a bot process still reading it is safe.
"""

from __future__ import annotations

import errno
import json
import logging
import secrets
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.file_lock import exclusive
from ingest.settings import Settings

log = logging.getLogger(__name__)
DISK_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EEXIST, errno.ENOTDIR}


def is_disk_problem(exc: OSError | sqlite3.OperationalError) -> bool:
    """A read-only or full data directory, or a file where a folder should be: said in one line, not a traceback."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_ERRNOS
    text = str(exc).lower()
    return any(w in text for w in ("readonly", "read-only", "disk is full", "unable to open", "disk i/o"))


COPY_BATCH = 500


class IndexMissing(RuntimeError):
    """There is no complete index to serve yet."""


class ModelMismatch(RuntimeError):
    """The index was built with other embedding models than the ones configured now."""


@dataclass(frozen=True)
class EntryInfo:
    id: str
    kind: str
    lang: str
    record_id: str
    content_hash: str
    source_file: str


@dataclass(frozen=True)
class Generation:
    id: int
    created: float
    models: dict[str, str]  # embedder key -> model id
    dims: dict[str, int]


def make_client(settings: Settings) -> Any:
    """Embedded PersistentClient by default; HttpClient when CHROMA_HOST is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class IndexStore:
    """Manifest + Chroma access shared by ingestion (writes) and the engine (reads)."""

    def __init__(self, settings: Settings, client: Any | None = None):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._client = client
        self._db = sqlite3.connect(settings.manifest_path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS generations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created REAL NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('building', 'active', 'retired')),
                models TEXT NOT NULL,
                dims TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS entries (
                generation INTEGER NOT NULL,
                id TEXT NOT NULL,
                kind TEXT NOT NULL,
                lang TEXT NOT NULL,
                record_id TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                source_file TEXT NOT NULL,
                PRIMARY KEY (generation, id)
            );
            """
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(generations)")}
        if "token" not in columns:  # a manifest from before generation tokens: its collections keep their names
            self._db.execute("ALTER TABLE generations ADD COLUMN token TEXT NOT NULL DEFAULT ''")
        self._db.commit()
        self._tokens: dict[int, str] = {}

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def _reset_client(self) -> None:
        """Forget the embedded client: chromadb caches one per path in the process, and a cached client
        of a deleted folder cannot write."""
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        self._client = None

    def close(self) -> None:
        self._db.close()

    # ----------------------------------------------------------------- naming / reading
    def collection_name(self, generation: int, key: str) -> str:
        """`guide-g7-3f9a0c1d-dense`: the random token keeps generations of two hosts (or of a manifest
        that was lost and rebuilt) from colliding in one Chroma."""
        if generation not in self._tokens:
            row = self._db.execute("SELECT token FROM generations WHERE id = ?", (generation,)).fetchone()
            self._tokens[generation] = row[0] if row else ""
        token = self._tokens[generation]
        return f"{self.settings.collection_prefix}-g{generation}{'-' + token if token else ''}-{key}"

    def intact(self, generation: Generation) -> bool:
        """Every collection of the generation is in Chroma with one vector per manifest entry (a deleted
        or emptied chroma folder is rebuilt, not reported as up to date)."""
        (expected,) = self._db.execute("SELECT COUNT(*) FROM entries WHERE generation = ?", (generation.id,)).fetchone()
        if not self.settings.chroma_host and not (self.settings.chroma_dir / "chroma.sqlite3").exists():
            log.warning("the chroma folder %s is missing: the index will be rebuilt", self.settings.chroma_dir)
            self._reset_client()
            return False
        try:
            return all(self.collection(generation.id, key).count() == expected for key in generation.models)
        except Exception as exc:  # chromadb raises NotFoundError / ValueError by version for a missing one
            log.warning("index generation %d is damaged (%s): it will be rebuilt", generation.id, exc)
            return False

    def collection(self, generation: int, key: str) -> Any:
        return self.client.get_collection(self.collection_name(generation, key), embedding_function=None)

    def active(self) -> Generation | None:
        row = self._db.execute(
            "SELECT id, created, models, dims FROM generations WHERE status = 'active' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return Generation(row[0], row[1], json.loads(row[2]), json.loads(row[3]))

    def require_active(self, models: dict[str, str] | None = None) -> Generation:
        gen = self.active()
        if gen is None:
            raise IndexMissing("no index has been built yet: run `guide ingest` first")
        if models is not None and gen.models != models:
            raise ModelMismatch(
                f"the index was built with {gen.models} but {models} is configured: "
                "run `guide ingest` to rebuild it with the configured models"
            )
        return gen

    def generation_ids(self) -> set[int]:
        """Every generation the manifest holds (active, retired, building)."""
        return {row[0] for row in self._db.execute("SELECT id FROM generations")}

    def entries(self, generation: int) -> dict[str, EntryInfo]:
        rows = self._db.execute(
            "SELECT id, kind, lang, record_id, content_hash, source_file FROM entries WHERE generation = ?",
            (generation,),
        )
        return {r[0]: EntryInfo(*r) for r in rows}

    # ----------------------------------------------------------------- writing
    def ingest_lock(self) -> AbstractContextManager[None]:
        """One ingest at a time per data directory."""
        return exclusive(Path(self.settings.data_dir) / "ingest.lock")

    def drop_unfinished(self) -> None:
        """Remove what a crashed ingest left behind (never the active generation)."""
        for (gen_id,) in self._db.execute("SELECT id FROM generations WHERE status = 'building'").fetchall():
            self._drop_generation(gen_id)

    def begin(self, models: dict[str, str], dims: dict[str, int]) -> int:
        cur = self._db.execute(
            "INSERT INTO generations (created, status, models, dims, token) VALUES (?, 'building', ?, ?, ?)",
            (time.time(), json.dumps(models, sort_keys=True), json.dumps(dims, sort_keys=True), secrets.token_hex(4)),
        )
        self._db.commit()
        gen = int(cur.lastrowid)
        for key in models:
            self.client.create_collection(
                self.collection_name(gen, key),
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"generation": gen, "model": models[key], "dim": dims[key]},
            )
        return gen

    def add(
        self,
        generation: int,
        key: str,
        ids: list[str],
        vectors: np.ndarray,
        documents: list[str],
        metadatas: list[dict[str, Any]],
    ) -> None:
        if ids:
            self.collection(generation, key).add(
                ids=ids, embeddings=np.asarray(vectors, dtype=np.float32), documents=documents, metadatas=metadatas
            )

    def copy(self, source: int, target: int, key: str, ids: list[str], metadatas: dict[str, dict[str, Any]]) -> None:
        """Carry unchanged vectors over without embedding them again (metadata refreshed)."""
        src = self.collection(source, key)
        for start in range(0, len(ids), COPY_BATCH):
            batch = ids[start : start + COPY_BATCH]
            got = src.get(ids=batch, include=["embeddings", "documents"])
            self.add(
                target,
                key,
                list(got["ids"]),
                np.asarray(got["embeddings"]),
                list(got["documents"]),
                [metadatas[i] for i in got["ids"]],
            )

    def activate(self, generation: int, entries: list[EntryInfo]) -> None:
        """Record the entries and switch the active generation in one transaction."""
        with self._db:
            self._db.executemany(
                "INSERT INTO entries (generation, id, kind, lang, record_id, content_hash, source_file)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(generation, e.id, e.kind, e.lang, e.record_id, e.content_hash, e.source_file) for e in entries],
            )
            self._db.execute("UPDATE generations SET status = 'retired' WHERE status = 'active'")
            self._db.execute("UPDATE generations SET status = 'active' WHERE id = ?", (generation,))

    def prune(self, keep_retired: int = 1) -> None:
        """Drop retired generations beyond the most recent ``keep_retired``."""
        rows = self._db.execute("SELECT id FROM generations WHERE status = 'retired' ORDER BY id DESC").fetchall()
        for (gen_id,) in rows[keep_retired:]:
            self._drop_generation(gen_id)

    def _drop_generation(self, gen_id: int) -> None:
        row = self._db.execute("SELECT models FROM generations WHERE id = ?", (gen_id,)).fetchone()
        mine = {self.collection_name(gen_id, key) for key in (json.loads(row[0]) if row else {})}
        for name in mine & {c.name for c in self.client.list_collections()}:
            self.client.delete_collection(name)
        with self._db:
            self._db.execute("DELETE FROM entries WHERE generation = ?", (gen_id,))
            self._db.execute("DELETE FROM generations WHERE id = ?", (gen_id,))
