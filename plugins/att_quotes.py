"""Who said each quotation: the attribution of direct quotes (used by ATT001).

A quotation is attributed when an attribution cue (see
:func:`copydesk.plugins.att_document.find_cues`) stands in a sentence it overlaps,
or in the sentence just before or just after it within the same paragraph (a quote
opening a new paragraph needs its own attribution: news style attributes every new
quote paragraph unless it continues the same speaker's quote; option
``previous_paragraph_cue`` also accepts a cue ending the paragraph before); when a colon introduces it after a speaker ("Cruz called them on it:");
or through the paragraph's attribution chain: a quotation continuing an attributed
quotation of the same paragraph, or opening a paragraph right after a paragraph
with an attributed quotation (news style runs a speaker's quotes over several
paragraphs and names the speaker once).

Quotations of a few words (scare quotes), titles in quotes and named phrases ("the
so-called “deal of the century”") are not quotations of anyone and are skipped.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

# a copydesk Quotation (doc.quotations): span, content, text, closed
Quotation = Any

from . import att_lexicon as lex
from .att_document import Cue, DocView

_CONTENT_WORD = re.compile(r"[^\W_]+")
_TITLE_SMALL_WORDS = frozenset("a an the of and or in on at to for with by from as vs nor but".split())
MAX_TITLE_WORDS = 12


@dataclass(frozen=True, slots=True)
class QuoteAttribution:
    quotation: Quotation
    words: int
    status: str  # attributed, unattributed, short, title, mention
    how: str = ""  # which rule attributed it
    cue: Cue | None = None

    @property
    def checked(self) -> bool:
        return self.status in ("attributed", "unattributed")


def _is_title(text: str) -> bool:
    """Title case or capitals throughout: a title or heading, not speech."""
    words = _CONTENT_WORD.findall(text)
    if not words or len(words) > MAX_TITLE_WORDS:
        return False
    significant = [w for w in words if w.lower() not in _TITLE_SMALL_WORDS] or words
    return all(w[0].isupper() or w[0].isdigit() for w in significant)


# Words written with a leading apostrophe, which a text model may take for an
# opening single quote ("how ‘bout", "rock ‘n’ roll", "the ‘90s").
ELISIONS = frozenset("bout em til till cause cos n tis twas round nuff scuse".split())


def _is_misread_apostrophe(text: str, quotation: Quotation) -> bool:
    """A single "quotation" that opens mid-word ("Obama‘s") or at an elision."""
    start = quotation.span.start
    if text[start] not in "‘'":
        return False
    if start > 0 and text[start - 1].isalnum():
        return True
    first = _CONTENT_WORD.search(quotation.text)
    return bool(first) and (first.group().lower() in ELISIONS or first.group()[0].isdigit())


def _is_mention(view: DocView, quotation: Quotation) -> bool:
    """Whether words just before the quotation name it ("known as “...”")."""
    before = _words_before(view, quotation.span.start, 3)
    if not before:
        return False
    if before[-1].lower in lex.NAMING_WORDS:
        return True
    lowers = tuple(w.lower for w in before)
    return any(lowers[-len(p) :] == p for p in lex.NAMING_PHRASES)


def _words_before(view: DocView, offset: int, count: int) -> list:
    """The ``count`` words that end before ``offset``."""
    starts = view.word_starts
    end = bisect_left(starts, offset)
    return view.words[max(0, end - count) : end]


_DASH_SIGNATURE = re.compile(r"[ \t]*[—―–-]+[ \t]*(?:[A-Z@]|by\s)")


def _dash_signed(view: DocView, quotation: Quotation) -> bool:
    """"“...” ― Oscar Quintero", "“...” - @someone": a signature after the quote."""
    return bool(_DASH_SIGNATURE.match(view.text, quotation.span.end))


def _colon_introduces(view: DocView, quotation: Quotation) -> bool:
    """"Cruz called them on it: “...”": a colon after a speaker opens the quote."""
    text = view.text
    i = quotation.span.start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    if i < 0 or text[i] != ":":
        return False
    before = _words_before(view, i + 1, 1)
    if not before:
        return False
    sentence = before[-1].sentence
    return any(
        view.speaker_kind(w) is not None
        for w in view.words_of_sentence(sentence)
        if w.end <= i and not w.quoted
    )


def attribute_quotations(
    view: DocView, min_words: int = 4, previous_paragraph_cue: bool = False
) -> list[QuoteAttribution]:
    """Each quotation of the document with whether and how it is attributed."""
    document = view.document
    sentences = document.sentences
    sentence_starts = [s.span.start for s in sentences]
    sentence_ends = [s.span.end for s in sentences]
    cues_by_sentence: dict[int, list[Cue]] = {}
    for cue in view.cues:
        cues_by_sentence.setdefault(cue.sentence, []).append(cue)
    paragraphs = document.paragraphs
    paragraph_starts = [p.span.start for p in paragraphs]
    attributed_paragraphs: set[int] = set()
    results: list[QuoteAttribution] = []

    for quotation in document.quotations:
        if _is_misread_apostrophe(view.text, quotation):
            continue
        words = len(_CONTENT_WORD.findall(quotation.text))
        if words < min_words:
            results.append(QuoteAttribution(quotation, words, "short"))
            continue
        if _is_title(quotation.text):
            results.append(QuoteAttribution(quotation, words, "title"))
            continue
        if _is_mention(view, quotation):
            results.append(QuoteAttribution(quotation, words, "mention"))
            continue
        first_sentence = max(0, bisect_right(sentence_starts, quotation.span.start) - 1)
        last_sentence = max(first_sentence, bisect_left(sentence_ends, quotation.span.end))
        last_sentence = min(last_sentence, len(sentences) - 1)
        first_paragraph = max(0, bisect_right(paragraph_starts, quotation.span.start) - 1)
        last_paragraph = max(0, bisect_right(paragraph_starts, max(quotation.span.end - 1, 0)) - 1)

        how, cue = _attribution(
            view, quotation, sentences, cues_by_sentence, first_sentence, last_sentence,
            first_paragraph, paragraph_starts, attributed_paragraphs, previous_paragraph_cue,
        )
        if how:
            attributed_paragraphs.update(range(first_paragraph, last_paragraph + 1))
            results.append(QuoteAttribution(quotation, words, "attributed", how, cue))
        else:
            results.append(QuoteAttribution(quotation, words, "unattributed"))
    return results


def _attribution(view, quotation, sentences, cues_by_sentence, first, last,
                 paragraph, paragraph_starts, attributed_paragraphs,
                 previous_paragraph_cue) -> tuple[str, Cue | None]:
    if not sentences:
        return "", None
    for s in range(first, last + 1):
        if cues_by_sentence.get(s):
            return "cue in the same sentence", cues_by_sentence[s][0]
    # the sentence before counts within the paragraph; across a paragraph break a new
    # quote needs its own attribution (or continues an attributed quote, below)
    same_paragraph = first > 0 and sentences[first - 1].paragraph == sentences[first].paragraph
    if first > 0 and cues_by_sentence.get(first - 1) and (same_paragraph or previous_paragraph_cue):
        return "cue in the sentence before", cues_by_sentence[first - 1][0]
    following = last + 1
    if following < len(sentences) and sentences[following].paragraph == sentences[last].paragraph:
        if cues_by_sentence.get(following):
            return "cue in the sentence after", cues_by_sentence[following][0]
    if _colon_introduces(view, quotation):
        return "colon after a speaker", None
    if _dash_signed(view, quotation):
        return "signed after a dash", None
    if paragraph in attributed_paragraphs:
        return "continues an attributed quotation of the paragraph", None
    opens_paragraph = view.text[paragraph_starts[paragraph] : quotation.span.start].strip() == ""
    if opens_paragraph and paragraph - 1 in attributed_paragraphs:
        return "continues the previous paragraph's attributed quotation", None
    return "", None
