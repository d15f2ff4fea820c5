"""The cyclic garbage collector during a run: paused while a run builds large, long-lived, acyclic data.

CPython's collector starts by allocation counts and, as the live objects grow,
walks every one of them again (a full collection each time they grow by a
quarter). A run's objects are mostly long-lived and free of reference cycles:
the documents, the findings, a corpus check's indexes, the report's dicts. On a
warm run over 100,000 documents those walks were an eighth of the time, and they
freed nothing that reference counting does not free.

So the runner pauses the collector while a corpus check runs and collects the
young objects once it returns (cycles the check left behind are freed then), and
the report is built, checked and written with it paused.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused(collect_young_after: bool = False) -> Iterator[None]:
    """Automatic collection off inside the block (restored after, if it was on).

    ``collect_young_after``: collect the objects made inside the block, once, at
    its end: any reference cycles among them are freed, and those that live on
    are walked once instead of at every growth step.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect_young_after:
            gc.collect(1)
        if enabled:
            gc.enable()
