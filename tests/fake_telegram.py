"""A fake Telegram Bot API server on 127.0.0.1 for the end-to-end tests.

It speaks the real HTTP protocol PTB uses (POST /bot<token>/<method>, JSON or form data), keeps a
queue of updates for getUpdates long polling, records every call, and can answer 429 with
retry_after or fail with 500 for a while, to test the bot's robustness.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.tg.runtime import serve

BOT_ID = 7000001
BOT_USERNAME = "kanazawa_guide_bot"


def text_update(update_id: int, chat_id: int, text: str, language_code: str = "en") -> dict:
    """A text message in a private chat, as Telegram posts it to a webhook."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language_code},
            "text": text,
        },
    }


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotApi:
    def __init__(self, token: str):
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._lock = threading.Lock()
        self.rate_limit_left = 0  # answer this many calls of `rate_limit_method` with 429
        self.rate_limit_method = "sendMessage"
        self.retry_after = 1
        self.fail_until = 0.0  # every call fails with 500 until this monotonic time
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering (a slow API)
        self.errors: dict[str, list[tuple[int, str]]] = {}  # method -> errors to answer with, in turn
        # method -> (until monotonic time, "json" | "html" | "html200"): an outage of one method, answered
        # with a JSON 500, an nginx-style HTML 502 page, or an HTML page with status 200.
        self.outages: dict[str, tuple[float, str]] = {}
        # method -> seconds: the call hangs, and counts as made only if the caller is still there after it
        # (a caller killed meanwhile made no call).
        self.hangs: dict[str, float] = {}
        self.confirmed = 0  # the highest update_id confirmed by a getUpdates offset
        self.pushed: dict[int, dict] = {}
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeBotApi:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app)
        self.loop.run_until_complete(runner.setup())
        # A slow or hanging call still in flight at the end of a test is cut off, not waited for.
        site = web.TCPSite(runner, "127.0.0.1", 0, shutdown_timeout=0.5)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    # ------------------------------------------------------------------ test API
    def push(self, update: dict) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self.pushed[update_id] = {"update_id": update_id, **update}
            self._updates.append(self.pushed[update_id])
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Send an update again, as Telegram does when it did not see the confirmation."""
        with self._lock:
            self._updates.append(self.pushed[update_id])

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
        **extra: Any,
    ) -> int:
        msg = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "Test", "language_code": language_code},
            **extra,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push({"message": msg})

    def press(
        self, chat_id: int, data: str, message_id: int = 1, reply_markup: dict | None = None, user_id: int | None = None
    ) -> int:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.me(),
            "text": "answer",
        }
        if reply_markup:
            message["reply_markup"] = reply_markup
        return self.push(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "Test", "language_code": "en"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c for c in calls if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def wait_for(self, predicate, timeout: float = 60.0, interval: float = 0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s; calls: {[c.method for c in self.calls][-20:]}")

    @staticmethod
    def me() -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Kanazawa Guide",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # ------------------------------------------------------------------ HTTP
    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        data = dict(await request.post())
        for key, value in list(data.items()):
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(json.JSONDecodeError):
                    data[key] = json.loads(value)
        return data

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if time.monotonic() < self.fail_until:
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500
            )
        if method == self.rate_limit_method and self.rate_limit_left > 0:
            self.rate_limit_left -= 1
            with self._lock:
                self.calls.append(Call(f"{method}:429", params))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.retry_after}",
                    "parameters": {"retry_after": self.retry_after},
                },
                status=429,
            )
        outage = self.outages.get(method)
        if outage and time.monotonic() < outage[0]:
            with self._lock:
                self.calls.append(Call(f"{method}:down", params))
            if outage[1] == "json":
                return web.json_response(
                    {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500
                )
            page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            return web.Response(text=page, content_type="text/html", status=200 if outage[1] == "html200" else 502)
        if self.hangs.get(method):
            await asyncio.sleep(self.hangs[method])
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)
        if method == "getUpdates" and params.get("offset"):
            self.confirmed = max(self.confirmed, int(params["offset"]) - 1)
        if method != "getUpdates":
            with self._lock:
                self.calls.append(Call(method, params))
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        if self.errors.get(method):
            code, description = self.errors[method].pop(0)
            return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)
        result = await self._result(method, params)
        return web.json_response({"ok": True, "result": result})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.me()
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            timeout = min(float(params.get("timeout") or 0), 1.0)
            deadline = time.monotonic() + timeout
            while True:
                with self._lock:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                    ready = list(self._updates[:100])
                if ready or time.monotonic() >= deadline:
                    return ready
                await asyncio.sleep(0.02)
        if method in ("sendMessage", "sendVenue"):
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": self.me(),
            }
            if method == "sendMessage":
                message["text"] = params.get("text", "")
                if params.get("reply_markup"):
                    message["reply_markup"] = params["reply_markup"]
            else:
                message["venue"] = {
                    "location": {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])},
                    "title": params["title"],
                    "address": params["address"],
                }
            return message
        if method == "editMessageReplyMarkup":
            return True
        return True  # setMyCommands, deleteWebhook, setWebhook, sendChatAction, answerCallbackQuery, …


class BotRunner:
    """Runs the bot as `guide serve` does (bot.tg.runtime.serve: inbox, outbox, polling or a webhook) in a
    thread with its own loop."""

    def __init__(self, application, bot_settings=None):
        self.application = application
        self.bot_settings = bot_settings or application.bot_data["services"].bot_settings
        self.loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> BotRunner:
        self._thread.start()
        assert self._ready.wait(30), "bot did not start"
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        await serve(self.application, self.bot_settings, self._stop, on_started=self._ready.set)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
