"""The shared state store for several workers (or hosts): Redis, chosen by GUIDE_STATE_URL=redis://….

Same contract as the SQLite store. Keys live under one prefix; personal data carries the retention period
as a TTL or is purged by `purge_expired`. Multi-key changes (an answer queued with its state saved and its
update finished) go in one MULTI/EXEC transaction.
"""

from __future__ import annotations

import json
import time
import uuid

import redis

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

# Take the lease when free or expired, or extend it when the caller holds it already.
TAKE_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore(StateStore):
    def __init__(self, url: str, retention_days: int = 90, prefix: str = "guide"):
        self.url = url
        self.retention_days = retention_days
        self.p = prefix
        self.r = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10, health_check_interval=30)
        self.r.ping()  # fail at start-up with a clear error, not at the first question
        self._take = self.r.register_script(TAKE_LEASE)
        self._release = self.r.register_script(RELEASE_LEASE)

    def k(self, *parts: object) -> str:
        return ":".join((self.p, *map(str, parts)))

    def close(self) -> None:
        self.r.close()

    # ---------------------------------------------------------------- privacy
    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        old = self.r.zrangebyscore(self.k("q", "asked"), "-inf", now - self.retention_days * DAY_S)
        self._delete_questions(old)
        return len(old)

    def _delete_questions(self, ids: list[str]) -> None:
        if not ids:
            return
        chats = self.r.hmget(self.k("q", "chat"), ids)
        pipe = self.r.pipeline()
        pipe.zrem(self.k("q", "asked"), *ids)
        pipe.hdel(self.k("q", "chat"), *ids)
        pipe.hdel(self.k("fb"), *ids)
        pipe.delete(*(self.k("q", i) for i in ids))
        for qid, chat in zip(ids, chats, strict=True):
            if chat is not None:
                pipe.srem(self.k("chat", chat, "q"), qid)
        pipe.execute()

    def forget_chat(self, chat_id: int) -> int:
        ids = sorted(self.r.smembers(self.k("chat", chat_id, "q")))
        self._delete_questions(ids)
        self.r.delete(self.k("chat", chat_id, "q"), self.k("conv", chat_id))
        self.r.hdel(self.k("lang"), str(chat_id))
        return len(ids)

    # ---------------------------------------------------------------- settings and conversation
    def chat_lang(self, chat_id: int) -> str | None:
        return self.r.hget(self.k("lang"), str(chat_id)) or None

    def set_chat_lang(self, chat_id: int, lang: str | None) -> None:
        if lang:
            self.r.hset(self.k("lang"), str(chat_id), lang)
        else:
            self.r.hdel(self.k("lang"), str(chat_id))

    def load_state(self, chat_id: int) -> DialogueState:
        return parse_state(self.r.get(self.k("conv", chat_id)))

    def save_state(self, chat_id: int, state: DialogueState) -> None:
        self.r.set(self.k("conv", chat_id), state.model_dump_json(), ex=self.retention_days * DAY_S)

    # ---------------------------------------------------------------- limits
    def allow(self, user_id: int, per_minute: int, window: float = 60.0, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        key, member = self.k("rate", user_id), f"{now}:{uuid.uuid4().hex[:8]}"
        pipe = self.r.pipeline()
        pipe.zremrangebyscore(key, "-inf", now - window)
        pipe.zadd(key, {member: now})
        pipe.zcard(key)
        pipe.expire(key, int(window) + 1)
        _, _, count, _ = pipe.execute()
        if count > per_minute:
            self.r.zrem(key, member)
            return False
        return True

    def warn_once(self, user_id: int, window: float = 60.0, now: float | None = None) -> bool:
        return bool(self.r.set(self.k("warned", user_id), "1", nx=True, px=int(window * 1000)))

    # ---------------------------------------------------------------- questions and feedback
    def log_answer(self, chat_id: int, answer: Answer) -> int:
        self._purge_if_due()
        row = LoggedQuestion.of(chat_id, answer)
        qid = int(self.r.incr(self.k("q", "seq")))
        pipe = self.r.pipeline()
        pipe.hset(self.k("q", qid), mapping={**row.__dict__})
        pipe.zadd(self.k("q", "asked"), {str(qid): row.asked})
        pipe.hset(self.k("q", "chat"), str(qid), str(chat_id))
        pipe.sadd(self.k("chat", chat_id, "q"), str(qid))
        pipe.execute()
        return qid

    def record_feedback(self, question_id: int, chat_id: int, vote: int) -> bool:
        if self.r.hget(self.k("q", "chat"), str(question_id)) != str(chat_id):
            return False
        entry = {"chat_id": chat_id, "vote": vote, "given": time.time()}
        self.r.hset(self.k("fb"), str(question_id), json.dumps(entry))
        return True

    def feedback_rows(self) -> list[tuple]:
        rows = []
        for qid, raw in self.r.hgetall(self.k("fb")).items():
            vote = json.loads(raw)
            q = self.r.hgetall(self.k("q", qid))
            if q:
                rows.append(
                    (
                        q["question"],
                        q["answer"],
                        q["sources"],
                        q["language"],
                        vote["vote"],
                        vote["given"],
                        vote["chat_id"],
                    )
                )
        return sorted(rows, key=lambda r: r[5])

    def _questions_since(self, since: float) -> list[dict]:
        ids = self.r.zrangebyscore(self.k("q", "asked"), since, "+inf")
        pipe = self.r.pipeline()
        for qid in ids:
            pipe.hgetall(self.k("q", qid))
        return [q for q in pipe.execute() if q] if ids else []

    def stats(self, days: int = 14) -> Stats:
        questions = self._questions_since(time.time() - days * DAY_S)
        per_day: dict[tuple[str, str], int] = {}
        topics: dict[str, int] = {}
        for q in questions:
            day = time.strftime("%Y-%m-%d", time.gmtime(float(q["asked"])))
            per_day[(day, q["language"])] = per_day.get((day, q["language"]), 0) + 1
            if q["subject"]:
                topics[q["subject"]] = topics.get(q["subject"], 0) + 1
        votes = [json.loads(v)["vote"] for v in self.r.hvals(self.k("fb"))]
        return Stats(
            [(d, lang, n) for (d, lang), n in sorted(per_day.items())],
            len(questions),
            sum(q["kind"] == "unknown" for q in questions),
            {"up": votes.count(1), "down": votes.count(-1)},
            sorted(topics.items(), key=lambda kv: -kv[1])[:5],
        )

    def unanswered(self, limit: int = 10) -> list[tuple[float, str, str]]:
        unknown = [q for q in self._questions_since(0) if q["kind"] == "unknown"]
        unknown.sort(key=lambda q: -float(q["asked"]))
        return [(float(q["asked"]), q["language"], q["question"]) for q in unknown[:limit]]

    # ---------------------------------------------------------------- inbox
    def accept_update(self, update_id: int, chat_key: str, payload: str) -> bool:
        if not self.r.set(self.k("seen", update_id), "1", nx=True, ex=SEEN_UPDATES_S):
            return False
        pipe = self.r.pipeline()
        pipe.hset(self.k("inbox", "data"), str(update_id), payload)
        pipe.hset(self.k("inbox", "chat"), str(update_id), chat_key)
        pipe.zadd(self.k("inbox", chat_key), {str(update_id): update_id})
        pipe.sadd(self.k("inbox", "chats"), chat_key)
        pipe.execute()
        return True

    def pending_updates(self, chat_key: str) -> list[PendingUpdate]:
        ids = self.r.zrange(self.k("inbox", chat_key), 0, -1)
        if not ids:
            self.r.srem(self.k("inbox", "chats"), chat_key)
            return []
        payloads = self.r.hmget(self.k("inbox", "data"), ids)
        return [PendingUpdate(int(i), chat_key, p) for i, p in zip(ids, payloads, strict=True) if p is not None]

    def pending_chats(self) -> list[str]:
        return sorted(self.r.smembers(self.k("inbox", "chats")))

    def finish_update(self, update_id: int) -> None:
        pipe = self.r.pipeline()
        self._finish(pipe, update_id)
        pipe.execute()

    def _finish(self, pipe, update_id: int) -> None:
        chat_key = self.r.hget(self.k("inbox", "chat"), str(update_id))
        if chat_key is not None:
            pipe.zrem(self.k("inbox", chat_key), str(update_id))
        pipe.hdel(self.k("inbox", "data"), str(update_id))
        pipe.hdel(self.k("inbox", "chat"), str(update_id))

    # ---------------------------------------------------------------- leases
    def take_lease(self, name: str, owner: str, ttl_s: float) -> bool:
        return bool(self._take(keys=[self.k("lease", name)], args=[owner, int(ttl_s * 1000)]))

    def release_lease(self, name: str, owner: str) -> None:
        self._release(keys=[self.k("lease", name)], args=[owner])

    # ---------------------------------------------------------------- outbox
    def enqueue(
        self, chat_id: int, payloads: list[str], update_id: int | None = None, state: DialogueState | None = None
    ) -> list[int]:
        now = time.time()
        first = int(self.r.incrby(self.k("out", "seq"), len(payloads))) - len(payloads) + 1
        ids = list(range(first, first + len(payloads)))
        pipe = self.r.pipeline(transaction=True)
        for mid, payload in zip(ids, payloads, strict=True):
            pipe.hset(
                self.k("out", mid),
                mapping={"chat_id": chat_id, "payload": payload, "attempts": 0, "next_at": now, "created": now},
            )
            pipe.zadd(self.k("out", "ids"), {str(mid): mid})
        if state is not None:
            pipe.set(self.k("conv", chat_id), state.model_dump_json(), ex=self.retention_days * DAY_S)
        if update_id is not None:
            self._finish(pipe, update_id)
        pipe.execute()
        return ids

    def outbox(self, chat_id: int | None = None) -> list[OutgoingMessage]:
        ids = self.r.zrange(self.k("out", "ids"), 0, -1)
        pipe = self.r.pipeline()
        for mid in ids:
            pipe.hgetall(self.k("out", mid))
        out = []
        for mid, m in zip(ids, pipe.execute() if ids else [], strict=True):
            if m and (chat_id is None or int(m["chat_id"]) == chat_id):
                out.append(
                    OutgoingMessage(
                        int(mid),
                        int(m["chat_id"]),
                        m["payload"],
                        int(m["attempts"]),
                        float(m["next_at"]),
                        float(m["created"]),
                    )
                )
        return out

    def is_queued(self, message_id: int) -> bool:
        return self.r.zscore(self.k("out", "ids"), str(message_id)) is not None

    def delivered(self, message_id: int) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.zrem(self.k("out", "ids"), str(message_id))
        pipe.delete(self.k("out", message_id))
        pipe.execute()

    def postpone(self, message_id: int, next_at: float) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hincrby(self.k("out", message_id), "attempts", 1)
        pipe.hset(self.k("out", message_id), "next_at", next_at)
        pipe.execute()
