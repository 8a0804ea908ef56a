"""The routing table (tests/routing/routing_table.yaml, written from users' point of view) row by row,
and the dialogue set's dev part turn by turn. The held-out dialogues are run only to report
(`guide eval --split heldout --routing`)."""

from __future__ import annotations

import pytest

from bot.eval_dialogue import report_lines, run_dialogues, run_routing


@pytest.mark.eval
def test_routing_table(engine, caplog):
    with caplog.at_level("ERROR"):
        report = run_routing(engine)
    assert "missing from the catalogue" not in caplog.text  # every notice an answer shows has its words
    assert report.total >= 200
    text = "\n".join(report_lines("routing", report))
    assert report.ok / report.total >= 0.85, text
    assert report.by["follow-up"]["ok"] / report.by["follow-up"]["total"] >= 0.85, text
    for key, counts in report.by.items():
        if key.startswith("intent "):
            assert counts["ok"] / counts["total"] >= 0.6, text


@pytest.mark.eval
def test_dialogues_dev(engine, caplog):
    with caplog.at_level("ERROR"):
        report = run_dialogues(engine, "dev")
    assert "missing from the catalogue" not in caplog.text
    text = "\n".join(report_lines("dialogues dev", report))
    assert report.total >= 60
    assert report.ok / report.total >= 0.8, text
