"""The answering engine: question in, answer with numbered sources out. Knows nothing of Telegram.

Flow: clean the text → detect the language → refuse prompt-extraction attempts → resolve a follow-up
against the previous turn → hybrid retrieval in both languages → answer from directory records when
they are the best evidence (venues, crafts, programs, KPIs), otherwise quote the documents; weak
evidence gives an honest "not in my sources" with the closest topics and an official contact.
An optional LLM may rewrite the answer from the same evidence, behind a guard (see bot/llm.py).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass

from bot.conversation import (
    ConversationStore,
    Turn,
    asked_craft_categories,
    asked_years,
    asks_craft_list,
    asks_for_figures,
    asks_where,
    content_words,
    greeting,
    is_follow_up,
    kpi_focus,
    kpi_years,
    place_intents,
)
from bot.documents import DocumentTexts
from bot.extractive import ANSWER_TYPES, SentenceScorer, asks_for, best_quotes, counted_thing
from bot.glossary import Glossary
from bot.language import detect_language
from bot.models import Answer, QuoteRef
from bot.render import (
    Citations,
    place_of,
    render_craft,
    render_craft_list,
    render_kpi,
    render_plan,
    render_plan_kpis,
    render_program,
    render_venue,
    render_venue_list,
    venues_for,
)
from bot.retrieval import Hit, HybridRetriever, SearchResult
from ingest.embedders import load_embedders
from ingest.keywords import tokenize
from ingest.loader import Knowledge, KnowledgeError, load_knowledge
from ingest.passages import KIND_LABELS
from ingest.schema import Lang
from ingest.settings import Settings

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
VENUE_LIST_LIMIT = 5
QUOTE_PASSAGES = 6  # three per language, interleaved: the sentence scorer picks among them
# Evidence thresholds on the best USE cosine among the top hits (USE is the least language-biased
# signal). Calibrated on the project's QA set (tests/qa/qa_set.yaml): see `guide eval`.
WEAK_EVIDENCE = 0.22
AGREEMENT_RRF = 0.045  # 3 signals at ranks 1-4 give about 0.047 (RRF k=60)
AGREEMENT_DENSE = 0.84
DENSE_EVIDENCE = 0.82  # e5 cosine that plays the role of WEAK_EVIDENCE when USE is switched off
REFRESH_SECONDS = 5.0

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


_OFFTOPIC = re.compile(
    r"\b(weather|forecast|stock price|stock market|share price|bitcoin|poem|haiku|joke|recipe|horoscope|lottery)\b"
    r"|write (me )?(a|an) (essay|story|song|program|code)"
    r"|天気|天候|気温|予報|株価|仮想通貨|詩を|俳句を|冗談|レシピ|占い",
    re.I,
)
_ELSEWHERE = re.compile(
    r"\b(kyoto|osaka|nara|hiroshima|sapporo|fukuoka|nagoya|okinawa)\b|京都|大阪|奈良|広島|札幌|福岡|名古屋|沖縄", re.I
)
_KANAZAWA = re.compile(r"kanazawa|金沢", re.I)
# Who holds an office: the knowledge names no persons (one personal name was even left out of 004).
_OFFICE_HOLDER = re.compile(
    r"\bwho\b[^?]*\b(mayor|governor|president|director|chair(man|person)?|head)\b|(市長|知事|館長|学長|会長|理事長)は(誰|だれ|どなた)",
    re.I,
)
_PRICE = re.compile(
    r"\b(cost|costs|price|prices|fee|fees|how much|admission|charge|yen)\b|料金|値段|いくら|費用|入館料|代金|円", re.I
)
_HOURS = re.compile(
    r"\b(hours|open (until|till|on|today|tomorrow|now)|opening (hours|times)|what time|closing time|closed on|closes)\b"
    r"|何時|営業時間|開館時間|閉館|開いて|休館日|定休日",
    re.I,
)
_EXPERIENCE = re.compile(
    r"\b(experience|class|classes|lesson|workshop|course|training|program|programme|try|hands[- ]on)\b"
    r"|体験|教室|講座|研修|ワークショップ",
    re.I,
)
_APPLY = re.compile(
    r"\b(sign up|apply|application|register|registration|join|enrol|enroll|cost|fee)\b"
    r"|申し込|申込|応募|参加方法|参加するには|費用|料金",
    re.I,
)
# A plan's period or edition (not its content: "the vision added in the revised plan" is content).
_PLAN_META = re.compile(
    r"\b(period|span|which edition|latest edition|what edition)\b|\b(which|what) years\b|\bcovers? (which|what) years\b"
    r"|\b(when|what year|which year)\b[^?]*\b(revised|revision|published|issued|adopted|drawn up|made|written)\b"
    r"|\b(revised|published|issued|adopted) (when|in what year)\b"
    r"|期間|いつから|いつまで|(改定|改訂|策定|発行)[^？?]*(いつ|何年)|(いつ|何年)[^？?]*(改定|改訂|策定|発行)",
    re.I,
)

# "What are the KPIs / indicators / targets of …?" (基本目標 are the plans' goals, not indicators)
_KPI_LIST = re.compile(r"\b(kpis?|indicators?|targets?|metrics)\b|ＫＰＩ|KPI|指標|数値目標|(?<!基本)目標値?", re.I)
# Words a request for a plan's whole list of indicators may use besides the plan's name.
_KPI_LIST_WORDS = frozenset(
    [
        "kpi", "kpis", "indicator", "indicators", "target", "targets", "metric", "metrics", "monitor",
        "monitors", "measure", "measures", "set", "sets", "list", "show", "give",
        "指標", "目標", "目標値", "数値目標", "計画", "教え", "一覧",
        "ある", "有る", "何", "どんな", "設定", "全部", "すべて",
    ]
)
_WHEN = re.compile(r"\b(when|what year|which year|since when|how long ago)\b|いつ|何年", re.I)
_DATED = re.compile(r"(?<!\d)(1[6-9]|20)\d\d(?!\d)|[0-9０-９]+年|令和|平成|昭和|明治")

SCOPE = {
    "ja": "私は金沢の工芸・工房・市の取り組みについてのガイドです。そのご質問にはお答えできません。"
    "たとえば「金箔の体験はどこでできますか？」や「九谷焼とは？」のようにお尋ねください。",
    "en": "I'm a guide to Kanazawa's crafts, craft workshops and city programs, so I can't help with that. "
    "Try, for example, “Where can I try gold leaf?” or “What is Kutani ware?”",
}
GREETING = {
    "hello": {
        "ja": "こんにちは。金沢の工芸・工房・市の取り組みについてご案内します。"
        "たとえば「金箔の体験はどこでできますか？」「九谷焼とは？」「金沢の伝統工芸にはどんなものがありますか？」"
        "のようにお尋ねください。",
        "en": "Hello! I'm a guide to Kanazawa's crafts, craft workshops and city programs. Ask, for example, "
        "“Where can I try gold leaf?”, “What is Kutani ware?” or “What crafts does Kanazawa have?”",
    },
    "thanks": {
        "ja": "どういたしまして。ほかにも金沢の工芸について、いつでもお尋ねください。",
        "en": "You're welcome! Ask me anything else about Kanazawa's crafts whenever you like.",
    },
}
EMPTY = {
    "ja": "ご質問をどうぞ。たとえば「九谷焼とは？」や「金箔の体験はどこでできますか？」。",
    "en": "Please ask me a question, for example “What is Kutani ware?” or “Where can I try gold leaf?”",
}
# Words in many venue names that do not identify one.
_GENERIC_PLACE = frozenset(
    [
        "museum",
        "gallery",
        "shop",
        "store",
        "center",
        "centre",
        "workshop",
        "kiln",
        "main",
        "craft",
        "crafts",
        "gold",
        "leaf",
        "art",
        "arts",
        "美術館",
        "博物館",
        "工芸",
        "工房",
        "本店",
        "資料館",
        "記念館",
        "金箔",
    ]
)
PRICE_NOTE = {
    "ja": "料金や営業時間は、ディレクトリに報告ベースの情報がある場所だけ下に示します（記載がなければ不明です）。"
    "最新の情報は各施設でご確認ください。",
    "en": "Prices and opening hours are shown below only where the directory has a reported figure; "
    "where none is shown, it is not in my sources. Check current details with each venue.",
}
UNKNOWN = {
    "ja": {
        "sorry": "申し訳ありません。手元の資料（金沢の工芸関連の計画、ユネスコ創造都市の資料、工芸ディレクトリ）には、"
        "このご質問への答えが見つかりませんでした。推測でお答えすることは控えます。",
        "topics": "近い話題: ",
        "joiner": "、",
        "check": "確認先:",
        "bullet": "・",
    },
    "en": {
        "sorry": "Sorry, my sources (Kanazawa's craft plans, the UNESCO Creative City texts and the craft "
        "directory) do not cover that, and I won't guess.",
        "topics": "Closest topics I do have: ",
        "joiner": "; ",
        "check": "Where to check:",
        "bullet": "• ",
    },
}
ORIGINAL_INTRO = {
    "ja": {"ja": "原文（日本語）:", "en": "原文（英語）:"},
    "en": {"ja": "The original (Japanese):", "en": "The original (English):"},
}
TRANSLATION_NOTE = {
    "ja": "（英語の資料を本ガイドが翻訳したものです。公式の訳文ではありません。数値は原文のとおりです。）",
    "en": "(Quotes marked as translated are this guide's translation of the Japanese original, not an official "
    "text; figures are as in the original.)",
}
CROSS_LANGUAGE_NOTE = {
    "ja": "（出典は英語の資料です。原文のまま引用します。）",
    "en": "(The source is in Japanese; quoted as written, with English names added where the directory knows them.)",
}


@dataclass
class Decision:
    """What the engine decided to answer from (kept for eval and tests)."""

    # greeting | venues | plan | plan-kpis | crafts | craft | venue | program | kpi | documents | unknown | offtopic
    mode: str
    hits: list[Hit]


def _indicator_key(indicator: str) -> str:
    """An indicator's identity: NFKC, no spaces, no punctuation, no 〔再掲〕 / [再掲] (repeat) mark."""
    text = re.sub(r"[〔\[]再掲[〕\]]", "", unicodedata.normalize("NFKC", indicator))
    return re.sub(r"[\s、・,.()（）「」]", "", text)


