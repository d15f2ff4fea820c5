"""A word-level view of a document for the attribution checks, and attribution cues.

:func:`view_of` builds, once per document, the words of the text with their
sentence, whether they sit inside a quotation, and their possessive-free form.
:func:`find_cues` finds the attribution cues ("Smith said", "said a spokesman",
"according to the ministry") in it. Everything is a single pass over the words:
the cost is linear in the length of the document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from copydesk import Document

from . import att_lexicon as lex

POSSESSIVE_ENDINGS = ("’s", "'s", "’S", "'S")


@dataclass(frozen=True, slots=True)
class Word:
    index: int
    start: int
    end: int
    text: str  # without a possessive ending
    lower: str
    sentence: int
    quoted: bool  # inside the content of a quotation
    possessive: bool
    initial: bool  # first word of its sentence (or of a heading or bullet)

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def all_caps(self) -> bool:
        return len(self.text) > 1 and self.text.isupper()


@dataclass(frozen=True, slots=True)
class Cue:
    """An attribution cue: a speech verb (or "according to") and who it names.

    ``speaker`` is ``named`` (a capitalised name), ``pronoun`` or ``noun`` (a
    common noun such as "spokesman" or "statement").
    """

    word: int  # index of the cue word
    last_word: int  # index of the last word of the cue ("pointed out" -> "out")
    sentence: int
    speaker: str
    speaker_word: int
    reporting: bool  # a verb that cites a source outright ("said", "according to")


@dataclass
class DocView:
    document: Document
    words: list[Word]
    sentence_words: list[range]  # words of each sentence
    lowercase_vocabulary: frozenset[str]  # words that occur in lower case in the text
    _cues: list[Cue] | None = field(default=None, repr=False)
    _word_starts: list[int] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.document.text

    def words_of_sentence(self, sentence: int) -> list[Word]:
        if 0 <= sentence < len(self.sentence_words):
            return [self.words[i] for i in self.sentence_words[sentence]]
        return []

    def is_ordinary_capitalised(self, word: Word) -> bool:
        """A capitalised word that is just an ordinary word at the start of a sentence."""
        if word.lower in lex.COMMON_CAPITALISED:
            return True
        return word.initial and word.lower in self.lowercase_vocabulary

    def is_name_like(self, word: Word) -> bool:
        """A capitalised word that may name a person, organisation or place."""
        if not word.capitalised or self.is_ordinary_capitalised(word):
            return False
        if word.initial and (word.lower in lex.SOURCE_NOUNS or word.lower in lex.GROUP_WORDS):
            return False  # "Officials said", "Experts argue": a common noun opening a sentence
        return word.lower not in lex.MONTHS and word.lower not in lex.DAYS

    def speaker_kind(self, word: Word) -> str | None:
        if word.lower in lex.SPEAKER_PRONOUNS and not (word.lower == "i" and word.quoted):
            return "pronoun"
        if self.is_name_like(word):
            return "named"
        if word.lower in lex.SOURCE_NOUNS or word.lower in lex.GROUP_WORDS or word.lower in lex.PERSON_NOUNS:
            return "noun"
        return None

    @property
    def word_starts(self) -> list[int]:
        if self._word_starts is None:
            self._word_starts = [w.start for w in self.words]
        return self._word_starts

    @property
    def cues(self) -> list[Cue]:
        if self._cues is None:
            self._cues = find_cues(self)
        return self._cues


def _strip_possessive(text: str) -> tuple[str, bool]:
    if len(text) > 2 and text.endswith(POSSESSIVE_ENDINGS):
        return text[:-2], True
    return text, False


_FRESH_START = re.compile(r"[:—•\n|\\]")


@lru_cache(maxsize=16)
def view_of(document: Document) -> DocView:
    """The word view of ``document`` (cached: the four checks share it)."""
    text = document.text
    sentences = document.sentences
    sentence_starts = [s.span.start for s in sentences]
    quotes = sorted((q.content.start, q.content.end) for q in document.quotations)
    words: list[Word] = []
    sentence_words: list[list[int]] = [[] for _ in sentences]
    q = 0
    for token in document.tokens:
        sentence = max(0, bisect_right(sentence_starts, token.start) - 1) if sentences else 0
        while q < len(quotes) and quotes[q][1] <= token.start:
            q += 1
        quoted = q < len(quotes) and quotes[q][0] <= token.start < quotes[q][1]
        stripped, possessive = _strip_possessive(token.text)
        initial = not sentence_words[sentence] if sentences else not words
        if not initial and words:
            # the first word after a heading colon, a dash or a bullet starts afresh
            initial = _FRESH_START.search(text, words[-1].end, token.start) is not None
        word = Word(len(words), token.start, token.end, stripped, stripped.lower(), sentence, quoted, possessive, initial)
        words.append(word)
        if sentences:
            sentence_words[sentence].append(word.index)
    lowercase = frozenset(w.lower for w in words if w.text[:1].islower())
    ranges = [range(ws[0], ws[-1] + 1) if ws else range(0) for ws in sentence_words]
    return DocView(document, words, ranges, lowercase)


# ------------------------------------------------------------------------------ cues

# How far a speaker may stand from a speech verb, in unquoted words of the sentence.
# Before the verb, the subject may be far ("Dean, a former party chairman, ...,
# tweeting"), so the whole clause is searched, nearest first. After the verb only an
# inverted subject counts, and only where inversion happens, right after a quotation
# or a comma ("“...,” said a 2008 campaign veteran"): anything else after the verb is
# its object ("urged China").
SPEAKER_BEFORE = 40
SPEAKER_AFTER_INVERSION = 5
SPEAKER_AFTER_PREPOSITION = 5
POSSESSOR_REACH = 3
POSSESSIVE_PRONOUNS = frozenset("his her their its our my".split())


def _matches_phrase(words: list[Word], i: int, phrase: tuple[str, ...]) -> bool:
    if i + len(phrase) > len(words):
        return False
    return all(words[i + k].lower == part and not words[i + k].quoted for k, part in enumerate(phrase))


def find_cues(view: DocView) -> list[Cue]:
    """Every attribution cue of the document outside quotations, in text order."""
    cues: list[Cue] = []
    for sentence, word_range in enumerate(view.sentence_words):
        unquoted = [view.words[i] for i in word_range if not view.words[i].quoted]
        for position in range(len(unquoted)):
            cue = _cue_at(view, unquoted, position, sentence)
            if cue is not None:
                cues.append(cue)
    return cues


def _inverted(view: DocView, unquoted: list[Word], position: int) -> bool:
    """Whether the verb at ``position`` stands where English inverts its subject."""
    verb = unquoted[position]
    if position == 0 and not verb.quoted:
        return True  # "Said Dorothy Poynter, who grew up nearby: “...”"
    previous_end = unquoted[position - 1].end if position > 0 else None
    gap_start = previous_end if previous_end is not None else view.text.rfind("\n", 0, verb.start) + 1
    gap = view.text[gap_start : verb.start]
    return any(mark in gap for mark in ",”\"’'—–:")


# The prepositional cues by their first word: most words start none of them, and trying
# each phrase at every word was the larger part of ATT001's time.
_PREPOSITIONAL_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in lex.PREPOSITIONAL_CUES:
    _PREPOSITIONAL_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


def _cue_at(view: DocView, unquoted: list[Word], position: int, sentence: int) -> Cue | None:
    word = unquoted[position]
    for phrase in _PREPOSITIONAL_BY_FIRST.get(word.lower, ()):
        if _matches_phrase(unquoted, position, phrase):
            last = position + len(phrase) - 1
            for k in range(last + 1, min(len(unquoted), last + 1 + SPEAKER_AFTER_PREPOSITION)):
                kind = view.speaker_kind(unquoted[k])
                if kind:
                    return Cue(word.index, unquoted[last].index, sentence, kind, unquoted[k].index, True)
            return None
    if word.lower in lex.SPEECH_NOUNS:
        return _possessed_speech(view, unquoted, position, sentence)
    last = position
    if word.lower in lex.PHRASAL_CUES:
        if not _matches_phrase(unquoted, position + 1, lex.PHRASAL_CUES[word.lower]):
            return None
        last = position + len(lex.PHRASAL_CUES[word.lower])
    elif word.lower not in lex.SPEECH_VERBS or word.possessive:
        return None
    reporting = word.lower in lex.REPORTING_VERBS
    if _inverted(view, unquoted, position):
        for k in range(last + 1, min(len(unquoted), last + 1 + SPEAKER_AFTER_INVERSION)):
            kind = view.speaker_kind(unquoted[k])
            if kind:
                return Cue(word.index, unquoted[last].index, sentence, kind, unquoted[k].index, reporting)
    for k in range(position - 1, max(-1, position - 1 - SPEAKER_BEFORE), -1):
        kind = view.speaker_kind(unquoted[k])
        if kind:
            return Cue(word.index, unquoted[last].index, sentence, kind, unquoted[k].index, reporting)
    return None


def _possessed_speech(view: DocView, unquoted: list[Word], position: int, sentence: int) -> Cue | None:
    """"Clinton's stock answer", "his reply": a speech noun with a possessor."""
    word = unquoted[position]
    for k in range(position - 1, max(-1, position - 1 - POSSESSOR_REACH), -1):
        before = unquoted[k]
        if before.possessive and view.speaker_kind(before):
            return Cue(word.index, word.index, sentence, view.speaker_kind(before) or "named", before.index, False)
        if before.lower in POSSESSIVE_PRONOUNS:
            return Cue(word.index, word.index, sentence, "pronoun", before.index, False)
    return None
