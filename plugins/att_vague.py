"""Claims pinned on unnamed people (used by ATT003).

Four patterns, matched on the words outside quotations:

* a vague group as the subject of a claim verb: "experts say", "some argue",
  "analysts point out", "critics have long argued", "sources familiar with the
  matter said" ("officials" and "people" only with a quantifier or "familiar with":
  "officials said" is ordinary wire attribution to a named body's staff);
* impersonal hearsay: "it is believed that", "it was widely reported that", and
  the passive "is said to", "are thought to";
* "there are reports that", "there is speculation that";
* "according to experts", "according to some analysts", "according to reports".

A match is vague unless a named source (an attribution cue whose speaker is a
capitalised name) stands in the same sentence or the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import att_lexicon as lex
from .att_document import DocView, Word

QUANTIFIERS = frozenset(
    "some many most several certain other few numerous various unnamed anonymous".split()
)
# Words before a group noun that make it an object, not the subject of a claim.
OBJECT_MARKERS = frozenset("to with of for among by from than told asked about against".split())
# "sources familiar with the matter", "people close to the negotiations"
POSTMODIFIERS: tuple[tuple[str, ...], ...] = (
    ("familiar", "with"),
    ("close", "to"),
    ("briefed", "on"),
    ("with", "knowledge", "of"),
    ("who", "spoke"),
    ("who", "asked"),
    ("who", "declined"),
    ("speaking", "on"),
)
POSTMODIFIER_REACH = 8
BRIDGE_REACH = 3
HEARSAY_BRIDGE = frozenset("widely generally commonly also now long often increasingly".split())
NATIONALITY_ENDINGS = ("an", "ese", "ish", "ch", "i", "ern")
PASSIVE_BE = frozenset("is are was were".split())
# "most often described" is an adverb; "some have argued" a subject.
PRONOUN_HEAD_BRIDGES = frozenset("have had also still would will".split())
WEAK_HEARSAY = frozenset("expected assumed suggested argued".split())
# After "some", "many" or "others" standing alone, only unmistakable verbs: "some
# argue", but not "some reasons" or "some state officials".
PRONOUN_HEAD_VERBS = frozenset(
    """
    say said argue argued believe believed think thought fear feared contend contended insist
    insisted claim claimed suggest suggested worry worried feel felt predict predicted
    speculate speculated wonder wondered expect expected question questioned doubt doubted
    suspect suspected see saw view viewed stress stressed warn warned maintain maintained
    agree agreed note noted point pointed consider considered calling call called describe
    described
    """.split()
)


@dataclass(frozen=True, slots=True)
class VagueSource:
    first: Word
    last: Word
    kind: str  # group, hearsay, passive hearsay, there are reports, according to

    def words(self) -> range:
        return range(self.first.index, self.last.index + 1)


def vague_sources(view: DocView) -> list[VagueSource]:
    found: list[VagueSource] = []
    for word_range in view.sentence_words:
        words = [view.words[i] for i in word_range if not view.words[i].quoted]
        taken_until = -1
        for k in range(len(words)):
            if k <= taken_until:
                continue
            match = (
                _according_to(words, k)
                or _group_claim(view.text, words, k)
                or _hearsay(words, k)
                or _there_are_reports(words, k)
            )
            if match is not None:
                found.append(match)
                taken_until = next(i for i, w in enumerate(words) if w.index == match.last.index)
    return found


def _phrase_at(words: list[Word], k: int, phrase: tuple[str, ...]) -> bool:
    return k + len(phrase) <= len(words) and all(words[k + i].lower == p for i, p in enumerate(phrase))


def _adjacent(text: str, before: Word, after: Word) -> bool:
    return text[before.end : after.start].isspace()


def _group_start(text: str, words: list[Word], k: int) -> tuple[int, bool] | None:
    """Where the vague group ending at ``words[k]`` starts, and whether it has a quantifier."""
    start = k
    quantified = False
    while start > 0 and _adjacent(text, words[start - 1], words[start]):
        before = words[start - 1]
        if before.lower in QUANTIFIERS:
            quantified = True
        elif before.lower in lex.VAGUE_MODIFIERS:
            pass
        elif before.capitalised and not before.initial and before.lower.endswith(NATIONALITY_ENDINGS):
            pass  # "Chinese experts", "Western diplomats"
        else:
            break
        start -= 1
    if start > 0 and _adjacent(text, words[start - 1], words[start]):
        before = words[start - 1]
        if before.lower in OBJECT_MARKERS or before.lower in lex.SPEECH_VERBS:
            return None  # "told analysts", "with experts": not the subject
        if before.capitalised and not before.initial and not before.lower.endswith(NATIONALITY_ENDINGS):
            return None  # "Goldman analysts", "Pentagon officials": pinned on a named body
        if before.possessive:
            return None  # "Smith's critics": pinned on a person
    return start, quantified


def _group_claim(text: str, words: list[Word], k: int) -> VagueSource | None:
    head = words[k]
    if head.lower not in lex.VAGUE_SOURCE_NOUNS or head.possessive:
        return None
    group = _group_start(text, words, k)
    if group is None:
        return None
    start, quantified = group
    pronoun_head = head.lower in QUANTIFIERS or head.lower == "others"
    if pronoun_head and start != k:
        return None  # "some other ..." handled at the noun
    if pronoun_head and k > 0 and (words[k - 1].lower.endswith("ing") or words[k - 1].lower in OBJECT_MARKERS):
        return None  # "causing some worry": an object, not a subject
    m = k + 1
    postmodified = False
    for phrase in POSTMODIFIERS:
        if _phrase_at(words, m, phrase):
            postmodified = True
            # skip the rest of the postmodifier up to its claim verb
            for reach in range(m + len(phrase), min(len(words), m + len(phrase) + POSTMODIFIER_REACH)):
                if words[reach].lower in lex.CLAIM_VERBS and reach > m + len(phrase):
                    return VagueSource(words[start], words[reach], "group")
            return None
    if head.lower in lex.NEEDS_MODIFIER and not quantified and not postmodified:
        return None
    bridged = 0
    bridges = PRONOUN_HEAD_BRIDGES if pronoun_head else lex.BRIDGE_WORDS
    while (
        m < len(words)
        and words[m].lower in bridges
        and bridged < BRIDGE_REACH
        and _adjacent(text, words[m - 1], words[m])
    ):
        m += 1
        bridged += 1
    if m >= len(words) or not _adjacent(text, words[m - 1], words[m]):
        return None  # "quoting official sources, said ...": the verb is not theirs
    verb = words[m]
    if verb.lower in lex.PHRASAL_CUES and _phrase_at(words, m + 1, lex.PHRASAL_CUES[verb.lower]):
        return VagueSource(words[start], words[m + len(lex.PHRASAL_CUES[verb.lower])], "group")
    if pronoun_head and verb.lower not in PRONOUN_HEAD_VERBS:
        return None  # "some reasons", "some state officials": a quantifier, not a subject
    if verb.lower in lex.CLAIM_VERBS and not verb.possessive:
        return VagueSource(words[start], verb, "group")
    return None


def _hearsay(words: list[Word], k: int) -> VagueSource | None:
    """"it is believed that", "it was widely reported", "is said to"."""
    word = words[k]
    if word.lower == "it" and k + 1 < len(words):
        m = k + 1
        if words[m].lower in ("has", "had") and m + 1 < len(words) and words[m + 1].lower == "been":
            m += 2
        elif words[m].lower in PASSIVE_BE:
            m += 1
        else:
            return None
        while m < len(words) and words[m].lower in HEARSAY_BRIDGE:
            m += 1
        if m + 1 < len(words) and words[m].lower in lex.HEARSAY_PARTICIPLES:
            # "it is believed to", but "it is expected to" is a plain forecast about "it"
            allowed = ("that",) if words[m].lower in WEAK_HEARSAY else ("that", "to")
            if words[m + 1].lower in allowed:
                return VagueSource(word, words[m], "hearsay")
        return None
    if word.lower in PASSIVE_BE and k > 0 and words[k - 1].lower != "it":
        m = k + 1
        while m < len(words) and words[m].lower in HEARSAY_BRIDGE:
            m += 1
        passive = ("said", "believed", "thought", "reported", "rumored", "rumoured", "understood")
        if m + 1 < len(words) and words[m].lower in passive and words[m + 1].lower == "to":
            return VagueSource(word, words[m + 1], "passive hearsay")
    return None


def _there_are_reports(words: list[Word], k: int) -> VagueSource | None:
    if words[k].lower != "there" or k + 2 >= len(words):
        return None
    m = k + 1
    if words[m].lower in ("have", "has") and words[m + 1].lower == "been":
        m += 2
    elif words[m].lower in PASSIVE_BE:
        m += 1
    else:
        return None
    if m < len(words) and words[m].lower in ("growing", "widespread", "unconfirmed", "persistent", "also", "many", "some"):
        m += 1
    if m + 1 < len(words) and words[m].lower in lex.HEARSAY_NOUNS and words[m + 1].lower in ("that", "of", "about"):
        return VagueSource(words[k], words[m], "there are reports")
    return None


def _according_to(words: list[Word], k: int) -> VagueSource | None:
    if not _phrase_at(words, k, ("according", "to")):
        return None
    m = k + 2
    quantified = False
    while m < len(words) and (words[m].lower in lex.VAGUE_MODIFIERS or words[m].lower == "a"):
        quantified = quantified or words[m].lower in QUANTIFIERS
        m += 1
    if m >= len(words):
        return None
    head = words[m]
    postmodified = any(_phrase_at(words, m + 1, p) for p in POSTMODIFIERS)
    if head.lower in ("reports", "report") and not (m + 1 < len(words) and words[m + 1].lower in ("by", "in", "from")):
        return VagueSource(words[k], head, "according to")
    if head.lower in lex.VAGUE_SOURCE_NOUNS and not head.possessive:
        if head.lower in lex.NEEDS_MODIFIER and not (quantified or postmodified):
            return None
        if m + 1 < len(words) and words[m + 1].lower in ("at", "from", "with") and m + 2 < len(words) and words[m + 2].capitalised:
            return None  # "according to analysts at Goldman Sachs"
        return VagueSource(words[k], head, "according to")
    return None


def named_source_near(view: DocView, source: VagueSource) -> bool:
    """Whether a named speaker is cited in the vague phrase's sentence or the next."""
    sentence = source.first.sentence
    inside = source.words()
    for cue in view.cues:
        if cue.sentence < sentence:
            continue
        if cue.sentence > sentence + 1:
            break
        if cue.speaker != "named" or not cue.reporting or cue.speaker_word in inside or cue.word in inside:
            continue
        return True
    return False
