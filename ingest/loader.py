"""Load and validate the knowledge folder before anything is written to the index.

Every problem is reported as one line naming the file, the record and the field, so that an editor
can fix a knowledge file without reading a traceback. Validation covers YAML syntax, the pydantic
schema, unique ids, and cross-references (venue → crafts, program → KPIs/venues, KPI → plan
document, source → document).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ingest.kpi_check import kpi_figure_problems
from ingest.schema import (
    DIRECTORY_FILES,
    RECORD_MODELS,
    Contact,
    Craft,
    DocumentMeta,
    GlossaryTerm,
    KnowledgeDocument,
    Kpi,
    Landmark,
    Program,
    Source,
    Strict,
    Venue,
)
from ingest.structures import DocumentList, load_structures
from ingest.translations import DocumentTranslation, load_translations
from ingest.units import Unit, document_units

FRONT_MATTER_FENCE = "---"


@dataclass(frozen=True)
class Problem:
    """One validation problem, located by file, record and field."""

    file: str
    message: str
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.record is not None:
            where += f": record '{self.record}'"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder is invalid; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"knowledge is invalid ({len(problems)} problem(s)); the index was not changed:\n{lines}")


@dataclass
class Knowledge:
    """The validated knowledge: documents and directory records, keyed by id."""

    root: Path
    documents: dict[str, KnowledgeDocument] = field(default_factory=dict)
    crafts: dict[str, Craft] = field(default_factory=dict)
    venues: dict[str, Venue] = field(default_factory=dict)
    programs: dict[str, Program] = field(default_factory=dict)
    kpis: dict[str, Kpi] = field(default_factory=dict)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    contacts: dict[str, Contact] = field(default_factory=dict)
    landmarks: dict[str, Landmark] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # "<kind>:<id>" -> relative file path
    # (document id, language) -> the validated translation of that document into that language
    translations: dict[tuple[str, str], DocumentTranslation] = field(default_factory=dict)
    # Reported but not blocking (a stale or untranslated unit is served in its original language).
    warnings: list[Problem] = field(default_factory=list)
    # document id -> the lists its extraction scattered, given in knowledge/structures/ (ingest/structures.py)
    structures: dict[str, list[DocumentList]] = field(default_factory=dict)
    _units: dict[str, list[Unit]] = field(default_factory=dict, repr=False)

    def records(self, kind: str) -> dict[str, Strict]:
        return {"craft": self.crafts, "venue": self.venues, "program": self.programs, "kpi": self.kpis}[kind]

    def units(self, document: str) -> list[Unit]:
        """The document's units (headings, sentences, items, table blocks), computed once."""
        if document not in self._units:
            doc = self.documents[document]
            self._units[document] = document_units(doc.body, doc.meta.language)
        return self._units[document]

    def translation(self, document: str, lang: str) -> DocumentTranslation | None:
        return self.translations.get((document, lang))

    def section_in(self, document: str, section: str, lang: str) -> str | None:
        """A heading path of a document (as a KPI's `section` gives it) in another language, from the
        translation of its headings; None when a heading is not translated."""
        translation = self.translation(document, lang)
        if translation is None:
            return None
        for unit in self.units(document):
            if unit.kind != "heading":
                continue
            full = " > ".join(unit.section)
            if section in (full, " > ".join(unit.section[1:])):
                ids = unit.path_ids if section == full else unit.path_ids[1:]
                texts = [translation.texts.get(i) for i in ids]
                return " > ".join(texts) if all(texts) else None  # type: ignore[arg-type]
        return None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_problems(err: ValidationError, file: str, record: str | None, prefix: str = "") -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = _loc(e["loc"])
        name = ".".join(x for x in (prefix, loc) if x)
        message = e["msg"] if e["type"] != "missing" else "required field is missing"
        problems.append(Problem(file, message, record, name or None))
    return problems


