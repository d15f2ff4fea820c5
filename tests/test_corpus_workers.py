"""Corpus checks shared with forked worker processes (``copydesk.corpus_workers``).

The checks here are a test plugin's: each sleeps a little (so that the worker has
time to start and take one) and reports the pid of the process it ran in, so the
tests can tell where each ran. The built-in checks' equality of reports with and
without workers is tested on a generated corpus in tests/test_parallel.py.
"""

from __future__ import annotations

import os
import time

import pytest

from copydesk import Analysis, Check, Related, Severity, corpus_workers, hookimpl

pytestmark = pytest.mark.skipif(not corpus_workers.can_fork(), reason="workers are forked on Linux only")

STORY = ("The harbour board met on Monday to decide the future of the old pier.\n\n"
         "Its members voted to repair the pier rather than pull it down, a spokesman said.\n")
DOCUMENTS = {f"d{i:02}.txt": STORY.replace("Monday", f"day {i}") for i in range(12)}
PARENT = {"pid": 0}


class Reporting(Check):
    """Reports where it ran (a test).

    Why it matters: a test.

    Example: none.
    """

    category = "test"
    severity = Severity.INFO
    pause = 0.3

    def check_corpus(self, corpus):
        time.sleep(self.pause)
        for document in list(corpus)[:3]:
            yield self.finding(document, (0, 3), f"{self.code} ran here", data={"pid": os.getpid()})


def reporting(code: str, name: str) -> type[Reporting]:
    """A :class:`Reporting` check under its own code and name."""
    return type(name.title().replace("-", ""), (Reporting,), {"__doc__": Reporting.__doc__, "code": code, "name": name})


First, Second, Third = (reporting(f"XWK00{n}", f"worker-{word}")
                        for n, word in ((1, "first"), (2, "second"), (3, "third")))


class Raising(Reporting):
    __doc__ = Reporting.__doc__
    code = "XWK009"
    name = "worker-raising"

    def check_corpus(self, corpus):
        raise ValueError("no pier in this corpus")


class DyingInWorker(Reporting):
    __doc__ = Reporting.__doc__
    code = "XWK008"
    name = "worker-dying"

    def check_corpus(self, corpus):
        if os.getpid() != PARENT["pid"]:
            os._exit(9)  # killed, as by the out-of-memory killer
        yield from super().check_corpus(corpus)


class Unpicklable(Reporting):
    __doc__ = Reporting.__doc__
    code = "XWK006"
    name = "worker-unpicklable"

    def check_corpus(self, corpus):
        for finding in super().check_corpus(corpus):
            finding.data["test"] = (lambda: None) if os.getpid() != PARENT["pid"] else "plain"
            yield finding


class HereOnly(Reporting):
    __doc__ = Reporting.__doc__
    code = "XWK007"
    name = "worker-here-only"
    runs_in_worker = False


class Slow(Analysis):
    """Takes its time; its result: (the pid that computed it, when it finished)."""

    name = "xwk-slow"

    def compute(self, corpus):
        time.sleep(1.0)
        return os.getpid(), time.time()


class Waiting(Reporting):
    """Reads the slow analysis (a test).

    Why it matters: a test.

    Example: none.
    """

    code = "XWK005"
    name = "worker-waiting"
    requires_analyses = ("xwk-slow",)

    def check_corpus(self, corpus):
        computed_by, finished = corpus.analysis("xwk-slow")
        for finding in super().check_corpus(corpus):
            finding.data.update(computed_by=computed_by, finished=finished)
            yield finding


class Ready(Reporting):
    __doc__ = Reporting.__doc__
    code = "XWK004"
    name = "worker-ready"

    def check_corpus(self, corpus):
        started = time.time()
        for finding in super().check_corpus(corpus):
            finding.data["started"] = started
            yield finding


def plugin(*checks):
    class Plugin:
        @staticmethod
        @hookimpl
        def copydesk_register_checks():
            return list(checks)

        @staticmethod
        @hookimpl
        def copydesk_register_analyses():
            return [Slow]

    return Plugin


@pytest.fixture
def project(copydesk_project, monkeypatch):
    monkeypatch.setattr(corpus_workers, "MIN_WORKER_DOCUMENTS", 10)
    PARENT["pid"] = os.getpid()
    copydesk_project.write_corpus(DOCUMENTS)
    return copydesk_project


def run(project, jobs: int, *checks, cache: str | None = None):
    args = ["check", "corpus", "--select", "XWK", "-f", "json", "-o", "report.json", "-j", str(jobs)]
    return project.run(*args, *(["--cache-dir", cache] if cache else ["--no-cache"]), plugins=[plugin(*checks)])


