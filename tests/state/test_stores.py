"""The state-store contract, checked on both backends: SQLite (the default) and a real Redis server."""

from __future__ import annotations

import stat
import time

import pytest
import redis

from bot.core.types import DialogueState
from bot.models import Answer
from bot.state import StateUrlError, open_store
from bot.state.redis_store import RedisStore
from bot.state.sqlite import SqliteStore


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "bot.sqlite3", retention_days=30)
    else:
        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()
        s = RedisStore(url, retention_days=30)
    yield s
    s.close()


def _answer(question: str, kind: str = "answer") -> Answer:
    return Answer(question=question, answer="…", language="en", kind=kind, intent="craft_info", sources=[])


def test_updates_are_kept_until_answered_in_order_and_once(store):
    assert store.accept_update(12, "c1", '{"update_id": 12}')
    assert store.accept_update(11, "c1", '{"update_id": 11}')
    assert store.accept_update(13, "c2", '{"update_id": 13}')
    assert not store.accept_update(12, "c1", '{"update_id": 12}')  # a redelivery
    assert [p.update_id for p in store.pending_updates("c1")] == [11, 12]
    assert sorted(store.pending_chats()) == ["c1", "c2"]
    store.finish_update(11)
    assert [p.update_id for p in store.pending_updates("c1")] == [12]
    assert not store.accept_update(11, "c1", '{"update_id": 11}')  # answered: still recognised


def test_an_answer_is_queued_with_its_state_and_finishes_its_update(store):
    store.accept_update(21, "c5", "{}")
    state = DialogueState(lang="ja")
    ids = store.enqueue(5, ['{"n": 1}', '{"n": 2}'], update_id=21, state=state)
    assert len(ids) == 2 and ids[0] < ids[1]
    assert store.pending_updates("c5") == []
    assert store.load_state(5).lang == "ja"
    assert [m.payload for m in store.outbox(5)] == ['{"n": 1}', '{"n": 2}']
    store.postpone(ids[0], time.time() + 30)
    first = store.outbox(5)[0]
    assert first.attempts == 1 and first.next_at > time.time() + 20
    assert store.is_queued(ids[0])
    store.delivered(ids[0])
    assert not store.is_queued(ids[0])
    assert [m.id for m in store.outbox()] == [ids[1]]
    assert store.outbox(6) == []


def test_a_lease_has_one_holder_until_released_or_expired(store):
    assert store.take_lease("chat:c1", "a", 30)
    assert not store.take_lease("chat:c1", "b", 30)
    assert store.take_lease("chat:c1", "a", 30)  # the holder extends it
    store.release_lease("chat:c1", "b")  # not b's to release
    assert not store.take_lease("chat:c1", "b", 30)
    store.release_lease("chat:c1", "a")
    assert store.take_lease("chat:c1", "b", 0.2)
    time.sleep(0.4)
    assert store.take_lease("chat:c1", "a", 30)  # b's lease ran out (b died)


def test_rate_windows_and_one_warning_per_burst(store):
    now = time.time()
    assert [store.allow(7, 3, 60, now + i) for i in range(5)] == [True, True, True, False, False]
    assert store.allow(7, 3, 60, now + 61)  # the window moved on
    assert store.allow(8, 3, 60, now)  # another user has their own window
    assert store.warn_once(7, 0.5) and not store.warn_once(7, 0.5)
    time.sleep(0.7)
    assert store.warn_once(7, 0.5)


def test_settings_conversation_log_feedback_and_forget(store):
    store.set_chat_lang(1, "ja")
    assert store.chat_lang(1) == "ja"
    store.set_chat_lang(1, None)
    assert store.chat_lang(1) is None
    assert store.load_state(1) == DialogueState()
    store.save_state(1, DialogueState(lang="en"))
    assert store.load_state(1).lang == "en"
    q1 = store.log_answer(1, _answer("What is Kutani ware?"))
    q2 = store.log_answer(1, _answer("weather?", kind="unknown"))
    q3 = store.log_answer(2, _answer("Kaga Yuzen?"))
    assert q1 < q2 < q3
    assert store.record_feedback(q1, 1, 1) and not store.record_feedback(q1, 2, -1)  # not chat 2's answer
    assert not store.record_feedback(10**9, 1, 1)
    stats = store.stats()
    assert (stats.total, stats.unknown, stats.feedback) == (3, 1, {"up": 1, "down": 0})
    assert stats.topics == [("craft_info", 3)] and sum(n for _, _, n in stats.per_day) == 3
    assert [q for _, _, q in store.unanswered()] == ["weather?"]
    assert [r[0] for r in store.feedback_rows()] == ["What is Kutani ware?"]
    store.set_chat_lang(1, "en")
    assert store.forget_chat(1) == 2
    assert store.chat_lang(1) is None and store.load_state(1) == DialogueState()
    assert store.feedback_rows() == [] and store.stats().total == 1


def test_the_question_log_keeps_to_its_retention_period(store):
    store.log_answer(3, _answer("old question"))
    store.enqueue(3, ['{"n": 1}'])
    assert store.purge_expired(now=time.time() + 29 * 86_400) == 0
    assert store.purge_expired(now=time.time() + 31 * 86_400) == 1
    assert store.stats(days=10_000).total == 0
    assert len(store.outbox()) == 1  # an answer on its way is not the question log's to purge


def test_the_sqlite_file_is_private_and_urls_pick_the_backend(tmp_path, redis_server):
    store = open_store(None, tmp_path)
    assert isinstance(store, SqliteStore) and stat.S_IMODE((tmp_path / "bot.sqlite3").stat().st_mode) == 0o600
    store.close()
    other = open_store(f"sqlite:///{tmp_path}/elsewhere.sqlite3", tmp_path)
    assert other.path == tmp_path / "elsewhere.sqlite3"
    other.close()
    assert isinstance(open_store(redis_server, tmp_path), RedisStore)
    with pytest.raises(StateUrlError, match="postgres"):
        open_store("postgres://db/guide", tmp_path)
    with pytest.raises(redis.ConnectionError):
        open_store("redis://127.0.0.1:1/0", tmp_path)
