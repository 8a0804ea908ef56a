"""document_fact (quote what the documents say) and the honest unknowns around it.

A quote is one unit of a document, in the user's language where the guide has a translation (marked
as such, its original at hand). Before quoting, the evidence must be there at all; after choosing the
quotes, they must hold what the question asks for: a date for "when", a figure for "how many", the
year and the names it gives. Otherwise the answer says the sources do not say, shows what they do
say, and where to check. A question about a named thing the knowledge does not hold ("the Kanazawa
Kogei Passport") is said to be unknown before anything else is shown.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from itertools import zip_longest

from bot.core.blocks import QuoteItem, QuotesBlock
from bot.core.handlers import handles, reply
from bot.core.handlers.asked_values import asks_for, holds
from bot.core.kit import Citations, Kit
from bot.core.lexicon import load_lexicon, refers_back
from bot.core.names import name_words
from bot.core.types import Context, Intent
from bot.core.unknown_names import unknown_name
from bot.extractive import best_quotes
from bot.models import Answer, QuoteRef
from ingest.keywords import has_japanese, tokenize

QUOTE_PASSAGES = 6  # three per language, interleaved: the sentence scorer picks among them
WEAK_EVIDENCE = 0.22  # best USE cosine among the top hits (calibrated on the QA set's dev part)
AGREEMENT_RRF = 0.045  # all three signals ranking one entry near the top is evidence too
AGREEMENT_DENSE = 0.84
DENSE_EVIDENCE = 0.82  # e5 cosine standing in for WEAK_EVIDENCE when USE is switched off
_CITY_WORDS = frozenset({"kanazawa", "city", "金沢", "金沢市", "市"})  # every passage has them
MIN_REST_WORDS_JA = 2  # a question without the plans it names still asks something: 「を推進する3つの組織」
MIN_SHARED_NAME_WORDS = 2  # a quoted KPI line answers as its indicator only when the question names it


def _generic(lang: str) -> set[str]:
    lexicon = load_lexicon()
    return set(lexicon.generic_words.en if lang == "en" else lexicon.generic_words.ja)


def content_words(text: str, lang: str) -> set[str]:
    """The words that carry what is asked."""
    generic = _generic(lang)
    return {w for w in tokenize(text, lang) if w not in generic and not w.isdigit() and len(w) > 1}


PRINTED_TOGETHER = 3  # words of a question one passage of the plans prints: it asks what they say
PRINTED_SHARE = 0.4


def printed_together(text: str, lang: str, passages: list) -> bool:
    """Does one document passage print most of what the question asks about, three words or more? Then the
    question is about the plans ("im vegan - does the city help visitors find places to eat?" meets the
    plan's measure for vegan visitors), however much it reads like small talk: off-topic questions share one
    or two words with the plans at most (weather, Tokyo, rain)."""
    asked = content_words(text, lang) - _CITY_WORDS
    if len(asked) < PRINTED_TOGETHER:
        return False
    best = max((len(asked & set(tokenize(h.text, lang))) for h in passages if h.lang == lang), default=0)
    return best >= PRINTED_TOGETHER and best >= PRINTED_SHARE * len(asked)


def support(ctx: Context, kit: Kit) -> float:
    hits = ctx.evidence.hits
    if "use" in kit.retriever.signal_names:
        return max((h.similarities.get("use", 0.0) for h in hits[:3]), default=0.0)
    dense = max((h.similarities.get("dense", 0.0) for h in hits[:3]), default=0.0)
    return WEAK_EVIDENCE + (dense - DENSE_EVIDENCE)


def supported(ctx: Context, kit: Kit) -> bool:
    """Is there evidence at all? Similar enough, and (same language) sharing a word that carries the question."""
    hits, lang = ctx.evidence.hits, ctx.question.lang
    top = hits[0] if hits else None
    agreement = top is not None and top.score >= AGREEMENT_RRF and top.similarities.get("dense", 0) >= AGREEMENT_DENSE
    if support(ctx, kit) < WEAK_EVIDENCE and not agreement:
        return False
    asked = content_words(ctx.evidence.query, lang)
    same = [h for h in hits[:5] if h.lang == lang]
    if not asked or not same:
        return True
    found: set[str] = set()
    for hit in same:
        found |= set(tokenize(f"{hit.metadata.get('title', '')} {hit.text}", lang))
    return bool(asked & found)


def unknown(
    ctx: Context,
    kit: Kit,
    reason: str,
    blocks: list | None = None,
    cites: Citations | None = None,
    notice: str | None = None,
    **params: str,
) -> Answer:
    """Not in the sources: say so (``notice``, by default the reason's own), show what is known nearby
    (names, no figures), and where to check."""
    lang = ctx.question.lang
    cites = cites or ctx.cites
    shown = [kit.notice(notice or f"unknown.{reason}", **params)]
    shown += blocks if blocks is not None else kit.topics_block(ctx.evidence.hits, lang)
    shown.append(kit.contacts(lang))
    return reply(ctx, "unknown", shown, cites, reason)


def unknown_or_documents(ctx: Context, kit: Kit, kinds: tuple[str, ...] = ()) -> Answer:
    """A record was expected but none is named: a name we do not know is a false premise; else quote."""
    name = unknown_name(ctx.question.text, kit)
    if name:
        topics = kit.topics_block(ctx.evidence.hits, ctx.question.lang, kinds=kinds or ("venue", "program", "craft"))
        return unknown(ctx, kit, "false_premise", topics, name=name)
    return document_fact(ctx, kit)


def quotes_block(ctx: Context, kit: Kit, cites: Citations, passages) -> tuple[QuotesBlock | None, list]:
    """The best sentences of the passages as a block, and the quotes chosen."""
    lang = ctx.question.lang
    query = ctx.evidence.query
    other = "ja" if lang == "en" else "en"
    romaji = [term for _, term in kit.romaji.terms_in(query)] if lang == "en" else []
    keywords = {
        lang: set(tokenize(query, lang)),
        other: set(tokenize(" ".join(kit.glossary.bridge(query, lang, names_only=False) + romaji), other)),
    }
    vector = ctx.evidence.result.vectors[kit.scorer.embedder.key]
    metas, rest = without_named_plans(ctx, kit)
    if metas:
        # The plan the question names chose the passages; in choosing sentences its name would favour the
        # ones that repeat it ("…, according to the SDGs plan?" picks sentences about the SDGs), so the
        # sentences are scored against the rest of the question.
        from bot.core.handlers.plans import plan_name_words

        named = plan_name_words(metas)
        keywords = {language: words_ - named for language, words_ in keywords.items()}
        if rest:
            vector = kit.scorer.embedder.embed_queries([rest])[0]
    quotes = best_quotes(vector, passages, kit.scorer, kit.documents, keywords, question=query)
    if not quotes:
        return None, []
    items, translated, glossed = [], False, False
    for quote in quotes:
        candidate = quote.candidate
        if candidate is not None and candidate.translated:
            translated = True
            n = cites.translation(quote.hit, candidate.section, candidate.section_original)
        else:
            meta = quote.hit.metadata
            n = cites.cite(
                quote.hit.record_id, "document", meta["title"], meta.get("url", ""), quote.section, quote.hit.lang
            )
        text = quote.text
        if quote.hit.lang != lang:
            glossed = True
            text = kit.glossary.gloss(text) if lang == "en" else text
        unit = f"{quote.hit.record_id}:{candidate.unit.id}" if candidate and candidate.unit else ""
        if quote.items and candidate and candidate.unit:
            unit = f"{quote.hit.record_id}:{candidate.unit.path_ids[-1].split('.')[0]}.*"
        original = (
            "\n".join(i.original for i in quote.items) if quote.items else (candidate.original if candidate else "")
        )
        heading = quote.section.split(" > ")[-1]
        items.append(
            QuoteItem(
                heading=heading
                if not quote.items and heading not in text and refers_back(text, quote.hit.lang)
                else "",
                text=heading if quote.items else text,
                cite=n,
                translated=bool(candidate and candidate.translated),
                original=original,
                unit=unit,
                items=[i.text for i in quote.items],
            )
        )
    return QuotesBlock(items=items, translated=translated, glossed=glossed), quotes


def without_named_plans(ctx: Context, kit: Kit) -> tuple[list, str]:
    """The plans the question names, and the question without their names ('' when nothing was removed or
    too little is left to search with): the passages and the sentences are both chosen with it."""
    metas = [kit.knowledge.documents[p].meta for p in ctx.slots.plans if p in kit.knowledge.documents]
    rest = without_names(ctx.evidence.query, metas) if metas else ""
    # enough left: three words, or (Japanese, written without spaces) three content words
    enough = len(rest.split()) >= 3 or (has_japanese(rest) and len(content_words(rest, "ja")) >= MIN_REST_WORDS_JA)
    return metas, rest if rest != ctx.evidence.query and enough else ""


def _plan_passages(ctx: Context, kit: Kit) -> list:
    """A question naming a plan ("Is the city doing anything about nights? I think the comprehensive strategy
    says something"), searched again without the plan's name: the name matches every passage about the plan
    itself and would crowd out the one that answers."""
    _metas, rest = without_named_plans(ctx, kit)
    if not rest:
        return []
    hits = kit.retriever.search(rest, ctx.question.lang, k=12, kinds=["document"]).passages
    return [h for h in hits if h.record_id in ctx.slots.plans][:4]


def without_names(text: str, metas: list) -> str:
    """The question without the plans' titles and aliases (longest first, any case)."""
    names = sorted(
        {n for m in metas for n in (m.title_en, m.title_ja, *m.aliases_en, *m.aliases_ja) if n}, key=len, reverse=True
    )
    for name in names:
        start = text.lower().find(name.lower())
        while start >= 0:
            text = text[:start] + " " + text[start + len(name) :]
            start = text.lower().find(name.lower())
    return " ".join(text.split())


def _quote_refs(block: QuotesBlock) -> list[QuoteRef]:
    return [
        QuoteRef(
            n=i.cite,
            text="\n".join(i.items) or i.text,
            unit=i.unit,
            translated=i.translated,
            original=i.original,
            original_lang="ja" if i.translated and not i.original.isascii() else "en",
        )
        for i in block.items
    ]


def _named_plans_first(passages: list, plans: list[str]) -> list:
    """The passages of the plans the question names first (each group in retrieval order)."""
    if not plans:
        return passages
    named = [h for h in passages if h.record_id in plans]
    return named + [h for h in passages if h.record_id not in plans] if named else passages


@handles("document_fact")
def document_fact(ctx: Context, kit: Kit) -> Answer:
    lang = ctx.question.lang
    if not supported(ctx, kit):
        reason = "no_evidence" if kit.in_domain(ctx.question.text, lang) else "offtopic"
        if reason == "offtopic":
            from bot.core.handlers.simple import offtopic

            return offtopic(ctx, kit)
        return unknown(ctx, kit, "no_evidence")
    counted = _counted_list(ctx, kit)
    if counted is not None:
        return counted
    cites = ctx.cites
    passages = _named_plans_first(ctx.evidence.passages, ctx.slots.plans)
    again = _plan_passages(ctx, kit)
    if again:  # one from each search in turn
        passages = [h for pair in zip_longest(passages, again) for h in pair if h is not None]
    passages = list({h.id: h for h in passages}.values())[:QUOTE_PASSAGES]
    name = unknown_name(ctx.question.text, kit, [c.text for h in passages for c in kit.documents.candidates(h)])
    if name:  # "What is the Kanazawa Kogei Passport?": nothing by that name anywhere
        return unknown(ctx, kit, "false_premise", kit.topics_block(ctx.evidence.hits, lang), name=name)
    cited_before = len(cites.refs)
    block, quotes = quotes_block(ctx, kit, cites, passages)
    if block is None:
        return unknown(ctx, kit, "no_evidence")
    refs = _quote_refs(block)
    printed = _printed_indicator(ctx, kit, refs[0].original or refs[0].text)
    if printed is not None:  # the best quote is an indicator's printed line: its figures, labels as printed
        from bot.core.handlers.kpis import kpi_value

        del cites.refs[cited_before:]  # the quotes are not shown: neither are their sources
        slots = ctx.slots.model_copy(update={"indicators": [printed]})
        return kpi_value(replace(ctx, slots=slots, intent=Intent("kpi_value", how="evidence")), kit)
    evidence = [q.hit.text for q in quotes] + [r.original for r in refs if r.original]
    # what the quotes say, in the guide's translation and in the original ("2,445" translated, 「2,445人」 printed)
    said = " ".join([q.text for q in quotes] + [r.original for r in refs if r.original])
    wants = asks_for(ctx.question.text)
    missing_year = [str(y) for y in ctx.slots.years if str(y) not in unicodedata.normalize("NFKC", said)]
    if wants and not holds(wants, said, ctx.question.text):
        return _known_but(ctx, kit, f"no_{wants}_in_sources", block, cites, refs)
    if missing_year:
        return _known_but(ctx, kit, "year_not_in_sources", block, cites, refs, year=missing_year[0])
    blocks: list = [block]
    if block.translated:
        blocks.append(kit.notice("translation_note"))
    if block.glossed:
        blocks.append(kit.notice("other_language_note"))
    return reply(ctx, "answer", blocks, cites, quotes=refs, evidence=evidence)


def _counted_list(ctx: Context, kit: Kit) -> Answer | None:
    """「推進する3つの組織を教えて」 / "name the three organisations": a count in the question that a heading's
    list has exactly is that list, whatever the router read the question as."""
    from bot.core.handlers.lists import asked_count, best_heading, document_list

    count = asked_count(ctx.question.text, ctx.question.lang)
    if not count or count < 2 or asks_for(ctx.question.text) in ("year", "amount", "person"):
        return None
    found = best_heading(ctx, kit)
    if found is None or len(found[2]) != count:
        return None
    return document_list(replace(ctx, intent=Intent("document_list", how="evidence")), kit)


def _printed_indicator(ctx: Context, kit: Kit, quoted: str) -> str | None:
    """The KPI whose printed line is the quoted unit, when the question asks for figures and shares two words
    with the indicator's name ("events around the station west plaza: baseline and target?")."""
    entities = ctx.entities or ctx.slots
    if ctx.slots.indicators or not (entities.role or entities.figures or asks_for(ctx.question.text) == "count"):
        return None
    if entities.asks == "meaning" and not entities.role:
        return None  # what a term means is the quote itself (and kpi_value would send it back here)
    kpi = kit.kpi_printed_as(quoted)
    if kpi is None:
        return None
    lang = ctx.question.written_in
    asked = name_words(ctx.question.text, lang)
    # two words of the name, its bracketed parts included: "international students" shares one word with
    # "College of Art students taking part in …", which is another indicator
    name = name_words(kpi.indicator.get(lang).replace("(", " ").replace(")", " "), lang)
    return kpi.id if len(asked & name) >= MIN_SHARED_NAME_WORDS else None


def _known_but(ctx: Context, kit: Kit, reason: str, block: QuotesBlock, cites: Citations, refs, **params) -> Answer:
    """The question asks for something the quotes do not hold: unknown, with what the sources do say."""
    blocks = [kit.notice(f"unknown.{reason}", **params), kit.notice("what_they_say"), block]
    if block.translated:
        blocks.append(kit.notice("translation_note"))
    blocks.append(kit.contacts(ctx.question.lang))
    return reply(ctx, "unknown", blocks, cites, reason, quotes=refs)
