"""Results of document pairs kept as arrays in one cache entry: the reuse analysis's warm runs.

The reuse analysis judges about a million candidate pairs at 100,000 documents, and
each pair's result (its shared shingles, its aligned passages) depends only on the
two texts. Kept one cache entry per pair, a warm run spent about 8 s looking them up
(the key's hash, an SQL search and a JSON value decoded for each). A
:class:`PairTable` holds a whole run's results as arrays in one entry: the next runs
find their pairs in it with one sort and one search, and look up one by one only the
pairs it lacks (those with an added or edited text). :func:`kept_pair_results` writes
it again when more than a twentieth of the pairs were not in it.

A pair is found by its two texts' hashes (the first 64 bits of each SHA-256), in the
order the caller gives them (the first by id first), never by positions or ids: the
same two texts are found again after documents are added, renamed or reordered. Two
texts with the same 64-bit prefix (about one chance in 40 million for a million distinct
texts) would share results; every value read is checked against the entry's checksum
and its arrays' lengths, and an entry that fails is built again, never trusted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from copydesk import worth_rewriting

#: multiplies the second hash of a pair into the pair's sort key (an odd 64-bit constant:
#: the golden ratio's fraction), so that (a, b) and (b, a) get different keys
_MIX = 0x9E3779B97F4A7C15


def text_hashes(documents) -> Any:
    """The first 64 bits of each document's SHA-256, as a uint64 array."""
    import numpy as np

    return np.array([int(d.sha256[:16], 16) for d in documents], dtype=np.uint64)


@dataclass
class PairTable:
    """Results of pairs of texts, sorted by their pair key.

    ``columns`` hold one value per pair; ``rows`` hold any number of rows per pair
    (pair ``k``'s are ``rows[name][indptr[k]:indptr[k + 1]]``), each array as many rows long.
    """

    first: Any  # uint64: hash of each pair's first text
    other: Any  # uint64: hash of its second text
    columns: dict[str, Any]
    indptr: Any  # int64, one more than the pairs
    rows: dict[str, Any]

    @staticmethod
    def key(first, other):
        import numpy as np

        with np.errstate(over="ignore"):
            return first ^ (other * np.uint64(_MIX))

    @classmethod
    def of(cls, first, other, columns: Mapping[str, Any], indptr, rows: Mapping[str, Any]) -> "PairTable":
        """A table of these pairs (in any order; a pair given twice is kept once)."""
        import numpy as np

        keys = cls.key(first, other)
        order = np.lexsort((other, first, keys))
        if len(order):  # the same pair twice: keep its first occurrence in that order
            same = (keys[order][1:] == keys[order][:-1]) & (first[order][1:] == first[order][:-1]) \
                & (other[order][1:] == other[order][:-1])
            order = order[np.concatenate(([True], ~same))]
        new_indptr, positions = _layout(indptr, order)
        return cls(first[order], other[order], {name: value[order] for name, value in columns.items()},
                   new_indptr, {name: value[positions] for name, value in rows.items()})

    def __len__(self) -> int:
        return len(self.first)

    def find(self, first, other):
        """Each pair's position in the table, -1 where it is not there."""
        import numpy as np

        if not len(self) or not len(first):
            return np.full(len(first), -1, dtype=np.int64)
        keys = self.key(self.first, self.other)
        wanted = self.key(first, other)
        at = np.minimum(np.searchsorted(keys, wanted), len(self) - 1)
        found = (keys[at] == wanted) & (self.first[at] == first) & (self.other[at] == other)
        return np.where(found, at, -1).astype(np.int64)

    def to_state(self) -> bytes:
        """The table as bytes (:func:`packed`), for :meth:`from_state`."""
        return packed({}, {"first": self.first, "other": self.other, "indptr": self.indptr,
                           **{f"columns/{name}": value for name, value in self.columns.items()},
                           **{f"rows/{name}": value for name, value in self.rows.items()}})

    @classmethod
    def from_state(cls, state: Any, columns: Mapping[str, str | tuple[str, int]],
                   rows: Mapping[str, tuple[str, int]]) -> "PairTable":
        """The table of a state; ``columns`` and ``rows`` give the expected dtypes (and widths:
        a column given as (dtype, width) holds that many values per pair). Raises ValueError
        for a state that does not hold exactly that."""
        import numpy as np

        _, arrays = unpacked(state)
        expected = {"first": "<u8", "other": "<u8", "indptr": "<i8",
                    **{f"columns/{name}": _dtype(spec) for name, spec in columns.items()},
                    **{f"rows/{name}": dtype for name, (dtype, _) in rows.items()}}
        if set(arrays) != set(expected) or any(arrays[name].dtype != np.dtype(dtype) for name, dtype in expected.items()):
            raise ValueError("another table's arrays")
        first, other, indptr = arrays["first"], arrays["other"], arrays["indptr"]
        kept_columns = {name: _shaped(arrays[f"columns/{name}"].reshape(-1), spec) for name, spec in columns.items()}
        kept_rows = {name: arrays[f"rows/{name}"].reshape(-1, width) if width > 1 else arrays[f"rows/{name}"].reshape(-1)
                     for name, (_, width) in rows.items()}
        n = len(first)
        if (len(other) != n or len(indptr) != n + 1 or any(len(v) != n for v in kept_columns.values())
                or (n and (indptr[0] != 0 or np.any(np.diff(indptr) < 0)))
                or any(len(v) != int(indptr[-1]) for v in kept_rows.values())):
            raise ValueError("a pair table whose arrays do not agree")
        return cls(first, other, kept_columns, indptr, kept_rows)


