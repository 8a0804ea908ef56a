"""A name the question gives that the knowledge does not hold is a false premise; a glossed one is not."""

from __future__ import annotations

from bot.core.unknown_names import unknown_name


class _Kit:
    """Only what unknown_name reads: the names the knowledge holds."""

    @staticmethod
    def known_names() -> list[str]:
        return ["kutani ware", "kanazawa college of art"]


EVIDENCE = ["Provide postpartum care at hospitals and midwifery clinics for mothers who have recently given birth"]


def test_a_quoted_name_nowhere_in_the_evidence_is_unknown():
    assert unknown_name("Where is 'sango care' offered?", _Kit(), EVIDENCE) == "sango care"
    assert unknown_name("What is the “Kogei Passport” (a stamp card)?", _Kit(), EVIDENCE) == "Kogei Passport"


def test_a_quoted_name_glossed_in_words_the_evidence_has_is_known():
    assert unknown_name("Where is 'sango care' (postnatal care) offered?", _Kit(), EVIDENCE) is None
    assert unknown_name("Where is 'sango care'（postnatal care）offered?", _Kit(), EVIDENCE) is None


def test_known_names_and_evidence_words_are_no_false_premise():
    assert unknown_name("Tell me about 'Kutani Ware'", _Kit(), EVIDENCE) is None
    assert unknown_name("What does 'postpartum care' cover?", _Kit(), EVIDENCE) is None
