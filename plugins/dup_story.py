"""Same story, different words: corpus-fitted TF-IDF over content words, names and numbers.

Rewrites, summaries and translations share few word runs but the same people,
places, numbers and quotes. Each document becomes a sparse TF-IDF vector
(sublinear term frequency, smoothed IDF fitted on this corpus, names and numbers
weighted up); candidate pairs come from an inverted index over each document's
most distinctive terms, never from all pairs, and are scored by cosine.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from array import array
from collections import Counter
from typing import Any, Iterable, Iterator, Sequence

from copydesk.plugins.dup_batch import _numpy
from copydesk.plugins.dup_kept import row_positions
from copydesk.plugins.dup_pairs import pair_arrays, pairs_sharing

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


#: marks a name's or number's key (weighted up); the other 63 bits hash the term
BOOSTED = 1 << 63


def term_key(term: str) -> int:
    """A stable 64-bit key of a term: 63 bits of its BLAKE2b hash, the top bit set for names
    and numbers. Keys stand for the terms in the index (two of a corpus's terms share a
    key with a chance of about one in 10**7 for a million distinct terms)."""
    digest = hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (BOOSTED - 1) | (BOOSTED if term[0] in "@#" else 0)


def term_features(text: str) -> list[str]:
    """:func:`terms` as two base64 strings: each term's :func:`term_key` (uint64) and its count
    (uint32), little-endian, in the order found. A per-document feature, cacheable as JSON,
    that the index reads into arrays without a Python object per term."""
    counts = terms(text)
    keys = b"".join(term_key(term).to_bytes(8, "little") for term in counts)
    tfs = b"".join(min(count, 0xFFFFFFFF).to_bytes(4, "little") for count in counts.values())
    return [base64.b64encode(keys).decode("ascii"), base64.b64encode(tfs).decode("ascii")]


def _decoded(features: Sequence[str]) -> tuple[bytes, bytes]:
    return base64.b64decode(features[0]), base64.b64decode(features[1])


def feature_arrays(features: Iterable[Sequence[str]]):
    """Documents' :func:`term_features` as the arrays :class:`StoryIndex` is built on (numpy
    only): every term key (uint64) and count (uint32), concatenated, and how many terms each has."""
    np = _numpy()
    decoded = [_decoded(f) for f in features]
    return (np.frombuffer(b"".join(k for k, _ in decoded), dtype="<u8"),
            np.frombuffer(b"".join(t for _, t in decoded), dtype="<u4"),
            np.array([len(k) // 8 for k, _ in decoded], dtype=np.int64))


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
                 min_terms: int = MIN_TERMS, features: Iterable[Sequence[str]] | None = None, arrays=None):
        """``documents``: (id, text) pairs; ``features``, when given, each text's
        :func:`term_features` computed beforehand (e.g. from the cache), so the texts are not read;
        or ``arrays`` (numpy only): every document's term keys (uint64) and counts, concatenated,
        and how many terms each document has."""
        self.ids = [doc_id for doc_id, _ in documents]
        if features is None and arrays is None:
            features = (term_features(text) for _, text in documents)
        self.max_postings = max_postings
        self.common_df = max(max_postings, len(documents) // 200)
        # without numpy: lists of arrays; with it, the same as row-by-row arrays (see _build_numpy)
        self._vectors: list[tuple[array, array]] = []
        self._top: list[array] = []
        self._rows = None
        if arrays is not None:
            self._build_numpy(*arrays, top_terms, min_terms)
            return
        if _numpy() is not None:
            self._build_numpy(*feature_arrays(features), top_terms, min_terms)
        else:
            self._build_python([_decoded(f) for f in features], top_terms, min_terms)

    @property
    def vectors(self) -> list[tuple[array, array]]:
        """Each document's (term numbers, weights) over the terms that are not common."""
        if self._rows is not None and not self._vectors:
            self._vectors = [self._vector(d) for d in range(len(self.ids))]
        return self._vectors

    @property
    def top(self) -> list[array]:
        """Each document's indexed terms (its most distinctive ones)."""
        if self._rows is not None and not self._top:
            indptr, terms = self._rows[3], self._rows[4]
            self._top = [array("I", terms[indptr[d] : indptr[d + 1]].tobytes()) for d in range(len(self.ids))]
        return self._top

    def _vector(self, d: int) -> tuple[array, array]:
        if self._rows is None:
            return self._vectors[d]
        indptr, terms, weights = self._rows[:3]
        return (array("I", terms[indptr[d] : indptr[d + 1]].tobytes()),
                array("f", weights[indptr[d] : indptr[d + 1]].tobytes()))

    def _build_python(self, decoded: list[tuple[bytes, bytes]], top_terms: int, min_terms: int) -> None:
        vocabulary: dict[int, int] = {}
        df: list[int] = []
        counted: list[tuple[array, array]] = []
        for key_bytes, tf_bytes in decoded:
            numbers, tfs = array("I"), array("I")
            keys = [int.from_bytes(key_bytes[at : at + 8], "little") for at in range(0, len(key_bytes), 8)]
            counts = [int.from_bytes(tf_bytes[at : at + 4], "little") for at in range(0, len(tf_bytes), 4)]
            for key, tf in zip(keys, counts):
                number = vocabulary.setdefault(key, len(vocabulary))
                if number == len(df):
                    df.append(0)
                df[number] += 1
                numbers.append(number)
                tfs.append(tf)
            counted.append((numbers, tfs))
        idf = _idf([key >= BOOSTED for key in vocabulary], df, len(self.ids))
        del vocabulary
        log_tf = [0.0] + [1.0 + math.log(tf) for tf in range(1, 64)]
        for numbers, tfs in counted:
            weights = array("f", (
                (log_tf[tf] if tf < 64 else 1.0 + math.log(tf)) * idf[t] for t, tf in zip(numbers, tfs)
            ))
            norm = math.sqrt(sum(w * w for w in weights)) or 1.0
            # only the terms that can count towards a similarity are kept
            kept = [(t, w / norm) for t, w in zip(numbers, weights) if df[t] <= self.common_df]
            self._vectors.append((array("I", [t for t, _ in kept]), array("f", [w for _, w in kept])))
            best = array("I")
            if len(numbers) >= min_terms:  # shorter texts are never candidates
                # inverted index over each document's most distinctive terms (rare ones only,
                # which also keeps the index from growing quadratically)
                best = array("I", [t for t, _ in sorted(kept, key=lambda tw: (-tw[1], tw[0]))[:top_terms]])
            self._top.append(best)

    def _build_numpy(self, keys, tfs, lengths, top_terms: int, min_terms: int) -> None:
        """:meth:`_build_python` on one array of every document's terms: the same numbers bit for
        bit (products per entry; np.bincount adds a document's squares in the order sum() did)."""
        statistics, numbers = StoryStatistics.fit(keys, lengths)
        self._set_rows(*story_rows(statistics, keys, tfs, lengths, top_terms, min_terms, self.max_postings,
                                   numbers=numbers), statistics.terms)

    @classmethod
    def of_rows(cls, ids: Sequence[str], rows, known_terms: int, max_postings: int = 200) -> "StoryIndex":
        """The index of rows :func:`story_rows` weighed beforehand (with numpy only): ``rows`` is
        (indptr, numbers, weights, ranks) of the documents ``ids``, in order; ``known_terms`` the
        number of terms of the statistics they were weighed with."""
        index = cls.__new__(cls)
        index.ids = list(ids)
        index.max_postings = max_postings
        index._vectors, index._top = [], []
        index._set_rows(*rows, known_terms)
        return index

    def _set_rows(self, indptr, numbers, weights, ranks, known_terms: int) -> None:
        """Keep the rows of :func:`story_rows` as the index's arrays: terms numbered densely
        (a term the statistics lack gets a number after theirs, in the order of its key, which
        keeps the order of its number), and each document's top terms in rank order."""
        np = _numpy()
        terms = numbers.astype(np.int64)
        unknown = numbers >= np.uint64(UNKNOWN)
        if unknown.any():
            _, place = np.unique(numbers[unknown], return_inverse=True)
            terms[unknown] = known_terms + place.reshape(-1)
        chosen = np.flatnonzero(ranks != NOT_TOP)
        doc = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
        chosen = chosen[np.lexsort((ranks[chosen], doc[chosen]))]
        best_bounds = np.searchsorted(doc[chosen], np.arange(len(indptr)))
        # rows of every document in a few arrays (100,000 documents: 200,000 small arrays took
        # a second to make): vectors' indptr, terms and float32 weights, top terms' indptr and terms
        self._rows = (np.asarray(indptr, dtype=np.int64), terms.astype(np.uint32), weights.astype(np.float32),
                      best_bounds.astype(np.int64), terms[chosen].astype(np.uint32))

    def candidate_pairs(self, min_shared: int = 3) -> Iterator[tuple[int, int]]:
        """Pairs ``(i, j)``, ``i < j``, sharing ``min_shared`` indexed terms held by at
        most ``max_postings`` documents, in order (see :mod:`dup_pairs`)."""
        if self._rows is not None:
            for first, other in self._candidate_pieces(min_shared):
                yield from zip(first.tolist(), other.tolist())
            return
        yield from pairs_sharing(self.top, min_shared, self.max_postings)

    def candidate_arrays(self, min_shared: int = 3):
        """:meth:`candidate_pairs` as two int64 index arrays (with numpy only)."""
        np = _numpy()
        pieces = list(self._candidate_pieces(min_shared))
        if not pieces:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate([f for f, _ in pieces]), np.concatenate([o for _, o in pieces])

    def _candidate_pieces(self, min_shared: int):
        np = _numpy()
        indptr, terms = self._rows[3], self._rows[4]
        return pair_arrays(terms.astype(np.uint64), np.diff(indptr), min_shared, self.max_postings)

    def cosine(self, i: int, j: int) -> float:
        """Cosine of two documents over the terms that are not common."""
        (ta, wa), (tb, wb) = self._vector(i), self._vector(j)
        if len(ta) > len(tb):
            ta, wa, tb, wb = tb, wb, ta, wa
        other = dict(zip(tb, wb))
        return min(1.0, sum(w * other.get(t, 0.0) for t, w in zip(ta, wa)))

    def cosines(self, firsts, others):
        """:meth:`cosine` of each pair ``(firsts[k], others[k])`` (index arrays), as a float64
        array, with numpy only. The same floats bit for bit: each pair's products (float32
        weights multiplied in float64) are added one by one in the shorter vector's order,
        as ``sum()`` adds them (``np.add.at`` adds in index order, unbuffered)."""
        np = _numpy()
        indptr, terms, weights = self._rows[:3]
        result = np.empty(len(firsts), dtype=np.float64)
        width = int(terms.max()) + 1 if len(terms) else 1
        for at in range(0, len(firsts), _COSINE_PAIRS):
            first, other = firsts[at : at + _COSINE_PAIRS], others[at : at + _COSINE_PAIRS]
            longer_first = (indptr[first + 1] - indptr[first]) > (indptr[other + 1] - indptr[other])
            short, long = np.where(longer_first, other, first), np.where(longer_first, first, other)
            short_at, short_pair = _elements(indptr, short)
            long_at, long_pair = _elements(indptr, long)
            # each longer vector's terms, coded with their pair, sorted for a search
            long_codes = long_pair * width + terms[long_at]
            by_code = np.argsort(long_codes, kind="stable")
            long_codes = long_codes[by_code]
            wanted = short_pair * width + terms[short_at]
            found_at = np.minimum(np.searchsorted(long_codes, wanted), max(len(long_codes) - 1, 0))
            found = long_codes[found_at] == wanted if len(long_codes) else np.zeros(len(wanted), dtype=bool)
            products = (weights[short_at[found]].astype(np.float64)
                        * weights[long_at[by_code[found_at[found]]]].astype(np.float64))
            sums = np.zeros(len(first), dtype=np.float64)
            np.add.at(sums, short_pair[found], products)
            result[at : at + len(first)] = np.minimum(sums, 1.0)
        return result


