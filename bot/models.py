"""What the answering engine returns (transport-neutral: the CLI prints it, the Telegram bot renders it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.core.blocks import Block

AnswerKind = Literal["answer", "unknown", "offtopic"]
PUBLIC_FIELDS = {"question", "language", "kind", "answer", "sources", "quotes", "intent", "reason", "blocks"}


class SourceRef(BaseModel):
    """A numbered citation."""

    n: int
    id: str
    kind: str
    title: str
    section: str = ""
    url: str = ""
    lang: str = ""  # the language of the source itself (the original)
    # Cited through the guide's translation: the title and section in the original's language too.
    translation_label: str = ""
    original_title: str = ""
    original_section: str = ""

    def plain(self) -> str:
        """'[n] title > section url', for the console and the CLI (with the original for a translation)."""
        where = " > ".join(x for x in (self.title, self.section) if x)
        if self.translation_label:
            original = " > ".join(x for x in (self.original_title, self.original_section) if x)
            where += f" ({original}; {self.translation_label})"
        return f"[{self.n}] {where}" + (f" {self.url}" if self.url else "")


class QuoteRef(BaseModel):
    """A sentence the answer quotes from a document, with its original when it is the guide's translation."""

    n: int  # its citation number
    text: str  # as shown to the user
    unit: str = ""  # "<document id>:<unit id>"
    translated: bool = False  # text is the guide's translation of ``original``
    original: str = ""
    original_lang: str = ""


class Place(BaseModel):
    """A venue the answer names, with what a map pin or a website button needs."""

    venue_id: str
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    website: str = ""
    map_url: str = ""
    confidence: str = ""


class Answer(BaseModel):
    question: str
    language: Literal["ja", "en"]
    kind: AnswerKind
    answer: str = ""  # the plain-text rendering of the blocks (bot/render/plain.py)
    intent: str = ""  # what the router decided (bot/core/router.py)
    reason: str = ""  # why the answer is what it is: e.g. no_price_recorded, indicator_not_found, false_premise
    blocks: list[Block] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    quotes: list[QuoteRef] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    subject: str = ""  # "kind:id" of the main record, for follow-ups
    evidence: list[str] = Field(default_factory=list)  # texts the answer may quote (for the number guard)
    generated: bool = False  # True when an LLM wrote the text (and passed the guard)
    hits: list[str] = Field(default_factory=list, exclude=True)  # "kind:id" of the top evidence (for eval)

    def public(self) -> dict:
        """The documented JSON shape: question, language, kind, intent, reason, answer, blocks, sources, quotes."""
        return self.model_dump(include=PUBLIC_FIELDS)
