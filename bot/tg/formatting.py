"""Answers as Telegram HTML: escaped text, numbered sources as links, split under 4,096 characters."""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
CHUNK_LIMIT = 3900  # room for tags added around escaped text
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")


from bot.render.telegram import answer_html, source_lines  # noqa: E402,F401 - the channel's renderer


def split_message(text: str, limit: int = CHUNK_LIMIT) -> list[str]:
    """Split on line, then sentence boundaries; a line is never cut inside an HTML tag."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line] if len(line) <= limit else _sentences(line, limit)
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) > limit and current:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current.strip():
        chunks.append(current)
    return chunks or [""]


def _sentences(line: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(line):
        if not sentence:
            continue
        if len(current) + len(sentence) + 1 > limit and current:
            out.append(current)
            current = ""
        while len(sentence) > limit:  # a single sentence longer than a message: hard cut (escaped text only)
            cut = _safe_cut(sentence, limit)
            out.append(sentence[:cut])
            sentence = sentence[cut:]
        current += (" " if current and current[-1] in ".!?" else "") + sentence
    if current:
        out.append(current)
    return out


def _safe_cut(text: str, limit: int) -> int:
    """Do not cut inside an HTML entity such as &amp;."""
    cut = limit
    amp = text.rfind("&", 0, cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return max(cut, 1)
