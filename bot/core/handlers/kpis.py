"""kpi_value (one indicator's figures) and plan_kpis (a plan's indicators).

Figures and fiscal-year labels are exactly as printed, the Western fiscal year added; the same
indicator printed in another plan is shown with it, each under its own plan. When the indicator
asked about is not in the data, the answer says so and offers the closest indicators by name only:
never another indicator's figure as if it were the one asked.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.core.blocks import ListBlock, TopicsBlock
from bot.core.handlers import handles, reply
from bot.core.kit import Kit
from bot.core.lexicon import load_lexicon
from bot.core.names import name_words
from bot.core.types import Context
from bot.models import Answer
from ingest.fiscal import western_year
from ingest.schema import Kpi


def kpi_years(kpi: Kpi) -> set[int]:
    """The years a KPI's printed labels refer to (R元年度末 → 2019, (H30) → 2018)."""
    years: set[int] = set()
    for value in kpi.values:
        years |= {int(y) for y in re.findall(r"\d{4}", western_year(value.label_as_printed) or "")}
    return years


def _closest(ctx: Context, kit: Kit) -> list[str]:
    """Indicators near the question, by name (from retrieval), for 'closest indicators I have'."""
    lang = ctx.question.lang
    names: list[str] = []
    for hit in ctx.evidence.hits[:12]:
        kpi = kit.knowledge.kpis.get(hit.record_id) if hit.kind == "kpi" else None
        if kpi is not None and kpi.indicator.get(lang) not in names:
            names.append(kpi.indicator.get(lang))
    return names[:4]


def _asked_words(ctx: Context, extra: tuple[str, ...] = ()) -> set[str]:
    """Words of the question that could name an indicator (not its role, year or follow-up words; nor
    the words in `extra`)."""

    stems = _noise_stems(extra)
    return {w for w in name_words(ctx.question.text, ctx.question.written_in) if w not in stems}


@lru_cache(maxsize=64)
def _noise_stems(extra: tuple[str, ...]) -> frozenset[str]:
    """The words (as written and as name_words stems them) that name no indicator: tokenised once, not per
    question."""
    lexicon = load_lexicon()
    noise = [w for p in lexicon.roles.values() for w in (*p.en, *p.ja)]
    noise += [*lexicon.followup_words.en, *lexicon.generic_words.en, *lexicon.generic_words.ja, *extra]
    noise += ["figure", "value", "values", "year", "fy", "how", "many", "much", "what", "about"]
    return frozenset(set(noise) | name_words(" ".join(noise), "en") | name_words(" ".join(noise), "ja"))


def _asks_one_indicator(ctx: Context, kit: Kit) -> bool:
    """A plan named with figure words and words of its own ("What's the target for cruise ship passengers in
    the Comprehensive Strategy?"): one indicator is asked about, not the plan's list."""
    lexicon = load_lexicon()
    plan_names: list[str] = []
    for plan in ctx.slots.plans:
        meta = kit.knowledge.documents[plan].meta
        plan_names += [meta.title_en, meta.title_ja, *meta.aliases_en, *meta.aliases_ja]
    extra = (*lexicon.plan_words.en, *lexicon.plan_words.ja, *lexicon.kpi_words.en, *lexicon.kpi_words.ja)
    extra += (*plan_names, "list", "all", "every", "each", "一覧", "全部", "すべて")
    # A part of the plan is no indicator: 「基本目標2のKPIは？」 asks for the KPIs of a section.
    extra += ("basic", "goal", "goals", "vision", "visions", "section", "chapter", "基本", "基本目標", "将来像", "施策")
    return bool(_asked_words(ctx, extra))


def _refine(ctx: Context, kit: Kit, inherited: list[str]) -> list[str]:
    """A follow-up that names another indicator only in part ("What about foreign guests?", "and page
    views?"): the indicator whose name holds those words, closest to the one just discussed."""
    lang = ctx.question.written_in
    asked = _asked_words(ctx)
    if not asked or not inherited:
        return inherited
    before = name_words(kit.knowledge.kpis[inherited[0]].indicator.get(lang), lang)
    candidates = []
    for kpi in kit.knowledge.kpis.values():
        name = name_words(kpi.indicator.get(lang), lang)
        if asked <= name and name != before:
            candidates.append((len(name & before), -len(name), kpi.id))
    if not candidates:
        return inherited
    best = max(candidates)
    return [c[2] for c in candidates if c[:2] == best[:2]]


def _from_evidence(ctx: Context, kit: Kit) -> list[str]:
    """The indicator retrieval ranks first, when its name shares at least half its words with the question."""
    lang = ctx.question.written_in
    asked = name_words(ctx.question.text, lang)
    for hit in ctx.evidence.hits[:5]:
        kpi = kit.knowledge.kpis.get(hit.record_id) if hit.kind == "kpi" else None
        if kpi is None:
            continue
        name = name_words(kpi.indicator.get(lang), lang)
        return [kpi.id] if name and len(name & asked) >= max(2, len(name) / 2) else []
    return []


