"""Lists given as data (knowledge/structures/): every item is a unit the document prints, or it is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli import main as guide
from ingest.loader import KnowledgeError, load_knowledge

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
FILE = "knowledge/structures/kogei-action-plan.yaml"


@pytest.fixture()
def knowledge_copy(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def _edit(root: Path, change) -> None:
    path = root / "structures" / "kogei-action-plan.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_direction_of_every_vision_is_a_unit_of_the_plan():
    knowledge = load_knowledge(KNOWLEDGE)
    lists = knowledge.structures["kogei-action-plan"]
    assert [len(s.unit_ids) for s in lists] == [3, 3, 3, 2, 2]
    units = {u.id: u for u in knowledge.units("kogei-action-plan")}
    translation = knowledge.translation("kogei-action-plan", "en")
    for given in lists:
        for unit_id in given.unit_ids:
            assert units[unit_id].section[-1] == "〇 プランの体系図"
            assert translation.texts.get(unit_id)  # served in English from the aligned translation


def test_an_item_the_document_does_not_print_names_file_list_and_item(knowledge_copy, monkeypatch, capsys):
    _edit(knowledge_copy, lambda d: d["lists"][1]["items"].__setitem__(0, "①「作り手」の技能向上支援"))
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    message = str(caught.value)
    assert FILE in message and "vision2_directions" in message and "items[0]" in message
    monkeypatch.setenv("GUIDE_KNOWLEDGE_DIR", str(knowledge_copy))
    assert guide(["ingest", "--check"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "vision2_directions" in err


def test_a_heading_whose_english_drops_a_number_is_refused(knowledge_copy):
    _edit(knowledge_copy, lambda d: d["lists"][2].__setitem__("heading_en", "Policy directions of a future vision"))
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    assert "vision3_directions" in str(caught.value) and "heading_en" in str(caught.value)
