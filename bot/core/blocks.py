"""What an answer is made of: typed blocks that each channel renders its own way (bot/render/).

Handlers build blocks from the knowledge (a card, a list of venues, a KPI table, quotes, a notice);
nothing in a block is prose written for one channel, so the console, `guide ask --json` and Telegram
show the same decisions. Texts that are the guide's own wording are keys into the UI catalogue
(bot/data/strings.*.yaml) with parameters.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field


class CardField(BaseModel):
    label: str  # a catalogue key (venue.address, craft.category…)
    value: str
    reported: bool = False  # "as reported; check before visiting"


class CardBlock(BaseModel):
    type: Literal["card"] = "card"
    kind: Literal["craft", "venue", "program", "plan"]
    record_id: str
    title: str
    other_name: str = ""  # the name in the other language
    subtitle: str = ""  # area, category, organiser…
    summary: str = ""
    fields: list[CardField] = Field(default_factory=list)
    cite: int = 0


class VenueItem(BaseModel):
    venue_id: str
    name: str
    other_name: str = ""
    area: str = ""
    kinds: list[str] = Field(default_factory=list)
    hands_on: str = ""
    booking: str = ""  # as reported
    hours: str = ""  # as reported
    address: str = ""
    website: str = ""
    map_url: str = ""
    distance_m: int | None = None
    distance_approx: bool = False  # measured from the town block's point, not the building's
    confidence: str = ""
    cite: int = 0


class VenueListBlock(BaseModel):
    type: Literal["venues"] = "venues"
    heading: str  # catalogue key
    params: dict[str, str] = Field(default_factory=dict)
    items: list[VenueItem]
    more: int = 0  # how many further venues were left out


class KpiRow(BaseModel):
    role: Literal["baseline", "current", "target"]
    value: str  # exactly as printed
    label: str  # exactly as printed
    western: str = ""  # the Western fiscal year, added ("end of FY2019")


class KpiBlock(BaseModel):
    type: Literal["kpi"] = "kpi"
    kpi_id: str
    indicator: str
    indicator_other: str = ""
    plan_id: str
    plan: str
    section: str
    section_original: str = ""
    plan_period: str = ""
    rows: list[KpiRow]
    unit: str = ""
    method: str = ""
    garbled: bool = False
    missing_role: str = ""  # the value asked for, when the plan gives none
    cite: int = 0


class QuoteItem(BaseModel):
    text: str
    cite: int
    translated: bool = False
    original: str = ""
    unit: str = ""  # "<document id>:<unit id>" (or "<document id>:<section key>.*" for a whole list)
    items: list[str] = Field(default_factory=list)  # a list quoted whole, under ``text`` (its heading)
    heading: str = ""  # shown before a sentence that points back at what its heading names ("The institute …")


class QuotesBlock(BaseModel):
    type: Literal["quotes"] = "quotes"
    items: list[QuoteItem]
    translated: bool = False  # some quote is the guide's translation
    glossed: bool = False  # some quote is in the other language, names glossed


class ListBlock(BaseModel):
    """A list or structure a document sets out, whole and in order."""

    type: Literal["list"] = "list"
    heading: str
    items: list[str]
    originals: list[str] = Field(default_factory=list)  # when the items are the guide's translation
    cite: int = 0
    translated: bool = False
    unit: str = ""


class NoticeBlock(BaseModel):
    type: Literal["notice"] = "notice"
    key: str  # catalogue key
    params: dict[str, str] = Field(default_factory=dict)


class ContactItem(BaseModel):
    name: str
    purpose: str
    how: str


class ContactsBlock(BaseModel):
    type: Literal["contacts"] = "contacts"
    items: list[ContactItem]


class TopicsBlock(BaseModel):
    """What the sources do hold near the question (names only: no figures)."""

    type: Literal["topics"] = "topics"
    heading: str  # catalogue key
    items: list[str]


Block = Annotated[
    CardBlock | VenueListBlock | KpiBlock | QuotesBlock | ListBlock | NoticeBlock | ContactsBlock | TopicsBlock,
    Field(discriminator="type"),
]
