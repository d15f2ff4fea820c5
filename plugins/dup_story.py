"""Same story, different words: corpus-fitted TF-IDF over content words, names and numbers.

Rewrites, summaries and translations share few word runs but the same people,
places, numbers and quotes. Each document becomes a sparse TF-IDF vector
(sublinear term frequency, smoothed IDF fitted on this corpus, names and numbers
weighted up); candidate pairs come from an inverted index over each document's
most distinctive terms, never from all pairs, and are scored by cosine.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from typing import Iterable, Iterator, Sequence

from copydesk.plugins.dup_batch import _numpy
from copydesk.plugins.dup_pairs import pairs_sharing

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can could did do does doing down during each even ever every few for from further
    had has have having he her here hers herself him himself his how however i if in into is it its itself just
    least less like made make many may me might more most much must my myself never new no nor not now of off on
    once one only or other others our ours ourselves out over own per said same say says she should since so some
    still such than that the their theirs them themselves then there these they this those though through thus to
    too under until up upon us very was we were what when where whether which while who whom whose why will with
    within without would yet you your yours yourself yourselves told according mr mrs ms two three first last year
    years week day days time monday tuesday wednesday thursday friday saturday sunday""".split()
)
_TOKEN = re.compile(r"[^\W_]+(?:[.,'’-][^\W_]+)*")
NAME_WEIGHT = 2.0


def terms(text: str) -> Counter:
    """Content-word and name counts of a text (names keep a marker so "Lu" ≠ "lu")."""
    counts: Counter = Counter()
    for match in _TOKEN.finditer(text):
        token = match.group().replace("’", "'")
        if token.endswith("'s"):
            token = token[:-2]  # "China's" and "China" are one name
        lower = token.casefold()
        if lower in STOPWORDS or len(lower) < 2 and not lower.isdigit():
            continue
        if token[0].isdigit():
            counts["#" + lower.replace(",", "")] += 1
        elif token[0].isupper() and match.start() > 0 and text[match.start() - 2 : match.start()].strip() not in (".", "!", "?", ""):
            counts["@" + lower] += 1
        else:
            counts[lower[:-1] if len(lower) > 4 and lower.endswith("s") and not lower.endswith("ss") else lower] += 1
    return counts


def term_list(text: str) -> list[list]:
    """:func:`terms` as [term, count] pairs in the order found (a per-document feature, cacheable as JSON)."""
    return [[term, count] for term, count in terms(text).items()]


# A document with fewer distinct content terms than this (a dividend notice, a
# one-line brief) is too short to tell a story: two such texts share a template,
# not a story, and their cosine is high by construction.
MIN_TERMS = 20


