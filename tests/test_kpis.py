"""Every indicator of every plan is a record, each figure on its own printed line (independent counts)."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest

from ingest.loader import KnowledgeError, load_knowledge
from tests.conftest import KNOWLEDGE, read_yaml, write_yaml


def _indicator_lines(plan: str) -> int:
    """The plan's indicator lines, counted from its Markdown alone (not from the records)."""
    text = (KNOWLEDGE / "documents" / f"{plan}.md").read_text(encoding="utf-8")
    if plan == "comprehensive-strategy-2":  # one line per indicator: baseline → target
        return sum("→" in line for line in text.splitlines())
    if plan == "sdgs-future-city-plan-2":  # KPI tables: "指標: …" per indicator
        return len(re.findall(r"指標\s*[:：]", text))
    # the KOGEI plan's monitoring tables: item lines that are not measurement methods (…集計)
    table = text.split("主なモニタリング指標", 1)[1].split("推進体制", 1)[0]
    return sum(1 for line in table.splitlines() if line.startswith("・") and "集計" not in line)


@pytest.mark.parametrize("plan", ["kogei-action-plan", "comprehensive-strategy-2", "sdgs-future-city-plan-2"])
def test_each_plans_indicators_are_all_records(plan):
    knowledge = load_knowledge(KNOWLEDGE)
    counts = Counter(kpi.plan for kpi in knowledge.kpis.values())
    assert counts[plan] == _indicator_lines(plan)
    if plan == "comprehensive-strategy-2":  # and each record states a different line
        lines = [kpi.printed_line for kpi in knowledge.kpis.values() if kpi.plan == plan]
        assert None not in lines and len(set(lines)) == len(lines)


def test_repeats_point_at_a_record_of_the_same_indicator():
    knowledge = load_knowledge(KNOWLEDGE)
    bare = lambda s: re.sub(r"[\s〔\[]再掲[〕\]]|\s", "", s)  # noqa: E731
    repeats = [kpi for kpi in knowledge.kpis.values() if kpi.repeat_of]
    assert len(repeats) >= 6
    for kpi in repeats:
        first = knowledge.kpis[kpi.repeat_of]
        assert first.plan == kpi.plan and bare(first.indicator.ja).startswith(bare(kpi.indicator.ja)[:8])


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("value_as_printed", "20,001件", "not found verbatim"),  # a retyped figure
        ("value_as_printed", "300件", "is not on printed_line"),  # the next indicator's figure, same section
        ("label_as_printed", "（R5）", "not found verbatim"),
    ],
)
def test_a_figure_not_on_its_printed_line_is_refused(tmp_path, field, value, problem):
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    path = root / "directory" / "kpis.yaml"
    data = read_yaml(path)
    record = next(k for k in data["kpis"] if k.get("printed_line", "").startswith("・ 子育てアプリのダウンロード数"))
    record["values"][1][field] = value
    write_yaml(path, data)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    message = str(caught.value)
    assert "knowledge/directory/kpis.yaml" in message and f"record '{record['id']}'" in message
    assert f"values[1].{field}" in message and problem in message


def test_a_section_that_is_not_a_heading_path_is_refused(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    path = root / "directory" / "kpis.yaml"
    data = read_yaml(path)
    data["kpis"][0]["section"] = "〇 主なモニタリング指標 > 将来像９"
    write_yaml(path, data)
    with pytest.raises(KnowledgeError, match="field 'section': no heading path"):
        load_knowledge(root)
