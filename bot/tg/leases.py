"""Holding a store lease while work runs: renewed in the background, so the lease can be short and a dead
worker's work is taken over within seconds, while a slow answer never loses its lease half-way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bot.state.base import StateStore

log = logging.getLogger(__name__)
Runner = Callable[..., Awaitable[Any]]  # runs a blocking store call off the event loop


@contextlib.asynccontextmanager
async def held(store: StateStore, io: Runner, name: str, owner: str, ttl_s: float) -> AsyncIterator[bool]:
    """Yield whether the lease was taken; while inside, renew it every third of its TTL; release on exit."""
    if not await io(store.take_lease, name, owner, ttl_s):
        yield False
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(ttl_s / 3)
            try:
                await io(store.take_lease, name, owner, ttl_s)
            except Exception:  # the store is failing: the lease may run out, and another worker take over
                log.warning("could not renew the lease %s", name)

    renewer = asyncio.create_task(renew())
    try:
        yield True
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        await io(store.release_lease, name, owner)