#: a term the statistics lack is numbered ``UNKNOWN | (its key's low 63 bits)`` in :func:`story_rows`:
#: after every known term, and the same number in every run of a statistics generation
UNKNOWN = 1 << 63
#: the rank of a term that is not among its document's top terms
NOT_TOP = 0xFFFF


class StoryStatistics:
    """What a corpus's TF-IDF weights are fitted on: its terms (numbered in the order first
    met), in how many documents each is, and how many documents there are.

    Fitted on the whole corpus every run without a cache; with one, fitted when a
    statistics generation starts and kept for its runs, so that the rows of unchanged
    documents (:func:`story_rows`) can be kept too (see :mod:`dup_story_kept`).
    """

    def __init__(self, keys, numbers, df, documents: int):
        #: the distinct term keys, sorted; each one's number; and df by number
        self.keys, self.numbers, self.df, self.documents = keys, numbers, df, documents

    @property
    def terms(self) -> int:
        return len(self.keys)

    @classmethod
    def fit(cls, keys, lengths) -> tuple["StoryStatistics", Any]:
        """The statistics of documents whose term keys are ``keys`` (concatenated; ``lengths``
        per document, a term once per document), and the number of each of ``keys``."""
        np = _numpy()
        # terms numbered in the order first seen, as the dictionary of the pure-Python path numbers them
        distinct, first_at, inverse = np.unique(keys, return_index=True, return_inverse=True)
        by_first = np.argsort(first_at, kind="stable")
        number_of = np.empty(len(distinct), dtype=np.int64)
        number_of[by_first] = np.arange(len(distinct))
        numbers = number_of[inverse.reshape(-1)]
        df = np.bincount(numbers, minlength=len(distinct))
        return cls(distinct, number_of, df, len(lengths)), numbers.astype(np.uint64)

    def lookup(self, keys):
        """(number, df) of each of ``keys``: ``UNKNOWN | key`` and 0 for a term the statistics lack."""
        np = _numpy()
        at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        found = self.keys[at] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)
        numbers = np.where(found, self.numbers[at].astype(np.uint64) if len(self.keys) else np.uint64(0),
                           keys | np.uint64(UNKNOWN))
        df = np.where(found, self.df[self.numbers[at]] if len(self.keys) else 0, 0)
        return numbers, df.astype(np.int64)

    def to_json(self) -> dict[str, Any]:
        return {"documents": self.documents, "keys": _b64(self.keys, "<u8"), "numbers": _b64(self.numbers, "<i8"),
                "df": _b64(self.df, "<i8")}

    @classmethod
    def from_json(cls, value: Any) -> "StoryStatistics":
        """The statistics :meth:`to_json` wrote; ValueError when ``value`` is not that."""
        np = _numpy()
        try:
            keys, numbers, df = (_unb64(value[name], dtype) for name, dtype in
                                 (("keys", "<u8"), ("numbers", "<i8"), ("df", "<i8")))
            documents = int(value["documents"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not story statistics: {exc}") from None
        if (len(numbers) != len(keys) or len(df) != len(keys) or np.any(keys[1:] <= keys[:-1])
                or (len(keys) and (numbers.min() < 0 or numbers.max() >= len(keys)))):
            raise ValueError("story statistics whose arrays disagree")
        return cls(keys, numbers, df, documents)


def story_rows(statistics: StoryStatistics, keys, tfs, lengths, top_terms: int, min_terms: int,
               max_postings: int, numbers=None):
    """Each document's TF-IDF row weighed with ``statistics``: (indptr, term numbers (uint64),
    float32 weights, ranks (uint16)) over the terms that are not common, a document's in the
    order found. A row depends only on its document's terms (``keys``, ``tfs``, ``lengths``
    as :class:`StoryIndex` takes them) and the statistics. A term's rank is its place among
    its document's terms by weight, then number, ``NOT_TOP`` beyond the ``top_terms`` heaviest
    or in a document with fewer than ``min_terms`` terms. ``numbers``: the terms' numbers,
    when the statistics were just fitted on these very terms."""
    np = _numpy()
    n = len(lengths)
    if numbers is None:
        numbers, df = statistics.lookup(keys)
    else:
        df = statistics.df[numbers.astype(np.int64)]
    tfs = tfs.astype(np.int64)
    common_df = max(max_postings, statistics.documents // 200)
    # each term's smoothed IDF (one logarithm per distinct document frequency), names and numbers weighted up
    logs = np.zeros(int(df.max()) + 1 if len(df) else 1, dtype=np.float64)
    present = np.flatnonzero(np.bincount(df, minlength=len(logs)))
    logs[present] = _idf([False] * len(present), present.tolist(), statistics.documents)
    boosted = (keys & np.uint64(BOOSTED)) != 0
    idf = logs[df] * np.where(boosted, NAME_WEIGHT, 1.0)
    log_tf = np.array([0.0] + [1.0 + math.log(tf) for tf in range(1, 64)])
    factor = log_tf[np.minimum(tfs, 63)]
    for at in np.flatnonzero(tfs >= 64).tolist():
        factor[at] = 1.0 + math.log(int(tfs[at]))
    weights = (factor * idf).astype(np.float32).astype(np.float64)
    doc = np.repeat(np.arange(n), lengths)
    norms = np.sqrt(np.bincount(doc, weights=weights * weights, minlength=n))
    norms[norms == 0] = 1.0
    kept = df <= common_df
    numbers, doc, scaled = numbers[kept], doc[kept], weights[kept] / norms[doc[kept]]
    bounds = np.searchsorted(doc, np.arange(n + 1))
    # each document's top terms: by weight, then term number, among its kept terms
    order = np.lexsort((numbers, -scaled, doc))
    rank = np.arange(len(order)) - np.repeat(bounds[:-1], np.diff(bounds))
    ranks = np.full(len(order), NOT_TOP, dtype=np.uint16)
    chosen = (rank < min(top_terms, NOT_TOP)) & (np.asarray(lengths)[doc[order]] >= min_terms)
    ranks[order[chosen]] = rank[chosen]
    return bounds.astype(np.int64), numbers, scaled.astype(np.float32), ranks


def _b64(values, dtype: str) -> str:
    return base64.b64encode(values.astype(dtype).tobytes()).decode("ascii")


def _unb64(text: Any, dtype: str):
    np = _numpy()
    if not isinstance(text, str):
        raise ValueError("not an encoded array")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) % np.dtype(dtype).itemsize:
        raise ValueError("an encoded array of a wrong length")
    return np.frombuffer(raw, dtype=dtype)


#: pairs whose cosines are worked out at a time (bounded memory: their terms, twice)
_COSINE_PAIRS = 50_000


def _elements(indptr, rows):
    """(positions of the elements of ``rows`` in a row-by-row layout, each one's place in ``rows``)."""
    np = _numpy()
    return row_positions(indptr, rows), np.repeat(np.arange(len(rows), dtype=np.int64), indptr[rows + 1] - indptr[rows])


def _idf(boosted: Sequence[bool], df: Sequence[int], n: int) -> list[float]:
    """Each term's smoothed IDF, names and numbers weighted up. Once per term, not once per
    document it is in; the same products as (1 + log tf) * idf * boost, since scaling by
    a power of two is exact."""
    logs: dict[int, float] = {}  # one logarithm per distinct document frequency
    for d in df:
        if d not in logs:
            logs[d] = math.log((1 + n) / (1 + d)) + 1.0
    return [logs[d] * (NAME_WEIGHT if b else 1.0) for b, d in zip(boosted, df)]
