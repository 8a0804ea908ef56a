"""A KPI's figures stand verbatim in its plan: indicator, labels and values under its section, and on its
printed line when it gives one, so that no figure is retyped or attributed to another line.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from ingest.schema import Kpi

if TYPE_CHECKING:
    from ingest.loader import Knowledge, Problem


def kpi_figure_problems(k: Knowledge) -> list[Problem]:
    """Every KPI record checked against the text of its plan."""
    sections = {plan: plan_sections(k, plan) for plan in {kpi.plan for kpi in k.kpis.values()} if plan in k.documents}
    problems: list[Problem] = []
    for kpi in k.kpis.values():
        problems += _check_kpi_printed(kpi, k, sections.get(kpi.plan, {}))
    return problems


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def plan_sections(k: Knowledge, plan: str) -> dict[str, str]:
    """Heading path (as a KPI's `section` gives it) → the text under it, subsections included.

    A path is accepted with or without the document's top (title) heading.
    """
    out: dict[str, list[str]] = {}
    for unit in k.units(plan):
        for depth in range(1, len(unit.section) + 1):
            path = unit.section[:depth]
            for label in {" > ".join(path), " > ".join(path[1:])}:
                if label:
                    out.setdefault(label, []).append(unit.text)
    return {label: "\n".join(texts) for label, texts in out.items()}


def _check_kpi_printed(kpi: Kpi, k: Knowledge, sections: dict[str, str]) -> list[Problem]:
    """A KPI's indicator, labels and values must stand verbatim in its plan, under its section, and
    on its printed line when it gives one: no figure is retyped or attributed to another line."""
    from ingest.loader import Problem

    file = k.files[f"kpi:{kpi.id}"]
    plan = k.documents.get(kpi.plan)
    if plan is None:
        return [Problem(file, f"unknown plan document '{kpi.plan}'", kpi.id, "plan")]
    problems = []
    section_text = sections.get(kpi.section)
    if section_text is None:
        problems.append(Problem(file, f"no heading path '{kpi.section}' in {plan.path}", kpi.id, "section"))
        section_text = plan.body
    text = section_text.replace("\n", "")
    if kpi.indicator.ja not in text:
        problems.append(Problem(file, f"not found verbatim under its section in {plan.path}", kpi.id, "indicator.ja"))
    line = None
    if kpi.printed_line is not None:
        lines = {_squash(x) for x in section_text.splitlines()}
        line = kpi.printed_line
        if _squash(line) not in lines:
            problems.append(Problem(file, f"not a line of {plan.path} under its section", kpi.id, "printed_line"))
        if kpi.subgroup_as_printed and kpi.subgroup_as_printed not in line:
            problems.append(Problem(file, "not in printed_line", kpi.id, "subgroup_as_printed"))
    for i, value in enumerate(kpi.values):
        for name in ("label_as_printed", "value_as_printed"):
            printed = getattr(value, name)
            if printed not in text:
                problems.append(
                    Problem(file, f"'{printed}' not found verbatim in {plan.path}", kpi.id, f"values[{i}].{name}")
                )
            elif line is not None and printed not in line:
                problems.append(Problem(file, f"'{printed}' is not on printed_line", kpi.id, f"values[{i}].{name}"))
    if kpi.repeat_of is not None:
        first = k.kpis.get(kpi.repeat_of)
        if first is None:
            problems.append(Problem(file, f"unknown KPI '{kpi.repeat_of}'", kpi.id, "repeat_of"))
        elif first.id == kpi.id:
            problems.append(Problem(file, "a record cannot repeat itself", kpi.id, "repeat_of"))
    return problems
