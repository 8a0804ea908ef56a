"""The error handler: log the problem (the token is redacted by the logging setup), apologise briefly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import ContextTypes

from bot.tg.services import ui_lang
from bot.tg.texts import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Never show a traceback to a user; tell them something went wrong, if we can."""
    if isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest):
        log.warning("Bot API network problem: %s", context.error)
        return
    log.error("Error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, t("error", await ui_lang(update, context)))
        except Exception:  # the apology itself failed: nothing more to do
            log.warning("Could not send the error apology")
