"""The same-story index of a cached corpus, kept per statistics generation.

Fitted afresh, the TF-IDF statistics move a little with every edit, and with them
every document's weights: nothing of the index could be kept, and at 100,000
documents reading every document's terms, building the index and scoring its
candidate pairs took about 7 s of every warm run. With a cache (and numpy) the
statistics are fitted when a statistics generation starts (:attr:`Corpus.generation`,
as TOP001 fits its IDF) and kept for its runs. A document's row then depends only on
its text, and a candidate pair's cosine only on its two texts: rows are kept in a
per-document table and cosines in a pair table (:mod:`dup_kept`), both named after
the generation's fit, and a run weighs only added or edited texts and scores only the
pairs that involve one.

Within a generation the similarities are those the generation's statistics give; a
run that starts a generation finds exactly what a run without a cache finds.
"""

from __future__ import annotations

import uuid
from typing import Any

from copydesk.plugins.dup_batch import _numpy
from copydesk.plugins.dup_kept import kept_pair_results, ragged, row_positions, text_hashes
from copydesk.plugins.dup_story import (MIN_TERMS, StoryIndex, StoryStatistics, feature_arrays, story_rows,
                                         term_features)

_ROWS = {"numbers": ("<u8", 1), "weights": ("<f4", 1), "ranks": ("<u2", 1)}


def kept_story_terms(corpus, docs: list):
    """Every document's :func:`~dup_story.term_features` as arrays for
    :class:`~dup_story.StoryIndex`: term keys (uint64) and counts (uint32) concatenated, and
    how many terms each document has; kept in one per-document table (:mod:`dup_kept`)."""
    np = _numpy()

    def compute(indices, keep_each: bool):
        keys, counts, lengths = _story_terms(corpus, [docs[k] for k in indices.tolist()])
        return {}, ragged(lengths), {"keys": keys, "counts": counts}

    namespace = corpus.cache_namespace("reuse-story-terms-table/1", term_features)
    _, indptr, rows = kept_pair_results(
        corpus.cache, namespace, text_hashes(docs), np.zeros(len(docs), dtype=np.uint64), {},
        {"keys": ("<u8", 1), "counts": ("<u4", 1)}, compute)
    return rows["keys"], rows["counts"], np.diff(indptr)


def _story_terms(corpus, docs: list):
    """(keys, counts, lengths) of these documents' terms, from the per-document cache."""
    return feature_arrays(corpus.per_document("reuse-story-terms/2", term_features, docs))


def kept_story_index(corpus, docs: list, top_terms: int = 20, max_postings: int = 200,
                     min_terms: int = MIN_TERMS) -> tuple[StoryIndex, str]:
    """The :class:`StoryIndex` of ``docs`` weighed with the statistics generation's fit, and
    a name of that fit and these settings (for what is kept against the index's rows)."""
    np = _numpy()
    loaded: dict[str, Any] = {}

    def fit() -> dict[str, Any]:
        keys, _, lengths = loaded["terms"] = kept_story_terms(corpus, docs)
        return dict(StoryStatistics.fit(keys, lengths)[0].to_json(), token=uuid.uuid4().hex)

    # named with the code that counts the terms: statistics of another version's terms are never read
    fitted = corpus.fitted(corpus.cache_namespace("reuse-story-statistics/1", term_features), fit)
    try:
        statistics, token = StoryStatistics.from_json(fitted), str(fitted["token"])
    except (ValueError, KeyError, TypeError):  # not what fit() writes: fit this run alone
        fitted = fit()
        statistics, token = StoryStatistics.from_json(fitted), fitted["token"]

    def compute(indices, keep_each: bool):
        if "terms" in loaded:  # this run fitted the statistics: every document's terms are at hand
            keys, counts, lengths = loaded["terms"]
            positions = row_positions(ragged(lengths), indices)
            keys, counts, lengths = keys[positions], counts[positions], lengths[indices]
        else:
            keys, counts, lengths = _story_terms(corpus, [docs[k] for k in indices.tolist()])
        indptr, numbers, weights, ranks = story_rows(statistics, keys, counts, lengths, top_terms, min_terms,
                                                     max_postings)
        return {}, indptr, {"numbers": numbers, "weights": weights, "ranks": ranks}

    name = f"{corpus.generation.id}/{token}/{top_terms}/{min_terms}/{max_postings}"
    namespace = corpus.cache_namespace(f"reuse-story-rows/1@{name}", story_rows)
    _, indptr, rows = kept_pair_results(corpus.cache, namespace, text_hashes(docs),
                                        np.zeros(len(docs), dtype=np.uint64), {}, _ROWS, compute)
    index = StoryIndex.of_rows([d.id for d in docs], (indptr, rows["numbers"], rows["weights"], rows["ranks"]),
                               statistics.terms, max_postings=max_postings)
    return index, name


def kept_story_cosines(corpus, docs: list, index: StoryIndex, fit_name: str, firsts, others):
    """:meth:`StoryIndex.cosines` of the pairs ``(firsts[k], others[k])`` of an index from
    :func:`kept_story_index`, kept in a pair table: only pairs with a text the table lacks
    are scored."""
    np = _numpy()
    hashes = text_hashes(docs)

    def compute(indices, keep_each: bool):
        return ({"cosine": index.cosines(firsts[indices], others[indices])},
                np.zeros(len(indices) + 1, dtype=np.int64), {})

    namespace = corpus.cache_namespace(f"reuse-story-cosines/1@{fit_name}", StoryIndex)
    columns, _, _ = kept_pair_results(corpus.cache, namespace, hashes[firsts], hashes[others], {"cosine": "<f8"},
                                      {}, compute)
    return columns["cosine"]
