"""document_list: a list or structure a document sets out, whole, in order, each item cited.

"What are the basic goals of the strategy?", 「5つの将来像は？」, "How is the strategy promoted?": the
heading that best matches the question (every heading is indexed on its own, in both languages) and
what stands under it: its list items, else its sub-headings. In the user's language from the guide's
translation where the document is in the other language, with the originals at hand.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from bot.core.blocks import ListBlock
from bot.core.handlers import handles, reply
from bot.core.kit import Kit
from bot.core.lexicon import load_lexicon, normalise
from bot.core.types import Context
from bot.models import Answer, QuoteRef
from ingest.keywords import tokenize
from ingest.units import Unit

MIN_ITEMS = 2
SCALE, CENTER, KEYWORDS = 3.0, 0.8, 0.6  # as the quote scorer (bot/extractive.py)
MIN_SCORE = 0.3  # below this no heading matches the question well enough: quote instead
COUNT_BONUS = 0.3  # a heading listing as many items as the question counts ("the five basic goals")
NARROWER = 0.1  # a sub-heading this close to its parent's score is the more specific answer
_PREPOSITIONS = frozenset({"of", "in", "and", "or", "to", "for", "from", "by", "at", "on", "is", "are", "was"})


def asked_count(text: str, lang: str) -> int | None:
    """How many items the question says the list has: 「5つの将来像」, "the five basic goals"; None
    when it gives no count. An English number after a capitalised word ("Basic Goal 4") or before a
    preposition names one item instead of counting them."""
    numerals = load_lexicon().numerals
    plain = normalise(text)
    for value, phrases in numerals.items():
        if any(p in plain for p in phrases.ja if not p.isascii()):
            return int(value)
    # one token list (NFKC, case kept): the lower-case form is compared, the case of the word before is read
    spaced = "".join(c if c.isalnum() else " " for c in unicodedata.normalize("NFKC", text))
    original = [t for t in spaced.split() if t.isascii()]
    tokens = [t.lower() for t in original]
    for i, token in enumerate(tokens):
        value = next((v for v, p in numerals.items() if token in p.en), None)
        if value is None or i + 1 >= len(tokens) or tokens[i + 1] in _PREPOSITIONS:
            continue
        if i > 1 and original[i - 1][:1].isupper():
            continue
        return int(value)
    return None


def _numbered(text: str) -> bool:
    """A heading that starts with its number: 1., (2), ③, Ⅱ."""
    bare = text.lstrip("(（ ")
    return bool(bare) and bare[0].isnumeric()


def children(units: dict[str, Unit], heading: Unit) -> list[Unit]:
    """What a heading lists: its items, else the headings directly under it (only the numbered ones when
    numbered ones stand among others: 「数値目標」「基本的方向」 before (1)…(4) are not what it lists)."""
    items = [u for u in units.values() if u.kind == "item" and u.path_ids and u.path_ids[-1] == heading.id]
    if len(items) >= MIN_ITEMS:
        return items
    subs = [u for u in units.values() if u.kind == "heading" and len(u.path_ids) >= 2 and u.path_ids[-2] == heading.id]
    numbered = [u for u in subs if _numbered(u.text)]
    return numbered if len(numbered) >= MIN_ITEMS else subs


def ordinal_references(text: str) -> set[tuple[str, str]]:
    """(word, number) pairs that name one numbered thing: "Basic Goal 4" → ("goal", "4"), 「将来像3」 →
    ("来像", "3"). A heading naming the same pair is the one asked about; the same word with another
    number is another one."""
    plain = normalise(text)
    pairs: set[tuple[str, str]] = set()
    i = 0
    while i < len(plain):
        if not plain[i].isdigit():
            i += 1
            continue
        j = i
        while j < len(plain) and plain[j].isdigit():
            j += 1
        before = plain[:i].rstrip()
        word = ""
        if before and before[-1].isascii() and before[-1].isalpha():
            word = before.split()[-1] if before.split() else ""
        elif len(before) >= 2 and not before[-1].isascii() and before[-1].isalpha() and before[-2].isalpha():
            word = before[-2:]
        if word:
            pairs.add((word, plain[i:j]))
        i = j
    return pairs


def structure_heading(given, lang: str) -> Unit:
    """A list given as data, as a heading unit in the question's language (it has no unit of its own)."""
    return Unit(
        id=given.key, kind="heading", section=(given.heading[lang],), path_ids=(given.key,), text=given.heading[lang]
    )


