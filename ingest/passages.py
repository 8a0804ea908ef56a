"""Turn validated knowledge into index entries (passages), one per language where both exist.

Documents are chunked in their own language, and each chunk's sentences are also indexed on their
own (kind "sentence", never shown; retrieval blends them in across languages). Directory records
are written out in Japanese and in English (same record id, ``lang`` metadata apart), naming things
in both scripts so that a question in either language finds them. Ids are stable, and a content
hash tells ingestion what changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from ingest.chunking import Chunk, chunk_units
from ingest.loader import Knowledge
from ingest.record_texts import craft_text, kpi_text, program_text, venue_text
from ingest.schema import LANGS, KnowledgeDocument, Lang
from ingest.translations import DocumentTranslation
from ingest.units import Unit, document_units, in_context, quotable


@dataclass(frozen=True)
class Passage:
    """One entry of the index: what is embedded, what is stored, and how to cite it."""

    id: str
    record_id: str
    kind: str
    lang: Lang
    title: str
    section: str
    text: str
    url: str = ""
    source_file: str = ""
    extra: dict[str, str | int | float | bool] = field(default_factory=dict)

    @property
    def report_kind(self) -> str:
        """How ingestion reports and counts it: translations apart from original documents."""
        return "translation" if self.extra.get("translation_of") else self.kind

    @property
    def embed_text(self) -> str:
        """Title and section go into the embedded text: short chunks keep their context (a sentence
        keeps its heading when it is a list item or a table line)."""
        if self.kind in ("sentence", "heading"):
            return in_context(self.text, self.section)
        header = " > ".join(x for x in (self.title, self.section) if x)
        return f"{header}\n{self.text}" if header else self.text

    @property
    def content_hash(self) -> str:
        payload = "\x1f".join([self.kind, self.lang, self.title, self.section, self.text, self.url])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def metadata(self) -> dict[str, str | int | float | bool]:
        return {
            "record_id": self.record_id,
            "kind": self.kind,
            "lang": self.lang,
            "title": self.title,
            "section": self.section,
            "url": self.url,
            "source_file": self.source_file,
            "content_hash": self.content_hash,
            **self.extra,
        }


def _same_title(a: str, b: str) -> bool:
    """Equal but for spacing and character width ('金沢 KOGEI' = '金沢KOGEI')."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", a)) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", b))


def _title_depth(section: tuple[str, ...], title: str) -> int:
    """How many top headings of a path only repeat the document's title (dropped from citations)."""
    depth = 0
    while depth < len(section) and _same_title(section[depth], title):
        depth += 1
    return depth


def _section_label(section: tuple[str, ...], title: str) -> str:
    """The section path as cited: top headings that only repeat the document's title are dropped."""
    return " > ".join(section[_title_depth(section, title) :])


def _original_passage_id(doc_id: str, chunk: Chunk) -> str:
    return f"document:{doc_id}:{chunk.key}"


def _fully_served(chunk: Chunk, translation: DocumentTranslation | None) -> bool:
    """Every unit the chunk states is served in the other language (translated or covered by KPIs)."""
    return translation is not None and all(translation.covers(u.id) for u in chunk.content)


def document_passages(doc: KnowledgeDocument, knowledge: Knowledge | None = None) -> list[Passage]:
    """A document's chunks in its own language, each marked with whether a translation serves it."""
    meta = doc.meta
    title = meta.title(meta.language)
    other: Lang = "en" if meta.language == "ja" else "ja"
    translation = knowledge.translation(meta.id, other) if knowledge else None
    units = knowledge.units(meta.id) if knowledge else document_units(doc.body, meta.language)
    out = []
    for chunk in chunk_units(units, meta.language):
        out.append(
            Passage(
                id=_original_passage_id(meta.id, chunk),
                record_id=meta.id,
                kind="document",
                lang=meta.language,
                title=title,
                section=_section_label(chunk.section, title),
                text=chunk.text,
                url=str(meta.source_url or ""),
                source_file=doc.path,
                extra={
                    "is_table": chunk.is_table,
                    "lead_in": chunk.lead_in,
                    "inline_sections": json.dumps(
                        [_section_label(x, title) for x in chunk.inline_sections], ensure_ascii=False
                    ),
                    "units": json.dumps([u.id for u in chunk.units], ensure_ascii=False),
                    "translated": _fully_served(chunk, translation),
                },
            )
        )
    return out


