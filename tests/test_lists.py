"""How a list question says which list it wants: a count ("the five goals") or a number naming one item."""

from __future__ import annotations

import pytest

from bot.core.handlers.lists import asked_count, children, ordinal_references
from ingest.units import document_units


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("can you list the 5 shoraizo (future visions) pls", 5),
        ("What are the five basic goals?", 5),
        ("金沢SDGsの「5つの方向性」をすべて教えてください", 5),
        ("施策の方向性を3つ挙げてください", 3),
        ("What are the basic goals of the strategy?", None),
        ("What is under Basic Goal 4 of the strategy?", None),  # names one goal, counts none
        ("What happened in 2023?", None),
    ],
)
def test_asked_count(question, count):
    assert asked_count(question, "en") == count


def test_ordinal_references_name_one_numbered_thing():
    assert ("goal", "4") in ordinal_references("the five policy areas under Basic Goal 4")
    assert ordinal_references("基本目標3（イノベーション）") == {("目標", "3")}
    assert ordinal_references("将来像３ 工芸が世界に羽ばたくまち") == {("来像", "3")}
    assert not ordinal_references("五つの将来像")


def test_a_heading_lists_its_numbered_sub_headings_not_the_others():
    doc = "# 計画\n## 基本目標1\n### 数値目標\n### 基本的方向\n### (1) 子育て\n### (2) 結婚\n## 基本目標2\n"
    units = {u.id: u for u in document_units(doc, "ja")}
    goal = next(u for u in units.values() if u.text == "基本目標1")
    assert [u.text for u in children(units, goal)] == ["(1) 子育て", "(2) 結婚"]
    top = next(u for u in units.values() if u.text == "計画")
    assert [u.text for u in children(units, top)] == ["基本目標1", "基本目標2"]


def test_without_names_drops_a_plans_title_and_aliases():
    from bot.core.handlers.documents import without_names
    from ingest.loader import load_knowledge
    from tests.conftest import KNOWLEDGE

    meta = load_knowledge(KNOWLEDGE).documents["sdgs-future-city-plan-2"].meta
    assert without_names("which places, acording to the SDGs plan?", [meta]) == "which places, acording to the ?"
    assert without_names("SDGs未来都市計画の期間は？", [meta]) == "の期間は？"
