"""Closed word lists read as data: the phrases a decision rests on."""

from __future__ import annotations

from bot.core.lexicon import refers_back


def test_a_sentence_opening_with_a_back_reference_is_recognised():
    assert refers_back("The institute received the 1st Japan SDGs Award", "en")
    assert refers_back("同大学は、第1回ジャパンSDGsアワードを受賞しており", "ja")
    assert not refers_back("The city has set up the headquarters", "en")
    assert not refers_back("Thistle is not a word of the lexicon", "en")  # whole words only


def test_printed_together_needs_three_words_of_the_question_in_one_passage():
    from types import SimpleNamespace

    from bot.core.handlers.documents import printed_together

    passage = SimpleNamespace(lang="en", text="Providing foreign visitors with information on vegan and halal food")
    assert printed_together("im vegan - does the city help visitors find food?", "en", [passage])
    assert not printed_together("what's the weather for visitors tomorrow?", "en", [passage])
    assert not printed_together("vegan visitors food?", "ja", [passage])  # another language's passage


def test_a_japanese_activity_is_recognised_in_its_polite_and_plain_forms():
    from bot.core.lexicon import PhraseMatcher, load_lexicon

    activities = PhraseMatcher(load_lexicon().activities)
    for question in ("金沢仏壇はどこで見られますか", "見れる場所ある？", "どこで見られる？"):
        assert activities.first(question) == "see", question
    assert activities.first("おすすめの九谷焼のお店を見せて") == "buy"  # showing a shop is no visit to see
