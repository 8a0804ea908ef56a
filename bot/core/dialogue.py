"""Dialogue state by slots: a follow-up inherits the slots it lacks; a question that names a new thing
starts a new topic.

Each intent's handler needs certain slots (a venue for venue_info, an indicator for kpi_value…). When
the question gives none, they come from the most recent turn that had them: "Do I need to book?"
after a venue takes that venue, 「その基準値は？」 after an indicator takes the indicator, "where can i
buy some?" after Kutani ware takes the craft. A question made only of names and follow-up words
("What about Ohi ware?", 「じゃあ大樋焼は？」) keeps the previous intent and its frame (activity, place)
and changes only what it names. No length thresholds: what counts is which slots a question fills.
"""

from __future__ import annotations

import unicodedata

from bot.core.lexicon import PhraseMatcher, load_lexicon, normalise, words
from bot.core.types import DialogueState, Intent, Slots, TurnState
from ingest.keywords import tokenize
from ingest.loader import Knowledge

# What a handler needs (any of) and what a follow-up may take from earlier turns when it lacks it.
NEEDS: dict[str, tuple[str, ...]] = {
    "find_places": ("crafts", "activity", "landmarks", "areas"),
    "craft_info": ("crafts",),
    "venue_info": ("venues",),
    "program_info": ("programs",),
    "kpi_value": ("indicators",),
    "plan_kpis": ("plans",),
    "plan_info": ("plans",),
    "document_list": (),
    "document_fact": (),
}
INHERITS: dict[str, tuple[str, ...]] = {
    "find_places": ("crafts", "activity", "landmarks", "areas"),
    "craft_info": ("crafts",),
    "venue_info": ("venues",),
    "program_info": ("programs",),
    "kpi_value": ("indicators", "plans", "programs"),  # a programme's figures stay about the programme
    "plan_kpis": ("plans",),
    "plan_info": ("plans",),
    "document_list": ("plans",),
    "document_fact": ("plans",),
}
VENUE_ATTRIBUTES = (
    "hours",
    "price",
    "booking",
    "address",
    "website",
    "map",
    "phone",
    "access",
    "languages",
    "capacity",
    "parking",
    "accessibility",
)
# Whose attribute it is: "how do we apply?" asks about the programme of a few turns ago, not its indicator.
# (A plan's period or edition is not here: "Why was it revised?" asks the documents, not the plan's card.)
ATTRIBUTE_OWNERS: dict[str, tuple[str, ...]] = {
    **{a: ("program_info",) for a in ("apply", "eligibility", "dates", "next_dates", "organizer")},
    **{a: ("venue_info", "find_places") for a in VENUE_ATTRIBUTES},
}
# A plan's own attributes: 「この戦略の推進期間は？」 after one of its indicators asks about the plan that prints it.
PLAN_ATTRIBUTES = ("period", "edition")
PLAN_TOPICS = ("kpi_value", "plan_kpis", "plan_info", "document_list", "document_fact")
LOOKBACK = 3  # turns a slot is remembered for
BARE_MARGIN = 0.6  # a bare question keeps the last intent unless the router is this sure of its own
REFER_MARGIN = 0.3  # a question that points back overrides a subject-less intent the router is less sure of


