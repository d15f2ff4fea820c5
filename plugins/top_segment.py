"""Where a text changes subject: the best split into the story and a foreign run.

The units of a document (its paragraphs, as TF-IDF weighted bags of content
terms) are split into a *main* part, which holds the lead, and one contiguous
*run*. For every candidate run the story is modelled from the main part plus,
when the corpus holds other versions of the story, the terms of those versions;
each unit is scored by its *coverage*: the share of its TF-IDF weight on terms
the story model also uses. Main units leave themselves out of the model they
are compared with, so a paragraph is never judged against itself.

Coverage rather than cosine: a news paragraph is short, and two paragraphs of
the same story share only a few words, so cosines between a paragraph and a
story are small and noisy; whether a paragraph's people, places and topic
words occur elsewhere in the story is a steadier signal, and it is exactly what
an appended story lacks.

The chosen run maximises a two-sample t statistic between the coverages of the
main units and of the run (so a run does not swallow a borderline paragraph
just to grow): a change-point search, not a paragraph-by-paragraph vote.

Cost: per candidate run, one pass over the document's (unit, term) entries with
per-term prefix counts; candidates are every tail, short heads and short inner
runs, so O(n · max_inner · T) for n units and T unit-term entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

#: floor on the standard deviation of coverages: one odd unit is not a certainty
MIN_SPREAD = 0.12


@dataclass(frozen=True)
class Split:
    """The best run ``[start, end)`` of units and how it compares with the rest."""

    start: int
    end: int
    main_coverage: float  # mean leave-one-out coverage of the main units by the story model
    run_coverage: float  # mean coverage of the run's units by the story model
    coverages: tuple[float, ...]  # each unit's coverage under this split
    score: float  # the t statistic of the contrast

    @property
    def relative(self) -> float:
        """The run's coverage as a share of the main part's (0: nothing in common)."""
        if self.main_coverage <= 0:
            return 1.0
        return max(0.0, self.run_coverage / self.main_coverage)

    @property
    def kind(self) -> str:
        if self.end == len(self.coverages):
            return "tail"
        return "head" if self.start == 0 else "inner"


def best_split(
    units: Sequence[Mapping[str, float]],
    sibling_support: Mapping[str, float] | None = None,
    *,
    max_head: int = 2,
    max_inner: int = 3,
    min_main: int = 2,
) -> Split | None:
    """The run of units that departs most from the story, or None for too few units.

    ``units`` are bags of term -> TF-IDF weight; ``sibling_support`` says, per
    term, how much other versions of the story use it (0..1: the share of
    sibling documents holding it). The main part keeps at least ``min_main``
    units and the lead, unless the run is a short head (at most ``max_head``
    units and a third of the document).
    """
    n = len(units)
    if n < min_main + 1:
        return None
    sibling_support = sibling_support or {}
    prefix: dict[str, list[int]] = {}
    for i, unit in enumerate(units):
        for term in unit:
            row = prefix.get(term)
            if row is None:
                row = prefix[term] = [0] * (n + 1)
            row[i + 1] = 1
    for row in prefix.values():
        for i in range(n):
            row[i + 1] += row[i]
    totals = [sum(unit.values()) for unit in units]
    # each unit's terms once, as (weight, prefix row, sibling support): candidates only index rows
    entries = [[(weight, prefix[term], sibling_support.get(term, 0.0)) for term, weight in unit.items()]
               for unit in units]
    best: Split | None = None
    # tails in one pass (O(entries + n)); the chosen one is then evaluated exactly
    best_tail = max(_tail_scores(units, totals, sibling_support, min_main), default=None, key=lambda item: item[0])
    if best_tail is not None:
        best = _evaluate(entries, totals, best_tail[1], n)
    candidates = [(0, b) for b in range(1, max_head + 1) if b * 3 <= n and n - b >= min_main]
    candidates += [
        (a, b) for a in range(1, n - 1) for b in range(a + 1, min(a + max_inner, n - 1) + 1) if n - (b - a) >= min_main
    ]
    for a, b in candidates:
        split = _evaluate(entries, totals, a, b)
        if best is None or split.score > best.score:
            best = split
    return best


def _tail_scores(units, totals, sibling_support, min_main: int) -> list[tuple[float, int]]:
    """``(score, a)`` of every tail run ``[a, n)``, computed incrementally.

    Under a tail split at ``a`` a term of unit ``i`` counts fully when some *other*
    unit before ``a`` holds it (for a run unit: any unit before ``a``), else by its
    sibling support. So each (unit, term) entry switches on once, at a known ``a``:
    sweeping ``a`` upwards with running sums of the coverages (and their squares)
    of both parts gives every tail's t statistic in O(entries + n), where
    evaluating each tail afresh costs O(entries) per tail. Same formula as
    :func:`_evaluate`, up to float rounding.
    """
    n = len(units)
    first: dict[str, int] = {}
    second: dict[str, int] = {}
    for i, unit in enumerate(units):
        for term in unit:
            if term not in first:
                first[term] = i
            elif term not in second:
                second[term] = i
    run_events: list[list[tuple[int, float]]] = [[] for _ in range(n + 1)]
    main_events: list[list[tuple[int, float]]] = [[] for _ in range(n + 1)]
    run_acc = [0.0] * n  # coverage (times total) of unit i when it is in the run
    main_acc = [0.0] * n  # ... when it is in the main part
    for i, unit in enumerate(units):
        base = 0.0
        for term, weight in unit.items():
            sibling = sibling_support.get(term, 0.0)
            sibling = 0.0 if sibling <= 0 else min(1.0, sibling)
            base += weight * sibling
            gain = weight * (1.0 - sibling)
            if not gain:
                continue
            f = first[term]
            run_events[f + 1].append((i, gain))  # in the run: covered once unit f is in the main part
            other = f if f != i else second.get(term)
            if other is not None:
                main_events[other + 1].append((i, gain))
        run_acc[i] = main_acc[i] = base

    def cov(acc: float, i: int) -> float:
        return acc / totals[i] if totals[i] else 0.0

    s_run = sum(cov(run_acc[i], i) for i in range(n))
    q_run = sum(cov(run_acc[i], i) ** 2 for i in range(n))
    s_main = q_main = 0.0
    scores: list[tuple[float, int]] = []
    for a in range(1, n):
        leaving = a - 1  # moves from the run to the main part
        c = cov(run_acc[leaving], leaving)
        s_run -= c
        q_run -= c * c
        for i, gain in run_events[a]:
            old = cov(run_acc[i], i)
            run_acc[i] += gain
            if i >= a:
                new = cov(run_acc[i], i)
                s_run += new - old
                q_run += new * new - old * old
        for i, gain in main_events[a]:
            old = cov(main_acc[i], i)
            main_acc[i] += gain
            if i < leaving:
                new = cov(main_acc[i], i)
                s_main += new - old
                q_main += new * new - old * old
        c = cov(main_acc[leaving], leaving)
        s_main += c
        q_main += c * c
        if a < min_main:
            continue
        m, r = a, n - a
        main_mean, run_mean = s_main / m, s_run / r
        squares = max(0.0, q_main - s_main * main_mean) + max(0.0, q_run - s_run * run_mean)
        spread = max(math.sqrt(squares / max(1, n - 2)), MIN_SPREAD)
        scores.append(((main_mean - run_mean) / (spread * math.sqrt(1 / m + 1 / r)), a))
    return scores


def _evaluate(entries, totals, a: int, b: int) -> Split:
    n = len(entries)
    coverages = []
    for i, unit in enumerate(entries):
        own = 0 if a <= i < b else 1  # main units leave themselves out
        covered = 0.0
        for weight, row, sibling in unit:
            support = row[n] - (row[b] - row[a]) - own + sibling
            if support > 0:
                covered += weight * (support if support < 1.0 else 1.0)
        coverages.append(covered / totals[i] if totals[i] else 0.0)
    main = coverages[:a] + coverages[b:]
    run = coverages[a:b]
    main_mean = sum(main) / len(main)
    run_mean = sum(run) / len(run)
    spread = math.sqrt(
        (sum((c - main_mean) ** 2 for c in main) + sum((c - run_mean) ** 2 for c in run)) / max(1, n - 2)
    )
    spread = max(spread, MIN_SPREAD)
    score = (main_mean - run_mean) / (spread * math.sqrt(1 / len(main) + 1 / len(run)))
    return Split(a, b, main_mean, run_mean, tuple(coverages), score)
