"""Micro-batching: questions asked at the same moment are embedded in one batch.

Embedding is most of an answer's time, and a model embeds 8 short questions in one call much faster than
in 8 calls. Callers (the answer threads) hand their text to the embedding threads and wait; a free one
takes whatever has queued up (up to `max_batch`), embeds it at once, and hands back each result. A lone
question waits for nobody: there is no timer, a batch is simply what arrived while the others ran.
Several embedding threads (`workers`, one per core) keep every core embedding under a burst.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    def __init__(
        self,
        fn: Callable[[list[T]], Sequence[R]],
        max_batch: int = 32,
        name: str = "embed",
        on_start: Callable[[], None] | None = None,
        workers: int = 1,
    ):
        self.fn = fn
        self.max_batch = max_batch
        self.on_start = on_start
        self._queue: queue.SimpleQueue[tuple[T, Future[R]]] = queue.SimpleQueue()
        self.batches = 0  # how many calls of `fn`, and how many items in all (for the benchmark)
        self.items = 0
        self._count_lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-batcher-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def __call__(self, item: T) -> R:
        future: Future[R] = Future()
        self._queue.put((item, future))
        return future.result()

    def _run(self) -> None:
        if self.on_start is not None:
            self.on_start()
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self.fn([item for item, _ in batch])
            except BaseException as exc:  # every waiting caller gets the error, the thread lives on
                for _, future in batch:
                    future.set_exception(exc)
                continue
            with self._count_lock:
                self.batches += 1
                self.items += len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)
