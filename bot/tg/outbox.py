"""The outbox: every message the bot sends is stored first, then delivered, and retried with backoff while
the Bot API is down or answers with an error page, until it is delivered or a day has passed.

A message is stored in the same transaction that finishes the update it answers (and saves the chat's
state), so after a crash an update is either still in the inbox or its answer is here: answered late,
never lost. A chat's messages go out in order; a lease per message keeps two workers from sending one
message twice. Delivery is at least once: a send that timed out may have arrived and is sent again, since a
repeated answer costs the user less than a lost one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.core.types import DialogueState
from bot.state.base import OUTBOX_EXPIRY_S, OutgoingMessage, StateStore
from bot.tg.keyed_locks import KeyedLocks
from bot.tg.leases import Runner, held

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
LEASE_S = 15.0  # renewed while a send runs: a dead worker's message is taken over within seconds
IDLE_S = 0.5  # how often the background sender looks for messages that are due
MAX_BACKOFF_S = 60.0


def message(
    text: str, *, html: bool = False, markup: InlineKeyboardMarkup | None = None, reply_to: int | None = None
) -> str:
    """A sendMessage call as stored JSON."""
    return json.dumps(
        {
            "kind": "message",
            "text": text,
            "html": html,
            "markup": markup.to_dict() if markup else None,
            "reply_to": reply_to,
        },
        ensure_ascii=False,
    )


def venue(latitude: float, longitude: float, title: str, address: str) -> str:
    """A sendVenue call (a map pin) as stored JSON."""
    return json.dumps(
        {"kind": "venue", "latitude": latitude, "longitude": longitude, "title": title, "address": address},
        ensure_ascii=False,
    )


def backoff(attempts: int) -> float:
    return min(0.5 * 2**attempts, MAX_BACKOFF_S)


class Outbox:
    def __init__(self, bot: Bot, store: StateStore, io: Runner, owner: str):
        self.bot, self.store, self.io, self.owner = bot, store, io, owner
        self._chats = KeyedLocks()
        self.dropped = 0  # messages given up on (refused by Telegram or older than a day)

    async def send(
        self, chat_id: int, payloads: list[str], update_id: int | None = None, state: DialogueState | None = None
    ) -> None:
        """Store the messages (finishing `update_id` and saving `state` with them), then try to deliver."""
        if not payloads and update_id is None and state is None:
            return
        await self.io(self.store.enqueue, chat_id, payloads, update_id, state)
        await self.flush(chat_id)

    async def flush(self, chat_id: int) -> None:
        """Deliver the chat's due messages in order; stop at the first that has to wait."""
        async with self._chats.hold(chat_id):
            for item in await self.io(self.store.outbox, chat_id):
                if time.time() - item.created > OUTBOX_EXPIRY_S:
                    log.warning("an answer for a chat was not delivered within a day and is dropped")
                    self.dropped += 1
                    await self.io(self.store.delivered, item.id)
                    continue
                if item.next_at > time.time():
                    break
                async with held(self.store, self.io, f"out:{item.id}", self.owner, LEASE_S) as mine:
                    if not mine:
                        break  # another worker is sending it
                    if not await self.io(self.store.is_queued, item.id):
                        continue  # delivered by another worker between the listing and the lease
                    if not await self._attempt(item):
                        break

    async def _attempt(self, item: OutgoingMessage) -> bool:
        """One delivery attempt; True when the message is done with (delivered or refused for good)."""
        try:
            await self._call(item.chat_id, json.loads(item.payload))
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as exc:
            log.warning("Telegram refused a message (%s); it is dropped", type(exc).__name__)
            self.dropped += 1
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            await self.io(self.store.postpone, item.id, time.time() + seconds)
            return False
        except TelegramError as exc:  # network errors, 5xx, an HTML error page instead of JSON, timeouts
            delay = backoff(item.attempts)
            log.warning("Bot API unavailable (%s); answer kept, retry in %.1f s", type(exc).__name__, delay)
            await self.io(self.store.postpone, item.id, time.time() + delay)
            return False
        await self.io(self.store.delivered, item.id)
        return True

    async def _call(self, chat_id: int, call: dict) -> None:
        if call["kind"] == "venue":
            await self.bot.send_venue(chat_id, call["latitude"], call["longitude"], call["title"], call["address"])
            return
        markup = InlineKeyboardMarkup.de_json(call["markup"], self.bot) if call.get("markup") else None
        reply = ReplyParameters(call["reply_to"], allow_sending_without_reply=True) if call.get("reply_to") else None
        await self.bot.send_message(
            chat_id,
            call["text"],
            parse_mode="HTML" if call.get("html") else None,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW if call.get("html") else None,
            reply_parameters=reply,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """The background sender: retries what is due, and at start-up delivers what a crash left behind."""
        while not stop.is_set():
            try:
                due = {m.chat_id for m in await self.io(self.store.outbox) if m.next_at <= time.time()}
                await asyncio.gather(*(self.flush(c) for c in due if not self._chats.busy(c)))
            except Exception:  # the store itself is failing: keep trying, never stop delivering
                log.exception("the outbox could not be read; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_S)
