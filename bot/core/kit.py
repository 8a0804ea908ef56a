"""What every handler uses: the loaded knowledge and models, numbered citations, venue and KPI blocks.

Built once per knowledge generation by the engine and shared read-only between threads; a Citations
object is made per answer.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote_plus

from bot.core.blocks import ContactItem, ContactsBlock, KpiBlock, KpiRow, NoticeBlock, TopicsBlock, VenueItem
from bot.core.entities import EntityRecognizer
from bot.core.lexicon import PhraseMatcher, Phrases, words
from bot.core.names import indicator_key, unqualified
from bot.core.romaji import RomajiIndex
from bot.documents import DocumentTexts
from bot.extractive import SentenceScorer
from bot.glossary import Glossary
from bot.models import SourceRef
from bot.retrieval import Hit, HybridRetriever
from bot.strings import has
from ingest.fiscal import western_year
from ingest.loader import Knowledge
from ingest.schema import Craft, DocumentMeta, Kpi, Lang, Program, Source, Venue

log = logging.getLogger(__name__)


def map_url(venue: Venue) -> str:
    """A map link: the building's researched coordinates when the data has them, else a search for the
    address (a town block's point would put the pin on the wrong street)."""
    if venue.location and venue.location.exact:
        return f"https://www.google.com/maps/search/?api=1&query={venue.location.latitude},{venue.location.longitude}"
    address = venue.address.ja or venue.address.en
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(address)}" if address else ""


