"""Writing translation files: `guide translations sync` after a document changed.

New units get an entry to translate (text: null), units that moved are re-keyed by the hash of their
text, removed ones are dropped; the file is written back readable (literal blocks, keys in order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ingest.schema import Lang
from ingest.translations import LABELS, translation_path
from ingest.units import Unit

if TYPE_CHECKING:
    from ingest.loader import Knowledge


class _Dumper(yaml.SafeDumper):
    """Readable files: multi-line strings as literal blocks, keys in the order written."""


def _str(dumper: yaml.SafeDumper, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

HEADER = (
    "# {label}\n"
    "# {title}: {what}, aligned unit by unit with knowledge/documents/{doc}.md.\n"
    '# Format and rules: knowledge/README.md ("translations/"). `guide ingest --check` validates this file;\n'
    "# `guide translations sync` adds entries for new units (text: null = not translated yet).\n"
)


def dump_translation(data: dict[str, Any], title: str) -> str:
    lang = data["language"]
    what = "English translation" if lang == "en" else "Japanese translation"
    header = HEADER.format(label=LABELS[lang], title=title, what=what, doc=data["document"])
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000)
    return header + body


@dataclass
class SyncReport:
    kept: int = 0
    moved: int = 0
    added: int = 0
    removed: list[str] = field(default_factory=list)


def sync_entries(units: list[Unit], existing: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], SyncReport]:
    """Entries for every unit in document order.

    An entry is kept for the unit with its id and hash; else it follows its hash to the unit's new id
    (a sentence inserted above shifts the ids after it); else an entry with the id but another hash is
    kept as it is (stale: the translator sees the old source); units left get a new untranslated
    entry, and entries left belong to units that no longer exist and are dropped.
    """
    report = SyncReport()
    entries = [e for e in existing if isinstance(e, dict) and "id" in e]
    free = set(range(len(entries)))
    chosen: dict[str, int] = {}
    # Three passes, each over the units still without an entry: same id and hash, same hash, same id.
    passes: list[tuple[str, Any]] = [
        ("kept", lambda unit, entry: entry["id"] == unit.id and entry.get("hash") == unit.hash),
        ("moved", lambda unit, entry: entry.get("hash") == unit.hash),
        ("kept", lambda unit, entry: entry["id"] == unit.id),
    ]
    for outcome, matches in passes:
        for unit in units:
            if unit.id in chosen:
                continue
            n = next((m for m in sorted(free) if matches(unit, entries[m])), None)
            if n is not None:
                chosen[unit.id] = n
                free.discard(n)
                setattr(report, outcome, getattr(report, outcome) + 1)
    out = []
    for unit in units:
        if unit.id in chosen:
            out.append({**entries[chosen[unit.id]], "id": unit.id})
        else:
            report.added += 1
            out.append({"id": unit.id, "hash": unit.hash, "src": unit.text, "text": None})
    report.removed = [str(entries[n]["id"]) for n in sorted(free)]
    return out, report


def sync_file(knowledge: Knowledge, document: str, lang: Lang) -> tuple[Path, SyncReport]:
    """Create or update one translation file so that it has an entry for every unit (see sync_entries)."""
    doc = knowledge.documents[document]
    path = translation_path(knowledge.root, document, lang)
    existing: list[dict[str, Any]] = []
    label = LABELS[lang]
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        existing = list(raw.get("units") or [])
        label = raw.get("label") or label
    entries, report = sync_entries(knowledge.units(document), existing)
    data = {"document": document, "language": lang, "label": label, "units": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_translation(data, doc.meta.title(doc.meta.language)), encoding="utf-8")
    return path, report
