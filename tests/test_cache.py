"""The incremental cache: reused when nothing changed, never trusted when corrupt."""

import sqlite3

from copydesk import Check, hookimpl

STORY = "The regional airline said on Monday it would add three routes to the islands next summer.\n"


class CountingCheck(Check):
    """Flags the word 'routes' (and counts how often it runs).

    Why it matters: a test.

    Example: none.
    """

    code = "XCC001"
    name = "counting"
    category = "test"
    calls = 0

    def check_document(self, document):
        CountingCheck.calls += 1
        start = document.text.find("routes")
        if start >= 0:
            yield self.finding(document, (start, start + 6), "routes")


class CountingPlugin:
    @staticmethod
    @hookimpl
    def copydesk_register_checks():
        return [CountingCheck]


def run(project, *extra):
    return project.run("check", "corpus", "--select", "XCC001", "-f", "json", *extra, plugins=[CountingPlugin])


def test_second_run_reuses_unchanged_documents(copydesk_project):
    copydesk_project.write_corpus({f"d{i}.txt": STORY.replace("three", str(i)) for i in range(5)})
    CountingCheck.calls = 0
    first = run(copydesk_project)
    assert CountingCheck.calls == 5 and first.report["run"]["cache"]["misses"] == 5
    second = run(copydesk_project)
    assert CountingCheck.calls == 5, "nothing changed: nothing re-run"
    assert second.report["run"]["cache"]["hits"] == 5
    assert second.report["findings"] == first.report["findings"]
    copydesk_project.write_corpus({"d2.txt": "A different story about ferries.\n"})
    third = run(copydesk_project)
    assert CountingCheck.calls == 6, "only the edited document is checked again"
    assert [f["document"] for f in third.report["findings"]] == ["d0.txt", "d1.txt", "d3.txt", "d4.txt"]


def test_options_change_invalidates(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    CountingCheck.calls = 0
    run(copydesk_project)
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\nchecks: {XCC001: {severity: error}}\n")
    result = copydesk_project.run("check", "--select", "XCC001", "-f", "json", plugins=[CountingPlugin])
    assert CountingCheck.calls == 2 and result.report["findings"][0]["severity"] == "error"


def test_no_cache_flag(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    CountingCheck.calls = 0
    run(copydesk_project, "--no-cache")
    run(copydesk_project, "--no-cache")
    assert CountingCheck.calls == 2
    assert not (copydesk_project.path / ".copydesk_cache").exists()


def test_corrupt_entries_and_files_are_rebuilt(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    first = run(copydesk_project)
    db = copydesk_project.path / ".copydesk_cache" / "cache.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE entries SET value = substr(value, 1, 16) || '[]'")
    CountingCheck.calls = 0
    second = run(copydesk_project)
    assert CountingCheck.calls == 1, "an entry failing its checksum is not trusted"
    assert second.report["findings"] == first.report["findings"]
    db.write_bytes(b"this is not a database" * 100)
    third = run(copydesk_project)
    assert third.exit_code == 0 and third.report["findings"] == first.report["findings"]
