"""Command handlers: /start, /help, /about, /lang, /crafts, /try, /programs, /sources, unknown commands."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from bot.tg.callbacks import Callback
from bot.tg.keyboards import examples_keyboard, grid, lang_keyboard
from bot.tg.sending import say, send_html
from bot.tg.services import services, ui_lang
from bot.tg.texts import t

NAME_LIMIT = 32


def _short(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet in both languages, say what the guide knows, offer three example questions."""
    lang = await ui_lang(update, context)
    await say(update, context, t("start", lang), examples_keyboard(lang))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What to ask and the commands."""
    await say(update, context, t("help", await ui_lang(update, context)))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete everything kept about this chat: questions, feedback, conversation, language setting."""
    lang = await ui_lang(update, context)  # read before the setting is deleted
    s = services(context)
    gone = await s.io(s.storage.forget_chat, update.effective_chat.id)
    await say(update, context, t("forgotten", lang, count=gone))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot is and what it keeps."""
    text = t("about", await ui_lang(update, context), days=services(context).bot_settings.retention_days)
    await say(update, context, text)


async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Choose the answer language (inline keyboard)."""
    ui = await ui_lang(update, context)
    await say(update, context, t("lang_prompt", ui), lang_keyboard(ui))


async def crafts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The crafts as buttons; each opens its card."""
    ui = await ui_lang(update, context)
    items = [(_short(c.name.get(ui)), Callback("craft", (c.id,))) for c in services(context).engine.crafts_with()]
    await say(update, context, t("crafts_prompt", ui), grid(items))


async def try_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Crafts with a hands-on experience somewhere; each opens the places to try it."""
    ui = await ui_lang(update, context)
    items = [(_short(c.name.get(ui)), Callback("try", (c.id,))) for c in services(context).engine.crafts_with("try")]
    await say(update, context, t("try_prompt", ui), grid(items))


async def programs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """City programs as buttons."""
    ui = await ui_lang(update, context)
    knowledge = services(context).engine.knowledge
    items = [(_short(p.name.get(ui)), Callback("prog", (p.id,))) for p in knowledge.programs.values()]
    await say(update, context, t("programs_prompt", ui), grid(items, columns=1))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The indexed documents (with links where they have one) and the directory's size."""
    ui = await ui_lang(update, context)
    k = services(context).engine.knowledge
    lines = [f"<b>{t('sources_title', ui)}</b>"]
    for doc in k.documents.values():
        meta = doc.meta
        title = html.escape(meta.title(ui))
        year = f" ({meta.year})" if meta.year else ""
        if meta.source_url:
            title = f'<a href="{html.escape(str(meta.source_url), quote=True)}">{title}</a>'
        lines.append(f"• {title}{year} — {html.escape(meta.publisher_ja if ui == 'ja' else meta.publisher_en)}")
    lines.append("")
    lines.append(
        html.escape(
            t(
                "directory_line",
                ui,
                crafts=len(k.crafts),
                venues=len(k.venues),
                programs=len(k.programs),
                kpis=len(k.kpis),
            )
        )
    )
    await send_html(context, update.effective_chat.id, "\n".join(lines))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not have."""
    await say(update, context, t("unknown_command", await ui_lang(update, context)))
