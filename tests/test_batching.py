"""Micro-batching of question embeddings: every caller gets its own result, errors reach every waiting
caller, several embedding threads work side by side, and the real embedders give the same vectors when
questions are embedded concurrently as when they are embedded one by one."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.batching import MicroBatcher


def _slow_square(items: list[int]) -> list[int]:
    time.sleep(0.05)  # long enough for the other callers to queue up behind a running batch
    return [n * n for n in items]


def test_each_caller_gets_its_own_result_from_shared_batches():
    batcher = MicroBatcher(_slow_square, workers=2)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(batcher, range(64)))
    assert results == [n * n for n in range(64)]
    assert batcher.items == 64
    assert batcher.batches < 64  # questions asked together were embedded together


def test_several_workers_run_batches_at_the_same_time():
    running, peak, lock = 0, 0, threading.Lock()

    def tracked(items: list[int]) -> list[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return items

    batcher = MicroBatcher(tracked, workers=2, max_batch=1)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(batcher, range(8)))
    assert peak == 2


def test_an_error_reaches_every_waiting_caller_and_the_workers_live_on():
    calls = 0

    def failing_once(items: list[str]) -> list[str]:
        nonlocal calls
        calls += 1
        time.sleep(0.05)
        if calls == 1:
            raise RuntimeError("model failed")
        return [s.upper() for s in items]

    batcher = MicroBatcher(failing_once, workers=1)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(batcher, s) for s in "abcd"]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result())
            except RuntimeError:
                outcomes.append("error")
    assert outcomes[0] == "error"  # the first batch failed: its caller was told, not left waiting
    assert batcher("e") == "E"  # and the worker still serves


@pytest.mark.parametrize("workers", [1, 2])
def test_concurrent_embedding_gives_the_same_vectors_as_one_by_one(embedders, workers):
    questions = [
        "Where can I try gold leaf?",
        "九谷焼とは？",
        "What is the FY2028 target for craft workshop visitors?",
        "兼六園の近くで体験できるところ",
        "kaga yuzen dyeing class",
        "金沢卯辰山工芸工房の研修者は何人？",
    ] * 4

    def embed_batch(texts: list[str]) -> list[dict[str, np.ndarray]]:
        per_model = {e.key: e.embed_queries(texts) for e in embedders}
        return [{k: m[n] for k, m in per_model.items()} for n in range(len(texts))]

    alone = [embed_batch([q])[0] for q in questions]
    batcher = MicroBatcher(embed_batch, workers=workers)
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(batcher, questions))
    for a, b in zip(alone, together, strict=True):
        for key in a:
            # padding to the longest question of a batch moves the last float digits only
            assert np.allclose(a[key], b[key], atol=1e-5), key
