"""Per-conversation memory and what a question asks for (intents), without a model.

A short follow-up ("Where can I try it?", "それはどこ？", "And the target for 2024?") is resolved
against the previous turn's subject: the subject's names in both languages are added to the search,
and the subject itself is kept as a candidate.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from ingest.fiscal import western_year
from ingest.keywords import tokenize
from ingest.schema import Lang

HISTORY_TURNS = 6
MAX_CONVERSATIONS = 10000

_FOLLOW_UP_EN = re.compile(
    r"\b(it|its|it's|there|that|this|they|them|those|these|one|ones|the same|what about|how about|and|also)\b",
    re.I,
)
_FOLLOW_UP_JA = re.compile(
    r"(それ|そこ|その|そちら|あれ|あそこ|これ|この|ここ|では|じゃあ|じゃ|ほかに|他に|また|あと|で、)"
)

PLACE_INTENTS: dict[str, dict[str, re.Pattern]] = {
    "en": {
        "try": re.compile(r"\b(try|hands[- ]on|experience|make (my|our|your) own|class|lesson|workshop to)\b", re.I),
        "buy": re.compile(r"\b(buy|purchase|shop|shopping|souvenirs?|sells?|sold)\b", re.I),
        "see": re.compile(r"\b(see|view|watch|museums?|exhibit\w*|display)\b", re.I),
        "learn": re.compile(r"\b(learn|study|course|training)\b", re.I),
    },
    "ja": {
        "try": re.compile(r"体験|作れ|作る|つくれ|教室|ワークショップ"),
        "buy": re.compile(r"買|購入|販売|お土産|土産|売"),
        "see": re.compile(r"見[らられるたい学]|見学|展示|鑑賞|美術館|博物館"),
        "learn": re.compile(r"学べ|学ぶ|習|研修|講座"),
    },
}
_WHERE = {
    "en": re.compile(r"\bwhere\b|\bplaces?\b|\bvenues?\b|\bshops?\b", re.I),
    "ja": re.compile(r"どこ|場所|施設|お店|店"),
}
_KPI_ROLE = {
    "target": re.compile(r"target|goal|aim|目標", re.I),
    "baseline": re.compile(r"baseline|基準", re.I),
    "current": re.compile(r"current|latest|now|現状|現在|最新", re.I),
}
_KPI_WORDS = re.compile(
    r"\b(kpis?|indicators?|targets?|baselines?|figures?|numbers? of|how many|percentage|rates?|statistics)\b"
    r"|指標|目標値|目標|基準値|現状値|人数|件数|割合|数値|実績|推移|者数",
    re.I,
)


@dataclass
class Turn:
    question: str
    lang: Lang
    kind: str
    subject: str = ""  # "kind:id"
    subject_names: list[str] = field(default_factory=list)
    crafts: list[str] = field(default_factory=list)


def place_intents(text: str, lang: Lang) -> list[str]:
    """Which of see / buy / try / learn the question asks about (empty: none named)."""
    found = [kind for kind, pattern in PLACE_INTENTS[lang].items() if pattern.search(text)]
    other: Lang = "ja" if lang == "en" else "en"
    found += [k for k, p in PLACE_INTENTS[other].items() if p.search(text) and k not in found]
    return found


def asks_where(text: str, lang: Lang) -> bool:
    return bool(_WHERE[lang].search(text)) or bool(place_intents(text, lang))


def kpi_focus(text: str) -> str | None:
    for role, pattern in _KPI_ROLE.items():
        if pattern.search(text):
            return role
    return None


# "What crafts does Kanazawa have?", "Which crafts are nationally designated?", "どんな工芸がある？":
# questions shaped as a request for the list, not any question that mentions crafts.
_KINDS_OF = r"(?:(?:kinds?|types?|sorts?) of )?(?:(?:main|traditional|rare|local|famous|nationally designated) )*"
_CRAFT_LIST = re.compile(
    rf"\b(?:what|which) (?:are|were) (?:the )?{_KINDS_OF}crafts\b(?! (?:museums?|workshops?|shops?|stores?))"
    rf"|\b(?:what|which) {_KINDS_OF}crafts (?:are there|are|does|do|can|could|exist|is|has|have)\b"
    rf"|\blist (?:of |the )?{_KINDS_OF}crafts\b|\bhow many {_KINDS_OF}crafts\b"
    r"|どんな(?:伝統)?工芸(?:品)?(?:が|を|に)|どのような(?:伝統)?工芸(?:品)?(?:が|を|に)"
    r"|工芸(?:品)?(?:には|は|って)(?:どんな|どのような)(?:もの|種類)|工芸(?:品)?の(?:種類|一覧)"
    r"|工芸[^？?]*(?:いくつ|何種類)|何業種|(?:国指定|希少)[^？?]*(?:何|なに|どれ|どんな|教えて|一覧)",
    re.I,
)
CRAFT_CATEGORY_WORDS = {
    "national_designated": re.compile(r"\bnational(?:ly)?\b|\bdesignated\b|国指定|[6６]業種|伝産法", re.I),
    "rare_traditional": re.compile(r"\brare\b|希少|[2２][0０]業種", re.I),
}


# About the crafts' makers, economy (KPIs), history or policy: not about which crafts there are.
_NOT_A_CRAFT_LIST = re.compile(
    r"工芸士|職人|作家|者数|人数|何人|生産額|出荷額|売上|金額|年度|課題|歴史|支援|失われ|問題|将来|未来|取り組|施策"
    r"|craftspeople|craftsmen|artisans|\bpeople\b|\bvalue\b|production|sales|\bFY\s?\d|support|histor|museums?\b"
    r"|\blost\b|problems?|issues?|challenges?|future|sdgs|polic|doing|plans?\b",
    re.I,
)
_COUNT_OF_CRAFTS = re.compile(r"how many[^?]*crafts|何業種|いくつ|何種類", re.I)


def asks_craft_list(text: str) -> bool:
    """A question about Kanazawa's crafts as a whole rather than one craft (not their makers or figures)."""
    if not _CRAFT_LIST.search(text) or _NOT_A_CRAFT_LIST.search(text):
        return False
    return not asks_for_figures(text) or bool(_COUNT_OF_CRAFTS.search(text))


