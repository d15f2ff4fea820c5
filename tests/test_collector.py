"""The garbage collector during a run (core/collector.py): paused in corpus checks, survivors set aside."""

import gc

from copydesk import Check, hookimpl
from copydesk.collector import run_scope, set_aside_survivors


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_survivors_are_frozen_inside_a_run_and_given_back_at_its_end():
    assert gc.get_freeze_count() == 0
    with run_scope():
        kept = [object() for _ in range(10)]  # noqa: F841 - alive: set aside
        set_aside_survivors()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_cycles_left_by_a_corpus_check_are_freed_once_the_run_ends(copydesk_project):
    """A check's cyclic garbage is set aside with its findings (no collection walks them),
    and given back to the collector when the run ends: nothing stays frozen or leaks."""
    import weakref

    refs = []

    class MakesCycles(Check):
        """Makes one reference cycle per document and drops it."""

        code = "ZZZ901"
        name = "makes-cycles"
        category = "test"

        def check_corpus(self, corpus):
            for _ in corpus:
                node = _Node()
                refs.append(weakref.ref(node))
            return []

    class Plugin:
        @hookimpl
        def copydesk_register_checks(self):
            return [MakesCycles]

    copydesk_project.write_corpus({"a.txt": "One short story about the weather.\n", "b.txt": "Another one.\n"})
    result = copydesk_project.run("check", "corpus", "--select", "ZZZ901", "--no-cache", "--jobs", "1", plugins=[Plugin()])
    assert result.exit_code == 0, result
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert refs and all(ref() is None for ref in refs)


def test_a_callers_own_freeze_is_left_alone():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with run_scope():
            set_aside_survivors()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