def best_heading(ctx: Context, kit: Kit) -> tuple[str, Unit, list[Unit], float] | None:
    """(document, heading, its children, score) of the heading that answers the question best."""
    lang = ctx.question.lang
    plans = set(ctx.slots.plans)
    heads = [h for h in kit.retriever.headings(lang) if not plans or h[1]["record_id"] in plans]
    given = [
        s for s in kit.structure_lists() if (not plans or s.document in plans) and s.asked_in(ctx.question.text, lang)
    ]
    if not heads and not given:
        return None
    key = kit.scorer.embedder.key
    vectors = kit.retriever.sentence_vectors([h[0] for h in heads], key)
    # lists given as data (a diagram's directions) compete with the headings on the same score
    pseudo = {s.key: structure_heading(s, lang) for s in given}
    heads = heads + [(s.key, {"record_id": s.document, "unit": s.key}, pseudo[s.key].text) for s in given]
    vectors = list(vectors) + list(kit.scorer.embed([pseudo[s.key].text for s in given]))
    question = ctx.evidence.result.vectors[key]
    # The words that say what is listed: not the plans' names ("the four basic goals of the 2nd Kanazawa
    # Comprehensive Strategy" is about "four basic goals"; every heading of that plan shares its name, and
    # 「(2) 第2次金沢版総合戦略とSDGsとの関わり」 would match on it): the words and the vector both without them.
    from bot.core.handlers.documents import content_words, without_named_plans, without_names

    _metas, rest = without_named_plans(ctx, kit)
    if rest:
        question = kit.scorer.embedder.embed_queries([rest])[0]

    # the names as written in the question: a word of some title elsewhere (推進 of the UNESCO text's title)
    # still says what is asked (「推進する3つの組織」)
    asked = content_words(without_names(ctx.question.text, [d.meta for d in kit.knowledge.documents.values()]), lang)
    count = asked_count(ctx.question.text, lang)
    ordinals = ordinal_references(ctx.question.text)
    given_items = {
        s.key: [kit.documents.units[s.document][i] for i in s.unit_ids if i in kit.documents.units[s.document]]
        for s in given
    }
    scored: dict[tuple[str, str], tuple[str, Unit, list[Unit], float]] = {}
    for (_, meta, text), vector in zip(heads, vectors, strict=True):
        if vector is None:
            continue
        units = kit.documents.units.get(meta["record_id"], {})
        heading = units.get(meta["unit"]) or pseudo.get(meta["unit"])
        if heading is None:
            continue
        overlap = len(asked & set(tokenize(text, lang))) / max(len(asked), 1)
        score = SCALE * (float(np.dot(vector, question)) - CENTER) + KEYWORDS * overlap
        if ordinals:
            named = ordinal_references(text)
            words_named = {w for w, _ in named}
            if ordinals & named and score >= MIN_SCORE:  # as a count: only where the heading matches on its own
                score += COUNT_BONUS
            elif any(w in words_named for w, _ in ordinals):
                score -= COUNT_BONUS  # "Basic Goal 4" asked, this is Basic Goal 1
        listed = given_items[heading.id] if heading.id in given_items else children(units, heading)
        if count is not None and score >= MIN_SCORE and len(listed) >= MIN_ITEMS:
            # counted only where the heading matches on its own: "which two professions…" counts professions
            score += COUNT_BONUS if len(listed) == count else -COUNT_BONUS / 2
        scored[(meta["record_id"], heading.id)] = (meta["record_id"], heading, listed, score)
    lists = [x for x in scored.values() if len(x[2]) >= MIN_ITEMS]
    if not lists:
        return None
    best = max(lists, key=lambda x: x[3])
    # A heading whose entries are sub-headings ("Basic philosophy and future visions") is answered by the
    # sub-heading that lists what was asked ("Future visions": its five items) when that scores about as
    # well; when that sub-heading holds a single statement ("Basic philosophy"), the statement is quoted.
    subs = [n for u in best[2] if u.kind == "heading" and (n := scored.get((best[0], u.id))) is not None]
    if any(len(n[2]) < MIN_ITEMS and n[3] > best[3] for n in subs):
        return None  # a sub-heading holding one statement matches better than the list: quote it
    narrower = [n for n in subs if len(n[2]) >= MIN_ITEMS and n[2][0].kind == "item" and n[3] >= best[3] - NARROWER]
    if narrower:
        best = max(narrower, key=lambda x: x[3])
    return best if best[3] >= MIN_SCORE else None


@handles("document_list")
def document_list(ctx: Context, kit: Kit) -> Answer:
    from bot.core.handlers.documents import document_fact
    from bot.core.handlers.plans import asks_inside, plan_info

    plans = [kit.knowledge.documents[p].meta for p in ctx.slots.plans if p in kit.knowledge.documents]
    if plans and not asks_inside(ctx.question.text, plans[0], ctx.question.lang):
        return plan_info(ctx, kit)  # "What is the KOGEI Action Plan?" asks for the plan, not a list in it
    from bot.core.handlers.asked_values import asks_for

    if asks_for(ctx.question.text) in ("year", "amount", "person"):
        return document_fact(ctx, kit)  # "In which year were the five directions published?" asks no list
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
    given = heading.id.startswith(f"{document}:")  # a list of knowledge/structures/: its own key
    unit_ref = heading.id if given else f"{document}:{heading.id.split('.')[0]}.*"
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
