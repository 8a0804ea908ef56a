"""What the handlers share: the engine, the state store, the inbox and outbox, settings (in bot_data)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.engine import Engine
from bot.state.base import StateStore
from bot.tg.settings import BotSettings
from ingest.settings import Settings

if TYPE_CHECKING:
    from bot.tg.inbox import Inbox
    from bot.tg.outbox import Outbox

T = TypeVar("T")
KEY = "services"


@dataclass
class Services:
    engine: Engine
    storage: StateStore
    bot_settings: BotSettings
    settings: Settings
    owner: str  # this worker's name in leases
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=2))
    # State-store calls wait on disk or network, not on the CPU: their own pool, so they never queue
    # behind the engine's answers.
    io_executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=8))
    reingest_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_flight: int = 0  # answers being prepared now (the event loop's own count: no lock needed)
    inbox: Inbox | None = None
    outbox: Outbox | None = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run engine work (CPU-bound, synchronous) off the event loop, on a small pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def io(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a state-store call off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.io_executor, functools.partial(fn, *args, **kwargs))

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.bot_settings.admin_user_ids


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]


async def chat_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The language fixed with /lang for this chat, or None (follow each message)."""
    chat = update.effective_chat
    s = services(context)
    return await s.io(s.storage.chat_lang, chat.id) if chat else None


async def ui_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Language for the bot's own words: /lang choice, else Telegram's language_code, else English."""
    fixed = await chat_lang(update, context)
    if fixed:
        return fixed
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "ja" if code.startswith("ja") else "en"
