"""The number rule for translations: every figure kept, none added, era years as Western years."""

from __future__ import annotations

import pytest

from ingest.numbers import added_numbers, missing_figures


@pytest.mark.parametrize(
    ("original", "translation"),
    [
        ("平成21年に「金沢市ものづくり基本条例」を施行し", "in 2009 (Heisei 21) the city enacted the ordinance"),
        ("令和6年度", "FY2024"),
        ("R 元年度末数値", "Figure at the end of FY2019"),
        ("・ 子育てサポート人材数 143人 (H30) → 180人 (R6)", "・ Childcare supporters: 143 (FY2018) → 180 (FY2024)"),
        ("令和５年 12 月には", "in December 2023 (Reiwa 5)"),
        ("連絡会議を開催（３年に１回）し", "holds a liaison meeting (once every three years)"),
        ("1,045 万人 (H30)", "10.45 million (FY2018)"),
        ("市外へ就職する学生数を1割減", "cut the number of students taking jobs elsewhere by 10%"),
        ("attracts 2.37 million visitors", "237万人が訪れる"),
        ("founded in 1996, open 24 hours a day", "1996年に開館し、24時間開いている"),
        ("五つの将来像", "5 future visions"),
        ("64.9％", "64.9%"),
    ],
)
def test_faithful_spellings_pass(original, translation):
    assert missing_figures(original, translation) == []
    assert added_numbers(original, translation) == []


@pytest.mark.parametrize(
    ("original", "translation", "missing", "added"),
    [
        ("平成21年に施行し", "enacted in 2008", ["平成21"], ["2008"]),
        ("143人 (H30) → 180人 (R6)", "143 (FY2018) → 190 (FY2024)", ["180"], ["190"]),
        ("令和6年度", "FY2023", ["令和6"], ["2023"]),
        ("令和５年 12 月", "November 2023", ["12"], []),
        ("in 2009.", "2009年に認定され、116都市が加盟", [], ["116"]),
        ("52.2万人", "52,000", ["52.2"], ["52,000"]),
    ],
)
def test_a_changed_dropped_or_invented_number_is_caught(original, translation, missing, added):
    assert missing_figures(original, translation) == missing
    assert added_numbers(original, translation) == added
