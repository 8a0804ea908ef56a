"""Blocks as plain text: the console, `guide ask`, the number guard and the LLM's evidence read this."""

from __future__ import annotations

from bot.core.blocks import (
    CardBlock,
    ContactsBlock,
    KpiBlock,
    ListBlock,
    NoticeBlock,
    QuotesBlock,
    TopicsBlock,
    VenueItem,
    VenueListBlock,
)
from bot.models import Answer
from bot.strings import t


def notice_params(params: dict[str, str], lang: str) -> dict[str, str]:
    """A notice's parameters with the words they name: activity → activity_verb, attribute → attribute_name."""
    out = dict(params)
    if params.get("activity"):
        out["activity_verb"] = t(f"activity.{params['activity']}", lang)
    else:
        out.setdefault(
            "activity_verb",
            t("activity.see", lang) + "・" + t("activity.buy", lang) if lang == "ja" else "see, buy or try",
        )
    if params.get("attribute"):
        out["attribute_name"] = t(f"attribute.{params['attribute']}", lang)
    if params.get("role"):
        out["role_name"] = t(f"role.{params['role']}", lang)
    if params.get("origin") == "your_location":  # a shared location, not a landmark's name
        out["origin"] = t("your_location", lang)
    return out


def distance(metres: int | None, lang: str, approx: bool = False) -> str:
    if metres is None:
        return t("no_distance", lang)
    text = t("distance_m", lang, m=metres) if metres < 1000 else t("distance", lang, km=f"{metres / 1000:.1f}")
    return t("distance_approx", lang, distance=text) if approx else text


def _kinds(kinds: list[str], lang: str) -> str:
    return ("・" if lang == "ja" else ", ").join(t(f"kind.{k}", lang) for k in kinds)


def venue_lines(item: VenueItem, lang: str, bullet: str) -> list[str]:
    head = f"{item.name} ({item.other_name}) — {item.area} [{item.cite}]"
    if item.distance_m is not None:
        head += f" · {distance(item.distance_m, lang, item.distance_approx)}"
    fields = [
        ("venue.kinds", _kinds(item.kinds, lang)),
        ("venue.hands_on", item.hands_on),
        ("venue.booking", item.booking),
        ("venue.address", item.address),
        ("venue.website", item.website),
        ("venue.map", item.map_url),
        ("venue.hours", item.hours),
    ]
    lines = [head] + [f"{bullet}{t(label, lang)}: {value}" for label, value in fields if value]
    lines.append(f"{bullet}{t(f'confidence.{item.confidence}', lang)}")
    return lines


def block_lines(block, lang: str) -> list[str]:
    bullet = "・" if lang == "ja" else "• "
    if isinstance(block, NoticeBlock):
        return [t(block.key, lang, **notice_params(block.params, lang))]
    if isinstance(block, CardBlock):
        subtitle = t(block.subtitle, lang) if block.subtitle.startswith("category.") else block.subtitle
        head = f"{block.title} ({block.other_name})" if block.other_name else block.title
        lines = [f"{head}{' — ' + subtitle if subtitle else ''} [{block.cite}]"]
        if block.summary:
            lines.append(block.summary)
        for field in block.fields:
            value = field.value
            if field.label == "venue.kinds":
                value = _kinds(value.split(","), lang)
            elif field.label == "program.audience":
                value = ("・" if lang == "ja" else ", ").join(t(f"audience.{a}", lang) for a in value.split(","))
            elif field.label == "plan.language":
                value = t(f"language.{value}", lang)
            lines.append(f"{bullet}{t(field.label, lang)}" + (f": {value}" if value else ""))
        return lines
    if isinstance(block, VenueListBlock):
        lines = [t(block.heading, lang, **notice_params(block.params, lang))]
        for n, item in enumerate(block.items, 1):
            item_lines = venue_lines(item, lang, bullet)
            lines += ["", f"{n}. {item_lines[0]}", *(f"   {x}" for x in item_lines[1:])]
        if block.more:
            lines += ["", f"{t('also', lang)}: +{block.more}"]
        return lines
    if isinstance(block, KpiBlock):
        head = f"{block.indicator} ({block.indicator_other})" if block.indicator_other else block.indicator
        section = f"{block.section} ({block.section_original})" if block.section_original else block.section
        lines = [
            f"{head} [{block.cite}]",
            f"{t('kpi.plan', lang)}: {block.plan}",
            f"{t('kpi.section', lang)}: {section}",
        ]
        if block.plan_period:
            lines.append(f"{t('kpi.period', lang)}: {block.plan_period}")
        if block.missing_role:
            lines.append(t("unknown.role_not_in_plan", lang, role_name=t(f"role.{block.missing_role}", lang)))
        for row in block.rows:
            role = t(f"role.{row.role}", lang)
            if lang == "ja":
                lines.append(f"・{role}: {row.value}（{row.label}）")
            else:
                label = f"{row.label} = {row.western}" if row.western else row.label
                lines.append(f"• {role.capitalize()}: {row.value} ({label})")
        lines.append(f"{t('kpi.unit', lang)}: {block.unit}")
        if block.method:
            lines.append(f"{t('kpi.method', lang)}: {block.method}")
        return lines
    if isinstance(block, QuotesBlock):
        lines = [t("the_sources_say", lang)]
        for item in block.items:
            if item.items:
                lines.append(f"{item.text} [{item.cite}]:")
                lines += [f"  • {x}" for x in item.items]
            else:
                lines.append(f"{item.heading + ': ' if item.heading else ''}“{item.text}” [{item.cite}]")
        return lines
    if isinstance(block, ListBlock):
        cite = f" [{block.cite}]" if block.cite else ""
        return [
            f"{t(block.heading, lang) if block.heading.startswith('category.') else block.heading}{cite}:",
            *(f"{bullet}{item}" for item in block.items),
        ]
    if isinstance(block, TopicsBlock):
        return [t(block.heading, lang) + " " + ("、" if lang == "ja" else "; ").join(block.items)]
    if isinstance(block, ContactsBlock):
        return [t("where_to_check", lang)] + [f"{bullet}{c.name} — {c.purpose}: {c.how}" for c in block.items]
    return []


def render(answer: Answer) -> str:
    """The whole answer as text, one blank line between blocks."""
    parts = ["\n".join(block_lines(block, answer.language)) for block in answer.blocks]
    return "\n\n".join(p for p in parts if p)


def original_lines(answer: Answer) -> list[str]:
    """The original of every quote given in the guide's translation, one line each."""
    label = t("original", answer.language)
    return [f"  {label} [{q.n}]: {q.original}" for q in answer.quotes if q.translated and q.original]
