"""The inbox: an update is stored before Telegram is told it arrived, then answered in order per chat.

Long polling confirms an update (the next getUpdates' offset) only after it is stored; a webhook answers
200 only after it is stored. The store deduplicates by update_id, so a redelivery, or the same update
reaching two workers, is answered once. A lease per chat lets one worker at a time work through that
chat's updates, oldest first (a follow-up sees the state its question left); different chats go
concurrently. What a crash leaves in the inbox is answered at the next start (or by another worker once
the lease expires): late, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from contextvars import ContextVar

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import Application

from bot.state.base import PendingUpdate, StateStore
from bot.tg.leases import Runner, held

log = logging.getLogger(__name__)
LEASE_S = 15.0  # a chat's lease, renewed while its updates are answered: only a dead worker's runs out
RETRY_S = 0.2  # how soon a worker that found a chat leased looks again
SWEEP_S = 5.0  # how often pending chats are looked for (what a crashed worker left behind)
POLL_TIMEOUT_S = 25
# The update being answered: the answer's outbox entry finishes it in the same transaction.
CURRENT_UPDATE: ContextVar[int | None] = ContextVar("current_update", default=None)


def worker_name() -> str:
    """Unique across hosts and restarts: leases taken by a dead worker are never mistaken for ours."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def chat_key(update: Update) -> str:
    """Updates of one chat are answered in order; a button on an inline message has only its user."""
    if update.effective_chat is not None:
        return f"c{update.effective_chat.id}"
    if update.effective_user is not None:
        return f"u{update.effective_user.id}"
    return "other"


class Inbox:
    def __init__(self, application: Application, store: StateStore, io: Runner, owner: str):
        self.application, self.store, self.io, self.owner = application, store, io, owner
        self._draining: set[str] = set()
        self._dirty: set[str] = set()  # chats that got an update while being drained
        self._tasks: set[asyncio.Task] = set()

    async def accept(self, data: dict) -> bool:
        """Store one update from Telegram and start answering it; False for a duplicate or an unusable one."""
        try:
            update = Update.de_json(data, self.application.bot)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("an update that is not one was ignored: %s", type(exc).__name__)
            return False
        if update is None:
            return False
        return await self._store(update, data)

    async def _store(self, update: Update, data: dict) -> bool:
        key = chat_key(update)
        fresh = await self.io(self.store.accept_update, update.update_id, key, json.dumps(data, ensure_ascii=False))
        if fresh:
            self.schedule(key)
        return fresh

    def schedule(self, key: str) -> None:
        if key in self._draining:
            self._dirty.add(key)  # the running drain looks again before it lets go of the chat
            return
        task = asyncio.create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: str) -> None:
        self._draining.add(key)
        try:
            while True:
                self._dirty.discard(key)
                if not await self.io(self.store.pending_updates, key):
                    if key in self._dirty:
                        continue
                    break
                async with held(self.store, self.io, f"chat:{key}", self.owner, LEASE_S) as mine:
                    if not mine:
                        await asyncio.sleep(RETRY_S)  # another worker has this chat: it may leave one for us
                        continue
                    while pending := await self.io(self.store.pending_updates, key):
                        for item in pending:
                            await self._process(item)
        except Exception:  # the store is failing: the sweeper comes back to this chat
            log.exception("a chat's updates could not be processed now; they stay in the inbox")
        finally:
            self._draining.discard(key)

    async def _process(self, item: PendingUpdate) -> None:
        """Run the handlers (PTB's own dispatch and error handler), then mark the update done."""
        update = Update.de_json(json.loads(item.payload), self.application.bot)
        token = CURRENT_UPDATE.set(item.update_id)
        try:
            await self.application.process_update(update)
        finally:
            CURRENT_UPDATE.reset(token)
        await self.io(self.store.finish_update, item.update_id)

    async def sweep(self, stop: asyncio.Event) -> None:
        """At start-up and every few seconds: answer what is pending (a crash, another worker's death)."""
        while not stop.is_set():
            try:
                for key in await self.io(self.store.pending_chats):
                    self.schedule(key)
            except Exception:
                log.exception("the inbox could not be read; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SWEEP_S)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling: the offset that confirms a batch is sent only after the whole batch is stored."""
        bot = self.application.bot
        offset: int | None = None
        delay = 0.5
        while not stop.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=POLL_TIMEOUT_S,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=POLL_TIMEOUT_S + 10,
                )
                delay = 0.5
            except Conflict:
                log.error("another process is polling with this token; retrying in 5 s")
                await asyncio.sleep(5)
                continue
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); retrying in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            try:
                for update in updates:
                    await self._store(update, update.to_dict())  # parsed already by get_updates
                    offset = update.update_id + 1
            except Exception:  # not stored, so not confirmed either: Telegram sends it again
                log.exception("an update could not be stored; fetching it again in 1 s")
                await asyncio.sleep(1)

    async def wait_idle(self) -> None:
        """Let the answers being prepared finish (a clean stop loses nothing that was accepted)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
