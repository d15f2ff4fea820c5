"""Names and quotations compared across the documents of one story, for TRN003/TRN004.

Everything here works inside one story cluster (``reuse.story_clusters``), so the
cost is linear in the corpus size times the (small) cluster size, never quadratic in
the number of documents: names are grouped by keys (the other words of the name, a
phonetic code), quotations by an inverted index of their content words.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from copydesk import Span

from .trn_lexicon import fold

# Capitalised words that are not names: sentence openers, days, months, titles are
# fine inside a name ("President Biden") but do not make one on their own.
NOT_NAMES = frozenset(
    "the a an this that these those it he she they we i you his her their its our my but and or so "
    "yet in on at for from with by as if when while after before since although though however "
    "meanwhile also still then now some many most all one no not what who why how where there here "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december mr mrs ms dr "
    "north south east west northern southern eastern western".split()
)
TITLES = frozenset(
    "president minister secretary spokesman spokeswoman spokesperson chairman chairwoman chair "
    "governor senator sen rep representative mayor general gen ambassador director chief king queen "
    "prince princess premier chancellor mr mrs ms dr prof judge justice commissioner envoy leader "
    "colonel col captain lieutenant sergeant admiral officer lawyer attorney".split()
)


# ------------------------------------------------------------------------- phonetic


def phonetic_key(word: str) -> str:
    """A rough sound code: transliteration variants (Zelenskiy/Zelensky, Sergei/Sergey) agree."""
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(c for c in text if c.isalpha() and c.isascii())
    if not text:
        return ""
    for old, new in (("sch", "s"), ("tch", "c"), ("ph", "f"), ("kh", "h"), ("ck", "k"), ("sh", "s"),
                     ("ch", "c"), ("zh", "j"), ("ts", "c"), ("tz", "c"), ("q", "k"), ("x", "ks"),
                     ("w", "v"), ("y", "i"), ("z", "s"), ("dj", "j"), ("gh", "g"), ("th", "t")):
        text = text.replace(old, new)
    head, tail = text[0], text[1:]
    tail = re.sub(r"[aeiouh]", "", tail)
    tail = re.sub(r"(.)\1+", r"\1", tail)
    return head + tail


def similar_names(x: str, y: str, anchored: bool = False) -> bool:
    """Spellings of one name: close in letters and, unless very close, in sound.

    ``anchored``: the rest of the name agrees ("Shi Yinhong" / "Shi Inhun"), so a
    re-transliteration that changes the sound of a syllable still counts.
    """
    x, y = fold(x), fold(y)
    if x == y or len(x) < 3 or len(y) < 3:
        return False
    ratio = SequenceMatcher(None, x, y, autojunk=False).ratio()
    if ratio >= 0.85:
        return True
    return ratio >= 0.6 and (anchored or phonetic_key(x) == phonetic_key(y))


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class Mention:
    doc: str
    words: tuple[str, ...]  # surface forms, possessive removed
    spans: tuple[Span, ...]  # one per word


_POSSESSIVE = re.compile(r"['’]s$")


def name_mentions(doc, lowercase_vocabulary: set[str]) -> list[Mention]:
    """Runs of capitalised words holding at least one name-like word.

    A word is name-like when it never occurs in lower case in the corpus ("Lavrov",
    not "Division") and is not an acronym, title or sentence opener. Words that only
    open a sentence ("When", "Despite") are trimmed from the run.
    """
    mentions: list[Mention] = []
    run: list[tuple[str, Span]] = []
    text = doc.text

    def close() -> None:
        while run and fold(run[0][0]) in NOT_NAMES:
            run.pop(0)
        while run and fold(run[-1][0]) in NOT_NAMES:
            run.pop()
        if run and any(_name_like(w, lowercase_vocabulary) for w, _ in run):
            mentions.append(Mention(doc.id, tuple(w for w, _ in run), tuple(sp for _, sp in run)))
        run.clear()

    previous_end = -1
    possessive_before = False
    for token in doc.tokens:
        surface = _POSSESSIVE.sub("", token.text)
        capitalised = surface[:1].isupper() and not surface.isupper()
        adjacent = previous_end >= 0 and text[previous_end : token.start] in (" ", "\u00a0")
        if not capitalised or not adjacent or possessive_before:
            close()
        if capitalised:
            run.append((surface, Span(token.start, token.start + len(surface))))
        previous_end = token.end
        possessive_before = surface != token.text
    close()
    return mentions


def _name_like(word: str, lowercase_vocabulary: set[str]) -> bool:
    key = fold(word)
    return key not in lowercase_vocabulary and key not in NOT_NAMES and key not in TITLES and len(word) >= 3


@dataclass
class NameVariant:
    minority: str
    majority: str
    doc: str
    span: Span
    related_doc: str
    related_span: Span
    minority_docs: int
    majority_docs: int
    context: str  # the shared words ("Secretary", "Antony") that tie the two spellings


def name_variants(cluster, docs: dict, lowercase_vocabulary: set[str]) -> list[NameVariant]:
    """Minority spellings of a name within one story cluster."""
    # key -> spelling -> doc -> [span]
    groups: dict[tuple, dict[str, dict[str, list[Span]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for doc_id in cluster.members:
        for mention in name_mentions(docs[doc_id], lowercase_vocabulary):
            words = mention.words
            for k, word in enumerate(words):
                if not _name_like(word, lowercase_vocabulary):
                    continue
                # the other words of the name anchor it ("Antony *"); a lone word is
                # anchored by its sound ("Zelensk*" ~ "Zelenskiy")
                if len(words) > 1:
                    key = ("ctx", tuple(fold(w) if i != k else "*" for i, w in enumerate(words)))
                else:
                    key = ("sound", phonetic_key(word)[:4])
                groups[key][word][doc_id].append(mention.spans[k])
    variants = []
    seen: set[tuple[str, str, str]] = set()
    for key, spellings in groups.items():
        if len(spellings) < 2:
            continue
        ranked = sorted(spellings, key=lambda s: (-len(spellings[s]), cluster.canonical not in spellings[s], s))
        majority = ranked[0]
        if len(spellings[majority]) == len(spellings[ranked[1]]) and cluster.canonical not in spellings[majority]:
            continue  # a tie that the canonical document does not settle
        for spelling in ranked[1:]:
            if not similar_names(spelling, majority, anchored=key[0] == "ctx") or len(spellings[spelling]) >= len(spellings[majority]):
                continue
            if set(spellings[spelling]) & set(spellings[majority]):
                continue  # a document uses both: two people, or a deliberate variant
            context = " ".join(w for w in key[1] if w != "*") if key[0] == "ctx" else "similar sound"
            related_doc = cluster.canonical if cluster.canonical in spellings[majority] else sorted(spellings[majority])[0]
            for doc_id, spans in spellings[spelling].items():
                for span in spans:
                    marker = (doc_id, spelling, str(span.start))
                    if marker in seen:
                        continue
                    seen.add(marker)
                    variants.append(NameVariant(
                        spelling, majority, doc_id, span, related_doc, spellings[majority][related_doc][0],
                        len(spellings[spelling]), len(spellings[majority]), context,
                    ))
    return variants


# ----------------------------------------------------------------------- quotations

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
QUOTE_STOPWORDS = frozenset(
    "the a an of to in on at by for from with and or but as is was are were be been has have had it its "
    "this that these those he she they we i you his her their our my me us them not no so than then "
    "there will would can could should do does did just very also".split()
)


@dataclass(frozen=True)
class Quote:
    doc: str
    span: Span  # the quoted words (without the marks)
    words: tuple[str, ...]  # normalised words
    speakers: frozenset[str]  # name-like words near the quotation
    lower_words: frozenset[str] = frozenset()  # words written in lower case in the quotation


def quotes_of(doc, lowercase_vocabulary: set[str], min_words: int) -> list[Quote]:
    mentions = name_mentions(doc, lowercase_vocabulary)
    starts = [m.spans[0].start for m in mentions]
    found = []
    for quotation in doc.quotations:
        surfaces = _WORD.findall(quotation.text)
        words = tuple(fold(w) for w in surfaces)
        if len(words) < min_words:
            continue
        # speakers: names in the paragraph around the quotation but outside it
        paragraph = next((p.span for p in doc.paragraphs if p.span.contains(quotation.span)), quotation.span)
        near = set()
        for index in range(bisect_left(starts, paragraph.start), len(mentions)):
            mention = mentions[index]
            if mention.spans[0].start >= paragraph.end:
                break
            if quotation.span.start <= mention.spans[0].start < quotation.span.end:
                continue
            near.update(fold(w) for w in mention.words if _name_like(w, lowercase_vocabulary))
        lower = frozenset(fold(w) for w in surfaces if w.islower())
        found.append(Quote(doc.id, quotation.content, words, frozenset(near), lower))
    return found


def _contained(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether ``short`` is a contiguous part of ``long`` (a quote cut short, not altered)."""
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def content_words(quote: Quote) -> set[str]:
    """Lower-case content words: names are left out, they tie quotes of one story together anyway."""
    return {w for w in quote.lower_words if w not in QUOTE_STOPWORDS and len(w) > 2}


