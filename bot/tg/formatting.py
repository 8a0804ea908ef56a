"""Answers as Telegram HTML: escaped text, numbered sources as links, split under 4,096 characters."""

from __future__ import annotations

import html
import re

from bot.models import Answer
from bot.tg.texts import t

TELEGRAM_LIMIT = 4096
CHUNK_LIMIT = 3900  # room for tags added around escaped text
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")


def source_lines(answer: Answer) -> list[str]:
    lines = []
    for s in answer.sources:
        title = " > ".join(x for x in (s.title, s.section.split(" > ")[-1] if s.section else "") if x)
        label = html.escape(title, quote=False)
        line = f'[{s.n}] <a href="{html.escape(s.url, quote=True)}">{label}</a>' if s.url else f"[{s.n}] {label}"
        if s.translation_label:
            original = " > ".join(
                x for x in (s.original_title, s.original_section.split(" > ")[-1] if s.original_section else "") if x
            )
            line += f" <i>({html.escape(original, quote=False)}; {html.escape(s.translation_label, quote=False)})</i>"
        lines.append(line)
    return lines


def answer_html(answer: Answer) -> str:
    body = html.escape(answer.answer, quote=False)
    if answer.sources:
        body += f"\n\n<b>{t('sources_label', answer.language)}</b>\n" + "\n".join(source_lines(answer))
    return body


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
