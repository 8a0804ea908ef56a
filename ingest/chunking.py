"""Chunks for retrieval, packed from a document's units (ingest/units.py).

Units are headings, sentences, list items and table blocks, so a chunk never cuts a sentence and a
KPI table stays whole. Consecutive small sections are packed into one chunk of up to about 300
Japanese or 700 English characters, with their headings kept as Markdown lines and their heading
paths kept for citations: the plans have many sections of one or two lines, which are too little to
embed or quote on their own. A Japanese chunk starts with the previous chunk's last unit when it is
short, so a statement at a boundary is found with what follows.

A chunk is a list of units, so the same chunk can be written in another language from the units'
translations (``Chunk.render``): a translated passage lines up with its original one to one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ingest.schema import Lang
from ingest.units import SENTENCE_BREAK, Unit, document_units, is_table_block

__all__ = ["CHUNK_CHARS", "OVERLAP_CHARS", "Chunk", "chunk_markdown", "chunk_units", "is_table_block"]

T = TypeVar("T")
CHUNK_CHARS: dict[str, int] = {"ja": 300, "en": 700}
# A chunk repeats the previous chunk's last unit when it is at most this long. English chunks are
# long enough already (an overlap there cost a cross-lingual hit on the dev set).
OVERLAP_CHARS: dict[str, int] = {"ja": 100, "en": 0}
INLINE_HEADING = re.compile(r"^#{1,6} ")
MIN_SENTENCE = 12
_URL = re.compile(r"https?://\S+")
JOINERS: dict[str, str] = {"ja": "", "en": " "}

TextOf = Callable[[Unit], "str | None"]


def _original(unit: Unit) -> str:
    return unit.text


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: its units, the heading path it starts under, and its text.

    A chunk may run on into following sections (small sections are packed together); their heading
    units then stand in it and in its text as Markdown heading lines, and ``inline_sections`` holds the
    full heading path of each such line, in order, so a quote can be cited with the section it comes from.
    """

    section: tuple[str, ...]
    units: tuple[Unit, ...]  # lead-in first, then content and inline headings in document order
    ordinal: int  # position among the chunks that start in its section
    lead_in: int = 0  # leading units that repeat the end of the previous chunk (not quoted from here)
    section_ids: tuple[str, ...] = ()  # heading unit ids of ``section`` (to write it in another language)

    @property
    def text(self) -> str:
        return self.render()

    @property
    def key(self) -> str:
        """Stable within the document: the section's key and the chunk's ordinal in it."""
        section = self.section_ids[-1].split(".")[0] if self.section_ids else "top"
        return f"{section}:{self.ordinal}"

    @property
    def is_table(self) -> bool:
        return any(u.kind == "table" for u in self.units)

    @property
    def inline_sections(self) -> tuple[tuple[str, ...], ...]:
        return tuple(u.section for u in self.units if u.kind == "heading")

    @property
    def content(self) -> tuple[Unit, ...]:
        """The units this chunk states (not its headings, not the lead-in it repeats)."""
        return tuple(u for u in self.units[self.lead_in :] if u.is_content)

    def render(self, text_of: TextOf = _original, lang: Lang | None = None) -> str:
        """The chunk's text from its units (``text_of`` gives a translation; None leaves a unit out)."""
        joiner = JOINERS[lang or ("ja" if _is_japanese(self.units) else "en")]
        lines: list[str] = []
        previous: Unit | None = None
        for n, unit in enumerate(self.units):
            text = text_of(unit)
            if text is None or not text.strip():
                continue
            text = text.strip()
            if unit.kind == "heading":
                lines.append(f"{'#' * unit.level} {text}")
            elif unit.kind == "table":
                lines.extend(line.strip() for line in text.splitlines() if line.strip())
            elif (
                unit.kind == "sentence"
                and previous is not None
                and previous.kind == "sentence"
                and previous.path_ids == unit.path_ids
                and previous.paragraph == unit.paragraph
                and n > self.lead_in
                and lines
            ):
                lines[-1] += joiner + text
            else:
                lines.append(unit.marker + text)
            previous = unit
        return "\n".join(lines)

    def section_of_line(self, line_number: int) -> tuple[str, ...]:
        """The heading path a line of ``text`` sits under."""
        return section_at(self.text, line_number, self.section, self.inline_sections)


