"""The knowledge schema: pydantic models for documents and directory records.

Everything a user reads is bilingual (``Text`` with ``ja`` and ``en``). Facts that must never be
restated as current (hours, prices) live only in ``*_as_reported`` fields, and KPI values and
fiscal-year labels are kept exactly as printed in the plans. See knowledge/README.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
# "sentence": one sentence of a document passage, embedded on its own (see ingest/passages.py).
# "heading": one heading of a document (original or translation), embedded on its own so that a question
# for a list ("What are the basic goals?") finds the heading the list stands under.
Kind = Literal["document", "sentence", "heading", "craft", "venue", "program", "kpi"]
RECORD_KINDS: tuple[Kind, ...] = ("craft", "venue", "program", "kpi")

_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"
# Ids travel in Telegram button data ("venue:<id>"), which holds at most 64 bytes.
MAX_ID_LENGTH = 64 - len("venue:")


class Strict(BaseModel):
    """Base: unknown fields are errors, so a typo in a knowledge file is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(Strict):
    """A user-facing text in both languages."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: Lang) -> str:
        return self.ja if lang == "ja" else self.en


class Source(Strict):
    """Where a fact comes from: one of our documents, or a web page (with an optional note)."""

    document: str | None = Field(default=None, pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    url: HttpUrl | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Source:
        if (self.document is None) == (self.url is None):
            raise ValueError("a source names exactly one of 'document' or 'url'")
        return self


class Craft(Strict):
    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    name: Text
    reading_ja: str = Field(min_length=1)
    aliases_en: list[str] = []
    category: Literal["national_designated", "rare_traditional", "utatsuyama_subject"]
    description: Text
    note: str | None = None
    sources: list[Source] = Field(min_length=1)


class Address(Strict):
    ja: str | None = None
    en: str | None = None
    en_is_transliteration: bool = False


class Location(Strict):
    """Where a place is: coordinates researched from a public page, with that page and how sure they are."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    source: str = Field(min_length=1)
    confidence: Literal["high", "medium", "low"]
    basis: str | None = None  # why this confidence (e.g. "official access page gives the coordinates")
    # What the point is: the place itself, or (when no page gives the building's position) the published
    # representative point of its town block (町丁目) or, for a rural 番地-only address, of its 大字.
    # Only "building" is sent as a map pin; the others order places by distance, shown as approximate.
    precision: Literal["building", "block", "town"] = "building"
    block: str | None = None  # the 町丁目 / 大字 whose point this is (block and town precision)

    @property
    def exact(self) -> bool:
        return self.precision == "building"

    @model_validator(mode="after")
    def _block_named(self) -> Location:
        if self.precision != "building" and not self.block:
            raise ValueError(f"a {self.precision} point names its town block (block: …)")
        return self


class HandsOn(Strict):
    """A hands-on offer as the sources describe it (menus change: always 'check before visiting')."""

    crafts: list[str] = Field(min_length=1)  # what the offer itself names: "try X" needs X here
    description: Text
    reservation_as_reported: Text | None = None
    sources: list[Source] = Field(min_length=1)


class Venue(Strict):
    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    name: Text
    # Other names people use for it: short forms, romaji, English variants (recognised in questions).
    aliases_en: list[str] = []
    aliases_ja: list[str] = []
    kinds: list[Literal["see", "buy", "learn", "try"]] = Field(min_length=1)
    crafts: list[str] = []
    area: Text
    summary: Text
    address: Address
    tel: str | None = None
    website: HttpUrl | None = None
    location: Location | None = None
    hands_on: HandsOn | None = None
    hours_as_reported: Text | None = None
    languages_note: str | None = None
    confidence: Literal["high", "medium", "low"]
    confidence_basis: str = Field(min_length=1)
    notes: str | None = None
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _try_needs_offer(self) -> Venue:
        if "try" in self.kinds and self.hands_on is None:
            raise ValueError("a venue of kind 'try' needs a 'hands_on' description")
        return self

    def offers(self, craft: str, kind: str) -> bool:
        """Whether the record says this place lets you `kind` (see/buy/learn/try) this craft."""
        if kind == "try":
            return self.hands_on is not None and craft in self.hands_on.crafts
        return kind in self.kinds and craft in self.crafts


