"""Heading- and sentence-aware chunking of the Markdown source documents.

Sections follow Markdown headings, which carry the plans' own numbering (■, 〇, (1), ①, 基本目標…).
Prose is packed sentence by sentence (。 for Japanese, . ! ? for English) to about 300 Japanese or
700 English characters. A table block (the plans' KPI tables, extracted as runs of short lines) is
kept whole together with its heading, so a figure never loses its indicator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.schema import Lang

CHUNK_CHARS: dict[str, int] = {"ja": 300, "en": 700}
# A table block longer than this many chunk lengths is split on line boundaries.
MAX_TABLE_FACTOR = 3
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
TABLE_HEADING_HINT = re.compile(r"指標|KPI|ＫＰＩ|モニタリング|目標値|数値目標")
SENTENCE_END = re.compile(r"[。．！？.!?」）)]$")

_SEPARATORS = {
    "ja": ["\n\n", "\n", "。", "！", "？", "；", "、", " ", ""],
    "en": ["\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ", ""],
}


@dataclass(frozen=True)
class Chunk:
    """A piece of a document with the heading path it sits under."""

    section: tuple[str, ...]
    text: str
    ordinal: int  # position within its section
    is_table: bool = False


def _splitter(lang: Lang) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_CHARS[lang],
        chunk_overlap=0,
        separators=_SEPARATORS[lang],
        keep_separator="end",
        strip_whitespace=True,
    )


def _sections(markdown: str) -> list[tuple[tuple[str, ...], str]]:
    """Split Markdown into (heading path, body) pairs; text before the first heading has path ()."""
    path: list[tuple[int, str]] = []
    out: list[tuple[tuple[str, ...], list[str]]] = [((), [])]
    for line in markdown.splitlines():
        match = HEADING.match(line)
        if match:
            level, title = len(match.group(1)), match.group(2).strip()
            path = [p for p in path if p[0] < level] + [(level, title)]
            out.append((tuple(t for _, t in path), []))
        else:
            out[-1][1].append(line)
    return [(p, "\n".join(lines).strip()) for p, lines in out if "\n".join(lines).strip() or p]


def _blocks(body: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]


def is_table_block(block: str, section: tuple[str, ...]) -> bool:
    """A run of short lines that are not sentences: how the PDF extraction left the plans' tables."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    if len(lines) < 3:
        return False
    short = sum(1 for line in lines if len(line) <= 40 and not line.endswith("。"))
    hinted = bool(section) and bool(TABLE_HEADING_HINT.search(" ".join(section)))
    return short / len(lines) >= (0.6 if hinted else 0.8)


def _split_table(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    pieces, current = [], ""
    for line in block.splitlines():
        if current and len(current) + len(line) + 1 > limit:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


def _segments(body: str, section: tuple[str, ...]) -> list[tuple[bool, list[str]]]:
    """Group a section's blocks into runs of prose and single table blocks, in order."""
    out: list[tuple[bool, list[str]]] = []
    for block in _blocks(body):
        if is_table_block(block, section):
            out.append((True, [block]))
        elif out and not out[-1][0]:
            out[-1][1].append(block)
        else:
            out.append((False, [block]))
    return out


def chunk_markdown(markdown: str, lang: Lang) -> list[Chunk]:
    """Chunk one document body; the section path travels with every chunk."""
    splitter = _splitter(lang)
    table_limit = CHUNK_CHARS[lang] * MAX_TABLE_FACTOR
    chunks: list[Chunk] = []
    for section, body in _sections(markdown):
        ordinal = 0
        for is_table, blocks in _segments(body, section):
            if is_table:
                pieces = _split_table(blocks[0], table_limit)
            else:
                pieces = splitter.split_text(_join_prose(blocks, lang))
            for piece in pieces:
                if piece.strip():
                    chunks.append(Chunk(section, piece.strip(), ordinal, is_table=is_table))
                    ordinal += 1
    return chunks


def _join_prose(blocks: list[str], lang: Lang) -> str:
    """Paragraphs stay apart; lines inside a paragraph that a PDF broke mid-sentence are rejoined."""
    joiner = "" if lang == "ja" else " "
    paragraphs = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        merged = lines[0]
        for line in lines[1:]:
            if line.startswith(("- ", "・", "•", "※")) or SENTENCE_END.search(merged):
                merged += "\n" + line
            else:
                merged += joiner + line
        paragraphs.append(merged)
    return "\n\n".join(paragraphs)
