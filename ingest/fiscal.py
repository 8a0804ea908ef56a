"""Western readings of the plans' fiscal-year labels (R4年度末 → end of FY2022, H30 → FY2018).

Japanese fiscal years are named by era: Heisei (H, 平成) year 1 = 1989, Reiwa (R, 令和) year 1 = 2019;
元 means year 1. Labels are kept exactly as printed; this only adds the English reading.
"""

from __future__ import annotations

import re
import unicodedata

ERAS = {"H": 1988, "平成": 1988, "R": 2018, "令和": 2018}
_ERA_LABEL = re.compile(r"(平成|令和|[HR])\s*(元|\d{1,2})\s*(年度末|年度|年)?")
_WESTERN_LABEL = re.compile(r"((?:19|20)\d{2})\s*(年度末|年度|年)?")


def western_year(label_as_printed: str) -> str | None:
    """English reading of a printed label, or None when the label holds no year.

    'Ｒ４年度末' → 'end of FY2022'; '（H30）' → 'FY2018'; '2028 年度' → 'FY2028';
    '2024 年' → '2024' (a calendar year: the plan does not say fiscal).
    """
    text = unicodedata.normalize("NFKC", label_as_printed)
    match = _ERA_LABEL.search(text)
    if match:
        era, year, suffix = match.groups()
        number = 1 if year == "元" else int(year)
        western = ERAS[era] + number
        suffix = suffix or "年度"  # a bare era label such as (H30) names a fiscal year in these plans
    else:
        match = _WESTERN_LABEL.search(text)
        if not match:
            return None
        western, suffix = int(match.group(1)), match.group(2) or ""
    if suffix == "年度末":
        return f"end of FY{western}"
    if suffix == "年度":
        return f"FY{western}"
    return str(western)


def with_western_years(text: str) -> str:
    """Era years followed by their Western year, for English readers: '令和2年3月' → '令和2年3月 (2020)'.

    A year already followed by its Western reading ('令和2（2020）年度') is left as it is."""
    from ingest.numbers import era_years

    normal = unicodedata.normalize("NFKC", text)
    source = text if len(text) == len(normal) else normal  # keep the printed characters where NFKC allows
    out, last = [], 0
    for _, end, year in era_years(normal):
        tail = normal[end : end + 12]
        if year in tail:
            continue
        stop = end
        while stop < len(normal) and normal[stop] in "年度末月0123456789 ":
            stop += 1
        out.append(source[last:stop] + f" ({year})")
        last = stop
    return "".join(out) + source[last:]
