"""A document's units: headings, sentences, list items and table blocks, each with a stable id.

A unit is the smallest piece of a document that is translated, quoted and cited on its own. The
chunker packs units into passages, the translation files (knowledge/translations/) align to units by
id, and the engine reads a document's heading tree and list items from them.

Ids are derived from the original: ``<section key>.<n>``. The section key is a short hash of the
heading path (and which occurrence of that path it is), so editing one section never renames the
units of another; ``n`` counts the units under that heading, 0 being the heading itself. A unit's
``hash`` is the hash of its text: a translation records the hash of the original it was made from,
so an edited original is detected as stale.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from ingest.schema import Lang

UnitKind = Literal["heading", "sentence", "item", "table"]
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A sentence ends at 。！？ unless a closing bracket follows (「…という。」 goes on).
SENTENCE_BREAK = {
    "ja": re.compile(r"(?<=[。！？])(?![」』）)\]])"),
    "en": re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])"),
}
# A line that ends like this ends a sentence: the next line of the PDF text starts a new one.
SENTENCE_END = re.compile(r"[。．！？.!?」）)]$")
MARKDOWN_ITEM = re.compile(r"^[-*]\s+")
# Lines that are list items or notes in the documents' own typography (kept whole, not cut into sentences).
PRINTED_ITEM = ("・", "•", "※", "◆", "●", "■", "□", "▶")
TABLE_HEADING_HINT = re.compile(r"指標|KPI|ＫＰＩ|モニタリング|目標値|数値目標")
# Table blocks longer than this (characters) are cut into several table units on line boundaries.
TABLE_UNIT_CHARS: dict[str, int] = {"ja": 900, "en": 2100}


def text_hash(text: str) -> str:
    """The hash a translation records for the original it translates."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Unit:
    """One heading, sentence, list item or table block of a document."""

    id: str
    kind: UnitKind
    section: tuple[str, ...]  # heading titles from the top; for a heading, its own path
    path_ids: tuple[str, ...]  # ids of those headings' units (paths can repeat; ids do not)
    text: str
    level: int = 0  # Markdown level of a heading
    paragraph: int = 0  # sentences of one printed paragraph share this number (within the section)
    marker: str = ""  # the Markdown list marker an item had ("- "), restored when a chunk is written

    @property
    def hash(self) -> str:
        return text_hash(self.text)

    @property
    def is_content(self) -> bool:
        """Everything but headings: what a chunk is filled with."""
        return self.kind != "heading"


def section_key(path: tuple[str, ...], occurrence: int) -> str:
    return hashlib.sha1(f"{' > '.join(path)}#{occurrence}".encode()).hexdigest()[:8]


def is_table_block(block: str, section: tuple[str, ...]) -> bool:
    """A run of short lines that are not sentences: how the PDF extraction left the plans' tables."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    if len(lines) < 3 or all(MARKDOWN_ITEM.match(line) or raw[:1].isspace() for raw, line in _raw_pairs(block)):
        return False  # a Markdown list is a list of items, however short they are
    if TABLE_HEADING_HINT.search(lines[0]) and not any(line.endswith("。") for line in lines):
        return True  # a KPI table whose columns the PDF extraction ran together (long lines, no sentences)
    short = sum(1 for line in lines if len(line) <= 40 and not line.endswith("。"))
    hinted = bool(section) and bool(TABLE_HEADING_HINT.search(" ".join(section)))
    return short / len(lines) >= (0.6 if hinted else 0.8)


def _raw_pairs(block: str) -> list[tuple[str, str]]:
    return [(raw, raw.strip()) for raw in block.splitlines() if raw.strip()]


def _sections(markdown: str) -> list[tuple[tuple[tuple[int, str], ...], list[str]]]:
    """(heading path as (level, title) pairs, body lines) for every heading, empty bodies included."""
    path: list[tuple[int, str]] = []
    out: list[tuple[tuple[tuple[int, str], ...], list[str]]] = [((), [])]
    for line in markdown.splitlines():
        match = HEADING.match(line)
        if match:
            level, title = len(match.group(1)), match.group(2).strip()
            path = [p for p in path if p[0] < level] + [(level, title)]
            out.append((tuple(path), []))
        else:
            out[-1][1].append(line)
    return out


def _blocks(lines: list[str]) -> list[list[str]]:
    """Blocks separated by blank lines, each a list of raw lines (indentation kept)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _logical_lines(block: list[str], lang: Lang) -> list[tuple[str, str, bool]]:
    """(marker, text, is_item) per printed line of a prose block.

    A PDF broke sentences across lines: a line that does not end a sentence is joined to the next
    (without a space in Japanese). An indented line continues the list item above it.
    """
    joiner = "" if lang == "ja" else " "
    out: list[list] = []
    for raw in block:
        line = raw.strip()
        marker_match = MARKDOWN_ITEM.match(line)
        starts_item = bool(marker_match) or line.startswith(PRINTED_ITEM)
        continues_item = raw.startswith(("  ", "\t")) and out and out[-1][2] and not starts_item
        if continues_item:
            out[-1][1] += " " + line
        elif out and not starts_item and not out[-1][2] and not SENTENCE_END.search(out[-1][1]):
            out[-1][1] += joiner + line
        elif marker_match:
            out.append([marker_match.group(0), line[marker_match.end() :].strip(), True])
        else:
            out.append(["", line, starts_item])
    return [(m, t, i) for m, t, i in out]


