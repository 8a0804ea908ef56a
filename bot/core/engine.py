"""The answering engine: ask(question, state) -> (answer, new state). Knows nothing of any channel.

Stages: clean the text → language → fixed rules (empty, greeting, injection) → entities → intent
(the router) → slots from the dialogue → evidence (retrieval, computed once) → the intent's handler →
blocks rendered as plain text → optionally an LLM rewrite behind the number guard. The engine holds
only what is loaded (models, index, knowledge); the conversation is the caller's DialogueState.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata

from bot.core.browsing import Browsing
from bot.core.dialogue import NEEDS, Dialogue
from bot.core.entities import EntityRecognizer
from bot.core.handlers import load_all
from bot.core.handlers.asked_values import asked_value_checked
from bot.core.handlers.documents import printed_together, unknown
from bot.core.kit import Citations, Kit
from bot.core.lexicon import cites_a_document
from bot.core.parts import split_parts
from bot.core.premises import missing_edition
from bot.core.router import LOW_MARGIN, SAFE_DEFAULT, RecordSignals, load_or_fit
from bot.core.rules import rule_for
from bot.core.types import SUBJECT_SLOTS, Context, DialogueState, Evidence, Intent, Question, Slots, TurnState
from bot.documents import DocumentTexts
from bot.extractive import SentenceScorer
from bot.glossary import Glossary
from bot.language import detect_language
from bot.models import Answer
from bot.render.plain import render
from bot.retrieval import HybridRetriever
from ingest.embedders import load_embedders
from ingest.loader import Knowledge, KnowledgeError, load_knowledge
from ingest.schema import Lang
from ingest.settings import Settings
from ingest.snapshots import last_good_knowledge

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 1000
REFRESH_SECONDS = 5.0
FIGURE_INTENTS = ("kpi_value", "plan_kpis")  # intents that answer with an indicator's figures
# intents that answer from the directory's records (a question about what a document says is none of them)
DIRECTORY_INTENTS = ("craft_list", "craft_info", "venue_info", "find_places", "program_info")
# The intent a two-part answer reports: the more specific of its parts ("What is Kutani ware and where can
# I buy it?" is a find_places question that also describes the craft).
PRIORITY = (
    "find_places",
    "venue_info",
    "program_info",
    "kpi_value",
    "plan_kpis",
    "craft_info",
    "craft_list",
    "plan_info",
    "document_list",
    "document_fact",
    "offtopic",
)


def _only_quotes(answer: Answer) -> bool:
    """An answer that quotes documents (and notices around the quotes), with no record in it."""
    return all(b.type in ("quotes", "notice", "contacts", "topics") for b in answer.blocks)


def clean_question(text: str) -> str:
    """Printable text, single spaces, capped length: what retrieval and the answer see."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUESTION_CHARS]


