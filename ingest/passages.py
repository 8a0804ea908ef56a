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

from ingest.chunking import chunk_markdown, split_sentences
from ingest.fiscal import western_year
from ingest.loader import Knowledge
from ingest.schema import LANGS, Craft, KnowledgeDocument, Kpi, Lang, Program, Venue

KIND_LABELS = {
    "ja": {"see": "見る", "buy": "買う", "learn": "学ぶ", "try": "体験する"},
    "en": {"see": "see", "buy": "buy", "learn": "learn", "try": "try (hands-on)"},
}
ROLE_LABELS = {
    "ja": {"baseline": "基準値", "current": "現状値", "target": "目標値"},
    "en": {"baseline": "baseline", "current": "current", "target": "target"},
}
CATEGORY_LABELS = {
    "ja": {
        "national_designated": "国指定伝統的工芸品",
        "rare_traditional": "希少伝統工芸",
        "utatsuyama_subject": "卯辰山工芸工房の研修分野",
    },
    "en": {
        "national_designated": "nationally designated traditional craft",
        "rare_traditional": "rare traditional craft",
        "utatsuyama_subject": "training field of the Utatsuyama Craft Workshop",
    },
}


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
    def embed_text(self) -> str:
        """Title and section go into the embedded text: short chunks keep their context."""
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


def _section_key(section: tuple[str, ...]) -> str:
    return hashlib.sha1(" > ".join(section).encode("utf-8")).hexdigest()[:10]


def _same_title(a: str, b: str) -> bool:
    """Equal but for spacing and character width ('金沢 KOGEI' = '金沢KOGEI')."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", a)) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", b))


def _section_label(section: tuple[str, ...], title: str) -> str:
    """The section path as cited: top headings that only repeat the document's title are dropped."""
    while section and _same_title(section[0], title):
        section = section[1:]
    return " > ".join(section)


def document_passages(doc: KnowledgeDocument) -> list[Passage]:
    meta = doc.meta
    title = meta.title(meta.language)
    out = []
    for chunk in chunk_markdown(doc.body, meta.language):
        out.append(
            Passage(
                id=f"document:{meta.id}:{_section_key(chunk.section)}:{chunk.ordinal}",
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
                },
            )
        )
    return out


def _both(names: dict[str, str], lang: Lang) -> str:
    """'Primary (other)' naming, so either script matches."""
    other: Lang = "en" if lang == "ja" else "ja"
    return f"{names[lang]} ({names[other]})" if names[lang] != names[other] else names[lang]


def _craft_text(c: Craft, k: Knowledge, lang: Lang) -> str:
    venues = [v for v in k.venues.values() if c.id in v.crafts]
    if lang == "ja":
        lines = [
            f"{c.name.ja}（{c.reading_ja}、{c.name.en}）",
            f"種別: {CATEGORY_LABELS['ja'][c.category]}",
            c.description.ja,
        ]
        if venues:
            lines.append("見る・買う・体験できる場所: " + "、".join(v.name.ja for v in venues))
    else:
        aliases = f"; also called {', '.join(c.aliases_en)}" if c.aliases_en else ""
        lines = [
            f"{c.name.en} ({c.name.ja}, {c.reading_ja}{aliases})",
            f"Category: {CATEGORY_LABELS['en'][c.category]}",
            c.description.en,
        ]
        if venues:
            lines.append("Where to see, buy or try it: " + "; ".join(v.name.en for v in venues))
    return "\n".join(lines)


def _venue_text(v: Venue, k: Knowledge, lang: Lang) -> str:
    kinds = ("・" if lang == "ja" else ", ").join(KIND_LABELS[lang][x] for x in v.kinds)
    crafts = [k.crafts[c] for c in v.crafts]
    if lang == "ja":
        lines = [f"{v.name.ja}（{v.name.en}）", f"できること: {kinds}", f"エリア: {v.area.ja}"]
        if crafts:
            lines.append("工芸: " + "、".join(c.name.ja for c in crafts))
        if v.address.ja:
            lines.append(f"住所: {v.address.ja}")
        lines.append(v.summary.ja)
        if v.hands_on:
            lines.append(f"体験: {v.hands_on.description.ja}")
    else:
        lines = [f"{v.name.en} ({v.name.ja})", f"What you can do: {kinds}", f"Area: {v.area.en}"]
        if crafts:
            lines.append("Crafts: " + "; ".join(f"{c.name.en} ({c.name.ja})" for c in crafts))
        address = v.address.en or v.address.ja
        if address:
            lines.append(f"Address: {address}")
        lines.append(v.summary.en)
        if v.hands_on:
            lines.append(f"Hands-on: {v.hands_on.description.en}")
    return "\n".join(lines)