class Citations:
    """Numbered sources of one answer, each cited once."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        self.refs: list[SourceRef] = []

    def cite(
        self, ref_id: str, kind: str, title: str, url: str = "", section: str = "", lang: str = "", **extra
    ) -> int:
        label = extra.get("translation_label", "")
        for ref in self.refs:
            if ref.id == ref_id and ref.section == section and ref.translation_label == label:
                return ref.n
        self.refs.append(
            SourceRef(
                n=len(self.refs) + 1, id=ref_id, kind=kind, title=title, section=section, url=url, lang=lang, **extra
            )
        )
        return len(self.refs)

    def primary_url(self, sources: list[Source]) -> str:
        for s in sources:
            if s.url:
                return str(s.url)
        for s in sources:
            doc = self.knowledge.documents.get(s.document or "")
            if doc and doc.meta.source_url:
                return str(doc.meta.source_url)
        return ""

    def record(self, kind: str, record: Craft | Venue | Program, lang: Lang) -> int:
        url = str(record.website) if isinstance(record, Venue) and record.website else ""
        return self.cite(record.id, kind, record.name.get(lang), url or self.primary_url(record.sources), lang=lang)

    def document(self, doc: DocumentMeta, lang: Lang, section: str = "") -> int:
        return self.cite(doc.id, "document", doc.title(lang), str(doc.source_url or ""), section, doc.language)

    def kpi(self, kpi: Kpi, lang: Lang) -> int:
        plan = self.knowledge.documents[kpi.plan].meta
        return self.cite(kpi.plan, "document", plan.title(lang), str(plan.source_url or ""), kpi.section, plan.language)

    def translation(self, hit: Hit, section: str, original_section: str) -> int:
        meta = hit.metadata
        return self.cite(
            hit.record_id,
            "document",
            str(meta["title"]),
            str(meta.get("url", "")),
            section,
            str(meta.get("original_lang", "")),
            translation_label=str(meta.get("translation_label", "")),
            original_title=str(meta.get("original_title", "")),
            original_section=original_section,
        )


def _bare(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class Kit:
    """The loaded knowledge and models the handlers answer from."""

    knowledge: Knowledge
    retriever: HybridRetriever
    recognizer: EntityRecognizer
    documents: DocumentTexts
    scorer: SentenceScorer
    glossary: Glossary

    @cached_property
    def romaji(self) -> RomajiIndex:
        """The Japanese documents' terms by reading, for romanised terms in questions ("okuzashiki")."""
        return RomajiIndex([d.body for d in self.knowledge.documents.values() if d.meta.language == "ja"])

    def structure_lists(self) -> list:
        """The lists given as data for what the extraction scattered (knowledge/structures/)."""
        return [s for lists in self.knowledge.structures.values() for s in lists]

    @cached_property
    def _printed_lines(self) -> dict[str, Kpi]:
        """Each KPI's printed line (spacing and width ignored) → the record, the first printing."""
        table: dict[str, Kpi] = {}
        for kpi in self.knowledge.kpis.values():
            if kpi.printed_line and (kpi.repeat_of is None or _bare(kpi.printed_line) not in table):
                table[_bare(kpi.printed_line)] = kpi
        return table

    def kpi_printed_as(self, line: str) -> Kpi | None:
        """The indicator whose printed line this is."""
        return self._printed_lines.get(_bare(line))

    # ------------------------------------------------------------------ venues
    def venues_for(self, crafts: list[str], kinds: list[str]) -> list[Venue]:
        """Venues whose record offers one of these crafts with one of these kinds (any kind when none asked).

        "try" counts only crafts the hands-on offer itself names: a museum that shows twenty crafts and
        runs hands-on sessions does not let you try all twenty.
        """
        wanted = kinds or ["see", "buy", "learn", "try"]
        out = [v for v in self.knowledge.venues.values() if any(v.offers(c, k) for c in crafts for k in wanted)]
        order = {c: n for n, c in enumerate(crafts)}
        return sorted(
            out,
            key=lambda v: (
                # a venue with every craft asked ("makes wagasa and runs mizuhiki classes") before one with one
                -sum(c in v.crafts for c in crafts),
                min((order.get(c, 99) for c in v.crafts), default=99),
                len(v.crafts),
                v.confidence != "high",
            ),
        )

    def venue_item(self, venue: Venue, lang: Lang, cites: Citations, hours: bool = False) -> VenueItem:
        other = venue.name.en if lang == "ja" else venue.name.ja
        address = venue.address.ja or venue.address.en or ""
        if lang == "en" and venue.address.en and venue.address.ja:
            note = " (unofficial romanisation)" if venue.address.en_is_transliteration else ""
            address = f"{venue.address.ja} / {venue.address.en}{note}"
        booking = (
            venue.hands_on.reservation_as_reported.get(lang)
            if venue.hands_on and (venue.hands_on.reservation_as_reported)
            else ""
        )
        return VenueItem(
            venue_id=venue.id,
            name=venue.name.get(lang),
            other_name=other,
            area=venue.area.get(lang),
            kinds=list(venue.kinds),
            hands_on=venue.hands_on.description.get(lang) if venue.hands_on else "",
            booking=booking,
            hours=venue.hours_as_reported.get(lang) if hours and venue.hours_as_reported else "",
            address=address,
            website=str(venue.website or ""),
            map_url=map_url(venue),
            confidence=venue.confidence,
            cite=cites.record("venue", venue, lang),
        )

    # ------------------------------------------------------------------ KPIs
    def kpi_block(self, kpi: Kpi, lang: Lang, cites: Citations, focus: str | None = None) -> KpiBlock:
        plan = self.knowledge.documents[kpi.plan].meta
        section, original = kpi.section, ""
        if lang != plan.language:
            translated = self.knowledge.section_in(kpi.plan, kpi.section, lang)
            section, original = (translated, kpi.section) if translated else (kpi.section, "")
        rows = [
            KpiRow(
                role=v.role,
                value=v.value_as_printed,
                label=v.label_as_printed,
                western=western_year(v.label_as_printed) or "",
            )
            for v in kpi.values
        ]
        missing = focus if focus and focus not in {v.role for v in kpi.values} else ""
        return KpiBlock(
            kpi_id=kpi.id,
            indicator=kpi.indicator.get(lang),
            indicator_other=kpi.indicator.ja if lang == "en" else "",
            plan_id=kpi.plan,
            plan=plan.title(lang),
            section=section,
            section_original=original,
            plan_period=plan.plan_period or "",
            rows=rows,
            unit=kpi.unit.get(lang),
            method=kpi.measurement_method_as_printed or "",
            garbled=kpi.garbled,
            missing_role=missing,
            cite=cites.kpi(kpi, lang),
        )

    def twins(self, kpi: Kpi) -> list[Kpi]:
        """The same indicator printed elsewhere (another plan, or repeated), first printing first: the same
        name once the printed qualifiers are set aside (「…人数 (本市の制度活用による) (R2~R6の合計)」 in the
        strategy is 「…人数(本市の制度活用による: 累計)」 in the SDGs plan)."""
        key = indicator_key(unqualified(kpi.indicator.ja))
        return [
            k
            for k in self.knowledge.kpis.values()
            if k.id != kpi.id and indicator_key(unqualified(k.indicator.ja)) == key and k.repeat_of is None
        ]

    # ------------------------------------------------------------------ names
    def known_names(self) -> list[str]:
        """Every name the knowledge holds, as padded-word English (for 'is this a thing we know?')."""
        if not hasattr(self, "_names"):
            k = self.knowledge
            names = [n for c in k.crafts.values() for n in (c.name.en, *c.aliases_en)]
            names += [t for term in k.glossary for t in term.en]
            names += [r.name.en for r in (*k.venues.values(), *k.programs.values())]
            names += [n for m in k.landmarks.values() for n in (m.name.en, *m.aliases_en)]
            names += [d.meta.title_en for d in k.documents.values()]
            names += [kpi.indicator.en for kpi in k.kpis.values()]
            self._names = [words(n).strip() for n in names]
        return self._names

    def in_domain(self, text: str, lang: Lang) -> bool:
        """Does the question name anything the guide covers (a craft, a place, a plan, a glossary topic)?"""
        if not hasattr(self, "_topics"):
            self._topics = PhraseMatcher(
                {str(n): Phrases(en=list(t.en), ja=list(t.ja)) for n, t in enumerate(self.knowledge.glossary)}
            )
        entities = self.recognizer.find(text, lang)
        return entities.names_a_subject() or bool(entities.landmarks) or bool(self._topics.find(text))

    # ------------------------------------------------------------------ honesty
    def contacts(self, lang: Lang) -> ContactsBlock:
        items = []
        for c in self.knowledge.contacts.values():
            how = str(c.url) if c.url else (c.email or c.tel or "")
            items.append(ContactItem(name=c.name.get(lang), purpose=c.purpose.get(lang), how=how))
        return ContactsBlock(items=items)

    def closest_topics(self, hits: list[Hit], lang: Lang, kinds: tuple[str, ...] = (), limit: int = 3) -> list[str]:
        """Names of what the sources hold nearest the question (never a figure)."""
        topics: list[str] = []
        for hit in hits[:10]:
            if kinds and hit.kind not in kinds:
                continue
            if hit.kind == "document":
                title = hit.metadata.get("section", "").split(" > ")[-1] or hit.metadata["title"]
            else:
                record = (
                    self.knowledge.records(hit.kind).get(hit.record_id)
                    if hit.kind in ("craft", "venue", "program", "kpi")
                    else None
                )
                if record is None:
                    continue
                title = (record.indicator if hit.kind == "kpi" else record.name).get(lang)
            if title and title not in topics:
                topics.append(title)
        return topics[:limit]

    def topics_block(self, hits: list[Hit], lang: Lang, heading: str = "closest_topics", **kw) -> list:
        topics = self.closest_topics(hits, lang, **kw)
        return [TopicsBlock(heading=heading, items=topics)] if topics else []

    @staticmethod
    def notice(key: str, **params: str) -> NoticeBlock:
        if not (has(key, "en") and has(key, "ja")):  # a bug, not the user's problem: the key is shown; logged
            log.error("UI string %r is missing from the catalogue", key)
        return NoticeBlock(key=key, params={k: str(v) for k, v in params.items()})