def same_quotation(x: Quote, y: Quote, min_overlap: float) -> bool:
    """Two renderings of one quotation: same speaker (when named) and mostly the same words."""
    if x.speakers and y.speakers and not (x.speakers & y.speakers):
        return False
    content_x, content_y = content_words(x), content_words(y)
    if not content_x or not content_y:
        return False
    shared = len(content_x & content_y)
    return shared >= 3 and shared / min(len(content_x), len(content_y)) >= min_overlap


@dataclass
class AlteredQuote:
    quote: Quote
    reference: Quote
    reference_docs: int
    differing: tuple[tuple[str, str], ...]  # (this side, reference side) word runs that differ


def altered_quotes(cluster, docs: dict, lowercase_vocabulary: set[str], min_words: int, min_overlap: float) -> list[AlteredQuote]:
    """Quotations whose wording differs from the wording most siblings give the same quotation.

    Each quotation is compared with the quotations of other documents that share
    its content words (an inverted index); the comparison is not transitive, so two
    different quotations of one speaker never merge through a third.
    """
    quotes = [q for doc_id in cluster.members for q in quotes_of(docs[doc_id], lowercase_vocabulary, min_words)]
    index: dict[str, list[int]] = defaultdict(list)
    for i, quote in enumerate(quotes):
        for word in content_words(quote):
            index[word].append(i)
    altered = []
    for i, quote in enumerate(quotes):
        shared = Counter(j for w in content_words(quote) for j in index[w] if quotes[j].doc != quote.doc)
        matches = [quotes[j] for j, count in shared.items() if count >= 3 and same_quotation(quote, quotes[j], min_overlap)]
        if not matches:
            continue
        # wording -> documents giving it (this quote's document counts for its own wording)
        by_wording: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for other in [quote, *matches]:
            by_wording[other.words].add(other.doc)
        if len(by_wording) < 2:
            continue
        ranked = sorted(by_wording, key=lambda w: (-len(by_wording[w]), cluster.canonical not in by_wording[w], -len(w)))
        majority = ranked[0]
        tie = len(by_wording[majority]) == len(by_wording[ranked[1]])
        if quote.words == majority or quote.doc in by_wording[majority]:
            continue
        if tie and cluster.canonical not in by_wording[majority]:
            continue
        if _contained(quote.words, majority) or _contained(majority, quote.words):
            continue  # cut short or extended, not re-worded
        reference = next(m for m in matches if m.words == majority and (m.doc == cluster.canonical or not tie))
        differing = _differences(quote.words, majority)
        if differing:
            altered.append(AlteredQuote(quote, reference, len(by_wording[majority]), differing))
    return altered


def _differences(mine: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    matcher = SequenceMatcher(None, mine, theirs, autojunk=False)
    return tuple(
        (" ".join(mine[i1:i2]), " ".join(theirs[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )
