"""`guide serve` as real processes: killed mid-answer (SIGKILL) and two webhook workers sharing Redis.

The fake Bot API runs in the test; each worker is a real `guide serve` process over the session's index.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.core.types import DialogueState
from bot.tg.keyboards import answer_keyboard
from tests.conftest import _free_port
from tests.fake_telegram import FakeBotApi, text_update

TOKEN = "123456:TEST-TOKEN-workers"
SECRET = "workers-secret"
GUIDE = str(Path(sys.executable).with_name("guide"))


@pytest.fixture()
def fake():
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


def _worker(fake: FakeBotApi, settings, tmp_path: Path, name: str, **env: str) -> subprocess.Popen:
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "GUIDE_DATA_DIR": str(settings.data_dir),
        "GUIDE_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "GUIDE_MODELS_DIR": str(settings.models_dir),
        "QUESTIONS_PER_MINUTE": "1000",
        **env,
    }
    log = (tmp_path / f"{name}.log").open("a")
    # cwd: a folder with no .env, so nothing but this environment configures the worker
    return subprocess.Popen([GUIDE, "serve"], env=environ, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(fake: FakeBotApi, chat_id: int) -> list:
    return fake.sent("sendMessage", chat_id)


def _log(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text()[-3000:]


def test_sigkill_with_six_questions_in_flight_loses_none_and_repeats_none(fake, full_index, tmp_path):
    settings = full_index[0]
    state = {"GUIDE_STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3"}
    worker = _worker(fake, settings, tmp_path, "first", **state)
    try:
        fake.wait_for(lambda: fake.sent("setMyCommands") or worker.poll() is not None, timeout=120)
        assert worker.poll() is None, _log(tmp_path, "first")
        fake.hangs["sendMessage"] = 60  # answers are on their way when the worker dies
        chats = list(range(300, 306))
        last = 0
        for n, chat in enumerate(chats):
            last = fake.message(chat, ["What is Kaga Yuzen?", "九谷焼とは？", "Where can I try gold leaf?"][n % 3])
        fake.wait_for(lambda: fake.confirmed >= last, timeout=30)  # Telegram considers all six delivered
        time.sleep(2.0)  # the answers are prepared and being sent
        assert not any(_answers(fake, c) for c in chats)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        _stop(worker)
    fake.hangs.clear()
    again = _worker(fake, settings, tmp_path, "second", **state)
    try:
        fake.wait_for(lambda: all(_answers(fake, c) for c in chats) or again.poll() is not None, timeout=120)
        assert again.poll() is None, _log(tmp_path, "second")
        time.sleep(3.0)
        assert {c: len(_answers(fake, c)) for c in chats} == dict.fromkeys(chats, 1)
    finally:
        _stop(again)


def _markup(call) -> dict:
    markup = call.params.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else markup


def _pins_of(markup: dict) -> set[str]:
    data = {b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row}
    return {d for d in data if d.startswith("pin:")}


def test_two_webhook_workers_on_redis_answer_each_update_once_and_share_follow_ups(
    fake, full_index, engine, redis_server, tmp_path
):
    """200 updates (100 chats × question and follow-up) split across two workers: the follow-up lands on the
    other worker, which must see the first turn's state in Redis. 20 updates are posted to both workers."""
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    settings = full_index[0]
    ports = [_free_port(), _free_port()]
    workers = [
        _worker(
            fake,
            settings,
            tmp_path,
            f"w{n}",
            GUIDE_STATE_URL=redis_server,
            WEBHOOK_URL="https://guide.example",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET=SECRET,
        )
        for n, port in enumerate(ports)
    ]
    dialogue = [("What is Kutani ware?", "Where can I try it?"), ("What is Kaga Yuzen?", "where can i see it?")]
    try:
        for n, port in enumerate(ports):
            fake.wait_for(lambda port=port, n=n: _healthy(port) or workers[n].poll() is not None, timeout=180)
            assert workers[n].poll() is None, _log(tmp_path, f"w{n}")
        chats = list(range(500, 600))
        with httpx.Client(headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30) as http:
            for turn in (0, 1):
                for chat in chats:
                    update = text_update(1000 + 2 * chat + turn, chat, dialogue[chat % 2][turn])
                    port = ports[(chat + turn) % 2]  # the follow-up goes to the other worker
                    assert http.post(f"http://127.0.0.1:{port}/telegram", json=update).status_code == 200
                    if chat % 10 == 0:  # the same update through the other worker too
                        other = ports[(chat + turn + 1) % 2]
                        assert http.post(f"http://127.0.0.1:{other}/telegram", json=update).status_code == 200
                if turn == 0:
                    fake.wait_for(lambda: all(_answers(fake, c) for c in chats), timeout=240, interval=0.2)
        fake.wait_for(lambda: all(len(_answers(fake, c)) >= 2 for c in chats), timeout=240, interval=0.2)
        time.sleep(2.0)
        assert {c: len(_answers(fake, c)) for c in chats} == dict.fromkeys(chats, 2)
        expected = []  # the follow-up's map pins as one process, holding the whole dialogue, decides them
        for question, follow_up in dialogue:
            _, state = engine.ask(question, DialogueState())
            second, _ = engine.ask(follow_up, state)
            expected.append(_pins_of(answer_keyboard(second, None).to_dict()))
        assert all(expected)
        for chat in chats:
            assert _pins_of(_markup(_answers(fake, chat)[1])) == expected[chat % 2], chat
    finally:
        for worker in workers:
            _stop(worker)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