def _is_japanese(units: Sequence[Unit]) -> bool:
    return any(re.search(r"[\u3040-\u30ff\u3400-\u9fff]", u.text) for u in units)


def section_at(text: str, line_number: int, first: T, inline: Sequence[T]) -> T:
    """Heading path of line ``line_number`` of a packed chunk (see ``Chunk``); paths may be joined strings."""
    headings = sum(1 for line in text.splitlines()[: line_number + 1] if INLINE_HEADING.match(line))
    return inline[headings - 1] if headings else first


class _Packer:
    """A chunk being filled: its units, its length, the heading path its text has got to."""

    def __init__(self, start: Unit, lead: Unit | None = None):
        self.path_ids = start.path_ids
        self.section = start.section
        self.units: list[Unit] = []
        self.length = 0
        self.last_ids: tuple[str, ...] = start.path_ids
        self.lead_in = 0
        if lead is not None:
            self.units.append(lead)
            self.length = len(lead.text)
            self.last_ids = lead.path_ids
            self.lead_in = 1

    def addition(self, unit: Unit, headings: dict[str, Unit]) -> list[Unit]:
        """The units to append for ``unit``: the headings of the sections it enters first."""
        if unit.path_ids == self.last_ids:
            return [unit]
        shared = 0
        while shared < min(len(unit.path_ids), len(self.last_ids)) and unit.path_ids[shared] == self.last_ids[shared]:
            shared += 1
        if not self.units:  # the chunk starts here: its own path is metadata, not text
            return [unit]
        return [headings[i] for i in unit.path_ids[shared:]] + [unit]

    def add(self, unit: Unit, headings: dict[str, Unit], limit: int | None) -> bool:
        addition = self.addition(unit, headings)
        size = sum(len(u.text) + 1 for u in addition)
        if limit is not None and self.units and self.length + size > limit:
            return False
        self.units.extend(addition)
        self.length += size
        self.last_ids = unit.path_ids
        return True


def chunk_units(units: list[Unit], lang: Lang) -> list[Chunk]:
    """Pack a document's units into chunks: small consecutive sections together, one unit of overlap."""
    limit = CHUNK_CHARS[lang]
    headings = {u.id: u for u in units if u.kind == "heading"}
    chunks: list[Chunk] = []
    started: dict[tuple[str, ...], int] = {}
    current: _Packer | None = None

    def flush(packer: _Packer) -> None:
        ordinal = started.get(packer.path_ids, 0)
        started[packer.path_ids] = ordinal + 1
        chunks.append(Chunk(packer.section, tuple(packer.units), ordinal, packer.lead_in, packer.path_ids))

    for unit in units:
        if not unit.is_content:
            continue
        if current is None:
            current = _Packer(unit)
            current.add(unit, headings, None)
            continue
        if current.add(unit, headings, limit):
            continue
        flush(current)
        tail = current.units[-1]
        lead = tail if tail.kind in ("sentence", "item") and len(tail.text) <= OVERLAP_CHARS[lang] else None
        # The repeated unit leads in; the chunk belongs (heading, id, citation) to the new unit's section,
        # whose headings follow the lead-in as lines when the section changed.
        current = _Packer(unit, lead)
        current.add(unit, headings, None)
    if current is not None:
        flush(current)
    return chunks


def chunk_markdown(markdown: str, lang: Lang) -> list[Chunk]:
    """Chunk one document body (see ``chunk_units``)."""
    return chunk_units(document_units(markdown, lang), lang)


def sentence_lines(text: str, lang: str, skip_lines: int = 0) -> list[tuple[int, str]]:
    """(line number, sentence) for each sentence, list item or table line of a chunk's text.

    Heading lines of packed chunks label what follows and a lead-in line repeats the previous chunk;
    neither is quoted from here. A line that is only links states nothing to quote.
    """
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()):
        if number < skip_lines or INLINE_HEADING.match(line):
            continue
        line = line.strip().lstrip("-•・ ").strip()
        if not line:
            continue
        parts = SENTENCE_BREAK[lang].split(line)
        out.extend((number, part.strip()) for part in parts if part.strip())
    return [(n, s) for n, s in out if len(_URL.sub("", s).strip()) >= MIN_SENTENCE]


def split_sentences(text: str, lang: str, skip_lines: int = 0) -> list[str]:
    """The quotable sentences of a chunk's text (see ``sentence_lines``)."""
    return [sentence for _, sentence in sentence_lines(text, lang, skip_lines)]