def clean_question(text: str) -> str:
    """Printable text, single spaces, capped length: what retrieval and the answer see."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_QUESTION_CHARS]


class Engine:
    """Load once (models, index, knowledge), then answer concurrently."""

    def __init__(self, settings: Settings, retriever: HybridRetriever | None = None, llm=None):
        self.settings = settings
        self.knowledge: Knowledge = load_knowledge(settings.knowledge_dir)
        self.glossary = Glossary(self.knowledge)
        self.embedders = retriever.embedders if retriever else load_embedders(settings)
        self.retriever = retriever or HybridRetriever(settings, embedders=self.embedders, glossary=self.glossary)
        self.retriever.glossary = self.glossary
        scorer_model = next((e for e in self.embedders if e.key == "dense"), self.embedders[0])
        self.scorer = SentenceScorer(scorer_model, self.retriever)
        self.documents = DocumentTexts(self.knowledge)
        self.conversations = ConversationStore()
        self.llm = llm
        self._last_refresh = time.monotonic()
        self._refresh_lock = threading.Lock()
        self.last_decision: Decision | None = None

    # ------------------------------------------------------------------ public
    def ask(self, question: str, conversation_id: str | None = None, lang: Lang | None = None) -> Answer:
        """Answer one question in the user's language (``lang`` fixes it; otherwise detected)."""
        text = clean_question(question)
        last = self.conversations.last(conversation_id)
        user_lang: Lang = lang or detect_language(text, default=last.lang if last else "en")
        if not text:
            return Answer(question=question, language=user_lang, kind="offtopic", answer=EMPTY[user_lang])
        said = greeting(text)
        if said:
            self.last_decision = Decision("greeting", [])
            return Answer(question=question, language=user_lang, kind="offtopic", answer=GREETING[said][user_lang])
        if _INJECTION.search(text):
            self.last_decision = Decision("offtopic", [])
            return Answer(question=question, language=user_lang, kind="offtopic", answer=SCOPE[user_lang])
        self._maybe_refresh()

        follow_up = last is not None and is_follow_up(text, user_lang)
        query = text
        if follow_up and last is not None and last.subject_names:
            standalone = None
            if self.llm is not None:
                standalone = self.llm.condense(last.question, ", ".join(last.subject_names), text, user_lang)
            query = f"{standalone or text} {' '.join(last.subject_names)}"
        result = self.retriever.search(query, user_lang, k=12)
        crafts = self.glossary.crafts_in(text) or (last.crafts if follow_up and last else [])
        answer, decision = self._compose(text, query, user_lang, result, crafts, last if follow_up else None)
        answer.question = question
        self.last_decision = decision
        if self.llm is not None and answer.kind == "answer":
            answer = self.llm.rewrite(answer, text)
        self.conversations.add(conversation_id, self._turn(text, user_lang, answer, crafts))
        return answer

    def reload(self) -> None:
        """Pick up a new index generation and the knowledge it was built from.

        Everything new is built first and swapped in at the end; if the knowledge folder is invalid
        right now (someone is editing it), the engine keeps serving what it had.
        """
        try:
            knowledge = load_knowledge(self.settings.knowledge_dir)
        except KnowledgeError as exc:
            log.error("knowledge is invalid, keeping the current index: %s", exc)
            return
        glossary = Glossary(knowledge)
        self.retriever.glossary = glossary
        self.retriever.reload()
        self.knowledge, self.glossary, self.documents = knowledge, glossary, DocumentTexts(knowledge)

    # ------------------------------------------------------------------ internals
    def _maybe_refresh(self) -> None:
        now = time.monotonic()
        if now - self._last_refresh < REFRESH_SECONDS:
            return
        with self._refresh_lock:
            self._last_refresh = now
            active = self.retriever.store.active()
            if active is not None and active.id != self.retriever.generation:
                log.info("new index generation %s: reloading", active.id)
                self.reload()

    def _turn(self, text: str, lang: Lang, answer: Answer, crafts: list[str]) -> Turn:
        names: list[str] = []
        if answer.subject:
            kind, record_id = answer.subject.split(":", 1)
            record = self._record(kind, record_id)
            if record is not None:
                name = record.indicator if kind == "kpi" else record.name
                names = [name.ja, name.en]
        subject_crafts = [answer.subject.split(":", 1)[1]] if answer.subject.startswith("craft:") else []
        return Turn(text, lang, answer.kind, answer.subject, names, subject_crafts or crafts)

    def _record(self, kind: str, record_id: str):
        return self.knowledge.records(kind).get(record_id) if kind in ("craft", "venue", "program", "kpi") else None

    def _evidence(self, hits: list[Hit]) -> float:
        """Best similarity among the top hits on a USE scale (USE is the least language-biased signal);
        without USE (GUIDE_USE_EMBEDDER=false) the dense cosine is mapped onto the same scale."""
        if "use" in self.retriever.signal_names:
            return max((h.similarities.get("use", 0.0) for h in hits[:3]), default=0.0)
        dense = max((h.similarities.get("dense", 0.0) for h in hits[:3]), default=0.0)
        return WEAK_EVIDENCE + (dense - DENSE_EVIDENCE)

    def _in_domain(self, text: str, lang: Lang) -> bool:
        return bool(self.glossary.crafts_in(text)) or bool(self.glossary.topics_in(text, lang))

    def _compose(
        self, text: str, query: str, lang: Lang, result: SearchResult, crafts: list[str], last: Turn | None
    ) -> tuple[Answer, Decision]:
        """Decide what to answer from, in order of how explicit the question is."""
        k = self.knowledge
        hits = result.hits
        cites = Citations(k)
        refs = self.glossary.records_in(text)
        if _OFFTOPIC.search(text) and not crafts and not refs:
            return self._offtopic(lang), Decision("offtopic", hits)
        if _ELSEWHERE.search(text) and not _KANAZAWA.search(text):
            return self._unknown(lang, hits, cites), Decision("unknown", hits)
        if _OFFICE_HOLDER.search(text):
            return self._unknown(lang, hits, cites), Decision("unknown", hits)
        named = [ref for ref in refs if not ref.startswith("document:")]
        documents = [ref.split(":", 1)[1] for ref in refs if ref.startswith("document:")]
        kinds = place_intents(text, lang)
        if not kinds and last is not None and crafts and crafts == last.crafts:
            # "How much does it cost?" after "Where can I try Kutani ware?": still about trying it.
            kinds = place_intents(last.question, last.lang)

        # 1. Prices and opening hours exist only as reported, and only for some venues.
        asks_price_or_hours = bool(_PRICE.search(text) or _HOURS.search(text))
        venue = self._venue_asked(named, last, hits, text, lang)
        if venue is not None and asks_price_or_hours:
            return self._venue_details(venue, text, lang, cites, hits)
        if asks_price_or_hours and venue is None and not crafts and not named:
            # A price or an opening time of something the directory does not name: nothing to go on.
            return self._unknown(lang, hits, cites), Decision("unknown", hits)
        # 2. "Where can I try / buy / see <craft>?": venues from the directory, never one that lacks the craft.
        if crafts and not named and (kinds or asks_where(text, lang) or asks_price_or_hours):
            answer, decision = self._venues(crafts, kinds, lang, cites, hits, with_hours=asks_price_or_hours)
            if asks_price_or_hours:
                answer.answer = f"{PRICE_NOTE[lang]}\n\n{answer.answer}"
            return answer, decision
        # 3. A plan's period or edition: from the document's own front matter.
        if documents and _PLAN_META.search(text) and not asks_for_figures(text.replace("期間", "")):
            doc = k.documents[documents[0]].meta
            answer = self._answer(lang, render_plan(doc, lang, cites), cites)
            return answer, Decision("plan", hits)
        # 3b. "What indicators does the KOGEI Action Plan monitor?": the plan's indicators (none named in particular).
        if documents and self._asks_plan_kpi_list(text, documents[0], lang):
            doc = k.documents[documents[0]].meta
            if any(kpi.plan == doc.id for kpi in k.kpis.values()):
                answer = self._answer(lang, render_plan_kpis(doc, k, lang, cites), cites)
                return answer, Decision("plan-kpis", hits)
        # 4. "What crafts does Kanazawa have?", "国指定の伝統工芸は？": the plan's list of crafts.
        if not crafts and not named and asks_craft_list(text):
            body = render_craft_list(k, lang, cites, asked_craft_categories(text), kinds)
            return self._answer(lang, body, cites), Decision("crafts", hits)
        # 5. "What is <craft>?", "How old is gold leaf making?": the craft's card.
        if crafts and not named and not asks_for_figures(text):
            craft = k.crafts[crafts[0]]
            answer = self._answer(lang, render_craft(craft, k, lang, cites), cites)
            answer.subject = f"craft:{craft.id}"
            return answer, Decision("craft", hits)

        carried = last is not None and any(f"{h.kind}:{h.record_id}" == last.subject for h in hits[:6])
        if not carried and not named and not self._supported(text, lang, hits):
            if self._in_domain(text, lang):
                return self._unknown(lang, hits, cites), Decision("unknown", hits)
            return self._offtopic(lang), Decision("offtopic", hits)

        main = self._main_hit(hits, last, text, named, lang)
        record = self._record(main.kind, main.record_id)
        if main.kind == "document" or record is None:
            return self._documents(query, lang, result, cites), Decision("documents", hits)
        if main.kind == "program" and _APPLY.search(text) and not record.public_information_found:
            body = render_program(record, k, lang, cites)
            return self._unknown(lang, hits, cites, known=body), Decision("unknown", hits)
        if main.kind == "program" and asks_for_figures(text) and asked_years(text):
            years = set().union(*(kpi_years(k.kpis[x.kpi]) for x in record.related_kpis if x.kpi in k.kpis))
            if not asked_years(text) & years:
                body = render_program(record, k, lang, cites)
                return self._unknown(lang, hits, cites, known=body), Decision("unknown", hits)
        places = []
        if main.kind == "craft":
            body = render_craft(record, k, lang, cites)
        elif main.kind == "venue":
            body = render_venue(record, k, lang, cites)
            places = [record]
        elif main.kind == "program":
            body = render_program(record, k, lang, cites)
        else:
            years = asked_years(text)
            if years and not years & kpi_years(record):
                # The plan has no figure for the year asked: say so, show what it has.
                body = render_kpi(record, k, lang, cites, focus=kpi_focus(text))
                return self._unknown(lang, hits, cites, known=body), Decision("unknown", hits)
            body = render_kpi(record, k, lang, cites, focus=kpi_focus(text))
            twins = self._twin_kpis(record, hits)
            for twin in twins:
                # The same indicator in another plan (or repeated): show it too, each with its own plan.
                body += "\n\n" + render_kpi(twin, k, lang, cites, focus=kpi_focus(text))
            others = self._related_kpis(hits, {main.record_id} | {t.id for t in twins})
            if others:
                label = "関連する指標" if lang == "ja" else "Related indicators"
                body += f"\n\n{label}: " + ("、" if lang == "ja" else "; ").join(x.indicator.get(lang) for x in others)
        answer = self._answer(lang, body, cites, places=places)
        answer.subject = f"{main.kind}:{main.record_id}"
        return answer, Decision(main.kind, hits)

    def _venues(
        self,
        crafts: list[str],
        kinds: list[str],
        lang: Lang,
        cites: Citations,
        hits: list[Hit],
        with_hours: bool = False,
    ):
        k = self.knowledge
        venues = venues_for(crafts, kinds, k)
        lead = ""
        if not venues and kinds:
            # Nothing offers exactly that: say so, then show what the directory does have.
            venues = venues_for(crafts, [], k)
            lead = self._no_such_offer(crafts, kinds, lang) + "\n\n"
            kinds = []
        if not venues:
            craft = k.crafts[crafts[0]]
            body = render_craft(craft, k, lang, cites)
            lead = (
                f"ディレクトリには{craft.name.ja}を扱う場所の情報がありません。\n\n"
                if lang == "ja"
                else f"The directory lists no place for {craft.name.en}.\n\n"
            )
            answer = self._answer(lang, lead + body, cites)
            answer.subject = f"craft:{craft.id}"
            return answer, Decision("craft", hits)
        body = render_venue_list(crafts, kinds, venues, k, lang, cites, VENUE_LIST_LIMIT, with_hours=with_hours)
        answer = self._answer(lang, lead + body, cites, places=venues[:VENUE_LIST_LIMIT])
        answer.subject = f"craft:{crafts[0]}"
        return answer, Decision("venues", hits)

    def _venue_asked(self, named: list[str], last: Turn | None, hits: list[Hit], text: str, lang: Lang):
        """The venue a question is about: named in it (fully, or by a word of its name such as
        'Sakuda'), or the venue the conversation is about. Never just the nearest venue."""
        for ref in named:
            kind, record_id = ref.split(":", 1)
            if kind == "venue":
                return self.knowledge.venues.get(record_id)
        if hits and hits[0].kind == "venue":
            venue = self.knowledge.venues.get(hits[0].record_id)
            name_words = set(tokenize(f"{venue.name.en} {venue.name.ja}", lang)) if venue else set()
            if venue and any(len(w) >= 3 and w in name_words for w in content_words(text, lang) - _GENERIC_PLACE):
                return venue
        if last is not None and last.subject.startswith("venue:"):
            return self.knowledge.venues.get(last.subject.split(":", 1)[1])
        return None

    def _venue_details(self, venue, text: str, lang: Lang, cites: Citations, hits: list[Hit]):
        """Reported hours/prices with their caveat, or an honest 'not recorded' with how to check."""
        reported = venue.hours_as_reported.get(lang) if venue.hours_as_reported else ""
        has_price = bool(re.search(r"円|yen", reported, re.I))
        if has_price and _EXPERIENCE.search(text) and not _EXPERIENCE.search(reported):
            has_price = False  # an admission fee is not the price of a class or a hands-on session
        if (_PRICE.search(text) and not has_price) or (_HOURS.search(text) and not reported):
            what = (
                ("料金" if _PRICE.search(text) else "営業時間")
                if lang == "ja"
                else ("price" if _PRICE.search(text) else "opening hours")
            )
            check = [str(venue.website)] if venue.website else []
            check += [f"TEL {venue.tel}"] if venue.tel else []
            if lang == "ja":
                known = f"{venue.name.ja}の{what}はディレクトリに記録がありません。" + (
                    f"施設に直接ご確認ください: {' / '.join(check)}" if check else ""
                )
            else:
                known = f"The directory has no {what} for {venue.name.en}." + (
                    f" Please check with the venue: {' / '.join(check)}" if check else ""
                )
            body = known + "\n\n" + render_venue(venue, self.knowledge, lang, cites)
            return self._unknown(lang, hits, cites, known=body), Decision("unknown", hits)
        answer = self._answer(lang, render_venue(venue, self.knowledge, lang, cites), cites, places=[venue])
        answer.subject = f"venue:{venue.id}"
        return answer, Decision("venue", hits)

    def _supported(self, text: str, lang: Lang, hits: list[Hit]) -> bool:
        """Is there evidence at all? Similarity high enough, and (same language) some shared content word."""
        top = hits[0] if hits else None
        # All three signals ranking the same entry near the top is evidence even when USE's absolute
        # similarity is low (it is for short, figure-heavy KPI entries).
        agreement = (
            top is not None and top.score >= AGREEMENT_RRF and top.similarities.get("dense", 0.0) >= AGREEMENT_DENSE
        )
        if self._evidence(hits) < WEAK_EVIDENCE and not agreement:
            return False
        words = content_words(text, lang)
        same = [h for h in hits[:5] if h.lang == lang]
        if not words or not same:
            return True  # nothing to check lexically (cross-language evidence)
        found = set()
        for hit in same:
            found |= set(tokenize(f"{hit.metadata.get('title', '')} {hit.text}", lang))
        return bool(words & found)

    def _main_hit(self, hits: list[Hit], last: Turn | None, text: str, named: list[str], lang: Lang) -> Hit:
        """The record or passage to answer from.

        A venue or program the question names wins; a follow-up keeps its subject while it is still
        among the top hits; a question about figures prefers the KPI whose indicator it matches best.
        """
        kpis = [h for h in hits[:5] if h.kind == "kpi"]
        asked = _indicator_key(text)
        exact = [h for h in hits[:8] if h.kind == "kpi" and h.record_id in self.knowledge.kpis
                 and _indicator_key(self.knowledge.kpis[h.record_id].indicator.get(lang)) in asked]
        if exact:  # the question names the indicator as printed: that one (its twins are shown with it)
            return max(exact, key=lambda h: (len(self.knowledge.kpis[h.record_id].indicator.get(lang)), h.score))
        worded = [h for h in hits[:8] if h.kind == "kpi" and self._indicator_named(text, h, lang)]
        if worded:  # "What share of citizens use Kanazawa craft products…": nearly every word of its name
            return max(worded, key=lambda h: (self._indicator_fit(text, h, lang), h.score))
        if kpis and asks_for_figures(text):
            return max(kpis, key=lambda h: (self._indicator_fit(text, h, lang), h.score))
        for ref in named:
            kind, record_id = ref.split(":", 1)
            for hit in hits:
                if hit.kind == kind and hit.record_id == record_id:
                    return hit
            # Named but outranked (other-language passages can crowd a short list): the name decides.
            entry = self.retriever.entry(f"{ref}:{lang}")
            if entry is not None:
                return entry
        if last and last.subject:
            kind, record_id = last.subject.split(":", 1)
            for hit in hits[:6]:
                if hit.kind == kind and hit.record_id == record_id:
                    return hit
        counted = counted_thing(text)
        if counted and hits and hits[0].kind != "document" and not counted.search(hits[0].text):
            # "How many cities…?": a record that states no such number does not answer it; a passage may.
            documents = [h for h in hits if h.kind == "document"]
            if documents:
                return documents[0]
        if _WHEN.search(text):
            # A "when" question wants a date: prefer the best entry that states one.
            dated = [h for h in hits[:3] if _DATED.search(h.text)]
            if dated:
                return dated[0]
        if kpis and hits[0].kind == "kpi":
            return max(kpis, key=lambda h: (self._indicator_fit(text, h, lang), h.score))
        return hits[0]

    def _asks_plan_kpi_list(self, text: str, plan_id: str, lang: Lang) -> bool:
        """'What are the KPIs of <plan>?': asks for indicators and names nothing but the plan."""
        if not _KPI_LIST.search(text):
            return False
        doc = self.knowledge.documents[plan_id].meta
        plan_words = set(tokenize(f"{doc.title_ja} {doc.title_en}", lang))
        left = content_words(text, lang) - plan_words - _KPI_LIST_WORDS
        return not left

    def _indicator_fit(self, text: str, hit: Hit, lang: Lang) -> float:
        """Words of the question the indicator shares, minus words it adds (外国人 / foreign…)."""
        kpi = self.knowledge.kpis.get(hit.record_id)
        if kpi is None:
            return float("-inf")
        asked = set(tokenize(text, lang))
        words = set(tokenize(kpi.indicator.get(lang), lang))
        return len(asked & words) - 0.25 * len(words - asked)

    def _indicator_named(self, text: str, hit: Hit, lang: Lang) -> bool:
        """The question uses (nearly) every content word of the indicator's name, and at least three."""
        kpi = self.knowledge.kpis.get(hit.record_id)
        if kpi is None:
            return False
        words = content_words(kpi.indicator.get(lang), lang)
        return len(words) >= 3 and len(words & set(tokenize(text, lang))) >= 0.8 * len(words)

    def _twin_kpis(self, kpi, hits: list[Hit]) -> list:
        """Other KPIs with the same indicator (spacing and bracket width aside) among the hits."""
        key = _indicator_key(kpi.indicator.ja)
        twins = []
        for hit in hits[:8]:
            other = self.knowledge.kpis.get(hit.record_id) if hit.kind == "kpi" else None
            if other and other.id != kpi.id and other not in twins and _indicator_key(other.indicator.ja) == key:
                twins.append(other)
        return twins[:2]

    def _related_kpis(self, hits: list[Hit], shown: set[str]):
        """Other indicators among the top hits, by name (the ones already shown excluded)."""
        seen = set(shown)
        out = []
        for hit in hits[:6]:
            if hit.kind == "kpi" and hit.record_id not in seen:
                seen.add(hit.record_id)
                kpi = self.knowledge.kpis.get(hit.record_id)
                if kpi:
                    out.append(kpi)
        return out[:3]

    def _documents(self, query: str, lang: Lang, result: SearchResult, cites: Citations) -> Answer:
        """Quote the sentences that answer best, in the user's language where the guide has a translation.

        A translated sentence is marked as the guide's translation and cited with the original's title
        and section in both languages; the original sentence travels with it (``Answer.quotes``) for the
        channel to show. Its figures are the original's: the translation validator keeps every number.
        """
        passages = result.passages[:QUOTE_PASSAGES]
        if not passages:
            return self._unknown(lang, result.hits, cites)
        question_vector = result.vectors[self.scorer.embedder.key]
        other: Lang = "ja" if lang == "en" else "en"
        keywords = {
            lang: set(tokenize(query, lang)),
            other: set(tokenize(" ".join(self.glossary.bridge(query, lang, names_only=False)), other)),
        }
        quotes = best_quotes(question_vector, passages, self.scorer, self.documents, keywords, question=query)
        lines: list[str] = []
        refs: list[QuoteRef] = []
        foreign = translated = False
        for quote in quotes:
            meta = quote.hit.metadata
            candidate = quote.candidate
            if candidate is not None and candidate.translated:
                translated = True
                cite = cites.cite_translation(quote.hit, candidate)
            else:
                cite = cites.cite(
                    quote.hit.record_id, "document", meta["title"], meta.get("url", ""), quote.section, quote.hit.lang
                )
            sentence = quote.text
            if quote.hit.lang != lang:
                foreign = True
                if lang == "en":
                    sentence = self.glossary.gloss(sentence)
            if quote.items:  # a whole list, under its heading
                heading = quote.section.split(" > ")[-1]
                lines.append(f"{heading} {cite}:")
                lines.extend(f"  • {item}" for item in sentence.splitlines())
            else:
                lines.append(f"“{sentence}” {cite}")
            unit = f"{quote.hit.record_id}:{candidate.unit.id}" if candidate and candidate.unit else ""
            if quote.items and candidate and candidate.unit:
                unit = f"{quote.hit.record_id}:{candidate.unit.path_ids[-1].split('.')[0]}.*"
            refs.append(
                QuoteRef(
                    n=int(cite.strip("[]")),
                    text=sentence,
                    unit=unit,
                    translated=bool(candidate and candidate.translated),
                    original="\n".join(i.original for i in quote.items)
                    if quote.items
                    else (candidate.original if candidate else ""),
                    original_lang=str(meta.get("original_lang", "")),
                )
            )
        intro = "資料には次のように書かれています:" if lang == "ja" else "The sources say:"
        wants = asks_for(query)
        if wants and quotes and not any(ANSWER_TYPES[wants][1].search(q.text) for q in quotes):
            # "When…?" / "How many…?" and not one quote gives a date or a figure: the sources do not say.
            body = "\n".join([intro, *lines])
            answer = self._unknown(lang, result.hits, cites, known=body)
            answer.quotes = refs
            return answer
        body = "\n".join([intro, *lines])
        if translated:
            body += "\n" + TRANSLATION_NOTE[lang]
        if foreign:
            body += "\n" + CROSS_LANGUAGE_NOTE[lang]
        answer = self._answer(lang, body, cites)
        answer.quotes = refs
        answer.evidence = [q.hit.text for q in quotes] + [r.original for r in refs if r.original]
        return answer

    def _answer(self, lang: Lang, body: str, cites: Citations, places=None) -> Answer:
        return Answer(
            question="",
            language=lang,
            kind="answer",
            answer=body,
            sources=cites.refs,
            places=[place_of(v, lang) for v in (places or [])],
        )

    def _no_such_offer(self, crafts: list[str], kinds: list[str], lang: Lang) -> str:
        craft = self.knowledge.crafts[crafts[0]].name.get(lang)
        wanted = ("・" if lang == "ja" else " or ").join(KIND_LABELS[lang][x] for x in kinds)
        if lang == "ja":
            return (
                f"ディレクトリには、{craft}について「{wanted}」ができる場所の情報がありません。"
                "ほかの場所は次のとおりです。"
            )
        return f"The directory lists no place to {wanted} {craft}. These places do have it:"

    def _closest_topics(self, hits: list[Hit], lang: Lang) -> list[str]:
        topics: list[str] = []
        for hit in hits[:8]:
            if hit.kind == "document":
                title = hit.metadata.get("section", "").split(" > ")[-1] or hit.metadata["title"]
            else:
                record = self._record(hit.kind, hit.record_id)
                if record is None:
                    continue
                title = (record.indicator if hit.kind == "kpi" else record.name).get(lang)
            if title and title not in topics:
                topics.append(title)
        return topics[:3]

    def _contacts(self, lang: Lang) -> list[str]:
        out = []
        for contact in self.knowledge.contacts.values():
            how = str(contact.url) if contact.url else (contact.email or contact.tel or "")
            out.append(f"{contact.name.get(lang)} — {contact.purpose.get(lang)}: {how}")
        return out

    def _unknown(self, lang: Lang, hits: list[Hit], cites: Citations, known: str = "") -> Answer:
        """Not in the sources: say so, show what is known nearby (with its sources), where to check."""
        if known:
            lines = [
                "ご質問の点は手元の資料にありません。資料にある情報は次のとおりです。"
                if lang == "ja"
                else "What you ask is not in my sources. Here is what they do say:",
                "",
                known,
                "",
                UNKNOWN[lang]["check"],
            ]
            lines += [f"{UNKNOWN[lang]['bullet']}{c}" for c in self._contacts(lang)]
            return Answer(question="", language=lang, kind="unknown", answer="\n".join(lines), sources=cites.refs)
        topics = self._closest_topics(hits, lang)
        words = UNKNOWN[lang]
        lines = [words["sorry"]]
        if topics:
            lines.append(words["topics"] + words["joiner"].join(topics))
        lines.append(words["check"])
        lines += [f"{words['bullet']}{c}" for c in self._contacts(lang)]
        return Answer(question="", language=lang, kind="unknown", answer="\n".join(lines))

    def _offtopic(self, lang: Lang) -> Answer:
        return Answer(question="", language=lang, kind="offtopic", answer=SCOPE[lang])

    # ------------------------------------------------------------------ browsing (buttons, menus)
    def describe(self, kind: str, record_id: str, lang: Lang) -> Answer | None:
        """A record's card (craft, venue or program), as an answer with sources and places."""
        k = self.knowledge
        cites = Citations(k)
        record = self._record(kind, record_id)
        if record is None:
            return None
        places = []
        if kind == "craft":
            body = render_craft(record, k, lang, cites)
        elif kind == "venue":
            body = render_venue(record, k, lang, cites)
            places = [record]
        elif kind == "program":
            body = render_program(record, k, lang, cites)
        else:
            body = render_kpi(record, k, lang, cites)
        answer = self._answer(lang, body, cites, places=places)
        answer.subject = f"{kind}:{record_id}"
        return answer

    def originals(self, refs: list[str], lang: Lang) -> Answer | None:
        """The original sentences behind translated quotes ('<document code>.<unit id>' each), cited in
        the original's own language; None when none of them exists (any more)."""
        cites = Citations(self.knowledge)
        lines: list[str] = []
        for ref in refs[:5]:
            found = self.documents.resolve(ref)
            if found is None:
                continue
            document, units = found
            meta = self.knowledge.documents[document].meta
            for unit in units[:20]:
                section = self.documents.section(document, unit, meta.language)
                cite = cites.cite(
                    document, "document", meta.title(meta.language), str(meta.source_url or ""), section, meta.language
                )
                lines.append(f"“{unit.text}” {cite}")
        if not lines:
            return None
        intro = ORIGINAL_INTRO[lang][self.knowledge.documents[cites.refs[0].id].meta.language]
        return self._answer(lang, "\n".join([intro, *lines]), cites)

    def places_for(self, craft_id: str, kinds: list[str], lang: Lang) -> Answer | None:
        """Venues for one craft (and kinds), as in 'Where can I try …'."""
        if craft_id not in self.knowledge.crafts:
            return None
        answer, _ = self._venues([craft_id], kinds, lang, Citations(self.knowledge), [])
        return answer

    def crafts_with(self, kind: str | None = None) -> list:
        """Crafts, optionally only those some venue offers with this kind (e.g. 'try')."""
        crafts = list(self.knowledge.crafts.values())
        if kind:
            crafts = [c for c in crafts if venues_for([c.id], [kind], self.knowledge)]
        return crafts
