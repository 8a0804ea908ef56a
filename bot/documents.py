"""Documents as the engine reads them: units, their translations, and what a passage can quote.

A document passage in the index lists the ids of its units (ingest/chunking.py), so a quote is one
unit: in the question's language, as the original or as the guide's aligned translation, with the
original sentence and the section path in both languages at hand for the citation.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from bot.retrieval import Hit
from ingest.chunking import section_at, sentence_lines
from ingest.loader import Knowledge
from ingest.passages import _title_depth, sentence_id
from ingest.schema import Lang
from ingest.units import Unit, in_context, quotable


@dataclass(frozen=True)
class Candidate:
    """A sentence a passage could quote, and where it comes from."""

    text: str  # in the passage's language
    section: str  # heading path in the passage's language (the title heading dropped)
    unit: Unit | None = None  # the original unit (None: an index built without unit ids)
    original: str = ""  # the original's text, when ``text`` is the guide's translation
    section_original: str = ""
    entry_id: str = ""  # its sentence entry in the index (stored vectors)

    @property
    def context(self) -> str:
        """What it is scored as (a list item with its heading)."""
        return in_context(self.text, self.section.split(" > ")[-1])

    @property
    def translated(self) -> bool:
        return bool(self.original)


class DocumentTexts:
    """Unit lookups over the loaded knowledge (one per knowledge generation)."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        self.units = {doc: {u.id: u for u in knowledge.units(doc)} for doc in knowledge.documents}

    def section(self, document: str, unit: Unit, lang: str) -> str:
        """A unit's heading path in ``lang`` (translated headings where the translation has them)."""
        meta = self.knowledge.documents[document].meta
        depth = _title_depth(unit.section, meta.title(meta.language))
        if lang == meta.language:
            return " > ".join(unit.section[depth:])
        translation = self.knowledge.translation(document, lang)
        texts = translation.texts if translation else {}
        headings = self.units[document]
        return " > ".join(texts.get(i) or headings[i].text for i in unit.path_ids[depth:])

    def section_items(self, hit: Hit, unit: Unit) -> list[Candidate]:
        """The list items under the heading ``unit`` stands under, in order, in the hit's language."""
        document = hit.record_id
        translation = self.knowledge.translation(document, hit.lang) if hit.metadata.get("translation_of") else None
        translated = translation is not None
        out = []
        for other in self.units.get(document, {}).values():
            if other.path_ids != unit.path_ids or other.kind != "item":
                continue
            text = translation.texts.get(other.id) if translation else other.text
            if not text:
                continue
            section = self.section(document, other, hit.lang)
            original_section = self.section(document, other, unit_lang(self.knowledge, document)) if translated else ""
            out.append(Candidate(text.strip(), section, other, other.text if translated else "", original_section))
        return out

    def is_title(self, document: str, text: str) -> bool:
        """A line that only repeats the document's title (a cover or a diagram caption): says nothing."""
        meta = self.knowledge.documents[document].meta
        bare = _bare(text)
        for title in map(_bare, meta_titles(meta)):
            if title and (bare in title or (bare.startswith(title) and len(bare) <= 2 * len(title) + 10)):
                return True
        return False

    def resolve(self, ref: str) -> tuple[str, list[Unit]] | None:
        """'<document code>.<unit id>' or '<document code>.<section key>.*' (a whole list), as button data
        carries them → (document id, units), or None when the document no longer has them."""
        code, _, unit_id = ref.partition(".")
        for document, units in self.units.items():
            if document_code(document) != code:
                continue
            if unit_id.endswith(".*"):  # a whole list: the items under a heading, else its sub-headings
                heading = f"{unit_id[:-2]}.0"
                found = [u for u in units.values() if u.is_content and u.path_ids and u.path_ids[-1] == heading]
                found = found or [
                    u
                    for u in units.values()
                    if u.kind == "heading" and len(u.path_ids) >= 2 and u.path_ids[-2] == heading
                ]
                return (document, found) if found else None
            if unit_id in units:
                return document, [units[unit_id]]
        return None

    def candidates(self, hit: Hit) -> list[Candidate]:
        """The quotable sentences of a document passage, aligned to their units when the index says which."""
        document = hit.record_id
        units = self.units.get(document)
        try:
            ids = json.loads(str(hit.metadata.get("units") or "[]"))
        except ValueError:
            ids = []
        if units is None or not ids or any(i not in units for i in ids):
            return self._from_text(hit)
        translated = bool(hit.metadata.get("translation_of"))
        translation = self.knowledge.translation(document, hit.lang) if translated else None
        if translated and translation is None:
            return self._from_text(hit)
        lead_in = int(hit.metadata.get("lead_in", 0) or 0)
        out: list[Candidate] = []
        for unit_id in ids[lead_in:]:
            unit = units[unit_id]
            if not unit.is_content:
                continue
            text = translation.texts.get(unit_id) if translation else unit.text
            if not text:
                continue
            section = self.section(document, unit, hit.lang)
            original_section = self.section(document, unit, unit_lang(self.knowledge, document)) if translated else ""
            for suffix, piece in quotable(unit, text):
                out.append(
                    Candidate(
                        piece,
                        section,
                        unit,
                        unit.text if translated else "",
                        original_section,
                        sentence_id(hit.id, unit_id, suffix),
                    )
                )
        return out

    def _from_text(self, hit: Hit) -> list[Candidate]:
        """Sentences split from the passage text (an index written before units had ids)."""
        first = str(hit.metadata.get("section", ""))
        inline = json.loads(str(hit.metadata.get("inline_sections") or "[]"))
        lead_in = int(hit.metadata.get("lead_in", 0) or 0)
        return [
            Candidate(sentence, section_at(hit.text, line, first, inline) if inline else first)
            for line, sentence in sentence_lines(hit.text, hit.lang, lead_in)
        ]


def unit_lang(knowledge: Knowledge, document: str) -> Lang:
    return knowledge.documents[document].meta.language


def document_code(document: str) -> str:
    """A short stable code for a document id (button data must fit in 64 bytes)."""
    return hashlib.sha1(document.encode()).hexdigest()[:4]


def _bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).lower()


def meta_titles(meta) -> list[str]:
    """A document's titles, also without a subtitle after a colon or an edition in brackets."""
    titles = [meta.title_ja, meta.title_en]
    short = [re.sub(r"\s*[（(].*?[)）]\s*$", "", t.split(":")[0]) for t in titles]
    return list(dict.fromkeys(titles + short))
