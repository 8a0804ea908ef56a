"""Sending through the outbox: HTML chunks with the keyboard on the last, plain notes, map pins.

Every message is stored before it is sent and retried until delivered (see bot/tg/outbox.py). What is
not a message (answering a button press, editing a keyboard) is retried briefly by `with_retry`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.core.types import DialogueState
from bot.models import Answer
from bot.tg import outbox
from bot.tg.formatting import answer_html, split_message
from bot.tg.inbox import CURRENT_UPDATE
from bot.tg.keyboards import answer_keyboard
from bot.tg.services import services

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 6


async def with_retry(call: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Retry a call that is not a message (its effect is only useful now) over connection errors."""
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except (BadRequest, Forbidden, TimedOut):
            raise
        except RetryAfter as exc:  # only when the rate limiter gave up
            if attempt == attempts:
                raise
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
        except NetworkError:
            if attempt == attempts:
                raise
            log.warning("Bot API unavailable (attempt %d/%d); retrying in %.1f s", attempt, attempts, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")


def html_messages(text: str, markup: InlineKeyboardMarkup | None = None, reply_to: int | None = None) -> list[str]:
    """HTML split under Telegram's limit: the reply on the first chunk, the keyboard on the last."""
    chunks = split_message(text)
    return [
        outbox.message(
            chunk,
            html=True,
            markup=markup if n == len(chunks) - 1 else None,
            reply_to=reply_to if n == 0 else None,
        )
        for n, chunk in enumerate(chunks)
    ]


def answer_messages(answer: Answer, question_id: int | None, reply_to: int | None = None) -> list[str]:
    return html_messages(answer_html(answer), answer_keyboard(answer, question_id), reply_to)


async def send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, payloads: list[str], state: DialogueState | None = None
) -> None:
    """Queue messages for a chat; an answer with its state finishes the update it answers."""
    s = services(context)
    update_id = CURRENT_UPDATE.get() if state is not None else None
    await s.outbox.send(chat_id, payloads, update_id=update_id, state=state)


async def say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A plain reply in the update's chat (quoting the message in groups, as Telegram clients do)."""
    message = update.effective_message
    quote = update.effective_chat.type != ChatType.PRIVATE and message is not None and message.text is not None
    reply_to = message.message_id if quote else None
    await send(context, update.effective_chat.id, [outbox.message(text, markup=markup, reply_to=reply_to)])


async def send_html(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    await send(context, chat_id, html_messages(text))


async def send_answer(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    answer: Answer,
    question_id: int | None,
    reply_to: int | None = None,
) -> None:
    await send(context, chat_id, answer_messages(answer, question_id, reply_to))
