"""What every state store keeps, whichever backend holds it (SQLite on one host, Redis for several workers).

The Telegram channel keeps here everything that must outlive a process or be seen by another worker:
per-chat settings and conversation state, per-user rate-limit windows, the question log and feedback,
the inbox of accepted updates (deduplicated by update_id) and the outbox of answers not yet delivered.
Leases give one worker at a time a chat's inbox (so a chat's updates are answered in order) and a
message of the outbox (so it is sent once). Methods are synchronous; the channel runs them off its loop.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from bot.core.types import DialogueState
from bot.models import Answer

DAY_S = 86_400
SEEN_UPDATES_S = 2 * DAY_S  # Telegram keeps an unconfirmed update for 24 h: remember ids a little longer
OUTBOX_EXPIRY_S = DAY_S  # an answer not delivered within a day is dropped (and logged)


@dataclass
class Stats:
    per_day: list[tuple[str, str, int]]  # (day, language, questions)
    total: int
    unknown: int
    feedback: dict[str, int]
    topics: list[tuple[str, int]]


@dataclass(frozen=True)
class PendingUpdate:
    """An accepted update not yet answered: the raw JSON Telegram sent."""

    update_id: int
    chat_key: str
    payload: str


@dataclass(frozen=True)
class OutgoingMessage:
    """A message in the outbox: the Bot API call as JSON, and how its delivery is going."""

    id: int
    chat_id: int
    payload: str
    attempts: int
    next_at: float
    created: float


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the question log, as a backend-neutral record."""

    chat_id: int
    asked: float
    language: str
    kind: str
    question: str
    answer: str
    sources: str
    subject: str

    @classmethod
    def of(cls, chat_id: int, answer: Answer) -> LoggedQuestion:
        sources = json.dumps([s.model_dump() for s in answer.sources], ensure_ascii=False)
        return cls(
            chat_id, time.time(), answer.language, answer.kind, answer.question, answer.answer, sources, answer.intent
        )


def parse_state(raw: str | None) -> DialogueState:
    """A stored dialogue state; a fresh one when there is none, or it was written by an older version."""
    if raw is None:
        return DialogueState()
    try:
        return DialogueState.model_validate_json(raw)
    except ValueError:
        return DialogueState()


class StateStore(ABC):
    """The shared state of the bot; see the module docstring for what each part is for."""

    retention_days: int
    _purged_at: float = 0.0

    def _purge_if_due(self) -> None:
        """A long-running bot keeps to the retention period too: purge at most hourly, on the way."""
        if time.monotonic() - self._purged_at > 3600:
            self._purged_at = time.monotonic()
            self.purge_expired()

    # ---------------------------------------------------------------- lifecycle and privacy
    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def purge_expired(self, now: float | None = None) -> int:
        """Delete questions, feedback and conversations older than the retention period; the count. (The
        outbox is not touched: the sender drops, and logs, what it could not deliver within a day.)"""

    @abstractmethod
    def forget_chat(self, chat_id: int) -> int:
        """/forget: everything kept about a chat; the count of questions deleted."""

    # ---------------------------------------------------------------- chat settings and conversation
    @abstractmethod
    def chat_lang(self, chat_id: int) -> str | None: ...

    @abstractmethod
    def set_chat_lang(self, chat_id: int, lang: str | None) -> None: ...

    @abstractmethod
    def load_state(self, chat_id: int) -> DialogueState:
        """The chat's dialogue state; a fresh one when there is none (or it was written by an older version)."""

    @abstractmethod
    def save_state(self, chat_id: int, state: DialogueState) -> None: ...

    # ---------------------------------------------------------------- per-user limits
    @abstractmethod
    def allow(self, user_id: int, per_minute: int, window: float = 60.0, now: float | None = None) -> bool:
        """Count a question in the user's sliding window; False when the window is full."""

    @abstractmethod
    def warn_once(self, user_id: int, window: float = 60.0, now: float | None = None) -> bool:
        """True the first time in a window: a burst gets one "slow down" note, not one per message."""

    # ---------------------------------------------------------------- question log and feedback
    @abstractmethod
    def log_answer(self, chat_id: int, answer: Answer) -> int: ...

    @abstractmethod
    def record_feedback(self, question_id: int, chat_id: int, vote: int) -> bool:
        """Store a vote for a logged answer of this chat; False if there is no such answer."""

    @abstractmethod
    def feedback_rows(self) -> list[tuple]: ...

    @abstractmethod
    def stats(self, days: int = 14) -> Stats: ...

    @abstractmethod
    def unanswered(self, limit: int = 10) -> list[tuple[float, str, str]]: ...

    # ---------------------------------------------------------------- inbox
    @abstractmethod
    def accept_update(self, update_id: int, chat_key: str, payload: str) -> bool:
        """Keep an update until it is answered; False when this update_id was accepted before (a duplicate)."""

    @abstractmethod
    def pending_updates(self, chat_key: str) -> list[PendingUpdate]:
        """The chat's unanswered updates, oldest (lowest update_id) first."""

    @abstractmethod
    def pending_chats(self) -> list[str]: ...

    @abstractmethod
    def finish_update(self, update_id: int) -> None: ...

    # ---------------------------------------------------------------- leases
    @abstractmethod
    def take_lease(self, name: str, owner: str, ttl_s: float) -> bool:
        """Hold `name` for `ttl_s` (or extend it when `owner` holds it already); False if another holds it."""

    @abstractmethod
    def release_lease(self, name: str, owner: str) -> None: ...

    # ---------------------------------------------------------------- outbox
    @abstractmethod
    def enqueue(
        self, chat_id: int, payloads: list[str], update_id: int | None = None, state: DialogueState | None = None
    ) -> list[int]:
        """Put messages in the outbox, and in the same transaction save the chat's state and finish the update
        they answer: after a crash an update is either answered (its answer waiting here) or still pending."""

    @abstractmethod
    def outbox(self, chat_id: int | None = None) -> list[OutgoingMessage]:
        """Messages not yet delivered (of one chat, or all), oldest first."""

    @abstractmethod
    def is_queued(self, message_id: int) -> bool:
        """Still waiting for delivery (another worker may have delivered it since it was listed)."""

    @abstractmethod
    def delivered(self, message_id: int) -> None: ...

    @abstractmethod
    def postpone(self, message_id: int, next_at: float) -> None:
        """A failed attempt: count it and try again at `next_at`."""
