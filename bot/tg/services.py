"""What the handlers share: the engine, storage, limits and settings (kept in application.bot_data)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.engine import Engine
from bot.tg.limits import RateLimiter
from bot.tg.settings import BotSettings
from bot.tg.storage import BotStorage
from ingest.settings import Settings

T = TypeVar("T")
KEY = "services"


@dataclass
class Services:
    engine: Engine
    storage: BotStorage
    bot_settings: BotSettings
    settings: Settings
    limiter: RateLimiter
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=2))
    reingest_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_flight: int = 0  # answers being prepared now (the event loop's own count: no lock needed)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run engine work (CPU-bound, synchronous) off the event loop, on a small pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.bot_settings.admin_user_ids


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]


def chat_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The language fixed with /lang for this chat, or None (follow each message)."""
    chat = update.effective_chat
    return services(context).storage.chat_lang(chat.id) if chat else None


def ui_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Language for the bot's own words: /lang choice, else Telegram's language_code, else English."""
    fixed = chat_lang(update, context)
    if fixed:
        return fixed
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "ja" if code.startswith("ja") else "en"
