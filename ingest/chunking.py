"""Heading- and sentence-aware chunking of the Markdown source documents.

Sections follow Markdown headings, which carry the plans' own numbering (■, 〇, (1), ①, 基本目標…).
Prose is cut sentence by sentence (。 for Japanese, . ! ? for English) and a table block (the plans'
KPI tables, extracted as runs of short lines) stays whole. Consecutive small sections are then packed
into one chunk of up to about 300 Japanese or 700 English characters, their headings kept as Markdown
lines and their heading paths kept for citations: the plans have many sections of one or two lines,
which are too little to embed or quote on their own. A Japanese chunk starts with the previous
chunk's last line when that line is short, so a statement at a boundary is found with what follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.schema import Lang

T = TypeVar("T")
CHUNK_CHARS: dict[str, int] = {"ja": 300, "en": 700}
# A chunk repeats the previous chunk's last line or sentence when it is at most this long. English
# chunks are long enough already (an overlap there cost a cross-lingual hit on the dev set).
OVERLAP_CHARS: dict[str, int] = {"ja": 100, "en": 0}
# A table block longer than this many chunk lengths is split on line boundaries.
MAX_TABLE_FACTOR = 3
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
INLINE_HEADING = re.compile(r"^#{1,6} ")
# A sentence ends at 。！？ unless a closing bracket follows (「…という。」 goes on).
_SENTENCE_BREAK = {
    "ja": re.compile(r"(?<=[。！？])(?![」』）)\]])"),
    "en": re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])"),
}
MIN_SENTENCE = 12
_URL = re.compile(r"https?://\S+")
TABLE_HEADING_HINT = re.compile(r"指標|KPI|ＫＰＩ|モニタリング|目標値|数値目標")
SENTENCE_END = re.compile(r"[。．！？.!?」）)]$")

_SEPARATORS = {
    "ja": ["\n\n", "\n", "。", "！", "？", "；", "、", " ", ""],
    "en": ["\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ", ""],
}


@dataclass(frozen=True)
class Chunk:
    """A piece of a document with the heading path it starts under.

    A chunk may run on into following sections (small sections are packed together); their headings
    then stand in the text as Markdown heading lines, and ``inline_sections`` holds the full heading
    path of each such line, in order, so a quote can be cited with the section it comes from.
    """

    section: tuple[str, ...]
    text: str
    ordinal: int  # position among the chunks that start in its section
    is_table: bool = False
    inline_sections: tuple[tuple[str, ...], ...] = ()
    lead_in: int = 0  # leading lines that repeat the end of the previous chunk (not quoted from here)

    def section_of_line(self, line_number: int) -> tuple[str, ...]:
        """The heading path a line of ``text`` sits under."""
        return section_at(self.text, line_number, self.section, self.inline_sections)


def section_at(text: str, line_number: int, first: T, inline: Sequence[T]) -> T:
    """Heading path of line ``line_number`` of a packed chunk (see ``Chunk``); paths may be joined strings."""
    headings = sum(1 for line in text.splitlines()[: line_number + 1] if INLINE_HEADING.match(line))
    return inline[headings - 1] if headings else first


def _splitter(lang: Lang) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_CHARS[lang],
        chunk_overlap=0,
        separators=_SEPARATORS[lang],
        keep_separator="end",
        strip_whitespace=True,
    )


HeadingPath = tuple[tuple[int, str], ...]  # (Markdown level, heading) from the top


def _sections(markdown: str) -> list[tuple[HeadingPath, str]]:
    """Split Markdown into (heading path, body) pairs; text before the first heading has path ()."""
    path: list[tuple[int, str]] = []
    out: list[tuple[HeadingPath, list[str]]] = [((), [])]
    for line in markdown.splitlines():
        match = HEADING.match(line)
        if match:
            level, title = len(match.group(1)), match.group(2).strip()
            path = [p for p in path if p[0] < level] + [(level, title)]
            out.append((tuple(path), []))
        else:
            out[-1][1].append(line)
    return [(p, "\n".join(lines).strip()) for p, lines in out if "\n".join(lines).strip()]


def _titles(path: HeadingPath) -> tuple[str, ...]:
    return tuple(title for _, title in path)


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


def _pieces(markdown: str, lang: Lang) -> list[tuple[HeadingPath, str, bool]]:
    """Every section cut into pieces of at most a chunk: sentence-packed prose and whole tables."""
    splitter = _splitter(lang)
    table_limit = CHUNK_CHARS[lang] * MAX_TABLE_FACTOR
    pieces: list[tuple[HeadingPath, str, bool]] = []
    for path, body in _sections(markdown):
        section = _titles(path)
        for is_table, blocks in _segments(body, section):
            parts = _split_table(blocks[0], table_limit) if is_table else splitter.split_text(_join_prose(blocks, lang))
            pieces.extend((path, part.strip(), is_table) for part in parts if part.strip())
    return pieces


def _tail(text: str, lang: Lang) -> str:
    """The last line (or, for a long line, the last sentence) of a chunk, if short enough to repeat."""
    line = text.rsplit("\n", 1)[-1].strip()
    if INLINE_HEADING.match(line):
        return ""
    if len(line) > OVERLAP_CHARS[lang]:
        sentences = [x for x in _SENTENCE_BREAK[lang].split(line) if x.strip()]
        line = sentences[-1].strip() if sentences else ""
    return line if 0 < len(line) <= OVERLAP_CHARS[lang] else ""


@dataclass
class _Packer:
    """A chunk being filled: where it starts, where its text has got to, its inline headings."""

    path: HeadingPath
    text: str
    is_table: bool
    last: HeadingPath = ()
    inline: list[tuple[str, ...]] = field(default_factory=list)
    lead_in: int = 0

    def __post_init__(self) -> None:
        self.last = self.last or self.path

    def addition(self, path: HeadingPath, text: str) -> tuple[str, list[tuple[str, ...]]]:
        """The text to append for a piece under ``path``: new heading lines first if it moved on."""
        if path == self.last:
            return text, []
        shared = 0
        while shared < min(len(path), len(self.last)) and path[shared] == self.last[shared]:
            shared += 1
        new = path[shared:]
        lines = [f"{'#' * level} {title}" for level, title in new]
        return "\n".join([*lines, text]), [_titles(path[: shared + n + 1]) for n in range(len(new))]

    def add(self, path: HeadingPath, text: str, is_table: bool, limit: int | None = None) -> bool:
        addition, inline = self.addition(path, text)
        if limit is not None and len(self.text) + 1 + len(addition) > limit:
            return False
        self.text = f"{self.text}\n{addition}"
        self.inline.extend(inline)
        self.last = path
        self.is_table = self.is_table or is_table
        return True


def chunk_markdown(markdown: str, lang: Lang) -> list[Chunk]:
    """Chunk one document body: small consecutive sections packed together, one line of overlap.

    A heading with one list line under it is too little text to embed or to quote on its own, and its
    neighbours are usually about the same thing, so sections are packed up to a chunk's length with
    their headings kept as lines. Each chunk also repeats the previous chunk's last line or sentence,
    so a statement that leads into the next section is found with it.
    """
    limit = CHUNK_CHARS[lang]
    chunks: list[Chunk] = []
    started: dict[tuple[str, ...], int] = {}
    current: _Packer | None = None

    def flush(packer: _Packer) -> None:
        section = _titles(packer.path)
        chunks.append(
            Chunk(section, packer.text, started.get(section, 0), packer.is_table, tuple(packer.inline), packer.lead_in)
        )
        started[section] = started.get(section, 0) + 1

    for path, text, is_table in _pieces(markdown, lang):
        if current is not None and current.add(path, text, is_table, limit):
            continue
        if current is None:
            current = _Packer(path, text, is_table)
            continue
        flush(current)
        tail = _tail(current.text, lang)
        if tail:
            # The repeated line leads in; the chunk belongs (heading, id, citation) to the new piece's section,
            # whose headings follow the lead-in as lines when the section changed.
            previous = current.last
            current = _Packer(path, tail, False, last=previous, lead_in=1)
            current.add(path, text, is_table)
        else:
            current = _Packer(path, text, is_table)
    if current is not None:
        flush(current)
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


def sentence_lines(text: str, lang: str, skip_lines: int = 0) -> list[tuple[int, str]]:
    """(line number, sentence) for each sentence, list item or table line of a chunk.

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
        parts = _SENTENCE_BREAK[lang].split(line)
        out.extend((number, part.strip()) for part in parts if part.strip())
    return [(n, s) for n, s in out if len(_URL.sub("", s).strip()) >= MIN_SENTENCE]


def split_sentences(text: str, lang: str, skip_lines: int = 0) -> list[str]:
    """The quotable sentences of a chunk (see ``sentence_lines``)."""
    return [sentence for _, sentence in sentence_lines(text, lang, skip_lines)]
