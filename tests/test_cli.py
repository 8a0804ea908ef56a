"""The `guide` command as a user runs it: summaries, validation-only mode, what is indexed."""

from __future__ import annotations

import re

import numpy as np

from bot.cli import main as guide
from ingest.e5_bundle import BUNDLE_NAME
from ingest.embedders import load_embedders
from ingest.loader import load_knowledge
from tests.conftest import MODELS_DIR, make_settings


def _env(monkeypatch, settings) -> None:
    monkeypatch.setenv("GUIDE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GUIDE_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("GUIDE_MODELS_DIR", str(settings.models_dir))


def test_ingest_prints_summary_per_kind_then_nothing_to_do(monkeypatch, capsys, small_settings, embedders):
    _env(monkeypatch, small_settings)
    assert guide(["ingest", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^document\s+\d+\s+0\s+0\s+0$", out, re.M)
    assert re.search(r"^venue\s+6\s+0\s+0\s+0$", out, re.M)  # 3 venues x 2 languages
    assert "index updated: generation 1" in out
    assert "dense=bundled:" in out and "use=usem3:" in out

    assert guide(["ingest", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "index already up to date" in out
    assert "0 passages embedded" in out


def test_check_validates_without_writing(monkeypatch, capsys, small_settings):
    _env(monkeypatch, small_settings)
    assert guide(["ingest", "--check"]) == 0
    out = capsys.readouterr().out
    assert "knowledge is valid" in out and "nothing was written" in out
    assert not (small_settings.data_dir / "chroma").exists()


def test_sources_lists_documents_and_records_per_language(monkeypatch, capsys, full_index):
    settings, _ = full_index
    _env(monkeypatch, settings)
    assert guide(["sources"]) == 0
    out = capsys.readouterr().out
    for doc_id in (
        "kogei-action-plan",
        "comprehensive-strategy-2",
        "sdgs-future-city-plan-2",
        "unesco-innovation-in-tradition",
        "unesco-creative-city-profile",
    ):
        assert re.search(rf"{doc_id} \[(ja|en)\] .*: [1-9]\d* passages", out), doc_id
    assert "venue: 33 ja, 33 en" in out
    assert "kpi: 104 ja, 104 en" in out


def test_sources_without_index_says_what_to_do(monkeypatch, capsys, small_settings):
    _env(monkeypatch, small_settings)
    assert guide(["sources"]) == 3
    assert "run `guide ingest` first" in capsys.readouterr().err


def test_embedding_model_may_name_any_sentence_transformers_path(tmp_path, embedders):
    path = str(MODELS_DIR / BUNDLE_NAME)
    settings = make_settings(tmp_path, tmp_path, EMBEDDING_MODEL=path, GUIDE_USE_EMBEDDER="false")
    (configured,) = load_embedders(settings)
    assert configured.model_id == path  # recorded in the index instead of the bundled id
    bundled = next(e for e in embedders if e.key == "dense")
    text = ["金沢箔の体験"]
    assert np.allclose(configured.embed_queries(text), bundled.embed_queries(text), atol=1e-5)


def test_ask_jsonl_answers_every_line_and_keeps_conversations(monkeypatch, capsys, full_index, tmp_path):
    import json

    settings, _ = full_index
    _env(monkeypatch, settings)
    lines = [
        json.dumps({"q": "What is Kutani ware?", "conversation": "a"}),
        json.dumps({"q": "where can I buy it?", "conversation": "a"}),
        "where can I buy it?",  # a line of its own: no conversation, nothing to refer to
        "",
        '{"q": broken json',
    ]
    stdin = tmp_path / "in.jsonl"
    stdin.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe\n")
    with stdin.open() as handle:
        monkeypatch.setattr("sys.stdin", handle)
        assert guide(["ask", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines) + 1  # one answer per line, the undecodable one too
    assert {"question", "language", "kind", "intent", "reason", "answer", "blocks", "sources"} <= set(out[0])
    assert out[0]["intent"] == "craft_info" and out[1]["intent"] == "find_places"
    assert any(b["type"] == "venues" for b in out[1]["blocks"])
    shown = [{i["venue_id"] for b in o["blocks"] if b["type"] == "venues" for i in b["items"]} for o in out[1:3]]
    kutani = {v.id for v in load_knowledge(settings.knowledge_dir).venues.values() if "kutani_yaki" in v.crafts}
    assert shown[0] and shown[0] <= kutani and not (shown[1] and shown[1] <= kutani)  # line 3: nothing inherited
    assert out[3]["reason"] == "empty"


def test_a_data_directory_that_cannot_be_written_is_one_clear_line(tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data directory should be", encoding="utf-8")
    monkeypatch.setenv("GUIDE_DATA_DIR", str(blocked))
    assert guide(["ingest", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write to the data directory") and "Traceback" not in err