def translated_passages(doc: KnowledgeDocument, knowledge: Knowledge) -> list[Passage]:
    """The document's chunks written in the other language from its aligned translation.

    Each lines up with one original passage (``translation_of``) and carries the section path in both
    languages; units without a current translation (stale, untranslated, or a KPI table the directory
    covers) are left out, and a chunk left with nothing to state gives no passage.
    """
    meta = doc.meta
    other: Lang = "en" if meta.language == "ja" else "ja"
    translation = knowledge.translation(meta.id, other)
    if translation is None:
        return []
    original_title = meta.title(meta.language)
    title = meta.title(other)
    units = {u.id: u for u in knowledge.units(meta.id)}

    def text_of(unit: Unit) -> str | None:
        return translation.texts.get(unit.id)

    def path_in_other(ids: tuple[str, ...], section: tuple[str, ...]) -> str:
        depth = _title_depth(section, original_title)
        return " > ".join(translation.texts.get(i) or units[i].text for i in ids[depth:])

    out = []
    for chunk in chunk_units(list(units.values()), meta.language):
        if not any(translation.texts.get(u.id) for u in chunk.content):
            continue
        text = chunk.render(text_of, other)
        inline = [u for u in chunk.units if u.kind == "heading" and translation.texts.get(u.id)]
        out.append(
            Passage(
                id=f"document:{meta.id}.{other}:{chunk.key}",
                record_id=meta.id,
                kind="document",
                lang=other,
                title=title,
                section=path_in_other(chunk.section_ids, chunk.section),
                text=text,
                url=str(meta.source_url or ""),
                source_file=translation.path,
                extra={
                    "is_table": chunk.is_table,
                    "lead_in": 1 if chunk.lead_in and translation.texts.get(chunk.units[0].id) else 0,
                    "inline_sections": json.dumps(
                        [path_in_other(u.path_ids, u.section) for u in inline], ensure_ascii=False
                    ),
                    "units": json.dumps([u.id for u in chunk.units if translation.texts.get(u.id)]),
                    "translation_of": _original_passage_id(meta.id, chunk),
                    "original_lang": meta.language,
                    "original_title": original_title,
                    "section_original": _section_label(chunk.section, original_title),
                    "translation_label": translation.label,
                },
            )
        )
    return out


def record_passages(k: Knowledge) -> list[Passage]:
    """Every directory record, once per language."""
    out: list[Passage] = []
    renderers = {
        "craft": (k.crafts, craft_text, lambda r: r.name),
        "venue": (k.venues, venue_text, lambda r: r.name),
        "program": (k.programs, program_text, lambda r: r.name),
        "kpi": (k.kpis, kpi_text, lambda r: r.indicator),
    }
    for kind, (records, render, title_of) in renderers.items():
        for rec in records.values():
            for lang in LANGS:
                url = ""
                if kind == "venue" and rec.website:
                    url = str(rec.website)
                extra: dict[str, str | int | float | bool] = {}
                if kind == "kpi":
                    extra["plan"] = rec.plan
                out.append(
                    Passage(
                        id=f"{kind}:{rec.id}:{lang}",
                        record_id=rec.id,
                        kind=kind,
                        lang=lang,
                        title=title_of(rec).get(lang),
                        section="",
                        text=render(rec, k, lang),
                        url=url,
                        source_file=k.files[f"{kind}:{rec.id}"],
                        extra=extra,
                    )
                )
    return out


