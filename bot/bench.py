"""Benchmarks that print figures (speed and memory are measured here, never in timed tests)."""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from ingest.embedders import load_embedders
from ingest.loader import load_knowledge
from ingest.passages import all_passages
from ingest.pipeline import run_ingest
from ingest.settings import PROJECT_ROOT, Settings

SAMPLE = 64


def percentile(values: list[float], p: float) -> float:
    """The p-quantile by rank (no interpolation): p=0.95 is the value 95% of samples stay under."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_ingest(settings: Settings) -> int:
    """Cold and incremental ingest seconds, passages/s per embedder, peak memory."""
    with tempfile.TemporaryDirectory(prefix="guide-bench-") as tmp:
        knowledge = Path(tmp) / "knowledge"
        shutil.copytree(settings.knowledge_dir, knowledge)
        bench = settings.model_copy(
            update={
                "data_dir": Path(tmp) / "data",
                "knowledge_dir": knowledge,
                "models_dir_override": settings.models_dir,
            }
        )
        started = time.perf_counter()
        embedders = load_embedders(bench)
        load_s = time.perf_counter() - started
        passages = all_passages(load_knowledge(knowledge))
        sample = [p.embed_text for p in passages[:: max(1, len(passages) // SAMPLE)]][:SAMPLE]
        kinds = Counter(p.report_kind for p in passages)
        print(
            f"passages: {len(passages)}  ("
            + ", ".join(
                f"{kinds[k]} {k}" for k in ("document", "translation", "sentence", "craft", "venue", "program", "kpi")
            )
            + "; records once per language)"
        )
        print(f"model load: {load_s:.1f} s")
        for e in embedders:
            t = time.perf_counter()
            e.embed_passages(sample)
            print(f"embedder {e.key} ({e.model_id}): {len(sample) / (time.perf_counter() - t):.1f} passages/s")

        cold = run_ingest(bench, embedders=embedders)
        print(f"cold ingest: {cold.seconds:.1f} s, {cold.embedded} passages embedded")
        unchanged = run_ingest(bench, embedders=embedders)
        print(f"unchanged re-ingest: {unchanged.seconds:.1f} s, {unchanged.embedded} passages embedded")

        crafts = knowledge / "directory" / "crafts.yaml"
        data = yaml.safe_load(crafts.read_text(encoding="utf-8"))
        data["crafts"][0]["description"]["en"] += " (edited for the benchmark)"
        crafts.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        edited = run_ingest(bench, embedders=embedders)
        print(f"one-record edit re-ingest: {edited.seconds:.1f} s, {edited.embedded} passages embedded")
        print(f"peak memory (max RSS): {peak_rss_mb():.0f} MB")
    return 0


BENCH_QUESTIONS = [
    "Where can I try gold leaf?",
    "九谷焼とは？",
    "What is the target for annual overnight guests?",
    "金沢工芸子ども塾の受講者数は？",
    "When was Kanazawa designated a UNESCO City of Crafts?",
    "卯辰山工芸工房ではどんな研修ができますか",
    "Where can I buy mizuhiki?",
    "金沢の工芸品を使う市民の割合は？",
    "What is the Triennale of KOGEI in Kanazawa?",
    "When did Kanazawa put its Monozukuri Basic Ordinance into effect?",
    "第2次総合戦略の推進体制は？",
    "ユネスコ創造都市ネットワークに登録されたのはいつ？",
    "What is the target for downloads of the child-rearing app?",
    "What is the weather in Paris?",
]


def bench_answers(settings: Settings, rounds: int = 5) -> int:
    """Engine load time, per-question latency p50/p95 (after load), routing time, peak memory."""
    from bot.core.engine import Engine
    from bot.language import detect_language

    started = time.perf_counter()
    engine = Engine(settings)
    load_s = time.perf_counter() - started
    engine.ask("warm-up")
    first: list[float] = []  # first time each question is seen: no sentence-vector cache yet
    latencies: list[float] = []
    for round_ in range(rounds):
        for question in BENCH_QUESTIONS:
            t = time.perf_counter()
            engine.ask(question)
            ms = (time.perf_counter() - t) * 1000
            latencies.append(ms)
            if round_ == 0:
                first.append(ms)
    routing: list[float] = []  # entities + intent classifier on vectors already computed
    for question in BENCH_QUESTIONS:
        vectors = engine.retriever.embed(question)
        t = time.perf_counter()
        lang = detect_language(question)
        engine.router.predict(vectors, engine.kit.recognizer.find(question, lang), lang)
        routing.append((time.perf_counter() - t) * 1000)

    print(f"engine load: {load_s:.1f} s (models, index generation {engine.retriever.generation}, BM25)")
    print(f"questions: {len(latencies)} ({len(BENCH_QUESTIONS)} distinct x {rounds})")
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"latency p50: {p50:.0f} ms   p95: {p95:.0f} ms   max: {max(latencies):.0f} ms")
    print(f"first-seen questions: p50 {percentile(first, 0.5):.0f} ms   p95 {percentile(first, 0.95):.0f} ms")
    print(f"routing (entities + classifier): p50 {percentile(routing, 0.5):.1f} ms   max {max(routing):.1f} ms")
    for askers in (1, 2, 8, 16):
        n, per_s, batch = _throughput(engine, askers)
        print(
            f"throughput, {n} distinct questions (no query cache), {askers} asking at once: {per_s:.1f} answers/s"
            f" (questions per embedding batch: {batch:.1f})"
        )
    print(f"peak memory (max RSS): {peak_rss_mb():.0f} MB")
    return 0


def _throughput(engine, threads: int) -> tuple[int, float, float]:
    """Answers per second over the dev QA questions, each seen once (the query-vector cache emptied), with
    `threads` questions in flight at once (as the bot's answer threads have under a burst)."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.evaluation import load_questions, split_files

    questions = list(dict.fromkeys(q["question"] for q in load_questions(split_files("dev"))))
    engine.retriever.clear_query_cache()
    batcher = engine.retriever.batcher
    batches, items = batcher.batches, batcher.items
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(engine.ask, questions))
    elapsed = time.perf_counter() - started
    per_batch = (batcher.items - items) / max(1, batcher.batches - batches)
    return len(questions), len(questions) / elapsed, per_batch


def bench_telegram(settings: Settings, chats: int = 200) -> int:
    """Updates handled per second and reply latency p95 with `chats` chats writing at once.

    The real bot (python-telegram-bot, long polling over HTTP) against the fake Bot API server of the
    test suite on 127.0.0.1; each chat sends one question at the same moment.
    """
    from bot.core.engine import Engine
    from bot.state.sqlite import SqliteStore
    from bot.tg.app import build_application
    from bot.tg.settings import BotSettings

    sys.path.insert(0, str(PROJECT_ROOT))  # the fake Bot API server lives with the tests
    from tests.fake_telegram import BotRunner, FakeBotApi

    token = "1:BENCH"
    fake = FakeBotApi(token).start()
    engine = Engine(settings)
    with tempfile.TemporaryDirectory(prefix="guide-bench-") as tmp:
        bot_settings = BotSettings(
            _env_file=None, TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=fake.base_url, QUESTIONS_PER_MINUTE="1000"
        )
        application = build_application(bot_settings, settings, engine, SqliteStore(Path(tmp) / "bot.sqlite3"))
        runner = BotRunner(application).start()
        questions = [q for q in BENCH_QUESTIONS if "weather" not in q]
        sent_at = {}
        started = time.monotonic()
        for n in range(chats):
            chat = 50_000 + n
            sent_at[chat] = time.monotonic()
            fake.message(chat, questions[n % len(questions)])
        fake.wait_for(lambda: all(fake.sent("sendMessage", c) for c in sent_at), timeout=600, interval=0.2)
        elapsed = time.monotonic() - started
        latencies = sorted((fake.sent("sendMessage", c)[0].at - sent_at[c]) * 1000 for c in sent_at)
        runner.stop()
    fake.stop()
    print_burst(f"chats: {chats} writing at once, {len(questions)} distinct questions", chats, elapsed, latencies)
    return 0


def print_burst(header: str, chats: int, elapsed: float, latencies: list[float]) -> None:
    """The figures of a Telegram burst: updates per second, reply latency, this process's peak memory."""
    print(header)
    print(f"updates handled: {chats / elapsed:.1f} per second ({elapsed:.1f} s for all)")
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"reply latency p50: {p50:.0f} ms   p95: {p95:.0f} ms   max: {latencies[-1]:.0f} ms")
    print(f"peak memory of this process (max RSS): {peak_rss_mb():.0f} MB")
