"""Pairs of documents that share enough rare keys: the candidate step of the reuse analysis.

Passage candidates share sampled seeds (word runs); same-story candidates share
distinctive terms. Both ask the same question of an inverted index: which pairs
of documents hold at least ``min_shared`` keys that are each held by at most
``max_holders`` documents? A key held by more is too common to link two of them.

With numpy the whole index is one sorted array, and the pairs are counted a range
of first documents at a time (each range's pairs in a few sorts, bounded memory);
without it, a Counter per document. Both give the same pairs in the same order (tested).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from typing import Iterator, Sequence

from copydesk.plugins.dup_batch import _numpy
from copydesk.plugins.dup_kept import stable_order

#: candidate pairs (with repeats, one per shared key) counted in one piece: 8 MB of int64 each array.
#: A piece's arrays are made and dropped a dozen times over; at 32 MB each (1 << 22) every one was
#: memory fresh from the system, zeroed by it first (glibc maps blocks of 32 MB and more anew each
#: time): at 100,000 documents the seed pairs took 1.70 s, the story pairs 1.19; in 8 MB pieces, whose
#: memory is used again, 1.25 and 0.86 s (measured alone, best of three; 2 and 4 MB pieces: no faster)
PAIRS_PER_PIECE = 1 << 20


def pairs_sharing(key_lists: Sequence[Sequence[int]], min_shared: int, max_holders: int) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of indices into ``key_lists`` whose lists share at least
    ``min_shared`` keys held by 2 to ``max_holders`` lists, in ascending order.

    Each list holds distinct non-negative integer keys below 2**64 (seed hashes, term numbers).
    """
    np = _numpy()
    if np is None:
        yield from _pairs_sharing_python(key_lists, min_shared, max_holders)
        return
    for first, other in pair_arrays(*_flattened(key_lists), min_shared, max_holders):
        yield from zip(first.tolist(), other.tolist())


def all_pairs_sharing(keys, lengths, min_shared: int, max_holders: int):
    """:func:`pair_arrays`' pairs in two int64 arrays (firsts, others), with numpy only."""
    np = _numpy()
    pieces = list(pair_arrays(keys, lengths, min_shared, max_holders))
    if not pieces:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([f for f, _ in pieces]), np.concatenate([o for _, o in pieces])


def _flattened(key_lists: Sequence[Sequence[int]]):
    """(the lists' keys concatenated as uint64, each list's length)."""
    np = _numpy()
    lengths = np.fromiter(map(len, key_lists), dtype=np.int64, count=len(key_lists))
    keys = np.concatenate([np.asarray(k, dtype=np.uint64) for k in key_lists]) if len(key_lists) else np.zeros(0, np.uint64)
    return keys, lengths


def pair_arrays(keys, lengths, min_shared: int, max_holders: int, piece: int = PAIRS_PER_PIECE):
    """:func:`pairs_sharing` on arrays: ``keys`` (uint64) are the lists concatenated,
    ``lengths`` how many belong to each list. Yields (first, other) int64 arrays, a
    range of first documents at a time, in ascending order overall."""
    np = _numpy()
    n = len(lengths)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    order = stable_order(keys)  # a key's holders in ascending document order (radix for small keys: terms)
    ordered, holders = keys[order], doc[order]
    del order, doc
    if not len(ordered):
        return
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    del ordered
    run = np.diff(np.append(starts, len(holders)))
    useful = (run >= 2) & (run <= max_holders)
    holders = holders[np.repeat(useful, run)]
    run = run[useful]
    # each holder is the first of a pair with every holder after it in its key's run
    after = np.repeat(np.cumsum(run), run) - np.arange(len(holders)) - 1
    by_first = stable_order(holders)
    sorted_firsts = holders[by_first]
    emitted = np.cumsum(np.bincount(holders, weights=after, minlength=n))
    begin = 0
    while begin < n:
        # the next range of first documents whose pairs fit in one piece (one document at least)
        end = max(begin + 1, int(np.searchsorted(emitted, (emitted[begin - 1] if begin else 0) + piece, side="right")))
        lo, hi = np.searchsorted(sorted_firsts, [begin, end])
        elements = by_first[lo:hi]
        counts = after[elements]
        total = int(counts.sum())
        if total:
            firsts = np.repeat(holders[elements], counts)
            step = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            partners = holders[np.repeat(elements + 1, counts) + step]
            # each (first, key) gives an ascending run of partners: a stable sort (a merge of
            # runs) takes about half the time of the default one here (100,000 documents' seed
            # and story candidates: 2.2 -> 1.3 s and 2.6 -> 1.4 s)
            codes = np.sort(firsts * n + partners, kind="stable")
            new = np.concatenate(([True], codes[1:] != codes[:-1]))
            bounds = np.flatnonzero(new)
            times = np.diff(np.append(bounds, len(codes)))
            kept = codes[bounds[times >= min_shared]]
            if len(kept):
                yield kept // n, kept % n
        begin = end


def _pairs_sharing_python(key_lists, min_shared: int, max_holders: int) -> Iterator[tuple[int, int]]:
    """:func:`pairs_sharing` without numpy: shared keys counted one document at a time,
    so memory holds the postings and one document's partners, never all pairs at once."""
    postings: dict[int, list[int]] = defaultdict(list)
    for index, keys in enumerate(key_lists):
        for key in keys:
            postings[key].append(index)
    for i, keys in enumerate(key_lists):
        shared: Counter = Counter()
        for key in keys:
            holders = postings[key]
            if 2 <= len(holders) <= max_holders:
                # postings ascend: the partners after i are a slice, counted at C speed
                shared.update(holders[bisect_right(holders, i):])
        for j in sorted(j for j, count in shared.items() if count >= min_shared):
            yield i, j
