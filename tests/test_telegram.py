"""The real python-telegram-bot stack, polling a fake Bot API server over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

import httpx
import pytest
from telegram.ext import CommandHandler

from bot.state.sqlite import SqliteStore
from bot.tg.app import RedactingFormatter, build_application, main
from bot.tg.callbacks import Callback
from bot.tg.runtime import serve
from bot.tg.settings import BotSettings
from tests.fake_telegram import BOT_USERNAME, BotRunner, FakeBotApi, text_update

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnop"
ADMIN = 424242


@pytest.fixture()
def fake():
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


def _bot_settings(fake: FakeBotApi, **extra) -> BotSettings:
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url, "ADMIN_USER_IDS": str(ADMIN)}
    values.update(extra)
    return BotSettings(_env_file=None, **values)


@pytest.fixture()
def bot(fake, engine, full_index, tmp_path):
    settings = full_index[0]
    storage = SqliteStore(tmp_path / "bot.sqlite3")
    application = build_application(_bot_settings(fake, QUESTIONS_PER_MINUTE="5"), settings, engine, storage)
    runner = BotRunner(application).start()
    yield runner
    runner.stop()
    storage.close()


def _texts(fake: FakeBotApi, chat_id: int) -> list[str]:
    return [c.params.get("text", "") for c in fake.sent("sendMessage", chat_id)]


def _reply(fake: FakeBotApi, chat_id: int, contains: str, timeout: float = 60):
    return fake.wait_for(
        lambda: next((c for c in fake.sent("sendMessage", chat_id) if contains in c.params.get("text", "")), None),
        timeout,
    )


def _buttons(call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def test_start_greets_in_both_languages_and_registers_commands(fake, bot):
    fake.message(1, "/start")
    call = _reply(fake, 1, "Kanazawa craft guide")
    assert "金沢工芸ガイド" in call.params["text"]
    examples = [b["callback_data"] for b in _buttons(call)]
    assert len(examples) == 3 and all(d.startswith("ex:") for d in examples)
    langs = sorted(str(c.params.get("language_code")) for c in fake.sent("setMyCommands"))
    assert langs == ["None", "ja"]


def test_english_question_gets_sources_pins_and_feedback(fake, bot):
    fake.message(2, "Where can I try gold leaf?")
    call = _reply(fake, 2, "Places to try")
    assert call.params["parse_mode"] == "HTML"
    assert "<a href=" in call.params["text"] and "Sources" in call.params["text"]
    assert any(c.params.get("action") == "typing" for c in fake.sent("sendChatAction", 2))
    data = [b.get("callback_data", "") for b in _buttons(call)]
    assert any(d.startswith("pin:") for d in data)
    assert {"fb:1", "fb:-1"} <= {":".join(d.split(":")[:2]) for d in data}


def test_a_translated_quote_offers_its_original(fake, bot):
    fake.message(31, "When did Kanazawa put its Monozukuri Basic Ordinance into effect?")
    call = _reply(fake, 31, "2009")
    assert "translation by this guide" in call.params["text"]
    original = next(b for b in _buttons(call) if b.get("callback_data", "").startswith("orig:"))
    assert original["text"] == "原文 / original" and len(original["callback_data"].encode()) <= 64
    fake.press(31, original["callback_data"])
    shown = _reply(fake, 31, "平成21年")
    assert "The original (Japanese)" in shown.params["text"] and "金沢KOGEIアクションプラン" in shown.params["text"]
    fake.press(31, "orig:0000.deadbeef.1")  # forged: a polite line, no traceback
    _reply(fake, 31, "no longer in my sources")


def test_japanese_question_is_answered_in_japanese(fake, bot):
    fake.message(3, "九谷焼とは？", language_code="ja")
    call = _reply(fake, 3, "九谷焼")
    assert "出典" in call.params["text"] and "磁器" in call.params["text"]


def test_lang_switching_fixes_the_answer_language(fake, bot):
    fake.message(4, "/lang")
    prompt = _reply(fake, 4, "language")
    assert {"lang:ja", "lang:en", "lang:auto"} == {b["callback_data"] for b in _buttons(prompt)}
    fake.press(4, "lang:ja")
    _reply(fake, 4, "日本語でお答えします")
    fake.message(4, "Where can I try gold leaf?")
    answer = _reply(fake, 4, "体験")
    assert "金沢箔" in answer.params["text"]
    fake.press(4, "lang:auto")
    _reply(fake, 4, "I'll answer in the language you write in")


def test_venue_pin_sends_a_telegram_venue_or_a_map_link(fake, bot, engine):
    with_coordinates = next(v for v in engine.knowledge.venues.values() if v.location and v.location.exact)
    fake.press(5, f"pin:{with_coordinates.id}")
    venue = fake.wait_for(lambda: fake.sent("sendVenue", 5))[0]
    assert float(venue.params["latitude"]) == with_coordinates.location.latitude
    without = next(v for v in engine.knowledge.venues.values() if v.location and not v.location.exact)
    fake.press(5, f"pin:{without.id}")
    link = _reply(fake, 5, "google.com/maps/search")
    assert without.address.ja in link.params["text"]


def test_a_follow_up_keeps_the_conversation_across_messages(fake, bot, engine):
    fake.message(40, "What is Kutani ware?")
    _reply(fake, 40, "Kutani")
    fake.message(40, "where can I buy it?")
    places = _reply(fake, 40, "Places to buy")
    kutani = {v.id for v in engine.knowledge.venues.values() if "kutani_yaki" in v.crafts}
    data = [b.get("callback_data", "") for b in _buttons(places)]
    pins = {d.split(":", 1)[1] for d in data if d.startswith("pin:")}
    assert pins and pins <= kutani  # the craft came from the first message, kept by the bot's storage
    details = next(d for d in data if d.startswith("venue:"))
    fake.press(40, details)
    card = _reply(fake, 40, "Sources")
    venue = engine.knowledge.venues[details.split(":", 1)[1]]
    assert venue.name.en.split(" (")[0] in card.params["text"]


def test_a_shared_location_orders_places_by_distance(fake, bot, engine):
    kenrokuen = engine.knowledge.landmarks["kenrokuen"].location
    fake.message(41, None, location={"latitude": kenrokuen.latitude, "longitude": kenrokuen.longitude})
    nearest = _reply(fake, 41, "your location")
    assert " m" in nearest.params["text"] and "your_location" not in nearest.params["text"]
    fake.message(41, "Where can I try gold leaf?")
    places = _reply(fake, 41, "Places to try")
    assert " km" in places.params["text"] or " m)" in places.params["text"]


def test_craft_button_opens_the_craft_card(fake, bot):
    fake.press(6, "craft:kutani_yaki")
    call = _reply(fake, 6, "Kutani")
    assert "porcelain" in call.params["text"]


def test_feedback_is_stored_and_the_buttons_go(fake, bot, engine):
    fake.message(7, "What is Kaga Yuzen?")
    call = _reply(fake, 7, "Kaga Yuzen")
    up = next(b["callback_data"] for b in _buttons(call) if b.get("callback_data", "").startswith("fb:1:"))
    fake.press(7, up, reply_markup=call.params["reply_markup"])
    fake.wait_for(lambda: fake.sent("editMessageReplyMarkup"))
    thanks = fake.wait_for(lambda: [c for c in fake.sent("answerCallbackQuery") if c.params.get("text")])
    assert "Thanks" in thanks[0].params["text"]
    storage = bot.application.bot_data["services"].storage
    rows = fake.wait_for(storage.feedback_rows)
    question, answer, sources, language, vote, _, chat_id = rows[-1]
    assert (question, language, vote, chat_id) == ("What is Kaga Yuzen?", "en", 1, 7)
    assert "Kaga Yuzen" in answer and json.loads(sources)
    edited = fake.sent("editMessageReplyMarkup")[-1]
    remaining = json.dumps(edited.params.get("reply_markup", {}))
    assert "fb:" not in remaining


def test_admin_commands_are_refused_to_others(fake, bot):
    for command in ("/stats", "/unanswered", "/reingest"):
        fake.message(8, command)
    fake.wait_for(lambda: len([t for t in _texts(fake, 8) if "staff only" in t]) == 3)
    fake.message(ADMIN, "Who is the current mayor of Kanazawa?")
    fake.wait_for(lambda: fake.sent("sendMessage", ADMIN))  # an unknown answer: /stats counts it below
    fake.message(ADMIN, "/stats")
    stats = _reply(fake, ADMIN, "Unknown answers")
    assert "1/1" in stats.params["text"]
    fake.message(ADMIN, "/unanswered")
    _reply(fake, ADMIN, "current mayor")
    fake.message(ADMIN, "/reingest")
    _reply(fake, ADMIN, "keep answering")
    _reply(fake, ADMIN, "index already up to date", timeout=120)


def test_429_with_retry_after_is_respected(fake, bot):
    fake.rate_limit_left = 1
    fake.retry_after = 1
    fake.message(9, "What is Kaga Yuzen?")
    _reply(fake, 9, "Kaga Yuzen")
    limited = fake.sent("sendMessage:429", 9)
    answered = [c for c in fake.sent("sendMessage", 9) if "Kaga Yuzen" in c.params["text"]]
    assert len(limited) == 1 and len(answered) == 1
    assert answered[0].at - limited[0].at >= 0.9  # waited retry_after before trying again


def test_bot_api_failing_for_a_while_then_recovering(fake, bot):
    fake.fail_until = time.monotonic() + 2.5
    fake.message(10, "九谷焼とは？")
    _reply(fake, 10, "九谷焼", timeout=90)
    time.sleep(1.0)
    assert len([t for t in _texts(fake, 10) if "九谷焼" in t]) == 1


def test_two_hundred_chats_at_once_each_answered_exactly_once(fake, bot):
    chats = range(10_000, 10_200)
    for chat in chats:
        fake.message(chat, "九谷焼とは？", language_code="ja")
    fake.wait_for(lambda: all(fake.sent("sendMessage", c) for c in chats), timeout=240, interval=0.5)
    time.sleep(1.0)
    counts = {c: len(fake.sent("sendMessage", c)) for c in chats}
    assert set(counts.values()) == {1}


def test_odd_messages_get_a_sensible_reply_or_are_ignored(fake, bot):
    fake.message(
        11,
        None,
        sticker={
            "file_id": "s",
            "file_unique_id": "u",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    _reply(fake, 11, "only read text")
    fake.message(11, "/frobnicate")
    _reply(fake, 11, "don't know that command")
    fake.message(11, "九谷焼とは？" + "あ" * 10_000)
    _reply(fake, 11, "1,000")
    before = len(fake.sent("sendMessage", 12))
    fake.push(
        {
            "edited_message": {
                "message_id": 5,
                "date": 1,
                "edit_date": 2,
                "chat": {"id": 12, "type": "private"},
                "from": {"id": 12, "is_bot": False, "first_name": "T"},
                "text": "九谷焼とは？",
            }
        }
    )
    fake.message(12, "/help")
    _reply(fake, 12, "/crafts")
    assert len(fake.sent("sendMessage", 12)) == before + 1  # the edit was ignored on purpose


def test_groups_answer_only_when_addressed(fake, bot):
    fake.message(-100, "九谷焼とは？", user_id=13, chat_type="group")
    fake.message(-100, f"@{BOT_USERNAME} 九谷焼とは？", user_id=13, chat_type="group")
    call = _reply(fake, -100, "九谷焼")
    time.sleep(1.0)
    assert len(fake.sent("sendMessage", -100)) == 1
    assert call.params["text"]


def test_per_user_question_limit_says_slow_down_once_per_burst(fake, bot):
    for _ in range(12):
        fake.message(14, "九谷焼とは？")
    fake.wait_for(lambda: len(fake.sent("sendMessage", 14)) >= 6, timeout=90)
    fake.wait_for(lambda: len(fake.calls) and time.monotonic() - fake.calls[-1].at > 1.0)  # the burst is over
    texts = _texts(fake, 14)
    assert sum("faster than I can answer" in t for t in texts) == 1
    assert sum("九谷焼" in t for t in texts) == 5


def test_a_slow_typing_indicator_never_holds_up_the_answer(fake, bot):
    fake.delays["sendChatAction"] = 30  # longer than any request timeout: the call fails in the bot
    fake.message(60, "What is Kaga Yuzen?")
    call = _reply(fake, 60, "Kaga Yuzen", timeout=25)
    assert call.params["text"] and fake.sent("sendChatAction", 60)


def test_a_double_tap_on_feedback_is_quiet(fake, bot):
    fake.message(61, "What is Kaga Yuzen?")
    call = _reply(fake, 61, "Kaga Yuzen")
    up = next(b["callback_data"] for b in _buttons(call) if b.get("callback_data", "").startswith("fb:1:"))
    fake.errors["editMessageReplyMarkup"] = [(400, "Bad Request: message is not modified")] * 2
    fake.press(61, up, reply_markup=call.params["reply_markup"])
    fake.press(61, up, reply_markup=call.params["reply_markup"])
    fake.wait_for(lambda: len(fake.sent("answerCallbackQuery")) >= 2)
    fake.wait_for(lambda: len(fake.sent("editMessageReplyMarkup")) >= 2)
    time.sleep(0.5)
    assert not any("went wrong" in t for t in _texts(fake, 61))  # no apology for a harmless refusal


def test_forged_buttons_are_refused_politely_and_every_press_is_answered(fake, bot):
    fake.press(62, "fb:1:" + "9" * 40)  # a feedback id no row can have
    fake.press(62, "craft")  # no argument
    fake.press(62, "nonsense:1")
    fake.push(  # pressed on an inline message: no chat to answer in
        {
            "callback_query": {
                "id": "inline-1",
                "from": {"id": 62, "is_bot": False, "first_name": "Test"},
                "chat_instance": "ci",
                "inline_message_id": "AAAA",
                "data": "lang:ja",
            }
        }
    )
    answered = fake.wait_for(lambda: len(fake.sent("answerCallbackQuery")) >= 4 and fake.sent("answerCallbackQuery"))
    assert all(c.params.get("text") for c in answered)  # each told the button is not valid
    time.sleep(0.5)
    assert not _texts(fake, 62)  # and no apology, no answer sent anywhere


def test_another_bots_mention_is_not_ours(fake, bot):
    fake.message(-300, f"@{BOT_USERNAME}_helper 九谷焼とは？", user_id=63, chat_type="group")
    fake.message(-300, f"@{BOT_USERNAME.upper()}, 九谷焼とは？", user_id=63, chat_type="group")
    call = _reply(fake, -300, "九谷焼")
    time.sleep(1.0)
    assert len(fake.sent("sendMessage", -300)) == 1 and call.params["text"]


def test_chat_settings_survive_a_restart(fake, engine, full_index, tmp_path):
    settings = full_index[0]
    path = tmp_path / "bot.sqlite3"
    first = BotRunner(build_application(_bot_settings(fake), settings, engine, SqliteStore(path))).start()
    fake.message(15, "/lang")
    _reply(fake, 15, "language")
    fake.press(15, "lang:ja")
    _reply(fake, 15, "日本語でお答えします")
    first.stop()
    second = BotRunner(build_application(_bot_settings(fake), settings, engine, SqliteStore(path))).start()
    try:
        fake.message(15, "What is Kaga Yuzen?")
        _reply(fake, 15, "加賀友禅")
    finally:
        second.stop()


def test_errors_get_an_apology_and_the_token_is_never_logged(fake, bot, caplog):
    async def boom(update, context):
        raise RuntimeError(f"failure while calling {fake.base_url}/bot{TOKEN}/sendMessage")

    bot.application.add_handler(CommandHandler("boom", boom), group=-1)
    formatter = RedactingFormatter("%(message)s", [TOKEN])
    with caplog.at_level(logging.ERROR):
        fake.message(16, "/boom")
        _reply(fake, 16, "something went wrong")
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert "failure while calling" in logged and TOKEN not in logged and "[REDACTED]" in logged
    assert all("Traceback" not in t for t in _texts(fake, 16))


def test_callback_data_stays_within_telegram_limits(engine):
    for kind, records in (
        ("pin", engine.knowledge.venues),
        ("craft", engine.knowledge.crafts),
        ("prog", engine.knowledge.programs),
    ):
        for record_id in records:
            assert len(Callback(kind, (record_id,)).encode().encode()) <= 64
    assert Callback.decode("evil:payload") is None


def test_webhook_checks_the_secret_token_and_serves_health(fake, engine, full_index, tmp_path):
    settings = full_index[0]
    port = _free_port()
    bot_settings = _bot_settings(
        fake, WEBHOOK_URL="https://guide.example/hook", WEBHOOK_PORT=str(port), WEBHOOK_SECRET="s3cret-Token"
    )
    application = build_application(bot_settings, settings, engine, SqliteStore(tmp_path / "bot.sqlite3"))
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=lambda: loop.run_until_complete(serve(application, bot_settings, stop)), daemon=True
    )
    thread.start()
    base = f"http://127.0.0.1:{port}"
    fake.wait_for(lambda: _get(f"{base}/health"), timeout=30)
    try:
        assert _get(f"{base}/health").json()["status"] == "ok"
        hook = fake.sent("setWebhook")[0].params
        assert hook["url"] == "https://guide.example/hook/telegram" and hook["secret_token"] == "s3cret-Token"
        update = text_update(1, 17, "九谷焼とは？")
        assert httpx.post(f"{base}/telegram", json=update).status_code == 403
        bad = httpx.post(f"{base}/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert bad.status_code == 403
        good = httpx.post(f"{base}/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token"})
        assert good.status_code == 200
        _reply(fake, 17, "九谷焼")
        time.sleep(0.5)
        assert len(fake.sent("sendMessage", 17)) == 1  # the refused posts were not processed
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


def test_serve_without_a_token_says_how_to_get_one(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main() == 2
    out = capsys.readouterr().out
    assert "@BotFather" in out and "guide chat" in out and len(out.strip().splitlines()) == 1


def _get(url: str):
    try:
        return httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_groups_ignore_other_commands_and_admin_tools(fake, bot):
    fake.message(-200, "/start@some_other_bot", user_id=18, chat_type="group")
    fake.message(-200, "/frobnicate", user_id=18, chat_type="group")
    fake.message(-200, "/stats", user_id=ADMIN, chat_type="group")
    refusal = _reply(fake, -200, "private chat")
    time.sleep(1.0)
    assert len(fake.sent("sendMessage", -200)) == 1 and "Unknown answers" not in refusal.params["text"]


def test_a_rejected_token_is_reported_without_showing_it(fake, monkeypatch, tmp_path, capsys):
    wrong = "999999:WRONG-token-never-to-be-shown"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", wrong)
    monkeypatch.setenv("TELEGRAM_BASE_URL", fake.base_url)  # the fake answers 401 to any other token
    assert main() == 2
    captured = capsys.readouterr()
    assert "rejected" in captured.out
    assert wrong not in captured.out + captured.err


def test_an_unreachable_or_failing_bot_api_at_start_is_one_clear_line(fake, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"http://127.0.0.1:{_closed_port()}")  # nothing listens there
    assert main() == 1
    fake.errors["getMe"] = [(502, "Bad Gateway")]  # an error page instead of getMe's answer
    monkeypatch.setenv("TELEGRAM_BASE_URL", fake.base_url)
    assert main() == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("error:")]
    assert len(lines) == 2 and all("getMe" in line for line in lines)
    assert "Traceback" not in captured.out + captured.err and TOKEN not in captured.out + captured.err


def test_an_unreachable_or_unknown_state_store_is_one_clear_line(fake, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", fake.base_url)
    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDE_STATE_URL", f"redis://:hunter2@127.0.0.1:{_closed_port()}/0")
    assert main() == 1
    monkeypatch.setenv("GUIDE_STATE_URL", "postgres://db/guide")
    assert main() == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("error:")]
    assert len(lines) == 2 and "state store" in lines[0] and "postgres" in lines[1]
    assert "hunter2" not in captured.out + captured.err and "Traceback" not in captured.out + captured.err


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_forget_deletes_what_is_kept_about_the_chat(fake, bot):
    fake.message(64, "What is Kaga Yuzen?")
    _reply(fake, 64, "Kaga Yuzen")
    storage = bot.application.bot_data["services"].storage
    assert storage.load_state(64).turns
    fake.message(64, "/forget")
    done = _reply(fake, 64, "deleted")
    assert "1 questions" in done.params["text"]
    assert not storage.load_state(64).turns
    assert not [r for r in storage.feedback_rows() if r[-1] == 64]
    fake.message(64, "/stats", user_id=ADMIN)  # the admin's view no longer holds the chat's question
    stats = _reply(fake, 64, "Unknown answers")
    assert "Unknown answers: 0/0" in stats.params["text"]


def test_the_question_log_keeps_to_its_retention_period_and_is_private(tmp_path):
    from bot.models import Answer

    storage = SqliteStore(tmp_path / "bot.sqlite3", retention_days=30)
    try:
        old = storage.log_answer(1, Answer(question="old", language="en", kind="answer", answer="a"))
        new = storage.log_answer(2, Answer(question="new", language="en", kind="answer", answer="b"))
        storage.record_feedback(old, 1, 1)
        storage._db.execute("UPDATE questions SET asked = asked - 31 * 86400 WHERE id = ?", (old,))
        storage._db.commit()
        assert storage.purge_expired() == 1
        assert [r[0] for r in storage._db.execute("SELECT id FROM questions")] == [new]
        assert not storage.feedback_rows()
    finally:
        storage.close()
    assert (tmp_path / "bot.sqlite3").stat().st_mode & 0o077 == 0  # readable by the bot's user only
