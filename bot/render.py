"""Answers written from the directory's fields, in the user's language, with numbered citations.

Nothing here invents: every name, address, figure and label comes from a record. Reported hours and
prices are always labelled as reported and to be checked; KPI values keep their printed fiscal-year
label, with the Western fiscal year added in English.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote_plus

from bot.models import Answer, Place, SourceRef
from ingest.fiscal import western_year
from ingest.loader import Knowledge
from ingest.passages import CATEGORY_LABELS, KIND_LABELS, ROLE_LABELS
from ingest.schema import Craft, DocumentMeta, Kpi, Lang, Program, Source, Venue

AUDIENCE_LABELS = {
    "ja": {
        "tourists": "観光客",
        "students": "学生",
        "children": "子ども",
        "artisans": "作り手・職人",
        "businesses": "事業者",
        "citizens": "市民",
    },
    "en": {
        "tourists": "tourists",
        "students": "students",
        "children": "children",
        "artisans": "artisans",
        "businesses": "businesses",
        "citizens": "citizens",
    },
}
CHECK_BEFORE_VISITING = {
    "ja": "営業時間・料金・体験内容は変わることがあります。訪問前に必ず各施設にご確認ください。",
    "en": "Hours, prices and hands-on menus change: check with the venue before visiting.",
}
CONFIDENCE_NOTE = {
    "ja": {
        "high": "情報の確度: 高（公式情報で確認）",
        "medium": "情報の確度: 中（二次情報に基づく）",
        "low": "情報の確度: 低",
    },
    "en": {
        "high": "Confidence: high (confirmed on an official page)",
        "medium": "Confidence: medium (based on secondary sources)",
        "low": "Confidence: low",
    },
}


def map_url(venue: Venue) -> str:
    """A map search link: coordinates when the data has them, otherwise the Japanese address."""
    if venue.location:
        return f"https://www.google.com/maps/search/?api=1&query={venue.location.latitude},{venue.location.longitude}"
    address = venue.address.ja or venue.address.en
    if address:
        return f"https://www.google.com/maps/search/?api=1&query={quote_plus(address)}"
    return ""


def place_of(venue: Venue, lang: Lang) -> Place:
    return Place(
        venue_id=venue.id,
        name=venue.name.get(lang),
        address=venue.address.ja or venue.address.en or "",
        latitude=venue.location.latitude if venue.location else None,
        longitude=venue.location.longitude if venue.location else None,
        website=str(venue.website or ""),
        map_url=map_url(venue),
        confidence=venue.confidence,
    )


def original_lines(answer: Answer) -> list[str]:
    """The original of every quote the answer gives in the guide's translation, one line each (plain text)."""
    label = "原文" if answer.language == "ja" else "original"
    return [f"  {label} [{q.n}]: {q.original}" for q in answer.quotes if q.translated and q.original]


class Citations:
    """Numbered sources, each cited once."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        self.refs: list[SourceRef] = []

    def cite(
        self, ref_id: str, kind: str, title: str, url: str = "", section: str = "", lang: str = "", **extra: str
    ) -> str:
        label = extra.get("translation_label", "")
        for ref in self.refs:
            if ref.id == ref_id and ref.section == section and ref.translation_label == label:
                return f"[{ref.n}]"
        self.refs.append(
            SourceRef(
                n=len(self.refs) + 1, id=ref_id, kind=kind, title=title, section=section, url=url, lang=lang, **extra
            )
        )
        return f"[{len(self.refs)}]"

    def cite_translation(self, hit, candidate) -> str:
        """A quote from the guide's translation: the document in the user's language and in its own."""
        meta = hit.metadata
        return self.cite(
            hit.record_id,
            "document",
            str(meta["title"]),
            str(meta.get("url", "")),
            candidate.section,
            str(meta.get("original_lang", "")),
            translation_label=str(meta.get("translation_label", "")),
            original_title=str(meta.get("original_title", "")),
            original_section=candidate.section_original,
        )

    def primary_url(self, sources: list[Source]) -> str:
        for s in sources:
            if s.url:
                return str(s.url)
        for s in sources:
            doc = self.knowledge.documents.get(s.document or "")
            if doc and doc.meta.source_url:
                return str(doc.meta.source_url)
        return ""

    def record(self, kind: str, record: Craft | Venue | Program, lang: Lang) -> str:
        url = str(record.website) if isinstance(record, Venue) and record.website else ""
        return self.cite(record.id, kind, record.name.get(lang), url or self.primary_url(record.sources), lang=lang)

    def document(self, doc: DocumentMeta, lang: Lang) -> str:
        """A whole document (no section), cited in the user's language."""
        return self.cite(doc.id, "document", doc.title(lang), str(doc.source_url or ""), "", doc.language)

    def kpi(self, kpi: Kpi, lang: Lang) -> str:
        plan = self.knowledge.documents[kpi.plan].meta
        return self.cite(kpi.plan, "document", plan.title(lang), str(plan.source_url or ""), kpi.section, plan.language)


