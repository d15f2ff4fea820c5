"""Per-document features of the reuse analysis, many documents at a time.

A document's features are its MinHash signature (word shingles) and its sampled
seed hashes (stemmed word runs, for passage candidates). The pure-Python path
computes them document by document (:func:`features_python`); when numpy is
importable, :func:`features_numpy` does the same arithmetic on one array for a
whole batch of documents, which removes the interpreter's per-shingle cost: only
splitting into words and looking up each word's hash stay in Python. Both paths
give identical bytes (tested), so results never depend on numpy being installed.
"""

from __future__ import annotations

import itertools
from array import array
from typing import Callable, Sequence

from copydesk.plugins.dup_align import stem
from copydesk.plugins.dup_shingles import (
    _PRIME1,
    _PRIME2,
    _word_hashes,
    folded_words,
    minhash,
    shingle_hashes,
    word_hash,
)

_UNSET = object()
_np = _UNSET  # numpy, None when absent; imported on first use so registering checks stays light


def _numpy():
    """numpy if importable (only speed depends on it), else None; imported once, on first use."""
    global _np
    if _np is _UNSET:
        try:
            import numpy
        except ImportError:  # pragma: no cover - exercised where numpy is absent
            numpy = None
        _np = numpy
    return _np

EMPTY = 0xFFFFFFFF
_STEMS: dict[str, str] = {}  # word -> stem, memoised per process


def stem_of(word: str) -> str:
    result = _STEMS.get(word)
    if result is None:
        result = stem(word)
        if len(_STEMS) < 2_000_000:  # bound the memo on enormous vocabularies
            _STEMS[word] = result
    return result


def features_python(text: str, size: int, num_perm: int, seed_size: int, sample: int) -> tuple[bytes, bytes]:
    """MinHash signature (``num_perm`` 32-bit values) and sorted sampled seed hashes (64-bit), as bytes."""
    folded = folded_words(text)
    signature = minhash(set(shingle_hashes(folded, size)), num_perm).tobytes()
    get = _STEMS.get
    stems = [get(w) or stem_of(w) for w in folded]
    seeds = {h for h in shingle_hashes(stems, seed_size) if h % sample == 0}
    return signature, array("Q", sorted(seeds)).tobytes()


def _runs(hashes, doc_of, size: int):
    """Hashes of all runs of ``size`` words inside each document, and the document of each run."""
    np = _numpy()
    count = max(0, len(hashes) - size + 1)
    combined = hashes[:count].copy()
    for k in range(1, size):
        combined *= np.uint64(_PRIME1)  # uint64 arithmetic wraps like "& MASK64"
        combined ^= hashes[k : k + count]
    combined ^= combined >> np.uint64(29)
    inside = doc_of[:count] == doc_of[size - 1 : size - 1 + count]  # the run ends in its own document
    return combined[inside], doc_of[:count][inside]


def _densify_rows(rows):
    """:func:`dup_shingles._densify` on every row of a matrix of signatures at once.

    As there, an empty bin borrows from the next non-empty bin to its right; the
    empty bins after the last non-empty one wrap around to bin 0 as already filled.
    """
    np = _numpy()
    n, width = rows.shape
    empty = rows == EMPTY
    todo = empty.any(axis=1) & ~empty.all(axis=1)  # rows with nothing to borrow stay as they are
    if not todo.any():
        return rows
    sub = rows[todo]
    positions = np.arange(width)
    marked = np.where(sub != EMPTY, positions, width)
    # the next non-empty position at or after each position (width: none before the end)
    following = np.minimum.accumulate(marked[:, ::-1], axis=1)[:, ::-1]
    inside = following < width
    borrowed = np.take_along_axis(sub, np.minimum(following, width - 1), axis=1).astype(np.uint64)
    hops = (following - positions).astype(np.uint64)
    filled = ((borrowed * np.uint64(31) + hops) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
    result = np.where(sub == EMPTY, filled, sub)
    # wrapping: bin 0 is final by now (filled from the right if it was empty)
    wrap = ((result[:, :1].astype(np.uint64) * np.uint64(31) + (width - positions).astype(np.uint64))
            & np.uint64(0xFFFFFFFE)).astype(np.uint32)
    result = np.where(inside, result, wrap)
    rows = rows.copy()
    rows[todo] = result
    return rows


def features_numpy(texts: Sequence[str], size: int, num_perm: int, seed_size: int, sample: int) -> list[tuple[bytes, bytes]]:
    """:func:`features_python` for many texts at once, with numpy (same bytes)."""
    np = _numpy()
    n = len(texts)
    # one dict operation a word, in C (map over setdefault): each word gets a number,
    # the first position it was seen at in this batch; hashes are then computed once
    # per distinct word and spread over the positions by numpy indexing
    vocabulary: dict[str, int] = {}
    positions = itertools.count()
    ids: list[int] = []
    starts = [0]
    for text in texts:
        ids.extend(map(vocabulary.setdefault, folded_words(text), positions))
        starts.append(len(ids))
    get_hash, get_stem = _word_hashes.get, _STEMS.get
    numbers = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
    word_hashes = np.zeros(len(ids) + 1, dtype=np.uint64)
    stem_hashes = np.zeros(len(ids) + 1, dtype=np.uint64)
    word_hashes[numbers] = np.array([get_hash(w) or word_hash(w) for w in vocabulary], dtype=np.uint64)
    stem_hashes[numbers] = np.array([word_hash(get_stem(w) or stem_of(w)) for w in vocabulary], dtype=np.uint64)
    ids_array = np.array(ids, dtype=np.int64)
    lengths = np.diff(np.array(starts, dtype=np.int64))
    doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)

    # signatures: every shingle's mixed hash is dealt to bin (doc, mixed % num_perm)
    shingles, docs = _runs(word_hashes[ids_array], doc_of, size)
    mixed = shingles * np.uint64(_PRIME2)
    slots = docs * num_perm + (mixed % np.uint64(num_perm)).astype(np.int64)
    signatures = np.full(n * num_perm, EMPTY, dtype=np.uint32)
    np.minimum.at(signatures, slots, (mixed >> np.uint64(32)).astype(np.uint32))
    signatures = _densify_rows(signatures.reshape(n, num_perm))

    # seeds: stemmed runs, one in ``sample`` by hash, sorted and unique per document
    seeds, seed_docs = _runs(stem_hashes[ids_array], doc_of, seed_size)
    keep = seeds % np.uint64(sample) == 0
    seeds, seed_docs = seeds[keep], seed_docs[keep]
    order = np.lexsort((seeds, seed_docs))
    seeds, seed_docs = seeds[order], seed_docs[order]
    if len(seeds):
        first = np.ones(len(seeds), dtype=bool)
        first[1:] = (seeds[1:] != seeds[:-1]) | (seed_docs[1:] != seed_docs[:-1])
        seeds, seed_docs = seeds[first], seed_docs[first]
    bounds = np.searchsorted(seed_docs, np.arange(n + 1)).tolist()
    seed_bytes = seeds.astype("<u8")

    result = []
    for d in range(n):
        if lengths[d] < size or lengths[d] < seed_size:
            result.append(features_python(texts[d], size, num_perm, seed_size, sample))  # too short for runs
        else:
            result.append((signatures[d].tobytes(), seed_bytes[bounds[d] : bounds[d + 1]].tobytes()))
    return result


