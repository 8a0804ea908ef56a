"""The Telegram bot: builds the PTB Application, registers handlers, runs long polling or a webhook.

`guide serve` runs `main()`. Configuration comes from the environment or `.env` (see README):
TELEGRAM_BOT_TOKEN (required), TELEGRAM_BASE_URL (another Bot API server, e.g. the tests' fake),
ADMIN_USER_IDS, WEBHOOK_URL / WEBHOOK_LISTEN / WEBHOOK_PORT / WEBHOOK_SECRET for webhook mode.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from telegram import Bot, BotCommand, Update
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
from bot.tg.handlers import admin, buttons, commands, questions
from bot.tg.handlers.errors import on_error
from bot.tg.limits import RateLimiter
from bot.tg.services import KEY, Services
from bot.tg.settings import BotSettings
from bot.tg.storage import BotStorage
from ingest.settings import Settings
from ingest.store import IndexMissing, ModelMismatch, is_disk_problem

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
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
    storage: BotStorage | None = None,
    llm=None,
) -> Application:
    """The Application with every handler; the engine (with the configured LLM, if any) is loaded here once."""
    builder = (
        ApplicationBuilder()
        .token(bot_settings.token_value())
        .rate_limiter(AIORateLimiter(max_retries=5))
        .concurrent_updates(64)
        .post_init(register_commands)
    )
    if bot_settings.base_url:
        base = bot_settings.base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    application = builder.build()
    application.bot_data[KEY] = Services(
        engine=engine or Engine(settings, llm=llm),
        storage=storage or BotStorage(settings.data_dir / "bot.sqlite3", bot_settings.retention_days),
        bot_settings=bot_settings,
        settings=settings,
        limiter=RateLimiter(bot_settings.questions_per_minute),
        executor=ThreadPoolExecutor(max_workers=bot_settings.workers),
    )
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


def webhook_app(application: Application, secret: str) -> web.Application:
    """POST /telegram (secret token checked) feeds the update queue; GET /health for monitoring."""

    async def telegram(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except (json.JSONDecodeError, ValueError):
            return web.Response(status=400, text="bad request")
        await application.update_queue.put(Update.de_json(data, application.bot))
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        engine = application.bot_data[KEY].engine
        return web.json_response({"status": "ok", "index_generation": engine.retriever.generation})

    app = web.Application()
    app.router.add_post("/telegram", telegram)
    app.router.add_get("/health", health)
    return app


async def run_webhook(application: Application, bot_settings: BotSettings, stop: asyncio.Event) -> None:
    """Serve the webhook until `stop` is set; registers the URL with Telegram first."""
    secret = bot_settings.webhook_secret.get_secret_value() if bot_settings.webhook_secret else ""
    runner = web.AppRunner(webhook_app(application, secret))
    await runner.setup()
    site = web.TCPSite(runner, bot_settings.webhook_listen, bot_settings.webhook_port)
    async with application:
        await application.bot.set_webhook(
            url=f"{bot_settings.webhook_url.rstrip('/')}/telegram",
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
        await application.start()
        await register_commands(application)  # post_init only runs inside run_polling / run_webhook
        await site.start()
        log.info("webhook listening on %s:%s", bot_settings.webhook_listen, bot_settings.webhook_port)
        await stop.wait()
        await application.stop()
    await runner.cleanup()


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
    setup_logging([bot_settings.token_value(), secret, llm_key or ""])
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
        application = build_application(bot_settings, settings.index, llm=configured_llm(settings.llm))
        if not bot_settings.webhook_url:
            application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            return 0
        stop = asyncio.Event()

        async def serve() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await run_webhook(application, bot_settings, stop)

        asyncio.run(serve())
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