def pids(result) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for finding in result.findings:
        found.setdefault(finding["code"], set()).add(finding["data"]["pid"])
    return found


def test_a_worker_takes_checks_from_the_back_and_the_report_is_the_serial_one(project):
    result = run(project, 2, First, Second, Third)
    assert result.exit_code == 0, result
    where = pids(result)
    assert where["XWK001"] == {os.getpid()}  # this process takes from the front
    assert where["XWK003"] != {os.getpid()}  # the worker from the back
    serial = run(project, 1, First, Second, Third)
    assert {code for code, at in pids(serial).items() if at != {os.getpid()}} == set()
    assert ([(f["code"], f["document"]) for f in serial.findings]
            == [(f["code"], f["document"]) for f in result.findings])
    seconds = {row["code"]: row["duration_s"] for row in result.report["run"]["checks"]}
    assert seconds["XWK003"] >= Reporting.pause  # the worker's time is reported


def test_small_corpora_and_one_job_run_everything_here(project, monkeypatch):
    monkeypatch.setattr(corpus_workers, "MIN_WORKER_DOCUMENTS", 100)
    assert set().union(*pids(run(project, 2, First, Second, Third)).values()) == {os.getpid()}


def test_a_check_that_raises_in_a_worker_stops_the_run_naming_it(project):
    result = run(project, 2, First, Raising)
    assert result.exit_code == 3, result
    assert "XWK009 worker-raising" in result.stderr and "ValueError: no pier in this corpus" in result.stderr
    debug = project.run("--debug", "check", "corpus", "--select", "XWK", "--no-cache", "-j", "2",
                        plugins=[plugin(First, Raising)])
    assert debug.exit_code == 3 and "Traceback" in debug.stderr and "no pier" in debug.stderr


def test_checks_of_a_worker_that_died_are_run_here(project):
    result = run(project, 2, First, DyingInWorker)
    assert result.exit_code == 0, result
    assert pids(result) == {"XWK001": {os.getpid()}, "XWK008": {os.getpid()}}


def test_a_check_that_must_not_leave_the_process_runs_here(project):
    result = run(project, 2, First, HereOnly)
    assert result.exit_code == 0, result
    assert pids(result)["XWK007"] == {os.getpid()}


def test_cache_counts_and_statistics_come_back_from_workers(project):
    class Fitting(Reporting):
        __doc__ = Reporting.__doc__
        code = "XWK004"
        name = "worker-fitting"

        def check_corpus(self, corpus):
            corpus.per_document("xwk004/1", len)  # one cache lookup per document
            corpus.fitted("xwk004-fit/1", lambda: 1)
            yield from super().check_corpus(corpus)

    counts = {}
    for jobs in (1, 2):
        first = run(project, jobs, First, Fitting, cache=f"cache{jobs}")
        assert (pids(first)["XWK004"] != {os.getpid()}) == (jobs == 2)
        again = run(project, jobs, First, Fitting, cache=f"cache{jobs}")
        # not the report records' counts: these findings name the process that made them
        # (a worker's pid differs run to run), so their records are made again, as they must be
        counts[jobs] = tuple({key: value for key, value in report["run"]["cache"].items() if key != "records"}
                             for report in (first.report, again.report))
    assert counts[2] == counts[1]
    cold, warm = counts[2]
    assert warm["hits"] > 0 and warm["misses"] == 0 and cold["misses"] > 0, counts
    assert warm["statistics"]["fitted_documents"] == len(DOCUMENTS)


def test_findings_that_do_not_pickle_are_found_again_here(project):
    result = run(project, 2, First, Unpicklable)
    assert result.exit_code == 0, result
    assert pids(result)["XWK006"] == {os.getpid()}
    assert {f["data"]["test"] for f in result.findings if f["code"] == "XWK006"} == {"plain"}


def test_no_more_workers_than_the_free_memory_holds(project, monkeypatch):
    resident, available = corpus_workers.memory_figures()
    if os.path.exists("/proc/meminfo"):  # Linux: both known, this process holds some memory
        assert 0 < resident and 0 < available
    monkeypatch.setattr(corpus_workers, "memory_figures", lambda: (4 << 30, 3 << 30))
    assert set().union(*pids(run(project, 2, First, Second, Third)).values()) == {os.getpid()}
    monkeypatch.setattr(corpus_workers, "memory_figures", lambda: (0, 0))  # unknown: no limit
    assert pids(run(project, 2, First, Second, Third))["XWK003"] != {os.getpid()}


