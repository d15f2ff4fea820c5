"""A document's story units and the foreign run in them (the engine of TOP001).

A *unit* is a paragraph of running text, or several: a bullet list counts as
one unit, and a paragraph too short to carry a subject (fewer than
``MIN_UNIT_TERMS`` content terms) joins the unit before it. Headings, label
lines and page furniture (see :mod:`top_lines`) are not units: they carry no
story, and the boilerplate check reports them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

from copydesk import Document, worth_rewriting
from copydesk.plugins.dup_kept import packed, ragged, row_positions, stable_order, unpacked
from copydesk.plugins.top_lines import (
    is_bullet,
    is_heading,
    is_label,
    is_separator,
    line_boilerplate,
)
from copydesk.plugins.top_segment import Split, best_split
from copydesk.plugins.top_terms import IdfModel, term_counts, top_terms

MIN_UNIT_TERMS = 4.0


@dataclass
class Unit:
    first: int  # paragraph indexes (inclusive)
    last: int
    start: int  # character span
    end: int
    counts: Counter
    words: int
    bullet: bool = False


@dataclass
class StoryText:
    """A document cut into story units, with the spelling of each term for messages."""

    document: Document
    units: list[Unit]
    surfaces: dict[str, str] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)

    def bag(self) -> Counter:
        total: Counter = Counter()
        for unit in self.units:
            total.update(unit.counts)
        return total


def story_units_of_text(text: str) -> dict:
    """:func:`story_units` of a text as JSON (a per-document feature, kept in the incremental cache)."""
    story = story_units(Document("-", text))
    return {"units": [[u.first, u.last, u.start, u.end, dict(u.counts), u.words, u.bullet] for u in story.units],
            "surfaces": story.surfaces}


def story_from_json(document: Document, data: Mapping) -> StoryText:
    """The :class:`StoryText` of ``document`` from :func:`story_units_of_text`'s JSON."""
    units = [Unit(first, last, start, end, Counter(counts), words, bullet)
             for first, last, start, end, counts, words, bullet in data["units"]]
    return StoryText(document, units, dict(data["surfaces"]))


def story_units(document: Document) -> StoryText:
    surfaces: dict[str, str] = {}
    units: list[Unit] = []
    for paragraph in document.paragraphs:
        text = paragraph.text
        furniture = line_boilerplate(text, paragraph.index)
        if any(b.start == 0 and b.end >= len(text.rstrip()) for b in furniture):
            continue
        if is_separator(text) or is_heading(text, paragraph.index) or is_label(text):
            continue
        # a kicker, dateline or header run into the text is not part of the story
        offset = max((b.end for b in furniture if b.start == 0), default=0)
        counts = term_counts(text[offset:], surfaces)
        n_words = len(text[offset:].split())
        bullet = is_bullet(text)
        previous = units[-1] if units else None
        joins = previous is not None and (
            (bullet and previous.bullet and previous.last == paragraph.index - 1)
            or sum(counts.values()) < MIN_UNIT_TERMS
        )
        if joins:
            previous.counts.update(counts)
            previous.last, previous.end = paragraph.index, paragraph.span.end
            previous.words += n_words
        else:
            units.append(Unit(paragraph.index, paragraph.index, paragraph.span.start, paragraph.span.end,
                              counts, n_words, bullet))
    return StoryText(document, units, surfaces)


def weighted(units: Sequence[Unit], idf: IdfModel) -> list[dict[str, float]]:
    """Each unit's terms weighted by IDF (term frequency sublinear)."""
    import math

    return [{t: (1.0 + math.log(tf)) * idf.idf(t) for t, tf in unit.counts.items()} for unit in units]


def sibling_support(story: StoryText, siblings: Sequence[Mapping[str, float]], min_lead_cover: float = 0.25) -> tuple[dict[str, float], list[int]]:
    """Per term, the share of sibling versions that use it; and which siblings were kept.

    A sibling is kept only when it tells the document's own story: it must hold
    terms carrying ``min_lead_cover`` of the lead unit's weight (a sibling linked
    through a story glued onto this document would otherwise vouch for the glue).
    """
    if not siblings or not story.units:
        return {}, []
    lead = story.units[0].counts
    lead_total = sum(lead.values()) or 1.0
    kept = [i for i, bag in enumerate(siblings) if sum(w for t, w in lead.items() if t in bag) / lead_total >= min_lead_cover]
    support: dict[str, float] = {}
    for i in kept:
        for term in siblings[i]:
            support[term] = support.get(term, 0.0) + 1.0 / len(kept)
    return support, kept


