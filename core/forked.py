"""Work shared with one forked helper process, taken from both ends of a list of tasks.

For the report's steps after the checks (fingerprints and records: lines, columns, excerpts):
by then every corpus check is done and, on a machine of two cores, the other core
idles while this process works through every finding (100,000 documents: about 17 s
of a 47 s warm run). A helper forked then inherits the findings and the corpus as
they are (nothing is pickled to it); only its results come back, pickled. Also for
reading a large corpus's files (:func:`copydesk.loading.load_corpus`), before anything
else runs: the helper reads files from the front of the list, this process from the back.

This process takes tasks from the back of the list, the helper from the front, so
whoever finishes first takes the next and neither waits while there is work. The
results are the same as ``[task(i) for i in range(count)]``: a task the helper fails
(an exception, a result that does not pickle) and the tasks of a helper that dies are
run here, where an exception then surfaces as it would without the helper.

A helper costs more than its share of the work: a page of memory it shares with this
process is copied when either first writes to it, and Python writes to every object it
reads (its reference count). Reading 600,000 report records took twice as long while a
forked helper was alive; work is shared only where that is worth it.

Linux only (:func:`~copydesk.corpus_workers.can_fork`), and only when the memory holds
another copy of this process (the helper shares its memory until one of them writes
to it: at worst it copies all of it).
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
from typing import Callable, TypeVar

from .collector import collector_paused

T = TypeVar("T")


def take(lock, ends, front: bool, floor: int = 0) -> int | None:
    """The next index from one end of a list shared by processes (``ends``: a shared array of
    [next index from the front, next index from the back]), or None when the ends have met
    (from the back: or passed ``floor``)."""
    with lock:
        if ends[0] > ends[1] or (not front and ends[1] < floor):
            return None
        end = 0 if front else 1
        index = ends[end]
        ends[end] += 1 if front else -1
        return index


def receive(results, block: bool):
    """The next message on ``results`` (a multiprocessing queue), waiting up to a second when
    ``block``; None when there is none."""
    try:
        return results.get(timeout=1.0) if block else results.get_nowait()
    except queue.Empty:
        return None


def pickled_result(func: Callable[..., object], *args) -> bytes | None:
    """``func(*args)`` pickled, for another process; None when it raises or its result does not
    pickle (the receiver then works it out itself). Both with the collector paused: results
    are large and acyclic (at 100,000 documents, DUP003's findings took 3.7 s to pickle with
    it running, 2.0 s paused)."""
    try:
        with collector_paused():
            return pickle.dumps(func(*args), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - the receiver runs it again, and raises there
        return None


def unpickled(payload: bytes):
    """What :func:`pickled_result` sent, read with the collector paused and then set aside:
    kept to the end of the run and acyclic (at 100,000 documents, ATT002's findings took 9.2 s
    to read with it running, 1.5 s paused; see collector.py)."""
    with collector_paused(set_aside_after=True):
        return pickle.loads(payload)


def map_shared(task: Callable[[int], T], count: int, meanwhile: Callable[[], object] | None = None) -> list[T]:
    """``[task(0), ..., task(count - 1)]``, shared with a forked helper where one can be forked.

    ``task`` must not depend on what the other tasks did in this process: the helper
    runs its share in its own copy of the process (side effects there are lost).
    ``meanwhile``: called in this process (once, before it takes tasks) while the helper
    already works; with no helper, first."""
    from .corpus_workers import _memory_holds, can_fork

    if count < 2 or not can_fork() or not _memory_holds(2):
        if meanwhile is not None:
            meanwhile()
        return [task(index) for index in range(count)]
    context = multiprocessing.get_context("fork")
    lock = context.Lock()
    ends = context.RawArray("i", [0, count - 1])  # [next index the helper takes, next index this process takes]
    results = context.Queue()
    found: dict[int, T] = {}
    helper = context.Process(target=_helper, args=(task, lock, ends, results), daemon=True)
    helper.start()
    try:
        if meanwhile is not None:
            meanwhile()
        while (index := take(lock, ends, front=False)) is not None:
            found[index] = task(index)
            _take(results, found, block=False)
        helpers = range(ends[0])  # the indices the helper took
        while any(index not in found for index in helpers):
            if _take(results, found, block=True):
                continue
            if not helper.is_alive():
                _take(results, found, block=False)  # what it sent before it ended
                break
        for index in helpers:  # failed in the helper, or the helper died first: here
            if index not in found:
                found[index] = task(index)
    finally:
        if helper.is_alive():
            helper.terminate()
        helper.join(timeout=5)
        results.close()
        results.join_thread()
    return [found[index] for index in range(count)]


def _take(results, found: dict, block: bool) -> int:
    """Read what the helper sent (one message, waiting up to a second when ``block``; else all
    there is); how many results were read."""
    taken = 0
    while (message := receive(results, block)) is not None:
        index, payload = message
        if payload is not None:
            found[index] = unpickled(payload)
            taken += 1
        if block:
            break
    return taken


def _helper(task: Callable[[int], object], lock, ends, results) -> None:
    """The forked helper: takes tasks from the front until the two ends meet."""
    try:
        while (index := take(lock, ends, front=True)) is not None:
            results.put((index, pickled_result(task, index)))
    finally:
        results.close()
        results.join_thread()  # everything sent before this process ends