class Engine(Browsing):
    """Load once (models, index, knowledge, router), then answer concurrently."""

    def __init__(self, settings: Settings, retriever: HybridRetriever | None = None, llm=None):
        self.settings = settings
        self.llm = llm
        self.embedders = retriever.embedders if retriever else load_embedders(settings)
        knowledge = _knowledge_to_serve(settings)
        glossary = Glossary(knowledge)
        self.retriever = retriever or HybridRetriever(settings, embedders=self.embedders, glossary=glossary)
        self.retriever.glossary = glossary
        self.handlers = load_all()
        self._build(knowledge, glossary)
        self._last_refresh = time.monotonic()
        self._refresh_lock = threading.Lock()

    def _build(self, knowledge: Knowledge, glossary: Glossary) -> None:
        """Everything derived from one knowledge generation, swapped in at once."""
        recognizer = EntityRecognizer(knowledge)
        dense = next((e for e in self.embedders if e.key == "dense"), self.embedders[0])
        kit = Kit(
            knowledge,
            self.retriever,
            recognizer,
            DocumentTexts(knowledge),
            SentenceScorer(dense, self.retriever),
            glossary,
        )
        self.retriever.romaji = kit.romaji  # built now (half a second), not on the first question that needs it
        router = load_or_fit(
            self.settings.data_dir, self.retriever.generation, self.embedders, recognizer, RecordSignals(self.retriever)
        )
        self.kit, self.router, self.dialogue = kit, router, Dialogue(knowledge)

    @property
    def knowledge(self) -> Knowledge:
        return self.kit.knowledge

    # ------------------------------------------------------------------ asking
    def ask(
        self,
        question: str,
        state: DialogueState | None = None,
        lang: Lang | None = None,
        location: tuple[float, float] | None = None,
    ) -> tuple[Answer, DialogueState]:
        """Answer one question in the user's language (``lang`` or the state's chosen one fixes it)."""
        state = state or DialogueState()
        if location is not None:  # remembered, so "where can I try gold leaf?" afterwards is sorted by distance
            state = state.model_copy(update={"location": location, "location_at": time.time()})
        text = clean_question(question)
        last = state.last()
        fixed = lang or state.lang
        written: Lang = detect_language(text, default=last.lang if last else "en")  # type: ignore[assignment]
        user_lang: Lang = fixed or written  # type: ignore[assignment]
        q = Question(
            text,
            user_lang,
            fixed_lang=bool(fixed),
            location=location,
            text_lang=written,
            shared_before=state.fresh_location(time.time()),
        )
        self._maybe_refresh()
        rule = rule_for(text) if location is None else None
        if rule:
            answer, slots = self._run(q, Intent(rule), Slots(), state, evidence=None), Slots()
        else:
            parts = split_parts(text, written) if location is None else [text]
            both = self._two_parts(q, parts, state) if len(parts) == 2 else None
            if both is not None:
                answer, slots = both
            else:
                result = self._one(q, state)
                if isinstance(result, tuple) and isinstance(result[1], DialogueState):
                    return result  # a language change: the last question again, already finished
                answer, slots = result
        answer.question = question
        return self._finish(answer, q, state, slots)

    def _one(self, q: Question, state: DialogueState, cites: Citations | None = None):
        """(answer, slots) of one question; (answer, new state) when it asks for another language."""
        vectors = self.retriever.embed(q.text)
        entities = self.kit.recognizer.find(q.text, q.written_in)
        intent = Intent("find_places", how="rule") if q.location else self._route(q, vectors, entities)
        if intent.name == "change_language":
            return self._change_language(q, entities, state)
        intent, slots = self.dialogue.resolve(q.text, q.written_in, entities, intent, state)
        evidence = self._evidence(q, slots, entities, vectors)
        if intent.name == "offtopic" and printed_together(q.text, q.lang, evidence.result.passages):
            intent = Intent("document_fact", intent.score, intent.margin, "evidence", intent.alternatives)
        return self._run(q, intent, slots, state, evidence, cites=cites, entities=entities), slots

    def _two_parts(self, q: Question, parts: list[str], state: DialogueState) -> tuple[Answer, Slots] | None:
        """Both parts answered, the second with the first's slots ("What is Kutani ware and where can I buy
        it?"); None when they turn out to ask one thing (same intent and attribute)."""
        cites = Citations(self.knowledge)
        first_q = Question(parts[0], q.lang, q.fixed_lang, text_lang=q.text_lang, shared_before=q.shared_before)
        first = self._one(first_q, state, cites)
        if isinstance(first[1], DialogueState):
            return None
        answer1, slots1 = first
        state1 = state.with_turn(
            TurnState(
                question=parts[0],
                lang=q.lang,
                intent=answer1.intent,
                slots=_shown(answer1, slots1),
                places=[p.venue_id for p in answer1.places],
            )
        )
        second_q = Question(parts[1], q.lang, q.fixed_lang, text_lang=q.text_lang, shared_before=q.shared_before)
        second = self._one(second_q, state1, cites)
        if isinstance(second[1], DialogueState):
            return None
        answer2, slots2 = second
        if answer1.intent == answer2.intent and slots1.attribute == slots2.attribute:
            return None
        if _only_quotes(answer1) and _only_quotes(answer2):
            return None  # both parts quote the documents: one search for the whole question quotes better
        main = max((answer1, answer2), key=lambda a: -PRIORITY.index(a.intent) if a.intent in PRIORITY else -99)
        combined = answer2.model_copy(
            update={
                "blocks": answer1.blocks + answer2.blocks,
                "sources": cites.refs,
                "intent": main.intent,
                "kind": "answer" if "answer" in (answer1.kind, answer2.kind) else answer2.kind,
                "reason": ",".join(r for r in (answer1.reason, answer2.reason) if r),
                "places": answer1.places + [p for p in answer2.places if p not in answer1.places],
                "quotes": answer1.quotes + answer2.quotes,
                "evidence": answer1.evidence + answer2.evidence,
            }
        )
        return combined, slots2.merged(slots1, tuple(Slots.model_fields))

    def _route(self, q: Question, vectors, entities: Slots) -> Intent:
        intent = self.router.predict(vectors, entities, q.written_in)
        asks_figures = entities.role or entities.figures or entities.asks == "count"
        if entities.indicators and asks_figures and intent.name not in FIGURE_INTENTS:
            # An indicator named by its printed name, with words of figures (「作り手の数」の現状値は？,
            # "How many certified craftspeople…?"): its figures, whatever else the question resembles.
            return Intent("kpi_value", intent.score, intent.margin, "slots", intent.alternatives)
        if entities.plans and intent.name in DIRECTORY_INTENTS and cites_a_document(q.text):
            # "According to the UNESCO profile, what kind of tourism does Kanazawa promote?": what the document
            # says, not the directory's card of something it mentions.
            return Intent("document_fact", intent.score, intent.margin, "slots", intent.alternatives)
        if intent.margin >= LOW_MARGIN:
            return intent
        for name, _ in intent.alternatives[:2]:
            needs = set(NEEDS.get(name, ())) & set(SUBJECT_SLOTS)
            if needs and any(getattr(entities, n) for n in needs):
                # Not sure between two intents, but the question names what one of them needs: that one.
                return Intent(name, intent.score, intent.margin, "classifier", intent.alternatives)
        if self.llm is not None:  # the optional LLM may break a tie between the router's best intents
            choice = self.llm.choose_intent(q.text, [name for name, _ in intent.alternatives[:3]], q.lang)
            if choice:
                return Intent(choice, intent.score, intent.margin, "llm", intent.alternatives)
        return Intent(SAFE_DEFAULT, intent.score, intent.margin, "default", intent.alternatives)

    def _evidence(self, q: Question, slots: Slots, entities: Slots, vectors) -> Evidence:
        """Retrieval for the question; a follow-up is searched with the names of the slots it inherited."""
        names = []
        k = self.knowledge
        for name, ids in slots.subjects().items():
            if getattr(entities, name) == ids:
                continue
            for i in ids[:2]:
                record = {"crafts": k.crafts, "venues": k.venues, "programs": k.programs, "indicators": k.kpis}.get(
                    name, {}
                ).get(i)
                if record is not None:
                    names += (
                        [record.indicator.ja, record.indicator.en]
                        if name == "indicators"
                        else [record.name.ja, record.name.en]
                    )
                elif name == "plans" and i in k.documents:
                    names += [k.documents[i].meta.title_ja, k.documents[i].meta.title_en]
        if slots.item:  # "tell me more about the third one": that entry of the list just shown
            names.append(slots.item)
        query = f"{q.text} {' '.join(names)}" if names else q.text
        result = self.retriever.search(query, q.lang, k=12, vectors=None if names else vectors)
        top = result.hits[:3]
        support = max((h.similarities.get("use", 0.0) for h in top), default=0.0)
        return Evidence(result, query, support)

    def _run(
        self,
        q: Question,
        intent: Intent,
        slots: Slots,
        state: DialogueState,
        evidence: Evidence | None,
        cites: Citations | None = None,
        entities: Slots | None = None,
    ) -> Answer:
        if evidence is None:
            from bot.core.types import Evidence as _Evidence
            from bot.retrieval import SearchResult

            evidence = _Evidence(SearchResult([], [], {}), q.text, 0.0)
        ctx = Context(q, slots, intent, evidence, state, cites or Citations(self.knowledge), entities or slots)
        edition = missing_edition(q.text, (entities or slots).plans, self.knowledge, q.lang)
        if edition:  # "the 3rd Comprehensive Strategy": said to be unknown before anything else is shown
            return unknown(ctx, self.kit, "false_premise", self.kit.topics_block(evidence.hits, q.lang), name=edition)
        handler = self.handlers.get(intent.name) or self.handlers[SAFE_DEFAULT]
        return asked_value_checked(ctx, self.kit, handler(ctx, self.kit))

    def _change_language(self, q: Question, entities: Slots, state: DialogueState) -> tuple[Answer, DialogueState]:
        """'In Japanese please': the last question again, answered in the language asked for."""
        last = state.last()
        target: Lang = entities.lang or ("ja" if (last.lang if last else q.lang) == "en" else "en")  # type: ignore
        if last is None:  # "Please answer in English from now on": the language is the user's choice now
            answer = self._run(Question(q.text, target), Intent("greeting"), Slots(), state, None)
            answer.intent = "change_language"
            return self._finish(
                answer, Question(q.text, target), state.model_copy(update={"lang": target}), Slots(lang=target)
            )
        earlier = state.model_copy(update={"turns": state.turns[:-1]})
        answer, new_state = self.ask(last.question, earlier, lang=target)
        answer.intent, answer.question = "change_language", q.text
        turn = new_state.turns[-1]
        turns = [
            *new_state.turns[:-1],
            turn.model_copy(update={"slots": turn.slots.model_copy(update={"lang": target})}),
        ]
        return answer, new_state.model_copy(update={"turns": turns})

    def _finish(self, answer: Answer, q: Question, state: DialogueState, slots: Slots) -> tuple[Answer, DialogueState]:
        answer.language = q.lang
        answer.answer = render(answer)
        if self.llm is not None and answer.kind == "answer":
            answer = self.llm.rewrite(answer, q.text)
        turn = TurnState(
            question=q.text,
            lang=q.lang,
            intent=answer.intent,
            slots=_shown(answer, slots),
            kind=answer.kind,
            reason=answer.reason,
            places=[p.venue_id for p in answer.places],
            items=next((b.items for b in answer.blocks if getattr(b, "type", "") == "list"), []),
        )
        return answer, state.with_turn(turn)

    # ------------------------------------------------------------------ reloading
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

    def reload(self) -> None:
        """Pick up a new index generation and the knowledge it was built from (kept if now invalid)."""
        try:
            knowledge = load_knowledge(self.settings.knowledge_dir)
        except KnowledgeError as exc:
            log.error("knowledge is invalid, keeping the current index: %s", exc)
            return
        glossary = Glossary(knowledge)
        self.retriever.glossary = glossary
        self.retriever.reload()
        self._build(knowledge, glossary)