def test_checks_that_read_no_analysis_start_in_a_worker_while_the_analyses_are_computed(project):
    """The analysis is computed once, here; a check that declares none does not wait for it."""
    result = run(project, 2, First, Waiting, Ready)
    assert result.exit_code == 0, result
    data = {f["code"]: f["data"] for f in result.findings}
    assert data["XWK004"]["pid"] != os.getpid()  # in the worker forked before the analysis...
    assert data["XWK004"]["started"] < data["XWK005"]["finished"]  # ...started while it was computed
    assert {f["data"]["computed_by"] for f in result.findings if f["code"] == "XWK005"} == {os.getpid()}
    assert [row["name"] for row in result.report["run"]["analyses"]] == ["xwk-slow"]
    serial = run(project, 1, First, Waiting, Ready)
    assert ([(f["code"], f["document"]) for f in serial.findings]
            == [(f["code"], f["document"]) for f in result.findings])


def test_a_check_that_uses_an_analysis_when_present_waits_for_it(project):
    class Using(Ready):
        __doc__ = Reporting.__doc__
        uses_analyses = ("xwk-slow",)

    result = run(project, 2, First, Waiting, Using)
    assert result.exit_code == 0, result
    data = {f["code"]: f["data"] for f in result.findings}
    assert data["XWK004"]["started"] >= data["XWK005"]["finished"]


def test_no_early_worker_when_the_memory_holds_no_more_copies(project, monkeypatch):
    """The worker forked before the analyses is one more copy of this process: without room for
    it, checks that read no analysis wait for the analyses like the others."""
    monkeypatch.setattr(corpus_workers, "memory_figures", lambda: (1 << 30, 1 << 30))  # one copy
    result = run(project, 2, First, Waiting, Ready)
    assert result.exit_code == 0, result
    data = {f["code"]: f["data"] for f in result.findings}
    assert data["XWK004"]["started"] >= data["XWK005"]["finished"]


class Heavy(Reporting):
    """Many findings with many related entries, found quickly (a test).

    Why it matters: a test.

    Example: none.
    """

    code = "XWK003"
    name = "worker-heavy"

    def check_corpus(self, corpus):
        documents = list(corpus)
        related = [Related(document.id) for document in documents[1:11]]
        for number in range(2000):
            yield self.finding(documents[0], (0, 3), f"heavy {number}", related=related, data={"pid": os.getpid()})


def test_with_a_cache_checks_are_arranged_by_what_they_cost_in_the_last_run(project):
    """The last run's seconds and findings (kept in the cache): a long check with few findings goes
    to the back (a worker's side), a check whose findings cost more to send back than to find
    to the front (this process's side)."""
    Long = type("Long", (First,), {"__doc__": Reporting.__doc__, "pause": 0.8})
    Short = type("Short", (Second,), {"__doc__": Reporting.__doc__, "pause": 0.05})
    first = run(project, 2, Long, Short, Heavy, cache="cache")
    assert first.exit_code == 0, first
    assert pids(first)["XWK001"] == {os.getpid()} and pids(first)["XWK003"] != {os.getpid()}  # code order
    again = run(project, 2, Long, Short, Heavy, cache="cache")
    assert pids(again)["XWK003"] == {os.getpid()}, "its findings cost more to send than to find"
    assert pids(again)["XWK001"] != {os.getpid()}, "the longest with findings cheap to send: the worker's"
    assert ([(f["code"], f["document"], f["message"]) for f in again.findings]
            == [(f["code"], f["document"], f["message"]) for f in first.findings])
    assert run(project, 2, Short, Heavy, cache="cache").exit_code == 0  # a run of some: the others' costs kept
    assert pids(run(project, 2, Long, Short, Heavy, cache="cache"))["XWK001"] != {os.getpid()}  # not unknown


def test_a_cold_runs_costs_do_not_arrange_the_next_run(project):
    """A run that computed everything (its per-document results missing from the cache) keeps
    costs that say nothing of a run that reads the cache: that one is arranged in code order,
    and keeps its own costs, by which the run after it is arranged."""
    Long = type("Long", (First,), {"__doc__": Reporting.__doc__, "pause": 0.8})
    Short = type("Short", (Second,), {"__doc__": Reporting.__doc__, "pause": 0.05})
    cold = run(project, 2, Long, Short, Heavy, PerDocument, cache="cache")
    assert cold.exit_code == 0, cold
    assert pids(cold)["XWK001"] == {os.getpid()}  # code order
    warm = run(project, 2, Long, Short, Heavy, PerDocument, cache="cache")
    assert pids(warm)["XWK001"] == {os.getpid()}, "the cold run's costs are not used"
    again = run(project, 2, Long, Short, Heavy, PerDocument, cache="cache")
    assert pids(again)["XWK001"] != {os.getpid()} and pids(again)["XWK003"] == {os.getpid()}


