"""Text structure shared by all checks: paragraphs, sentences, quotations, tokens.

Each function takes the document text and returns tuples of small records carrying
character offsets into that text. :class:`copydesk.Document` computes each view once,
on first use, so every check sees the same segmentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Span

# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Paragraph:
    index: int
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    paragraph: int
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Quotation:
    """A direct quotation.

    ``span`` includes the quotation marks, ``content`` only the quoted words. A
    quotation that runs over several paragraphs (news style: each paragraph opens
    with a quote mark, only the last one closes) is one quotation; ``closed`` is
    False when the closing mark never came.
    """

    span: Span
    content: Span
    text: str
    closed: bool = True

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))


# ----------------------------------------------------------------------- paragraphs

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"[^\n]+")
_SENTENCE_END_CHARS = ".!?…:\"”’)»"


def _looks_hard_wrapped(text: str) -> bool:
    """Prose wrapped at a fixed width: paragraphs are separated by blank lines.

    A text is taken as hard-wrapped when it has blank lines and most of its
    non-blank lines run on into the next line (they do not end a sentence).
    """
    if not _BLANK_LINE.search(text):
        return False
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if len(lines) < 3:
        return False
    running_on = sum(1 for line in lines if line[-1] not in _SENTENCE_END_CHARS)
    return running_on / len(lines) >= 0.4


def _wrapped_without_blank_lines(text: str) -> bool:
    """Prose wrapped at a fixed width with no blank lines between paragraphs."""
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if len(lines) < 4:
        return False
    width = max(len(line) for line in lines)
    if width > 100:
        return False
    running_on = sum(1 for line in lines if line[-1] not in _SENTENCE_END_CHARS)
    full = sum(1 for line in lines if len(line) >= 0.8 * width)
    return running_on / len(lines) >= 0.5 and full / len(lines) >= 0.5


def _join_wrapped_lines(text: str) -> list[tuple[int, int]]:
    """Paragraph ranges of wrapped text: a paragraph ends at a short line that ends a
    sentence, or before an indented line."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text)]
    width = max(len(text[s:e].rstrip()) for s, e in lines)
    pieces: list[tuple[int, int]] = []
    start = None
    for index, (s, e) in enumerate(lines):
        if start is None:
            start = s
        line = text[s:e].rstrip()
        nxt = text[lines[index + 1][0]:lines[index + 1][1]] if index + 1 < len(lines) else ""
        ends_paragraph = (
            (line and line[-1] in _SENTENCE_END_CHARS and len(line) < 0.75 * width)
            or nxt[:1] in (" ", "\t")
            or not nxt
        )
        if ends_paragraph:
            pieces.append((start, e))
            start = None
    return pieces


def split_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Paragraphs with their spans (surrounding whitespace excluded).

    Each non-blank line is a paragraph, which is how scraped and wire text comes;
    hard-wrapped prose (blank lines between paragraphs, lines running on) is split
    at blank lines instead.
    """
    if not _BLANK_LINE.search(text) and _wrapped_without_blank_lines(text):
        pieces = _join_wrapped_lines(text)
    elif _looks_hard_wrapped(text):
        pieces = []
        start = 0
        for match in _BLANK_LINE.finditer(text):
            pieces.append((start, match.start()))
            start = match.end()
        pieces.append((start, len(text)))
    else:
        pieces = [(m.start(), m.end()) for m in _LINE.finditer(text)]
    result = []
    for start, end in pieces:
        chunk = text[start:end]
        stripped_left = len(chunk) - len(chunk.lstrip())
        stripped_right = len(chunk) - len(chunk.rstrip())
        s, e = start + stripped_left, end - stripped_right
        if s < e:
            result.append(Paragraph(len(result), Span(s, e), text[s:e]))
    return tuple(result)


# ------------------------------------------------------------------------ sentences

# Abbreviations after which a full stop never ends a sentence: titles and the like
# always stand before a name.
_TITLES = frozenset(
    "mr mrs ms dr prof sen rep gov gen lt col maj capt sgt cpl adm cmdr st fr rev hon "
    "pres supt insp det messrs mme mlle sr jr vs v cf".split()
)
# Abbreviations that may end a sentence; a following capitalised word only starts a
# new sentence when it is a common sentence opener.
_ABBREVIATIONS = frozenset(
    "inc corp co ltd plc llc bros no nos fig figs approx est dept univ assn ave blvd rd "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri "
    "sat sun etc al eg ie viz ca mt ft".split()
)
_OPENERS = frozenset(
    "the a an it he she they we i you this that these those there here his her their its "
    "our my but and or so yet in on at for from with by as if when while after before "
    "since although though however meanwhile also still then now some many most all one "
    "no not what who why how where".split()
)
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’)\]»]*)(\s+)(?=[\"'“‘(\[«]?[\w\"'“‘(])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_NEXT_WORD = re.compile(r"[\"'“‘(\[«]?(\w+)")


def _is_boundary(text: str, match: re.Match) -> bool:
    punct = match.group(1)
    if punct != ".":
        return True
    next_char_index = match.end()
    following = _NEXT_WORD.match(text, next_char_index)  # at a position: no copy of the rest of the text
    next_word = following.group(1) if following else ""
    if next_word and next_word[0].islower():
        return False
    # only the last word matters: look back a bounded distance (keeps this linear)
    before = _WORD_BEFORE.search(text, max(0, match.start() - 64), match.start())
    if not before:
        return True
    word = before.group(1)
    bare = word.replace(".", "").lower()
    if match.group(2):  # closing quote or bracket after the stop: a real end
        return True
    if bare in _TITLES and "." not in word:
        return False
    is_initialism = "." in word or (len(word) == 1 and word.isupper())
    if is_initialism or bare in _ABBREVIATIONS:
        return next_word.lower() in _OPENERS
    return True


def split_sentences(text: str, paragraphs: tuple[Paragraph, ...]) -> tuple[Sentence, ...]:
    """Sentences inside each paragraph; robust to "U.S.", "Dr." and initials."""
    result: list[Sentence] = []
    for paragraph in paragraphs:
        start = paragraph.span.start
        end = paragraph.span.end
        for match in _BOUNDARY.finditer(text, start, end):
            if not _is_boundary(text, match):
                continue
            stop = match.start(3)
            if stop > start:
                result.append(Sentence(len(result), paragraph.index, Span(start, stop), text[start:stop]))
            start = match.end()
        if start < end:
            result.append(Sentence(len(result), paragraph.index, Span(start, end), text[start:end]))
    return tuple(result)


# ---------------------------------------------------------------------- quotations

_WORD = re.compile(r"[^\W_]+")
_OPEN_DOUBLE = "“„«"
_CLOSE_DOUBLE = "”»"


def _straight_opens(text: str, i: int) -> bool:
    """Whether a straight quote at ``i`` opens a quotation (by its neighbours)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace():
        return False
    return before.isspace() or before in "([{—–-/:;,“‘" or i == 0