def sentence_passages(passage: Passage, knowledge: Knowledge) -> list[Passage]:
    """Every quotable unit of a document passage (original or translated), embedded on its own.

    Two uses: the engine scores candidate quotes against the question with these stored vectors (no
    embedding at answer time), and retrieval blends a passage's best sentence into its similarity when
    it searches across languages (a short question matches one sentence far better than a whole chunk).
    They are never shown as such: quotes come from the passage's units.
    """
    if passage.kind != "document":
        return []
    document = passage.record_id
    units = {u.id: u for u in knowledge.units(document)}
    translation = knowledge.translation(document, passage.lang) if passage.extra.get("translation_of") else None
    ids = json.loads(str(passage.extra.get("units") or "[]"))
    lead_in = int(passage.extra.get("lead_in", 0) or 0)
    out = []
    for unit_id in ids[lead_in:]:
        unit = units.get(unit_id)
        if unit is None or not unit.is_content:
            continue
        text = translation.texts.get(unit_id) if translation else unit.text
        if not text:
            continue
        heading = units[unit.path_ids[-1]].text if unit.path_ids else ""
        if translation and unit.path_ids:
            heading = translation.texts.get(unit.path_ids[-1]) or heading
        for suffix, piece in quotable(unit, text):
            out.append(
                Passage(
                    id=sentence_id(passage.id, unit_id, suffix),
                    record_id=document,
                    kind="sentence",
                    lang=passage.lang,
                    title="",
                    section=heading,
                    text=piece,
                    source_file=passage.source_file,
                    extra={"parent": passage.id, "unit": unit_id},
                )
            )
    return out


def heading_passages(doc: KnowledgeDocument, knowledge: Knowledge) -> list[Passage]:
    """Every heading of a document, in its own language and in its translation's, with its parent heading."""
    meta = doc.meta
    units = {u.id: u for u in knowledge.units(meta.id)}
    other: Lang = "en" if meta.language == "ja" else "ja"
    translation = knowledge.translation(meta.id, other)
    out = []
    for lang, texts, prefix in (
        (meta.language, None, meta.id),
        (other, translation.texts if translation else {}, f"{meta.id}.{other}"),
    ):
        if texts is not None and not texts:
            continue
        for unit in units.values():
            if unit.kind != "heading" or unit.level == 1:
                continue
            text = texts.get(unit.id) if texts is not None else unit.text
            if not text:
                continue
            parent_id = unit.path_ids[-2] if len(unit.path_ids) >= 2 else ""
            parent = (texts.get(parent_id) if texts is not None else units[parent_id].text) if parent_id else ""
            out.append(
                Passage(
                    id=f"heading:{prefix}:{unit.id}",
                    record_id=meta.id,
                    kind="heading",
                    lang=lang,
                    title="",
                    section=parent or "",
                    text=text,
                    source_file=doc.path if texts is None else translation.path,
                    extra={"unit": unit.id, "translated": texts is not None},
                )
            )
    return out


def sentence_id(passage_id: str, unit_id: str, suffix: str = "") -> str:
    """The index entry of one quotable piece of a passage (the engine looks its vectors up by it)."""
    return f"sentence:{passage_id.split(':', 1)[1]}:{unit_id}{suffix}"


def all_passages(k: Knowledge) -> list[Passage]:
    out = [p for doc in k.documents.values() for p in document_passages(doc, k)]
    out += [p for doc in k.documents.values() for p in translated_passages(doc, k)]
    out += [s for p in list(out) for s in sentence_passages(p, k)]
    out += [h for doc in k.documents.values() for h in heading_passages(doc, k)]
    out += record_passages(k)
    seen: set[str] = set()
    for p in out:
        if p.id in seen:  # defensive: ids must be unique for the manifest diff to be right
            raise ValueError(f"duplicate passage id {p.id}")
        seen.add(p.id)
    return out
