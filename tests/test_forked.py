"""Work shared with one forked helper (``copydesk.forked.map_shared``): the report's last steps use it.

Whatever happens in the helper (it takes tasks, fails one, dies, sends what does not
pickle), the result is the list the tasks give one after another in this process.
"""

from __future__ import annotations

import os
import time

import pytest

from copydesk import corpus_workers
from copydesk.forked import map_shared

pytestmark = pytest.mark.skipif(not corpus_workers.can_fork(), reason="the helper is forked on Linux only")


def test_tasks_are_shared_with_the_helper_and_returned_in_order():
    here = os.getpid()

    def task(index):
        time.sleep(0.05)  # time for the helper to start and take some
        return index, os.getpid()

    results = map_shared(task, 12)
    assert [index for index, _ in results] == list(range(12))
    where = {pid for _, pid in results}
    assert here in where and len(where) == 2  # both processes took tasks
    # the helper takes from the front, this process from the back
    assert results[0][1] != here and results[-1][1] == here


def test_a_task_that_fails_in_the_helper_is_run_here():
    here = os.getpid()

    def task(index):
        time.sleep(0.05)
        if os.getpid() != here and index == 0:
            raise RuntimeError("only in the helper")
        return index * index

    assert map_shared(task, 6) == [index * index for index in range(6)]


def test_a_task_that_fails_everywhere_raises_here():
    def task(index):
        time.sleep(0.05)
        if index == 0:  # the helper's first task: it fails there, then here
            raise ValueError("bad piece 0")
        return index

    with pytest.raises(ValueError, match="bad piece 0"):
        map_shared(task, 4)


def test_the_tasks_of_a_helper_that_dies_are_run_here():
    here = os.getpid()

    def task(index):
        time.sleep(0.05)
        if os.getpid() != here and index == 1:
            os._exit(9)  # killed, out of memory: nothing more comes from it
        return index, os.getpid()

    results = map_shared(task, 8)
    assert [index for index, _ in results] == list(range(8))
    assert results[1][1] == here


def test_a_result_that_does_not_pickle_is_made_here():
    here = os.getpid()

    def task(index):
        time.sleep(0.05)
        return (lambda: index) if os.getpid() != here else index

    results = map_shared(task, 5)
    assert [r() if callable(r) else r for r in results] == list(range(5))
    assert all(not callable(r) for r in results)


def test_without_fork_the_tasks_run_here(monkeypatch):
    monkeypatch.setattr(corpus_workers, "can_fork", lambda: False)
    here = os.getpid()
    assert map_shared(lambda index: (index, os.getpid()), 4) == [(index, here) for index in range(4)]
    assert map_shared(lambda index: index, 0) == []
