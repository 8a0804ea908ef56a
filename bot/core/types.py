"""The stages of answering, as types: Question → Entities → Intent → Evidence → Answer (bot/core/blocks.py).

Each stage is a small value that the next one reads; what was decided travels with the answer
(intent, reason, blocks) and the dialogue state, never as mutable state on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from bot.retrieval import Hit, SearchResult
from ingest.schema import Lang

IntentName = Literal[
    "find_places",
    "craft_info",
    "craft_list",
    "venue_info",
    "program_info",
    "kpi_value",
    "plan_kpis",
    "plan_info",
    "document_list",
    "document_fact",
    "change_language",
    "offtopic",
]
INTENTS: tuple[IntentName, ...] = IntentName.__args__  # type: ignore[attr-defined]
# Decided by a fixed rule, not the classifier (see bot/core/rules.py).
RULED = ("empty", "greeting", "thanks", "injection")
SUBJECT_SLOTS = ("crafts", "venues", "programs", "plans", "indicators")


@dataclass(frozen=True)
class Question:
    """What the user sent, cleaned, in the language it will be answered in."""

    text: str
    lang: Lang
    fixed_lang: bool = False  # the user chose the language (/lang, --lang): never switch it
    conversation: str | None = None
    location: tuple[float, float] | None = None  # a location the user shared (latitude, longitude)
    text_lang: Lang | None = None  # the language the text is written in (the answer's may be fixed to another)
    shared_before: tuple[float, float] | None = None  # a location shared earlier in the chat (still fresh)

    @property
    def written_in(self) -> Lang:
        return self.text_lang or self.lang


class Slots(BaseModel):
    """What a question is about. Entities found in a question and the dialogue's slots share this shape."""

    crafts: list[str] = Field(default_factory=list)
    venues: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    landmarks: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    activity: str | None = None
    attribute: str | None = None
    role: str | None = None
    years: list[int] = Field(default_factory=list)
    lang: str | None = None  # a language the question names ("in Japanese")
    near: bool = False  # the question is about nearness ("near Kenrokuen", "which one is closest")
    asks: str | None = None  # what the answer must hold: year, count, amount, person (lexicon `asks`)
    figures: bool = False  # the question asks for indicators or figures ("KPIs", 「指標」, "target")
    item: str = ""  # an entry of the list just shown that the question picks ("tell me more about the third one")

    def subjects(self) -> dict[str, list[str]]:
        """The things named: crafts, venues, programmes, plans, indicators (only the non-empty ones)."""
        return {name: getattr(self, name) for name in SUBJECT_SLOTS if getattr(self, name)}

    def names_a_subject(self) -> bool:
        return bool(self.subjects())

    def merged(self, inherited: Slots, fields: tuple[str, ...]) -> Slots:
        """These slots, with ``fields`` taken from ``inherited`` where this question leaves them empty."""
        update = {f: getattr(inherited, f) for f in fields if not getattr(self, f) and getattr(inherited, f)}
        return self.model_copy(update=update)


Entities = Slots  # what the recogniser finds in one question (before the dialogue adds what it lacks)


@dataclass(frozen=True)
class Intent:
    """The decision of the router: which handler answers, how sure it was, and how it decided."""

    name: str  # an IntentName, or one of RULED
    score: float = 1.0
    margin: float = 1.0  # score of the best intent minus the second best
    how: Literal["rule", "classifier", "llm", "default", "dialogue", "handover", "slots", "evidence"] = "rule"
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass
class Evidence:
    """What retrieval found for the question, computed once and shared by the handlers."""

    result: SearchResult
    query: str
    support: float  # best USE similarity among the top hits (the least language-biased signal)

    @property
    def hits(self) -> list[Hit]:
        return self.result.hits

    @property
    def passages(self) -> list[Hit]:
        return self.result.passages


class TurnState(BaseModel):
    """One answered turn, as the dialogue remembers it."""

    question: str
    lang: str
    intent: str
    slots: Slots = Field(default_factory=Slots)
    kind: str = "answer"
    reason: str = ""
    places: list[str] = Field(default_factory=list)  # venue ids the answer showed, in order
    items: list[str] = Field(default_factory=list)  # the entries of a list the answer showed, as shown


class DialogueState(BaseModel):
    """The conversation as a small serialisable value: the channel loads it, passes it, saves what comes back."""

    lang: str | None = None  # the language the user chose (None: follow each message)
    turns: list[TurnState] = Field(default_factory=list)
    location: tuple[float, float] | None = None  # the last location the user shared
    location_at: float | None = None  # when (epoch seconds): tourists move, so it is forgotten after a while

    MAX_TURNS: ClassVar[int] = 6
    LOCATION_FRESH_S: ClassVar[float] = 2 * 3600

    def fresh_location(self, now: float) -> tuple[float, float] | None:
        """The shared location if it was shared recently enough to measure distances from."""
        if self.location and self.location_at and now - self.location_at <= self.LOCATION_FRESH_S:
            return self.location
        return None

    def last(self) -> TurnState | None:
        return self.turns[-1] if self.turns else None

    def with_turn(self, turn: TurnState) -> DialogueState:
        return self.model_copy(update={"turns": [*self.turns, turn][-self.MAX_TURNS :]})


@dataclass
class Context:
    """Everything a handler reads: the question, its resolved slots and intent, the evidence, the state."""

    question: Question
    slots: Slots
    intent: Intent
    evidence: Evidence
    state: DialogueState
    cites: Any = None  # the answer's numbered sources (bot/core/kit.Citations), shared by a two-part question
    entities: Slots | None = None  # what the question itself named (``slots`` adds what the dialogue gave)