def _knowledge_to_serve(settings: Settings) -> Knowledge:
    """The knowledge folder; when it is invalid, the knowledge the active index was built from (one clear
    log line), so a half-saved file does not stop the bot. Without a snapshot the error stands."""
    try:
        return load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        snapshot = last_good_knowledge(settings)
        if snapshot is None:
            raise
        log.error("knowledge is invalid, serving the last good index and its knowledge (%s): %s", snapshot, exc)
        return load_knowledge(snapshot)


def _shown(answer: Answer, slots: Slots) -> Slots:
    """The slots a turn leaves for the next: what it was asked about, and what the answer showed."""
    kpis = [b.kpi_id for b in answer.blocks if getattr(b, "type", "") == "kpi"]
    cards = {b.kind: b.record_id for b in answer.blocks if getattr(b, "type", "") == "card"}
    update = {}
    if kpis:  # the indicators shown (a follow-up may have moved to another one)
        update["indicators"] = kpis
    for kind, slot in (("venue", "venues"), ("program", "programs"), ("craft", "crafts"), ("plan", "plans")):
        if kind in cards and not getattr(slots, slot):
            update[slot] = [cards[kind]]
    documents = {s.id for s in answer.sources if s.kind == "document"}
    if len(documents) == 1 and not slots.plans and "plans" not in update and not kpis:
        update["plans"] = sorted(documents)  # what a quote or a list came from: "Why was the fifth added?"
    return slots.model_copy(update=update) if update else slots


__all__ = ["NEEDS", "Engine", "clean_question"]
