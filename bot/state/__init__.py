"""Where the bot keeps its state: `open_store` picks the backend from GUIDE_STATE_URL."""

from __future__ import annotations

from pathlib import Path

from bot.state.base import StateStore


class StateUrlError(ValueError):
    """GUIDE_STATE_URL names a backend this guide does not have."""


def open_store(url: str | None, data_dir: Path, retention_days: int = 90) -> StateStore:
    """SQLite under the data directory by default (`sqlite:////absolute/path` or `sqlite:///relative/path`
    for another file); Redis for `redis://`, `rediss://` and `unix://` URLs (several workers or hosts)."""
    if not url:
        from bot.state.sqlite import SqliteStore

        return SqliteStore(data_dir / "bot.sqlite3", retention_days)
    if url.startswith("sqlite:///"):
        from bot.state.sqlite import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")), retention_days)  # sqlite:////abs, sqlite:///rel
    if url.startswith(("redis://", "rediss://", "unix://")):
        from bot.state.redis_store import RedisStore

        return RedisStore(url, retention_days)
    scheme = url.split(":", 1)[0]
    raise StateUrlError(f"GUIDE_STATE_URL: unknown scheme {scheme!r} (use sqlite:///path or redis://host:port/db)")
