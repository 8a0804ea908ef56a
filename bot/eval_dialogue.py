"""Evaluation of routing and dialogue: the routing table (tests/routing/routing_table.yaml) row by row,
and the dialogue set (tests/dialogues/dialogues.yaml) turn by turn, split dev / held-out.

A row or turn is right when the intent is the one expected and every slot it names holds what it
expects (the engine may find more); `indicators` lists acceptable KPI ids (any of them); `kind` is
checked where the turn gives it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.engine import Engine
from bot.core.types import DialogueState, Slots

ROOT = Path(__file__).resolve().parent.parent / "tests"
ROUTING = ROOT / "routing" / "routing_table.yaml"
DIALOGUES = ROOT / "dialogues" / "dialogues.yaml"
DEV3_DIALOGUES = ROOT / "dialogues" / "dialogues_heldout2.yaml"  # held out until its report (2026-12-01)
DEV4_DIALOGUES = ROOT / "dialogues" / "dialogues_heldout3.yaml"  # held out until its report (2026-12-03)
FRESH_DIALOGUES = ROOT / "dialogues" / "dialogues_heldout4.yaml"  # every dialogue held out
LIST_SLOTS = ("crafts", "venues", "programs", "plans", "landmarks", "areas", "years")
ONE_SLOTS = ("activity", "attribute", "role", "lang")


def slot_problems(expected: dict, intent: str, slots: Slots, kind: str = "") -> list[str]:
    problems = []
    if "intent" in expected and expected["intent"] != intent:
        problems.append(f"intent {intent} != {expected['intent']}")
    if "kind" in expected and expected["kind"] != kind:
        problems.append(f"kind {kind} != {expected['kind']}")
    for name in LIST_SLOTS:
        if name in expected and not set(expected[name]) <= set(getattr(slots, name)):
            problems.append(f"{name} {getattr(slots, name)} lacks {expected[name]}")
    if "indicators" in expected and not set(expected["indicators"]) & set(slots.indicators):
        problems.append(f"indicators {slots.indicators} none of {expected['indicators']}")
    for name in ONE_SLOTS:
        if name in expected and expected[name] != getattr(slots, name):
            problems.append(f"{name} {getattr(slots, name)} != {expected[name]}")
    return problems


@dataclass
class TurnReport:
    total: int = 0
    ok: int = 0
    by: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)

    def add(self, right: bool, keys: list[str], failure: str) -> None:
        self.total += 1
        self.ok += right
        for key in keys:
            self.by[key]["total"] += 1
            self.by[key]["ok"] += right
        if not right:
            self.failures.append(failure)

    def rate(self, key: str | None = None) -> str:
        ok, total = (self.ok, self.total) if key is None else (self.by[key]["ok"], self.by[key]["total"])
        return f"{ok}/{total} ({100 * ok / total:.0f}%)" if total else "-"


def run_routing(engine: Engine, path: Path = ROUTING) -> TurnReport:
    report = TurnReport()
    for row in yaml.safe_load(path.read_text(encoding="utf-8"))["rows"]:
        state = DialogueState()
        earlier = row.get("after") or []
        for question in [earlier] if isinstance(earlier, str) else earlier:
            _, state = engine.ask(question, state)
        answer, state = engine.ask(row["q"], state)
        expected = {"intent": row["intent"], **(row.get("entities") or {})}
        problems = slot_problems(expected, answer.intent, state.turns[-1].slots)
        keys = [f"intent {row['intent']}", f"lang {row['lang']}", "follow-up" if earlier else "single"]
        report.add(not problems, keys, f"{row['q']!r} (after {earlier!r}): {'; '.join(problems)}")
    return report


def run_dialogues(engine: Engine, split: str = "dev", path: Path = DIALOGUES) -> TurnReport:
    report = TurnReport()
    for dialogue in yaml.safe_load(path.read_text(encoding="utf-8"))["dialogues"]:
        if split != "all" and dialogue.get("split") != split:
            continue
        state = DialogueState()
        for n, turn in enumerate(dialogue["turns"]):
            answer, state = engine.ask(turn["q"], state)
            problems = slot_problems(turn.get("expect") or {}, answer.intent, state.turns[-1].slots, answer.kind)
            keys = ["follow-up" if n else "first", f"lang {dialogue.get('lang', '')}"]
            report.add(not problems, keys, f"{dialogue['id']}.{n + 1} {turn['q']!r}: {'; '.join(problems)}")
    return report


def report_lines(title: str, report: TurnReport) -> list[str]:
    lines = [f"{title}: {report.rate()}"]
    lines += [f"  {key:<28} {report.rate(key)}" for key in sorted(report.by)]
    if report.failures:
        lines.append("  failures:")
        lines += [f"    {f}" for f in report.failures]
    return lines