def _crafts_of(venue: Venue, k: Knowledge, lang: Lang) -> str:
    names = [k.crafts[c].name.get(lang) for c in venue.crafts if c in k.crafts]
    return ("、" if lang == "ja" else "; ").join(names)


VENUE_LABELS = {
    "ja": {
        "bullet": "・",
        "kinds": "できること",
        "crafts": "工芸",
        "about": "概要",
        "hands_on": "体験（報告ベース）",
        "booking": "予約（報告ベース）",
        "address": "住所",
        "website": "ウェブサイト",
        "map": "地図",
        "hours": "営業時間・料金（報告ベース・要確認）",
    },
    "en": {
        "bullet": "• ",
        "kinds": "What you can do",
        "crafts": "Crafts",
        "about": "About",
        "hands_on": "Hands-on (as reported)",
        "booking": "Booking (as reported)",
        "address": "Address",
        "website": "Website",
        "map": "Map",
        "hours": "Hours/prices (reported; check before visiting)",
    },
}


def _address(venue: Venue, lang: Lang) -> str:
    """Japanese first (what a map or a taxi needs); in English with the romanisation, marked if unofficial."""
    if lang == "ja" or not venue.address.en:
        return venue.address.ja or ""
    note = " (unofficial romanisation)" if venue.address.en_is_transliteration else ""
    return f"{venue.address.ja} / {venue.address.en}{note}" if venue.address.ja else f"{venue.address.en}{note}"


def venue_lines(venue: Venue, k: Knowledge, lang: Lang, cite: str, full: bool = True, hours: bool = False) -> list[str]:
    """A venue as a few labelled lines (full: everything a tourist needs)."""
    label = VENUE_LABELS[lang]
    kinds = ("・" if lang == "ja" else ", ").join(KIND_LABELS[lang][x] for x in venue.kinds)
    other = venue.name.en if lang == "ja" else venue.name.ja
    fields: list[tuple[str, str]] = [("kinds", kinds)]
    if full and venue.crafts:
        fields.append(("crafts", _crafts_of(venue, k, lang)))
    if full:
        fields.append(("about", venue.summary.get(lang)))
    if venue.hands_on:
        fields.append(("hands_on", venue.hands_on.description.get(lang)))
        if venue.hands_on.reservation_as_reported:
            fields.append(("booking", venue.hands_on.reservation_as_reported.get(lang)))
    fields += [("address", _address(venue, lang)), ("website", str(venue.website or "")), ("map", map_url(venue))]
    if (full or hours) and venue.hours_as_reported:
        fields.append(("hours", venue.hours_as_reported.get(lang)))
    lines = [f"{venue.name.get(lang)} ({other}) — {venue.area.get(lang)} {cite}"]
    lines += [f"{label['bullet']}{label[key]}: {value}" for key, value in fields if value]
    lines.append(f"{label['bullet']}{CONFIDENCE_NOTE[lang][venue.confidence]}")
    return lines


def render_venue(venue: Venue, k: Knowledge, lang: Lang, cites: Citations) -> str:
    lines = venue_lines(venue, k, lang, cites.record("venue", venue, lang))
    lines.append("")
    lines.append(CHECK_BEFORE_VISITING[lang])
    return "\n".join(lines)


def venues_for(craft_ids: list[str], kinds: list[str], k: Knowledge) -> list[Venue]:
    """Venues whose record offers one of these crafts with one of these kinds (any kind when none asked).

    "try" counts only crafts the hands-on offer itself names: a museum that shows twenty crafts and
    runs hands-on sessions does not let you try all twenty.
    """
    wanted = kinds or ["see", "buy", "learn", "try"]
    out = [v for v in k.venues.values() if any(v.offers(c, kind) for c in craft_ids for kind in wanted)]
    order = {c: n for n, c in enumerate(craft_ids)}
    return sorted(
        out,
        key=lambda v: (
            min(order.get(c, 99) for c in v.crafts),  # the craft asked about most specifically first
            len(v.crafts),  # specialists before places that show everything
            v.confidence != "high",
        ),
    )