def asked_craft_categories(text: str) -> list[str]:
    """The craft categories a list question narrows to (empty: all)."""
    return [category for category, pattern in CRAFT_CATEGORY_WORDS.items() if pattern.search(text)]


def asks_for_figures(text: str) -> bool:
    return bool(_KPI_WORDS.search(text))


# "Is there…?" / "There are…" introduce something new; only a 'there' that points back is a follow-up.
_EXISTENTIAL_THERE = re.compile(r"\b(is|are|was|were) there\b|\bthere (is|are|was|were)\b|\bthere's\b", re.I)


# A bare attribute ("営業時間は？", "Price?") asks about whatever was being discussed.
_ATTRIBUTE = re.compile(
    r"営業時間|開館時間|時間|料金|値段|価格|費用|予約|住所|場所|アクセス|行き方|定休日|休館日|休み|ウェブサイト|サイト|地図|電話"
    r"|基準値|目標値|現状値|目標|いつ|どこ"
    r"|\b(hours?|open|opening|closed|price|prices|cost|costs|fee|fees|booking|reservations?|address|website"
    r"|map|phone|access|baseline|target)\b",
    re.I,
)


def _only_an_attribute(question: str, lang: Lang) -> bool:
    """The question asks for an attribute and names nothing of its own."""
    return bool(_ATTRIBUTE.search(question)) and not content_words(_ATTRIBUTE.sub(" ", question), lang)


def is_follow_up(question: str, lang: Lang) -> bool:
    """Short and leaning on something said before ("Where is it?", "営業時間は？", "Price?")."""
    if lang == "ja":
        if len(question) <= 10 and _only_an_attribute(question, lang):
            return True
        return len(question) <= 25 and bool(_FOLLOW_UP_JA.search(question))
    words = re.findall(r"[A-Za-z']+", question)
    if len(words) <= 3 and _only_an_attribute(question, lang):
        return True
    return len(words) <= 9 and bool(_FOLLOW_UP_EN.search(_EXISTENTIAL_THERE.sub(" ", question)))


