"""Ingestion: validate → build passages → diff against the active index → embed what changed → switch.

Validation happens before anything is written. Unchanged passages keep their vectors (nothing is
embedded on a re-run over the same knowledge), edited ones are re-embedded alone, and deleted ones
are simply not carried into the new generation.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ingest.embedders import Embedder, configured_models, load_embedders
from ingest.loader import load_knowledge
from ingest.passages import Passage, all_passages
from ingest.settings import Settings
from ingest.snapshots import commit_snapshot, snapshot_dir, stage_snapshot
from ingest.store import EntryInfo, IndexStore

log = logging.getLogger(__name__)
# "translation": a document passage written from the guide's aligned translation (kind "document" in the index).
KINDS: tuple[str, ...] = ("document", "translation", "sentence", "heading", "craft", "venue", "program", "kpi")
ACTIONS = ("added", "updated", "unchanged", "deleted")

# progress(done, total) is called while passages are embedded.
Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    """What an ingest did, per kind of entry."""

    counts: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    seconds: float = 0.0
    models: dict[str, str] = field(default_factory=dict)
    embedded: int = 0  # passages embedded (each by every embedder)
    generation: int | None = None
    checked_only: bool = False
    passages: int = 0
    warnings: list = field(default_factory=list)  # stale or untranslated units (served in the original)

    @property
    def changed(self) -> bool:
        return any(c["added"] or c["updated"] or c["deleted"] for c in self.counts.values())

    def total(self, action: str) -> int:
        return sum(c[action] for c in self.counts.values())


def _entry(p: Passage) -> EntryInfo:
    return EntryInfo(p.id, p.report_kind, p.lang, p.record_id, p.content_hash, p.source_file)


def plan_changes(
    passages: list[Passage], previous: dict[str, EntryInfo], report: IngestReport
) -> tuple[list[Passage], list[Passage]]:
    """Split passages into (reuse, embed) and count added / updated / unchanged / deleted."""
    reuse, embed = [], []
    for p in passages:
        old = previous.get(p.id)
        if old is not None and old.content_hash == p.content_hash:
            report.counts[p.report_kind]["unchanged"] += 1
            reuse.append(p)
        else:
            report.counts[p.report_kind]["updated" if old is not None else "added"] += 1
            embed.append(p)
    current = {p.id for p in passages}
    for entry_id, old in previous.items():
        if entry_id not in current:
            report.counts[old.kind]["deleted"] += 1
    return reuse, embed


def run_ingest(
    settings: Settings,
    *,
    check_only: bool = False,
    progress: Progress | None = None,
    store: IndexStore | None = None,
    embedders: list[Embedder] | None = None,
) -> IngestReport:
    """Validate the knowledge and bring the index up to date; raises KnowledgeError when invalid."""
    started = time.perf_counter()
    report = IngestReport(checked_only=check_only)
    knowledge = load_knowledge(settings.knowledge_dir)  # raises before any write
    report.warnings = list(knowledge.warnings)
    passages = all_passages(knowledge)
    report.passages = len(passages)
    if check_only:
        for p in passages:
            report.counts[p.report_kind]["valid"] += 1
        report.seconds = time.perf_counter() - started
        return report

    own_store = store is None
    store = store or IndexStore(settings)
    try:
        # Known without loading a model, so an unchanged ingest loads none.
        models = {e.key: e.model_id for e in embedders} if embedders else configured_models(settings)
        report.models = models
        with store.ingest_lock():
            store.drop_unfinished()
            active = store.active()
            same_models = active is not None and active.models == models
            if active is not None and not store.intact(active):
                active = None  # the chroma folder was deleted or damaged: everything is embedded again
            previous = store.entries(active.id) if active else {}
            if not same_models:
                # Vectors from another model are never mixed in: every passage is embedded again.
                previous = {i: replace(e, content_hash="") for i, e in previous.items()}
            reuse, embed = plan_changes(passages, previous, report)
            # Similar lengths batch together: far less padding for the transformer (a KPI record is
            # a tenth of a chunk's length).
            embed.sort(key=lambda p: len(p.embed_text))
            if active is not None and same_models and not report.changed:
                if not snapshot_dir(settings, active.id).exists():  # an index built before snapshots
                    commit_snapshot(settings, stage_snapshot(settings), active.id, store.generation_ids())
                report.generation = active.id
                report.seconds = time.perf_counter() - started
                return report
            staged = stage_snapshot(settings)
            embedders = embedders or load_embedders(settings)
            dims = {e.key: e.dim for e in embedders}
            generation = store.begin(models, dims)
            metadatas = {p.id: p.metadata() for p in passages}
            total = len(embed) * len(embedders)
            done = 0
            if progress:
                progress(0, total)
            for embedder in embedders:
                if reuse:
                    store.copy(active.id, generation, embedder.key, [p.id for p in reuse], metadatas)  # type: ignore[union-attr]
                batch_size = max(settings.embed_batch_size, 8)
                for start in range(0, len(embed), batch_size):
                    batch = embed[start : start + batch_size]
                    vectors = embedder.embed_passages([p.embed_text for p in batch])
                    store.add(
                        generation,
                        embedder.key,
                        [p.id for p in batch],
                        vectors,
                        [p.text for p in batch],
                        [metadatas[p.id] for p in batch],
                    )
                    done += len(batch)
                    if progress:
                        progress(done, total)
            store.activate(generation, [_entry(p) for p in passages])
            store.prune()
            commit_snapshot(settings, staged, generation, store.generation_ids())
            report.generation = generation
            report.embedded = len(embed)
    finally:
        if own_store:
            store.close()
    report.seconds = time.perf_counter() - started
    log.info("ingest done: %s", {k: dict(v) for k, v in report.counts.items()})
    return report
