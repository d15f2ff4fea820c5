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
from typing import Mapping, Sequence

from copydesk import Document
from copydesk.plugins.top_lines import is_bullet, is_heading, is_label, is_separator, line_boilerplate
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
    """

    def __init__(self, bags: Mapping[str, Counter], idf: IdfModel, top: int = 30, max_postings: int = 500):
        import numpy as np

        self.ids: list[str] = list(bags)
        self.row_of = {doc_id: row for row, doc_id in enumerate(self.ids)}
        self.term_id: dict[str, int] = {}
        #: each row's heaviest terms (the postings it is in)
        self.tops: list[list[str]] = []
        postings: dict[str, list[int]] = {}
        lengths, terms, weights = [], [], []
        for row, doc_id in enumerate(self.ids):
            vector = idf.vector(bags[doc_id])
            lengths.append(len(vector))
            for term, weight in vector.items():
                terms.append(self.term_id.setdefault(term, len(self.term_id)))
                weights.append(weight)
            self.tops.append(top_terms(vector, top))
            for term in self.tops[-1]:
                postings.setdefault(term, []).append(row)
        self.indptr = np.zeros(len(self.ids) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.indptr[1:])
        self.terms = np.array(terms, dtype=np.int64)
        self.weights = np.array(weights, dtype=np.float64)
        self.postings = {term: np.array(rows, dtype=np.int64) for term, rows in postings.items()
                         if len(rows) <= max_postings}  # longer lists are too common to point at a topic
        self._query = np.zeros(len(self.term_id), dtype=np.float64)

    def holders(self, term: str) -> list[str]:
        """The documents that have ``term`` among their heaviest terms (none when too many do)."""
        return [self.ids[row] for row in self.postings.get(term, ())]

    def lead_terms(self, story: StoryText, idf: IdfModel, lead_units: int = 2) -> list[str]:
        """The lead's heaviest terms whose postings give the topic neighbour candidates."""
        return [term for term in top_terms(self.lead_vector(story, idf, lead_units), 15) if term in self.postings]

    @staticmethod
    def lead_vector(story: StoryText, idf: IdfModel, lead_units: int = 2) -> dict[str, float]:
        lead: Counter = Counter()
        for unit in story.units[:lead_units]:
            lead.update(unit.counts)
        return idf.vector(lead)

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
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # positions of every stored entry of the chosen rows, row after row
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        positions = offsets + np.arange(total)
        products = query[self.terms[positions]] * self.weights[positions]
        scores = np.bincount(np.repeat(np.arange(len(rows)), lengths), weights=products, minlength=len(rows))
        for term, _ in known:
            query[term] = 0.0
        return scores


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
