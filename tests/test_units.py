"""Document units: every character of a body in exactly one unit, ids stable across edits elsewhere."""

from __future__ import annotations

from ingest.loader import load_knowledge
from ingest.units import document_units, squash
from tests.conftest import KNOWLEDGE

DOC = """# 計画
## ■ 背景
金沢の伝統工芸品産業は、長い歴史の中で市民の生活を支えてきました。平成21年に条例を施行しました。
- 国内屈指の多彩さ
- 技術力と表現力の
  高さ
## ■ 指標
項目 数値根拠
・受講者数
・金沢市集計
延べ 181人
"""


def test_units_are_headings_sentences_items_and_tables():
    units = document_units(DOC, "ja")
    kinds = [(u.kind, u.text) for u in units]
    assert ("heading", "■ 背景") in kinds
    assert ("sentence", "平成21年に条例を施行しました。") in kinds  # one sentence per unit
    assert ("item", "技術力と表現力の 高さ") in kinds  # an indented line continues its item
    table = next(u for u in units if u.kind == "table")
    assert table.text.splitlines() == ["項目 数値根拠", "・受講者数", "・金沢市集計", "延べ 181人"]
    assert table.section == ("計画", "■ 指標")
    assert [u.id.split(".")[1] for u in units if u.section == ("計画", "■ 背景")] == ["0", "1", "2", "3", "4"]


def test_an_edit_in_one_section_renames_no_unit_of_another():
    before = {u.text: u.id for u in document_units(DOC, "ja")}
    edited = DOC.replace("長い歴史の中で", "藩政期からの長い歴史の中で")
    edited = edited.replace("## ■ 背景\n", "## ■ 背景\n新しい一文です。\n")
    after = {u.text: u.id for u in document_units(edited, "ja")}
    for text in ("■ 指標", "項目 数値根拠\n・受講者数\n・金沢市集計\n延べ 181人"):
        assert after[text] == before[text]
    # inside the edited section the ids shift: the translation's hashes then report those units stale,
    # and `guide translations sync` re-keys them by hash
    assert after["平成21年に条例を施行しました。"] != before["平成21年に条例を施行しました。"]


def test_units_cover_each_real_document_exactly():
    knowledge = load_knowledge(KNOWLEDGE)
    for doc_id, doc in knowledge.documents.items():
        units = knowledge.units(doc_id)
        assert len({u.id for u in units}) == len(units), doc_id
        assert squash("".join(u.text for u in units)) == squash(doc.body), doc_id
