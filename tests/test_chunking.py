"""Chunking: headings give the section path, sentences are not cut, tables stay whole, small sections pack."""

from __future__ import annotations

import json

from ingest.chunking import CHUNK_CHARS, OVERLAP_CHARS, chunk_markdown, split_sentences
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
        assert len(c.text) <= CHUNK_CHARS["ja"] + OVERLAP_CHARS["ja"]
        assert c.text.startswith("金沢の伝統工芸品産業")  # cut on sentence boundaries
    assert [c.ordinal for c in prose] == list(range(len(prose)))


def test_japanese_chunks_repeat_the_previous_short_line():
    """A statement at a chunk boundary is found together with what follows it."""
    items = "\n".join(f"- 第{n}号の事業として工房の開設に対し助成を行い、空き家の活用を促進する" for n in range(1, 9))
    markdown = (
        f"# 計画\n## （具体的な事業）\n{items}\n"
        "## (4) 企業立地の拠点性の強化\n本市工業団地等における企業立地を促進する。\n"
    )
    chunks = chunk_markdown(markdown, "ja")
    assert len(chunks) >= 2
    first_last = chunks[0].text.splitlines()[-1]
    assert chunks[1].text.splitlines()[0] == first_last
    assert chunks[1].lead_in == 1 and chunks[0].lead_in == 0
    assert first_last.lstrip("- ") not in split_sentences(chunks[1].text, "ja", chunks[1].lead_in)  # quoted once
    tail = chunks[-1]
    assert "## (4) 企業立地の拠点性の強化" in tail.text.splitlines()
    assert tail.section_of_line(len(tail.text.splitlines()) - 1)[-1] == "(4) 企業立地の拠点性の強化"


def test_kpi_table_block_stays_whole_under_its_heading():
    chunks = chunk_markdown(JA_DOC, "ja")
    tables = [c for c in chunks if "延べ 181人" in c.text]
    assert len(tables) == 1
    table = tables[0]
    lines = table.text.splitlines()
    for line in ("金沢工芸子ども塾、匠会の受講者数", "延べ 181人", "50.3%"):
        assert line in lines
        assert table.section_of_line(lines.index(line))[-1] == "将来像１ 工芸が息づくまち"
    assert table.is_table


def test_small_sections_are_packed_with_their_headings_as_lines():
    markdown = """# 計画
## ◆ 国指定伝統工芸品…６業種
加賀友禅、九谷焼、金沢仏壇、金沢箔、金沢漆器、加賀繍
## ◆ 希少伝統工芸品…20業種
大樋焼、加賀象嵌、茶の湯釜
### 補足
二俣和紙
"""
    chunks = chunk_markdown(markdown, "ja")
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.section == ("計画", "◆ 国指定伝統工芸品…６業種")
    assert chunk.text.splitlines() == [
        "加賀友禅、九谷焼、金沢仏壇、金沢箔、金沢漆器、加賀繍",
        "## ◆ 希少伝統工芸品…20業種",
        "大樋焼、加賀象嵌、茶の湯釜",
        "### 補足",
        "二俣和紙",
    ]
    assert chunk.inline_sections == (
        ("計画", "◆ 希少伝統工芸品…20業種"),
        ("計画", "◆ 希少伝統工芸品…20業種", "補足"),
    )
    assert [chunk.section_of_line(n)[-1] for n in range(5)] == [
        "◆ 国指定伝統工芸品…６業種",
        "◆ 希少伝統工芸品…20業種",
        "◆ 希少伝統工芸品…20業種",
        "補足",
        "補足",
    ]


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
        lang = doc.meta.language
        prose = [p for p in passages if not p.extra["is_table"]]
        # a chunk may exceed its length by the repeated line and the headings a piece brings
        assert all(len(p.text) <= CHUNK_CHARS[lang] + OVERLAP_CHARS[lang] + 200 for p in prose)
        assert sum(1 for p in passages if p.section) >= 0.8 * len(passages)
        assert all(p.lang == doc.meta.language and p.title == doc.meta.title(doc.meta.language) for p in passages)
        # Packing leaves few scraps: most chunks carry a real amount of text.
        assert sum(len(p.text) >= 120 for p in passages) >= 0.8 * len(passages), doc.meta.id
        for p in passages:
            inline = json.loads(str(p.extra["inline_sections"]))
            assert len(inline) == sum(1 for line in p.text.splitlines() if line.startswith("#"))


def test_fiscal_year_labels_read_in_western_years():
    assert western_year("Ｒ４年度末") == "end of FY2022"
    assert western_year("R 元年度末") == "end of FY2019"
    assert western_year("（H30）") == "FY2018"
    assert western_year("(R6)") == "FY2024"
    assert western_year("2028 年度") == "FY2028"
    assert western_year("現在(2021 年)") == "2021"
    assert western_year("現状") is None


def _hit_of(chunk):
    """A retrieved document passage for a chunk, with the metadata ingestion stores for it."""
    from bot.retrieval import Hit

    meta = {
        "kind": "document",
        "lang": "ja",
        "section": " > ".join(chunk.section),
        "inline_sections": json.dumps([" > ".join(x) for x in chunk.inline_sections], ensure_ascii=False),
    }
    return Hit("document:x:y:0", chunk.text, meta)


def test_a_quote_is_cited_with_the_section_it_sits_in():
    from bot.extractive import Quote

    markdown = "# 計画\n## ◆ 国指定…６業種\n加賀友禅、九谷焼、金沢箔など\n"
    markdown += "## ◆ 希少…20業種\n大樋焼、加賀象嵌、桐工芸など\n"
    chunk = chunk_markdown(markdown, "ja")[0]
    hit = _hit_of(chunk)
    sentences = split_sentences(chunk.text, "ja")
    assert sentences == ["加賀友禅、九谷焼、金沢箔など", "大樋焼、加賀象嵌、桐工芸など"]  # headings are not quoted
    assert Quote(sentences[0], hit, 1.0).section == "計画 > ◆ 国指定…６業種"
    assert Quote(sentences[1], hit, 1.0).section == "計画 > ◆ 希少…20業種"


def test_a_repeated_sentence_is_cited_with_its_own_section():
    from bot.extractive import Quote

    markdown = "# 計画\n## 事業A\n- 交付金申請予定事業として実施する\n## 事業B\n- 交付金申請予定事業として実施する\n"
    chunk = chunk_markdown(markdown, "ja")[0]
    hit = _hit_of(chunk)
    lines = [n for n, line in enumerate(chunk.text.splitlines()) if "交付金" in line]
    sections = [Quote("交付金申請予定事業として実施する", hit, 1.0, n).section for n in lines]
    assert sections == ["計画 > 事業A", "計画 > 事業B"]


def test_citations_never_repeat_the_document_title_as_a_section():
    knowledge = load_knowledge(KNOWLEDGE)
    for doc in knowledge.documents.values():
        title = "".join(doc.meta.title(doc.meta.language).split())
        for p in document_passages(doc):
            first = p.metadata()["section"].split(" > ")[0]
            assert "".join(first.split()) != title, (doc.meta.id, p.id)
