"""The numbers of a text, for checking that a translation keeps every figure of its original.

A translation must contain every number of the original unit, and no number the original does not
give. Digits are compared after NFKC (full-width ２ is 2) with thousands separators removed. Some
numbers are rightly written another way, and those readings are accepted:
- an era year is written as its Western year (平成21年 → 2009, 令和6年度 → FY2024, R元 → 2019);
- a month may be named (12月 → December), and a small count may be a word (1回 → once, 3つ → three);
- a quantity with a scale word may be converted (1,045万人 → 10.45 million, 2.37 million → 237万);
- 割 are tenths (1割 → 10%).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ERA_BASE = {"H": 1988, "平成": 1988, "R": 2018, "令和": 2018, "昭和": 1925}
# An era year: 令和6, R6, H30, 平成21, R元 (after NFKC; "R 元" with a space as printed in 000).
ERA_YEAR = re.compile(r"(令和|平成|昭和|(?<![A-Za-z])[RH])\s?(元|\d{1,2})(?!\d)(?![.,]\d)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MONTHS = {
    1: ("january", "jan"),
    2: ("february", "feb"),
    3: ("march", "mar"),
    4: ("april", "apr"),
    5: ("may",),
    6: ("june", "jun"),
    7: ("july", "jul"),
    8: ("august", "aug"),
    9: ("september", "sept", "sep"),
    10: ("october", "oct"),
    11: ("november", "nov"),
    12: ("december", "dec"),
}
EN_WORDS = {
    0: ("zero", "none"),
    1: ("one", "once", "first", "single"),
    2: ("two", "twice", "second", "double"),
    3: ("three", "third", "thrice", "triple"),
    4: ("four", "fourth"),
    5: ("five", "fifth"),
    6: ("six", "sixth"),
    7: ("seven", "seventh"),
    8: ("eight", "eighth"),
    9: ("nine", "ninth"),
    10: ("ten", "tenth"),
    11: ("eleven", "eleventh"),
    12: ("twelve", "twelfth"),
    17: ("seventeen",),
    20: ("twenty",),
    24: ("twenty-four",),
    100: ("hundred",),
    1000: ("thousand",),
}
KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千]+")
# Words after a number that scale it (checked in this order: 百万 before 万).
MULTIPLIERS: tuple[tuple[str, Decimal], ...] = (
    ("百万", Decimal(1_000_000)),
    ("万", Decimal(10_000)),
    ("億", Decimal(100_000_000)),
    ("千", Decimal(1_000)),
    ("million", Decimal(1_000_000)),
    ("billion", Decimal(1_000_000_000)),
    ("thousand", Decimal(1_000)),
)
EN_NUMBER_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")


def canonical(number: str) -> str:
    """'2,252' → '2252', '45.0' → '45', '0.50' → '0.5': one spelling per value."""
    plain = number.replace(",", "")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return plain
    text = format(value.normalize(), "f")
    return text


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def era_years(text: str) -> list[tuple[int, int, str]]:
    """(start, end, Western year) of every era year in the (NFKC) text."""
    out = []
    for match in ERA_YEAR.finditer(text):
        era, year = match.group(1), match.group(2)
        out.append((match.start(), match.end(), str(ERA_BASE[era] + (1 if year == "元" else int(year)))))
    return out


@dataclass(frozen=True)
class Figure:
    """One number of an original, with every spelling a faithful translation may use for it."""

    shown: str  # as it stands in the original (for messages)
    accepted: frozenset[str]  # canonical numbers that count as keeping it
    words: frozenset[str] = frozenset()  # words that count too (month names, small numbers)


def _kanji_value(text: str) -> int | None:
    total, current = 0, 0
    for ch in text:
        if ch in KANJI_DIGITS:
            current = current * 10 + KANJI_DIGITS[ch] if current else KANJI_DIGITS[ch]
        elif ch in KANJI_UNITS:
            total += (current or 1) * KANJI_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def figures(original: str) -> list[Figure]:
    """The numbers a translation of ``original`` must keep."""
    text = _nfkc(original)
    out: list[Figure] = []
    eras = era_years(text)
    for start, end, western in eras:
        out.append(Figure(text[start:end], frozenset({western})))
    covered = [(s, e) for s, e, _ in eras]
    for match in NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in covered):
            continue
        value = canonical(match.group(0))
        accepted = {value}
        words: set[str] = set()
        after = text[match.end() : match.end() + 2].lstrip()
        if after.startswith("月") and value.isdigit() and 1 <= int(value) <= 12:
            words.update(MONTHS[int(value)])
        if value.isdigit() and int(value) in EN_WORDS:
            words.update(EN_WORDS[int(value)])
        scaled = absolute(match.group(0), text[match.end() : match.end() + 12])
        if scaled:
            accepted.add(scaled)
        out.append(Figure(match.group(0), frozenset(accepted), frozenset(words)))
    return out


def absolute(number: str, after: str) -> str | None:
    """The value of a quantity written with a scale word (1,045万 → 10450000, 2.37 million → 2370000)."""
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    word = after.lstrip().lower()
    if word.startswith("割"):
        return canonical(str(value * 10)) + "%"
    for name, factor in MULTIPLIERS:
        if word.startswith(name):
            return canonical(str(value * factor))
    return None


def numbers_in(text: str) -> list[tuple[str, set[str]]]:
    """(as written, its values) for every number of a translation: an era year counts as its Western
    year, a scaled quantity also as its absolute value, a percentage also with its sign."""
    text = _nfkc(text)
    out: list[tuple[str, set[str]]] = []
    eras = era_years(text)
    for start, end, western in eras:
        out.append((text[start:end], {western}))
    covered = [(s, e) for s, e, _ in eras]
    for match in NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in covered):
            continue
        values = {canonical(match.group(0))}
        after = text[match.end() : match.end() + 12]
        scaled = absolute(match.group(0), after)
        if scaled:
            values.add(scaled)
        if after.lstrip().startswith("%"):
            values.add(canonical(match.group(0)) + "%")
        out.append((match.group(0), values))
    return out


def allowed_numbers(original: str) -> set[str]:
    """Every number a translation of ``original`` may state: its figures in any accepted spelling,
    era numbers, the values of kanji numerals, and numbers the original spells as words."""
    text = _nfkc(original)
    allowed: set[str] = set()
    for figure in figures(original):
        allowed |= figure.accepted
    for match in ERA_YEAR.finditer(text):
        allowed.add("1" if match.group(2) == "元" else canonical(match.group(2)))
    for match in KANJI_NUMBER.finditer(text):
        value = _kanji_value(match.group(0))
        if value is not None:
            allowed.add(str(value))
    lowered = text.lower()
    for month, names in MONTHS.items():
        if any(re.search(rf"\b{name}\b", lowered) for name in names if len(name) > 3):
            allowed.add(str(month))
    for value, names in EN_WORDS.items():
        if any(re.search(rf"\b{re.escape(name)}\b", lowered) for name in names if len(name) > 2):
            allowed.add(str(value))
    return allowed


def missing_figures(original: str, translation: str) -> list[str]:
    """Numbers of the original that the translation does not keep (as shown in the original)."""
    present = {value for _, values in numbers_in(translation) for value in values}
    words = set(EN_NUMBER_WORD.findall(_nfkc(translation).lower()))
    kanji = {str(v) for m in KANJI_NUMBER.finditer(translation) if (v := _kanji_value(m.group(0))) is not None}
    missing = []
    for figure in figures(original):
        if figure.accepted & present or figure.words & words or figure.accepted & kanji:
            continue
        missing.append(figure.shown)
    return missing


def added_numbers(original: str, translation: str) -> list[str]:
    """Numbers the translation states that the original does not give (as written in the translation)."""
    allowed = allowed_numbers(original)
    return [shown for shown, values in numbers_in(translation) if not values & allowed]
