"""The real knowledge: valid, complete, and faithful to the researched reference data."""

from __future__ import annotations

import re

import pytest

from ingest.fiscal import western_year
from ingest.loader import load_knowledge
from ingest.settings import PROJECT_ROOT
from tests.conftest import KNOWLEDGE, read_yaml

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "directory"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the checkout")


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(KNOWLEDGE)


def test_knowledge_is_complete(knowledge):
    assert len(knowledge.documents) == 5
    assert {d.meta.language for d in knowledge.documents.values()} == {"ja", "en"}
    assert (len(knowledge.crafts), len(knowledge.venues), len(knowledge.programs), len(knowledge.kpis)) == (
        31,
        33,
        29,
        104,  # every indicator of the three plans (tests/test_kpis.py counts them independently)
    )


@needs_reference
def test_kpi_figures_and_labels_are_exactly_the_reference(knowledge):
    for ref in read_yaml(REFERENCE / "kpis.yaml")["kpis"]:
        ours = knowledge.kpis[ref["id"]]
        assert ours.indicator.ja == ref["indicator_ja"]
        assert [(v.label_as_printed, v.value_as_printed) for v in ours.values] == [
            (v["label_as_printed"], v["value_as_printed"]) for v in ref["values"]
        ]
        for value, ref_value in zip(ours.values, ref["values"], strict=True):
            # our computed Western year agrees with the researcher's reading
            reading = western_year(value.label_as_printed)
            assert reading is not None
            assert re.search(r"\d{4}", reading).group() in ref_value["fiscal_year_gregorian"]


@needs_reference
def test_venues_keep_sources_confidence_and_reported_hours(knowledge):
    for ref in read_yaml(REFERENCE / "venues.yaml")["venues"]:
        ours = knowledge.venues[ref["id"]]
        assert ours.confidence == ref["confidence"]
        urls = [str(s.url).rstrip("/") for s in ours.sources if s.url]
        for source in ref["sources"]:
            if source.startswith("http"):
                assert source.split(" ")[0].rstrip("/") in urls
        if "hours_as_reported" in ref:
            assert ours.hours_as_reported.en == ref["hours_as_reported"]
            assert ours.hours_as_reported.ja


def test_bilingual_reported_texts_keep_the_same_numbers(knowledge):
    """A translated 'as reported' text may not change a time or a price."""
    months = {"Jan": "1", "Feb": "2", "Mar": "3", "Apr": "4", "Nov": "11", "Dec": "12"}
    for venue in knowledge.venues.values():
        if venue.hours_as_reported is None:
            continue
        en = venue.hours_as_reported.en
        for name, number in months.items():
            en = re.sub(rf"\b{name}\b", f"{number}月", en)
        digits = sorted(re.findall(r"\d+", en))
        ja_digits = sorted(re.findall(r"\d+", venue.hours_as_reported.ja))
        assert digits == ja_digits, venue.id


def test_every_try_venue_describes_its_offer_and_crafts_resolve(knowledge):
    for venue in knowledge.venues.values():
        if "try" in venue.kinds:
            assert venue.hands_on is not None and venue.hands_on.sources
        assert all(c in knowledge.crafts for c in venue.crafts)


def test_every_located_venue_is_within_reach_of_its_town_and_says_how_exact(knowledge):
    """A coordinate carries its source, confidence and precision; a town-block point names its block,
    and every Kanazawa venue's point lies in the city (a swapped latitude/longitude would not)."""
    located = [v for v in knowledge.venues.values() if v.location]
    assert len(located) >= 30
    for venue in located:
        point = venue.location
        assert point.source and point.confidence and point.basis, venue.id
        town = re.sub(r"[一二三四五六七八九十]+丁目$", "", point.block or "")  # 広坂一丁目 → 広坂 (広坂1-2-25)
        assert point.exact or (town and town in (venue.address.ja or "")), venue.id
        if "金沢市" in (venue.address.ja or ""):
            assert 36.40 < point.latitude < 36.70 and 136.50 < point.longitude < 136.85, venue.id


def test_a_block_point_without_its_block_is_refused():
    from pydantic import ValidationError

    from ingest.schema import Location

    with pytest.raises(ValidationError, match="names its town block"):
        Location(latitude=36.57, longitude=136.66, source="x", confidence="low", precision="block")
