"""Blocks as Telegram HTML: names in bold, "Map" and "Website" as links (never raw percent-encoded
URLs), a short venue list whose details sit behind buttons (bot/tg/keyboards.py), sources as links."""

from __future__ import annotations

import html

from bot.core.blocks import (
    CardBlock,
    ContactsBlock,
    KpiBlock,
    ListBlock,
    NoticeBlock,
    QuotesBlock,
    TopicsBlock,
    VenueListBlock,
)
from bot.models import Answer
from bot.render.plain import _kinds, distance, notice_params
from bot.strings import t

LINK_LABELS = ("venue.website", "venue.map")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>' if url else ""


def _card(block: CardBlock, lang: str) -> list[str]:
    other = f" ({esc(block.other_name)})" if block.other_name else ""
    subtitle = t(block.subtitle, lang) if block.subtitle.startswith("category.") else block.subtitle
    lines = [f"<b>{esc(block.title)}</b>{other}{' — ' + esc(subtitle) if subtitle else ''} [{block.cite}]"]
    if block.summary:
        lines.append(esc(block.summary))
    links = []
    for field in block.fields:
        if field.label in LINK_LABELS:
            links.append(link(field.value, t(field.label, lang)))
            continue
        value = field.value
        if field.label == "venue.kinds":
            value = _kinds(value.split(","), lang)
        elif field.label == "program.audience":
            value = ("・" if lang == "ja" else ", ").join(t(f"audience.{a}", lang) for a in value.split(","))
        elif field.label == "plan.language":
            value = t(f"language.{value}", lang)
        label = esc(t(field.label, lang))
        lines.append(f"• <b>{label}</b>: {esc(value)}" if value else f"<i>{label}</i>")
    if links:
        lines.append(" · ".join(links))
    return lines


def _venues(block: VenueListBlock, lang: str) -> list[str]:
    lines = [f"<b>{esc(t(block.heading, lang, **notice_params(block.params, lang)))}</b>"]
    for n, item in enumerate(block.items, 1):
        where = f" · {distance(item.distance_m, lang, item.distance_approx)}" if item.distance_m is not None else ""
        lines.append(f"{n}. <b>{esc(item.name)}</b> ({esc(item.other_name)}) — {esc(item.area)}{where} [{item.cite}]")
        detail = item.hands_on or item.hours or item.booking
        if detail:
            lines.append(f"   <i>{esc(detail[:160])}{'…' if len(detail) > 160 else ''}</i>")
        links = [
            x for x in (link(item.map_url, t("venue.map", lang)), link(item.website, t("venue.website", lang))) if x
        ]
        if links:
            lines.append("   " + " · ".join(links))
    if block.more:
        lines.append(f"{esc(t('also', lang))}: +{block.more}")
    return lines


def _kpi(block: KpiBlock, lang: str) -> list[str]:
    other = f" ({esc(block.indicator_other)})" if block.indicator_other else ""
    section = block.section + (f" ({block.section_original})" if block.section_original else "")
    lines = [
        f"<b>{esc(block.indicator)}</b>{other} [{block.cite}]",
        f"{esc(t('kpi.plan', lang))}: {esc(block.plan)}",
        f"<i>{esc(section)}</i>",
    ]
    for row in block.rows:
        role = t(f"role.{row.role}", lang)
        label = f"{row.label} = {row.western}" if lang == "en" and row.western else row.label
        lines.append(f"• {esc(role.capitalize() if lang == 'en' else role)}: <b>{esc(row.value)}</b> ({esc(label)})")
    lines.append(f"{esc(t('kpi.unit', lang))}: {esc(block.unit)}")
    if block.method:
        lines.append(f"{esc(t('kpi.method', lang))}: {esc(block.method)}")
    return lines


def block_html(block, lang: str) -> list[str]:
    if isinstance(block, NoticeBlock):
        return [esc(t(block.key, lang, **notice_params(block.params, lang)))]
    if isinstance(block, CardBlock):
        return _card(block, lang)
    if isinstance(block, VenueListBlock):
        return _venues(block, lang)
    if isinstance(block, KpiBlock):
        return _kpi(block, lang)
    if isinstance(block, QuotesBlock):
        lines = [esc(t("the_sources_say", lang))]
        for item in block.items:
            if item.items:
                lines.append(f"<b>{esc(item.text)}</b> [{item.cite}]")
                lines += [f"• {esc(x)}" for x in item.items]
            else:
                heading = f"<b>{esc(item.heading)}</b>: " if item.heading else ""
                lines.append(f"{heading}“{esc(item.text)}” [{item.cite}]")
        return lines
    if isinstance(block, ListBlock):
        heading = t(block.heading, lang) if block.heading.startswith("category.") else block.heading
        cite = f" [{block.cite}]" if block.cite else ""
        return [f"<b>{esc(heading)}</b>{cite}", *(f"• {esc(x)}" for x in block.items)]
    if isinstance(block, TopicsBlock):
        return [f"{esc(t(block.heading, lang))} " + esc(("、" if lang == "ja" else "; ").join(block.items))]
    if isinstance(block, ContactsBlock):
        lines = [f"<b>{esc(t('where_to_check', lang))}</b>"]
        for c in block.items:
            how = link(c.how, c.name) if c.how.startswith("http") else f"{esc(c.name)}: {esc(c.how)}"
            lines.append(f"• {how} — {esc(c.purpose)}")
        return lines
    return []


def source_lines(answer: Answer) -> list[str]:
    lines = []
    for s in answer.sources:
        title = " > ".join(x for x in (s.title, s.section.split(" > ")[-1] if s.section else "") if x)
        line = f"[{s.n}] {link(s.url, title)}" if s.url else f"[{s.n}] {esc(title)}"
        if s.translation_label:
            original = " > ".join(
                x for x in (s.original_title, s.original_section.split(" > ")[-1] if s.original_section else "") if x
            )
            line += f" <i>({esc(original)}; {esc(s.translation_label)})</i>"
        lines.append(line)
    return lines


def answer_html(answer: Answer) -> str:
    """The answer as one HTML text (bot/tg/formatting.py splits it under Telegram's limit)."""
    if answer.generated:  # an LLM's rewrite: its own text, escaped
        body = esc(answer.answer)
    else:
        body = "\n\n".join("\n".join(block_html(b, answer.language)) for b in answer.blocks)
    if answer.sources:
        body += f"\n\n<b>{esc(t('tg.sources_label', answer.language))}</b>\n" + "\n".join(source_lines(answer))
    return body
