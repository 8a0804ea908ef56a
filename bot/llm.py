"""Optional generation with an OpenAI-compatible chat model, behind a guard that cannot add facts.

Only when LLM_BASE_URL and LLM_MODEL are set. The model sees the numbered evidence the extractive
answer was built from and the prompts in prompts/ (one file per language and purpose). Its reply is
kept only if every number in it appears in that evidence and every [n] it cites exists; an error, a
timeout or a failed guard returns the extractive answer unchanged.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.models import Answer
from ingest.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
PROMPTS_DIR = PROJECT_ROOT / "prompts"
_NUMBER = re.compile(r"\d[\d,.]*")
_KANJI_NUMBER = re.compile(r"[一二三四五六七八九十百千]{2,}")
_CITATION = re.compile(r"\[(\d+)\]")
_URL = re.compile(r"https?://[^\s)\]」>]+")


class LlmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    base_url: str | None = Field(default=None, validation_alias="LLM_BASE_URL")
    model: str | None = Field(default=None, validation_alias="LLM_MODEL")
    api_key: str | None = Field(default=None, validation_alias="LLM_API_KEY", repr=False)
    timeout: float = Field(default=20.0, validation_alias="LLM_TIMEOUT")
    max_tokens: int = Field(default=400, validation_alias="LLM_MAX_TOKENS")


def load_prompt(purpose: str, lang: str, prompts_dir: Path = PROMPTS_DIR) -> str:
    return (prompts_dir / f"{purpose}.{lang}.txt").read_text(encoding="utf-8")


def numbers_in(text: str) -> set[str]:
    """Whole numeric tokens (45.0, 2,252, 2024), NFKC: '50.0' is not '45.0' + '50.3'."""
    text = _CITATION.sub(" ", unicodedata.normalize("NFKC", text))
    return {m.rstrip(".,") for m in _NUMBER.findall(text)}


def guard(reply: str, context: str, source_count: int) -> str | None:
    """Why a generated reply must be discarded (None: it may be used)."""
    if not reply.strip():
        return "empty reply"
    body = unicodedata.normalize("NFKC", reply)
    context = unicodedata.normalize("NFKC", context)
    cited = {int(n) for n in _CITATION.findall(body)}
    if source_count and not cited:
        return "no citation"
    if any(n < 1 or n > source_count for n in cited):
        return f"cites a source that does not exist: {sorted(cited)}"
    links = set(_URL.findall(body)) - set(_URL.findall(context))
    if links:
        return f"links not in the context: {sorted(links)}"
    extra = numbers_in(_URL.sub(" ", body)) - numbers_in(_URL.sub(" ", context))
    if extra:
        return f"numbers not in the context: {sorted(extra)}"
    kanji = set(_KANJI_NUMBER.findall(body)) - set(_KANJI_NUMBER.findall(context))
    if kanji:
        return f"numbers not in the context: {sorted(kanji)}"
    return None


class LlmAnswerer:
    """Rewrites an answer from its own evidence; never the source of a fact."""

    def __init__(self, config: LlmSettings, prompts_dir: Path = PROMPTS_DIR):
        from langchain_openai import ChatOpenAI

        self.prompts_dir = prompts_dir
        self.model_name = config.model
        self.last_outcome = ""  # "generated" | "guard: <reason>" | "error: <type>" (for logs and tests)
        self.chat = ChatOpenAI(
            base_url=config.base_url,
            model=config.model,
            api_key=config.api_key or "not-needed",
            timeout=config.timeout,
            max_retries=0,
            temperature=0,
            max_tokens=config.max_tokens,
        )

    def context(self, answer: Answer) -> str:
        """Numbered context: the sources' titles and the extractive answer built from them."""
        lines = [
            f"[{s.n}] {s.title}" + (f" — {s.section}" if s.section else "") + (f" {s.url}" if s.url else "")
            for s in answer.sources
        ]
        lines.append("")
        lines.append(answer.answer)
        return "\n".join(lines)

    def rewrite(self, answer: Answer, question: str) -> Answer:
        context = self.context(answer)
        lang = answer.language
        try:
            messages = [
                ("system", load_prompt("system", lang, self.prompts_dir)),
                ("human", load_prompt("answer", lang, self.prompts_dir).format(context=context, question=question)),
            ]
            reply = str(self.chat.invoke(messages).content).strip()
        except Exception as exc:  # network, timeout, server error: the extractive answer stands
            self.last_outcome = f"error: {type(exc).__name__}"
            log.warning("LLM call failed (%s); using the extractive answer", type(exc).__name__)
            return answer
        reason = guard(reply, context, len(answer.sources))
        if reason:
            self.last_outcome = f"guard: {reason}"
            log.info("LLM reply discarded by the guard: %s", reason)
            return answer
        self.last_outcome = "generated"
        return answer.model_copy(update={"answer": reply, "generated": True})

    def choose_intent(self, question: str, candidates: list[str], lang: str) -> str | None:
        """Break a tie between the router's best intents: one of ``candidates``, or None (the safe default)."""
        try:
            prompt = load_prompt("route", lang, self.prompts_dir).format(
                question=question, intents=", ".join(candidates)
            )
            reply = str(self.chat.invoke([("human", prompt)]).content).strip()
        except Exception as exc:
            log.warning("LLM routing failed (%s)", type(exc).__name__)
            return None
        words = reply.replace(",", " ").replace(".", " ").split()
        choice = next((w for w in words if w in candidates), None)
        return choice  # anything else than a candidate's name is ignored


def configured_llm(config: LlmSettings | None = None) -> LlmAnswerer | None:
    """The LLM when LLM_BASE_URL and LLM_MODEL are set; None otherwise (extractive only)."""
    config = config or LlmSettings()
    if not (config.base_url and config.model):
        return None
    log.info("LLM answers enabled: model %s", config.model)
    return LlmAnswerer(config)
