"""The default state store: one SQLite file under the data directory (WAL, so several processes on one host
can share it; workers on several hosts need the Redis store).

Only what the guide needs is kept: the chat id (no names, no usernames), the question, the answer, its
sources and language, and the time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from bot.core.types import DialogueState
from bot.models import Answer
from bot.state.base import (
    DAY_S,
    SEEN_UPDATES_S,
    LoggedQuestion,
    OutgoingMessage,
    PendingUpdate,
    StateStore,
    Stats,
    parse_state,
)

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, asked REAL NOT NULL,
    language TEXT NOT NULL, kind TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    sources TEXT NOT NULL, subject TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER PRIMARY KEY REFERENCES questions(id), chat_id INTEGER NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)), given REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_settings (chat_id INTEGER PRIMARY KEY, lang TEXT);
CREATE TABLE IF NOT EXISTS conversations (chat_id INTEGER PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rate_hits (user_id INTEGER NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS rate_hits_user ON rate_hits (user_id, at);
CREATE TABLE IF NOT EXISTS rate_warned (user_id INTEGER PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS updates (
    update_id INTEGER PRIMARY KEY, chat_key TEXT NOT NULL, payload TEXT, accepted REAL NOT NULL,
    done REAL
);
CREATE INDEX IF NOT EXISTS updates_pending ON updates (chat_key, update_id) WHERE done IS NULL;
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, created REAL NOT NULL
);
"""