class StoryIndex:
    """TF-IDF vectors of a corpus and the candidate pairs that share distinctive terms.

    Terms found in more than ``max_postings`` documents (or in more than one
    document in 200 of a large corpus) are common: they weigh in a vector's norm
    but not in the similarity, so that two texts made of template words and
    dates ("Qtly div 12 cts vs 12 cts prior, pay April 1") do not look alike.
    Vectors are kept as arrays of term numbers and weights (a few bytes a term).
    """

    def __init__(self, documents: Sequence[tuple[str, str]], top_terms: int = 20, max_postings: int = 200,
                 min_terms: int = MIN_TERMS, term_lists: Iterable[Sequence] | None = None):
        """``documents``: (id, text) pairs; ``term_lists``, when given, each text's
        :func:`term_list` computed beforehand (e.g. from the cache), so the texts are not read."""
        self.ids = [doc_id for doc_id, _ in documents]
        if term_lists is None:
            term_lists = (term_list(text) for _, text in documents)
        self.max_postings = max_postings
        self.common_df = max(max_postings, len(documents) // 200)
        self.vectors: list[tuple[array, array]] = []
        self.top: list[array] = []  # each document's indexed terms
        if _numpy() is not None:
            self._build_numpy(list(term_lists), top_terms, min_terms)
        else:
            self._build_python(term_lists, top_terms, min_terms)

    def _build_python(self, term_lists: Iterable[Sequence], top_terms: int, min_terms: int) -> None:
        vocabulary: dict[str, int] = {}
        df: list[int] = []
        counted: list[tuple[array, array]] = []
        for listed in term_lists:
            numbers, tfs = array("I"), array("I")
            for term, tf in listed:
                number = vocabulary.setdefault(term, len(vocabulary))
                if number == len(df):
                    df.append(0)
                df[number] += 1
                numbers.append(number)
                tfs.append(tf)
            counted.append((numbers, tfs))
        idf = _idf(vocabulary, df, len(self.ids))
        del vocabulary
        log_tf = [0.0] + [1.0 + math.log(tf) for tf in range(1, 64)]
        for numbers, tfs in counted:
            weights = array("f", (
                (log_tf[tf] if tf < 64 else 1.0 + math.log(tf)) * idf[t] for t, tf in zip(numbers, tfs)
            ))
            norm = math.sqrt(sum(w * w for w in weights)) or 1.0
            # only the terms that can count towards a similarity are kept
            kept = [(t, w / norm) for t, w in zip(numbers, weights) if df[t] <= self.common_df]
            self.vectors.append((array("I", [t for t, _ in kept]), array("f", [w for _, w in kept])))
            best = array("I")
            if len(numbers) >= min_terms:  # shorter texts are never candidates
                # inverted index over each document's most distinctive terms (rare ones only,
                # which also keeps the index from growing quadratically)
                best = array("I", [t for t, _ in sorted(kept, key=lambda tw: (-tw[1], tw[0]))[:top_terms]])
            self.top.append(best)

    def _build_numpy(self, term_lists: list[Sequence], top_terms: int, min_terms: int) -> None:
        """:meth:`_build_python` on one array of every document's terms: the same numbers
        (weights are float32 before and after normalising, so a last-bit difference in a
        norm summed in another order almost never survives), without a loop per term."""
        np = _numpy()
        n = len(term_lists)
        flat = [term for listed in term_lists for term, _ in listed]
        numbering = {term: number for number, term in enumerate(dict.fromkeys(flat))}  # first seen, first numbered
        numbers = np.fromiter(map(numbering.__getitem__, flat), dtype=np.int64, count=len(flat))
        del flat
        tfs = np.fromiter((tf for listed in term_lists for _, tf in listed), dtype=np.int64, count=len(numbers))
        lengths = np.fromiter(map(len, term_lists), dtype=np.int64, count=n)
        df = np.bincount(numbers, minlength=len(numbering))  # a term is listed once per document
        idf = np.array(_idf(numbering, df.tolist(), n), dtype=np.float64)
        del numbering
        log_tf = np.array([0.0] + [1.0 + math.log(tf) for tf in range(1, 64)])
        factor = log_tf[np.minimum(tfs, 63)]
        for at in np.flatnonzero(tfs >= 64).tolist():
            factor[at] = 1.0 + math.log(int(tfs[at]))
        weights = (factor * idf[numbers]).astype(np.float32).astype(np.float64)
        doc = np.repeat(np.arange(n), lengths)
        norms = np.sqrt(np.bincount(doc, weights=weights * weights, minlength=n))
        norms[norms == 0] = 1.0
        kept = df[numbers] <= self.common_df
        numbers, doc, scaled = numbers[kept], doc[kept], weights[kept] / norms[doc[kept]]
        bounds = np.searchsorted(doc, np.arange(n + 1)).tolist()
        term_bytes, weight_bytes = numbers.astype(np.uint32).tobytes(), scaled.astype(np.float32).tobytes()
        for d in range(n):
            vector_terms, vector_weights = array("I"), array("f")
            vector_terms.frombytes(term_bytes[4 * bounds[d] : 4 * bounds[d + 1]])
            vector_weights.frombytes(weight_bytes[4 * bounds[d] : 4 * bounds[d + 1]])
            self.vectors.append((vector_terms, vector_weights))
        # each document's top terms: by weight, then term number, among its kept terms
        order = np.lexsort((numbers, -scaled, doc))
        rank = np.arange(len(order)) - np.repeat(np.array(bounds[:-1]), np.diff(bounds))
        chosen = order[(rank < top_terms) & (lengths[doc[order]] >= min_terms)]
        best_bytes = numbers[chosen].astype(np.uint32).tobytes()
        best_bounds = np.searchsorted(doc[chosen], np.arange(n + 1)).tolist()
        for d in range(n):
            best = array("I")
            best.frombytes(best_bytes[4 * best_bounds[d] : 4 * best_bounds[d + 1]])
            self.top.append(best)

    def candidate_pairs(self, min_shared: int = 3) -> Iterator[tuple[int, int]]:
        """Pairs ``(i, j)``, ``i < j``, sharing ``min_shared`` indexed terms held by at
        most ``max_postings`` documents, in order (see :mod:`dup_pairs`)."""
        return pairs_sharing(self.top, min_shared, self.max_postings)

    def cosine(self, i: int, j: int) -> float:
        """Cosine of two documents over the terms that are not common."""
        (ta, wa), (tb, wb) = self.vectors[i], self.vectors[j]
        if len(ta) > len(tb):
            ta, wa, tb, wb = tb, wb, ta, wa
        other = dict(zip(tb, wb))
        return min(1.0, sum(w * other.get(t, 0.0) for t, w in zip(ta, wa)))


def _idf(vocabulary: Iterable[str], df: Sequence[int], n: int) -> list[float]:
    """Each term's smoothed IDF, names and numbers weighted up. Once per term, not once per
    document it is in; the same products as (1 + log tf) * idf * boost, since scaling by
    a power of two is exact."""
    return [(math.log((1 + n) / (1 + d)) + 1.0) * (NAME_WEIGHT if term[0] in "@#" else 1.0)
            for term, d in zip(vocabulary, df)]
