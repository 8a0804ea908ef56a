"""Two questions in one ("What is Kutani ware and where can I buy it?", 「九谷焼とは？どこで買える？」).

A message is cut at a conjunction of bot/data/lexicon.yaml when what follows is itself a question (it
starts with a question word, or ends a Japanese question). The engine then answers both parts when
the router gives them different intents or attributes, each part with the slots of the one before.
"""

from __future__ import annotations

from bot.core.lexicon import load_lexicon, normalise

QUESTION_STARTS = (
    "where",
    "when",
    "what",
    "which",
    "who",
    "how",
    "can",
    "could",
    "is",
    "are",
    "do",
    "does",
    "did",
    "will",
    "should",
    "any",
    "tell",
)
MIN_WORDS = 2


def split_parts(text: str, lang: str) -> list[str]:
    """The question's parts (one when it asks one thing)."""
    conjunctions = load_lexicon().conjunctions
    if lang == "en":
        lowered = normalise(text)
        for joiner in conjunctions.en:
            at = lowered.find(joiner)
            while at > 0:
                first, second = text[:at].strip(" ,"), text[at + len(joiner) :].strip()
                if (
                    second.split(" ", 1)[0].lower().strip("?,") in QUESTION_STARTS
                    and len(first.split()) >= MIN_WORDS
                    and len(second.split()) >= MIN_WORDS
                ):
                    return [first.rstrip("?") + "?", second]
                at = lowered.find(joiner, at + 1)
        return [text]
    for joiner in conjunctions.ja:
        at = text.find(joiner)
        if 0 < at < len(text) - len(joiner) - 1:
            first, second = text[: at + (1 if joiner in ("？", "?") else 0)], text[at + len(joiner) :].strip("、。 ")
            if len(first) >= 3 and len(second) >= 3:
                return [first, second]
    return [text]
