"""`guide bench telegram --workers N`: a 200-chat burst against N real `guide serve` webhook workers that
share a Redis state store, as they would run behind nginx. Needs Debian's `redis-server` on the PATH (it
is started on 127.0.0.1 for the run); the fake Bot API of the test suite plays Telegram."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ingest.settings import PROJECT_ROOT, Settings

TOKEN = "1:BENCH-WORKERS"
SECRET = "bench-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def bench_workers(settings: Settings, workers: int, questions: list[str], chats: int = 200) -> int:
    from bot.bench import print_burst

    server = shutil.which("redis-server")
    if server is None:
        print("error: redis-server is not on the PATH (Debian: apt-get install redis-server)")
        return 1
    sys.path.insert(0, str(PROJECT_ROOT))  # the fake Bot API server lives with the tests
    from tests.fake_telegram import FakeBotApi, text_update

    fake = FakeBotApi(TOKEN).start()
    redis_port = _free_port()
    with tempfile.TemporaryDirectory(prefix="guide-bench-") as tmp:
        redis = subprocess.Popen(
            [server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp],
            stdout=subprocess.DEVNULL,
        )
        ports = [_free_port() for _ in range(workers)]
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": fake.base_url,
            "GUIDE_DATA_DIR": str(settings.data_dir),
            "GUIDE_KNOWLEDGE_DIR": str(settings.knowledge_dir),
            "GUIDE_MODELS_DIR": str(settings.models_dir),
            "GUIDE_STATE_URL": f"redis://127.0.0.1:{redis_port}/0",
            "QUESTIONS_PER_MINUTE": "1000",
            "WEBHOOK_URL": "https://bench.example",
            "WEBHOOK_SECRET": SECRET,
        }
        procs = [
            subprocess.Popen(
                [str(Path(sys.executable).with_name("guide")), "serve"],
                env={**env, "WEBHOOK_PORT": str(port)},
                cwd=tmp,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        try:
            fake.wait_for(lambda: all(_healthy(p) for p in ports), timeout=300, interval=0.5)
            sent_at: dict[int, float] = {}
            started = time.monotonic()
            with httpx.Client(headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30) as http:
                for n in range(chats):
                    chat = 60_000 + n
                    update = text_update(10_000 + n, chat, questions[n % len(questions)])
                    sent_at[chat] = time.monotonic()
                    http.post(f"http://127.0.0.1:{ports[n % workers]}/telegram", json=update)
            fake.wait_for(lambda: all(fake.sent("sendMessage", c) for c in sent_at), timeout=600, interval=0.2)
            elapsed = time.monotonic() - started
            latencies = sorted((fake.sent("sendMessage", c)[0].at - sent_at[c]) * 1000 for c in sent_at)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)
            redis.terminate()
            fake.stop()
    print_burst(f"chats: {chats} writing at once to {workers} webhook workers sharing Redis", chats, elapsed, latencies)
    return 0
