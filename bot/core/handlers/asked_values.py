"""What a question asks for (a year, a count, an amount, a person) and whether an answer holds it.

A card answers "How many visitors…?" only when it gives that count; otherwise a document quote that names
the record and holds the value comes first, or the answer says the sources do not give it and shows what
they do say. The kinds and their words are data (bot/data/lexicon.yaml `asks`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.core.kit import Kit
from bot.core.lexicon import PhraseMatcher, load_lexicon
from bot.core.types import Context
from bot.extractive import ANSWER_TYPES, counted_thing
from bot.models import Answer

_MAGNITUDE = re.compile(r"[0-9０-９][0-9０-９,.]*\s*(?:million|thousand|billion|万|千)", re.I)


@lru_cache(maxsize=1)
def _asks() -> PhraseMatcher:
    return PhraseMatcher(load_lexicon().asks)


def asks_for(text: str) -> str | None:
    """year / count / amount / person: what the answer must contain (bot/data/lexicon.yaml `asks`)."""
    return _asks().first(text)


def summary_holds(kind: str, text: str) -> bool:
    """A record's text holds a value of that kind (a year for "when")."""
    return holds(kind, text, "")


def holds(kind: str, text: str, question: str) -> bool:
    """Does the text hold a value of that kind for this question ("116 cities" for "how many cities")?"""
    if kind == "meaning":
        return True  # any statement about the term may explain it; no value to check
    if kind == "year":
        return bool(ANSWER_TYPES["year"][1].search(text))
    if kind == "count":
        counted = counted_thing(question)
        if counted is None:
            return bool(re.search(r"[0-9０-９]", text))
        # "116 cities", or a number with its magnitude ("2.37 million", 「237万人」) after the thing was named
        return bool(counted.search(text) or _MAGNITUDE.search(text))
    if kind == "amount":
        return bool(re.search(r"[0-9０-９].*(円|yen|¥|億|million|billion)", text, re.I))
    return _names_an_office(text, question)  # a person: the knowledge names no persons, only offices


@lru_cache(maxsize=1)
def _offices() -> PhraseMatcher:
    return PhraseMatcher(load_lexicon().offices)


def _names_an_office(text: str, question: str) -> bool:
    """The text names an office, and the question names none: "Who heads the headquarters?" is answered by
    "headed by the mayor"; "Who is the mayor?" asks for the person, whom no text names."""
    if question and "post" in _offices().find(question):
        return False
    return bool(text) and bool(_offices().find(text))


# Answers that describe a thing: asked for a figure or an amount, they must hold one to count as the answer.
_CARDS_FOR = {
    "count": {"craft_info", "venue_info", "program_info", "plan_info", "find_places"},
    "amount": {"craft_info", "venue_info", "program_info", "plan_info", "document_list"},
}


def asked_value_checked(ctx: Context, kit: Kit, answer: Answer) -> Answer:
    """ "How much does the city spend on …?" answered with a card that gives no amount: say that the
    sources do not give it, then what they do say (the card), instead of the card as if it answered."""
    wants = asks_for(ctx.question.text)
    if answer.kind != "answer" or answer.intent not in _CARDS_FOR.get(wants or "", ()):
        return answer
    from bot.render.plain import render

    if holds(wants, render(answer), ctx.question.text):
        return answer
    from bot.core.handlers.documents import document_fact

    quoted = document_fact(ctx, kit)
    if quoted.kind == "answer" and quoted.intent == "document_fact" and _about_the_record(ctx, kit, quoted, wants):
        # The record gives no such figure, the documents do ("How many visitors did the 21st Century Museum
        # have in 2015?"): their quote, then the record.
        update = {"blocks": quoted.blocks + answer.blocks, "sources": list(ctx.cites.refs), "quotes": quoted.quotes}
        return answer.model_copy(update={**update, "evidence": quoted.evidence + answer.evidence})
    blocks = [kit.notice(f"unknown.no_{wants}_in_sources"), kit.notice("what_they_say"), *answer.blocks]
    return answer.model_copy(update={"kind": "unknown", "reason": f"no_{wants}_in_sources", "blocks": blocks})


def _about_the_record(ctx: Context, kit: Kit, quoted: Answer, wants: str) -> bool:
    """A quote holds the value asked and names the record the card is about ("2.37 million" visitors of the
    21st Century Museum is no figure of the National Crafts Museum)."""
    k = kit.knowledge
    records = [k.venues.get(i) for i in ctx.slots.venues] + [k.programs.get(i) for i in ctx.slots.programs]
    records += [k.crafts.get(i) for i in ctx.slots.crafts]
    names = {
        unicodedata.normalize("NFKC", n).lower()
        for r in records
        if r is not None
        for n in (r.name.ja, r.name.en, *getattr(r, "aliases_en", []), *getattr(r, "aliases_ja", []))
        if n and len(n) >= 3
    }
    for quote in quoted.quotes:
        for text in (quote.text, quote.original):
            plain = unicodedata.normalize("NFKC", text or "").lower()
            if any(n in plain for n in names) and holds(wants, text, ctx.question.text):
                return True
    return False
