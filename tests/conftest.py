"""Shared fixtures: real models, real Chroma, the real knowledge and a small knowledge set.

The bundled e5 folder is built once into data/models (kept between local runs); a full cold ingest of
the real knowledge runs once per session into a temporary data directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from ingest.embedders import load_embedders
from ingest.pipeline import IngestReport, run_ingest
from ingest.settings import PROJECT_ROOT, Settings

# Tests never reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

KNOWLEDGE = PROJECT_ROOT / "knowledge"
MODELS_DIR = PROJECT_ROOT / "data" / "models"
SMALL_DOCS = ["unesco-creative-city-profile"]
SMALL_CRAFTS = {"kanazawa_haku", "kutani_yaki"}


def make_settings(data_dir: Path, knowledge_dir: Path, **overrides) -> Settings:
    values = {
        "GUIDE_DATA_DIR": str(data_dir),
        "GUIDE_KNOWLEDGE_DIR": str(knowledge_dir),
        "GUIDE_MODELS_DIR": str(MODELS_DIR),
        **overrides,
    }
    return Settings(_env_file=None, **{k: v for k, v in values.items()})  # type: ignore[call-arg]


def write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_small_knowledge(target: Path) -> Path:
    """A few real records and one short real document: enough to exercise every ingest path fast."""
    (target / "documents").mkdir(parents=True)
    (target / "directory").mkdir()
    (target / "translations").mkdir()
    for doc in SMALL_DOCS:
        shutil.copy(KNOWLEDGE / "documents" / f"{doc}.md", target / "documents")
        for translation in (KNOWLEDGE / "translations").glob(f"{doc}.*.yaml"):
            shutil.copy(translation, target / "translations")
    crafts = [c for c in read_yaml(KNOWLEDGE / "directory" / "crafts.yaml")["crafts"] if c["id"] in SMALL_CRAFTS]
    venues = []
    for v in read_yaml(KNOWLEDGE / "directory" / "venues.yaml")["venues"]:
        if set(v.get("crafts", [])) & SMALL_CRAFTS and len(venues) < 3:
            v["crafts"] = [c for c in v["crafts"] if c in SMALL_CRAFTS]
            venues.append(v)
    for records in (crafts, venues):
        for r in records:
            for key in ("sources",):
                r[key] = [s for s in r[key] if s.get("document", SMALL_DOCS[0]) in SMALL_DOCS]
            if r.get("hands_on"):
                r["hands_on"]["sources"] = [s for s in r["hands_on"]["sources"] if "url" in s]
                r["hands_on"]["crafts"] = [c for c in r["hands_on"]["crafts"] if c in SMALL_CRAFTS]
                if not r["hands_on"]["crafts"]:
                    del r["hands_on"]
                    r["kinds"] = [k for k in r["kinds"] if k != "try"] or ["see"]
    write_yaml(target / "directory" / "crafts.yaml", {"crafts": crafts})
    write_yaml(target / "directory" / "venues.yaml", {"venues": venues})
    write_yaml(target / "directory" / "programs.yaml", {"programs": []})
    write_yaml(target / "directory" / "kpis.yaml", {"kpis": []})
    return target


@pytest.fixture(scope="session")
def embedders():
    """The real models, loaded once for the whole session."""
    return load_embedders(make_settings(Path("/nonexistent"), KNOWLEDGE))


@pytest.fixture(scope="session")
def full_index(tmp_path_factory, embedders) -> tuple[Settings, IngestReport]:
    """A cold ingest of the real knowledge into an embedded Chroma."""
    data = tmp_path_factory.mktemp("full-data")
    settings = make_settings(data, KNOWLEDGE)
    report = run_ingest(settings, embedders=embedders)
    return settings, report


@pytest.fixture(scope="session")
def engine(full_index):
    """The answering engine over the full index (its intent router is fitted once, with the index)."""
    from bot.core.engine import Engine

    return Engine(full_index[0])


@pytest.fixture()
def small_knowledge(tmp_path) -> Path:
    return build_small_knowledge(tmp_path / "knowledge")


@pytest.fixture()
def small_settings(tmp_path, small_knowledge) -> Settings:
    return make_settings(tmp_path / "data", small_knowledge)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` server on 127.0.0.1."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        pytest.fail(f"the chroma CLI is missing next to {sys.executable}")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma server did not start: {(path / 'server.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield "127.0.0.1", port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(autouse=True)
def _fresh_logging():
    """A test that ran `guide` or the bot may leave a log handler on a stream pytest has closed since."""
    import logging

    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        stream = getattr(handler, "stream", None)
        if stream is not None and getattr(stream, "closed", False):
            root.removeHandler(handler)