def render_venue_list(
    craft_ids: list[str],
    kinds: list[str],
    venues: list[Venue],
    k: Knowledge,
    lang: Lang,
    cites: Citations,
    limit: int,
    with_hours: bool = False,
) -> str:
    craft_names = ("、" if lang == "ja" else " / ").join(
        f"{k.crafts[c].name.get(lang)}" + (f" ({k.crafts[c].name.ja})" if lang == "en" else "") for c in craft_ids[:2]
    )
    verb = {
        "ja": {"try": "体験できる", "buy": "買える", "see": "見られる", "learn": "学べる"},
        "en": {"try": "try", "buy": "buy", "see": "see", "learn": "learn about"},
    }[lang]
    if lang == "ja":
        what = "・".join(verb[x] for x in kinds) if kinds else "見る・買う・体験できる"
        lines = [f"{craft_names}を{what}場所（ディレクトリより）:"]
    else:
        what = " or ".join(verb[x] for x in kinds) if kinds else "see, buy or try"
        lines = [f"Places to {what} {craft_names}, from the directory:"]
    for n, venue in enumerate(venues[:limit], 1):
        block = venue_lines(venue, k, lang, cites.record("venue", venue, lang), full=False, hours=with_hours)
        lines.append("")
        lines.append(f"{n}. {block[0]}")
        lines.extend(f"   {line}" for line in block[1:])
    if len(venues) > limit:
        rest = ("、" if lang == "ja" else "; ").join(v.name.get(lang) for v in venues[limit:])
        lines.append("")
        lines.append(f"{'ほかに' if lang == 'ja' else 'Also'}: {rest}")
    lines.append("")
    lines.append(CHECK_BEFORE_VISITING[lang])
    return "\n".join(lines)


def render_craft(craft: Craft, k: Knowledge, lang: Lang, cites: Citations) -> str:
    cite = cites.record("craft", craft, lang)
    if lang == "ja":
        lines = [
            f"{craft.name.ja}（{craft.reading_ja}、{craft.name.en}）{cite}",
            f"種別: {CATEGORY_LABELS['ja'][craft.category]}",
        ]
    else:
        lines = [
            f"{craft.name.en} ({craft.name.ja}, {craft.reading_ja}) {cite}",
            f"Category: {CATEGORY_LABELS['en'][craft.category]}",
        ]
    lines.append(craft.description.get(lang))
    where = []
    for kind in ("see", "buy", "try"):
        venues = venues_for([craft.id], [kind], k)
        if venues:
            names = ("、" if lang == "ja" else "; ").join(
                f"{v.name.get(lang)} {cites.record('venue', v, lang)}" for v in venues[:4]
            )
            where.append(f"{'・' if lang == 'ja' else '• '}{KIND_LABELS[lang][kind]}: {names}")
    if where:
        lines.append("")
        lines.append("見る・買う・体験できる場所:" if lang == "ja" else "Where to see, buy or try it:")
        lines.extend(where)
        lines.append(CHECK_BEFORE_VISITING[lang])
    return "\n".join(lines)


CRAFT_LIST_LABELS = {
    "ja": {
        "national_designated": "国指定伝統的工芸品",
        "rare_traditional": "希少伝統工芸",
        "utatsuyama_subject": "金沢卯辰山工芸工房で研修が行われる科目",
    },
    "en": {
        "national_designated": "Nationally designated traditional crafts",
        "rare_traditional": "Rare traditional crafts",
        "utatsuyama_subject": "Fields taught at the Kanazawa Utatsuyama Craft Workshop",
    },
}
_CAN_JA = {"see": "見られる", "buy": "買える", "learn": "学べる", "try": "体験できる"}
CRAFT_LIST_MORE = {
    "ja": "どれか一つについて尋ねると、概要と見る・買う・体験できる場所をお伝えします"
    "（例:「九谷焼とは？」「金箔はどこで体験できる？」）。",
    "en": "Ask about any one of them for what it is and where to see, buy or try it "
    "(e.g. 'What is Kutani ware?', 'Where can I try gold leaf?').",
}


