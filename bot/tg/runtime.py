"""Serving: the Application started without PTB's Updater, updates fed through the inbox (long polling or a
webhook), the outbox's sender and the inbox's sweeper running beside it until `stop` is set.

Several `guide serve` workers can run behind one webhook URL when they share a state store (Redis): each
update is answered once, by whichever worker stored it first, in order per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.tg.services import KEY, Services
from bot.tg.settings import BotSettings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DRAIN_ON_STOP_S = 30.0  # a clean stop lets the answers being prepared finish for this long


def webhook_app(application: Application, secret: str) -> web.Application:
    """POST /telegram (secret token checked) stores the update, then says 200; GET /health for monitoring."""
    s: Services = application.bot_data[KEY]

    async def telegram(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except (json.JSONDecodeError, ValueError):
            return web.Response(status=400, text="bad request")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="bad request")
        try:
            await s.inbox.accept(data)
        except Exception:  # not stored: Telegram must send it again, so it is not acknowledged
            log.exception("an update could not be stored")
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "index_generation": s.engine.retriever.generation})

    app = web.Application()
    app.router.add_post("/telegram", telegram)
    app.router.add_get("/health", health)
    return app


async def serve(
    application: Application,
    bot_settings: BotSettings,
    stop: asyncio.Event,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Run until `stop`: long polling, or a webhook when WEBHOOK_URL is set."""
    from bot.tg.app import register_commands  # the command menu lives with the Application's wiring

    s: Services = application.bot_data[KEY]
    webhook = bool(bot_settings.webhook_url)
    secret = bot_settings.webhook_secret.get_secret_value() if bot_settings.webhook_secret else ""
    runner: web.AppRunner | None = None
    async with application:
        await application.start()
        if webhook:
            # Every worker registers the same URL: harmless, and no worker is special.
            await application.bot.set_webhook(
                url=f"{bot_settings.webhook_url.rstrip('/')}/telegram",
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
            )
            runner = web.AppRunner(webhook_app(application, secret))
            await runner.setup()
            await web.TCPSite(runner, bot_settings.webhook_listen, bot_settings.webhook_port).start()
            log.info("webhook listening on %s:%s", bot_settings.webhook_listen, bot_settings.webhook_port)
        else:
            await application.bot.delete_webhook()
        await register_commands(application)
        background = [asyncio.create_task(s.inbox.sweep(stop)), asyncio.create_task(s.outbox.run(stop))]
        polling = None if webhook else asyncio.create_task(s.inbox.poll(stop))
        if on_started:
            on_started()
        await stop.wait()
        if polling:  # a batch fetched but not stored is not confirmed either: Telegram sends it again
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        if runner:
            await runner.cleanup()
        try:
            await asyncio.wait_for(s.inbox.wait_idle(), DRAIN_ON_STOP_S)
        except TimeoutError:
            log.warning("stopping with answers still in preparation; they are answered at the next start")
        await asyncio.gather(*background, return_exceptions=True)
        await application.stop()
