"""Aligning the passages two documents share: seed and extend (PAN text alignment).

Seeds are runs of ``seed_size`` words (lower-cased, lightly stemmed) that occur in
both documents. Seeds that lie close together in both documents, in the same
order, are merged into one passage, tolerating gaps of up to ``max_gap`` words on
either side: that is what lets a passage survive a word swapped every few words
(synonym spinning) or an inserted clause. Reordered paragraphs become separate
passages. Each passage's verbatim share is measured with difflib on its words.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

# Seeds occurring more often than this in one document (boilerplate, lists) are
# not used: they would tie every occurrence to every other.
MAX_SEED_REPEATS = 3


@dataclass(frozen=True)
class AlignedPassage:
    a_start: int  # word indices, end exclusive
    a_end: int
    b_start: int
    b_end: int
    seeds: int
    verbatim_share: float


def stem(word: str) -> str:
    """A light suffix stripper: "troops"/"troop", "said"/"says" stay apart but plurals fold."""
    if len(word) > 4:
        for suffix in ("ies", "es", "s"):
            if word.endswith(suffix) and not word.endswith("ss"):
                return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def seed_positions(stems: list[str], size: int) -> dict[tuple[str, ...], list[int]]:
    positions: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(stems) - size + 1):
        positions.setdefault(tuple(stems[i : i + size]), []).append(i)
    return positions


def align(
    a: list[str],
    b: list[str],
    *,
    seed_size: int = 3,
    max_gap: int = 12,
    min_words: int = 15,
    min_seeds: int = 3,
    a_seeds: dict[tuple[str, ...], list[int]] | None = None,
) -> list[AlignedPassage]:
    """Passages shared by word lists ``a`` and ``b`` (already folded and stemmed)."""
    a_pos = a_seeds if a_seeds is not None else seed_positions(a, seed_size)
    matches: list[tuple[int, int]] = []
    b_pos = seed_positions(b, seed_size)
    for key, js in b_pos.items():
        is_ = a_pos.get(key)
        if not is_ or len(is_) > MAX_SEED_REPEATS or len(js) > MAX_SEED_REPEATS:
            continue
        for i in is_:
            for j in js:
                matches.append((i, j))
    if not matches:
        return []
    matches.sort()
    # chain seeds into passages: the next seed must follow within max_gap words in
    # both documents. Several chains stay open at once (reordered text).
    chains: list[list[tuple[int, int]]] = []
    open_chains: list[list[tuple[int, int]]] = []
    for i, j in matches:
        best = None
        for chain in open_chains:
            li, lj = chain[-1]
            if 0 <= i - li <= max_gap + seed_size and 0 <= j - lj <= max_gap + seed_size and (i, j) != (li, lj):
                if j >= lj and (best is None or (i - li) + (j - lj) < (i - best[-1][0]) + (j - best[-1][1])):
                    best = chain
        if best is not None:
            best.append((i, j))
        else:
            chain = [(i, j)]
            chains.append(chain)
            open_chains.append(chain)
        open_chains = [c for c in open_chains if i - c[-1][0] <= max_gap + seed_size]
    candidates = []
    for chain in chains:
        if len(chain) < min_seeds:
            continue
        a_start, a_end = chain[0][0], chain[-1][0] + seed_size
        b_start, b_end = min(j for _, j in chain), max(j for _, j in chain) + seed_size
        a_start, b_start = _extend_back(a, b, a_start, b_start, max_gap)
        a_end, b_end = _extend_forward(a, b, a_end, b_end, max_gap)
        if min(a_end - a_start, b_end - b_start) >= min_words:
            candidates.append(AlignedPassage(a_start, a_end, b_start, b_end, len(chain), 0.0))
    passages = []
    for p in _trim_overlaps(_drop_contained(candidates)):
        if min(p.a_end - p.a_start, p.b_end - p.b_start) >= min_words:
            share = verbatim_share(a[p.a_start:p.a_end], b[p.b_start:p.b_end])
            passages.append(AlignedPassage(p.a_start, p.a_end, p.b_start, p.b_end, p.seeds, share))
    return passages


# Extending a passage beyond its seeds steps over at most this many unaligned
# words at a time: a swapped word or two, not a jump to a lone "to" ten words away.
EXTEND_STEP = 4


def _extend_back(a: list[str], b: list[str], a_start: int, b_start: int, window: int) -> tuple[int, int]:
    """Move the start back over words that still align, a few words at a time.

    Seeds need ``seed_size`` unchanged words in a row; a spun passage often opens
    with a swapped word, so the words before the first seed are aligned directly.
    Matching blocks are taken nearest first, and only while each lies within
    ``EXTEND_STEP`` words of the current start on both sides.
    """
    wa = a[max(0, a_start - window):a_start]
    wb = b[max(0, b_start - window):b_start]
    blocks = [blk for blk in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_matching_blocks() if blk.size]
    edge_a, edge_b = len(wa), len(wb)
    for block in reversed(blocks):
        gap_a, gap_b = edge_a - (block.a + block.size), edge_b - (block.b + block.size)
        if gap_a < 0 or gap_b < 0 or max(gap_a, gap_b) > EXTEND_STEP:
            break
        edge_a, edge_b = block.a, block.b
    return a_start - len(wa) + edge_a, b_start - len(wb) + edge_b


def _extend_forward(a: list[str], b: list[str], a_end: int, b_end: int, window: int) -> tuple[int, int]:
    """Move the end forward over words that still align, a few words at a time."""
    wa, wb = a[a_end:a_end + window], b[b_end:b_end + window]
    blocks = [blk for blk in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_matching_blocks() if blk.size]
    edge_a, edge_b = 0, 0
    for block in blocks:
        gap_a, gap_b = block.a - edge_a, block.b - edge_b
        if gap_a < 0 or gap_b < 0 or max(gap_a, gap_b) > EXTEND_STEP:
            break
        edge_a, edge_b = block.a + block.size, block.b + block.size
    return a_end + edge_a, b_end + edge_b


def verbatim_share(a: list[str], b: list[str]) -> float:
    """Share of the passage's words identical on both sides, in order."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return 2 * same / (len(a) + len(b)) if a or b else 0.0


