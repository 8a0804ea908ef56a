"""Lists the PDF extraction scattered, given as data (knowledge/structures/<document id>.yaml).

A plan's system diagram prints each future vision with its policy directions, but the extracted text
interleaves the diagram's columns, so no heading of the document holds those lists. A structure file
names each list's items by their text as printed; validation finds the unit that prints each one, so a
list can only hold the document's own words (their English is the units' aligned translation), and an
edited original is reported (file, list, item) instead of being served.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError

from ingest.numbers import missing_figures
from ingest.schema import Strict

if TYPE_CHECKING:
    from ingest.loader import Knowledge, Problem

STRUCTURES_DIR = "structures"


class StructureList(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    heading_ja: str = Field(min_length=1)
    heading_en: str = Field(min_length=1)  # by this guide, like the translations
    items: list[str] = Field(min_length=2)


class AskedBy(Strict):
    en: list[str] = Field(min_length=1)
    ja: list[str] = Field(min_length=1)


class StructureFile(Strict):
    document: str
    section_ja: str = Field(min_length=1)  # the section whose diagram the lists come from
    section_en: str = Field(min_length=1)
    # words a question uses when it asks for one of these lists ("policy directions", 「施策の方向性」): a
    # question about a vision that asks something else is not answered with its directions
    asked_by: AskedBy
    lists: list[StructureList] = Field(min_length=1)


@dataclass(frozen=True)
class DocumentList:
    """One validated list: its heading in both languages and the ids of the units that print its items."""

    document: str
    id: str
    heading: dict[str, str]
    unit_ids: tuple[str, ...]
    asked_by: dict[str, tuple[str, ...]]

    def asked_in(self, question: str, lang: str) -> bool:
        plain = unicodedata.normalize("NFKC", question).lower()
        return any(unicodedata.normalize("NFKC", w).lower() in plain for w in self.asked_by[lang])

    @property
    def key(self) -> str:
        return f"{self.document}:structure.{self.id}"


def _bare(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def load_structures(knowledge: Knowledge, problems: list[Problem]) -> None:
    """Validate every structure file and attach its lists to ``knowledge.structures``."""
    from ingest.loader import Problem, knowledge_files, read_yaml, validation_problems

    for path in knowledge_files(knowledge.root / STRUCTURES_DIR, ".yaml"):
        file = f"knowledge/{STRUCTURES_DIR}/{path.name}"
        raw = read_yaml(path, file, problems)
        if raw is None:
            continue
        try:
            parsed = StructureFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, file, None))
            continue
        if parsed.document not in knowledge.documents:
            problems.append(Problem(file, f"unknown document '{parsed.document}'", None, "document"))
            continue
        by_text: dict[str, list[str]] = {}
        for unit in knowledge.units(parsed.document):
            by_text.setdefault(_bare(unit.text), []).append(unit.id)
        seen: set[str] = set()
        for entry in parsed.lists:
            if entry.id in seen:
                problems.append(Problem(file, "duplicate list id", entry.id, "id"))
                continue
            seen.add(entry.id)
            missing = missing_figures(entry.heading_ja, entry.heading_en)
            if missing:
                problems.append(Problem(file, f"numbers missing from the English: {missing}", entry.id, "heading_en"))
            ids = []
            for n, item in enumerate(entry.items):
                found = by_text.get(_bare(item), [])
                if len(found) != 1:
                    why = "no unit of the document prints this item" if not found else "several units print it"
                    problems.append(Problem(file, f"{why}: {item}", entry.id, f"items[{n}]"))
                else:
                    ids.append(found[0])
            if len(ids) == len(entry.items):
                knowledge.structures.setdefault(parsed.document, []).append(
                    DocumentList(
                        parsed.document,
                        entry.id,
                        {"ja": entry.heading_ja, "en": entry.heading_en},
                        tuple(ids),
                        {"en": tuple(parsed.asked_by.en), "ja": tuple(parsed.asked_by.ja)},
                    )
                )
