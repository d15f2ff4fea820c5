"""The cyclic garbage collector during a run: paused while a run builds large, long-lived, acyclic data.

CPython's collector starts by allocation counts and, as the live objects grow,
walks every one of them again (a full collection each time they grow by a
quarter). A run's objects are mostly long-lived and free of reference cycles:
the documents, the findings, a corpus check's indexes, the report's dicts. On a
warm run over 100,000 documents those walks were an eighth of the time, and they
freed nothing that reference counting does not free.

So the runner pauses the collector while a shared analysis or a corpus check runs,
and while the report is built, checked and written; what they made is then set aside
without a collection: their results are acyclic and kept to the end of the run. A
collection of the young objects after each of them found nothing to free at 100,000
documents (4.3 million objects after the analyses and checks of a warm run, 317 of
them garbage) and took 1.9 s of it; re-enabling the collector over the report started
a collection that walked it all, ~1.5 s. The price: reference cycles a plugin's
analysis or check leaves behind are freed when the run ends, not after it. In a
worker process, whose check's findings are sent away, the young objects are collected
once the findings are gone (cheap then: only such cycles are left).

Within one run (:func:`run_scope`), the objects that survive that collection are
also set aside (``gc.freeze``): they are the run's long-lived data, and the
collections that still happen (between checks, while the runner merges results)
no longer walk them again. They are given back to the collector when the run
ends (``gc.unfreeze``), so a cycle among them that dies later is still freed.
A caller that froze objects itself keeps its own freeze: no setting aside then.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


_setting_aside = False


@contextmanager
def run_scope() -> Iterator[None]:
    """One run: :func:`set_aside_survivors` freezes inside it; everything is unfrozen at its end."""
    global _setting_aside
    if _setting_aside or gc.get_freeze_count():  # nested, or the caller's own freeze: leave it be
        yield
        return
    _setting_aside = True
    try:
        yield
    finally:
        _setting_aside = False
        gc.unfreeze()


def set_aside_survivors() -> None:
    """Collect the young objects (freeing their cycles); inside :func:`run_scope`, move the
    survivors out of later collections' sight until the run ends."""
    gc.collect(1)
    if _setting_aside:
        gc.freeze()


@contextmanager
def collector_paused(set_aside_after: bool = False) -> Iterator[None]:
    """Automatic collection off inside the block (restored after, if it was on).

    ``set_aside_after``: inside :func:`run_scope`, set everything aside at the end
    of the block without collecting first: for blocks that make only acyclic,
    long-lived data (analyses, findings, the report), whose walk would free nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if set_aside_after and _setting_aside:
            gc.freeze()
        if enabled:
            gc.enable()
