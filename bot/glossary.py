"""Recognise crafts and topics in a question, and bridge keywords across the two languages.

Built from knowledge/glossary.yaml plus every craft, venue and program name in the directory. Used to
(1) find which crafts a question is about, (2) add the other language's terms to a keyword search, and
(3) gloss Japanese names in English answers (金沢卯辰山工芸工房 (Kanazawa Utatsuyama Craft Workshop)).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ingest.keywords import has_japanese
from ingest.loader import Knowledge


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@dataclass
class Entry:
    en: list[str]
    ja: list[str]
    crafts: list[str] = field(default_factory=list)
    is_name: bool = False  # a directory name: specific enough to search for across languages
    record: str = ""  # "venue:<id>" / "program:<id>" when the entry is a record's name


def _strip_paren(name: str) -> list[str]:
    """'Kutani ware (Kutani porcelain)' → ['kutani ware (kutani porcelain)', 'kutani ware', 'kutani porcelain']."""
    out = [name]
    match = re.match(r"^(.*?)\s*[（(](.*?)[)）]\s*$", name)
    if match:
        out += [match.group(1), match.group(2)]
    out += [re.sub(r"^(Kanazawa|The|金沢)\s*", "", x) for x in out]  # people drop the city name
    return list(dict.fromkeys(x.strip() for x in out if len(x.strip()) >= (2 if has_japanese(x) else 4)))


def title_variants(title: str) -> list[str]:
    """How people shorten a plan's title: no edition in brackets, no city, no '2nd' / '第2次'."""
    base = re.sub(r"\s*[（(].*?[)）]\s*$", "", title.split(":")[0]).strip()
    short = re.sub(r"^(Kanazawa City |Kanazawa |金沢市\s*|金沢\s*)", "", base)
    shorter = re.sub(r"^(2nd(-Term)? |第[0-9２]+[次期]\s*)", "", short)
    shorter = re.sub(r"^(Kanazawa |金沢版?)", "", shorter)
    return [t for t in dict.fromkeys([title, base, short, shorter]) if len(t) >= 4]


class Glossary:
    """Term lookup in both directions."""

    def __init__(self, knowledge: Knowledge):
        self.entries: list[Entry] = [Entry(list(t.en), list(t.ja), list(t.crafts)) for t in knowledge.glossary]
        for craft in knowledge.crafts.values():
            self.entries.append(
                Entry(
                    _strip_paren(craft.name.en) + list(craft.aliases_en),
                    [craft.name.ja, craft.reading_ja],
                    [craft.id],
                    is_name=True,
                )
            )
        for kind, records in (("venue", knowledge.venues), ("program", knowledge.programs)):
            for record in records.values():
                self.entries.append(
                    Entry(
                        _strip_paren(record.name.en),
                        _strip_paren(record.name.ja),
                        is_name=True,
                        record=f"{kind}:{record.id}",
                    )
                )
        for doc in knowledge.documents.values():
            self.entries.append(
                Entry(
                    title_variants(doc.meta.title_en),
                    title_variants(doc.meta.title_ja),
                    record=f"document:{doc.meta.id}",
                )
            )
        # Japanese name → English name, longest first, for glossing quotes.
        names: dict[str, str] = {}
        for record in [*knowledge.venues.values(), *knowledge.programs.values(), *knowledge.crafts.values()]:
            names.setdefault(record.name.ja, record.name.en)
        self.ja_names = sorted(names.items(), key=lambda x: -len(x[0]))

    def _matches(self, text: str, lang: str) -> list[Entry]:
        """Entries a text names, in entry order: whole words in English, substrings in Japanese (no regex
        is compiled per question: one matcher per language, built once)."""
        if not hasattr(self, "_matchers"):
            from bot.core.lexicon import PhraseMatcher, Phrases

            self._matchers = {
                "en": PhraseMatcher({str(n): Phrases(en=e.en) for n, e in enumerate(self.entries)}),
                "ja": PhraseMatcher({str(n): Phrases(ja=e.ja) for n, e in enumerate(self.entries)}),
            }
        found = {int(key) for key in self._matchers["en" if lang == "en" else "ja"].find(text)}
        return [entry for n, entry in enumerate(self.entries) if n in found]

    def crafts_in(self, text: str) -> list[str]:
        """Craft ids a question names, in either language (most specific first)."""
        found: list[str] = []
        for lang in ("en", "ja"):
            for entry in sorted(self._matches(text, lang), key=lambda e: len(e.crafts)):
                for craft in entry.crafts:
                    if craft not in found:
                        found.append(craft)
        return found

    def records_in(self, text: str) -> list[str]:
        """Venues and programs the text names ("kind:id"), longest name first."""
        found = []
        for lang in ("ja", "en"):
            for entry in self._matches(text, lang):
                if entry.record and entry.record not in found:
                    found.append(entry.record)
        return found

    def topics_in(self, text: str, lang: str) -> list[str]:
        """Terms of any kind the text uses (a sign the question is about what the guide covers)."""
        return [(e.en if lang == "en" else e.ja)[0] for e in self._matches(text, lang)]

    def bridge(self, text: str, source_lang: str, names_only: bool = True) -> list[str]:
        """The other language's names for the crafts, venues and programs a text names.

        By default only names and craft terms cross over: generic words (craft, museum, tourism) match
        most passages of the other language and measurably hurt retrieval; they still help to pick the
        best sentence inside passages already retrieved (``names_only=False``).
        """
        other = "ja" if source_lang == "en" else "en"
        terms: list[str] = []
        for entry in self._matches(text, source_lang):
            if names_only and not (entry.is_name or entry.crafts):
                continue
            for term in (entry.ja if other == "ja" else entry.en)[:3]:
                if term not in terms:
                    terms.append(term)
        return terms

    def gloss(self, text: str) -> str:
        """Add English names after the Japanese names the directory knows (first occurrence each)."""
        out = text
        done: set[str] = set()
        for ja, en in self.ja_names:
            if ja in out and ja not in done and not any(ja in d for d in done):
                out = out.replace(ja, f"{ja} ({en})", 1)
                done.add(ja)
        return out