def kept_pair_results(cache, namespace: str, first, other, columns: Mapping[str, str | tuple[str, int]],
                      rows: Mapping[str, tuple[str, int]],
                      compute: Callable[[Any, bool], tuple[dict[str, Any], Any, dict[str, Any]]]):
    """Results of the pairs of texts ``(first[k], other[k])`` (hashes from :func:`text_hashes`),
    in that order, as ``(columns, indptr, rows)`` arrays like a :class:`PairTable`'s.

    Pairs found in the table kept under ``namespace`` are read from it; for the others,
    ``compute(indices, keep_each)`` gives their results (``indices`` into the pairs, in
    order); ``keep_each`` says whether to keep each one in the cache on its own (not
    needed when this run writes the table anew). The table is written when there was
    none, it did not load, or more than a twentieth of the pairs were missing from it.
    ``columns`` and ``rows`` name the result arrays and their dtypes (rows, and columns given
    as (dtype, width): and widths). Per-document results are pairs with ``other`` all zeros.
    """
    import numpy as np

    table = None
    if cache is not None:
        stored = cache.get_many(namespace, ["table"]).get("table")
        if stored is not None:
            try:
                table = PairTable.from_state(stored, columns, rows)
            except ValueError:
                table = None
    n = len(first)
    at = table.find(first, other) if table is not None else np.full(n, -1, dtype=np.int64)
    hits, misses = np.flatnonzero(at >= 0), np.flatnonzero(at < 0)
    rewrite = cache is not None and (table is None or worth_rewriting(len(misses), n))
    fresh_columns, fresh_indptr, fresh_rows = compute(misses, not rewrite)
    # lay the hits' and the misses' results out in the pairs' order
    result_columns = {}
    for name, spec in columns.items():
        values = np.empty((n, spec[1]) if isinstance(spec, tuple) else n, dtype=_dtype(spec))
        values[misses] = fresh_columns[name]
        if table is not None:
            values[hits] = table.columns[name][at[hits]]
        result_columns[name] = values
    lengths = np.zeros(n, dtype=np.int64)
    lengths[misses] = np.diff(fresh_indptr)
    if table is not None:
        lengths[hits] = np.diff(table.indptr)[at[hits]]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    # each pair's rows are one slice of the fresh rows or of the table's
    from_table = np.zeros(n, dtype=bool)
    begins, ends = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    begins[misses], ends[misses] = fresh_indptr[:-1], fresh_indptr[1:]
    if table is not None:
        from_table[hits] = True
        begins[hits], ends[hits] = table.indptr[at[hits]], table.indptr[at[hits] + 1]
    having = np.flatnonzero(ends > begins)
    result_rows = {}
    for name, (dtype, width) in rows.items():
        sources = (fresh_rows[name], table.rows[name] if table is not None else None)
        result_rows[name] = _joined_slices(sources, from_table[having], begins[having], ends[having],
                                           int(indptr[-1]), dtype, width)
    if rewrite:
        fresh_table = PairTable.of(first, other, result_columns, indptr, result_rows)
        cache.put_many(namespace, {"table": fresh_table.to_state()})
    return result_columns, indptr, result_rows


#: rows gathered by their positions when their pairs hold this many rows or fewer on average
#: (few rows each: 100,000 documents' 300,000 passages' spans, a slice each, took 0.4 s to
#: join), else joined slice by slice (TRN002's rows are bytes of JSON: positions of every
#: byte took a second for a hundred megabytes). Measured on 100,000 rows of three arrays: 6 a
#: pair, 0.05 s gathered against 0.17 joined; 20, 0.17 against 0.28; 40, 0.35 against 0.30
GATHER_ROWS_PER_PAIR = 24