def find_foreign_run(story: StoryText, idf: IdfModel, support: Mapping[str, float], max_inner: int = 3) -> Split | None:
    units = weighted(story.units, idf)
    # long texts: tails and heads only, inner runs would cost n * max_inner passes
    inner = max_inner if len(units) <= 150 else 0
    return best_split(units, support, max_inner=inner)


def foreign_terms(story: StoryText, idf: IdfModel, split: Split, support: Mapping[str, float], k: int = 4) -> list[str]:
    """The run's heaviest terms that the story never uses, as written."""
    main_terms = set(support)
    for i, unit in enumerate(story.units):
        if not split.start <= i < split.end:
            main_terms.update(unit.counts)
    run: Counter = Counter()
    for unit in story.units[split.start : split.end]:
        for t, tf in unit.counts.items():
            if t not in main_terms:
                run[t] += tf * idf.idf(t)
    return [story.surfaces.get(t, t) for t, _ in sorted(run.items(), key=lambda x: (-x[1], x[0]))[:k]]


def topic_support(bags: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per term, the share of the given documents that use it."""
    support: dict[str, float] = {}
    for bag in bags:
        for term in bag:
            support[term] = support.get(term, 0.0) + 1.0 / len(bags)
    return support


class LeadIndex:
    """Finds the corpus documents closest to a document's lead: its topic's neighbours.

    Natural drift (a story's background, its figures) reuses the vocabulary of
    other stories on the same topic; a glued story does not. Candidates come from
    an inverted index over each document's heaviest terms, never from all pairs.

    The TF-IDF vectors are kept as one sparse matrix (term ids and weights in numpy
    arrays, row by row), so a lead's cosines to its up to 15 x 500 candidates are a
    few array operations instead of thousands of dictionary walks (that walk was
    most of TOP001's time on 10,000 documents).

    A row depends only on its document's bag of terms and the IDF, so with a fixed
    IDF (a statistics generation's) the index can be kept between runs
    (:meth:`to_state`, :meth:`from_state`) and only the rows of added, edited or
    deleted documents replaced (:meth:`updated`). Nothing depends on the order of
    the rows (neighbours are ranked by cosine, then id), so an updated index finds
    what one built afresh finds.
    """

    def __init__(self, bags: Mapping[str, Counter], idf: IdfModel, top: int = 30, max_postings: int = 500):
        ids = list(bags)
        vocabulary: list[str] = []
        term_id: dict[str, int] = {}
        rows = _index_rows((idf.vector(bags[doc_id]) for doc_id in ids), term_id, vocabulary, top)
        self._assemble(ids, vocabulary, *rows, top=top, max_postings=max_postings, term_id=term_id)

    @classmethod
    def of_vectors(cls, vectors: Mapping[str, Mapping[str, float]], top: int = 30, max_postings: int = 500) -> "LeadIndex":
        """The index of TF-IDF vectors weighed beforehand (document id -> unit vector)."""
        ids = list(vectors)
        vocabulary: list[str] = []
        term_id: dict[str, int] = {}
        index = cls.__new__(cls)
        index._assemble(ids, vocabulary, *_index_rows((vectors[d] for d in ids), term_id, vocabulary, top),
                        top=top, max_postings=max_postings, term_id=term_id)
        return index

    def _assemble(self, ids: list[str], vocabulary: list[str], indptr, terms, weights, top_indptr, top_columns,
                  top_weights, *, top: int, max_postings: int, term_id: dict[str, int] | None = None) -> None:
        """Set the index's rows; ``term_id``, when given, is ``vocabulary``'s term -> column."""
        self.ids = ids
        self.row_of = {doc_id: row for row, doc_id in enumerate(ids)}
        #: column -> term, and term -> column
        self.vocabulary = vocabulary
        self.term_id = term_id if term_id is not None else {term: column for column, term in enumerate(vocabulary)}
        self.indptr, self.terms, self.weights = indptr, terms, weights
        #: each row's heaviest terms (the postings it is in), as columns with their weights, row after row
        self.top_indptr, self.top_columns, self.top_weights = top_indptr, top_columns, top_weights
        self.top, self.max_postings = top, max_postings
        self._postings: _Postings | None = None
        self._query_vector = None

    @property
    def postings(self) -> "_Postings":
        """Term -> the rows holding it among their heaviest terms (made when first asked: a kept
        index read from the cache and then updated would otherwise make it twice)."""
        if self._postings is None:
            self._postings = _Postings(self.term_id, self.vocabulary, self.top_indptr, self.top_columns,
                                       self.top_weights, self.max_postings)
        return self._postings

    @property
    def _query(self):
        import numpy as np

        if self._query_vector is None:
            self._query_vector = np.zeros(len(self.vocabulary), dtype=np.float64)
        return self._query_vector

    def tops_of(self, row: int) -> list[str]:
        """The heaviest terms of the document in ``row``, heaviest first."""
        return [self.vocabulary[column] for column in
                self.top_columns[self.top_indptr[row] : self.top_indptr[row + 1]].tolist()]

    def vector_of(self, row: int) -> dict[str, float]:
        """The TF-IDF vector of the document in ``row``, its terms in the order they were weighed."""
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        vocabulary = self.vocabulary
        return dict(zip([vocabulary[c] for c in self.terms[start:end].tolist()], self.weights[start:end].tolist()))

    def updated(self, keep: Collection[str], bags: Mapping[str, Counter], idf: IdfModel) -> "LeadIndex":
        """A new index: the rows of the documents in ``keep``, and a row for each of ``bags``
        (added or edited documents), weighed with ``idf`` (the IDF this index was built with)."""
        import numpy as np

        kept_rows = np.fromiter((doc_id in keep for doc_id in self.ids), dtype=bool, count=len(self.ids))
        vocabulary = list(self.vocabulary)
        term_id = dict(self.term_id)  # extended with the new rows' terms, as vocabulary is
        fresh = _index_rows((idf.vector(bag) for bag in bags.values()), term_id, vocabulary, self.top)
        indptr, terms, weights = _kept(self.indptr, kept_rows, self.terms, self.weights)
        top_indptr, top_columns, top_weights = _kept(self.top_indptr, kept_rows, self.top_columns, self.top_weights)
        index = LeadIndex.__new__(LeadIndex)
        index._assemble(
            [doc_id for doc_id, kept in zip(self.ids, kept_rows.tolist()) if kept] + list(bags), vocabulary,
            np.concatenate((indptr, fresh[0][1:] + indptr[-1])), np.concatenate((terms, fresh[1])),
            np.concatenate((weights, fresh[2])), np.concatenate((top_indptr, fresh[3][1:] + top_indptr[-1])),
            np.concatenate((top_columns, fresh[4])), np.concatenate((top_weights, fresh[5])),
            top=self.top, max_postings=self.max_postings, term_id=term_id)
        return index

    def to_state(self, **extra: Any) -> bytes:
        """The index as bytes (its arrays as they are: :func:`~dup_kept.packed`), with ``extra``
        JSON values kept beside it, for :meth:`from_state` and :meth:`read_state`."""
        import numpy as np

        header = {"ids": self.ids, "vocabulary": self.vocabulary, "top": self.top, "max_postings": self.max_postings,
                  "extra": extra}
        return packed(header, {name: np.asarray(getattr(self, name), dtype=dtype) for name, dtype in _ARRAYS})

    @classmethod
    def from_state(cls, state: Any) -> "LeadIndex":
        """The index :meth:`to_state` wrote; ValueError when ``state`` is not one."""
        return cls.read_state(state)[0]

    @classmethod
    def read_state(cls, state: Any) -> tuple["LeadIndex", dict[str, Any]]:
        """The index :meth:`to_state` wrote and the extra values kept with it; ValueError when
        ``state`` is not one."""
        import numpy as np

        try:
            header, found = unpacked(state)
            if set(found) != {name for name, _ in _ARRAYS} or any(
                    found[name].dtype != np.dtype(dtype) or found[name].ndim != 1 for name, dtype in _ARRAYS):
                raise ValueError("another state's arrays")
            arrays = [found[name] for name, _ in _ARRAYS]
            ids, vocabulary = list(header["ids"]), list(header["vocabulary"])
            top, max_postings, extra = int(header["top"]), int(header["max_postings"]), dict(header["extra"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a lead index state: {exc}") from None
        indptr, terms, weights, top_indptr, top_columns, top_weights = arrays
        rows = len(ids)
        if (len(indptr) != rows + 1 or len(top_indptr) != rows + 1 or int(indptr[0]) != 0 or int(top_indptr[0]) != 0
                or int(indptr[-1]) != len(terms) or len(weights) != len(terms)
                or int(top_indptr[-1]) != len(top_columns) or len(top_weights) != len(top_columns)
                or (len(terms) and (int(terms.max()) >= len(vocabulary) or int(terms.min()) < 0))
                or (len(top_columns) and (int(top_columns.max()) >= len(vocabulary) or int(top_columns.min()) < 0))):
            raise ValueError("not a lead index state: its arrays disagree")
        index = cls.__new__(cls)
        index._assemble(ids, vocabulary, *arrays, top=top, max_postings=max_postings)
        return index, extra

    def holders(self, term: str) -> list[str]:
        """The documents that have ``term`` among their heaviest terms (none when too many do)."""
        return [self.ids[row] for row in self.postings.get(term, ())]

    def lead_terms(self, story: StoryText, idf: IdfModel, lead_units: int = 2) -> list[str]:
        """The lead's heaviest terms whose postings give the topic neighbour candidates."""
        return [term for term in top_terms(self.lead_vector(story, idf, lead_units), 15) if term in self.postings]

    @staticmethod
    def lead_bag(story: StoryText, lead_units: int = 2) -> Counter:
        """The terms of the story's lead (its first ``lead_units`` paragraphs) and their counts."""
        lead: Counter = Counter()
        for unit in story.units[:lead_units]:
            lead.update(unit.counts)
        return lead

    @staticmethod
    def lead_vector(story: StoryText, idf: IdfModel, lead_units: int = 2) -> dict[str, float]:
        return idf.vector(LeadIndex.lead_bag(story, lead_units))

    def neighbours_of_lead(self, story: StoryText, idf: IdfModel, exclude: set[str], k: int,
                           lead_units: int = 2, min_similarity: float = 0.08) -> list[str]:
        return [doc_id for doc_id, _ in self.scored_neighbours(story, idf, exclude, k, lead_units, min_similarity)]

    def scored_neighbours(self, story: StoryText, idf: IdfModel, exclude: set[str], k: int,
                          lead_units: int = 2, min_similarity: float = 0.08) -> list[tuple[str, float]]:
        """:meth:`neighbours_of_lead` with each neighbour's cosine, best first (ties by id, descending)."""
        import numpy as np

        vector = self.lead_vector(story, idf, lead_units)
        lists = [self.postings[term] for term in top_terms(vector, 15) if term in self.postings]
        if not lists:
            return []
        rows = np.unique(np.concatenate(lists))
        excluded = [self.row_of[d] for d in exclude if d in self.row_of]
        if excluded:
            rows = rows[~np.isin(rows, excluded)]
        if not len(rows):
            return []
        scores = self._cosines(vector, rows)
        keep = scores >= min_similarity
        ranked = sorted(zip(scores[keep].tolist(), [self.ids[r] for r in rows[keep].tolist()]), reverse=True)
        return [(doc_id, score) for score, doc_id in ranked[:k]]

    def cosines_to(self, vector: Mapping[str, float], doc_ids: Sequence[str]) -> list[float]:
        """The cosine of ``vector`` with each of the indexed documents ``doc_ids``."""
        import numpy as np

        if not doc_ids:
            return []
        return self._cosines(vector, np.array([self.row_of[d] for d in doc_ids], dtype=np.int64)).tolist()

    def _cosines(self, vector: Mapping[str, float], rows):
        """The dot product of ``vector`` with each row (all unit length: cosines)."""
        import numpy as np

        query = self._query
        known = [(self.term_id[t], w) for t, w in vector.items() if t in self.term_id]
        for term, weight in known:
            query[term] = weight
        # every stored entry of the chosen rows, row after row
        indptr, terms, weights = _gather(self.indptr, rows, self.terms, self.weights)
        products = query[terms] * weights
        scores = np.bincount(np.repeat(np.arange(len(rows)), np.diff(indptr)), weights=products, minlength=len(rows))
        for term, _ in known:
            query[term] = 0.0
        return scores


class _Postings(Mapping):
    """Term -> the rows holding it among their heaviest terms, in row order (a stable sort of
    the columns keeps it); terms held by more than ``max_postings`` rows are absent, too
    common to point at a topic. :meth:`weights` gives the term's weight in each row.

    A read-only mapping over sorted arrays: no dict entry or array per term is made (an
    index of 100,000 documents has half a million terms, and is loaded on every run).
    """

    def __init__(self, term_id: Mapping[str, int], vocabulary: Sequence[str], top_indptr, top_columns, top_weights,
                 max_postings: int):
        import numpy as np

        row_of_entry = np.repeat(np.arange(len(top_indptr) - 1, dtype=np.int64), np.diff(top_indptr))
        order = stable_order(top_columns)
        self._rows, self._weights = row_of_entry[order], top_weights[order]
        counts = np.bincount(top_columns, minlength=len(vocabulary)) if len(top_columns) else np.zeros(
            len(vocabulary), dtype=np.int64)
        self._counts = counts.tolist()
        self._starts = [0, *np.cumsum(counts).tolist()]
        self._term_id, self._vocabulary, self._max = term_id, vocabulary, max_postings

    def _column(self, term: str) -> int | None:
        column = self._term_id.get(term)
        if column is None or not 0 < self._counts[column] <= self._max:
            return None
        return column

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._column(term) is not None

    def __getitem__(self, term: str):
        column = self._column(term)
        if column is None:
            raise KeyError(term)
        return self._rows[self._starts[column] : self._starts[column + 1]]

    def get(self, term: str, default=None):
        return self[term] if term in self else default

    def weights(self, term: str):
        """The weight of ``term`` in each of its rows, in the order of ``self[term]``."""
        column = self._column(term)
        if column is None:
            raise KeyError(term)
        return self._weights[self._starts[column] : self._starts[column + 1]]

    def __iter__(self):
        return (self._vocabulary[column] for column, n in enumerate(self._counts) if 0 < n <= self._max)

    def __len__(self) -> int:
        return sum(1 for n in self._counts if 0 < n <= self._max)


#: the arrays of a LeadIndex's state, with their types (little-endian, whatever the machine)
_ARRAYS = (("indptr", "<i8"), ("terms", "<i4"), ("weights", "<f8"), ("top_indptr", "<i8"), ("top_columns", "<i4"),
           ("top_weights", "<f8"))


def kept_index(corpus, name: str, ids: list[str], bags_of: Callable[[list[str]], Mapping[str, Counter]],
               idf: IdfModel, fit_token: str, top: int = 30) -> LeadIndex:
    """The :class:`LeadIndex` of the documents ``ids`` (weighed with the statistics
    generation's ``idf``), kept in the incremental cache under ``name``.

    One entry per generation, written when it starts; a run replaces the rows of the
    documents added, edited or deleted since (a row depends only on the text and the IDF:
    at 100,000 documents building an index from every document's terms took several
    seconds of every run; see :func:`worth_rewriting` for when the entry is written again).
    ``bags_of(ids)`` gives the bags of terms of those documents. ``fit_token`` names the
    fit of the IDF: a state weighed with another fit, or one that does not load, is
    built again. Without a cache the index is built afresh.
    """
    if corpus.cache is None:
        return LeadIndex(bags_of(ids), idf, top=top)
    current = {doc_id: corpus[doc_id].sha256 for doc_id in ids}
    namespace = corpus.cache_namespace(f"{name}@{corpus.generation.id}", LeadIndex)
    stored = corpus.cache.get_many(namespace, ["state"]).get("state")
    index, kept = None, {}
    if stored is not None:
        try:
            index, kept = LeadIndex.read_state(stored)
        except ValueError:
            index = None
    if index is None or index.top != top or kept.get("fit") != fit_token or not isinstance(kept.get("documents"), dict):
        index = LeadIndex(bags_of(ids), idf, top=top)
    else:
        before = kept["documents"]
        keep = {doc_id for doc_id in index.ids if before.get(doc_id) == current.get(doc_id)}
        added = [doc_id for doc_id in ids if doc_id not in keep]
        if len(keep) == len(index.ids) and not added:
            return index
        differing = len(added) + len(index.ids) - len(keep)
        index = index.updated(keep, bags_of(added), idf)
        if not worth_rewriting(differing, len(ids)):
            return index
    corpus.cache.put_many(namespace, {"state": index.to_state(fit=fit_token, documents=current)})
    return index


def kept_rows(corpus, name: str, ids: list[str], version: str,
              rows_of: Callable[[list[str]], Mapping[str, Any]]) -> dict[str, Any]:
    """A JSON value per document of ``ids`` (``rows_of(ids)`` computes them), kept in the
    incremental cache under ``name`` for the statistics generation, in one entry.

    A run computes only the rows of documents added or edited since the entry was written
    (at the generation's start: see :func:`worth_rewriting`), and reads the rest in one
    lookup instead of one per document. ``version`` names what else the values depend on
    (the fit of the IDF): rows kept under another version are computed again.
    """
    if corpus.cache is None:
        return dict(rows_of(ids))
    current = {doc_id: corpus[doc_id].sha256 for doc_id in ids}
    namespace = corpus.cache_namespace(f"{name}@{corpus.generation.id}", rows_of)
    stored = corpus.cache.get_many(namespace, ["state"]).get("state")
    before, rows = {}, {}
    if (isinstance(stored, dict) and stored.get("version") == version and isinstance(stored.get("documents"), dict)
            and isinstance(stored.get("rows"), dict)):
        before, rows = stored["documents"], stored["rows"]
    todo = [doc_id for doc_id in ids if before.get(doc_id) != current[doc_id] or doc_id not in rows]
    if not todo and len(rows) == len(ids):
        return rows
    todo_set = set(todo)
    result = {doc_id: rows[doc_id] for doc_id in ids if doc_id not in todo_set}
    result.update(rows_of(todo))
    if not rows or worth_rewriting(len(todo) + len(rows.keys() - result.keys()), len(ids)):
        corpus.cache.put_many(namespace, {"state": {"version": version, "documents": current, "rows": result}})
    return result


def _index_rows(vectors: Iterable[Mapping[str, float]], term_id: dict[str, int], vocabulary: list[str], top: int):
    """(indptr, columns, weights, top indptr, top columns, top weights) of these rows as arrays;
    terms not in ``term_id`` get the next columns (appended to ``vocabulary``)."""
    import numpy as np

    lengths, columns, weights, top_lengths, top_columns, top_weights = [], [], [], [], [], []
    for vector in vectors:
        lengths.append(len(vector))
        for term, weight in vector.items():
            column = term_id.get(term)
            if column is None:
                column = term_id[term] = len(vocabulary)
                vocabulary.append(term)
            columns.append(column)
            weights.append(weight)
        heaviest = top_terms(vector, top)
        top_lengths.append(len(heaviest))
        top_columns.extend(term_id[term] for term in heaviest)
        top_weights.extend(vector[term] for term in heaviest)
    return (ragged(lengths), np.array(columns, dtype=np.int32), np.array(weights, dtype=np.float64),
            ragged(top_lengths), np.array(top_columns, dtype=np.int32), np.array(top_weights, dtype=np.float64))


def _kept(indptr, kept_rows, *values):
    """:func:`_gather` of the rows where ``kept_rows`` (booleans, one a row) is true, in order: each
    of ``values`` compressed by its entries' rows, without a position per entry (100,000 rows of
    10 million entries, 100 dropped: 0.06-0.08 s against 0.23 s and more)."""
    import numpy as np

    lengths = np.diff(indptr)
    entries = np.repeat(kept_rows, lengths)
    return (ragged(lengths[kept_rows]), *(value[entries] for value in values))


def _gather(indptr, rows, *values):
    """The rows ``rows`` of a row-by-row layout: (their indptr, each of ``values`` cut to them)."""
    positions = row_positions(indptr, rows)
    return (ragged(indptr[rows + 1] - indptr[rows]), *(value[positions] for value in values))


def sibling_relative(story: StoryText, idf: IdfModel, split: Split, support: Mapping[str, float]) -> float | None:
    """How well the other versions of the story cover the run, as a share of the main part.

    None when there is no sibling support. A passage that no other version of the
    story tells, in a document whose other paragraphs they do tell, is a passenger.
    """
    if not support:
        return None
    units = weighted(story.units, idf)
    coverage = []
    for unit in units:
        total = sum(unit.values())
        coverage.append(sum(w * min(1.0, support.get(t, 0.0)) for t, w in unit.items()) / total if total else 0.0)
    main = coverage[: split.start] + coverage[split.end :]
    run = coverage[split.start : split.end]
    main_mean = sum(main) / len(main)
    if main_mean <= 0:
        return None
    return (sum(run) / len(run)) / main_mean
