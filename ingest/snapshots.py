"""The knowledge each index generation was built from, kept beside the index.

The engine needs the knowledge files as well as the vectors (cards, KPI figures, translations). When the
knowledge folder is invalid at start-up (a half-saved YAML), `guide serve` answers from the last good
generation with the knowledge it was built from instead of refusing to start.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from ingest.settings import Settings

log = logging.getLogger(__name__)
FOLDER = "knowledge-snapshots"
_IGNORED = shutil.ignore_patterns(".*", "~*", "#*", "*~", "*.swp", "__pycache__")


def snapshot_dir(settings: Settings, generation: int) -> Path:
    return settings.data_dir / FOLDER / f"g{generation}"


def stage_snapshot(settings: Settings) -> Path:
    """Copy the knowledge folder as validated, before the (minutes long) embedding: edits made meanwhile
    belong to the next ingest, not to this generation."""
    folder = settings.data_dir / FOLDER
    for left in folder.glob("staged-*") if folder.is_dir() else []:  # from a crashed ingest (one runs at a time)
        shutil.rmtree(left, ignore_errors=True)
    staged = folder / f"staged-{os.getpid()}"
    shutil.copytree(settings.knowledge_dir, staged, ignore=_IGNORED)
    return staged


def commit_snapshot(settings: Settings, staged: Path, generation: int, keep: set[int]) -> None:
    """The staged copy becomes this generation's; snapshots of generations not in `keep` are dropped."""
    target = snapshot_dir(settings, generation)
    if target.exists():
        shutil.rmtree(staged, ignore_errors=True)
    else:
        staged.rename(target)  # complete or absent, never half copied
    for old in (settings.data_dir / FOLDER).iterdir():
        name = old.name
        if name.startswith("g") and name[1:].isdigit() and int(name[1:]) not in keep | {generation}:
            shutil.rmtree(old, ignore_errors=True)


def last_good_knowledge(settings: Settings) -> Path | None:
    """The knowledge snapshot of the active index generation, if there is one."""
    from ingest.store import IndexStore

    store = IndexStore(settings)
    try:
        active = store.active()
    finally:
        store.close()
    path = snapshot_dir(settings, active.id) if active else None
    return path if path is not None and path.is_dir() else None
