"""SQLite under the data directory: the question log, feedback, and per-chat settings.

Only what the guide needs is kept: the chat id (no names, no usernames), the question, the answer,
its sources and language, and the time.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.core.types import DialogueState
from bot.models import Answer


@dataclass
class Stats:
    per_day: list[tuple[str, str, int]]  # (day, language, questions)
    total: int
    unknown: int
    feedback: dict[str, int]
    topics: list[tuple[str, int]]


DAY_S = 86_400


class BotStorage:
    def __init__(self, path: Path, retention_days: int = 90):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Questions are personal data: only the bot's own user may read the file (SQLite gives its -wal and
        # -shm side files the same permissions).
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        self.retention_days = retention_days
        self._purged_at = 0.0
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(
                """
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS questions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    chat_id INTEGER NOT NULL,
                    asked REAL NOT NULL,
                    language TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    question TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    sources TEXT NOT NULL,
                    subject TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE IF NOT EXISTS feedback (
                    question_id INTEGER PRIMARY KEY REFERENCES questions(id),
                    chat_id INTEGER NOT NULL,
                    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
                    given REAL NOT NULL
                );
                CREATE TABLE IF NOT EXISTS chat_settings (
                    chat_id INTEGER PRIMARY KEY,
                    lang TEXT
                );
                CREATE TABLE IF NOT EXISTS conversations (
                    chat_id INTEGER PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated REAL NOT NULL
                );
                """
            )

        self.purge_expired()

    def close(self) -> None:
        self._db.close()

    # ---------------------------------------------------------------- privacy
    def purge_expired(self, now: float | None = None) -> int:
        """Delete questions, their feedback and conversations older than the retention period; the count."""
        cutoff = (time.time() if now is None else now) - self.retention_days * DAY_S
        self._purged_at = time.monotonic()
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM feedback WHERE question_id IN (SELECT id FROM questions WHERE asked < ?)", (cutoff,)
            )
            gone = self._db.execute("DELETE FROM questions WHERE asked < ?", (cutoff,)).rowcount
            self._db.execute("DELETE FROM conversations WHERE updated < ?", (cutoff,))
        return gone

    def forget_chat(self, chat_id: int) -> int:
        """/forget: everything stored about a chat (questions, feedback, conversation, settings); the count
        of questions deleted."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM feedback WHERE chat_id = ?", (chat_id,))
            gone = self._db.execute("DELETE FROM questions WHERE chat_id = ?", (chat_id,)).rowcount
            self._db.execute("DELETE FROM conversations WHERE chat_id = ?", (chat_id,))
            self._db.execute("DELETE FROM chat_settings WHERE chat_id = ?", (chat_id,))
        return gone

    # ---------------------------------------------------------------- settings
    def chat_lang(self, chat_id: int) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT lang FROM chat_settings WHERE chat_id = ?", (chat_id,)).fetchone()
        return row[0] if row else None

    def set_chat_lang(self, chat_id: int, lang: str | None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO chat_settings (chat_id, lang) VALUES (?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET lang = excluded.lang",
                (chat_id, lang),
            )

    # ---------------------------------------------------------------- conversation state
    def load_state(self, chat_id: int) -> DialogueState:
        """The chat's dialogue state (recent turns and their slots); a fresh one when there is none."""
        with self._lock:
            row = self._db.execute("SELECT state FROM conversations WHERE chat_id = ?", (chat_id,)).fetchone()
        if row is None:
            return DialogueState()
        try:
            return DialogueState.model_validate_json(row[0])
        except ValueError:  # written by an older version: start the conversation afresh
            return DialogueState()

    def save_state(self, chat_id: int, state: DialogueState) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO conversations (chat_id, state, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
                (chat_id, state.model_dump_json(), time.time()),
            )

    # ---------------------------------------------------------------- questions and feedback
    def log_answer(self, chat_id: int, answer: Answer) -> int:
        if time.monotonic() - self._purged_at > 3600:  # a long-running bot keeps to the retention period too
            self.purge_expired()
        sources = json.dumps([s.model_dump() for s in answer.sources], ensure_ascii=False)
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO questions (chat_id, asked, language, kind, question, answer, sources, subject)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    time.time(),
                    answer.language,
                    answer.kind,
                    answer.question,
                    answer.answer,
                    sources,
                    answer.intent,
                ),
            )
        return int(cur.lastrowid)

    def record_feedback(self, question_id: int, chat_id: int, vote: int) -> bool:
        """Store a vote for a logged answer of this chat; False if there is no such answer."""
        with self._lock, self._db:
            row = self._db.execute("SELECT chat_id FROM questions WHERE id = ?", (question_id,)).fetchone()
            if row is None or row[0] != chat_id:
                return False
            self._db.execute(
                "INSERT INTO feedback (question_id, chat_id, vote, given) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(question_id) DO UPDATE SET vote = excluded.vote, given = excluded.given",
                (question_id, chat_id, vote, time.time()),
            )
        return True

    def feedback_rows(self) -> list[tuple]:
        with self._lock:
            return self._db.execute(
                "SELECT q.question, q.answer, q.sources, q.language, f.vote, f.given, f.chat_id "
                "FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.given"
            ).fetchall()

    def stats(self, days: int = 14) -> Stats:
        since = time.time() - days * 86400
        with self._lock:
            per_day = self._db.execute(
                "SELECT date(asked, 'unixepoch') AS day, language, COUNT(*) FROM questions WHERE asked >= ? "
                "GROUP BY day, language ORDER BY day, language",
                (since,),
            ).fetchall()
            total, unknown = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(kind = 'unknown'), 0) FROM questions WHERE asked >= ?", (since,)
            ).fetchone()
            votes = dict(self._db.execute("SELECT vote, COUNT(*) FROM feedback GROUP BY vote").fetchall())
            topics = self._db.execute(
                "SELECT subject, COUNT(*) AS n FROM questions WHERE subject != '' AND asked >= ? "
                "GROUP BY subject ORDER BY n DESC LIMIT 5",
                (since,),
            ).fetchall()
        return Stats(per_day, total, unknown, {"up": votes.get(1, 0), "down": votes.get(-1, 0)}, topics)

    def unanswered(self, limit: int = 10) -> list[tuple[float, str, str]]:
        with self._lock:
            return self._db.execute(
                "SELECT asked, language, question FROM questions WHERE kind = 'unknown' ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
