"""Names a question gives that the knowledge does not hold ("the Kanazawa Kogei Passport").

A quoted name (「…」, “…”) or a run of Capitalised Words is a name; when no known name covers it
(typos allowed), it is not a term of the Japanese documents in romaji and no sentence of the evidence has
all of its words, the question rests on something
the sources do not know, and the answer says so before anything else.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from bot.core.lexicon import words

if TYPE_CHECKING:
    from bot.core.kit import Kit

NAME_COVERED = 85  # fuzzy score at which a name in the question is one the knowledge knows
# A quoted name: 「…」, “…”, "…", or '…' standing apart from words (not the apostrophes of "Kanazawa's … Ghent's").
_QUOTED = re.compile(r"[「『“\"]([^」』”\"]{3,40})[」』”\"]|(?<![A-Za-z])'([^']{3,40})'(?![A-Za-z])")
_CONNECTORS = frozenset({"of", "the", "for", "in", "and", "de", "no"})
_QUESTION_WORDS = frozenset(
    {
        "What",
        "Who",
        "Where",
        "When",
        "Which",
        "How",
        "Why",
        "Is",
        "Are",
        "Do",
        "Does",
        "Can",
        "Could",
        "Tell",
        "Please",
        "Hi",
        "Hello",
        "I",
        "Any",
    }
)


def unknown_name(text: str, kit: Kit, texts: list[str] = ()) -> str | None:
    """A name the question gives (quoted, or a run of Capitalised Words) that the knowledge does not hold:
    no known name matches it, and no sentence of ``texts`` (the evidence) has all of its words. A quoted
    name the question glosses in brackets ("'sango care' (postnatal care)") is known when a word of its
    gloss is in the evidence ("postpartum care")."""
    quoted = [(m.group(1) or m.group(2), _gloss(text, m.end())) for m in _QUOTED.finditer(text)]
    candidates = quoted + [(run, "") for run in _capitalised_runs(text)]
    if not candidates:
        return None
    known = kit.known_names()
    sentences = [{w.rstrip("s") for w in words(t).split()} for t in texts]

    def held(name: str, loosely: bool = False) -> bool:
        bare = words(name).strip()
        if len(bare) < 4 or any(_covers(k, bare) for k in known) or _printed_in_romaji(name, kit):
            return True
        tokens = {w.rstrip("s") for w in bare.split() if w not in _CONNECTORS and len(w) > 2}
        if loosely:  # the user's own gloss, in their words: one of them in the evidence will do
            return any(tokens & sentence for sentence in sentences)
        return bool(tokens) and any(tokens <= sentence for sentence in sentences)

    for name, gloss in candidates:
        if not held(name) and not (gloss and held(gloss, loosely=True)):
            return name.strip()
    return None


def _printed_in_romaji(name: str, kit: Kit) -> bool:
    """The name is a term of the Japanese documents written in romaji ("okuzashiki" → 奥座敷)."""
    return kit.romaji.term(name) is not None


def _gloss(text: str, end: int) -> str:
    """The bracketed words right after a quoted name: "'sango care' (postnatal care)" → "postnatal care"."""
    rest = text[end:].lstrip()
    if rest[:1] not in "(（":
        return ""
    close = min((i for i in (rest.find(")"), rest.find("）")) if i > 0), default=-1)
    return rest[1:close] if close > 0 else ""


def _capitalised_runs(text: str) -> list[str]:
    """Runs of two or more Capitalised Words ("the Kanazawa Kogei Passport"): how English names a thing.

    The first word of a sentence is capitalised by grammar, not because it names something ("Before the
    KOGEI Action Plan …", "What's Kanazawa's area …"), so it never starts a run; a possessive "'s" is
    not part of the name."""
    runs, current = [], []
    sentence_start = True
    for token in re.findall(r"[A-Za-z][\w'’-]*|[^\sA-Za-z]", text):
        token = re.sub(r"['’]s$", "", token)
        starts = sentence_start and token[:1].isalpha()
        if token[:1].isalpha() or token in ".?!。？！":
            sentence_start = token in ".?!。？！"
        if not starts and (
            (token[:1].isupper() and token not in _QUESTION_WORDS) or (current and token in _CONNECTORS)
        ):
            current.append(token)
            continue
        _close_run(current, runs)
        current = []
    _close_run(current, runs)
    return runs


def _close_run(run: list[str], runs: list[str]) -> None:
    while run and run[-1] in _CONNECTORS:  # "the Kanazawa Kogei Passport for" → "Kanazawa Kogei Passport"
        run.pop()
    while run and run[0] in _CONNECTORS:
        run.pop(0)
    if sum(t[:1].isupper() for t in run) >= 2:
        runs.append(" ".join(run))


def _covers(known: str, name: str) -> bool:
    """A known name covers the question's name: the same, allowing typos, or containing it."""
    if len(known) < len(name):
        return fuzz.ratio(known, name) >= NAME_COVERED
    return fuzz.partial_ratio(name, known) >= NAME_COVERED
