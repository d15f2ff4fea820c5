"""Credits of a text to a wire agency or outlet (used by ATT002).

A credit is a mention of a configured credit source ("AP", "Reuters", "Agence
France-Presse") anywhere in the text, or an outlet cited as a source ("according to
the Korea Herald", "the Financial Times reported", "first published by ..."). A
mention inside a photo credit ("Photo: AFP", "AFP PHOTO", "(AP Photo/Jane Doe)")
credits the picture, not the words, and does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

DEFAULT_CREDIT_SOURCES: tuple[str, ...] = (
    "AP", "Associated Press", "Reuters", "AFP", "Agence France-Presse", "Agence France Presse",
    "Bloomberg", "Xinhua", "Kyodo", "dpa", "DPA", "Deutsche Presse-Agentur", "EFE", "ANSA",
    "UPI", "United Press International", "PTI", "Press Trust of India", "Yonhap", "TASS",
    "ITAR-TASS", "CNA", "Central News Agency", "AAP", "Australian Associated Press",
    "Canadian Press", "Press Association", "PA Media", "Anadolu", "Interfax", "RIA Novosti",
    "Jiji", "Bernama", "Antara", "ANI", "IANS", "Dow Jones", "BBC", "CNN",
)

# Short credits are matched with their case ("AP", "dpa"); longer ones without.
CASE_SENSITIVE_UP_TO = 5

_PHOTO_BEFORE = re.compile(
    r"(?i)\b(?:photo|photos|photograph|photographer|image|images|picture|pictures|pic|video|"
    r"footage|graphic|illustration|file photo|credit|caption)s?\b\s*(?:[:/|(—–-]|by|courtesy of|via)\s*[\w .'’/-]{0,30}$"
)
_PHOTO_AFTER = re.compile(r"(?i)^\s*(?:photo|photos|/\s*getty|via getty|images|pool|file|/\s*ap\b|/\s*afp\b)")

_OUTLET_WORDS = (
    "News|Times|Post|Journal|Press|Agency|Television|TV|Radio|Herald|Tribune|Gazette|Daily|"
    "Telegraph|Guardian|Broadcasting|Network|Newspaper|Magazine|Channel|Wire|Review|Observer|"
    "Chronicle|Mail|Express|Globe|Standard|Independent|Insider|Politico|Axios|Newsweek"
)
_OUTLET = rf"(?:the\s+)?(?:[A-Z][\w.&'’-]*\s+){{0,4}}(?:{_OUTLET_WORDS})\b"
_OUTLET_CREDIT = re.compile(
    rf"(?:according\s+to|reported\s+by|cited\s+by|quoted\s+by|told|first\s+(?:reported|published)\s+(?:by|in)|"
    rf"originally\s+published\s+(?:by|in)|courtesy\s+of|source:|via|report\s+(?:by|in))\s+{_OUTLET}"
    rf"|{_OUTLET}\s+(?:reported|reports|said\s+in\s+a\s+report|contributed|first\s+reported)"
    rf"|\b(?:Reporting\s+by|contributed\s+to\s+this\s+report)\b",
)


@dataclass(frozen=True, slots=True)
class Credit:
    start: int
    end: int
    text: str
    photo: bool  # a picture credit, which does not credit the text


def _source_pattern(sources: Iterable[str]) -> re.Pattern[str]:
    alternatives = []
    for source in sorted(set(sources), key=len, reverse=True):
        escaped = re.escape(source)
        if len(source) > CASE_SENSITIVE_UP_TO:
            escaped = f"(?i:{escaped})"
        alternatives.append(escaped)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


class CreditFinder:
    """Finds credits in texts; build once per run (the pattern is compiled once)."""

    def __init__(self, sources: Iterable[str] = DEFAULT_CREDIT_SOURCES):
        self.sources = tuple(sources)
        self._pattern = _source_pattern(self.sources) if self.sources else None

    def credits(self, text: str) -> list[Credit]:
        found: list[Credit] = []
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                line_start = text.rfind("\n", 0, match.start()) + 1
                before = text[line_start : match.start()]
                after = text[match.end() : match.end() + 12]
                photo = bool(_PHOTO_BEFORE.search(before)) or bool(_PHOTO_AFTER.match(after))
                found.append(Credit(match.start(), match.end(), match.group(), photo))
        for match in _OUTLET_CREDIT.finditer(text):
            found.append(Credit(match.start(), match.end(), match.group(), False))
        return sorted(found, key=lambda c: c.start)

    def text_credit(self, text: str) -> Credit | None:
        """The first credit of the text itself (photo credits excluded), if any."""
        return next((c for c in self.credits(text) if not c.photo), None)


@lru_cache(maxsize=8)
def finder_for(sources: tuple[str, ...]) -> CreditFinder:
    """One compiled finder per list of sources and process (workers build theirs once)."""
    return CreditFinder(sources)


def credit_summary(sources: tuple[str, ...], text: str) -> list:
    """[credits the text (a credit that is not a photo credit), the first photo credit's text or None].

    A per-document feature of ATT002, kept in the incremental cache (bind ``sources``
    with functools.partial).
    """
    credits = finder_for(sources).credits(text)
    return [any(not c.photo for c in credits), next((c.text for c in credits if c.photo), None)]
