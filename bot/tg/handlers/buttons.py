"""Inline-button presses: language, craft cards, places to try, programs, map pins, examples, feedback."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.core.kit import map_url
from bot.tg import outbox
from bot.tg.callbacks import Callback
from bot.tg.handlers.questions import answer_question
from bot.tg.keyboards import without_feedback
from bot.tg.sending import send, send_answer, with_retry
from bot.tg.services import services, ui_lang
from bot.tg.texts import EXAMPLES, t

log = logging.getLogger(__name__)
MAX_ROW_ID = 2**63 - 1  # SQLite's largest row id
# Whether this press was answered: each update runs in its own task, so the flag is the press's own.
_answered: ContextVar[bool] = ContextVar("callback_answered", default=False)


async def acknowledge(update: Update, text: str | None = None) -> None:
    """Stop the button's spinner, once; a press that is too old to answer is not an error worth failing on."""
    if _answered.get():
        return
    _answered.set(True)
    try:
        await with_retry(lambda: update.callback_query.answer(text))
    except TelegramError as exc:
        log.info("could not answer a button press: %s", exc)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route a button press by its compact callback data."""
    _answered.set(False)
    query = update.callback_query
    callback = Callback.decode(query.data)
    if callback is None or not callback.args or update.effective_chat is None:
        # Not a button we made (old, forged), or pressed on an inline message with no chat to answer in.
        await acknowledge(update, t("button_invalid", await ui_lang(update, context)))
        return
    handler = ROUTES[callback.action]
    try:
        await handler(update, context, callback.args)
    finally:
        await acknowledge(update)  # every press is answered, so the spinner stops (a second answer is ignored)


async def _lang(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    choice = args[0] if args[0] in ("ja", "en") else None
    s = services(context)
    await s.io(s.storage.set_chat_lang, update.effective_chat.id, choice)
    await acknowledge(update)
    key = f"lang_set_{choice or 'auto'}"
    await send(context, update.effective_chat.id, [outbox.message(t(key, await ui_lang(update, context)))])


async def _card(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, record_id: str) -> None:
    s = services(context)
    await acknowledge(update)
    answer = s.engine.describe(kind, record_id, await ui_lang(update, context))
    if answer is not None:
        await send_answer(context, update.effective_chat.id, answer, None)


async def _craft(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    await _card(update, context, "craft", args[0])


async def _venue(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    await _card(update, context, "venue", args[0])


async def _program(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    await _card(update, context, "program", args[0])


async def _try(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    s = services(context)
    await acknowledge(update)
    answer = s.engine.places_for(args[0], ["try"], await ui_lang(update, context))
    if answer is not None:
        await send_answer(context, update.effective_chat.id, answer, None)


async def _pin(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    """A Telegram venue when the building's coordinates are known; otherwise a map search for the address."""
    s = services(context)
    venue = s.engine.knowledge.venues.get(args[0])
    await acknowledge(update)
    if venue is None:
        return
    lang = await ui_lang(update, context)
    chat_id = update.effective_chat.id
    address = venue.address.ja or venue.address.en or ""
    if venue.location and venue.location.exact:
        location = venue.location
        messages = [outbox.venue(location.latitude, location.longitude, venue.name.get(lang)[:64], address or "-")]
    elif address:
        key = "approx_coordinates" if venue.location else "no_coordinates"
        messages = [outbox.message(f"{t(key, lang)}\n{venue.name.get(lang)}\n{address}\n{map_url(venue)}")]
    else:
        messages = [outbox.message(t("no_address", lang))]
    if venue.confidence != "high":
        messages.append(outbox.message(t(f"confidence_{venue.confidence}", lang)))
    await send(context, chat_id, messages)


async def _feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    query = update.callback_query
    try:
        vote, question_id = int(args[0]), int(args[1])
    except (ValueError, IndexError):
        vote, question_id = 0, 0
    if vote not in (1, -1) or not 0 < question_id <= MAX_ROW_ID:  # forged: no such row can exist
        await acknowledge(update, t("button_invalid", await ui_lang(update, context)))
        return
    s = services(context)
    stored = await s.io(s.storage.record_feedback, question_id, update.effective_chat.id, vote)
    await acknowledge(update, t("thanks", await ui_lang(update, context)) if stored else None)
    if stored and query.message is not None:
        markup = without_feedback(query.message.reply_markup)
        try:
            await with_retry(lambda: query.edit_message_reply_markup(reply_markup=markup))
        except BadRequest as exc:  # a double tap: "message is not modified"; an old message: cannot be edited
            log.info("feedback buttons not removed: %s", exc)


async def _original(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    """The original sentences behind an answer's translated quotes."""
    s = services(context)
    await acknowledge(update)
    lang = await ui_lang(update, context)
    answer = s.engine.originals(args[0].split(","), lang)
    if answer is None:
        await send(context, update.effective_chat.id, [outbox.message(t("original_gone", lang))])
        return
    await send_answer(context, update.effective_chat.id, answer, None)


async def _example(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    await acknowledge(update)
    try:
        question = EXAMPLES[args[0]][int(args[1])]
    except (KeyError, ValueError, IndexError):
        return
    await answer_question(update, context, question, reply=False)


ROUTES = {
    "lang": _lang,
    "craft": _craft,
    "venue": _venue,
    "prog": _program,
    "try": _try,
    "pin": _pin,
    "fb": _feedback,
    "ex": _example,
    "orig": _original,
}
