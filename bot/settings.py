"""One settings root, read once at start-up: the index (data, models, Chroma), the LLM, the Telegram bot.

Each section reads its own variables from the environment or `.env` (see README, Configuration); the
root composes them so that every command and the bot get the same values from one place. Ingestion
only ever sees its own section (it knows nothing of chat).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.llm import LlmSettings
from bot.tg.settings import BotSettings
from ingest.settings import Settings


class GuideSettings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Settings = Field(default_factory=Settings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    telegram: BotSettings = Field(default_factory=BotSettings)