def _program_text(p: Program, k: Knowledge, lang: Lang) -> str:
    kpis = [k.kpis[link.kpi] for link in p.related_kpis]
    if lang == "ja":
        lines = [f"{p.name.ja}（{p.name.en}）", f"主催・運営: {p.organizer.ja}", p.summary.ja]
        if kpis:
            lines.append("関連指標: " + "、".join(x.indicator.ja for x in kpis))
    else:
        lines = [f"{p.name.en} ({p.name.ja})", f"Organizer: {p.organizer.en}", f"For: {', '.join(p.audience)}"]
        lines.append(p.summary.en)
        if kpis:
            lines.append("Related indicators: " + "; ".join(x.indicator.en for x in kpis))
    return "\n".join(lines)


def _kpi_text(kpi: Kpi, k: Knowledge, lang: Lang) -> str:
    plan = k.documents[kpi.plan].meta
    if lang == "ja":
        values = "、".join(
            f"{ROLE_LABELS['ja'][v.role]} {v.value_as_printed}（{v.label_as_printed}）" for v in kpi.values
        )
        return "\n".join([f"指標: {kpi.indicator.ja}", f"計画: {plan.title_ja}", f"区分: {kpi.section}", values])
    values = "; ".join(
        f"{ROLE_LABELS['en'][v.role]} {v.value_as_printed} ({v.label_as_printed}"
        + (f" = {western_year(v.label_as_printed)}" if western_year(v.label_as_printed) else "")
        + ")"
        for v in kpi.values
    )
    return "\n".join(
        [
            f"Indicator: {kpi.indicator.en} ({kpi.indicator.ja})",
            f"Plan: {plan.title_en}",
            f"Section: {kpi.section}",
            f"Unit: {kpi.unit.en}",
            values,
        ]
    )


def record_passages(k: Knowledge) -> list[Passage]:
    """Every directory record, once per language."""
    out: list[Passage] = []
    renderers = {
        "craft": (k.crafts, _craft_text, lambda r: r.name),
        "venue": (k.venues, _venue_text, lambda r: r.name),
        "program": (k.programs, _program_text, lambda r: r.name),
        "kpi": (k.kpis, _kpi_text, lambda r: r.indicator),
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


def sentence_passages(passage: Passage) -> list[Passage]:
    """The sentences (and list lines) of a document passage, each embedded on its own.

    A chunk's vector averages everything in it, so a question about one statement ("vegetarian
    restaurants") matches the chunk weakly, above all from the other language; retrieval blends in
    the chunk's best sentence (bot/retrieval.py). They are never shown: quotes come from the chunk.
    """
    return [
        Passage(
            id=f"sentence:{passage.id.split(':', 1)[1]}:{n}",
            record_id=passage.record_id,
            kind="sentence",
            lang=passage.lang,
            title="",
            section="",
            text=sentence,
            source_file=passage.source_file,
            extra={"parent": passage.id},
        )
        for n, sentence in enumerate(split_sentences(passage.text, passage.lang, int(passage.extra.get("lead_in", 0))))
    ]


def all_passages(k: Knowledge) -> list[Passage]:
    out = [p for doc in k.documents.values() for p in document_passages(doc)]
    out += [s for p in list(out) for s in sentence_passages(p)]
    out += record_passages(k)
    seen: set[str] = set()
    for p in out:
        if p.id in seen:  # defensive: ids must be unique for the manifest diff to be right
            raise ValueError(f"duplicate passage id {p.id}")
        seen.add(p.id)
    return out
