"""A name the question gives that the knowledge does not hold is a false premise; a glossed one is not."""

from __future__ import annotations

from bot.core.romaji import RomajiIndex
from bot.core.unknown_names import unknown_name


class _Kit:
    """Only what unknown_name reads: the names the knowledge holds, and a Japanese document's terms."""

    romaji = RomajiIndex(["金沢の奥座敷である湯涌温泉の自然や歴史文化を生かす", "工芸の「つなぎ手」を育てる"])

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


def test_a_term_the_japanese_documents_print_is_known_in_romaji():
    # 奥座敷 is read okuzashiki; the English evidence (a translation) does not spell it out
    assert unknown_name("Which hot-spring area does the plan call Kanazawa's 'okuzashiki'?", _Kit(), EVIDENCE) is None
    assert unknown_name("Who are the “tsunagite”?", _Kit(), EVIDENCE) is None
    assert unknown_name("What is the 'Okuzashiki Kogei Passport'?", _Kit(), EVIDENCE) == "Okuzashiki Kogei Passport"
