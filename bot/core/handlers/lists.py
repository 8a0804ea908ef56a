"""document_list: a list or structure a document sets out, whole, in order, each item cited.

"What are the basic goals of the strategy?", 「5つの将来像は？」, "How is the strategy promoted?": the
heading that best matches the question (every heading is indexed on its own, in both languages) and
what stands under it: its list items, else its sub-headings. In the user's language from the guide's
translation where the document is in the other language, with the originals at hand.
"""

from __future__ import annotations

import numpy as np

from bot.core.blocks import ListBlock
from bot.core.handlers import handles, reply
from bot.core.kit import Kit
from bot.core.types import Context
from bot.models import Answer, QuoteRef
from ingest.keywords import tokenize
from ingest.units import Unit

MIN_ITEMS = 2
SCALE, CENTER, KEYWORDS = 3.0, 0.8, 0.6  # as the quote scorer (bot/extractive.py)
MIN_SCORE = 0.15  # below this no heading matches the question well enough: quote instead


def children(units: dict[str, Unit], heading: Unit) -> list[Unit]:
    """What a heading lists: its items, else the headings directly under it."""
    items = [u for u in units.values() if u.kind == "item" and u.path_ids and u.path_ids[-1] == heading.id]
    if len(items) >= MIN_ITEMS:
        return items
    return [u for u in units.values() if u.kind == "heading" and len(u.path_ids) >= 2 and u.path_ids[-2] == heading.id]


def best_heading(ctx: Context, kit: Kit) -> tuple[str, Unit, list[Unit], float] | None:
    """(document, heading, its children, score) of the heading that answers the question best."""
    lang = ctx.question.lang
    plans = set(ctx.slots.plans)
    heads = [h for h in kit.retriever.headings(lang) if not plans or h[1]["record_id"] in plans]
    if not heads:
        return None
    key = kit.scorer.embedder.key
    vectors = kit.retriever.sentence_vectors([h[0] for h in heads], key)
    question = ctx.evidence.result.vectors[key]
    # The words that say what is listed: not the plans' names ("the four basic goals of the 2nd Kanazawa
    # Comprehensive Strategy" is about "four basic goals"; every heading of that plan shares its name).
    from bot.core.handlers.documents import content_words
    from bot.core.handlers.plans import plan_name_words

    named = plan_name_words([d.meta for d in kit.knowledge.documents.values()])
    asked = content_words(ctx.question.text, lang) - named
    best = None
    for (_, meta, text), vector in zip(heads, vectors, strict=True):
        if vector is None:
            continue
        units = kit.documents.units.get(meta["record_id"], {})
        heading = units.get(meta["unit"])
        if heading is None:
            continue
        overlap = len(asked & set(tokenize(text, lang))) / max(len(asked), 1)
        score = SCALE * (float(np.dot(vector, question)) - CENTER) + KEYWORDS * overlap
        if best is not None and score <= best[3]:
            continue
        listed = children(units, heading)
        if len(listed) >= MIN_ITEMS:
            best = (meta["record_id"], heading, listed, score)
    return best if best is not None and best[3] >= MIN_SCORE else None


@handles("document_list")
def document_list(ctx: Context, kit: Kit) -> Answer:
    from bot.core.handlers.documents import document_fact
    from bot.core.handlers.plans import asks_inside, plan_info

    plans = [kit.knowledge.documents[p].meta for p in ctx.slots.plans if p in kit.knowledge.documents]
    if plans and not asks_inside(ctx.question.text, plans[0], ctx.question.lang):
        return plan_info(ctx, kit)  # "What is the KOGEI Action Plan?" asks for the plan, not a list in it
    found = best_heading(ctx, kit)
    if found is None:
        return document_fact(ctx, kit)
    document, heading, listed, _ = found
    lang = ctx.question.lang
    meta = kit.knowledge.documents[document].meta
    translation = kit.knowledge.translation(document, lang) if lang != meta.language else None
    texts = translation.texts if translation else {}

    def shown(unit: Unit) -> str:
        return texts.get(unit.id, unit.text) if translation else unit.text

    cites = ctx.cites
    section = kit.documents.section(document, listed[0], lang)
    if translation:
        original_section = kit.documents.section(document, listed[0], meta.language)
        cite = cites.cite(
            document,
            "document",
            meta.title(lang),
            str(meta.source_url or ""),
            section,
            meta.language,
            translation_label=translation.label,
            original_title=meta.title(meta.language),
            original_section=original_section,
        )
    else:
        cite = cites.document(meta, lang, section)
    items = [shown(u) for u in listed]
    unit_ref = f"{document}:{heading.id.split('.')[0]}.*"
    block = ListBlock(
        heading=shown(heading),
        items=items,
        originals=[u.text for u in listed] if translation else [],
        cite=cite,
        translated=bool(translation),
        unit=unit_ref,
    )
    blocks: list = [block]
    if translation:
        blocks.append(kit.notice("translation_note"))
    refs = [
        QuoteRef(
            n=cite,
            text="\n".join(items),
            unit=unit_ref,
            translated=bool(translation),
            original="\n".join(u.text for u in listed) if translation else "",
            original_lang=meta.language,
        )
    ]
    return reply(ctx, "answer", blocks, cites, quotes=refs, evidence=[u.text for u in listed])
