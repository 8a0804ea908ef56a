"""Free-text questions (answered by the engine) and messages that are not text."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.engine import MAX_QUESTION_CHARS
from bot.tg import outbox
from bot.tg.sending import answer_messages, say, send
from bot.tg.services import chat_lang, services, ui_lang
from bot.tg.texts import t

log = logging.getLogger(__name__)
TYPING_TIMEOUT_S = 3.0
TYPING_MAX_IN_FLIGHT = 4  # answers being prepared at once above which no typing indicator is sent


def addressed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The question, or None when the bot should stay silent (a group message not meant for it)."""
    message = update.effective_message
    text = message.text or ""
    if update.effective_chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return text
    # Our exact username: "@kanazawa_guide_bot_helper" is another bot's, not a mention of us.
    mention = re.compile(rf"@{re.escape(context.bot.username)}(?![A-Za-z0-9_])", re.I)
    replied = message.reply_to_message and message.reply_to_message.from_user
    if (replied and message.reply_to_message.from_user.id == context.bot.id) or mention.search(text):
        return mention.sub(" ", text)
    return None


async def answer_question(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    question: str,
    reply: bool = True,
    location: tuple[float, float] | None = None,
) -> None:
    """Ask the engine (off the event loop) and send the answer with its sources and buttons."""
    s = services(context)
    chat_id = update.effective_chat.id
    user = update.effective_user
    if user is not None and not await s.io(s.storage.allow, user.id, s.bot_settings.questions_per_minute):
        if await s.io(s.storage.warn_once, user.id):
            await send(context, chat_id, [outbox.message(t("too_fast", await ui_lang(update, context)))])
        return
    # Best effort, never in the answer's way; under a burst it is left out, since every call counts against
    # Telegram's ~30 messages/s that the answers need.
    busy = s.in_flight >= TYPING_MAX_IN_FLIGHT
    typing = asyncio.create_task(_typing(context.bot, chat_id)) if not busy else None
    s.in_flight += 1
    try:
        await _answer(update, context, question, reply, location, typing)
    finally:
        s.in_flight -= 1


async def _answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    question: str,
    reply: bool,
    location: tuple[float, float] | None,
    typing: asyncio.Task | None,
) -> None:
    """The engine's answer, logged, then queued with the conversation's new state in one step (so a crash
    leaves the question either unanswered in the inbox or answered in the outbox); the typing call stops."""
    s = services(context)
    chat_id = update.effective_chat.id
    fixed = await chat_lang(update, context)
    state = await s.io(s.storage.load_state, chat_id)
    answer, state = await s.run(s.engine.ask, question, state, lang=fixed, location=location)
    question_id = await s.io(s.storage.log_answer, chat_id, answer)
    messages = []
    if len(question.strip()) > MAX_QUESTION_CHARS:
        messages.append(outbox.message(t("truncated", answer.language)))
    reply_to = update.effective_message.message_id if reply and update.effective_message else None
    messages += answer_messages(answer, question_id, reply_to)
    if typing is not None:
        typing.cancel()
    await send(context, chat_id, messages, state=state)


async def _typing(bot, chat_id: int) -> None:
    """The "typing…" indicator: a slow or failing sendChatAction is logged and forgotten."""
    try:
        await asyncio.wait_for(bot.send_chat_action(chat_id, ChatAction.TYPING), TYPING_TIMEOUT_S)
    except (TelegramError, TimeoutError) as exc:
        log.info("typing indicator skipped: %s", type(exc).__name__)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: a question for the guide (in groups only when addressed)."""
    question = addressed_text(update, context)
    if question is None:
        return
    await answer_question(update, context, question)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: the nearest venues (for the craft or activity the chat was about, if any)."""
    point = update.effective_message.location
    if point is None:
        return
    await answer_question(update, context, "", location=(point.latitude, point.longitude))


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files…: say politely that only text is understood (not in groups)."""
    if update.effective_chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    await say(update, context, t("non_text", await ui_lang(update, context)))