class Dialogue:
    """Resolves a question's intent and slots against the conversation so far."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        lexicon = load_lexicon()
        fillers = lexicon.followup_words
        self._en_fillers = set(fillers.en)
        self._ja_fillers = sorted(fillers.ja, key=len, reverse=True)
        self._references = PhraseMatcher({"back": lexicon.references})
        self._ordinals = PhraseMatcher(lexicon.ordinals)

    def resolve(
        self, text: str, lang: str, entities: Slots, intent: Intent, state: DialogueState
    ) -> tuple[Intent, Slots]:
        intent, slots = self._resolve(text, lang, entities, intent, state)
        venue = self._venue_follow_up(text, intent, entities, state)
        if venue is not None:
            return venue, self._fill("venue_info", entities, state)
        return intent, slots

    def _venue_follow_up(self, text: str, intent: Intent, entities: Slots, state: DialogueState) -> Intent | None:
        """About the venue just discussed or the places just shown, though the router heard a search:
        a venue's attribute ("what are its hours?" after "which one is closest to Kenrokuen?"), or after one
        venue's card a landmark or an activity alone (「ひがし茶屋街から近い？」, 「見学はできる？」), or a craft
        there ("can I try gold leaf there?")."""
        last = state.last()
        if last is None or intent.name not in ("find_places", "document_fact"):
            return None
        about_one = last.intent == "venue_info" and len(last.slots.venues) == 1
        named = set(entities.subjects())
        if about_one and named == {"crafts"} and self._references.find(text):
            return Intent("venue_info", intent.score, intent.margin, "dialogue", intent.alternatives)
        if named:
            return None
        # "Which is closest to Kanazawa Station?" ranks the places again (find_places), naming a landmark
        asks_venue = entities.attribute in VENUE_ATTRIBUTES and bool(last.places) and not entities.landmarks
        if asks_venue or (about_one and (entities.landmarks or entities.activity) and not entities.crafts):
            return Intent("venue_info", intent.score, intent.margin, "dialogue", intent.alternatives)
        return None

    def _resolve(
        self, text: str, lang: str, entities: Slots, intent: Intent, state: DialogueState
    ) -> tuple[Intent, Slots]:
        last = state.last()
        picked = self._picked_item(text, entities, last)
        if picked:  # "tell me more about the third one" after a list: what the documents say about that entry
            intent = Intent("document_fact", intent.score, intent.margin, "dialogue", intent.alternatives)
            return intent, entities.model_copy(update={"item": picked, "plans": entities.plans or last.slots.plans})
        unsure = intent.name == "offtopic" or intent.how == "default"  # off-topic, or the router's safe default
        plan = self._plan_asked_about(entities, state) if last is not None else None
        if plan is not None:
            intent = Intent("plan_info", intent.score, intent.margin, "dialogue", intent.alternatives)
            return intent, entities.model_copy(update={"plans": [plan]})
        owner = self._attribute_owner(entities, state, unsure) if last is not None else None
        if owner is not None:
            # "how do we apply?", 「申し込み方法は？」 after a programme: an attribute of what was just discussed,
            # though alone it sounds like nothing the guide knows.
            intent = Intent(owner, intent.score, intent.margin, "dialogue", intent.alternatives)
            if owner != last.intent:
                return intent, self._inherit(entities, state, INHERITS[owner])
        if last is None or intent.name not in NEEDS:
            return intent, entities  # a first question, a language change, an off-topic one
        if last.intent == "kpi_value" and last.slots.indicators and self._same_indicator_in_plan(text, lang, entities):
            # "and what target does the SDGs Future City Plan set?": the same indicator, as that plan prints it
            intent = Intent("kpi_value", intent.score, intent.margin, "dialogue", intent.alternatives)
            return intent, entities.merged(last.slots, ("indicators",))
        if last.intent in NEEDS and intent.margin < BARE_MARGIN and self.is_bare(text, lang, entities):
            # "What about Ohi ware?": the previous question again, about what this one names.
            intent = Intent(last.intent, intent.score, intent.margin, "dialogue", intent.alternatives)
            return intent, self._keep_frame(entities, last)
        refers = last.intent in NEEDS and not entities.names_a_subject() and self._references.find(text)
        unsure = not NEEDS.get(intent.name) and intent.margin < REFER_MARGIN
        if refers and (not self._takes(intent, last) or unsure):
            # "Is it free?", "can i do the painting there?": about the last subject, unless the router's
            # intent can take that subject too ("Do I need to book?" after a list of places).
            intent = Intent(last.intent, intent.score, intent.margin, "dialogue", intent.alternatives)
        return intent, self._fill(intent.name, entities, state)

    @staticmethod
    def _attribute_owner(entities: Slots, state: DialogueState, unsure: bool) -> str | None:
        """The intent of the recent turn an attribute asks about, when the question names no subject: the
        programme's for "who can join?" even after its indicator's figures. When the router is unsure (or
        heard something off-topic), an attribute or a figure's role is about the last subject."""
        if entities.names_a_subject() or not (entities.attribute or entities.role or entities.activity):
            return None
        recent = [t for t in reversed(state.turns[-LOOKBACK:]) if NEEDS.get(t.intent) and t.slots.subjects()]
        if not (entities.attribute or entities.role):  # "what about just seeing them?" after a craft's places
            craft_turn = next((t for t in recent if t.slots.crafts), None)
            return "find_places" if craft_turn is not None and unsure else None
        owners = ATTRIBUTE_OWNERS.get(entities.attribute or "", ())
        turn = next((t for t in recent if t.intent in owners), None)
        if turn is None and unsure and recent:
            turn = recent[0]
        return turn.intent if turn is not None else None

    def _plan_asked_about(self, entities: Slots, state: DialogueState) -> str | None:
        """The plan whose period or edition a follow-up asks, naming nothing else (「この戦略の推進期間は？」,
        「最初に発行されたのはいつ？」): the plan of the last topic, or the plan that prints its indicator. None
        after a venue or a programme (their own dates are theirs)."""
        if entities.attribute not in PLAN_ATTRIBUTES or set(entities.subjects()) - {"plans"}:
            return None
        if entities.plans:
            return None  # named: the router and the plan handler take it
        for turn in reversed(state.turns[-LOOKBACK:]):
            if not turn.slots.subjects():
                continue
            if turn.intent not in PLAN_TOPICS:
                return None
            if turn.slots.plans:
                return turn.slots.plans[0]
            plans = {self.knowledge.kpis[i].plan for i in turn.slots.indicators if i in self.knowledge.kpis}
            return plans.pop() if len(plans) == 1 else None
        return None

    def _picked_item(self, text: str, entities: Slots, last: TurnState | None) -> str:
        """The entry of the list the last answer showed that the question picks by its place ("the second
        one", 「3番目」), when it names nothing new."""
        if last is None or not last.items or entities.names_a_subject():
            return ""
        found = self._ordinals.first(text)
        if found is None:
            return ""
        n = int(found)
        if n > len(last.items):
            return ""
        return last.items[n - 1] if n > 0 else last.items[-1]

    def _same_indicator_in_plan(self, text: str, lang: str, entities: Slots) -> bool:
        """A plan and no other subject, with words of figures or nothing else ("and what target does the SDGs
        plan set?", 「SDGs未来都市計画ではどうなってる？」): the indicator just discussed, in that plan."""
        if not entities.plans or set(entities.subjects()) != {"plans"}:
            return False
        return bool(entities.role or entities.figures) or self.is_bare(text, lang, entities)

    @staticmethod
    def _takes(intent: Intent, last: TurnState) -> bool:
        """The intent can answer about what the last turn was about (its subject, or the places it showed)."""
        have = set(last.slots.subjects()) | ({"venues"} if last.places else set())
        if last.slots.programs:  # a programme's indicators are its figures
            have.add("indicators")
        needs = set(NEEDS.get(intent.name, ())) & {"crafts", "venues", "programs", "plans", "indicators"}
        return not needs or bool(needs & have)

    def _fill(self, intent: str, entities: Slots, state: DialogueState) -> Slots:
        needs = NEEDS.get(intent, ())
        if intent == "find_places":
            if entities.crafts or entities.venues:
                return entities  # a new craft (or a venue) is a new topic
            return self._inherit(entities, state, INHERITS[intent])
        if needs and any(getattr(entities, n) for n in needs):
            return entities  # it names what it is about: a new topic
        slots = self._inherit(entities, state, INHERITS.get(intent, ()))
        if intent == "kpi_value" and not slots.indicators:  # "how many people use it?" after a programme
            programs = next((t.slots.programs for t in reversed(state.turns[-LOOKBACK:]) if t.slots.programs), [])
            related = [
                link.kpi
                for p in programs
                if p in self.knowledge.programs
                for link in self.knowledge.programs[p].related_kpis
                if link.kpi in self.knowledge.kpis
            ]
            # the programme stays in the slots: "how do we apply?" next is about it, not its indicator
            slots = slots.model_copy(update={"indicators": related[:3], "programs": slots.programs or programs})
        if intent == "venue_info" and not slots.venues:
            shown = next((t.places for t in reversed(state.turns[-LOOKBACK:]) if t.places), [])
            slots = slots.model_copy(update={"venues": shown[:5]})
        return slots

    def _inherit(self, entities: Slots, state: DialogueState, fields: tuple[str, ...]) -> Slots:
        slots = entities
        for turn in reversed(state.turns[-LOOKBACK:]):
            slots = slots.merged(turn.slots, fields)
            if turn.slots.names_a_subject():
                break  # slots never reach past the last topic
        return slots

    def _keep_frame(self, entities: Slots, last: TurnState) -> Slots:
        """The previous frame (activity, places, plan, role) with what this question names instead. A plan
        alone is no new topic for an indicator (「SDGs未来都市計画ではどうなってる？」 asks the same one there)."""
        frame = ("activity", "landmarks", "areas", "plans", "role", "attribute")
        slots = entities.merged(last.slots, frame)
        named = set(entities.subjects()) - ({"plans"} if last.intent == "kpi_value" else set())
        if not named:
            slots = slots.merged(last.slots, ("crafts", "venues", "programs", "indicators"))
        return slots

    # ------------------------------------------------------------------ bare follow-ups
    def is_bare(self, text: str, lang: str, entities: Slots) -> bool:
        """Nothing but names, slot words and follow-up words ("What about Ohi ware?", 「美術館は？」)."""
        names = self._names(entities)
        if lang == "ja":
            rest = normalise(text)
            for name in sorted(names, key=len, reverse=True):
                rest = rest.replace(normalise(name), " ")
            for filler in self._ja_fillers:
                rest = rest.replace(normalise(filler), " ")
            return not [t for t in tokenize(rest, "ja") if t.strip()]
        named = set(words(" ".join(names)).split())
        return not [w for w in words(text).split() if w not in self._en_fillers and w not in named]

    def _names(self, entities: Slots) -> list[str]:
        k = self.knowledge
        names: list[str] = []
        for craft in entities.crafts:
            c = k.crafts[craft]
            names += [c.name.ja, c.name.en, c.reading_ja, *c.aliases_en]
            names += [t for term in k.glossary if craft in term.crafts for t in (*term.en, *term.ja)]
        for venue in entities.venues:
            names += [k.venues[venue].name.ja, k.venues[venue].name.en]
        for program in entities.programs:
            names += [k.programs[program].name.ja, k.programs[program].name.en]
        for plan in entities.plans:
            meta = k.documents[plan].meta
            names += [meta.title_ja, meta.title_en, *meta.aliases_ja, *meta.aliases_en]
        for landmark in entities.landmarks:
            m = k.landmarks[landmark]
            names += [m.name.ja, m.name.en, *m.aliases_en, *m.aliases_ja]
        names += entities.areas
        lexicon = load_lexicon()
        for table, key in (
            (lexicon.activities, entities.activity),
            (lexicon.roles, entities.role),
            (lexicon.attributes, entities.attribute),
            (lexicon.languages, entities.lang),
        ):
            if key:
                names += [*table[key].en, *table[key].ja]
        return [unicodedata.normalize("NFKC", n) for n in names if n]
