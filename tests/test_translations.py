"""The guide's aligned translations: complete and valid, and each rule reported with the index intact."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.cli import main as guide
from ingest.loader import KnowledgeError, load_knowledge
from ingest.passages import all_passages
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
from ingest.translations import LABELS
from tests.conftest import KNOWLEDGE

DOC = "unesco-creative-city-profile"
FILE = f"knowledge/translations/{DOC}.ja.yaml"


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(KNOWLEDGE)


def test_every_document_is_translated_unit_by_unit(knowledge):
    assert not knowledge.warnings, [str(w) for w in knowledge.warnings]  # nothing stale, nothing untranslated
    for doc_id, doc in knowledge.documents.items():
        other = "en" if doc.meta.language == "ja" else "ja"
        translation = knowledge.translation(doc_id, other)
        assert translation is not None, doc_id
        assert translation.label == LABELS[other]
        units = knowledge.units(doc_id)
        assert all(translation.covers(u.id) for u in units), doc_id
        for unit_id in translation.covered:  # only KPI table blocks stand in for their directory records
            unit = next(u for u in units if u.id == unit_id)
            assert unit.kind == "table", unit_id
            kpis = [knowledge.kpis[i] for i in translation.covered[unit_id]]
            assert kpis and all(k.plan == doc_id for k in kpis)


def test_translations_use_the_directorys_names(knowledge):
    """金沢卯辰山工芸工房 is the Kanazawa Utatsuyama Craft Workshop in every English sentence that names it."""
    names = {v.name.ja: re.sub(r"\s*\(.*\)$", "", v.name.en) for v in knowledge.venues.values()}
    checked = 0
    for doc_id, doc in knowledge.documents.items():
        if doc.meta.language != "ja":
            continue
        translation = knowledge.translation(doc_id, "en")
        for unit in knowledge.units(doc_id):
            for ja, en in names.items():
                text = translation.texts.get(unit.id)
                if ja in unit.text and text and ja == "金沢卯辰山工芸工房":
                    assert en in text, (unit.id, text)
                    checked += 1
    assert checked >= 3


def test_translated_passages_line_up_with_their_originals(knowledge):
    passages = all_passages(knowledge)
    originals = {p.id: p for p in passages if p.kind == "document" and not p.extra.get("translation_of")}
    translated = [p for p in passages if p.extra.get("translation_of")]
    assert len(translated) >= 0.9 * len(originals)
    for p in translated:
        original = originals[str(p.extra["translation_of"])]
        assert p.lang != original.lang and p.record_id == original.record_id
        assert p.extra["original_lang"] == original.lang
        assert p.extra["section_original"] == original.section
        assert p.extra["translation_label"]
    # a served translation takes its original out of the cross-language search (no sentence entries needed)
    assert all(originals[str(p.extra["translation_of"])].extra["translated"] for p in translated)


def _snapshot(settings):
    store = IndexStore(settings)
    try:
        gen = store.require_active()
        return gen.id, store.entries(gen.id)
    finally:
        store.close()


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _save(path, data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _missing_unit(root):
    path = root / "translations" / f"{DOC}.ja.yaml"
    data = _load(path)
    gone = data["units"].pop(3)
    _save(path, data)
    return [FILE, f"unit {gone['id']}", "has no entry"]


def _changed_number(root):
    path = root / "translations" / f"{DOC}.ja.yaml"
    data = _load(path)
    entry = next(u for u in data["units"] if u["text"] and "1996" in u["text"])
    entry["text"] = entry["text"].replace("1996", "1997")
    _save(path, data)
    return [FILE, f"record '{entry['id']}'", "missing in the translation: 1996", "does not give: 1997"]


def _dangling_id(root):
    path = root / "translations" / f"{DOC}.ja.yaml"
    data = _load(path)
    data["units"].append({"id": "deadbeef.1", "hash": "0" * 12, "text": "存在しない単位"})
    _save(path, data)
    return [FILE, "record 'deadbeef.1'", "dangling id"]


@pytest.mark.parametrize("breaker", [_missing_unit, _changed_number, _dangling_id])
def test_a_bad_translation_names_file_unit_and_problem_and_keeps_the_index(
    breaker, small_settings, embedders, monkeypatch, capsys
):
    run_ingest(small_settings, embedders=embedders)
    before = _snapshot(small_settings)
    expected = breaker(small_settings.knowledge_dir)
    with pytest.raises(KnowledgeError) as caught:
        run_ingest(small_settings, embedders=embedders)
    for part in expected:
        assert part in str(caught.value)
    monkeypatch.setenv("GUIDE_DATA_DIR", str(small_settings.data_dir))
    monkeypatch.setenv("GUIDE_KNOWLEDGE_DIR", str(small_settings.knowledge_dir))
    assert guide(["ingest", "--check"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(part in err for part in expected)
    assert _snapshot(small_settings) == before


def test_a_stale_unit_is_reported_and_served_in_the_original(small_settings, embedders, capsys, monkeypatch):
    run_ingest(small_settings, embedders=embedders)
    doc = small_settings.knowledge_dir / "documents" / f"{DOC}.md"
    old = "founded in 1996"
    doc.write_text(doc.read_text(encoding="utf-8").replace(old, "founded in 1996 by the city"), encoding="utf-8")
    knowledge = load_knowledge(small_settings.knowledge_dir)
    stale = [w for w in knowledge.warnings if "stale" in w.message]
    assert len(stale) == 1 and stale[0].file == FILE and "set hash:" in stale[0].message
    unit = next(u for u in knowledge.units(DOC) if "by the city" in u.text)
    assert not knowledge.translation(DOC, "ja").covers(unit.id)

    report = run_ingest(small_settings, embedders=embedders)  # a warning, not an error: ingest goes on
    assert report.generation is not None and any("stale" in str(w) for w in report.warnings)
    passages = {p.id: p for p in all_passages(knowledge)}
    original = next(
        p
        for p in passages.values()
        if p.kind == "document" and unit.id in str(p.extra["units"]) and not p.extra.get("translation_of")
    )
    assert original.extra["translated"] is False  # searched across languages again, with its sentences
    assert any(p.kind == "sentence" and p.extra["parent"] == original.id for p in passages.values())
    translated = next(p for p in passages.values() if p.extra.get("translation_of") == original.id)
    assert unit.id not in str(translated.extra["units"])  # the stale translation is not served

    monkeypatch.setenv("GUIDE_DATA_DIR", str(small_settings.data_dir))
    monkeypatch.setenv("GUIDE_KNOWLEDGE_DIR", str(small_settings.knowledge_dir))
    assert guide(["ingest", "--check"]) == 0
    assert "stale" in capsys.readouterr().err


def test_sync_re_keys_moved_units_and_adds_new_ones_untranslated(small_knowledge, monkeypatch, capsys):
    doc = small_knowledge / "documents" / f"{DOC}.md"
    text = doc.read_text(encoding="utf-8")
    heading = "## About the Creative City:\n"
    doc.write_text(text.replace(heading, heading + "\nA sentence added at the top of the section.\n"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="has no entry"):  # ids after the insertion shifted
        load_knowledge(small_knowledge)
    monkeypatch.setenv("GUIDE_KNOWLEDGE_DIR", str(small_knowledge))
    assert guide(["translations", "sync", DOC]) == 0
    out = capsys.readouterr().out
    assert "added 1 untranslated" in out and re.search(r"re-keyed [1-9]", out)
    knowledge = load_knowledge(small_knowledge)  # valid again: moved units kept their translations
    translation = knowledge.translation(DOC, "ja")
    assert len(translation.untranslated) == 1 and not translation.stale
    assert [w for w in knowledge.warnings if "not translated yet" in w.message]


def test_covered_by_must_cover_every_indicator_of_the_block(tmp_path):
    import shutil

    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    path = root / "translations" / "kogei-action-plan.en.yaml"
    data = _load(path)
    entry = next(u for u in data["units"] if u.get("covered_by") and "k000_01" in u["covered_by"])
    entry["covered_by"].remove("k000_02")
    _save(path, data)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    message = str(caught.value)
    assert "kogei-action-plan.en.yaml" in message and entry["id"] in message
    assert "市民の金沢の工芸品使用割合" in message and "not covered" in message