class SqliteStore(StateStore):
    def __init__(self, path: Path, retention_days: int = 90):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Questions are personal data: only the bot's own user may read the file (SQLite gives its -wal and
        # -shm side files the same permissions).
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        self.path = path
        self.retention_days = retention_days
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
        self._purge_if_due()  # at start-up, then hourly while answering

    def _tx(self):
        """One transaction under the connection's lock (BEGIN IMMEDIATE: other processes wait, never clash)."""
        return _Transaction(self._db, self._lock)

    def close(self) -> None:
        self._db.close()

    # ---------------------------------------------------------------- privacy
    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        cutoff = now - self.retention_days * DAY_S
        with self._tx() as db:
            db.execute(
                "DELETE FROM feedback WHERE question_id IN (SELECT id FROM questions WHERE asked < ?)", (cutoff,)
            )
            gone = db.execute("DELETE FROM questions WHERE asked < ?", (cutoff,)).rowcount
            db.execute("DELETE FROM conversations WHERE updated < ?", (cutoff,))
            db.execute("DELETE FROM rate_hits WHERE at < ?", (now - DAY_S,))
            db.execute("DELETE FROM updates WHERE done IS NOT NULL AND done < ?", (now - SEEN_UPDATES_S,))
        return gone

    def forget_chat(self, chat_id: int) -> int:
        with self._tx() as db:
            db.execute("DELETE FROM feedback WHERE chat_id = ?", (chat_id,))
            gone = db.execute("DELETE FROM questions WHERE chat_id = ?", (chat_id,)).rowcount
            db.execute("DELETE FROM conversations WHERE chat_id = ?", (chat_id,))
            db.execute("DELETE FROM chat_settings WHERE chat_id = ?", (chat_id,))
        return gone

    # ---------------------------------------------------------------- settings and conversation
    def chat_lang(self, chat_id: int) -> str | None:
        row = self._one("SELECT lang FROM chat_settings WHERE chat_id = ?", (chat_id,))
        return row[0] if row else None

    def set_chat_lang(self, chat_id: int, lang: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO chat_settings (chat_id, lang) VALUES (?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET lang = excluded.lang",
                (chat_id, lang),
            )

    def load_state(self, chat_id: int) -> DialogueState:
        row = self._one("SELECT state FROM conversations WHERE chat_id = ?", (chat_id,))
        return parse_state(row[0] if row else None)

    def save_state(self, chat_id: int, state: DialogueState) -> None:
        with self._tx() as db:
            self._save_state(db, chat_id, state)

    @staticmethod
    def _save_state(db: sqlite3.Connection, chat_id: int, state: DialogueState) -> None:
        db.execute(
            "INSERT INTO conversations (chat_id, state, updated) VALUES (?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
            (chat_id, state.model_dump_json(), time.time()),
        )

    # ---------------------------------------------------------------- limits
    def allow(self, user_id: int, per_minute: int, window: float = 60.0, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._tx() as db:
            db.execute("DELETE FROM rate_hits WHERE user_id = ? AND at <= ?", (user_id, now - window))
            (seen,) = db.execute("SELECT COUNT(*) FROM rate_hits WHERE user_id = ?", (user_id,)).fetchone()
            if seen >= per_minute:
                return False
            db.execute("INSERT INTO rate_hits (user_id, at) VALUES (?, ?)", (user_id, now))
        return True

    def warn_once(self, user_id: int, window: float = 60.0, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._tx() as db:
            row = db.execute("SELECT at FROM rate_warned WHERE user_id = ?", (user_id,)).fetchone()
            if row is not None and now - row[0] <= window:
                return False
            db.execute("INSERT OR REPLACE INTO rate_warned (user_id, at) VALUES (?, ?)", (user_id, now))
        return True

    # ---------------------------------------------------------------- questions and feedback
    def log_answer(self, chat_id: int, answer: Answer) -> int:
        self._purge_if_due()
        row = LoggedQuestion.of(chat_id, answer)
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO questions (chat_id, asked, language, kind, question, answer, sources, subject)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (row.chat_id, row.asked, row.language, row.kind, row.question, row.answer, row.sources, row.subject),
            )
        return int(cur.lastrowid)

    def record_feedback(self, question_id: int, chat_id: int, vote: int) -> bool:
        with self._tx() as db:
            row = db.execute("SELECT chat_id FROM questions WHERE id = ?", (question_id,)).fetchone()
            if row is None or row[0] != chat_id:
                return False
            db.execute(
                "INSERT INTO feedback (question_id, chat_id, vote, given) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(question_id) DO UPDATE SET vote = excluded.vote, given = excluded.given",
                (question_id, chat_id, vote, time.time()),
            )
        return True

    def feedback_rows(self) -> list[tuple]:
        return self._all(
            "SELECT q.question, q.answer, q.sources, q.language, f.vote, f.given, f.chat_id "
            "FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.given"
        )

    def stats(self, days: int = 14) -> Stats:
        since = time.time() - days * DAY_S
        per_day = self._all(
            "SELECT date(asked, 'unixepoch') AS day, language, COUNT(*) FROM questions WHERE asked >= ? "
            "GROUP BY day, language ORDER BY day, language",
            (since,),
        )
        total, unknown = self._one(
            "SELECT COUNT(*), COALESCE(SUM(kind = 'unknown'), 0) FROM questions WHERE asked >= ?", (since,)
        )
        votes = dict(self._all("SELECT vote, COUNT(*) FROM feedback GROUP BY vote"))
        topics = self._all(
            "SELECT subject, COUNT(*) AS n FROM questions WHERE subject != '' AND asked >= ? "
            "GROUP BY subject ORDER BY n DESC LIMIT 5",
            (since,),
        )
        return Stats(
            [tuple(r) for r in per_day],
            total,
            unknown,
            {"up": votes.get(1, 0), "down": votes.get(-1, 0)},
            [tuple(r) for r in topics],
        )

    def unanswered(self, limit: int = 10) -> list[tuple[float, str, str]]:
        return self._all(
            "SELECT asked, language, question FROM questions WHERE kind = 'unknown' ORDER BY id DESC LIMIT ?", (limit,)
        )

    # ---------------------------------------------------------------- inbox
    def accept_update(self, update_id: int, chat_key: str, payload: str) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO updates (update_id, chat_key, payload, accepted) VALUES (?, ?, ?, ?)",
                (update_id, chat_key, payload, time.time()),
            )
        return cur.rowcount == 1

    def pending_updates(self, chat_key: str) -> list[PendingUpdate]:
        rows = self._all(
            "SELECT update_id, chat_key, payload FROM updates WHERE chat_key = ? AND done IS NULL ORDER BY update_id",
            (chat_key,),
        )
        return [PendingUpdate(*row) for row in rows]

    def pending_chats(self) -> list[str]:
        return [r[0] for r in self._all("SELECT DISTINCT chat_key FROM updates WHERE done IS NULL")]

    def finish_update(self, update_id: int) -> None:
        with self._tx() as db:
            self._finish(db, update_id)

    @staticmethod
    def _finish(db: sqlite3.Connection, update_id: int) -> None:
        # The payload goes (it may hold a question); the id stays a while, to recognise a redelivery.
        db.execute("UPDATE updates SET done = ?, payload = NULL WHERE update_id = ?", (time.time(), update_id))

    # ---------------------------------------------------------------- leases
    def take_lease(self, name: str, owner: str, ttl_s: float) -> bool:
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "owner = excluded.owner, until = excluded.until "
                "WHERE leases.owner = excluded.owner OR leases.until < ?",
                (name, owner, now + ttl_s, now),
            )
        return cur.rowcount == 1

    def release_lease(self, name: str, owner: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    # ---------------------------------------------------------------- outbox
    def enqueue(
        self, chat_id: int, payloads: list[str], update_id: int | None = None, state: DialogueState | None = None
    ) -> list[int]:
        now = time.time()
        with self._tx() as db:
            ids = [
                int(
                    db.execute(
                        "INSERT INTO outbox (chat_id, payload, next_at, created) VALUES (?, ?, ?, ?)",
                        (chat_id, payload, now, now),
                    ).lastrowid
                )
                for payload in payloads
            ]
            if state is not None:
                self._save_state(db, chat_id, state)
            if update_id is not None:
                self._finish(db, update_id)
        return ids

    def outbox(self, chat_id: int | None = None) -> list[OutgoingMessage]:
        query = "SELECT id, chat_id, payload, attempts, next_at, created FROM outbox"
        rows = (
            self._all(query + " WHERE chat_id = ? ORDER BY id", (chat_id,))
            if chat_id is not None
            else self._all(query + " ORDER BY id")
        )
        return [OutgoingMessage(*row) for row in rows]

    def is_queued(self, message_id: int) -> bool:
        return self._one("SELECT 1 FROM outbox WHERE id = ?", (message_id,)) is not None

    def delivered(self, message_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (message_id,))

    def postpone(self, message_id: int, next_at: float) -> None:
        with self._tx() as db:
            db.execute("UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ?", (next_at, message_id))

    # ---------------------------------------------------------------- helpers
    def _one(self, sql: str, args: tuple = ()) -> tuple | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()


class _Transaction:
    def __init__(self, db: sqlite3.Connection, lock: threading.Lock):
        self.db, self.lock = db, lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, kind, value, tb) -> None:
        try:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self.lock.release()
