"""Entities: which crafts, venues, programmes, plans, indicators, places, activities and attributes a
question names.

Names come from the knowledge (the directory, the glossary, the documents' titles, the landmarks) and
the closed word lists from bot/data/lexicon.yaml. Matching is plain substring work over normalised
text (whole words in English), so it costs a fraction of a millisecond and no regex is compiled per
question; a misspelt English name ("kutani wear", "utatsuyama kogei kobo") is caught by a fuzzy pass
(rapidfuzz) only when no name matched exactly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

from bot.core.lexicon import PhraseMatcher, load_lexicon, normalise, words
from bot.core.names import (
    PLACE_NAMES,
    NameTable,
    indicator_key,
    name_table,
    name_variants,
    name_words,
    short_name_words,
    unqualified,
    word_idf,
)
from bot.core.types import Entities
from bot.glossary import title_variants
from ingest.loader import Knowledge
from ingest.numbers import era_years

SHORT_JA = "ja_short"  # the name-word table of Japanese names in shortest units
MIN_ENGLISH_KEY = 12  # an English indicator name given verbatim: long enough not to occur by chance
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_NAME_YEAR = re.compile(r"([A-Za-z]{2,})\s+((?:19|20)\d\d)(?!\d)")


class EntityRecognizer:
    """Built once per knowledge generation; ``find`` is pure and thread-safe."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        lexicon = load_lexicon()
        self.activities = PhraseMatcher(lexicon.activities)
        self.attributes = PhraseMatcher(lexicon.attributes)
        self.roles = PhraseMatcher(lexicon.roles)
        self.languages = PhraseMatcher(lexicon.languages)
        self.proximity = PhraseMatcher({"near": lexicon.proximity})
        self.asks = PhraseMatcher(lexicon.asks)
        self.figures = PhraseMatcher({"figures": lexicon.kpi_words})
        k = knowledge
        craft_entries = [(list(t.en), list(t.ja), list(t.crafts)) for t in k.glossary if t.crafts]
        # A reading of two kana is a common word in running text (こと in 「掲げていること」 is no koto): the
        # craft is named by its kanji there.
        craft_entries += [
            (name_variants(c.name.en) + list(c.aliases_en), [c.name.ja, *_distinct_reading(c.reading_ja)], [c.id])
            for c in k.crafts.values()
        ]
        self.crafts = name_table(craft_entries)
        self.venues = name_table(
            [
                (name_variants(v.name.en) + list(v.aliases_en), name_variants(v.name.ja) + list(v.aliases_ja), [v.id])
                for v in k.venues.values()
            ]
        )
        self.programs = name_table(
            [
                (name_variants(p.name.en) + list(p.aliases_en), name_variants(p.name.ja) + list(p.aliases_ja), [p.id])
                for p in k.programs.values()
            ]
        )
        # A programme described rather than named (「子ども向けの工芸の塾」 for 金沢工芸子ども塾): the content words of
        # each of its names, per language.
        self._program_words = {
            lang: [
                (p.id, words_)
                for p in k.programs.values()
                for name in ([unqualified(p.name.get(lang)), *(p.aliases_en if lang == "en" else p.aliases_ja)])
                if len(words_ := name_words(name, lang)) >= 2
            ]
            for lang in ("en", "ja")
        }
        self.plans = name_table(
            [
                (
                    title_variants(d.meta.title_en) + list(d.meta.aliases_en),
                    title_variants(d.meta.title_ja) + list(d.meta.aliases_ja),
                    [d.meta.id],
                )
                for d in k.documents.values()
            ]
        )
        self.landmarks = name_table(
            [
                (name_variants(m.name.en) + list(m.aliases_en), name_variants(m.name.ja) + list(m.aliases_ja), [m.id])
                for m in k.landmarks.values()
            ]
        )
        areas: dict[str, tuple[set[str], set[str]]] = {}
        for v in k.venues.values():
            en = re.split(r"[(/]", v.area.en)[0].strip()
            ja = re.split(r"[（/／]", v.area.ja)[0].strip()
            if en and not en.startswith(("Near", "Tokyo")):
                areas.setdefault(words(en).strip(), (set(), set()))[0].add(en)
                areas[words(en).strip()][1].add(ja)
        self.areas = name_table([(sorted(en), sorted(ja), [key]) for key, (en, ja) in areas.items()])
        # An indicator is also named without its printed qualifier: 「子育てアプリのダウンロード数（累計）」.
        self._name_words = {
            lang: {kpi.id: name_words(unqualified(kpi.indicator.get(lang)), lang) for kpi in k.kpis.values()}
            for lang in ("en", "ja")
        }
        # the same Japanese names in Sudachi's shortest units: 「従事者数」 is one word in the name but
        # 「従事者」「数」 in 「…の従事者数って」; tried when the usual words find no name
        self._name_words[SHORT_JA] = {
            kpi.id: short_name_words(unqualified(kpi.indicator.ja)) for kpi in k.kpis.values()
        }
        self._idf = {lang: word_idf(names.values()) for lang, names in self._name_words.items()}
        self._indicators = [
            (key, kpi)
            for kpi in k.kpis.values()
            for name in (kpi.indicator.ja, kpi.indicator.en)
            for key in dict.fromkeys([indicator_key(name), indicator_key(unqualified(name))])
            if len(key) >= (4 if name is kpi.indicator.ja else MIN_ENGLISH_KEY)
        ]

    # ------------------------------------------------------------------ finding
    def find(self, text: str, lang: str) -> Entities:
        venues, programs = self._ids(self.venues, text), self._ids(self.programs, text)
        entities = Entities(
            crafts=self._ids(self.crafts, text),
            venues=venues,
            programs=programs,
            plans=self._ids(self.plans, text),
            landmarks=self._ids(self.landmarks, text),
            areas=self._ids(self.areas, text),
            indicators=self.indicators_in(text, lang, self._record_words(venues, programs, lang)),
            activity=self.activities.first(text),
            attribute=self.attributes.first(text),
            role=self.roles.first(text),
            years=[y for y in self.years_in(text) if not self._year_of_a_name(text, y)],
            lang=self.languages.first(text),
            near=bool(self.proximity.find(text)),
            asks=self.asks.first(text),
            figures=bool(self.figures.find(text)),
        )
        if entities.indicators:
            entities = self._inside_indicator(entities, text)
        if not entities.names_a_subject():
            fuzzy = {name: getattr(self, name).misspelt(text) for name in ("crafts", "venues", "programs", "plans")}
            entities = entities.model_copy(update={k: v for k, v in fuzzy.items() if v})
        if not entities.names_a_subject():
            entities = entities.model_copy(update={"programs": self.programs_described(text, lang)})
        elif entities.indicators and not entities.programs and not self._asks_figures(entities):
            # "Does the city run arts and culture experience events for school kids?" names the programme
            # whose participants an indicator counts; without words of figures it asks about the programme.
            entities = entities.model_copy(update={"programs": self.programs_described(text, lang)})
        if entities.venues and entities.crafts:
            entities = self._craft_or_venue(entities, text)
        if entities.venues and entities.landmarks:
            entities = entities.model_copy(update={"landmarks": self._landmarks_outside_venues(entities, text)})
        return entities

    @staticmethod
    def _asks_figures(entities: Entities) -> bool:
        return bool(entities.role or entities.figures or entities.asks in ("count", "amount") or entities.years)

    def _landmarks_outside_venues(self, entities: Entities, text: str) -> list[str]:
        """A landmark named only inside a venue's name is no landmark asked about: 「卯辰山工芸工房」 names the
        workshop, not Mt. Utatsu (whose distance would then be measured)."""
        venue_phrases = [
            p
            for key, ids in self.venues.keys.items()
            if set(ids) & set(entities.venues)
            for p in self.venues.matcher.phrases(key, text)
        ]
        kept = []
        for landmark in entities.landmarks:
            keys = [k for k, ids in self.landmarks.keys.items() if landmark in ids]
            phrases = [p for k in keys for p in self.landmarks.matcher.phrases(k, text)]
            if not phrases or not all(any(p in v for v in venue_phrases) for p in phrases):
                kept.append(landmark)
        return kept

    def programs_described(self, text: str, lang: str) -> list[str]:
        """The programme one of whose names has every content word in the question ("若手職人を海外に派遣する事業"
        holds 若手, 職人 and 派遣 of 若手職人の派遣), the most words shared first; a Japanese word also counts
        inside a longer one (研修 in 研修生). Nothing when no name is covered whole."""
        asked = name_words(text, lang)
        if len(asked) < 2:
            return []

        def shared(name: set[str]) -> int:
            if lang == "en":
                return len(name & asked)
            return sum(any(w in a or a in w for a in asked) for w in name)

        best: tuple[int, str] | None = None
        for program_id, name in self._program_words.get(lang, []):
            n = shared(name)
            if n == len(name) and (best is None or n > best[0]):
                best = (n, program_id)
        return [best[1]] if best else []

    def _craft_or_venue(self, entities: Entities, text: str) -> Entities:
        """A craft's name inside a venue's: "Kutani Kosen Kiln" names the venue (and not Kutani ware as
        the topic), but "folk toys" names the craft even though a shop is called "… folk toys"."""
        craft_phrases = {p for key in self.crafts.matcher.find(text) for p in self.crafts.matcher.phrases(key, text)}
        venues = []
        for venue in entities.venues:
            keys = [k for k, ids in self.venues.keys.items() if venue in ids]
            phrases = {p for k in keys for p in self.venues.matcher.phrases(k, text)}
            bare = {" ".join(w for w in p.split() if w not in PLACE_NAMES) for p in phrases}
            if phrases and all(any(p in c for c in craft_phrases) for p in bare):
                continue  # only the craft's words (and the city's): the craft is named, not this venue
            venues.append(venue)
        names = " ".join(normalise(self.knowledge.venues[v].name.en + self.knowledge.venues[v].name.ja) for v in venues)
        crafts = [c for c in entities.crafts if not self._named_only_inside(c, text, names)]
        return entities.model_copy(update={"venues": venues, "crafts": crafts})

    def _ids(self, table: NameTable, text: str) -> list[str]:
        out: list[str] = []
        for key in table.matcher.find(text):
            out += [i for i in table.keys[key] if i not in out]
        return out

    def _named_only_inside(self, craft: str, text: str, venue_names: str) -> bool:
        """The craft's term appears in the question only as part of a venue's name."""
        c = self.knowledge.crafts[craft]
        terms = [normalise(x) for x in (c.name.ja, *name_variants(c.name.en))]
        plain = normalise(text)
        return any(t in venue_names for t in terms if t in plain)

    def _inside_indicator(self, entities: Entities, text: str) -> Entities:
        """Names that are only part of the indicator named verbatim: in 「金沢ふるさと体験学習バスツアー参加者数」
        the programme's name is part of the indicator's, and the indicator is what is asked (longest match)."""
        names = [key for key, kpi in self._indicators if kpi.id in entities.indicators and key in indicator_key(text)]
        if not names:
            return entities

        def inside(table: NameTable, record_id: str) -> bool:
            keys = [k for k, ids in table.keys.items() if record_id in ids]
            phrases = [indicator_key(p) for k in keys for p in table.matcher.phrases(k, text)]
            return bool(phrases) and all(any(p in n for n in names) for p in phrases)

        update: dict = {
            name: [i for i in getattr(entities, name) if not inside(getattr(self, name), i)]
            for name in ("crafts", "venues", "programs")
        }
        # 「登録件数」 names no registration, 「体験学習」 no hands-on: they are words of the indicator's name.
        for name, matcher in (("activity", self.activities), ("attribute", self.attributes)):
            key = getattr(entities, name)
            phrases = [indicator_key(p) for p in matcher.phrases(key, text)] if key else []
            if phrases and all(any(p in n for n in names) for p in phrases):
                update[name] = None
        return entities.model_copy(update=update)

    def _record_words(self, venues: list[str], programs: list[str], lang: str) -> frozenset[str]:
        """The name words of the venues and programmes a question names."""
        k = self.knowledge
        records = [k.venues[v] for v in venues] + [k.programs[p] for p in programs]
        return frozenset(w for r in records for n in (r.name.get(lang), *r.aliases_en) for w in name_words(n, lang))

    def indicators_in(self, text: str, lang: str, record_words: frozenset[str] = frozenset()) -> list[str]:
        """KPIs whose name the question gives: verbatim (with or without the printed qualifier), else all
        words of the name but at most one (the question adds its own: 「の」, "target", a year); else its
        distinctive words, where those naming a venue or programme the question names do not count:
        "international students at Kanazawa College of Art" shares only "students" with "College of Art
        students taking part in …"."""
        asked = indicator_key(text)
        exact = [(len(key), kpi.id) for key, kpi in self._indicators if key in asked]
        if exact:
            # The longest name given wins: 「年間外国人宿泊客数」 over 「年間宿泊客数」, and
            # 「…人数(本市の制度活用による: 累計)」 over another plan's 「…人数」; one name in two plans gives both.
            longest = max(n for n, _ in exact)
            return list(dict.fromkeys(i for n, i in exact if n == longest))
        question = name_words(text, lang)
        found = self._by_name_words(question, lang)
        if not found and lang == "ja":
            found = self._by_name_words(short_name_words(text), SHORT_JA, may_lack=0)
        return found or self._by_distinctive_words(question, lang, record_words)

    def _by_name_words(self, question: set[str], table: str, may_lack: int = 1) -> list[str]:
        """KPIs all of whose name words the question has, but at most one (``may_lack``) of a long name
        that does not tell it apart."""
        lang = table
        best: tuple[int, int] | None = None
        found: list[str] = []
        for kpi in self.knowledge.kpis.values():
            name = self._name_words[lang][kpi.id]
            if len(name) < 2:
                continue
            absent = name - question
            missing = len(absent)
            if missing > (may_lack if len(name) >= 4 else 0):  # a long name may be given without one of its words
                continue
            if absent and absent & set(sorted(name, key=lambda w: (-self._idf[lang][w], w))[:2]):
                continue  # but not without a word that tells it apart ("… support workers" is not "… support")
            score = (missing, -len(name))
            if best is None or score < best:
                best, found = score, [kpi.id]
            elif score == best:
                found.append(kpi.id)
        return found

    def _by_distinctive_words(self, question: set[str], lang: str, record_words: frozenset[str]) -> list[str]:
        """A long name given by its distinctive words: "certified traditional craftspeople" for 「国指定６業種
        伝統工芸士数」 (its two rarest words among all indicator names, and at least three of its words)."""
        idf = self._idf[lang]
        best: tuple[float, list[str]] = (0.0, [])
        for kpi_id, name in self._name_words[lang].items():
            if len(name) < 4:
                continue
            rarest = sorted(name, key=lambda w: (-idf[w], w))[:2]
            matched = name & question
            if len(matched) < 3 or not set(rarest) <= matched or len(matched - record_words) < 2:
                continue
            coverage = sum(idf[w] for w in matched) / sum(idf[w] for w in name)
            if coverage > best[0]:
                best = (coverage, [kpi_id])
            elif coverage == best[0]:
                best[1].append(kpi_id)
        return best[1]

    def _year_of_a_name(self, text: str, year: int) -> bool:
        """The year is part of a name the sources use ("IMAGINE KANAZAWA 2030 Partners", "Arts Action Plan
        2024"), not a year asked about."""
        before = re.findall(rf"([A-Za-z]+)\s+{year}(?!\d)", unicodedata.normalize("NFKC", text))
        return any(f"{word.lower()} {year}" in self._named_years for word in before)

    @cached_property
    def _named_years(self) -> frozenset[str]:
        """'word year' pairs that name something in the documents or their translations: a year after a
        word that is no month or preposition ("KANAZAWA 2030", "Plan 2024"; not "March 2023", "in 2014")."""
        k = self.knowledge
        texts = [d.body for d in k.documents.values()]
        texts += [t for translation in k.translations.values() for t in translation.texts.values()]
        pairs = (m.groups() for text in texts for m in _NAME_YEAR.finditer(unicodedata.normalize("NFKC", text)))
        dates = set(load_lexicon().date_words.en)
        return frozenset(f"{w.lower()} {y}" for w, y in pairs if w[0].isupper() and w.lower() not in dates)

    @staticmethod
    def years_in(text: str) -> list[int]:
        """Western years a question names, era years converted (令和6年度 → 2024, H30 → 2018)."""
        text = unicodedata.normalize("NFKC", text)
        years = [int(y) for _, _, y in era_years(text)]
        years += [int(m.group(1)) for m in _YEAR.finditer(text)]
        return list(dict.fromkeys(years))


def _distinct_reading(reading: str | None) -> list[str]:
    return [reading] if reading and len(reading) > 2 else []
