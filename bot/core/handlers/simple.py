"""The replies that need no evidence: off-topic, greetings and thanks, empty input, extraction attempts."""

from __future__ import annotations

from bot.core.handlers import handles, reply
from bot.core.kit import Kit
from bot.core.types import Context
from bot.models import Answer


@handles("offtopic")
def offtopic(ctx: Context, kit: Kit) -> Answer:
    return reply(ctx, "offtopic", [kit.notice("scope")], ctx.cites, "offtopic")


@handles("greeting")
def greeting(ctx: Context, kit: Kit) -> Answer:
    return reply(ctx, "offtopic", [kit.notice("greeting")], ctx.cites, "greeting")


@handles("thanks")
def thanks(ctx: Context, kit: Kit) -> Answer:
    return reply(ctx, "offtopic", [kit.notice("thanks")], ctx.cites, "thanks")


@handles("empty")
def empty(ctx: Context, kit: Kit) -> Answer:
    return reply(ctx, "offtopic", [kit.notice("empty")], ctx.cites, "empty")


@handles("injection")
def injection(ctx: Context, kit: Kit) -> Answer:
    return reply(ctx, "offtopic", [kit.notice("scope")], ctx.cites, "injection")
