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

from array import array
from typing import Callable, Sequence

from copydesk.plugins.dup_align import stem
from copydesk.plugins.dup_shingles import (
    _BASE,
    _MIX1,
    _MIX2,
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


def have_numpy() -> bool:
    return _numpy() is not None

EMPTY = 0xFFFFFFFF
_LOWER_BYTES = bytes(c + 32 if 65 <= c <= 90 else c for c in range(256))
_ALNUM_BYTES = bytes(1 if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else 0 for c in range(256))


def _table(name: str):
    """A lookup table over byte values as a numpy array, built on first use."""
    np = _numpy()
    cached = _TABLES.get(name)
    if cached is None:
        source = _LOWER_BYTES if name == "lower" else _ALNUM_BYTES
        cached = np.frombuffer(source, dtype=np.uint8)
        cached = cached.astype(np.uint64) if name == "lower" else cached.astype(bool)
        _TABLES[name] = cached
    return cached


_TABLES: dict = {}
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


_LARGE = 1 << 18  # texts longer than this are hashed word by word (bounded numpy arrays)
_GROUP = 1 << 19  # ASCII texts are hashed together in groups of about this many characters
_STEM_HASHES: dict[int, int] = {}  # word hash -> hash of the word's stem, memoised per process
_powers_cache = None  # (BASE**k, BASE**-k) as numpy arrays, as long as the longest group of texts


def _powers(n: int):
    """BASE**k and BASE**-k modulo 2**64 for k < n (uint64 arithmetic wraps modulo 2**64), cached."""
    np = _numpy()
    if _powers_cache is None or len(_powers_cache[0]) < n:
        size = max(n, 1 << 16)
        powers = np.full(size, _BASE, dtype=np.uint64)
        powers[0] = 1
        inverses = np.full(size, pow(_BASE, -1, 1 << 64), dtype=np.uint64)
        inverses[0] = 1
        globals()["_powers_cache"] = (np.cumprod(powers), np.cumprod(inverses))
    return _powers_cache


def _ascii_words(texts: Sequence[str]):
    """Word hashes of ASCII texts, all at once: (hashes, index of each word's text, word starts and ends, joined bytes).

    The same words as :func:`dup_shingles.folded_words` (runs of letters and digits,
    apostrophes only between them) and the same hashes as :func:`word_hash`: the
    polynomial of each word's lower-cased bytes comes from one prefix sum over the
    whole batch, so no Python step runs per word.
    """
    np = _numpy()
    joined = "\n".join(texts).encode("ascii")
    raw = np.frombuffer(joined, dtype=np.uint8)
    letters = _table("alnum")[raw]
    inside = letters.copy()
    if len(raw) > 2:  # an apostrophe between two letters or digits belongs to the word
        inside[1:-1] |= (raw[1:-1] == 39) & letters[:-2] & letters[2:]
    edges = np.flatnonzero(np.diff(inside, prepend=False, append=False))
    starts, ends = edges[0::2], edges[1::2]
    # polynomial hashes from prefix sums: sum(byte_k * BASE**k) over the buffer, so a
    # word's hash is (prefix[end] - prefix[start]) * BASE**-start, all modulo 2**64
    powers, inverses = _powers(len(raw) + 1)
    prefix = np.zeros(len(raw) + 1, dtype=np.uint64)
    np.cumsum(_table("lower")[raw] * powers[: len(raw)], out=prefix[1:])
    h = (prefix[ends] - prefix[starts]) * inverses[starts]
    lengths = ends - starts
    h ^= lengths.astype(np.uint64) * np.uint64(_PRIME1)
    h ^= h >> np.uint64(30)
    h *= np.uint64(_MIX1)
    h ^= h >> np.uint64(27)
    h *= np.uint64(_MIX2)
    h ^= h >> np.uint64(31)
    offsets = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    text_of = np.searchsorted(offsets, starts, side="right") - 1
    return h, text_of, starts, ends, joined


def _sorted_distinct(values):
    """``values`` sorted, without repeats (np.unique, without its slower general path).
    A stable sort: as quick on values in no order, and it merges the sorted runs of LSH
    bands' pairs (100,000 documents' candidates 1.85 -> 1.4 s)."""
    return _distinct_sorted(_numpy().sort(values, kind="stable"))


def _distinct_sorted(values):
    """Sorted ``values`` without repeats."""
    np = _numpy()
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def _stem_hashes_ascii(hashes, starts, ends, joined):
    """The hash of each word's stem (memoised by word hash; the stemmer runs once per new word)."""
    np = _numpy()
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    distinct, first = ordered[new], order[new]
    inverse = np.empty(len(hashes), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    known = _STEM_HASHES.get
    result = []
    for h, at in zip(distinct.tolist(), first.tolist()):
        value = known(h)
        if value is None:
            word = joined[starts[at] : ends[at]].decode("ascii").lower()
            value = word_hash(stem_of(word))
            if len(_STEM_HASHES) < 2_000_000:
                _STEM_HASHES[h] = value
        result.append(value)
    return np.array(result, dtype=np.uint64)[inverse.ravel()]


def word_arrays(texts: Sequence[str], stems: bool = False):
    """(word hashes, stem hashes or None, index of each word's text) for a batch of texts.

    The words of one text are contiguous. ASCII texts are hashed all at once
    (:func:`_ascii_words`); others (and very long ones) word by word through
    :func:`folded_words`, with identical hashes.
    """
    np = _numpy()
    fast = [i for i, t in enumerate(texts) if t.isascii() and len(t) <= _LARGE]
    slow = sorted(set(range(len(texts))) - set(fast))
    hashes, stem_parts, owners = [], [], []
    group: list[int] = []
    chars = 0
    for position, i in enumerate(fast):
        group.append(i)
        chars += len(texts[i]) + 1
        if chars >= _GROUP or position == len(fast) - 1:
            h, text_of, starts, ends, joined = _ascii_words([texts[k] for k in group])
            hashes.append(h)
            owners.append(np.array(group, dtype=np.int64)[text_of])
            if stems:
                stem_parts.append(_stem_hashes_ascii(h, starts, ends, joined))
            group, chars = [], 0
    get_hash, get_stem = _word_hashes.get, _STEMS.get
    for i in slow:
        folded = folded_words(texts[i])
        hashes.append(np.array([get_hash(w) or word_hash(w) for w in folded], dtype=np.uint64))
        owners.append(np.full(len(folded), i, dtype=np.int64))
        if stems:
            stem_parts.append(np.array([word_hash(get_stem(w) or stem_of(w)) for w in folded], dtype=np.uint64))
    if not hashes:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, (empty if stems else None), np.zeros(0, dtype=np.int64)
    return (np.concatenate(hashes), np.concatenate(stem_parts) if stems else None, np.concatenate(owners))


def signatures_numpy(texts: Sequence[str], size: int, num_perm: int) -> list[bytes]:
    """MinHash signatures of many texts at once (the same bytes as :func:`dup_shingles.minhash`)."""
    words, _, doc_of = word_arrays(texts)
    return _signature_rows(texts, words, doc_of, size, num_perm)


def _signature_rows(texts, words, doc_of, size: int, num_perm: int) -> list[bytes]:
    np = _numpy()
    n = len(texts)
    # every shingle's mixed hash is dealt to bin (doc, mixed % num_perm), which keeps its minimum
    shingles, docs = _runs(words, doc_of, size)
    mixed = shingles * np.uint64(_PRIME2)
    slots = docs * num_perm + (mixed % np.uint64(num_perm)).astype(np.int64)
    signatures = np.full(n * num_perm, EMPTY, dtype=np.uint32)
    np.minimum.at(signatures, slots, (mixed >> np.uint64(32)).astype(np.uint32))
    signatures = _densify_rows(signatures.reshape(n, num_perm))
    counts = np.bincount(doc_of, minlength=n)
    return [signatures[d].tobytes() if counts[d] >= size else
            minhash(set(shingle_hashes(folded_words(texts[d]), size)), num_perm).tobytes()  # too short for runs
            for d in range(n)]


def shared_shingles_of(args: tuple[Sequence[str], Sequence[tuple[int, int]], int]):
    """:func:`shared_shingles` with its arguments as one tuple (for ``corpus.map``)."""
    return shared_shingles(*args)


def shared_shingles(texts: Sequence[str], pairs: Sequence[tuple[int, int]], size: int):
    """For each pair ``(a, b)`` of indices into ``texts``: (distinct shingles shared, distinct in a, distinct in b).

    All pairs at once, with numpy: every text's shingles become keys holding the
    text's number in the top 16 bits and the shingle hash's top 48 bits below,
    sorted once; each shingle of ``a`` is then looked up among ``b``'s by binary
    search. At most 65,536 texts a call.
    """
    np = _numpy()
    n = len(texts)
    if n > 1 << 16:
        raise ValueError("shared_shingles takes at most 65,536 texts a call")
    words, _, doc_of = word_arrays(texts)
    shingles, docs = _runs(words, doc_of, size)
    counts = np.bincount(doc_of, minlength=n)
    short = [d for d in range(n) if 0 < counts[d] < size]  # too short for runs: one shingle of all their words
    if short:
        shingles = np.concatenate([shingles, np.array([shingle_hashes(folded_words(texts[d]), size)[0] for d in short],
                                                      dtype=np.uint64)])
        docs = np.concatenate([docs, np.array(short, dtype=np.int64)])
    keys = _sorted_distinct((docs.astype(np.uint64) << np.uint64(48)) | (shingles >> np.uint64(16)))
    bounds = np.searchsorted(keys, np.arange(n + 1, dtype=np.uint64) << np.uint64(48))
    sizes = np.diff(bounds)
    index = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    a, b = index[:, 0], index[:, 1]
    per_pair = sizes[a]
    total = int(per_pair.sum())
    if total == 0:
        return [(0, int(x), int(y)) for x, y in zip(sizes[a].tolist(), sizes[b].tolist())]
    pair_of = np.repeat(np.arange(len(index)), per_pair)
    before = np.cumsum(per_pair) - per_pair
    elements = np.repeat(bounds[a], per_pair) + (np.arange(total) - np.repeat(before, per_pair))
    targets = (np.repeat(b, per_pair).astype(np.uint64) << np.uint64(48)) | (keys[elements] & np.uint64((1 << 48) - 1))
    found = np.searchsorted(keys, targets)
    hit = keys[np.minimum(found, len(keys) - 1)] == targets
    shared = np.bincount(pair_of[hit], minlength=len(index))
    return list(zip(shared.tolist(), sizes[a].tolist(), sizes[b].tolist()))


def features_numpy(texts: Sequence[str], size: int, num_perm: int, seed_size: int, sample: int) -> list[tuple[bytes, bytes]]:
    """:func:`features_python` for many texts at once, with numpy (same bytes)."""
    np = _numpy()
    n = len(texts)
    words, stem_words, doc_of = word_arrays(texts, stems=True)
    signatures = _signature_rows(texts, words, doc_of, size, num_perm)

    # seeds: stemmed runs, one in ``sample`` by hash, sorted and unique per document
    seeds, seed_docs = _runs(stem_words, doc_of, seed_size)
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
    counts = np.bincount(doc_of, minlength=n)
    return [(signatures[d], seed_bytes[bounds[d] : bounds[d + 1]].tobytes()) if counts[d] >= seed_size
            else features_python(texts[d], size, num_perm, seed_size, sample)  # too short for runs
            for d in range(n)]


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


def all_signatures(mapper: Callable, texts: Sequence[str], size: int, num_perm: int, batch: int = 512):
    """MinHash signatures alone (no passage seeds) of every text, batched through ``mapper``.

    A ``len(texts)`` x ``num_perm`` uint32 numpy array when numpy is importable (504
    bytes a document at the default settings, nothing else kept), else a list of
    bytes; :func:`candidate_pairs` and ``near_duplicate_pairs`` take either.
    """
    chunks = [(tuple(texts[i : i + batch]), size, num_perm) for i in range(0, len(texts), batch)]
    np = _numpy()
    if np is None:
        return [row for chunk in mapper(batch_signatures, chunks) for row in _rows(chunk, num_perm)]
    matrix = np.empty((len(texts), num_perm), dtype=np.uint32)
    for at, chunk in zip(range(0, len(texts), batch), mapper(batch_signatures, chunks)):
        block = np.frombuffer(chunk, dtype="<u4").reshape(-1, num_perm)
        matrix[at : at + len(block)] = block
    return matrix


def _rows(chunk: bytes, num_perm: int) -> list[bytes]:
    width = 4 * num_perm
    return [chunk[k : k + width] for k in range(0, len(chunk), width)]


def batch_signatures(args: tuple[tuple[str, ...], int, int]) -> bytes:
    """The signatures of a batch of texts, concatenated (one object to send back from a worker)."""
    texts, size, num_perm = args
    if _numpy() is not None and len(texts) > 1:
        return b"".join(signatures_numpy(texts, size, num_perm))
    return b"".join(minhash(set(shingle_hashes(folded_words(t), size)), num_perm).tobytes() for t in texts)


def _matrix(signatures):
    """Signatures as a documents x values uint32 array (a list of bytes is joined once)."""
    np = _numpy()
    if hasattr(signatures, "shape"):
        return signatures
    return np.frombuffer(b"".join(signatures), dtype=np.uint32).reshape(len(signatures), -1)


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
    if _numpy() is not None and len(signatures) >= 2:
        return set(zip(*(column.tolist() for column in _band_pairs(signatures, bands, rows))))
    candidates: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, int] = {}
        lo, hi = band * rows * 4, (band + 1) * rows * 4
        for index, signature in enumerate(signatures):
            first = buckets.setdefault(signature[lo:hi], index)
            if first != index:
                candidates.add((first, index))
    return candidates


def bucket_pairs(keys):
    """One band's group-by: each document paired with the first document of its bucket.

    ``keys``: the band key of every document (uint64 array). Returns the pairs as
    codes ``first * n + other`` (int64). Module-level, so that ``corpus.map`` can run
    the bands in worker processes or on Ray.
    """
    np = _numpy()
    n = len(keys)
    order = np.argsort(keys, kind="stable")  # equal keys keep index order: the first is the smallest
    ordered = keys[order]
    starts_run = np.ones(n, dtype=bool)
    starts_run[1:] = ordered[1:] != ordered[:-1]
    first = order[np.flatnonzero(starts_run)[np.cumsum(starts_run) - 1]]
    joined = first != order
    return first[joined] * n + order[joined]


def _band_pairs(signatures, bands: int, rows: int, mapper: Callable = map):
    """:func:`band_candidates` with numpy, as two sorted index arrays (first, other), each pair once.

    A band's values are hashed to one 64-bit key (a collision only adds a candidate,
    which verification then drops); each band is grouped by :func:`bucket_pairs`
    through ``mapper`` (``corpus.map``: in-process, worker processes, or Ray), eight
    bands at a time, and the pairs merged after each eight (bounded memory).
    """
    np = _numpy()
    matrix = _matrix(signatures)
    n = len(matrix)
    codes = np.zeros(0, dtype=np.int64)
    for group in range(0, bands, 8):
        keys = []
        for band in range(group, min(bands, group + 8)):
            key = np.zeros(n, dtype=np.uint64)
            for column in range(band * rows, (band + 1) * rows):
                key = (key * np.uint64(_PRIME1)) ^ matrix[:, column].astype(np.uint64)
            keys.append(key)
        # the new pairs sorted on their own, then merged with those so far: a stable sort of
        # two sorted runs merges them in one pass (sorting everything again each time took
        # 0.81 s of 100,000 documents' 1.7 million pairs, this 0.42)
        fresh = _sorted_distinct(np.concatenate(list(mapper(bucket_pairs, keys))))
        codes = _distinct_sorted(np.sort(np.concatenate([codes, fresh]), kind="stable")) if len(codes) else fresh
    return codes // n, codes % n


def candidate_pairs(signatures, bands: int, rows: int, floor: float, mapper: Callable = map):
    """LSH candidates ``(i, j)``, ``i < j``, sorted, whose MinHash estimate is at least ``floor``.

    ``signatures``: a list of bytes or a 2-D uint32 array. Returns a list of
    pairs, or with numpy two index arrays (i, j) (16 bytes a pair, not a tuple's ~120).
    """
    if _numpy() is None:
        ordered = sorted(band_candidates(signatures, bands, rows))
        return [pair for pair, e in zip(ordered, estimated_similarities(signatures, ordered)) if e >= floor]
    np = _numpy()
    if len(signatures) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    matrix = _matrix(signatures)
    first, other = _band_pairs(matrix, bands, rows, mapper)
    keep = np.zeros(len(first), dtype=bool)
    width = matrix.shape[1]
    for start in range(0, len(first), 8192):  # bounded memory: a block of pairs at a time
        a, b = first[start : start + 8192], other[start : start + 8192]
        # the equal values counted, then divided: the same float64 as the mean of the booleans,
        # without making them floats first (1.7 million pairs: 0.57 s -> 0.40); rows taken with
        # take(), not fancy indexing (random signatures, 1.7 million pairs: 0.46-0.79 s -> 0.34-0.52)
        equal = matrix.take(a, axis=0) == matrix.take(b, axis=0)
        keep[start : start + 8192] = np.count_nonzero(equal, axis=1) / width >= floor
    return first[keep], other[keep]
