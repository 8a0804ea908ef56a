"""A per-user limit on questions per minute (sliding window, in memory)."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, per_minute: int, window: float = 60.0):
        self.per_minute = per_minute
        self.window = window
        self._seen: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        seen = self._seen[user_id]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return False
        seen.append(now)
        return True

    def warn_once(self, user_id: int, now: float | None = None) -> bool:
        """True the first time a user is refused within a window: a burst of 40 messages gets one
        "slow down" note, not 40 (the notes would count against Telegram's own send limit too)."""
        now = time.monotonic() if now is None else now
        last = self._warned.get(user_id)
        if last is not None and now - last <= self.window:
            return False
        self._warned[user_id] = now
        return True
