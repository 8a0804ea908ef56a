"""The Telegram bot: builds the PTB Application, registers handlers, runs long polling or a webhook.

`guide serve` runs `main()`. Configuration comes from the environment or `.env` (see README):
TELEGRAM_BOT_TOKEN (required), TELEGRAM_BASE_URL (another Bot API server, e.g. the tests' fake),
ADMIN_USER_IDS, WEBHOOK_URL / WEBHOOK_LISTEN / WEBHOOK_PORT / WEBHOOK_SECRET for webhook mode,
GUIDE_STATE_URL for a shared state store (several workers).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import redis
from telegram import Bot, BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.engine import Engine
from bot.llm import configured_llm
from bot.settings import GuideSettings
from bot.state import StateUrlError, open_store
from bot.state.base import StateStore
from bot.tg.handlers import admin, buttons, commands, questions
from bot.tg.handlers.errors import on_error
from bot.tg.inbox import Inbox, worker_name
from bot.tg.outbox import Outbox
from bot.tg.runtime import serve
from bot.tg.services import KEY, Services
from bot.tg.settings import BotSettings
from ingest.settings import Settings
from ingest.store import IndexMissing, ModelMismatch, is_disk_problem

log = logging.getLogger(__name__)
NO_TOKEN = (
    "No TELEGRAM_BOT_TOKEN set: create a bot with @BotFather in Telegram, then put "
    "TELEGRAM_BOT_TOKEN=<token> in the environment or .env. Meanwhile, try the guide with `guide chat`."
)

COMMANDS = {
    "en": [
        ("start", "Welcome and example questions"),
        ("help", "What to ask"),
        ("crafts", "The crafts of Kanazawa"),
        ("try", "Hands-on experiences"),
        ("programs", "City programs"),
        ("sources", "What the guide answers from"),
        ("lang", "Answer language"),
        ("about", "About this bot"),
        ("forget", "Delete what the bot keeps about this chat"),
    ],
    "ja": [
        ("start", "はじめに・質問の例"),
        ("help", "使い方"),
        ("crafts", "金沢の工芸"),
        ("try", "体験できること"),
        ("programs", "市の事業・取り組み"),
        ("sources", "参照している資料"),
        ("lang", "回答の言語"),
        ("about", "このボットについて"),
        ("forget", "このチャットの保存データを削除"),
    ],
}


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes secrets (the bot token appears in Bot API URLs)."""

    def __init__(self, fmt: str, secrets: list[str]):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text


def setup_logging(secrets: list[str], level: int = logging.INFO) -> None:
    """Log to stderr with secrets redacted; quiet the HTTP libraries (their URLs hold the token)."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "chromadb", "sentence_transformers", "transformers", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def register_commands(application: Application) -> None:
    """The command menu in English (default) and Japanese."""
    for lang, items in COMMANDS.items():
        commands_ = [BotCommand(name, description) for name, description in items]
        await application.bot.set_my_commands(commands_, language_code=None if lang == "en" else lang)


def build_application(
    bot_settings: BotSettings,
    settings: Settings,
    engine: Engine | None = None,
    storage: StateStore | None = None,
    llm=None,
) -> Application:
    """The Application with every handler; the engine (with the configured LLM, if any) is loaded here once.
    Updates reach the handlers through the inbox (bot/tg/inbox.py), not PTB's Updater."""
    builder = (
        ApplicationBuilder().token(bot_settings.token_value()).rate_limiter(AIORateLimiter(max_retries=5)).updater(None)
    )
    if bot_settings.base_url:
        base = bot_settings.base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    application = builder.build()
    state_url = bot_settings.state_url.get_secret_value() if bot_settings.state_url else None
    store = storage or open_store(state_url, settings.data_dir, bot_settings.retention_days)
    s = Services(
        engine=engine or Engine(settings, llm=llm),
        storage=store,
        bot_settings=bot_settings,
        settings=settings,
        owner=worker_name(),
        executor=ThreadPoolExecutor(max_workers=bot_settings.workers),
    )
    s.outbox = Outbox(application.bot, store, s.io, s.owner)
    s.inbox = Inbox(application, store, s.io, s.owner)
    application.bot_data[KEY] = s
    only_new = filters.UpdateType.MESSAGE  # edited messages are ignored on purpose: no second answer
    application.add_handler(CommandHandler("start", commands.start, filters=only_new))
    application.add_handler(CommandHandler("help", commands.help_command, filters=only_new))
    application.add_handler(CommandHandler("about", commands.about, filters=only_new))
    application.add_handler(CommandHandler("lang", commands.lang, filters=only_new))
    application.add_handler(CommandHandler("crafts", commands.crafts, filters=only_new))
    application.add_handler(CommandHandler("try", commands.try_command, filters=only_new))
    application.add_handler(CommandHandler("programs", commands.programs, filters=only_new))
    application.add_handler(CommandHandler("sources", commands.sources, filters=only_new))
    application.add_handler(CommandHandler("forget", commands.forget, filters=only_new))
    application.add_handler(CommandHandler("stats", admin.stats, filters=only_new))
    application.add_handler(CommandHandler("reingest", admin.reingest, filters=only_new))
    application.add_handler(CommandHandler("unanswered", admin.unanswered, filters=only_new))
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    application.add_handler(
        MessageHandler(only_new & filters.COMMAND & filters.ChatType.PRIVATE, commands.unknown_command)
    )  # in groups, other bots' commands are not ours to answer
    application.add_handler(MessageHandler(only_new & filters.TEXT, questions.on_text))
    application.add_handler(MessageHandler(only_new & filters.LOCATION, questions.on_location))
    application.add_handler(MessageHandler(only_new & ~filters.TEXT, questions.on_other))
    application.add_error_handler(on_error)
    return application


