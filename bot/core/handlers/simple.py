"""The replies that need no evidence: off-topic, greetings and thanks, empty input, extraction attempts."""

from __future__ import annotations

from bot.core.handlers import Handler, handles, reply
from bot.core.kit import Kit
from bot.core.types import Context
from bot.models import Answer

# intent -> the notice that is the whole reply (its reason code is the intent)
NOTICE_ONLY = {"offtopic": "scope", "greeting": "greeting", "thanks": "thanks", "empty": "empty", "injection": "scope"}


def _notice_only(intent: str, key: str) -> Handler:
    @handles(intent)
    def handler(ctx: Context, kit: Kit) -> Answer:
        return reply(ctx, "offtopic", [kit.notice(key)], ctx.cites, intent)

    return handler


HANDLERS = {intent: _notice_only(intent, key) for intent, key in NOTICE_ONLY.items()}
offtopic = HANDLERS["offtopic"]
