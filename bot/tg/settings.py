"""Bot configuration from the environment or `.env` (the token is a secret: never logged or shown)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    base_url: str | None = Field(default=None, validation_alias="TELEGRAM_BASE_URL")
    admin_user_ids: list[int] = Field(default_factory=list, validation_alias="ADMIN_USER_IDS")
    questions_per_minute: int = Field(default=8, ge=1, validation_alias="QUESTIONS_PER_MINUTE")
    webhook_url: str | None = Field(default=None, validation_alias="WEBHOOK_URL")
    webhook_listen: str = Field(default="127.0.0.1", validation_alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, validation_alias="WEBHOOK_PORT")
    webhook_secret: SecretStr | None = Field(default=None, validation_alias="WEBHOOK_SECRET")
    # answer threads: many, so that questions arriving together share one embedding batch (bot/batching.py)
    workers: int = Field(default=16, ge=1, validation_alias="GUIDE_WORKERS")
    # Where conversation state, chat settings, limits, the question log and the inbox/outbox live:
    # SQLite under the data directory by default; redis://host:port/db for several workers.
    state_url: SecretStr | None = Field(default=None, validation_alias="GUIDE_STATE_URL")
    retention_days: int = Field(default=90, ge=1, validation_alias="QUESTION_LOG_RETENTION_DAYS")

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """ADMIN_USER_IDS=123,456 (or a JSON list)."""
        if isinstance(value, str) and not value.strip().startswith("["):
            return [int(x) for x in value.replace(" ", "").split(",") if x]
        if isinstance(value, int):
            return [value]
        return value

    def token_value(self) -> str:
        return self.token.get_secret_value() if self.token else ""
