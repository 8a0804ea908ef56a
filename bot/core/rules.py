"""The three hand rules the router keeps: empty input, greetings and thanks, prompt-injection.

Everything else is decided by the classifier (bot/core/router.py). These stay rules because they are
about the message's form, not its topic, and must never be learned away: a message that is only a
greeting, and any attempt to extract instructions or secrets.
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (all |the |your |any )?(previous|prior|above|earlier)|system prompt|developer mode|jailbreak"
    r"|(your|the bot'?s?|the system'?s?) "
    r"(instructions|prompt|rules|secrets?|tokens?|passwords?|api[_ ]?keys?|config\w*)"
    r"|(print|show|reveal|tell me|give me|dump|leak) (me )?(your |the )?"
    r"(instructions|prompt|secrets?|tokens?|passwords?|api[_ ]?keys?|env\w*|config\w*)"
    r"|api[_ ]?key|bot token|access token|\.env\b|environment variables?"
    r"|プロンプト|システム(の)?指示|指示を無視|設定を(教え|見せ|表示)|トークン|パスワード|APIキー|秘密(の)?(鍵|キー|設定)",
    re.I,
)
_GREETINGS = {
    "greeting": re.compile(
        r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|greetings"
        r"|こんにちは|こんばんは|おはよう(ございます)?|はじめまして|よろしく(お願いします)?)[\s!！.。、,～~♪]*$",
        re.I,
    ),
    "thanks": re.compile(r"^\s*(thanks|thank you|thx|ありがとう(ございます|ございました)?)[\s!！.。、,～~♪]*$", re.I),
}


def rule_for(text: str) -> str | None:
    """'empty', 'greeting', 'thanks' or 'injection' when a fixed rule decides; None otherwise."""
    if not text.strip():
        return "empty"
    if _INJECTION.search(text):
        return "injection"
    return next((name for name, pattern in _GREETINGS.items() if pattern.match(text)), None)