_GREETINGS = {
    "hello": re.compile(
        r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|greetings"
        r"|こんにちは|こんばんは|おはよう(ございます)?|はじめまして|よろしく(お願いします)?)[\s!！.。、,～~♪]*$",
        re.I,
    ),
    "thanks": re.compile(r"^\s*(thanks|thank you|thx|ありがとう(ございます|ございました)?)[\s!！.。、,～~♪]*$", re.I),
}


def greeting(text: str) -> str | None:
    """'hello' or 'thanks' for a message that is only that; None otherwise."""
    return next((name for name, pattern in _GREETINGS.items() if pattern.match(text)), None)


class ConversationStore:
    """Recent turns per conversation id, bounded in turns and in conversations."""

    def __init__(self, max_conversations: int = MAX_CONVERSATIONS):
        self._turns: OrderedDict[str, deque[Turn]] = OrderedDict()
        self._max = max_conversations
        self._lock = threading.Lock()

    def last(self, conversation_id: str | None) -> Turn | None:
        if conversation_id is None:
            return None
        with self._lock:
            turns = self._turns.get(conversation_id)
            return turns[-1] if turns else None

    def add(self, conversation_id: str | None, turn: Turn) -> None:
        if conversation_id is None:
            return
        with self._lock:
            turns = self._turns.setdefault(conversation_id, deque(maxlen=HISTORY_TURNS))
            turns.append(turn)
            self._turns.move_to_end(conversation_id)
            while len(self._turns) > self._max:
                self._turns.popitem(last=False)

    def clear(self, conversation_id: str) -> None:
        with self._lock:
            self._turns.pop(conversation_id, None)


_YEAR_WESTERN = re.compile(r"(?<!\d)((?:19|20|21)\d\d)(?!\d)")
_YEAR_ERA = re.compile(r"(令和|平成|(?<![A-Za-z])[RH])\s*(元|\d{1,2})\s*年?")
# Words that say nothing about what is asked: question words, politeness, the city itself.
_GENERIC = frozenset(
    [
        "kanazawa",
        "city",
        "please",
        "tell",
        "know",
        "want",
        "like",
        "would",
        "could",
        "should",
        "about",
        "current",
        "currently",
        "now",
        "today",
        "latest",
        "information",
        "info",
        "give",
        "show",
        "find",
        "many",
        "much",
        "kind",
        "sort",
        "thing",
        "things",
        "there",
        "any",
        "some",
        "get",
        "金沢",
        "金沢市",
        "市",
        "教える",
        "知る",
        "何",
        "なに",
        "有る",
        "在る",
        "居る",
        "為る",
        "出来る",
        "良い",
        "言う",
        "思う",
        "下さる",
        "今",
        "現在",
        "情報",
    ]
)


def asked_years(text: str) -> set[int]:
    """Years a question names (2024, 令和6年, R6 → 2024), for checking that the data has them."""
    text = unicodedata.normalize("NFKC", text)
    years = {int(y) for y in _YEAR_WESTERN.findall(text)}
    for era, number in _YEAR_ERA.findall(text):
        base = 2018 if era in ("令和", "R") else 1988
        years.add(base + (1 if number == "元" else int(number)))
    return years


def kpi_years(kpi) -> set[int]:
    """The years a KPI's printed labels refer to."""
    out = set()
    for value in kpi.values:
        reading = western_year(value.label_as_printed) or ""
        out |= {int(y) for y in re.findall(r"\d{4}", reading)}
    return out


def content_words(text: str, lang: Lang) -> set[str]:
    """The words that carry what is asked (for checking that the evidence mentions any of them)."""
    return {w for w in tokenize(text, lang) if w not in _GENERIC and not w.isdigit() and len(w) > 1}