class KpiLink(Strict):
    kpi: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    relation: str = Field(min_length=1)


class Program(Strict):
    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    name: Text
    aliases_en: list[str] = []
    aliases_ja: list[str] = []
    audience: list[Literal["tourists", "students", "children", "artisans", "businesses", "citizens"]] = Field(
        min_length=1
    )
    summary: Text
    organizer: Text
    related_kpis: list[KpiLink] = []
    related_venues: list[str] = []
    public_information_found: bool
    notes: str | None = None
    sources: list[Source] = Field(min_length=1)


class KpiValue(Strict):
    role: Literal["baseline", "current", "target"]
    label_as_printed: str = Field(min_length=1)
    value_as_printed: str = Field(min_length=1)
    column_header_as_printed: str | None = None
    fiscal_year_note: str | None = None
    displaced_in_text: bool = False


class Kpi(Strict):
    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    plan: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    section: str = Field(min_length=1)  # the heading path the indicator is printed under, as printed
    indicator: Text
    # The plan's line that states this indicator's values, verbatim (plans that print one line per
    # indicator); the values and labels must stand in it.
    printed_line: str | None = None
    subgroup_as_printed: str | None = None  # a breakdown the line gives on its own ("2 歳児")
    # the first record of a 〔再掲〕 repeat
    repeat_of: str | None = Field(default=None, pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    unit: Text
    measurement_method_as_printed: str | None = None
    values: list[KpiValue] = Field(min_length=1)
    relevance: list[str] = []
    relevance_borderline: bool = False
    garbled: bool = False
    garbled_explanation: str | None = None
    layout_note: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _garbled_explained(self) -> Kpi:
        if self.garbled and not self.garbled_explanation:
            raise ValueError("a garbled KPI needs a 'garbled_explanation'")
        return self


class DocumentMeta(Strict):
    """Front matter of a knowledge/documents/*.md file."""

    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    title_ja: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    aliases_en: list[str] = []  # how people name it ("KOGEI plan", "the comprehensive strategy")
    aliases_ja: list[str] = []
    language: Lang
    publisher_ja: str = Field(min_length=1)
    publisher_en: str = Field(min_length=1)
    year: int | None = Field(default=None, ge=1900, le=2100)
    revision: str | None = None
    plan_period: str | None = None
    source_url: HttpUrl | None = None
    seed_file: str | None = None

    def title(self, lang: Lang) -> str:
        return self.title_ja if lang == "ja" else self.title_en


class Landmark(Strict):
    """A place people give as a reference point ("near Kenrokuen"), not a venue of the directory."""

    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    name: Text
    aliases_en: list[str] = []
    aliases_ja: list[str] = []
    location: Location
    notes: str | None = None


class GlossaryTerm(Strict):
    """How users name a craft or topic in each language (vocabulary, not facts)."""

    crafts: list[str] = []
    en: list[str] = Field(min_length=1)
    ja: list[str] = Field(min_length=1)


class Contact(Strict):
    """An official place to check what the sources do not answer."""

    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ID_LENGTH)
    name: Text
    purpose: Text
    url: HttpUrl | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    tel: str | None = None
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not (self.url or self.email or self.tel):
            raise ValueError("a contact needs a url, an email or a tel")
        return self


class KnowledgeDocument(Strict):
    meta: DocumentMeta
    body: str = Field(min_length=1)
    path: str


RECORD_MODELS: dict[str, type[Strict]] = {"craft": Craft, "venue": Venue, "program": Program, "kpi": Kpi}
# File name (knowledge/directory/<name>.yaml) and its top-level list key, per kind.
DIRECTORY_FILES: dict[str, str] = {"craft": "crafts", "venue": "venues", "program": "programs", "kpi": "kpis"}