def batch_features(args: tuple[tuple[str, ...], int, int, int, int]) -> list[tuple[bytes, bytes]]:
    """Features of a batch of texts (runs in workers with --jobs): numpy when importable."""
    texts, size, num_perm, seed_size, sample = args
    if _numpy() is not None and len(texts) > 1:
        return features_numpy(texts, size, num_perm, seed_size, sample)
    return [features_python(text, size, num_perm, seed_size, sample) for text in texts]


def all_features(mapper: Callable, texts: Sequence[str], settings: tuple[int, int, int, int],
                 batch: int = 512) -> list[tuple[bytes, bytes]]:
    """Features of every text, in order, computed in batches through ``mapper`` (e.g. ``corpus.map``)."""
    chunks = [(tuple(texts[i : i + batch]), *settings) for i in range(0, len(texts), batch)]
    return [features for chunk in mapper(batch_features, chunks) for features in chunk]


def estimated_similarities(signatures: Sequence[bytes], pairs: Sequence[tuple[int, int]], chunk: int = 65536) -> list[float]:
    """Share of equal signature values for each pair of document indices (the MinHash Jaccard estimate)."""
    if not pairs:
        return []
    if _numpy() is None:
        import operator

        width = len(signatures[0]) // 4
        rows = [array("I", s) for s in signatures]
        return [sum(map(operator.eq, rows[i], rows[j])) / width for i, j in pairs]
    np = _numpy()
    matrix = np.frombuffer(b"".join(signatures), dtype=np.uint32).reshape(len(signatures), -1)
    result: list[float] = []
    for start in range(0, len(pairs), chunk):  # bounded memory: a chunk of pairs at a time
        index = np.array(pairs[start : start + chunk], dtype=np.int64)
        result.extend((matrix[index[:, 0]] == matrix[index[:, 1]]).mean(axis=1).tolist())
    return result


def band_candidates(signatures: Sequence[bytes], bands: int, rows: int) -> set[tuple[int, int]]:
    """LSH banding: each document paired with the first document of every band bucket it falls in."""
    candidates: set[tuple[int, int]] = set()
    if not signatures:
        return candidates
    if _numpy() is None:
        for band in range(bands):
            buckets: dict[bytes, int] = {}
            lo, hi = band * rows * 4, (band + 1) * rows * 4
            for index, signature in enumerate(signatures):
                first = buckets.setdefault(signature[lo:hi], index)
                if first != index:
                    candidates.add((first, index))
        return candidates
    np = _numpy()
    matrix = np.frombuffer(b"".join(signatures), dtype=np.uint32).reshape(len(signatures), -1)
    everyone = np.arange(len(signatures))
    for band in range(bands):
        keys = np.ascontiguousarray(matrix[:, band * rows : (band + 1) * rows]).view(np.dtype((np.void, rows * 4)))
        _, first_of_bucket, bucket = np.unique(keys.ravel(), return_index=True, return_inverse=True)
        first = first_of_bucket[bucket.ravel()]
        joined = first != everyone
        candidates.update(zip(first[joined].tolist(), everyone[joined].tolist()))
    return candidates
