"""Content terms and TF-IDF vectors for the off-topic checks (TOP001, TOP004).

A text becomes a bag of content terms: lower-cased words with a light suffix
stripping (so "troops" and "troop" meet), stopwords and very short words left
out. A word capitalised inside a sentence is taken as a name and weighs more:
names carry a story (people, places, organisations) better than common words.
The IDF is fitted on the corpus at hand (document frequency, smoothed), so no
model or word list has to ship beyond the stopwords.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

STOPWORDS = frozenset(
    """a about above across after afterwards again against all almost alone along already also although always am
    among an and another any anyhow anyone anything anyway anywhere are around as at back be became because become
    becomes been before beforehand behind being below beside besides between beyond both but by can cannot could
    did do does doing done down due during each either else elsewhere enough even ever every everyone everything
    everywhere except few for former formerly from further had has have having he hence her here hereby herein
    hers herself him himself his how however i if in indeed into is it its itself just last latter least less
    like ltd made make many may me meanwhile might mine more moreover most mostly much must my myself namely
    neither never nevertheless next no nobody none nor not nothing now nowhere of off often on once one only
    onto or other others otherwise our ours ourselves out over own per perhaps please put rather re same say
    says said saying see seem seemed seems several she should since so some somehow someone something sometime
    sometimes somewhere still such than that the their theirs them themselves then thence there thereafter
    thereby therefore these they this those though through throughout thus to together too toward towards
    under until up upon us very via was we well were what whatever when whence whenever where whereas whereby
    wherever whether which while whither who whoever whole whom whose why will with within without would yet
    you your yours yourself yourselves told tell according added adding noted stated asked also mr mrs ms dr
    two three four five first second third new year years week weeks day days time times today yesterday
    tomorrow monday tuesday wednesday thursday friday saturday sunday percent pct dlrs mln billion million
    including include includes get got go going went come came take took know known want way part people""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
NAME_WEIGHT = 1.6


def stem(word: str) -> str:
    """A light suffix stripping: enough for "troops"/"troop", "talks"/"talk", "urged"/"urge"."""
    if len(word) <= 4:
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 6:
        return word[:-3]
    if word.endswith("ed") and len(word) > 5:
        return word[:-2] if not word.endswith("eed") else word
    if word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_cjk(word: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in word)


def term_counts(text: str, surfaces: dict[str, str] | None = None) -> Counter:
    """Weighted content-term counts of a text (names count ``NAME_WEIGHT`` times).

    ``surfaces``, when given, receives the first spelling of each term as written
    (for messages: "Hawaii", not the stem).
    """
    counts: Counter = Counter()
    previous_end = -1
    for match in _WORD.finditer(text):
        token = match.group().replace("’", "'")
        if token.endswith("'s"):
            token = token[:-2]
        lower = token.casefold()
        start = match.start()
        # a capitalised word that does not open a sentence is (part of) a name
        gap = text[previous_end:start] if previous_end >= 0 else "."
        previous_end = match.end()
        if lower in STOPWORDS:
            continue
        if _is_cjk(token):
            term, weight = token, NAME_WEIGHT
        elif len(lower) < 3:
            continue
        else:
            opens_sentence = any(ch in gap for ch in ".!?:\n“\"‘")
            is_name = token[0].isupper() and not opens_sentence
            term, weight = stem(lower), NAME_WEIGHT if is_name else 1.0
        counts[term] += weight
        if surfaces is not None and term not in surfaces:
            surfaces[term] = token
    return counts


def term_bag(text: str) -> dict[str, float]:
    """:func:`term_counts` as a plain dict (a per-document feature, cacheable as JSON)."""
    return dict(term_counts(text))


@dataclass
class IdfModel:
    """Smoothed inverse document frequencies fitted on a corpus."""

    documents: int = 0
    df: Counter = field(default_factory=Counter)
    # each term's weight once computed (a fitted model does not change; a warm run weighs
    # every document's terms with it)
    _weights: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def fit(cls, bags: Iterable[Mapping[str, float]]) -> "IdfModel":
        model = cls()
        for bag in bags:
            model.documents += 1
            model.df.update(bag.keys())
        return model

    def idf(self, term: str) -> float:
        weight = self._weights.get(term)
        if weight is None:
            weight = self._weights[term] = math.log((1 + self.documents) / (1 + self.df.get(term, 0))) + 1.0
        return weight

    def to_json(self) -> dict:
        return {"documents": self.documents, "df": dict(self.df)}

    @classmethod
    def from_json(cls, data: Mapping) -> "IdfModel":
        return cls(int(data["documents"]), Counter(data["df"]))

    def vector(self, counts: Mapping[str, float]) -> dict[str, float]:
        """The unit-length TF-IDF vector (sublinear term frequency) of a bag of terms."""
        # a warm run weighs every document's terms (100,000 documents: ~5 million terms):
        # the weights are read from the dict, the missing ones found by a set difference that
        # walks the document's terms (``counts.keys() - weights.keys()`` walked all the weights
        # known so far, for every document: TOP004 took 4x as long)
        weights = self._weights
        for term in set(counts).difference(weights):
            self.idf(term)
        log = math.log
        vector = {t: (1.0 + log(tf)) * weights[t] if tf >= 1 else tf * weights[t] for t, tf in counts.items()}
        return normalize(vector)


def normalize(vector: Mapping[str, float]) -> dict[str, float]:
    values = vector.values()
    norm = math.sqrt(sum(map(operator.mul, values, values)))
    if norm == 0:
        return {}
    return {t: w / norm for t, w in vector.items()}


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def top_terms(vector: Mapping[str, float], k: int) -> list[str]:
    """The ``k`` heaviest terms, heaviest first; equal weights in term order."""
    # two sorts in C (by term, then stably by weight) instead of a Python key per term
    ranked = sorted(vector.items())
    ranked.sort(key=operator.itemgetter(1), reverse=True)  # reverse keeps equal items in order
    return [term for term, _ in ranked[:k]]
