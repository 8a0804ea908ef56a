"""Aligned translations of the documents (knowledge/translations/<document>.<lang>.yaml).

No bundled model translates Japanese↔English well enough, so the guide's translations are project
data, written once and checked here like the directory. Each file translates one document unit by
unit (ingest/units.py), keyed by the unit's id and the hash of the original it was made from:
- every unit of the document has exactly one entry, and no entry names a unit that does not exist;
- every number of the original stays in the translation, and the translation adds none;
- an entry whose original has changed since (hash) is *stale*: reported, and that unit is served in
  the original language until it is fixed;
- a garbled KPI table block may be `covered_by` the directory's KPI records instead of translated,
  when every indicator it prints is one of them.
Problems name the file, the unit and what is wrong; a file with problems stops ingestion before
anything is written, so the index that is serving stays as it was.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError

from ingest.numbers import added_numbers, missing_figures
from ingest.schema import Lang, Strict
from ingest.units import Unit, text_hash

if TYPE_CHECKING:
    from ingest.loader import Knowledge, Problem

TRANSLATIONS_DIR = "translations"
LABELS: dict[str, str] = {
    "en": "translation by this guide, not an official text",
    "ja": "本ガイドによる翻訳（公式の文書ではありません）",
}
_FILE_NAME = re.compile(r"^(?P<doc>[a-z0-9][a-z0-9_\-]*)\.(?P<lang>ja|en)\.yaml$")
# Lines of a KPI table block that name an indicator (000: '・…' items; 003: '… 指標: …').
_INDICATOR_LINE = re.compile(r"^・|指標\s*[:：]")


class TranslatedUnit(Strict):
    """One entry: the translation of one unit (or the KPI records that stand for a table block)."""

    id: str = Field(pattern=r"^[0-9a-f]{8}\.\d+$")
    hash: str = Field(pattern=r"^[0-9a-f]{12}$")
    src: str | None = None  # the original, for the translator and reviewers (must match `hash`)
    text: str | None = None  # None: not translated yet (served in the original language)
    covered_by: list[str] = Field(default_factory=list)  # KPI ids (table blocks only)


class TranslationFile(Strict):
    document: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    language: Lang
    label: str = Field(min_length=1)
    units: list[TranslatedUnit]


@dataclass
class DocumentTranslation:
    """A validated translation: what is served, what is stale or still untranslated."""

    document: str
    language: Lang
    path: str
    label: str
    texts: dict[str, str] = field(default_factory=dict)  # unit id -> translation (current ones only)
    covered: dict[str, list[str]] = field(default_factory=dict)  # unit id -> KPI ids
    stale: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)

    def covers(self, unit_id: str) -> bool:
        """The unit is served in this language (translated, or stood for by KPI records)."""
        return unit_id in self.texts or unit_id in self.covered


def translation_path(root: Path, document: str, lang: str) -> Path:
    return root / TRANSLATIONS_DIR / f"{document}.{lang}.yaml"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _preview(text: str, n: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def check_entry(entry: TranslatedUnit, unit: Unit, knowledge: Knowledge, document: str) -> list[str]:
    """Problems of one current (not stale) entry, as messages."""
    problems: list[str] = []
    if entry.covered_by:
        if entry.text is not None:
            problems.append("give either 'text' or 'covered_by', not both")
        if unit.kind != "table":
            problems.append("'covered_by' is only for KPI table blocks; translate this unit")
            return problems
        problems += _coverage_problems(entry.covered_by, unit, knowledge, document)
        return problems
    if entry.text is None:
        return problems
    text = entry.text.strip()
    if not text:
        problems.append("the translation is empty (remove 'text' to mark the unit untranslated)")
        return problems
    if unit.kind == "heading" and "\n" in text:
        problems.append("a heading's translation must be one line")
    missing = missing_figures(unit.text, text)
    if missing:
        problems.append(f"number(s) of the original missing in the translation: {', '.join(missing)}")
    added = added_numbers(unit.text, text)
    if added:
        problems.append(f"number(s) in the translation that the original does not give: {', '.join(added)}")
    return problems


def _coverage_problems(kpi_ids: list[str], unit: Unit, knowledge: Knowledge, document: str) -> list[str]:
    problems = []
    block = _squash(unit.text)
    names: list[str] = []
    for kpi_id in kpi_ids:
        kpi = knowledge.kpis.get(kpi_id)
        if kpi is None:
            problems.append(f"covered_by names unknown KPI '{kpi_id}'")
            continue
        if kpi.plan != document:
            problems.append(f"covered_by KPI '{kpi_id}' belongs to plan '{kpi.plan}', not '{document}'")
            continue
        if _squash(kpi.indicator.ja) not in block:
            problems.append(f"covered_by KPI '{kpi_id}' ({kpi.indicator.ja}) is not printed in this block")
        names.append(_squash(kpi.indicator.ja))
        if kpi.measurement_method_as_printed:
            names.append(_squash(kpi.measurement_method_as_printed))
    for line in unit.text.splitlines():
        if not _INDICATOR_LINE.search(line):
            continue
        squashed = _squash(re.sub(r"^.*?指標\s*[:：]|^・", "", line))
        if squashed and not any(squashed in name or name in squashed for name in names):
            problems.append(
                f"the block line '{_preview(line)}' is not covered by any listed KPI: add it to "
                "directory/kpis.yaml and to covered_by, or translate the block"
            )
    return problems


def load_translations(knowledge: Knowledge, problems: list[Problem], warnings: list[Problem]) -> None:
    """Validate every translation file and attach what may be served to ``knowledge.translations``."""
    from ingest.loader import Problem

    folder = knowledge.root / TRANSLATIONS_DIR
    if not folder.is_dir():
        return
    from ingest.loader import knowledge_files

    for path in knowledge_files(folder, ".yaml"):
        file = f"knowledge/{TRANSLATIONS_DIR}/{path.name}"
        match = _FILE_NAME.match(path.name)
        if not match:
            problems.append(Problem(file, "a translation file is named <document id>.<ja|en>.yaml"))
            continue
        parsed = _parse(path, file, problems)
        if parsed is None:
            continue
        translation = validate_translation(parsed, file, knowledge, problems, warnings, expected=match.groupdict())
        if translation is not None:
            knowledge.translations[(translation.document, translation.language)] = translation


def _parse(path: Path, file: str, problems: list[Problem]) -> TranslationFile | None:
    from ingest.loader import Problem, read_yaml, validation_problems

    raw = read_yaml(path, file, problems)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(file, "expected a mapping with 'document', 'language', 'label' and 'units'"))
        return None
    try:
        return TranslationFile.model_validate(raw)
    except ValidationError as exc:
        for p in validation_problems(exc, file, None):
            record = p.record
            if p.field and p.field.startswith("units["):
                index = int(p.field[6 : p.field.index("]")])
                items = raw.get("units") or []
                item = items[index] if index < len(items) else None
                record = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"
            problems.append(Problem(p.file, p.message, record, p.field))
        return None


def validate_translation(
    parsed: TranslationFile,
    file: str,
    knowledge: Knowledge,
    problems: list[Problem],
    warnings: list[Problem],
    expected: dict[str, str] | None = None,
    partial: bool = False,
) -> DocumentTranslation | None:
    """Check one parsed file against its document; ``partial`` (a translator's part file) skips the
    'every unit has an entry' rule."""
    from ingest.loader import Problem

    start = len(problems)
    if expected and (parsed.document, parsed.language) != (expected["doc"], expected["lang"]):
        problems.append(
            Problem(
                file,
                f"the file name says {expected['doc']}.{expected['lang']} but it holds "
                f"{parsed.document}.{parsed.language}",
                None,
                "document",
            )
        )
        return None
    doc = knowledge.documents.get(parsed.document)
    if doc is None:
        problems.append(Problem(file, f"unknown document '{parsed.document}'", None, "document"))
        return None
    if parsed.language == doc.meta.language:
        problems.append(Problem(file, f"'{parsed.document}' is already in {parsed.language}", None, "language"))
        return None
    units = {u.id: u for u in knowledge.units(parsed.document)}
    translation = DocumentTranslation(parsed.document, parsed.language, file, parsed.label)
    seen: set[str] = set()
    for index, entry in enumerate(parsed.units):
        where = f"units[{index}]"
        if entry.id in seen:
            problems.append(Problem(file, "duplicate entry for this unit", entry.id, f"{where}.id"))
            continue
        seen.add(entry.id)
        unit = units.get(entry.id)
        if unit is None:
            problems.append(
                Problem(
                    file,
                    f"no such unit in {doc.path} (dangling id): the original was removed or moved; "
                    "run `guide translations sync` to re-align by hash",
                    entry.id,
                    f"{where}.id",
                )
            )
            continue
        if entry.src is not None and text_hash(entry.src) != entry.hash:
            problems.append(
                Problem(
                    file,
                    "'src' does not match 'hash' (src is the original the hash was made from)",
                    entry.id,
                    f"{where}.src",
                )
            )
            continue
        if entry.hash != unit.hash:
            old = f" (translated from '{_preview(entry.src)}')" if entry.src else ""
            warnings.append(
                Problem(
                    file,
                    f"stale: the original changed since it was translated{old}; it now reads "
                    f"'{_preview(unit.text)}'. Served in {doc.meta.language} until fixed: update 'text' "
                    f"(and 'src'), then set hash: {unit.hash}",
                    entry.id,
                    f"{where}.hash",
                )
            )
            translation.stale.append(entry.id)
            continue
        messages = check_entry(entry, unit, knowledge, parsed.document)
        field_name = "covered_by" if entry.covered_by else "text"
        problems.extend(Problem(file, m, entry.id, f"{where}.{field_name}") for m in messages)
        if messages:
            continue
        if entry.covered_by:
            translation.covered[entry.id] = list(entry.covered_by)
        elif entry.text is not None:
            translation.texts[entry.id] = entry.text.strip()
        else:
            translation.untranslated.append(entry.id)
    if not partial:
        for unit_id, unit in units.items():
            if unit_id not in seen:
                problems.append(
                    Problem(
                        file,
                        f"unit {unit_id} ({unit.kind} '{_preview(unit.text)}') has no entry: run "
                        "`guide translations sync` to add it (untranslated until its text is written)",
                        unit_id,
                    )
                )
    if translation.untranslated and not partial:
        warnings.append(
            Problem(
                file,
                f"{len(translation.untranslated)} unit(s) not translated yet (served in "
                f"{doc.meta.language}): {', '.join(translation.untranslated[:5])}"
                + ("…" if len(translation.untranslated) > 5 else ""),
            )
        )
    return translation if len(problems) == start else None


def validate_file(
    path: Path, knowledge: Knowledge, problems: list[Problem], warnings: list[Problem], partial: bool = False
) -> DocumentTranslation | None:
    """Validate one translation file anywhere on disk (a translator's part file with ``partial``)."""
    file = str(path)
    parsed = _parse(path, file, problems)
    if parsed is None:
        return None
    return validate_translation(parsed, file, knowledge, problems, warnings, partial=partial)


def translation_status(knowledge: Knowledge) -> list[str]:
    """One line per document: its translation and how much of it is served."""
    lines = []
    for doc_id, doc in knowledge.documents.items():
        lang = "en" if doc.meta.language == "ja" else "ja"
        units = knowledge.units(doc_id)
        translation = knowledge.translation(doc_id, lang)
        if translation is None:
            lines.append(f"{doc_id} [{doc.meta.language}→{lang}]: no translation ({len(units)} units)")
            continue
        lines.append(
            f"{doc_id} [{doc.meta.language}→{lang}]: {len(units)} units: {len(translation.texts)} translated, "
            f"{len(translation.covered)} KPI table blocks covered by the directory, "
            f"{len(translation.untranslated)} untranslated, {len(translation.stale)} stale"
        )
    return lines
