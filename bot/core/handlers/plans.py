"""plan_info: a plan itself (its title, publisher, period, edition), from the document's front matter.

A question that gives a figure the plan does not have (「第3期」 when the plan is the 2nd term) is about
something the sources do not hold: said to be unknown, with the plan they do hold.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from bot.core.blocks import CardBlock, CardField
from bot.core.handlers import handles, reply
from bot.core.kit import Citations, Kit
from bot.core.lexicon import PhraseMatcher, load_lexicon
from bot.core.types import Context
from bot.models import Answer
from ingest.fiscal import with_western_years
from ingest.keywords import tokenize
from ingest.numbers import numbers_in
from ingest.schema import DocumentMeta, Lang


def plan_card(meta: DocumentMeta, lang: Lang, cites: Citations) -> CardBlock:
    fields = [CardField(label="plan.publisher", value=meta.publisher_ja if lang == "ja" else meta.publisher_en)]
    revision = with_western_years(meta.revision) if meta.revision and lang == "en" else meta.revision
    fields += [CardField(label="plan.revision", value=revision)] if revision else []
    fields += [CardField(label="plan.period", value=meta.plan_period)] if meta.plan_period else []
    fields += [CardField(label="plan.year", value=str(meta.year))] if meta.year else []
    fields.append(CardField(label="plan.language", value=meta.language))
    other = meta.title_en if lang == "ja" else meta.title_ja
    return CardBlock(
        kind="plan",
        record_id=meta.id,
        title=meta.title(lang),
        other_name=other,
        fields=fields,
        cite=cites.document(meta, lang),
    )


def _foreign_numbers(question: str, meta: DocumentMeta) -> list[str]:
    """Numbers the question gives that nothing about the plan does (its title, period, edition, year)."""
    about = " ".join(str(x) for x in (meta.title_ja, meta.title_en, meta.plan_period, meta.revision, meta.year) if x)
    known = {v for _, values in numbers_in(about) for v in values}
    return [shown for shown, values in numbers_in(unicodedata.normalize("NFKC", question)) if not values & known]


@cache
def _reason_words() -> PhraseMatcher:
    return PhraseMatcher({"why": load_lexicon().reason_words})


def plan_name_words(metas: list[DocumentMeta]) -> set[str]:
    """The words of the plans' titles and aliases, in both tokenisations."""
    names = [n for meta in metas for n in (meta.title_ja, meta.title_en, *meta.aliases_en, *meta.aliases_ja)]
    return {w for name in names for language in ("en", "ja") for w in tokenize(name, language)}


def asks_inside(question: str, meta: DocumentMeta, lang: Lang) -> bool:
    """The question asks about something in the plan ("Which earthquake does the KOGEI plan give as a
    reason…?"), not about the plan itself: content words beyond the plan's names and plan words."""
    from bot.core.handlers.documents import content_words

    lexicon = load_lexicon()
    if _reason_words().find(question):
        return True
    plain = set(lexicon.plan_words.en if lang == "en" else lexicon.plan_words.ja)
    return bool(content_words(question, lang) - plan_name_words([meta]) - plain)


@handles("plan_info")
def plan_info(ctx: Context, kit: Kit) -> Answer:
    from bot.core.handlers.documents import document_fact, unknown

    cites = ctx.cites
    lang = ctx.question.lang
    if not ctx.slots.plans:
        return document_fact(ctx, kit)
    meta = kit.knowledge.documents[ctx.slots.plans[0]].meta
    if asks_inside(ctx.question.text, meta, lang):
        # Something in the plan: its list ("the four basic goals") when the router had that next, else quotes.
        ranked = [name for name, _ in ctx.intent.alternatives]

        def rank(name: str) -> int:
            return ranked.index(name) if name in ranked else len(ranked)

        if rank("document_list") < rank("document_fact"):
            from bot.core.handlers.lists import document_list

            return document_list(ctx, kit)
        return document_fact(ctx, kit)
    foreign = _foreign_numbers(ctx.question.text, meta)
    if foreign:
        return unknown(ctx, kit, "not_this_plan", [plan_card(meta, lang, cites)], cites, figure=foreign[0])
    return reply(ctx, "answer", [plan_card(meta, lang, cites)], cites)
