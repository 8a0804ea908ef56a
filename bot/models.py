"""What the answering engine returns (transport-neutral: the CLI prints it, the Telegram bot renders it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AnswerKind = Literal["answer", "unknown", "offtopic"]
PUBLIC_FIELDS = {"question", "language", "kind", "answer", "sources"}


class SourceRef(BaseModel):
    """A numbered citation."""

    n: int
    id: str
    kind: str
    title: str
    section: str = ""
    url: str = ""
    lang: str = ""

    def plain(self) -> str:
        """'[n] title > section url', for the console and the CLI."""
        where = " > ".join(x for x in (self.title, self.section) if x)
        return f"[{self.n}] {where}" + (f" {self.url}" if self.url else "")


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
    answer: str
    sources: list[SourceRef] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    subject: str = ""  # "kind:id" of the main record, for follow-ups
    evidence: list[str] = Field(default_factory=list)  # texts the answer may quote (for the number guard)
    generated: bool = False  # True when an LLM wrote the text (and passed the guard)

    def public(self) -> dict:
        """The documented JSON shape: question, language, kind, answer, sources."""
        return self.model_dump(include=PUBLIC_FIELDS)
