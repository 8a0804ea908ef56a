"""program_info: a programme, school, residency, scheme or event of the directory, and its attributes.

How to apply, dates and fees are current details the directory does not hold: said to be unknown,
with what is known and the organiser to ask. A programme the directory does not have is said to be
unknown before anything else.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.blocks import CardBlock, CardField
from bot.core.handlers import handles, reply
from bot.core.kit import Citations, Kit
from bot.core.types import Context
from bot.models import Answer
from ingest.schema import Lang, Program

# Not fields of their own, but a record's summary or organiser may say them: how to apply (an application or a
# booking: "advance phone booking", 「要電話申込」)
STATED_IN_TEXT = {"apply": ("apply", "booking")}
RECORDED = {"organizer", "eligibility"}  # the record answers these (organiser, audience); not apply, dates, fees


def program_card(program: Program, kit: Kit, lang: Lang, cites: Citations) -> CardBlock:
    k = kit.knowledge
    fields = [
        CardField(label="program.audience", value=",".join(program.audience)),
        CardField(label="program.organizer", value=program.organizer.get(lang)),
    ]
    places = ("、" if lang == "ja" else "; ").join(
        k.venues[v].name.get(lang) for v in program.related_venues if v in k.venues
    )
    fields += [CardField(label="program.places", value=places)] if places else []
    indicators = ("、" if lang == "ja" else "; ").join(
        f"{k.kpis[link.kpi].indicator.get(lang)} [{cites.kpi(k.kpis[link.kpi], lang)}]"
        for link in program.related_kpis[:3]
        if link.kpi in k.kpis
    )
    fields += [CardField(label="program.indicators", value=indicators)] if indicators else []
    if not program.public_information_found:
        fields.append(CardField(label="program.no_public_page", value=""))
    other = program.name.en if lang == "ja" else program.name.ja
    return CardBlock(
        kind="program",
        record_id=program.id,
        title=program.name.get(lang),
        other_name=other,
        summary=program.summary.get(lang),
        fields=fields,
        cite=cites.record("program", program, lang),
    )


@handles("program_info")
def program_info(ctx: Context, kit: Kit) -> Answer:
    from bot.core.handlers.asked_values import asks_for, summary_holds
    from bot.core.handlers.documents import unknown, unknown_or_documents

    lang, attribute = ctx.question.lang, ctx.slots.attribute
    cites = ctx.cites
    programs = [kit.knowledge.programs[p] for p in ctx.slots.programs if p in kit.knowledge.programs]
    if not programs:
        return unknown_or_documents(ctx, kit, kinds=("program",))
    program = programs[0]
    related = [link.kpi for link in program.related_kpis if link.kpi in kit.knowledge.kpis]
    if related and (ctx.slots.role or asks_for(ctx.question.text) == "count"):
        # "What's the target for Student City Passport users?": the programme's figures are its indicators.
        from bot.core.handlers.kpis import kpi_value

        slots = ctx.slots.model_copy(update={"indicators": related[:3]})
        return kpi_value(replace(ctx, slots=slots), kit)
    card = program_card(program, kit, lang, cites)
    if attribute == "dates" and kit.recognizer.attributes.phrases("next_dates", ctx.question.text):
        attribute = "next_dates"  # 「次回の…はいつ開催？」: the next edition, which no record gives
    if attribute and attribute not in RECORDED and attribute not in ("address", "website", "map"):
        stated = _stated_in_record(program, attribute, lang, kit) if attribute in STATED_IN_TEXT else ""
        if stated:
            # 「申込みは学校または長土塀青少年交流センター経由」 stands in the organiser's text: that is the answer
            return reply(ctx, "answer", [card, kit.notice(f"program_{attribute}_stated", text=stated)], cites)
        if attribute == "dates" and summary_holds("year", program.summary.get(lang)):
            # "When was the first Triennale?": the record's summary gives its dates (past editions).
            return reply(ctx, "answer", [card, kit.notice("program_dates_past")], cites)
        return unknown(
            ctx,
            kit,
            f"no_{attribute}_recorded",
            [card],
            cites,
            notice="unknown.attribute",
            attribute=attribute,
            name=program.name.get(lang),
            organizer=program.organizer.get(lang),
        )
    return reply(ctx, "answer", [card] + [program_card(p, kit, lang, cites) for p in programs[1:2]], cites)


_SENTENCE_END = re.compile(r"(?<=[。．.!?！？])\s*")


def _stated_in_record(program: Program, attribute: str, lang: Lang, kit: Kit) -> str:
    """The sentence (or bracketed note) of the record's summary or organiser, in the question's language,
    that names the attribute ("申込みは学校…経由"): '' when none does."""
    phrases = kit.recognizer.attributes
    for text in (program.organizer.get(lang), program.summary.get(lang)):
        for sentence in _SENTENCE_END.split(text or ""):
            for part in [sentence, *re.findall(r"[（(]([^）)]+)[）)]", sentence)][::-1]:
                if any(phrases.phrases(a, part) for a in STATED_IN_TEXT[attribute]):
                    return part.strip()
    return ""
