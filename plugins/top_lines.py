"""The shape of a line: heading, bullet, label, boilerplate, or a sentence cut short.

Scraped pages leave structure behind: captions and credits, kickers in capitals,
bylines, navigation and promotion lines, headers glued together with separators.
These functions judge one paragraph (one line of scraped text) by its form:
length, capitalisation, closing punctuation, label-colon patterns, separators,
and a small list of phrases that web pages use everywhere ("Read more",
"Subscribe"). They know nothing about any particular site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# a sentence ends with these, possibly followed by closing quotes or brackets
_SENTENCE_END = ".!?…:"
_CLOSERS = "\"'”’»)]"
_TRAILING_JUNK = "\ufffd \t\u00a0\u200b"
_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►◦‣]\s|\d{1,2}[.)]\s|[a-z][.)]\s)")
_SEPARATOR_LINE = re.compile(r"^[\W_]{3,}$")
# words a sentence cannot end on: articles, prepositions, conjunctions, pronouns
# that need a verb or object, auxiliaries
FUNCTION_WORDS = frozenset(
    """a an the of to in on at by for from with into onto upon about as than that which who whom whose
    and or but nor if because while although though whereas unless until since so such he she they we
    i you it its his her their our my your this these those is are was were be been being has have had
    do does did will would shall should can could may might must not very more most less also said says
    said, its than then when where whether what between among against over under after before during
    per via like including amid""".split()
)

# generic web furniture: navigation, promotion, sharing, comments
_NAVIGATION = re.compile(
    r"\b(?:read (?:more|next|also|the full)|continue reading|more (?:from|on|stories|news)|see also|"
    r"subscribe(?: now| today| to)?|sign (?:up|in)|log ?in|newsletter|share (?:this|on|via)|"
    r"follow us|click here|tap here|advertisement|sponsored(?: content)?|related (?:articles?|stories|coverage|news|topics)|"
    r"most (?:read|popular|viewed)|recommended(?: for you| stories)?|skip to (?:content|main)|back to top|"
    r"all rights reserved|cookie|privacy policy|terms of (?:use|service)|download (?:the|our) app|"
    r"leave a comment|\d+ comments?|print this|email this|watch:|listen:|trending)\b",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"^\s*[\(\[]?(?:photo(?:graph)?s?|images?|pictures?|pics?|video|graphic|illustration|file(?: photo)?|"
    r"credits?|courtesy|source|caption)\b\s*(?:credit\s*)?[:/|©—–-]|"
    r"\b(?:getty images|shutterstock|afp via getty|ap photo|reuters/|epa-efe|photo credit|image credit|©)",
    re.IGNORECASE,
)
_INLINE_CREDIT = re.compile(
    r"[\(\[](?:photo(?:graph)?|image|picture|file photo|video|credit|source)\s*(?:credit)?\s*[:/]\s*[^()\[\]\n]{1,60}[\)\]]",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\s*(?i:by|written by|reporting by|editing by|compiled by|additional reporting by|story by|words by)\s+"
    r"[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,4}\b",
)
_TIMESTAMP = re.compile(
    r"^\s*(?:published|updated|posted|last (?:updated|modified)|first published|modified)\b|"
    r"^\s*\d+\s*(?:min(?:ute)?s?|hours?)\s+(?:read|ago)\b|"
    r"^\s*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{4}|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
# an all-capitals kicker run into the paragraph: "‘IMPORTANCE OF PEACE’: President ..."
_KICKER = re.compile(r"^([\"'‘“]?[A-Z][A-Z0-9&'’.\- ]{2,48}[A-Z0-9.][\"'’”]?\s*:)\s+(?=\S)")
# a wire dateline: "WASHINGTON —", "NEW YORK (Reuters) -", "LONDON, March 3 (AP) —"
_DATELINE = re.compile(
    r"^([A-Z][A-Z.'’\-]+(?:[ ,]+[A-Z][A-Za-z.'’\-]+){0,3}(?:,\s*[A-Z][a-z]+\.?\s*\d{1,2})?\s*"
    r"(?:\([A-Za-z .&]{1,30}\))?\s*[—–-]{1,2})\s+(?=\S)"
)
_HEADER_SEPARATORS = re.compile(r"\s+[\\|•·»/]\s+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def strip_end(text: str) -> str:
    """The text without trailing spaces or replacement characters (a scraper's broken bytes)."""
    return text.rstrip(_TRAILING_JUNK)


def ends_a_sentence(text: str) -> bool:
    body = strip_end(text).rstrip(_CLOSERS)
    return bool(body) and body[-1] in _SENTENCE_END


def is_bullet(text: str) -> bool:
    return bool(_BULLET.match(text))


def is_separator(text: str) -> bool:
    return bool(_SEPARATOR_LINE.match(text.strip()))


def is_label(text: str) -> bool:
    """A "Label: value" line, or a line of four words or fewer: not a sentence to judge."""
    ws = words(text)
    if len(ws) <= 4:
        return True
    head, colon, _ = text.partition(":")
    return bool(colon) and len(words(head)) <= 3 and len(ws) <= 12


def capitalised_share(text: str) -> float:
    """Share of the longer words that start with a capital (title case is near 1)."""
    long_words = [w for w in words(text) if len(w) > 3 or w[0].isupper()]
    if not long_words:
        return 0.0
    return sum(1 for w in long_words if w[0].isupper()) / len(long_words)


def is_heading(text: str, position: int) -> bool:
    """A title or subheading: short, no closing punctuation, mostly capitalised words.

    The first line of a document may be a longer title (up to 20 words).
    """
    ws = words(text)
    if ends_a_sentence(text) or not ws:
        return False
    if len(ws) > 24:
        return False
    if text.isupper() or capitalised_share(text) >= 0.7:
        return True  # headline case
    if len(ws) > 14:
        return False
    if capitalised_share(text) >= 0.6:
        return True
    if position == 0 and ws[-1].casefold() not in FUNCTION_WORDS:
        return True  # a sentence-case title on the first line
    # short sentence-case headings ("Deep look", "What happens next")
    return len(ws) <= 6 and ws[-1].casefold() not in FUNCTION_WORDS


def is_sentence_like(text: str) -> bool:
    """Prose: enough words, and function words between them (a heading has few)."""
    ws = words(text)
    if len(ws) < 8:
        return False
    function = sum(1 for w in ws if w.casefold() in FUNCTION_WORDS)
    return function >= 2 and function / len(ws) >= 0.12


# ----------------------------------------------------------------------- TOP003


@dataclass(frozen=True)
class CutEnding:
    """Why a paragraph looks cut off, and the last words before the cut."""

    reason: str
    last_words: str


def cut_ending(text: str, position: int, open_quotation: bool = False) -> CutEnding | None:
    """How ``text`` (one paragraph) ends mid-sentence, or None when it ends properly.

    Headings, bullet items and label lines are never cut: they do not end in a
    full stop by design.
    """
    body = strip_end(text)
    if not body or is_bullet(body) or is_separator(body) or is_label(body):
        return None
    ws = words(body)
    tail = " ".join(ws[-4:])
    last = ws[-1].casefold() if ws else ""
    if body.endswith(("...", "…")):
        # a teaser cut by the page: "and the ..."; an ellipsis after a full word may be style
        if last in FUNCTION_WORDS and is_sentence_like(body):
            return CutEnding(f"breaks off with an ellipsis after “{ws[-1]}”", tail)
        return None
    if ends_a_sentence(body) or is_heading(body, position):
        return None
    if body[-1] in ",;—–-(":
        return CutEnding(f"ends on “{body[-1]}” in the middle of a sentence", tail)
    if open_quotation:
        return CutEnding("ends inside a quotation that never closes", tail)
    if last in FUNCTION_WORDS:
        return CutEnding(f"ends on “{ws[-1]}”, a word that cannot close a sentence", tail)
    if is_sentence_like(body):
        return CutEnding("ends without closing punctuation", tail)
    return None


# ----------------------------------------------------------------------- TOP002


@dataclass(frozen=True)
class Boilerplate:
    """A piece of page furniture inside a paragraph: offsets relative to the paragraph."""

    start: int
    end: int
    kind: str  # caption | navigation | byline | timestamp | kicker | dateline | header | separator
    strong: bool  # strong kinds are noise in any corpus; weak ones (datelines, kickers) are wire style


def line_boilerplate(text: str, position: int) -> list[Boilerplate]:
    """Page furniture in one paragraph: the whole line, or a prefix run into the text."""
    stripped = text.strip()
    if not stripped:
        return []
    ws = words(stripped)
    n = len(ws)
    whole = len(text)
    if is_separator(stripped):
        return [Boilerplate(0, whole, "separator", False)]
    sentence_end = ends_a_sentence(stripped)
    short = n <= 12
    if short and _CREDIT.search(stripped):
        return [Boilerplate(0, whole, "caption", True)]
    if short and _NAVIGATION.search(stripped) and not (sentence_end and n > 6):
        return [Boilerplate(0, whole, "navigation", True)]
    if n <= 14 and _BYLINE.match(stripped):
        return [Boilerplate(0, whole, "byline", True)]
    if n <= 12 and _TIMESTAMP.match(stripped) and not sentence_end:
        return [Boilerplate(0, whole, "timestamp", True)]
    found: list[Boilerplate] = []
    header = _separated_header(text)
    if header is not None:
        found.append(Boilerplate(0, header, "header", True))
    else:
        kicker = _KICKER.match(text)
        if kicker and _has_letters(kicker.group(1)) and len(words(kicker.group(1))) >= 1:
            found.append(Boilerplate(0, kicker.end(1), "kicker", False))
        elif position == 0 or n > 12:
            dateline = _DATELINE.match(text)
            if dateline and _looks_upper_place(dateline.group(1)):
                found.append(Boilerplate(0, dateline.end(1), "dateline", False))
    if not found and short and n >= 1 and stripped.isupper() and not sentence_end and _has_letters(stripped):
        found.append(Boilerplate(0, whole, "kicker", False))
    for match in _INLINE_CREDIT.finditer(text):
        found.append(Boilerplate(match.start(), match.end(), "caption", True))
    return found


def _has_letters(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 3


def _looks_upper_place(prefix: str) -> bool:
    first = words(prefix)[0] if words(prefix) else ""
    return first.isupper() and len(first) >= 3


def _separated_header(text: str) -> int | None:
    """End of a header glued in front of the text with separators ("Title \\ Site \\ Author \\ Text").

    Needs at least two separators, and every piece before the last separator
    short and not a sentence: titles, site names, places, names, editions.
    """
    cuts = list(_HEADER_SEPARATORS.finditer(text))
    if len(cuts) < 2:
        return None
    pieces_end = None
    previous = 0
    for cut in cuts:
        piece = text[previous : cut.start()]
        if len(words(piece)) > 14 or ends_a_sentence(piece):
            break
        pieces_end = cut.end()
        previous = cut.end()
    if pieces_end is None:
        return None
    used = sum(1 for c in cuts if c.end() <= pieces_end)
    return pieces_end if used >= 2 else None


def fold_line(text: str) -> str:
    """A line's identity for counting repeats across documents."""
    return " ".join(w.casefold() for w in words(text))
