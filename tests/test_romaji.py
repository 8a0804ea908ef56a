"""Romaji in a question meets the Japanese documents' terms whatever the spelling."""

from __future__ import annotations

from bot.core.romaji import RomajiIndex, reduce

INDEX = RomajiIndex(
    ["基本理念と将来像", "金沢の奥座敷である湯涌温泉", "加賀野菜の生産", "「産後ケア」の充実", "京都の職人"]
)


def test_hepburn_kunrei_and_long_vowel_spellings_meet():
    assert reduce("Kyōto") == reduce("kyouto") == reduce("kyoto")
    assert reduce("tsunagite") == reduce("tunagite")
    assert reduce("shimbun") == reduce("sinbun")


def test_romaji_phrases_of_a_question_are_found_with_the_printed_term():
    found = dict(INDEX.terms_in("What's the kihon rinen of the plan, and what is Kanazawa's okuzashiki?"))
    assert found == {"kihon rinen": "基本理念", "okuzashiki": "奥座敷"}
    assert INDEX.terms_in("sango kea?") == [("sango kea", "産後ケア")]  # the bracket is not part of the term


def test_english_words_and_short_readings_are_not_terms():
    assert INDEX.terms_in("Which station is near the museum?") == []
    assert INDEX.term("kaga") is None  # too short to tell from an English word
