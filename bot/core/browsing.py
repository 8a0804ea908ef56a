"""Answers without a question, for a channel's buttons and menus: a record's card, the places for a
craft, the crafts some venue offers, the originals of translated quotes. Mixed into the Engine.
"""

from __future__ import annotations

from bot.core.kit import Citations
from bot.core.types import Context, DialogueState, Intent, Question, Slots
from bot.models import Answer
from bot.render.plain import render
from ingest.schema import Lang


class Browsing:
    """Needs ``knowledge``, ``kit`` and ``_run`` from the Engine."""

    def describe(self, kind: str, record_id: str, lang: Lang) -> Answer | None:
        """A record's card (craft, venue, programme or KPI), as an answer with its sources and places."""
        from bot.core.handlers.crafts import craft_card
        from bot.core.handlers.programs import program_card
        from bot.core.handlers.venues import venue_card

        k = self.knowledge
        record = k.records(kind).get(record_id) if kind in ("craft", "venue", "program", "kpi") else None
        if record is None:
            return None
        cites = Citations(k)
        block = {
            "craft": lambda: craft_card(record, self.kit, lang, cites),
            "venue": lambda: venue_card(record, self.kit, lang, cites),
            "program": lambda: program_card(record, self.kit, lang, cites),
            "kpi": lambda: self.kit.kpi_block(record, lang, cites),
        }[kind]()
        blocks = [block] + ([self.kit.notice("check_before_visiting")] if kind == "venue" else [])
        return self._static(
            Intent({"craft": "craft_info", "venue": "venue_info", "program": "program_info", "kpi": "kpi_value"}[kind]),
            blocks,
            cites,
            lang,
            places=[record] if kind == "venue" else [],
        )

    def crafts_with(self, kind: str | None = None) -> list:
        """Crafts, optionally only those some venue offers with this kind (e.g. 'try')."""
        crafts = list(self.knowledge.crafts.values())
        return [c for c in crafts if self.kit.venues_for([c.id], [kind])] if kind else crafts

    def places_for(self, craft_id: str, kinds: list[str], lang: Lang) -> Answer | None:
        """Venues for one craft (and activity), as in 'Where can I try …'."""
        if craft_id not in self.knowledge.crafts:
            return None
        slots = Slots(crafts=[craft_id], activity=kinds[0] if kinds else None)
        answer = self._run(Question("", lang), Intent("find_places"), slots, DialogueState(), None)
        answer.answer = render(answer)
        return answer

    def originals(self, refs: list[str], lang: Lang) -> Answer | None:
        """The original sentences behind translated quotes ('<document code>.<unit id>', or '….*' for a whole
        list), cited in the original's language; None when none of them exists (any more)."""
        from bot.core.blocks import QuoteItem, QuotesBlock

        cites = Citations(self.knowledge)
        items, languages = [], set()
        for ref in refs[:5]:
            found = self.kit.documents.resolve(ref)
            if found is None:
                continue
            document, units = found
            meta = self.knowledge.documents[document].meta
            languages.add(meta.language)
            for unit in units[:20]:
                section = self.kit.documents.section(document, unit, meta.language)
                n = cites.document(meta, meta.language, section)
                items.append(QuoteItem(text=unit.text, cite=n))
        if not items:
            return None
        intro = self.kit.notice(f"original_intro.{sorted(languages)[0]}")
        return self._static(Intent("document_fact"), [intro, QuotesBlock(items=items)], cites, lang)

    def _static(self, intent: Intent, blocks: list, cites: Citations, lang: Lang, places=()) -> Answer:
        from bot.core.handlers import reply

        ctx = Context(Question("", lang), Slots(), intent, None, DialogueState(), cites)  # type: ignore[arg-type]
        answer = reply(ctx, "answer", blocks, cites, places=places)
        answer.answer = render(answer)
        return answer
