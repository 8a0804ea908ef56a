"""Chunking: headings give the section path, sentences are not cut, tables stay with their heading."""

from __future__ import annotations

from ingest.chunking import CHUNK_CHARS, chunk_markdown
from ingest.fiscal import western_year
from ingest.loader import load_knowledge
from ingest.passages import document_passages
from tests.conftest import KNOWLEDGE

JA_DOC = (
    """# 金沢の計画
## ■ 工芸の振興
### 〇 策定の背景
"""
    + ("金沢の伝統工芸品産業は、藩政期からの長い歴史の中で市民の生活を支えてきました。" * 24)
    + """
### 〇 主なモニタリング指標
#### 将来像１ 工芸が息づくまち
金沢工芸子ども塾、匠会の受講者数
市民の金沢の工芸品使用割合
金沢市集計（設立からの累計受講者数）
金沢市集計（e-モニター調査）
延べ 181人
45.0%
延べ 206人
50.3%
"""
)

EN_DOC = "# Background\n\n" + ("Kanazawa is blessed with an abundant natural environment. " * 30)


def test_japanese_chunks_follow_headings_and_sentences():
    chunks = chunk_markdown(JA_DOC, "ja")
    prose = [c for c in chunks if c.section[-1] == "〇 策定の背景"]
    assert len(prose) >= 3
    assert prose[0].section == ("金沢の計画", "■ 工芸の振興", "〇 策定の背景")
    for c in prose:
        assert len(c.text) <= CHUNK_CHARS["ja"]
        assert c.text.endswith("。")  # cut on sentence boundaries
    assert [c.ordinal for c in prose] == list(range(len(prose)))


def test_kpi_table_block_stays_whole_with_its_heading():
    chunks = chunk_markdown(JA_DOC, "ja")
    tables = [c for c in chunks if c.is_table]
    assert len(tables) == 1
    table = tables[0]
    assert table.section[-1] == "将来像１ 工芸が息づくまち"
    for line in ("金沢工芸子ども塾、匠会の受講者数", "延べ 181人", "50.3%"):
        assert line in table.text


def test_english_chunks_are_sentence_packed():
    chunks = chunk_markdown(EN_DOC, "en")
    assert len(chunks) >= 2
    for c in chunks:
        assert len(c.text) <= CHUNK_CHARS["en"]
        assert c.text.endswith(".")
        assert c.section == ("Background",)


def test_real_documents_chunk_with_section_paths():
    knowledge = load_knowledge(KNOWLEDGE)
    for doc in knowledge.documents.values():
        passages = document_passages(doc)
        assert passages, doc.meta.id
        limit = CHUNK_CHARS[doc.meta.language]
        prose = [p for p in passages if not p.extra["is_table"]]
        assert all(len(p.text) <= limit for p in prose)
        assert sum(1 for p in passages if p.section) >= 0.8 * len(passages)
        assert all(p.lang == doc.meta.language and p.title == doc.meta.title(doc.meta.language) for p in passages)


def test_fiscal_year_labels_read_in_western_years():
    assert western_year("Ｒ４年度末") == "end of FY2022"
    assert western_year("R 元年度末") == "end of FY2019"
    assert western_year("（H30）") == "FY2018"
    assert western_year("(R6)") == "FY2024"
    assert western_year("2028 年度") == "FY2028"
    assert western_year("現在(2021 年)") == "2021"
    assert western_year("現状") is None
