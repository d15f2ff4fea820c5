"""Corpus checks shared between this process and forked worker processes (``--jobs``).

Corpus checks are independent of each other once the shared analyses they declare
(``requires_analyses``) are computed, and on a large corpus each takes seconds to
minutes (at 100,000 documents a cold run spent ~490 s in them, one after another).
With ``--jobs N`` on Linux (see :func:`can_fork`), this process computes the declared
analyses, then forks up to N - 1 workers that inherit the corpus and the analyses as they
are (nothing is pickled to them). Checks that declare no analysis still to compute
(``requires_analyses``, ``uses_analyses``) need not wait: one more worker, forked
before the analyses are computed, takes them meanwhile (at 100,000 documents the reuse
analysis took 12 s of a warm run, with the other core idle), when the memory holds one
more copy of this process; after a run with the cache, that worker first does the
per-document checks (:class:`SideTask`, mostly reading their findings from the cache: 2 s at
100,000 documents), which otherwise kept this process from starting the analyses. The checks, in code order (with a cache, arranged by what they
cost in the last run: :func:`_arranged`), are taken from both ends of one list: this process takes from the front, the workers from the back, so that whoever
finishes first takes the next check and nobody waits while another has work. A worker sends each check's findings back (pickled), with the seconds it
took and its cache counts (findings that do not pickle: the check runs here again);
the findings are returned in code order, exactly what running the checks one after
another gives.

Workers open their own connection to the cache (an SQLite connection must not cross
a fork) and run ``corpus.map`` in their own process (the cores are busy with checks).
A check that raises in a worker stops the run as it would here (exit 3, naming the
check; ``--debug`` shows the worker's traceback). A worker that dies (killed, out of
memory) loses nothing: the checks it had not reported are run here.

A check whose ``check_corpus`` keeps state in the process for later hooks sets
``runs_in_worker = False`` (:class:`copydesk.Check`); such checks run here. No more
workers are forked than the available memory holds copies of this process (a worker
shares its memory until it writes to it; at worst it copies all of it).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .checks import Check
from .collector import collector_paused, set_aside_survivors
from .errors import CheckCrash
from .forked import pickled_result, receive, take, unpickled
from .model import Finding

if TYPE_CHECKING:
    from .runner import Session

#: corpus checks are shared with workers only on corpora of this many documents or more:
#: on smaller ones forking and sending findings back costs more than the checks take
MIN_WORKER_DOCUMENTS = 2000


class WorkerTraceback(Exception):
    """The traceback of a check that raised in a worker process (shown with ``--debug``)."""


def corpus_workers(session: "Session", checks: Sequence[Check]) -> int:
    """How many worker processes to fork for ``checks`` (0: run them all in this process)."""
    corpus = session.corpus
    shareable = [check for check in checks if check.runs_in_worker]
    if (session.jobs <= 1 or len(shareable) < 2 or corpus is None or len(corpus) < MIN_WORKER_DOCUMENTS
            or not can_fork()):
        return 0
    wanted = min(session.jobs - 1, len(shareable))  # a worker that finds nothing left to take just ends
    resident, available = memory_figures()
    if resident and available:
        # a worker shares this process's memory until it writes to it: at worst it copies all of
        # it, besides its checks' own working sets. Fork only as many as the free memory holds.
        wanted = min(wanted, available // resident)
    return max(0, wanted)


def can_fork() -> bool:
    """Linux only: macOS lists fork but its system libraries (Accelerate, which numpy may use)
    are not safe in a forked child, which is why Python spawns there by default."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def memory_figures() -> tuple[int, int]:
    """(this process's resident bytes, the system's available bytes), or zeros where unknown
    (Linux's /proc tells both)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return resident, int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0, 0


@dataclass
class SideTask:
    """Work for the worker forked before the analyses, done before it takes checks (the
    per-document checks of a warm run: see :mod:`copydesk.runner`); done here when no such
    worker is forked, or it fails or dies first. ``func`` returns what :attr:`result` holds
    afterwards; :attr:`here` tells whether it ran in this process."""

    func: Callable[[], Any]
    result: Any = None
    here: bool = True
    done: bool = False

    def run_here(self) -> None:
        self.result, self.here, self.done = self.func(), True, True


def run_corpus_checks_shared(session: "Session", checks: Sequence[Check], workers: int,
                             side: SideTask | None = None) -> list[Finding]:
    """The corpus checks, shared with ``workers`` forked processes; findings in code order.
    ``side``: done by the worker forked before the analyses are computed, before its checks
    (here, first, when that worker is not forked)."""
    from .runner import check_crash

    corpus = session.corpus
    assert corpus is not None
    by_code = sorted(checks, key=lambda c: c.code)
    pending = _pending_analyses(corpus, by_code)
    # checks that must run here first in the list (this process takes from the front); checks
    # that read none of the analyses still to compute last, where a worker forked before they
    # are computed takes them from the back while this process computes them
    here_only = [c for c in by_code if not c.runs_in_worker]
    shared = [c for c in by_code if c.runs_in_worker]
    waiting = [c for c in shared if pending & _reads(c)]
    ready = [c for c in shared if not pending & _reads(c)]
    last, last_warm = _kept_costs(corpus)
    # a run that found most results in the cache is arranged only by the costs of such a run:
    # a cold run's say nothing of a warm one's (at 100,000 documents TOP001 took 168 s cold
    # and 4.8 s warm, ATT002 ~3.6 s both; arranged by them, the first warm run after a cold
    # one spent 14.2 s on its corpus checks, arranged in code order 13.1)
    known = last if last_warm else {}
    here = sum(known[c.code][0] for c in here_only if c.code in known)  # (untimed: nothing known of them)
    if known and pending and ready:  # ready ones go to a worker forked first, from the back
        waiting, ready = _arranged(waiting, known, workers, here), _longest_last(ready, known)
    elif known:
        waiting, ready = _arranged(waiting + ready, known, workers, here), []
    ordered = here_only + waiting + ready
    for document in corpus.documents:  # views the per-document checks left (run in this process)
        document.forget_views()

    context = multiprocessing.get_context("fork")
    lock = context.Lock()
    # [next index this process takes, next index a worker takes]
    ends = context.RawArray("i", [0, len(ordered) - 1])
    results = context.Queue()

    def fork(floor: int, side: SideTask | None = None, early: bool = False):  # a worker taking checks from the back down to ``floor``
        process = context.Process(target=_worker, args=(session, ordered, lock, ends, results, floor, side, early),
                                  daemon=True)
        processes.append(process)
        process.start()

    processes: list = []
    found: dict[int, list[Finding]] = {}
    try:
        if pending and (ready or side is not None) and _memory_holds(workers + 1):
            set_aside_survivors()
            fork(len(here_only) + len(waiting), side, early=True)  # ends when no check that is ready is left
        elif side is not None:
            side.run_here()
        _compute_declared_analyses(corpus, ordered, check_crash)
        set_aside_survivors()  # documents, analyses: inherited by the workers, never walked by their collector
        for _ in range(workers):
            fork(len(here_only))
        while (index := take(lock, ends, front=True)) is not None:
            found[index] = _run_here(session, ordered[index])
            _progress(session, ordered[index], len(found), len(ordered))
            _collect(session, ordered, results, found, block=False, side=side)
        taken_by_workers = set(range(ends[0], len(ordered)))
        while not taken_by_workers <= found.keys() or (side is not None and not side.done):
            _collect(session, ordered, results, found, block=True, side=side)
            if not any(process.is_alive() for process in processes):
                _collect(session, ordered, results, found, block=False, side=side)  # what they sent before exiting
                break
        for index in sorted(taken_by_workers - found.keys()):  # a worker died before reporting these
            found[index] = _run_here(session, ordered[index])
        if side is not None and not side.done:  # failed in the worker, or it died first
            side.run_here()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)
        results.close()
        results.join_thread()
    # kept with the costs of checks this run did not run (a run with --select keeps the others')
    _keep_costs(corpus, {**last, **{ordered[index].code: (session.check_seconds.get(ordered[index].code, 0.0),
                                                          sum(1 + len(finding.related) for finding in found[index]))
                                    for index in found}}, warm=_warm_so_far(corpus))
    findings: list[Finding] = []
    for index in sorted(found, key=lambda i: ordered[i].code):  # code order, as run one after another
        findings.extend(found[index])
    return findings


#: what each corpus check cost in the last run that shared them (seconds, and findings plus
#: related entries), kept in the cache
_COSTS_NAMESPACE = "corpus-check-costs/1"
#: seconds this process spends reading back one finding or related entry a worker sent (at
#: 100,000 documents, with the collector paused: ATT002's 94,000 findings with 737,000 related
#: entries 1.5 s, DUP003's 241,000 findings with one each 1.05 s, TOP002's 78,000 with 187,000
#: 0.53 s; with the collector running, as before, 9.2, 7.9 and 3.6 s)
SEND_SECONDS_PER_OBJECT = 2e-6
#: a check is sent to the back of the list (a worker's side) when sending its findings back
#: would cost less than this share of its own time
SEND_SHARE = 0.25
#: seconds a worker spends pickling one finding or related entry for this process (collector paused;
#: 200,000 findings with 900,000 related entries and the data of DUP003's and ATT002's: 3.4 s, where
#: reading them back took 2.1 s)
PICKLE_SECONDS_PER_OBJECT = 3e-6


def _last_costs(corpus) -> dict[str, tuple[float, int]]:
    """(seconds, findings plus related entries) of each corpus check in the last run with this
    cache ({} without one)."""
    return _kept_costs(corpus)[0]


def _kept_costs(corpus) -> tuple[dict[str, tuple[float, int]], bool]:
    """:func:`_last_costs`, and whether that run found most of its results in the cache."""
    cache = corpus.cache
    if cache is None:
        return {}, False
    # scheduling, not a result: the report's counts are the checks'
    entry = cache.get_many(_COSTS_NAMESPACE, ["last"], counted=False).get("last")
    if not isinstance(entry, dict):
        return {}, False
    kept = entry.get("costs", entry)  # (before 2026-11-28 the costs alone, of a run of either kind)
    if not isinstance(kept, dict):
        return {}, False
    return ({code: (float(cost[0]), int(cost[1])) for code, cost in kept.items()
             if isinstance(cost, list) and len(cost) == 2 and all(isinstance(x, (int, float)) for x in cost)},
            entry.get("warm") is True)


def _warm_so_far(corpus) -> bool:
    """Whether this run found at least as much in the cache as it had to compute (the per-document
    checks' results, the analyses' features, the checks' own entries); a run that looked up
    nothing is as good as warm (its costs did not depend on the cache)."""
    cache = corpus.cache
    return cache is not None and cache.hits >= cache.misses


def _keep_costs(corpus, costs: dict[str, tuple[float, int]], warm: bool) -> None:
    if corpus.cache is not None:
        corpus.cache.put_many(_COSTS_NAMESPACE, {"last": {
            "warm": warm, "costs": {code: [round(seconds, 3), objects] for code, (seconds, objects) in costs.items()}}})


def _arranged(checks: list[Check], last: dict[str, tuple[float, int]], workers: int = 1,
              here: float = 0.0) -> list[Check]:
    """``checks`` arranged by what they cost in the last run. This process takes from the front,
    workers from the back; each side gets its longest first (the back's longest last), and
    checks the last run did not time go first of all (nothing is known of them).

    With one worker and every check timed, the split is the one the last run's costs say ends
    soonest (:func:`_split`: every way to split up to ``MAX_SPLIT_CHECKS`` checks is tried),
    counting what sending a check's findings back costs both sides and ``here`` seconds of
    checks this process runs anyway. Else checks whose findings are cheap to send back
    (under ``SEND_SHARE`` of their time) go to the back, the others to the front: findings
    that cost more to send than to find stay here (in code order at 100,000 documents, the
    worker took ATT002 and DUP003, whose findings took 11 s more to send)."""
    timed = [c for c in checks if c.code in last]
    untimed = [c for c in checks if c.code not in last]
    if workers == 1 and 2 <= len(timed) <= MAX_SPLIT_CHECKS:
        back = _split(timed, last, here)
    else:
        back = [c for c in timed if last[c.code][1] * SEND_SECONDS_PER_OBJECT < SEND_SHARE * last[c.code][0]]
    front = sorted((c for c in timed if c not in back), key=lambda c: -_seconds(c, last))
    return untimed + front + _longest_last(back, last)


#: up to this many corpus checks, every split between this process and one worker is tried
MAX_SPLIT_CHECKS = 12


def _split(checks: list[Check], last: dict[str, tuple[float, int]], here: float) -> list[Check]:
    """The checks a single worker should take for the checks to end soonest by the last run's
    costs: this process runs ``here`` seconds, its own checks and reads the worker's findings back
    (``SEND_SECONDS_PER_OBJECT``); the worker runs its checks and pickles their findings
    (``PICKLE_SECONDS_PER_OBJECT``). At 100,000 documents (warm), taking from both ends of one
    list left this process idle 2.5 s at the end while the worker ran TOP002 and sent its
    78,000 findings."""
    own = [last[c.code][0] for c in checks]
    sent = [last[c.code][1] * SEND_SECONDS_PER_OBJECT for c in checks]
    pickled = [last[c.code][1] * PICKLE_SECONDS_PER_OBJECT for c in checks]
    total = here + sum(own)
    best: tuple[float, float, int] | None = None
    for mask in range(1 << len(checks)):
        taken = [k for k in range(len(checks)) if mask >> k & 1]
        worker = sum(own[k] + pickled[k] for k in taken)
        main = total - sum(own[k] for k in taken) + sum(sent[k] for k in taken)
        candidate = (max(main, worker), main + worker, mask)  # soonest, then least work in all
        if best is None or candidate < best:
            best = candidate
    assert best is not None
    return [c for k, c in enumerate(checks) if best[2] >> k & 1]


def _longest_last(checks: list[Check], last: dict[str, tuple[float, int]]) -> list[Check]:
    """``checks`` by the last run's seconds, the longest last (a worker takes from the back)."""
    return sorted(checks, key=lambda c: _seconds(c, last))


def _seconds(check: Check, last: dict[str, tuple[float, int]]) -> float:
    """The seconds ``check`` took in the last run (infinite when unknown: the longest, for safety)."""
    return last[check.code][0] if check.code in last else float("inf")


def _memory_holds(copies: int) -> bool:
    """Whether the available memory holds ``copies`` copies of this process (yes where unknown)."""
    resident, available = memory_figures()
    return not (resident and available) or available // resident >= copies


def _reads(check: Check) -> set[str]:
    """The shared analyses ``check`` declares it reads (required, or used when present: such a
    check starts only after the analyses are computed, as it would read them if they were)."""
    return {*check.requires_analyses, *check.uses_analyses}


def _pending_analyses(corpus, checks: Sequence[Check]) -> set[str]:
    """The analyses the checks declare that a plugin provides and that are not computed yet."""
    provided = set(corpus.analysis_names)
    return {name for check in checks for name in _reads(check)
            if name in provided and not corpus.analysis_computed(name)}


def _compute_declared_analyses(corpus, ordered: Sequence[Check], check_crash) -> None:
    """Every analysis a check declares, computed here before forking (each worker would
    otherwise compute its own); a failure is reported as the first declaring check's crash."""
    for check in ordered:
        for name in check.requires_analyses:  # those only used when present are not computed for them
            if name not in corpus.analysis_names:
                continue
            try:
                with collector_paused(set_aside_after=True):  # kept to the end of the run (collector.py)
                    corpus.analysis(name)
            except CheckCrash:
                raise
            except Exception as exc:  # noqa: BLE001 - reported as an internal error, exit 3
                raise check_crash(check, None, exc) from exc


def _run_here(session: "Session", check: Check) -> list[Finding]:
    from .runner import run_corpus_check

    found, seconds = run_corpus_check(session, check)
    session.check_seconds[check.code] = session.check_seconds.get(check.code, 0.0) + seconds
    return found


def _progress(session: "Session", check: Check, done: int, total: int) -> None:
    if session.progress:
        session.progress(f"corpus check {check.code}", done, total)


def _collect(session: "Session", ordered: Sequence[Check], results, found: dict[int, list[Finding]],
             block: bool, side: SideTask | None = None) -> int:
    """Take in what workers sent (one message, waiting up to a second when ``block``; else all
    that is there); the number of checks they finished. Raises the crash a worker reported."""
    taken = 0
    while (message := receive(results, block)) is not None:
        kind = message[0]
        if kind == "side":
            if side is not None and message[1] is not None:
                side.result, side.here, side.done = unpickled(message[1]), False, True
            if block:
                return taken
            continue
        if kind == "crash":
            _, message_text, remote = message
            raise CheckCrash(message_text) from WorkerTraceback(remote)
        if kind == "again":
            found[message[1]] = _run_here(session, ordered[message[1]])
            taken += 1
            if block:
                return taken
            continue
        _, index, payload, seconds, counted, analysis_seconds, generation = message
        found[index] = unpickled(payload)
        check = ordered[index]
        session.check_seconds[check.code] = session.check_seconds.get(check.code, 0.0) + seconds
        corpus = session.corpus
        if corpus.cache is not None and counted is not None:
            corpus.cache.add_counted(counted)
        for name, spent in analysis_seconds.items():
            corpus.analysis_seconds.setdefault(name, spent)
        if generation is not None and corpus._generation is None:
            corpus._generation = generation
        taken += 1
        _progress(session, check, len(found), len(ordered))
        if block:
            return taken
    return taken


#: how much the worker forked before the analyses lowers its scheduling priority (``os.nice``)
EARLY_WORKER_NICENESS = 10


def _worker(session: "Session", ordered: Sequence[Check], lock, ends, results, floor: int,
            side: SideTask | None = None, early: bool = False) -> None:
    """A forked worker: does ``side`` (if any), then takes checks from the back of ``ordered``
    until none are left at ``floor`` or above."""
    from .runner import run_corpus_check

    corpus = session.corpus
    corpus.forked()
    cache = corpus.cache
    known_analyses = set(corpus.analysis_seconds)
    if early:
        # the analyses this process computes meanwhile are what everything else waits for,
        # and they run a thread of their own beside it (three busy threads on two cores):
        # this worker's work is wanted only once the analyses are done, so it yields the cores
        # to them (at 100,000 documents it finished its work ~6 s before they were done)
        try:
            os.nice(EARLY_WORKER_NICENESS)
        except (AttributeError, OSError):  # no such call here, or not allowed: as it was
            pass
    try:
        if side is not None:
            results.put(("side", pickled_result(side.func)))  # None: the main process does it again
            del side
        while (index := take(lock, ends, front=False, floor=floor)) is not None:
            check = ordered[index]
            # the collector stays paused until the findings are sent and gone: then only
            # the cycles the check left are walked (collector.py)
            with collector_paused():
                try:
                    found, seconds = run_corpus_check(session, check, kept=False)
                except CheckCrash as crash:  # reported as an internal error, exit 3, by the main process
                    results.put(("crash", str(crash), traceback.format_exc()))
                    return
                payload = pickled_result(lambda: found)
                del found
                if payload is None:  # findings that do not pickle (a plugin's data values)
                    results.put(("again", index))  # the main process runs this check itself
                    continue
                fresh = {name: spent for name, spent in corpus.analysis_seconds.items() if name not in known_analyses}
                known_analyses.update(fresh)
                results.put(("done", index, payload, seconds,
                             cache.take_counted() if cache is not None else None,
                             fresh, corpus.used_generation))
                del payload
            set_aside_survivors()
    finally:
        results.close()
        results.join_thread()  # everything sent before this process exits
