"""Inline keyboards: pure builders, no I/O."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.documents import document_code
from bot.models import Answer
from bot.tg.callbacks import MAX_BYTES, Callback
from bot.tg.texts import EXAMPLES, t

MAX_PLACE_ROWS = 5


def _button(text: str, callback: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callback.encode())


def examples_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(q, Callback("ex", (lang, str(n))))] for n, q in enumerate(EXAMPLES[lang])])


def lang_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button("日本語", Callback("lang", ("ja",))), _button("English", Callback("lang", ("en",)))],
            [_button(t("auto", lang), Callback("lang", ("auto",)))],
        ]
    )


def grid(items: list[tuple[str, Callback]], columns: int = 2) -> InlineKeyboardMarkup:
    rows = [[_button(text, cb) for text, cb in items[i : i + columns]] for i in range(0, len(items), columns)]
    return InlineKeyboardMarkup(rows)


def original_button(answer: Answer) -> InlineKeyboardButton | None:
    """'原文 / original' for an answer that quotes the guide's translations: shows the original sentences."""
    refs: list[str] = []
    for quote in answer.quotes:
        if not (quote.translated and quote.unit):
            continue
        document, unit = quote.unit.split(":", 1)
        ref = f"{document_code(document)}.{unit}"
        if ref not in refs and len(",".join([*refs, ref]).encode()) <= MAX_BYTES - len("orig:"):
            refs.append(ref)
    return _button("原文 / original", Callback("orig", (",".join(refs),))) if refs else None


def answer_keyboard(answer: Answer, question_id: int | None) -> InlineKeyboardMarkup | None:
    """📍 and 🌐 for each place the answer names, 原文 / original for translated quotes, then 👍 / 👎."""
    rows: list[list[InlineKeyboardButton]] = []
    for place in answer.places[:MAX_PLACE_ROWS]:
        row = [_button(f"📍 {place.name[:36]}", Callback("pin", (place.venue_id,)))]
        if len(answer.places) > 1:  # a list: the details of each place behind a button
            row.append(_button("ℹ️", Callback("venue", (place.venue_id,))))
        if place.website:
            row.append(InlineKeyboardButton("🌐", url=place.website))
        rows.append(row)
    original = original_button(answer)
    if original is not None:
        rows.append([original])
    if question_id is not None:
        rows.append(feedback_row(question_id))
    return InlineKeyboardMarkup(rows) if rows else None


def feedback_row(question_id: int) -> list[InlineKeyboardButton]:
    return [
        _button("👍", Callback("fb", ("1", str(question_id)))),
        _button("👎", Callback("fb", ("-1", str(question_id)))),
    ]


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus the feedback row (after a vote)."""
    if markup is None:
        return None
    rows = [
        list(row) for row in markup.inline_keyboard if not any((b.callback_data or "").startswith("fb:") for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None
