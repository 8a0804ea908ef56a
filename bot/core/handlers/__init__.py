"""One handler per intent, registered with the slots it needs (bot/core/dialogue.py NEEDS).

A handler reads the Context (question, resolved slots, intent, evidence, dialogue state) and the Kit
(knowledge and models) and returns an Answer made of blocks, with a reason code when it says what is
unknown. Handlers never render text: the engine renders the blocks for each channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps

from bot.core.kit import Citations, Kit
from bot.core.types import Context, Intent
from bot.models import Answer, AnswerKind

Handler = Callable[[Context, Kit], Answer]
REGISTRY: dict[str, Handler] = {}


def handles(*intents: str) -> Callable[[Handler], Handler]:
    """Register a handler. One that answers a single intent may be handed a question by another
    ("What is the KOGEI Action Plan?" routed as a list goes to plan_info): the answer then carries the
    intent that actually answered it."""

    def register(fn: Handler) -> Handler:
        if len(intents) == 1:
            own = intents[0]

            @wraps(fn)
            def handler(ctx: Context, kit: Kit) -> Answer:
                if ctx.intent.name != own:
                    i = ctx.intent
                    ctx = replace(ctx, intent=Intent(own, i.score, i.margin, "handover", i.alternatives))
                return fn(ctx, kit)
        else:
            handler = fn
        for intent in intents:
            REGISTRY[intent] = handler
        return handler

    return register


def reply(
    ctx: Context, kind: AnswerKind, blocks: list, cites: Citations, reason: str = "", places=(), **extra
) -> Answer:
    """An answer of this context's question and intent."""
    from bot.core.kit import map_url
    from bot.models import Place

    lang = ctx.question.lang
    hits = [
        f"{h.kind}:{h.record_id}" + (f":{h.metadata.get('plan')}" if h.metadata.get("plan") else "")
        for h in (ctx.evidence.hits[:5] if ctx.evidence else [])
    ]
    return Answer(
        hits=hits,
        question=ctx.question.text,
        language=lang,
        kind=kind,
        intent=ctx.intent.name,
        reason=reason,
        blocks=blocks,
        sources=cites.refs,
        places=[
            Place(
                venue_id=v.id,
                name=v.name.get(lang),
                address=v.address.ja or v.address.en or "",
                latitude=v.location.latitude if v.location and v.location.exact else None,
                longitude=v.location.longitude if v.location and v.location.exact else None,
                website=str(v.website or ""),
                map_url=map_url(v),
                confidence=v.confidence,
            )
            for v in places
        ],
        **extra,
    )


def load_all() -> dict[str, Handler]:
    """Import the handler modules (each registers itself) and return the registry."""
    from bot.core.handlers import crafts, documents, kpis, lists, places, plans, programs, simple, venues  # noqa: F401

    return REGISTRY