def split_front_matter(text: str) -> tuple[str | None, str]:
    """Return (front matter YAML, body) of a Markdown file; front matter is None when absent."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        return None, text
    for i in range(1, len(lines)):
        if lines[i].strip() == FRONT_MATTER_FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    return None, text


def _load_document(path: Path, root: Path, problems: list[Problem]) -> KnowledgeDocument | None:
    file = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file, f"not UTF-8 text ({exc.reason})"))
        return None
    front, body = split_front_matter(text)
    if front is None:
        problems.append(Problem(file, "missing YAML front matter (a '---' block at the top)"))
        return None
    try:
        meta_raw = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        problems.append(Problem(file, f"front matter is not valid YAML: {_yaml_reason(exc)}"))
        return None
    if not isinstance(meta_raw, dict):
        problems.append(Problem(file, "front matter must be a mapping of fields"))
        return None
    record = str(meta_raw.get("id", path.stem))
    try:
        meta = DocumentMeta.model_validate(meta_raw)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, file, record))
        return None
    if meta.id != path.stem:
        problems.append(Problem(file, f"id '{meta.id}' must match the file name '{path.stem}'", record, "id"))
    if not body.strip():
        problems.append(Problem(file, "the document body is empty", record, "body"))
        return None
    return KnowledgeDocument(meta=meta, body=body, path=file)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return problem


def read_yaml(path: Path, file: str, problems: list[Problem]) -> object | None:
    """The parsed file, or None with a problem recorded (bad encoding or bad YAML)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(file, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except yaml.YAMLError as exc:
        problems.append(Problem(file, f"not valid YAML: {_yaml_reason(exc)}"))
    return None


def _load_directory_file(kind: str, path: Path, root: Path, knowledge: Knowledge, problems: list[Problem]) -> None:
    file = _rel(path, root)
    key = DIRECTORY_FILES[kind]
    raw = read_yaml(path, file, problems)
    if raw is None:
        return
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        problems.append(Problem(file, f"expected a top-level '{key}:' list of records"))
        return
    model = RECORD_MODELS[kind]
    target = knowledge.records(kind)
    for index, item in enumerate(raw[key]):
        record = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"
        if not isinstance(item, dict):
            problems.append(Problem(file, "a record must be a mapping of fields", record))
            continue
        try:
            obj = model.model_validate(item)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, file, record))
            continue
        if obj.id in target:
            problems.append(
                Problem(file, f"duplicate id (already used by {knowledge.files[f'{kind}:{obj.id}']})", record, "id")
            )
            continue
        target[obj.id] = obj
        knowledge.files[f"{kind}:{obj.id}"] = file


def _load_list(path: Path, key: str, model: type, root: Path, problems: list[Problem]) -> list:
    """Load an optional top-level list file (glossary, contacts); a missing file is an empty list."""
    if not path.exists():
        return []
    file = _rel(path, root)
    raw = read_yaml(path, file, problems)
    if raw is None:
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        problems.append(Problem(file, f"expected a top-level '{key}:' list"))
        return []
    out = []
    for index, item in enumerate(raw[key]):
        record = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            problems.extend(validation_problems(exc, file, record))
    return out


def _check_sources(sources: list[Source], prefix: str, file: str, record: str, docs: set[str]) -> list[Problem]:
    return [
        Problem(file, f"unknown document '{s.document}'", record, f"{prefix}[{i}].document")
        for i, s in enumerate(sources)
        if s.document is not None and s.document not in docs
    ]