@handles("kpi_value")
def kpi_value(ctx: Context, kit: Kit) -> Answer:
    lang, slots = ctx.question.lang, ctx.slots
    cites = ctx.cites
    if not slots.role and ctx.entities is not None and ctx.entities.asks == "meaning":
        from bot.core.handlers.documents import document_fact

        return document_fact(ctx, kit)  # "What does 'neuvola' mean …?" asks the documents, not a figure
    ids = list(slots.indicators)
    named = ctx.entities.indicators if ctx.entities else []
    if ids and not named:
        ids = _refine(ctx, kit, ids)
    if not ids:
        ids = _from_evidence(ctx, kit)
    kpis = [kit.knowledge.kpis[i] for i in ids if i in kit.knowledge.kpis]
    if slots.plans and kpis:  # the same indicator in the plan asked about
        in_plan = [k for k in kpis + [t for k in kpis for t in kit.twins(k)] if k.plan in slots.plans]
        kpis = list({k.id: k for k in in_plan}.values()) or kpis
    if not kpis:
        from bot.core.handlers.asked_values import asks_for
        from bot.core.handlers.documents import document_fact, unknown

        if asks_for(ctx.question.text) == "person":
            return document_fact(ctx, kit)  # "Who is the current mayor?" is no indicator
        quoted = document_fact(ctx, kit)
        if quoted.intent == "kpi_value" or (not slots.role and quoted.kind == "answer"):
            # The best quote is the printed line of an indicator named in other words (document_fact answers
            # with its figures); or, no baseline / current / target asked, a count the plans state in their
            # text ("How many groups have joined IMAGINE KANAZAWA 2030 Partners?"), quoted as a quote.
            return quoted
        closest = _closest(ctx, kit)
        blocks = [TopicsBlock(heading="closest_indicators", items=closest)] if closest else []
        return unknown(ctx, kit, "indicator_not_found", blocks, cites)
    first = next((k for k in kpis if k.repeat_of is None), kpis[0])
    # The same indicator printed in another plan or again (Kit.twins): shown with it, each under its own plan.
    shown = [first, *kit.twins(first)]
    blocks: list = [kit.kpi_block(k, lang, cites, focus=slots.role) for k in shown[:3]]
    kind, reason = "answer", ""
    asked = set(slots.years)
    if asked and not any(asked & kpi_years(k) for k in shown):
        kind, reason = "unknown", "year_not_in_plan"
        blocks.insert(0, kit.notice("unknown.year_not_in_plan", year=str(min(asked))))
    elif slots.role and not any(slots.role in {v.role for v in k.values} for k in shown):
        kind, reason = "unknown", f"no_{slots.role}_in_plan"
        blocks.insert(0, kit.notice("unknown.role_not_in_plan", role=slots.role))
    if any(k.garbled for k in shown):
        blocks.append(kit.notice("garbled_table"))
    return reply(ctx, kind, blocks, cites, reason)


@handles("plan_kpis")
def plan_kpis(ctx: Context, kit: Kit) -> Answer:
    """Every indicator the plan prints (the directory holds them all), with its figures as printed."""
    lang = ctx.question.lang
    cites = ctx.cites
    if ctx.slots.plans and not (ctx.slots.role or (ctx.entities or ctx.slots).figures):
        # A plan named, but no word of indicators or figures ("Who is gastronomy tourism meant to attract,
        # according to the sogo senryaku?"): about the plan or something in it, not its KPI list.
        from bot.core.handlers.plans import plan_info

        return plan_info(ctx, kit)
    if (ctx.entities or ctx.slots).indicators or (ctx.slots.role and _asks_one_indicator(ctx, kit)):
        return kpi_value(ctx, kit)  # one indicator's figures asked, by name or by words of its own
    plans = [p for p in ctx.slots.plans if any(k.plan == p for k in kit.knowledge.kpis.values())]
    if not plans:
        if _from_evidence(ctx, kit) or (ctx.slots.role and _asks_one_indicator(ctx, kit)):
            # No plan named, but one indicator by a paraphrase of its name (「伝統工芸品産業の従事者数は
            # どう推移してる？」): its figures.
            return kpi_value(ctx, kit)
        from bot.core.handlers.documents import unknown

        return unknown(ctx, kit, "no_plan_named", [], cites)
    blocks: list = []
    for plan_id in plans[:1]:
        meta = kit.knowledge.documents[plan_id].meta
        kpis = [k for k in kit.knowledge.kpis.values() if k.plan == plan_id and k.repeat_of is None]
        items = []
        for kpi in kpis:
            values = "; ".join(f"{v.role}: {v.value_as_printed} ({v.label_as_printed})" for v in kpi.values)
            name = kpi.indicator.get(lang) if lang == "ja" else f"{kpi.indicator.en} ({kpi.indicator.ja})"
            items.append(f"{name}: {values}" + (" *" if kpi.garbled else ""))
        blocks.append(
            kit.notice("plan_kpis_intro", plan=meta.title(lang), count=str(len(kpis)), period=meta.plan_period or "")
        )
        blocks.append(ListBlock(heading=meta.title(lang), items=items, cite=cites.document(meta, lang)))
        if any(k.garbled for k in kpis):
            blocks.append(kit.notice("garbled_marked"))
    return reply(ctx, "answer", blocks, cites)