def render_craft_list(
    k: Knowledge, lang: Lang, cites: Citations, categories: list[str] | None = None, kinds: list[str] | None = None
) -> str:
    """Kanazawa's crafts by category, as the KOGEI Action Plan lists them (the directory's craft records).

    With ``kinds`` (see / buy / try), only the crafts some directory venue offers that way.
    """
    # The document the craft records cite most: the plan that lists the crafts by category.
    cited = Counter(s.document for c in k.crafts.values() for s in c.sources if s.document in k.documents)
    plan = k.documents[cited.most_common(1)[0][0]].meta if cited else None
    cite = ""
    if plan is not None:
        cite = cites.document(plan, lang)
    if kinds and lang == "ja":
        intro = f"ディレクトリに{'・'.join(_CAN_JA[x] for x in kinds)}場所が載っている工芸です"
    elif kinds:
        intro = f"Crafts the directory lists places to {' or '.join(KIND_LABELS[lang][x] for x in kinds)}"
    else:
        intro = "金沢の工芸です" if lang == "ja" else "The crafts of Kanazawa"
    if plan is not None:
        intro += f"（分類は{plan.title_ja}による）" if lang == "ja" else f", grouped as in the {plan.title_en}"
    lines = [f"{intro} {cite}:".replace(" :", ":")]
    wanted = categories or list(CRAFT_LIST_LABELS[lang])
    for category in wanted:
        crafts = [c for c in k.crafts.values() if c.category == category]
        if kinds:
            crafts = [c for c in crafts if venues_for([c.id], kinds, k)]
        if not crafts:
            continue
        label = CRAFT_LIST_LABELS[lang][category]
        if lang == "ja":
            names = "、".join(c.name.ja for c in crafts)
            lines.append(f"・{label}（{len(crafts)}）: {names}")
        else:
            names = "; ".join(f"{c.name.en} ({c.name.ja})" for c in crafts)
            lines.append(f"• {label} ({len(crafts)}): {names}")
    lines.append("")
    lines.append(CRAFT_LIST_MORE[lang])
    return "\n".join(lines)


def kpi_value_lines(kpi: Kpi, lang: Lang) -> list[str]:
    lines = []
    for v in kpi.values:
        role = ROLE_LABELS[lang][v.role]
        if lang == "ja":
            lines.append(f"・{role}: {v.value_as_printed}（{v.label_as_printed}）")
        else:
            western = western_year(v.label_as_printed)
            label = f"{v.label_as_printed} = {western}" if western else v.label_as_printed
            lines.append(f"• {role.capitalize()}: {v.value_as_printed} ({label})")
    return lines


def render_kpi(kpi: Kpi, k: Knowledge, lang: Lang, cites: Citations, focus: str | None = None) -> str:
    plan = k.documents[kpi.plan].meta
    cite = cites.kpi(kpi, lang)
    if lang == "ja":
        lines = [f"{kpi.indicator.ja} {cite}", f"計画: {plan.title_ja}", f"区分: {kpi.section}"]
        if plan.plan_period:
            lines.append(f"計画期間: {plan.plan_period}")
    else:
        section = k.section_in(kpi.plan, kpi.section, "en")
        section = f"{section} ({kpi.section})" if section else kpi.section
        lines = [f"{kpi.indicator.en} ({kpi.indicator.ja}) {cite}", f"Plan: {plan.title_en}", f"Section: {section}"]
        if plan.plan_period:
            lines.append(f"Plan period: {plan.plan_period}")
    roles = {v.role for v in kpi.values}
    if focus and focus not in roles:
        missing = {
            "ja": f"この計画には、この指標の{ROLE_LABELS['ja'][focus]}は記載されていません。",
            "en": f"The plan gives no {ROLE_LABELS['en'][focus]} for this indicator.",
        }[lang]
        lines.append(missing)
    lines.extend(kpi_value_lines(kpi, lang))
    lines.append(f"{'単位' if lang == 'ja' else 'Unit'}: {kpi.unit.get(lang)}")
    if kpi.measurement_method_as_printed:
        lines.append(f"{'把握方法' if lang == 'ja' else 'Measured by'}: {kpi.measurement_method_as_printed}")
    if kpi.garbled:
        lines.append(
            "注意: 原資料の表の抽出が乱れており、この数値の対応づけは推定です。原本でご確認ください。"
            if lang == "ja"
            else "Caution: the plan's table is garbled in the source text, so this figure's attribution is an "
            "inference. Check the original plan."
        )
    return "\n".join(lines)


