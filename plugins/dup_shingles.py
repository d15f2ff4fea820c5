"""Word shingles as integers, and MinHash signatures by one-permutation hashing.

Speed comes from never building shingle strings: every distinct word is hashed
once per process (a dict lookup afterwards), and a shingle's hash is combined
from its words' hashes with integer arithmetic. Signatures use densified
one-permutation hashing (Shrivastava 2017): each shingle hash is dealt into one
of ``num_perm`` bins and each bin keeps its minimum, so a document costs one
pass over its shingles instead of ``num_perm`` passes; empty bins borrow from
the next non-empty bin so that similar documents still agree bin by bin.
"""

from __future__ import annotations

import re
import unicodedata
from array import array

MASK64 = (1 << 64) - 1
_PRIME1 = 0x9E3779B97F4A7C15
_PRIME2 = 0xC2B2AE3D27D4EB4F
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_word_hashes: dict[str, int] = {}


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) for every word of ``text``; numbers count as words."""
    if text.isascii():
        # lower-casing ASCII keeps every offset, so the whole text is folded at once
        return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text.lower())]
    result = []
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            folded = word.lower()
        else:
            folded = unicodedata.normalize("NFKC", word.casefold()).replace("’", "'")
        result.append((match.start(), match.end(), folded))
    return result


# A word's hash is a polynomial over its UTF-8 bytes (base _BASE, modulo 2**64) put
# through a 64-bit finaliser. The polynomial form is what lets dup_batch hash every
# word of a whole batch of ASCII text with a few numpy prefix sums, without a Python
# step per word; this function is the reference both paths must agree with.
_BASE = 0x100000001B3
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def finalize(h: int, length: int) -> int:
    """The finaliser applied to a word's polynomial hash (splitmix64's, with the length mixed in)."""
    x = (h ^ (length * _PRIME1)) & MASK64
    x = ((x ^ (x >> 30)) * _MIX1) & MASK64
    x = ((x ^ (x >> 27)) * _MIX2) & MASK64
    return x ^ (x >> 31)


def word_hash(word: str) -> int:
    """A stable 64-bit hash of a (folded) word: the same in every process, run and platform."""
    value = _word_hashes.get(word)
    if value is None:
        data = word.encode("utf-8", "surrogatepass")
        h, power = 0, 1
        for byte in data:
            h = (h + byte * power) & MASK64
            power = (power * _BASE) & MASK64
        value = finalize(h, len(data))
        if len(_word_hashes) < 2_000_000:  # bound the memo on enormous vocabularies
            _word_hashes[word] = value
    return value


def shingle_hashes(folded_words: list[str], size: int) -> list[int]:
    """One 64-bit hash per run of ``size`` consecutive words (order matters)."""
    get = _word_hashes.get
    hashes = [get(w) or word_hash(w) for w in folded_words]
    if len(hashes) < size:
        return [_combine(hashes)] if hashes else []
    # combine position by position with whole-list comprehensions (no per-shingle loop)
    combined = hashes
    for k in range(1, size):
        combined = [((x * _PRIME1) ^ y) & MASK64 for x, y in zip(combined, hashes[k:])]
    return [h ^ (h >> 29) for h in combined]


def folded_words(text: str) -> list[str]:
    """The words of ``text``, case-folded, without offsets (the fast path for signatures)."""
    folded = text.casefold().replace("’", "'")
    if not folded.isascii():
        folded = unicodedata.normalize("NFKC", folded)
    return _WORD.findall(folded)


def _combine(hashes: list[int]) -> int:
    h = 0
    for k, value in enumerate(hashes):
        h = ((h ^ value) * _PRIME1 + k) & MASK64
    return h ^ (h >> 29)


def minhash(shingles: set[int], num_perm: int) -> array:
    """A signature of ``num_perm`` 32-bit values; equal bins estimate Jaccard similarity."""
    empty = 0xFFFFFFFF
    bins = [empty] * num_perm
    # visiting values from the largest down, the last write to each bin is its minimum
    for mixed in sorted([(h * _PRIME2) & MASK64 for h in shingles], reverse=True):
        bins[mixed % num_perm] = mixed >> 32
    if empty in bins:
        _densify(bins, empty)
    return array("I", bins)


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Share of equal values in two signatures (as bytes of 32-bit values)."""
    x, y = array("I", a), array("I", b)
    return sum(1 for u, v in zip(x, y) if u == v) / len(x) if len(x) else 0.0


def _densify(bins: list[int], empty: int) -> None:
    """Fill empty bins from the next non-empty bin to the right (circularly)."""
    n = len(bins)
    if all(v == empty for v in bins):
        return
    for i in range(n):
        if bins[i] == empty:
            j, hops = (i + 1) % n, 1
            while bins[j] == empty:
                j, hops = (j + 1) % n, hops + 1
            # mix in the distance so two documents borrow alike only when their gaps agree
            bins[i] = (bins[j] * 31 + hops) & 0xFFFFFFFE


def jaccard(a: set[int], b: set[int]) -> float:
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller set found in the larger one."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0