async def verify_token(bot_settings: BotSettings) -> None:
    """Ask the Bot API who we are: raises InvalidToken when Telegram rejects the token."""
    base = bot_settings.base_url.rstrip("/") if bot_settings.base_url else None
    bot = Bot(bot_settings.token_value(), base_url=f"{base}/bot" if base else "https://api.telegram.org/bot")
    async with bot:
        await bot.get_me()


def main(settings: GuideSettings | None = None) -> int:
    """`guide serve`: long polling by default, a webhook when WEBHOOK_URL is set; answers through the
    configured LLM (LLM_BASE_URL, LLM_MODEL) when there is one."""
    settings = settings or GuideSettings()  # read once, here: `guide serve` passes the one it read
    bot_settings = settings.telegram
    if not bot_settings.token:
        print(NO_TOKEN)
        return 2
    secret = bot_settings.webhook_secret.get_secret_value() if bot_settings.webhook_secret else ""
    if bot_settings.webhook_url and not secret:
        print("WEBHOOK_SECRET must be set with WEBHOOK_URL (Telegram sends it back; other callers are refused).")
        return 2
    llm_key = settings.llm.api_key
    state_url = bot_settings.state_url.get_secret_value() if bot_settings.state_url else ""
    setup_logging([bot_settings.token_value(), secret, llm_key or "", state_url])
    try:
        asyncio.run(verify_token(bot_settings))  # fail fast, before loading the models
    except InvalidToken:
        # PTB's message quotes the token itself: say it in our words instead.
        print("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather (the token is not shown here).")
        return 2
    except TelegramError as exc:  # getMe failed: the API is unreachable or answers with an error page
        where = bot_settings.base_url or "https://api.telegram.org"
        reason = str(exc).replace(bot_settings.token_value(), "<token>")
        print(f"error: the Telegram Bot API at {where} did not answer getMe ({reason}); check the network.")
        return 1
    try:
        store = open_store(state_url or None, settings.index.data_dir, bot_settings.retention_days)
    except StateUrlError as exc:
        print(f"error: {exc}")
        return 2
    except redis.RedisError as exc:
        reason = str(exc).replace(state_url, "<GUIDE_STATE_URL>")  # the URL may hold a password
        print(f"error: the state store at GUIDE_STATE_URL did not answer ({type(exc).__name__}: {reason})")
        return 1
    except (OSError, sqlite3.OperationalError) as exc:
        print(f"error: cannot write to the data directory {settings.index.data_dir}: {exc}")
        return 1
    try:
        application = build_application(bot_settings, settings.index, storage=store, llm=configured_llm(settings.llm))

        async def run() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await serve(application, bot_settings, stop)

        asyncio.run(run())
        return 0
    except (IndexMissing, ModelMismatch) as exc:
        print(f"error: {exc}")
        return 3
    except (OSError, sqlite3.OperationalError) as exc:
        if not is_disk_problem(exc):
            log.exception("The bot stopped because of an error")
            return 1
        print(f"error: cannot write to the data directory {settings.index.data_dir}: {exc}")
        return 1
    except Exception:  # logged through the redacting formatter, never printed raw
        log.exception("The bot stopped because of an error")
        return 1
