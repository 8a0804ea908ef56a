"""Configuration from the environment (and a `.env` file): data locations, models, Chroma.

Embedded defaults need nothing set: the index lives under ``GUIDE_DATA_DIR`` (``./data``), the
embedding model is built from packages on disk, and Chroma runs in-process. A Chroma server and
another embedding model are configuration, not code changes.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_E5 = "bundled:multilingual-e5-small"


class Settings(BaseSettings):
    """Settings shared by ingestion and the answering engine."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", validation_alias="GUIDE_DATA_DIR")
    models_dir_override: Path | None = Field(default=None, validation_alias="GUIDE_MODELS_DIR")
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "knowledge", validation_alias="GUIDE_KNOWLEDGE_DIR")
    embedding_model: str = Field(default=BUNDLED_E5, validation_alias="EMBEDDING_MODEL")
    embedding_query_prefix: str = Field(default="query: ", validation_alias="EMBEDDING_QUERY_PREFIX")
    embedding_passage_prefix: str = Field(default="passage: ", validation_alias="EMBEDDING_PASSAGE_PREFIX")
    use_second_embedder: bool = Field(default=True, validation_alias="GUIDE_USE_EMBEDDER")
    chroma_host: str | None = Field(default=None, validation_alias="CHROMA_HOST")
    chroma_port: int = Field(default=8000, validation_alias="CHROMA_PORT")
    collection_prefix: str = Field(default="guide", validation_alias="GUIDE_COLLECTION_PREFIX")
    embed_batch_size: int = Field(default=16, ge=1, validation_alias="GUIDE_EMBED_BATCH")
    # Threads that embed questions, each on one torch thread (ingest.embedders.one_torch_thread): one per core.
    query_threads: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1), ge=1, le=32, validation_alias="GUIDE_QUERY_THREADS"
    )

    @cached_property
    def models_dir(self) -> Path:
        """Where the bundled e5 folder is built (shareable between data directories)."""
        return self.models_dir_override or self.data_dir / "models"

    @cached_property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @cached_property
    def manifest_path(self) -> Path:
        return self.data_dir / "index.sqlite3"

    @property
    def chroma_location(self) -> str:
        if self.chroma_host:
            return f"chroma server {self.chroma_host}:{self.chroma_port}"
        return f"embedded chroma at {self.chroma_dir}"
