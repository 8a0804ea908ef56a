"""Sending answers: HTML chunks, keyboards on the last chunk, retries while the Bot API is failing.

AIORateLimiter already waits out 429 (RetryAfter); this retries connection errors and 5xx for a while,
so an answer is not lost when the API hiccups. Bad requests are not retried, and neither are timeouts
(the message may have arrived: better lost than sent twice).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.models import Answer
from bot.tg.formatting import answer_html, split_message
from bot.tg.keyboards import answer_keyboard

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 6
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def with_retry(call: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except (BadRequest, Forbidden, TimedOut):
            # A bad request never succeeds on retry; a timed-out send may have arrived: never send twice.
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


async def send_html(
    bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, reply_to: int | None = None
) -> Message:
    chunks = split_message(text)
    message = None
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        message = await with_retry(
            lambda chunk=chunk, last=last, first=(n == 0): bot.send_message(
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                link_preview_options=NO_PREVIEW,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to and first
                else None,
            )
        )
    return message


async def send_answer(
    bot, chat_id: int, answer: Answer, question_id: int | None, reply_to: int | None = None
) -> Message:
    return await send_html(bot, chat_id, answer_html(answer), answer_keyboard(answer, question_id), reply_to)