def _check_references(k: Knowledge) -> list[Problem]:
    problems: list[Problem] = []
    docs = set(k.documents)
    for c in k.crafts.values():
        problems += _check_sources(c.sources, "sources", k.files[f"craft:{c.id}"], c.id, docs)
    for v in k.venues.values():
        file = k.files[f"venue:{v.id}"]
        for i, craft in enumerate(v.crafts):
            if craft not in k.crafts:
                problems.append(Problem(file, f"unknown craft '{craft}'", v.id, f"crafts[{i}]"))
        problems += _check_sources(v.sources, "sources", file, v.id, docs)
        for i, craft in enumerate(v.hands_on.crafts if v.hands_on else []):
            if craft not in v.crafts:
                problems.append(
                    Problem(file, f"'{craft}' is not among the venue's crafts", v.id, f"hands_on.crafts[{i}]")
                )
        if v.hands_on:
            problems += _check_sources(v.hands_on.sources, "hands_on.sources", file, v.id, docs)
    for p in k.programs.values():
        file = k.files[f"program:{p.id}"]
        for i, link in enumerate(p.related_kpis):
            if link.kpi not in k.kpis:
                problems.append(Problem(file, f"unknown KPI '{link.kpi}'", p.id, f"related_kpis[{i}].kpi"))
        for i, venue in enumerate(p.related_venues):
            if venue not in k.venues:
                problems.append(Problem(file, f"unknown venue '{venue}'", p.id, f"related_venues[{i}]"))
        problems += _check_sources(p.sources, "sources", file, p.id, docs)
    problems += kpi_figure_problems(k)
    for index, term in enumerate(k.glossary):
        for i, craft in enumerate(term.crafts):
            if craft not in k.crafts:
                problems.append(
                    Problem("knowledge/glossary.yaml", f"unknown craft '{craft}'", f"#{index + 1}", f"crafts[{i}]")
                )
    for contact in k.contacts.values():
        problems += _check_sources(contact.sources, "sources", "knowledge/contacts.yaml", contact.id, docs)
    return problems


def knowledge_files(folder: Path, suffix: str) -> list[Path]:
    """The knowledge files of a folder: regular files with that suffix, not hidden, editor lock or backup
    files (`.#venues.md`, `~x.md`, `x.md~`, `#x.md#`) nor a directory that happens to be named `x.md`."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.name.endswith(suffix) and not p.name.startswith((".", "~", "#")) and p.is_file()
    )


def load_knowledge(root: Path, translations: bool = True) -> Knowledge:
    """Load and validate knowledge/; raise KnowledgeError listing every problem.

    ``translations=False`` leaves the translation files out (to repair them with `guide translations sync`).
    """
    root = root.resolve()
    knowledge = Knowledge(root=root)
    problems: list[Problem] = []
    doc_dir = root / "documents"
    doc_paths = knowledge_files(doc_dir, ".md")
    if not doc_paths:
        problems.append(Problem(_rel(doc_dir, root), "no documents (*.md) found"))
    for path in doc_paths:
        doc = _load_document(path, root, problems)
        if doc is None:
            continue
        if doc.meta.id in knowledge.documents:
            problems.append(Problem(doc.path, "duplicate document id", doc.meta.id, "id"))
            continue
        knowledge.documents[doc.meta.id] = doc
        knowledge.files[f"document:{doc.meta.id}"] = doc.path
    for kind, name in DIRECTORY_FILES.items():
        path = root / "directory" / f"{name}.yaml"
        if not path.exists():
            problems.append(Problem(_rel(path, root), "file is missing"))
            continue
        _load_directory_file(kind, path, root, knowledge, problems)
    knowledge.glossary = _load_list(root / "glossary.yaml", "terms", GlossaryTerm, root, problems)
    for contact in _load_list(root / "contacts.yaml", "contacts", Contact, root, problems):
        if contact.id in knowledge.contacts:
            problems.append(Problem("knowledge/contacts.yaml", "duplicate id", contact.id, "id"))
        knowledge.contacts[contact.id] = contact
    for landmark in _load_list(root / "landmarks.yaml", "landmarks", Landmark, root, problems):
        if landmark.id in knowledge.landmarks:
            problems.append(Problem("knowledge/landmarks.yaml", "duplicate id", landmark.id, "id"))
        knowledge.landmarks[landmark.id] = landmark
    if not problems:
        problems = _check_references(knowledge)
    if not problems and translations:
        load_translations(knowledge, problems, knowledge.warnings)
    if not problems:
        load_structures(knowledge, problems)
    if problems:
        raise KnowledgeError(problems)
    return knowledge
