"""People's names in a document: runs of capitalised words, first references, and
surnames used before (or without) a full introduction.

A *name run* is a stretch of capitalised words ("Secretary of State Antony Blinken",
"Georgetown University", "Despite Lu's"). Leading ordinary words ("Despite") are
dropped; titles ("Secretary", "President") and organisation words ("University")
are told apart from the name parts. A run with two name parts, or a title and a
name part, *introduces* each of its name parts; a later run made of one bare name
part is a *surname reference*, which the news first-reference rule wants to come
after an introduction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import att_lexicon as lex
from .att_credit import DEFAULT_CREDIT_SOURCES
from .att_document import DocView, Word

_WHITESPACE = re.compile(r"\s+")
# Agencies and outlets take speech verbs and possessives like people ("Bloomberg reports").
_NEWS_ORGANISATIONS = frozenset(source.lower() for source in DEFAULT_CREDIT_SOURCES)
_INITIAL_GAP = re.compile(r"\.\s+")
_AMPERSAND_GAP = re.compile(r"\s*&\s*")
COORDINATORS = frozenset(("and",))
# Internal capitals that belong to surnames ("McDonald", "DeSantis", "O'Brien"); any
# other internal capital marks a brand or an outlet ("WikiLeaks", "PolitiFact").
_SURNAME_PREFIX_CAPITAL = re.compile(r"^(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|Fitz|O['’]|D['’])[A-Z]")


@dataclass(frozen=True, slots=True)
class NameRun:
    words: tuple[int, ...]  # every word of the run, leading ordinary words dropped
    parts: tuple[int, ...]  # the name parts: no titles, connectors or organisation words
    titles: tuple[int, ...]
    organisation: bool  # an organisation's name ("Renmin University", "Duff and Phelps")
    coordinated: bool = False  # joined by "and" or "&": two names or a firm's name

    @property
    def introduces(self) -> bool:
        """Whether the run is a full reference: two name parts, or a title and a name."""
        if self.organisation or self.coordinated or not self.parts:
            return False
        return len(self.parts) >= 2 or bool(self.titles)

    @property
    def bare(self) -> bool:
        return len(self.parts) == 1 and len(self.words) == 1


@dataclass(frozen=True, slots=True)
class SurnameReference:
    """A person called by one name with no full introduction before it."""

    word: Word
    evidence: str  # "speech verb", "inverted speech verb", "possessive", "spelled like an earlier name"
    full_name: str | None  # the full name introduced later, or a similar one introduced earlier
    full_name_offset: int | None
    misspelled: bool = False  # full_name is an earlier name spelled differently


def _joins(view: DocView, previous: Word, word: Word) -> bool:
    """Whether ``word`` continues the run that ``previous`` ends."""
    if previous.possessive or previous.sentence != word.sentence or previous.quoted != word.quoted:
        return False
    gap = view.text[previous.end : word.start]
    if _WHITESPACE.fullmatch(gap) or _AMPERSAND_GAP.fullmatch(gap):
        return True
    # "Mr. Smith", "John F. Kennedy": a full stop after an initial or a title
    is_initial = len(previous.text) == 1 and previous.text.isupper()
    return bool(_INITIAL_GAP.fullmatch(gap)) and (is_initial or previous.lower in lex.NAME_ABBREVIATIONS)


def name_runs(view: DocView) -> list[NameRun]:
    """The runs of capitalised words of the document, in text order."""
    runs: list[NameRun] = []
    current: list[Word] = []

    def flush() -> None:
        while current and (current[-1].lower in lex.NAME_CONNECTORS or current[-1].lower in COORDINATORS):
            current.pop()
        if current:
            run = _classify(view, current)
            if run is not None:
                runs.append(run)
        current.clear()

    for word in view.words:
        is_capital = word.capitalised
        is_connector = (
            (word.lower in lex.NAME_CONNECTORS or word.lower in COORDINATORS)
            and bool(current)
            and not word.capitalised
        )
        if not (is_capital or is_connector):
            flush()
            continue
        if current and not _joins(view, current[-1], word):
            flush()
            if not is_capital:
                continue
        current.append(word)
    flush()
    return runs


def _classify(view: DocView, words: list[Word]) -> NameRun | None:
    # drop ordinary words opening a sentence ("Despite Lu's assertion")
    start = 0
    while (
        start < len(words)
        and view.is_ordinary_capitalised(words[start])
        and words[start].lower not in lex.TITLES  # "President Reagan" opening a sentence
    ):
        start += 1
    kept = words[start:]
    if not kept or all(w.all_caps and "." not in w.text for w in kept):
        return None  # acronyms and all-capital datelines or headings are not people
    parts, titles = [], []
    coordinated = any(w.lower in COORDINATORS for w in kept) or any(
        _AMPERSAND_GAP.fullmatch(view.text[a.end : b.start]) and "&" in view.text[a.end : b.start]
        for a, b in zip(kept, kept[1:])
    )
    for w in kept:
        if (w.lower in lex.NAME_CONNECTORS or w.lower in COORDINATORS) and not w.capitalised:
            continue
        if w.lower in lex.TITLES:
            titles.append(w.index)
        elif w.lower in lex.ORGANISATION_WORDS or w.lower in lex.MONTHS or w.lower in lex.DAYS:
            continue
        elif w.capitalised and (not w.all_caps or "." in w.text):
            parts.append(w.index)  # initials ("H.W. Lichtenberger") are name parts
    organisation = kept[-1].lower in lex.ORGANISATION_WORDS or (
        # "Office of Management and Budget", "Department of Trade and Industry"
        kept[0].lower in lex.ORGANISATION_WORDS and len(kept) > 1 and kept[1].lower == "of"
    ) or (coordinated and any(w.lower in lex.ORGANISATION_WORDS for w in kept))
    return NameRun(tuple(w.index for w in kept), tuple(parts), tuple(titles), organisation, coordinated)


@dataclass
class NameIndex:
    """Where each name is introduced, and which names are not people."""

    runs: list[NameRun]
    first_introduction: dict[str, NameRun]  # lower-case name part -> first full run
    not_people: frozenset[str]  # lower-case names seen in organisation runs or after "the"
    coordinated: frozenset[str] = frozenset()  # names seen joined by "and" or "&"


def name_index(view: DocView) -> NameIndex:
    runs = name_runs(view)
    first: dict[str, NameRun] = {}
    not_people: set[str] = set()
    coordinated: set[str] = set()
    for run in runs:
        if run.organisation:
            not_people.update(view.words[i].lower for i in run.words)
            continue
        if run.coordinated:
            # "Duff and Phelps said" could be a firm or two people: never flag its names
            coordinated.update(view.words[i].lower for i in run.words)
            continue
        if run.introduces:
            for i in run.parts:
                first.setdefault(view.words[i].lower, run)
    for k, word in enumerate(view.words[1:], start=1):
        before = view.words[k - 1]
        if word.capitalised and before.lower == "the" and _joins(view, before, word):
            not_people.add(word.lower)  # "the Kremlin", "the Pentagon"
    return NameIndex(runs, first, frozenset(not_people), frozenset(coordinated))


def run_text(view: DocView, run: NameRun) -> str:
    first, last = view.words[run.words[0]], view.words[run.words[-1]]
    return view.text[first.start : last.end]


def _could_be_surname(view: DocView, word: Word, index: NameIndex) -> bool:
    lower = word.lower
    if word.all_caps or len(word.text) < 2 or not word.text[0].isupper():
        return False
    if re.match(r"^[A-Z]-", word.text):
        return False  # party and state tags: "(R-Utah)", "D-Cal"
    if any(c.isupper() for c in word.text[1:]) and not _SURNAME_PREFIX_CAPITAL.match(word.text):
        return False  # "WikiLeaks", "PolitiFact": brands and outlets
    if re.match(r"\.[a-z]{2,}", view.text[word.end : word.end + 6]):
        return False  # "Factcheck.org": a web address
    if re.search(r"['’][a-z]{1,2}$", word.text):
        return False  # "I've", "I'm": contractions
    if word.index > 0:
        before = view.words[word.index - 1]
        if before.sentence == word.sentence and view.text[before.end : word.start].isspace():
            if before.lower in PLACE_PREPOSITIONS or before.lower in lex.ORGANISATION_DESCRIPTORS:
                return False  # "a spokesman for Disney said", "the newspaper Haaretz noted"
    if lower in lex.PLACES or lower in lex.MONTHS or lower in lex.DAYS or lower in lex.GROUP_WORDS:
        return False
    if lower in lex.COMMON_CAPITALISED or lower in lex.ORGANISATION_WORDS or lower in lex.TITLES:
        return False
    if lower in lex.SOURCE_NOUNS or lower in lex.VAGUE_SOURCE_NOUNS:
        return False
    if lower in view.lowercase_vocabulary or lower in index.not_people or lower in index.coordinated:
        return False
    if lower in _NEWS_ORGANISATIONS:
        return False
    return True


def _person_evidence(view: DocView, word: Word) -> str | None:
    """Why a bare capitalised word is taken for a person, if it is.

    ``possessive`` ("Smith's remarks") is strong evidence; a speech verb ("Smith
    said", "said Smith.") is shared with organisations ("Gencorp said its ..."), so
    :func:`surname_references` asks more of it.
    """
    sentence = [w for w in view.words_of_sentence(word.sentence) if not w.quoted]
    position = next((k for k, w in enumerate(sentence) if w.index == word.index), None)
    if position is None:
        return None
    following = sentence[position + 1 :]
    if word.possessive:
        if following and following[0].lower in lex.PERSONAL_POSSESSIONS:
            return "possessive"
        return None
    # "Smith said", "Smith also told" (not "Smith, who ..., said": that verb may be anyone's)
    if following and not view.text[word.end : following[0].start].isspace():
        following = []
    for k, w in enumerate(following[:3]):
        if w.lower in lex.REPORTING_VERBS and not w.possessive:
            after = following[k + 1].lower if k + 1 < len(following) else ""
            return None if after in ("it", "its") else "speech verb"  # "Gencorp said its ..."
        if w.lower not in lex.VERB_BRIDGE:
            break
    # "said Smith."
    if position >= 1:
        before = sentence[position - 1]
        after = view.text[word.end : word.end + 2].lstrip()
        ends_clause = not after or after[0] in ",.;:!?)—–"
        if ends_clause and before.lower in lex.REPORTING_VERBS:
            return "inverted speech verb"
    return None


# A bare name right after these is a place or an organisation far more often than a
# person ("the cities of Blackpool and Liverpool said", "the ministry in Bonn said").
PLACE_PREPOSITIONS = frozenset("of for at from in by with".split())

# How many sentences after a bare name a personal pronoun must come to vouch that the
# name is a person's, not a company's.
PRONOUN_REACH = 2
PERSONAL_PRONOUNS = frozenset("he she his her him hers himself herself".split())


def _personal_pronoun_follows(view: DocView, word: Word) -> bool:
    last_sentence = word.sentence + PRONOUN_REACH
    for w in view.words[word.index + 1 :]:
        if w.sentence > last_sentence:
            return False
        if not w.quoted and w.lower in PERSONAL_PRONOUNS:
            return True
    return False


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning ``limit + 1``) past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _similar_introduction(view: DocView, index: NameIndex, word: Word) -> NameRun | None:
    """An earlier full name with a part spelled like ``word`` ("Beesely" for "Beesley")."""
    if len(word.lower) < 4:
        return None
    for name, run in index.first_introduction.items():
        if view.words[run.words[0]].start >= word.start or name[0] != word.lower[0] or len(name) < 4:
            continue
        if _edit_distance(name, word.lower, 2) <= (1 if len(name) < 6 else 2):
            return run
    return None


def _is_headline(view: DocView, word: Word) -> bool:
    """Headlines use bare surnames by convention: a short first paragraph."""
    paragraphs = view.document.paragraphs
    if len(paragraphs) < 2 or not paragraphs[0].span.start <= word.start < paragraphs[0].span.end:
        return False
    return len(paragraphs[0].text.split()) <= HEADLINE_WORDS


HEADLINE_WORDS = 25


def surname_references(view: DocView, index: NameIndex | None = None) -> list[SurnameReference]:
    """Bare names used for a person before any full introduction (first per name).

    A name counts as a person's when it takes a possessive of a personal noun
    ("Lu's assertion"), is spelled like a person introduced earlier, or takes a
    speech verb with "he" or "she" close after it (a company takes "it").
    """
    index = index or name_index(view)
    reported: set[str] = set()
    results: list[SurnameReference] = []
    for run in index.runs:
        if not run.bare:
            continue
        word = view.words[run.words[0]]
        if word.quoted or word.lower in reported or _is_headline(view, word):
            continue
        introduction = index.first_introduction.get(word.lower)
        if introduction is not None and view.words[introduction.words[0]].start < word.start:
            continue
        if not _could_be_surname(view, word, index):
            continue
        evidence = _person_evidence(view, word)
        if evidence is None:
            continue
        similar = _similar_introduction(view, index, word) if introduction is None else None
        if similar is not None:
            evidence = "spelled like an earlier name"
        elif evidence != "possessive" and introduction is None and not _personal_pronoun_follows(view, word):
            continue
        reported.add(word.lower)
        shown = introduction or similar
        results.append(
            SurnameReference(
                word,
                evidence,
                run_text(view, shown) if shown is not None else None,
                view.words[shown.words[0]].start if shown is not None else None,
                similar is not None,
            )
        )
    return results


def has_person_before(view: DocView, index: NameIndex, offset: int) -> bool:
    """Whether a person is mentioned before ``offset`` (an antecedent for he or she)."""
    for run in index.runs:
        if view.words[run.words[0]].start >= offset:
            break
        if run.organisation:
            continue
        for i in run.parts:
            w = view.words[i]
            if w.lower not in lex.PLACES and w.lower not in index.not_people:
                return True
    for word in view.words:
        if word.start >= offset:
            break
        if word.lower in lex.PERSON_NOUNS:
            return True
    return False