def _trim_overlaps(passages: list[AlignedPassage]) -> list[AlignedPassage]:
    """Passages that still overlap on one side (an extension ran into a neighbour,
    typically across a reordered paragraph) lose the overlap from the later one's start.

    The start moves by the same number of words on both sides, as extensions step
    in parallel; a passage trimmed below the minimum length is dropped by the caller.
    """
    spans = [[p.a_start, p.a_end, p.b_start, p.b_end, p.seeds] for p in passages]
    for side in (0, 2):
        spans.sort(key=lambda s: (s[side], s[side + 1]))
        for prev, cur in zip(spans, spans[1:]):
            overlap = prev[side + 1] - cur[side]
            if overlap > 0:
                cur[0] = min(cur[1], cur[0] + overlap)
                cur[2] = min(cur[3], cur[2] + overlap)
    spans.sort()
    return [AlignedPassage(a0, a1, b0, b1, seeds, 0.0) for a0, a1, b0, b1, seeds in spans]


def _drop_contained(passages: list[AlignedPassage]) -> list[AlignedPassage]:
    """Keep the longest of overlapping passages (a chain split by a repeated seed)."""
    passages.sort(key=lambda p: -(p.a_end - p.a_start))
    kept: list[AlignedPassage] = []
    for p in passages:
        if any(p.a_start < k.a_end and k.a_start < p.a_end and p.b_start < k.b_end and k.b_start < p.b_end for k in kept):
            continue
        kept.append(p)
    return sorted(kept, key=lambda p: (p.a_start, p.b_start))
