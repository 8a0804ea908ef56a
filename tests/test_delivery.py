"""Nothing lost: the inbox and outbox against a fake Bot API that misbehaves as the real one does.

In-process (the real PTB stack polling the fake over HTTP); the crash and several-worker cases, which
need real processes, are in test_workers.py.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.state.sqlite import SqliteStore
from bot.tg.app import build_application
from bot.tg.outbox import Outbox, message
from bot.tg.settings import BotSettings
from tests.conftest import _free_port
from tests.fake_telegram import BotRunner, FakeBotApi, text_update

TOKEN = "123456:TEST-TOKEN-delivery"


@pytest.fixture()
def fake():
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture()
def store(tmp_path):
    s = SqliteStore(tmp_path / "bot.sqlite3")
    yield s
    s.close()


@pytest.fixture()
def bot(fake, engine, full_index, store):
    bot_settings = BotSettings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url)
    runner = BotRunner(build_application(bot_settings, full_index[0], engine, store)).start()
    yield runner
    runner.stop()


def _answers(fake: FakeBotApi, chat_id: int) -> list[str]:
    return [c.params.get("text", "") for c in fake.sent("sendMessage", chat_id)]


@pytest.mark.parametrize("kind", ["json", "html", "html200"])
def test_an_answer_waits_out_a_send_outage_and_arrives_once(fake, bot, store, kind):
    """A 500, an HTML 502 page from a proxy, an HTML page with status 200: the answer is kept and sent later."""
    seconds = 30 if kind == "json" else 4
    fake.outages["sendMessage"] = (time.monotonic() + seconds, kind)
    fake.message(41, "九谷焼とは？", language_code="ja")
    fake.wait_for(lambda: fake.sent("sendMessage:down", 41), timeout=30)
    fake.wait_for(lambda: _answers(fake, 41), timeout=seconds + 45, interval=0.2)
    time.sleep(1.5)
    assert len(_answers(fake, 41)) == 1 and "九谷焼" in _answers(fake, 41)[0]
    assert len(fake.sent("sendMessage:down", 41)) >= 2  # it was retried, not sent once and forgotten
    assert store.outbox() == [] and store.pending_chats() == []


def test_a_chats_answers_keep_their_order_through_an_outage(fake, bot):
    fake.outages["sendMessage"] = (time.monotonic() + 3, "json")
    fake.message(42, "What is Kaga Yuzen?")
    fake.message(42, "九谷焼とは？", language_code="ja")
    fake.wait_for(lambda: len(_answers(fake, 42)) >= 2, timeout=60, interval=0.2)
    first, second = _answers(fake, 42)
    assert "Kaga Yuzen" in first and "九谷焼" in second


def test_a_redelivered_webhook_update_is_answered_once(fake, engine, full_index, store):
    """Telegram posts an update again when it did not see our 200 in time: same update_id, one answer."""
    port = _free_port()
    bot_settings = BotSettings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=fake.base_url,
        WEBHOOK_URL="https://guide.example",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET="hook-secret",
    )
    runner = BotRunner(build_application(bot_settings, full_index[0], engine, store)).start()
    update = text_update(77, 43, "What is Kaga Yuzen?")
    try:
        for _ in range(3):
            posted = httpx.post(
                f"http://127.0.0.1:{port}/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"},
            )
            assert posted.status_code == 200
        fake.wait_for(lambda: _answers(fake, 43), timeout=60)
        time.sleep(1.5)
        assert len(_answers(fake, 43)) == 1
    finally:
        runner.stop()


def test_a_refused_message_is_dropped_not_retried_forever(fake, store):
    """A BadRequest (say, the chat was deleted) will never succeed: the outbox lets it go."""
    fake.errors["sendMessage"] = [(400, "Bad Request: chat not found")]

    async def run() -> Outbox:
        from telegram import Bot

        async with Bot(TOKEN, base_url=f"{fake.base_url}/bot") as tg:

            async def io(fn, *args):
                return fn(*args)

            box = Outbox(tg, store, io, "w1")
            await box.send(44, [message("hello")])
            await box.send(44, [message("again")])
            return box

    box = asyncio.run(run())
    assert box.dropped == 1 and store.outbox() == []
    assert _answers(fake, 44) == ["hello", "again"]  # the refused one was tried once, not retried


def test_accepted_updates_and_queued_answers_are_taken_up_at_start(fake, engine, full_index, store):
    """What a crash left behind (an update accepted but unanswered, an answer queued but unsent) is
    delivered when the bot starts again."""
    import json

    update = text_update(900, 45, "What is Kaga Yuzen?")
    store.accept_update(900, "c45", json.dumps(update))
    store.enqueue(46, [message("left in the outbox")])
    bot_settings = BotSettings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url)
    runner = BotRunner(build_application(bot_settings, full_index[0], engine, store)).start()
    try:
        fake.wait_for(lambda: _answers(fake, 45) and _answers(fake, 46), timeout=60)
        time.sleep(1.0)
        assert len(_answers(fake, 45)) == 1 and "Kaga Yuzen" in _answers(fake, 45)[0]
        assert _answers(fake, 46) == ["left in the outbox"]
    finally:
        runner.stop()