def render_program(program: Program, k: Knowledge, lang: Lang, cites: Citations) -> str:
    cite = cites.record("program", program, lang)
    other = program.name.en if lang == "ja" else program.name.ja
    audience = ("・" if lang == "ja" else ", ").join(AUDIENCE_LABELS[lang][a] for a in program.audience)
    if lang == "ja":
        lines = [
            f"{program.name.ja}（{other}）{cite}",
            program.summary.ja,
            f"・対象: {audience}",
            f"・主催・運営: {program.organizer.ja}",
        ]
    else:
        lines = [
            f"{program.name.en} ({other}) {cite}",
            program.summary.en,
            f"• For: {audience}",
            f"• Organizer: {program.organizer.en}",
        ]
    if program.related_venues:
        names = ("、" if lang == "ja" else "; ").join(
            k.venues[v].name.get(lang) for v in program.related_venues if v in k.venues
        )
        lines.append(f"{'・関連施設' if lang == 'ja' else '• Related places'}: {names}")
    for link in program.related_kpis[:3]:
        kpi = k.kpis.get(link.kpi)
        if kpi is None:
            continue
        kcite = cites.kpi(kpi, lang)
        lines.append(f"{'・関連指標' if lang == 'ja' else '• Related indicator'}: {kpi.indicator.get(lang)} {kcite}")
        lines.extend(f"   {line}" for line in kpi_value_lines(kpi, lang))
    if not program.public_information_found:
        lines.append(
            "公開されている現在の募集・日程の情報は見つかっていません。主催者にお問い合わせください。"
            if lang == "ja"
            else "No public page about the current programme (dates, how to apply) was found: ask the organizer."
        )
    return "\n".join(lines)


def render_plan_kpis(doc: DocumentMeta, k: Knowledge, lang: Lang, cites: Citations) -> str:
    """The plan's indicators the directory records, each with its values and fiscal-year labels exactly as printed.

    Repeated entries (〔再掲〕) are left out: the indicator is already listed where the plan first sets it.
    """
    cite = cites.document(doc, lang)
    kpis = [kpi for kpi in k.kpis.values() if kpi.plan == doc.id and "再掲" not in kpi.indicator.ja]
    # The directory records a selection of each plan's indicators, so the list never claims to be complete.
    if lang == "ja":
        lines = [f"{doc.title_ja}の指標（KPI）のうち、このガイドのディレクトリに収録しているもの {cite}"]
        if doc.plan_period:
            lines.append(f"計画期間: {doc.plan_period}")
    else:
        lines = [f"Indicators (KPIs) of the {doc.title_en} recorded in this guide's directory {cite}"]
        if doc.plan_period:
            lines.append(f"Plan period: {doc.plan_period}")
    for kpi in kpis:
        values = [line.lstrip("・• ") for line in kpi_value_lines(kpi, lang)]
        name = kpi.indicator.ja if lang == "ja" else f"{kpi.indicator.en} ({kpi.indicator.ja})"
        flag = (" ※表の抽出が乱れており推定" if lang == "ja" else " (garbled table: inferred)") if kpi.garbled else ""
        lines.append(f"{'・' if lang == 'ja' else '• '}{name}: {'; '.join(values)}{flag}")
    lines.append("")
    lines.append(
        "計画本体にはほかの指標もある場合があります。指標名で尋ねると、単位・把握方法・計画の区分もお伝えします。"
        if lang == "ja"
        else "The plan itself may set more indicators than these. Ask about one by name for its unit, how it is "
        "measured and the plan section."
    )
    return "\n".join(lines)


def render_plan(doc: DocumentMeta, lang: Lang, cites: Citations) -> str:
    """A plan's identity card from its front matter: title, publisher, edition, period."""
    cite = cites.document(doc, lang)
    other = doc.title_en if lang == "ja" else doc.title_ja
    if lang == "ja":
        lines = [f"{doc.title_ja}（{other}）{cite}", f"・発行: {doc.publisher_ja}"]
        if doc.revision:
            lines.append(f"・策定・改定: {doc.revision}")
        if doc.plan_period:
            lines.append(f"・計画期間: {doc.plan_period}")
    else:
        lines = [f"{doc.title_en} ({other}) {cite}", f"• Publisher: {doc.publisher_en}"]
        if doc.revision:
            lines.append(f"• Issued / revised (as printed): {doc.revision}")
        if doc.plan_period:
            lines.append(f"• Plan period: {doc.plan_period}")
    return "\n".join(lines)