def split_sentences_of_line(line: str, lang: Lang) -> list[str]:
    return [part.strip() for part in SENTENCE_BREAK[lang].split(line) if part.strip()]


def _table_parts(block: list[str], limit: int) -> list[str]:
    lines = [line.strip() for line in block]
    parts, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts


def document_units(markdown: str, lang: Lang) -> list[Unit]:
    """Every unit of a document body, in document order."""
    units: list[Unit] = []
    occurrences: Counter[tuple[str, ...]] = Counter()
    ids_by_path: dict[tuple[tuple[int, str], ...], str] = {}
    for path, lines in _sections(markdown):
        titles = tuple(title for _, title in path)
        key = section_key(titles, occurrences[titles])
        occurrences[titles] += 1
        if path:
            ids_by_path[path] = f"{key}.0"
        path_ids = tuple(ids_by_path[path[: n + 1]] for n in range(len(path)))
        n = 0
        if path:
            units.append(Unit(f"{key}.0", "heading", titles, path_ids, path[-1][1], level=path[-1][0]))
        paragraph = 0
        for block in _blocks(lines):
            if is_table_block("\n".join(block), titles):
                for part in _table_parts(block, TABLE_UNIT_CHARS[lang]):
                    n += 1
                    units.append(Unit(f"{key}.{n}", "table", titles, path_ids, part, paragraph=paragraph))
                    paragraph += 1
                continue
            for marker, text, is_item in _logical_lines(block, lang):
                pieces = [text] if is_item else split_sentences_of_line(text, lang)
                for piece in pieces:
                    n += 1
                    kind: UnitKind = "item" if is_item else "sentence"
                    units.append(Unit(f"{key}.{n}", kind, titles, path_ids, piece, paragraph=paragraph, marker=marker))
                paragraph += 1
    return units


def squash(text: str) -> str:
    """Text without spaces, Markdown heading marks and list markers: for coverage checks."""
    text = "\n".join(HEADING.sub(r"\2", line) for line in text.splitlines())
    text = "\n".join(MARKDOWN_ITEM.sub("", line.strip()) for line in text.splitlines())
    return re.sub(r"\s+", "", text)


MIN_QUOTABLE = 12  # characters (links aside): shorter pieces state nothing worth quoting
_URL = re.compile(r"https?://\S+")


def quotable(unit: Unit, text: str) -> list[tuple[str, str]]:
    """(key suffix, text) of each piece of a unit that can be quoted: a table block line by line, any
    other unit whole; pieces too short to state anything are left out."""
    pieces = (
        [(f":{n}", line.strip()) for n, line in enumerate(text.splitlines())]
        if unit.kind == "table"
        else [("", text.strip())]
    )
    return [(k, t) for k, t in pieces if len(_URL.sub("", t).strip()) >= MIN_QUOTABLE and not t.endswith((":", "："))]


def in_context(text: str, heading: str) -> str:
    """What a quotable piece is embedded and scored as: a list item or table line says little without
    its heading; a sentence stands on its own."""
    if text.endswith(("。", ".", "!", "?", "！", "？")):
        return text
    return f"{heading}: {text}" if heading else text