def test_with_several_workers_checks_cheap_to_send_go_to_the_back_the_longest_last():
    checks = [reporting(f"XWK1{n:02}", f"worker-n{n}") for n in range(6)]
    last = {"XWK100": (1.0, 10), "XWK101": (6.0, 10), "XWK102": (3.0, 10 ** 6), "XWK103": (5.0, 10 ** 6),
            "XWK104": (2.0, 10)}  # XWK105 never timed: front, first
    assert [c.code for c in corpus_workers._arranged(checks, last, workers=2)] == [
        "XWK105", "XWK103", "XWK102", "XWK100", "XWK104", "XWK101"]
    assert [c.code for c in corpus_workers._longest_last(checks, last)] == [
        "XWK100", "XWK104", "XWK102", "XWK103", "XWK101", "XWK105"]


def test_with_one_worker_checks_are_split_to_end_soonest_by_the_last_run():
    """The split the last run's costs say ends soonest, what sending findings back costs counted
    on both sides; each side's longest first (the worker takes from the back)."""
    checks = [reporting(f"XWK1{n:02}", f"worker-n{n}") for n in range(5)]
    last = {"XWK100": (1.0, 10), "XWK101": (6.0, 10), "XWK102": (3.0, 10 ** 6), "XWK103": (5.0, 10 ** 6),
            "XWK104": (2.0, 10)}
    order = [c.code for c in corpus_workers._arranged(checks, last, workers=1)]
    # this process: XWK103, XWK102 and XWK100 (9 s); the worker: XWK101 and XWK104 (8 s), its longest first
    assert order == ["XWK103", "XWK102", "XWK100", "XWK104", "XWK101"]
    # with 3 s of checks that run only here, the worker takes more (9 s against 11)
    assert [c.code for c in corpus_workers._split(checks, last, here=3.0)] == ["XWK100", "XWK101", "XWK104"]
    # findings that cost more to send than to find stay here, even when the split is uneven
    heavy = {**last, "XWK101": (6.0, 10 ** 7)}
    assert "XWK101" not in [c.code for c in corpus_workers._split(checks, heavy, here=0.0)]


class PerDocument(Check):
    """Reports where it ran, per document (a test).

    Why it matters: a test.

    Example: none.
    """

    category = "test"
    severity = Severity.INFO
    code = "XWK010"
    name = "worker-per-document"

    def check_document(self, document):
        yield self.finding(document, (0, 3), "ran here", data={"pid": os.getpid()})


class DyingPerDocument(PerDocument):
    __doc__ = PerDocument.__doc__
    code = "XWK011"
    name = "worker-per-document-dying"

    def check_document(self, document):
        if os.getpid() != PARENT["pid"]:
            os._exit(9)
        yield from super().check_document(document)


def test_per_document_checks_after_a_run_with_the_cache_are_done_by_the_early_worker(project):
    """The worker forked before the analyses does them (the cached ones read, an added document
    checked) while this process computes the analyses; a first run does them here."""
    first = run(project, 2, PerDocument, First, Waiting, cache="c")
    assert first.exit_code == 0, first
    assert pids(first)["XWK010"] == {os.getpid()}
    project.write_corpus({"added.txt": STORY.replace("Monday", "Sunday")})
    result = run(project, 2, PerDocument, First, Waiting, cache="c")
    assert result.exit_code == 0, result
    where = {f["document"]: f["data"]["pid"] for f in result.findings if f["code"] == "XWK010"}
    assert where.pop("added.txt") != os.getpid()  # checked in the worker
    assert set(where.values()) == {os.getpid()} and len(where) == len(DOCUMENTS)  # read from the cache
    serial = run(project, 1, PerDocument, First, Waiting, cache="c")
    assert ([(f["code"], f["document"]) for f in serial.findings]
            == [(f["code"], f["document"]) for f in result.findings])


def test_per_document_checks_of_an_early_worker_that_died_are_done_here(project):
    assert run(project, 2, DyingPerDocument, First, Waiting, cache="c").exit_code == 0
    project.write_corpus({"added.txt": STORY.replace("Monday", "Sunday")})
    result = run(project, 2, DyingPerDocument, First, Waiting, cache="c")
    assert result.exit_code == 0, result
    assert pids(result)["XWK011"] == {os.getpid()}
    assert len([f for f in result.findings if f["code"] == "XWK011"]) == len(DOCUMENTS) + 1
