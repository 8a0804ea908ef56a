"""`guide chat`: a console conversation with the engine, the quickest way to try the guide."""

from __future__ import annotations

import sys

from bot.core.engine import Engine
from bot.core.types import DialogueState
from bot.render.plain import original_lines

HELP = "Commands: /lang ja | /lang en | /lang auto, /reset (forget the conversation), /quit"
WELCOME = (
    "Kanazawa craft guide / 金沢工芸ガイド — ask in English or Japanese, e.g. “Where can I try gold leaf?” "
    "or 「九谷焼とは？」.\n" + HELP
)


def chat(engine: Engine, lang: str | None = None, stdin=sys.stdin, stdout=sys.stdout) -> int:
    """Read questions line by line until end of input or /quit; the conversation is kept between them."""
    state = DialogueState()
    print(WELCOME, file=stdout)
    while True:
        print("\nyou> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return 0
        if text == "/help":
            print(HELP, file=stdout)
            continue
        if text == "/reset":
            state = DialogueState()
            print("(conversation forgotten)", file=stdout)
            continue
        if text.startswith("/lang"):
            choice = text.split()[-1]
            lang = None if choice == "auto" else choice if choice in ("ja", "en") else lang
            print(f"(answer language: {lang or 'auto'})", file=stdout)
            continue
        answer, state = engine.ask(text, state, lang=lang)  # type: ignore[arg-type]
        print(f"\nguide> {answer.answer}", file=stdout)
        for s in answer.sources:
            print(f"  {s.plain()}", file=stdout)
        for line_ in original_lines(answer):
            print(line_, file=stdout)
