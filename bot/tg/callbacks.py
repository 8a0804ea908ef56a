"""Compact callback data for inline buttons: plain strings, so buttons keep working after a restart.

Format ``<action>:<arg>[:<arg>]``, at most 64 bytes (Telegram's limit): record ids are short.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
ACTIONS = {"lang", "craft", "try", "prog", "pin", "fb", "ex", "venue", "orig"}


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((self.action, *self.args))
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> Callback | None:
        """None for anything we did not make (old or forged buttons are ignored politely)."""
        if not data:
            return None
        action, *args = data.split(":")
        if action not in ACTIONS:
            return None
        return cls(action, tuple(args))
