"""craft_info (one craft: what it is, where to see, buy or try it) and craft_list (the crafts as a whole)."""

from __future__ import annotations

from collections import Counter

from bot.core.blocks import CardBlock, CardField, ListBlock
from bot.core.handlers import handles, reply
from bot.core.kit import Citations, Kit
from bot.core.types import Context
from bot.models import Answer
from ingest.schema import Craft, Lang

CATEGORIES = ("national_designated", "rare_traditional", "utatsuyama_subject")
# Words of a list question that narrow it to a category (closed list, data-like: the categories' names).
CATEGORY_WORDS = {
    "national_designated": ("national", "designated", "国指定", "伝産法", "6業種", "６業種"),
    "rare_traditional": ("rare", "希少", "20業種", "２０業種"),
    "utatsuyama_subject": ("utatsuyama", "卯辰山", "training field", "研修"),
}


def craft_card(craft: Craft, kit: Kit, lang: Lang, cites: Citations) -> CardBlock:
    """A craft with its category, description and where to see, buy or try it (directory venues only)."""
    cite = cites.record("craft", craft, lang)
    fields = []
    for kind in ("see", "buy", "try"):
        venues = kit.venues_for([craft.id], [kind])
        if venues:
            names = ("、" if lang == "ja" else "; ").join(
                f"{v.name.get(lang)} [{cites.record('venue', v, lang)}]" for v in venues[:4]
            )
            fields.append(CardField(label=f"can.{kind}", value=names))
    other = craft.name.en if lang == "ja" else craft.name.ja
    return CardBlock(
        kind="craft",
        record_id=craft.id,
        title=craft.name.get(lang),
        other_name=f"{other}, {craft.reading_ja}",
        subtitle=f"category.{craft.category}",
        summary=craft.description.get(lang),
        fields=fields,
        cite=cite,
    )


@handles("craft_info")
def craft_info(ctx: Context, kit: Kit) -> Answer:
    cites = ctx.cites
    lang = ctx.question.lang
    if not ctx.slots.crafts:
        from bot.core.handlers.documents import document_fact

        return document_fact(ctx, kit)  # "How old is gold leaf making?" without a craft we know: the documents
    blocks: list = [craft_card(kit.knowledge.crafts[c], kit, lang, cites) for c in ctx.slots.crafts[:2]]
    if any(b.fields for b in blocks):
        blocks.append(kit.notice("check_before_visiting"))
    return reply(ctx, "answer", blocks, cites)


@handles("craft_list")
def craft_list(ctx: Context, kit: Kit) -> Answer:
    """Kanazawa's crafts by category as the KOGEI Action Plan lists them, narrowed to the category asked,
    or to the crafts the directory lists places for when the user asks what they can try or buy."""
    k, lang = kit.knowledge, ctx.question.lang
    cites = Citations(k)
    text = ctx.question.text.lower()
    wanted = [c for c in CATEGORIES if any(w in text for w in CATEGORY_WORDS[c])] or list(CATEGORIES)
    kinds = [ctx.slots.activity] if ctx.slots.activity else []
    cited = Counter(s.document for c in k.crafts.values() for s in c.sources if s.document in k.documents)
    plan = k.documents[cited.most_common(1)[0][0]].meta if cited else None
    cite = cites.document(plan, lang) if plan else 0
    blocks: list = []
    for category in wanted:
        crafts = [c for c in k.crafts.values() if c.category == category]
        if kinds:
            crafts = [c for c in crafts if kit.venues_for([c.id], kinds)]
        if crafts:
            names = [c.name.ja if lang == "ja" else f"{c.name.en} ({c.name.ja})" for c in crafts]
            blocks.append(ListBlock(heading=f"category.{category}", items=names, cite=cite))
    if not blocks:
        return reply(
            ctx,
            "unknown",
            [kit.notice("no_crafts_for_activity", activity=kinds[0] if kinds else "")],
            cites,
            "no_place_for_activity",
        )
    blocks.insert(
        0,
        kit.notice(
            "crafts_intro_activity" if kinds else "crafts_intro",
            activity=kinds[0] if kinds else "",
            plan=plan.title(lang) if plan else "",
        ),
    )
    blocks.append(kit.notice("crafts_more"))
    return reply(ctx, "answer", blocks, cites)
