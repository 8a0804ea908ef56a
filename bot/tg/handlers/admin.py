"""Staff commands, limited to ADMIN_USER_IDS: /stats, /reingest, /unanswered."""

from __future__ import annotations

import html
import time

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.cli import format_report
from bot.tg import outbox
from bot.tg.sending import say, send, send_html
from bot.tg.services import services, ui_lang
from bot.tg.texts import t
from ingest.loader import KnowledgeError
from ingest.pipeline import run_ingest


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True (and a polite refusal) when the sender is not staff, or the chat is not private
    (statistics and other users' questions are not for a group)."""
    user = update.effective_user
    if services(context).is_admin(user.id if user else None) and update.effective_chat.type == ChatType.PRIVATE:
        return False
    await say(update, context, t("admin_only", await ui_lang(update, context)))
    return True


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Questions per day and language, unknown-answer rate, feedback, most asked topics."""
    if await _refuse(update, context):
        return
    st = await services(context).io(services(context).storage.stats)
    lines = ["<b>Questions (last 14 days)</b>"]
    lines += [f"{day} {lang}: {n}" for day, lang, n in st.per_day] or ["none yet"]
    rate = f"{100 * st.unknown / st.total:.0f}%" if st.total else "-"
    lines.append(f"\nUnknown answers: {st.unknown}/{st.total} ({rate})")
    lines.append(f"Feedback: 👍 {st.feedback['up']}  👎 {st.feedback['down']}")
    if st.topics:
        lines.append("\n<b>Most asked topics</b>")
        lines += [f"{html.escape(subject)}: {n}" for subject, n in st.topics]
    await send_html(context, update.effective_chat.id, "\n".join(lines))


async def unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Recent questions the guide could not answer."""
    if await _refuse(update, context):
        return
    rows = await services(context).io(services(context).storage.unanswered)
    if not rows:
        await say(update, context, t("no_unanswered", await ui_lang(update, context)))
        return
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(asked))} [{lang}] {html.escape(q[:200])}"
        for asked, lang, q in rows
    ]
    await send_html(context, update.effective_chat.id, "\n".join(lines))


async def reingest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run ingestion; the engine keeps answering from the old index until the new one is active."""
    if await _refuse(update, context):
        return
    s = services(context)
    lang = await ui_lang(update, context)
    chat_id = update.effective_chat.id
    async with s.reingest_lock:
        await send(context, chat_id, [outbox.message(t("reingest_started", lang))])
        try:
            report = await s.run(run_ingest, s.settings, embedders=s.engine.embedders)
        except KnowledgeError as exc:
            text = f"{t('reingest_failed', lang)}\n<pre>{html.escape(str(exc))}</pre>"
            await send_html(context, chat_id, text)
            return
        await s.run(s.engine.reload)
    await send_html(context, chat_id, f"<pre>{html.escape(format_report(report))}</pre>")
