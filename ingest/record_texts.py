"""How a directory record reads as an index passage, in Japanese and in English.

Each record is written once per language, naming things in both scripts (「九谷焼（くたにやき、Kutani ware）」)
so that a question in either language finds it; KPI values keep their printed labels, with the Western
fiscal year added in English.
"""

from __future__ import annotations

from ingest.fiscal import western_year
from ingest.loader import Knowledge
from ingest.schema import Craft, Kpi, Lang, Program, Venue

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


def craft_text(c: Craft, k: Knowledge, lang: Lang) -> str:
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


def venue_text(v: Venue, k: Knowledge, lang: Lang) -> str:
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


def program_text(p: Program, k: Knowledge, lang: Lang) -> str:
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


def kpi_text(kpi: Kpi, k: Knowledge, lang: Lang) -> str:
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