def _joined_slices(sources, from_table, begins, ends, total: int, dtype: str, width: int):
    """The rows ``sources[from_table[k]][begins[k]:ends[k]]`` of each ``k`` (``total`` of
    them), joined in order."""
    import numpy as np

    if not len(begins):
        return np.zeros((0, width) if width > 1 else 0, dtype=dtype)
    lengths = ends - begins
    if total > GATHER_ROWS_PER_PAIR * len(begins):
        pieces = [sources[source][begin:end] for source, begin, end in
                  zip(from_table.tolist(), begins.tolist(), ends.tolist())]
        return np.concatenate(pieces).astype(dtype, copy=False)
    out = np.empty((total, width) if width > 1 else total, dtype=dtype)
    starts = np.cumsum(lengths) - lengths  # where each pair's rows go
    for source in (False, True):
        chosen = np.flatnonzero(from_table == source)
        if len(chosen):
            out[_positions(starts[chosen], lengths[chosen])] = sources[source][
                _positions(begins[chosen], lengths[chosen])]
    return out


def _positions(starts, lengths):
    """``starts[k], starts[k] + 1, ..., starts[k] + lengths[k] - 1`` for each ``k``, in one array."""
    import numpy as np

    before = np.cumsum(lengths) - lengths
    return np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def _dtype(spec: str | tuple[str, int]) -> str:
    return spec[0] if isinstance(spec, tuple) else spec


def _shaped(values, spec: str | tuple[str, int]):
    """A column read back: (dtype, width) columns hold ``width`` values per pair."""
    return values.reshape(-1, spec[1]) if isinstance(spec, tuple) else values


def ragged(lengths) -> Any:
    """The indptr of rows of these lengths."""
    import numpy as np

    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=indptr[1:])
    return indptr


def stable_order(values) -> Any:
    """``np.argsort(values, kind="stable")`` for an integer array: numpy sorts 16-bit keys stably
    by radix (in linear time), so values below 2**32 are ordered by their low 16 bits and then,
    stably, by their high ones (3 million values below 2**20: 0.08 s against 0.28 s). Other values
    (negative, 2**32 and over) take numpy's own stable sort."""
    import numpy as np

    values = np.asarray(values)
    if values.dtype.kind not in "iu" or values.dtype.itemsize <= 2 or not len(values):
        return np.argsort(values, kind="stable")  # (16 bits or fewer: numpy's radix already)
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= 1 << 32:
        return np.argsort(values, kind="stable")
    by_low = np.argsort((values & 0xFFFF).astype(np.uint16), kind="stable")
    if high < 1 << 16:
        return by_low
    above = values[by_low] >> 16
    return by_low[np.argsort(above.astype(np.uint8 if high < 1 << 24 else np.uint16), kind="stable")]


def row_positions(indptr, pairs):
    """Positions, in a ragged layout ``indptr`` (row ``k``'s elements at ``indptr[k]:indptr[k + 1]``),
    of the elements of the rows ``pairs``, row after row in that order."""
    starts = indptr[pairs]
    return _positions(starts, indptr[pairs + 1] - starts)


def _layout(indptr, order):
    """(indptr, element positions) of the rows of the pairs ``order`` taken from layout ``indptr``."""
    positions = row_positions(indptr, order)
    return ragged(indptr[order + 1] - indptr[order]), positions


def packed(header: Mapping[str, Any], arrays: Mapping[str, Any]) -> bytes:
    """A kept state as bytes, for :meth:`Cache.put_many`: the length of a JSON header, the header
    (``header``, and each array's dtype, shape and place), then the arrays' bytes. Read back by
    :func:`unpacked` without decoding or copying them (in base64 inside JSON, the states of a
    100,000-document warm run took 2.6 s to decode)."""
    import numpy as np

    layout, pieces, at = {}, [], 0
    for name, array in arrays.items():
        array = np.asarray(array)
        data = array.tobytes()
        layout[name] = [array.dtype.str, list(array.shape), at, len(data)]
        pieces.append(data)
        at += len(data)
    head = json.dumps({"header": header, "arrays": layout}, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass")
    return b"".join([len(head).to_bytes(8, "little"), head, *pieces])


def unpacked(raw: Any) -> tuple[Any, dict[str, Any]]:
    """(header, arrays) of a state :func:`packed` wrote; the arrays are read-only views of ``raw``.
    Raises ValueError for anything else."""
    import numpy as np

    if not isinstance(raw, (bytes, bytearray, memoryview)) or len(raw) < 8:
        raise ValueError("not a packed state")
    size = int.from_bytes(bytes(raw[:8]), "little")
    if size > len(raw) - 8:
        raise ValueError("a packed state cut short")
    try:
        head = json.loads(bytes(raw[8 : 8 + size]).decode("utf-8", "surrogatepass"))
        header, layout = head["header"], head["arrays"]
        arrays = {}
        for name, (dtype, shape, at, length) in layout.items():
            kind = np.dtype(dtype)
            count = length // kind.itemsize if kind.itemsize else -1
            if (kind.kind not in "biuf" or at < 0 or length < 0 or length % kind.itemsize
                    or 8 + size + at + length > len(raw) or math.prod(shape) != count):
                raise ValueError(f"array {name!r} out of place")
            arrays[name] = np.frombuffer(raw, dtype=kind, count=count, offset=8 + size + at).reshape(shape)
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a packed state: {exc}") from None
    return header, arrays