def find_quotations(text: str) -> tuple[Quotation, ...]:
    """Direct quotations in double quotes (curly or straight) and single quotes.

    Single quotes count only where they cannot be apostrophes: an opening mark at a
    word start and a closing mark not followed by a letter.
    """
    quotes: list[Quotation] = []
    n = len(text)
    i = 0
    open_at = -1
    open_mark = ""

    def close(start: int, end_of_content: int, end: int, closed: bool) -> None:
        content = Span(start + 1, max(start + 1, end_of_content))
        quotes.append(Quotation(Span(start, end), content, text[content.start : content.end], closed))

    while i < n:
        ch = text[i]
        if open_at < 0:
            if ch in _OPEN_DOUBLE or (ch == '"' and _straight_opens(text, i)):
                open_at, open_mark = i, ch
            elif (ch == "‘" or ch == "'") and _straight_opens(text, i):
                if i + 1 < n and text[i + 1].isalnum() or (i + 1 < n and text[i + 1] in "“\""):
                    open_at, open_mark = i, ch
            i += 1
            continue
        # inside a quotation
        if ch == "\n":
            # a quote running into the next paragraph continues when that paragraph
            # opens with a quote mark of the same kind; otherwise it was never closed
            j = i
            while j < n and text[j].isspace():
                j += 1
            nxt = text[j] if j < n else ""
            same_kind = (
                (open_mark in _OPEN_DOUBLE + '"' and (nxt in _OPEN_DOUBLE or nxt == '"'))
                or (open_mark in "‘'" and nxt in "‘'")
            )
            if same_kind and open_mark not in "‘'":
                i = j + 1
                continue
            # an unclosed double quote ends with its paragraph; an unclosed single
            # mark was an apostrophe or elision ("‘90s"), not a quotation
            if open_mark not in "‘'":
                end = i
                while end > open_at + 1 and text[end - 1].isspace():
                    end -= 1
                close(open_at, end, end, closed=False)
            open_at = -1
            i += 1
            continue
        if open_mark in _OPEN_DOUBLE or open_mark == '"':
            if ch in _CLOSE_DOUBLE or (ch == '"' and i > open_at + 1):
                close(open_at, i, i + 1, closed=True)
                open_at = -1
        else:
            if ch in "’'":
                after = text[i + 1] if i + 1 < n else " "
                if not after.isalnum():
                    close(open_at, i, i + 1, closed=True)
                    open_at = -1
        i += 1
    if open_at >= 0 and open_mark not in "‘'":
        end = n
        while end > open_at + 1 and text[end - 1].isspace():
            end -= 1
        close(open_at, end, end, closed=False)
    return tuple(q for q in quotes if q.content.end > q.content.start)


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,:]\d+)*%?|[^\W\d_]+(?:['’\-][^\W\d_]+)*|[^\W_]+")


def tokenize(text: str) -> tuple[Token, ...]:
    """Word and number tokens with their offsets (punctuation is not a token).

    "8,000" and "U.S." stay one token each; "don’t" and "Russia-North" too.
    """
    return tuple(Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text))
