"""The incremental cache: reused when nothing changed, never trusted when corrupt."""

import json
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
    # looked up: the table of a full run's documents, then each document
    assert CountingCheck.calls == 5 and first.report["run"]["cache"]["misses"] == 1 + 5
    second = run(copydesk_project)
    assert CountingCheck.calls == 5, "nothing changed: nothing re-run"
    cache = second.report["run"]["cache"]
    assert (cache["hits"], cache["misses"]) == (1, 0), "all five from the one table"
    assert second.report["findings"] == first.report["findings"]
    copydesk_project.write_corpus({"d2.txt": "A different story about ferries.\n"})
    third = run(copydesk_project)
    assert CountingCheck.calls == 6, "only the edited document is checked again"
    cache = third.report["run"]["cache"]
    assert (cache["hits"], cache["misses"]) == (1, 1), "the table, and the edited document looked up on its own"
    fourth = run(copydesk_project)
    assert CountingCheck.calls == 6 and fourth.report["findings"] == third.report["findings"]
    assert (fourth.report["run"]["cache"]["hits"], fourth.report["run"]["cache"]["misses"]) == (1, 0), \
        "a fifth of the documents differed from the table: the third run wrote it again"
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
    whole = db.read_bytes()
    for cut in (len(whole) // 2, 4096, 100):  # a file cut short (a full disk, a killed copy)
        db.write_bytes(whole[:cut])
        again = run(copydesk_project)
        assert again.exit_code == 0 and again.report["findings"] == first.report["findings"], cut
        db.write_bytes(whole)


def _words_of(text):
    """A per-document feature for the test below: word counts (a module-level function)."""
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def test_per_document_features_come_from_the_cache_for_unchanged_texts(tmp_path):
    from copydesk import Corpus, Document
    from copydesk.cache import Cache

    docs = [Document("a.txt", STORY), Document("b.txt", "zebra apple zebra"), Document("c.txt", STORY)]
    cold_cache = Cache(tmp_path / "cache", "test")
    cold = Corpus(docs, cache=cold_cache).per_document("test-words/1", _words_of)
    assert cold[1] == {"apple": 1, "zebra": 2} and list(cold[1]) == ["apple", "zebra"]  # keys as JSON reads them
    assert cold[0] == cold[2] and cold_cache.misses == 3  # the entry of all values, and one text computed once
    cold_cache.close()
    edited = [docs[0], Document("b.txt", "zebra apple"), docs[2]]
    warm_cache = Cache(tmp_path / "cache", "test")
    warm = Corpus(edited, cache=warm_cache).per_document("test-words/1", _words_of)
    assert warm_cache.hits == 1 and warm_cache.misses == 1  # all values in one entry; only the edited text computed
    assert warm == [cold[0], {"apple": 1, "zebra": 1}, cold[2]]
    assert Corpus(edited).per_document("test-words/1", _words_of) == warm  # the same without a cache


def test_per_document_values_of_most_of_the_corpus_are_kept_in_one_entry(tmp_path):
    """A call over half the corpus or more reads the values of the last such call in one entry
    and looks up only what it lacks; smaller calls use an entry per document; a kept entry
    that is not what one holds is ignored. Every way gives the values of a run without a cache."""
    from copydesk import Corpus, Document
    from copydesk.cache import Cache

    class Counting(Cache):
        def get_many(self, namespace, keys):
            keys = list(keys)
            self.asked = getattr(self, "asked", []) + [(namespace.endswith("@all"), len(keys))]
            return super().get_many(namespace, keys)

    docs = [Document(f"d{k:02}.txt", f"story {k} of the day") for k in range(40)]
    expected = Corpus(docs).per_document("test-words/1", _words_of)
    Corpus(docs, cache=Cache(tmp_path, "t")).per_document("test-words/1", _words_of)
    edited = [Document(d.id, d.text + " again") if k < 3 else d for k, d in enumerate(docs)]
    cache = Counting(tmp_path, "t")
    assert Corpus(edited, cache=cache).per_document("test-words/1", _words_of) == \
        Corpus(edited).per_document("test-words/1", _words_of)
    assert cache.asked == [(True, 1), (False, 3)]  # the kept entry, then the 3 edited texts
    cache = Counting(tmp_path, "t")
    assert Corpus(docs, cache=cache).per_document("test-words/1", _words_of, docs[:10]) == expected[:10]
    assert cache.asked == [(False, 10)]  # a quarter of the corpus: an entry per document
    # a kept entry that does not hold keys and values of one length: looked up one by one
    from copydesk.cache import code_version

    Cache(tmp_path, "t").put_many("test-words/1@all", {code_version(_words_of): {"keys": ["x"], "values": []}})
    cache = Counting(tmp_path, "t")
    assert Corpus(docs, cache=cache).per_document("test-words/1", _words_of) == expected
    assert cache.asked == [(True, 1), (False, 40)]


def _lower_words(text):
    """Distinct lower-case words (a module-level function for the test below)."""
    return [w for w in text.split() if w.islower()]


def test_document_frequencies_follow_edits_additions_and_deletions_exactly(tmp_path):
    from copydesk import Corpus, Document
    from copydesk.cache import Cache

    def counts(docs, cache):
        corpus = Corpus(docs, cache=cache)
        return corpus.document_frequencies("test-df/1", _lower_words)

    first = [Document("a", "the ferry sails at noon"), Document("b", "The ferry is late"), Document("c", "noon noon")]
    cache = Cache(tmp_path / "cache", "test")
    assert counts(first, cache) == {"the": 1, "ferry": 2, "sails": 1, "at": 1, "noon": 2, "is": 1, "late": 1}
    cache.close()
    # b edited, c deleted, d added: only b's and d's words are read again
    second = [first[0], Document("b", "the ferry is early"), Document("d", "a bus at dawn")]
    cache = Cache(tmp_path / "cache", "test")
    warm = counts(second, cache)
    assert warm == counts(second, None) == {"the": 2, "ferry": 2, "sails": 1, "at": 2, "noon": 1, "is": 1,
                                            "early": 1, "a": 1, "bus": 1, "dawn": 1}
    assert cache.misses == 2  # the new texts of b and d
    cache.close()
    # an old text's words gone from the cache: counted afresh, still exact
    with sqlite3.connect(tmp_path / "cache" / "cache.sqlite") as conn:
        conn.execute("DELETE FROM entries WHERE value NOT LIKE '%\"documents\"%'")
    third = [Document("a", "noon"), second[1], second[2]]
    assert counts(third, Cache(tmp_path / "cache", "test")) == counts(third, None)


def test_warm_run_reports_what_a_fresh_run_reports_when_statistics_refit_every_run(copydesk_project):
    """With cache.refit_after 0 every cached result must be exactly what a run without the cache
    finds, whatever was edited, added or deleted (the whole default suite, on the seeds)."""
    from pathlib import Path

    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))}
    copydesk_project.write_corpus(seeds)
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\ncache: {refit_after: 0}\n")

    def findings(*extra):
        result = copydesk_project.run("check", "-f", "json", "--exit-zero", *extra)
        assert result.exit_code == 0, result.output
        return sorted(json.dumps(f, sort_keys=True) for f in result.report["findings"]), result.report

    cold, report = findings()
    assert report["run"]["cache"]["statistics"]["refit"] and len(cold) >= 50
    names = sorted(seeds)
    edited = seeds[names[2]].replace("\n\n", "\n\nOfficials declined to comment further.\n\n", 1)
    copydesk_project.write_corpus({names[2]: edited, "005_extra.txt": seeds[names[4]].upper()})
    (copydesk_project.path / "corpus" / names[3]).unlink()
    warm, report = findings()
    assert report["run"]["cache"]["hits"] > 0 and warm != cold
    assert warm == findings("--no-cache")[0]


def test_a_cache_another_run_holds_locked_is_neither_waited_for_long_nor_deleted(tmp_path, monkeypatch):
    """Two CI jobs sharing a cache folder: the second works without it rather than throw it away."""
    from copydesk import cache as cache_module
    from copydesk.cache import Cache

    monkeypatch.setattr(cache_module, "LOCK_TIMEOUT_S", 0.2)
    first = Cache(tmp_path / "c", "t")
    first.put_many("ns", {"a": [1, 2]})
    first.close()
    holder = sqlite3.connect(tmp_path / "c" / "cache.sqlite")
    holder.execute("BEGIN EXCLUSIVE")  # another run in the middle of a write
    try:
        blocked = Cache(tmp_path / "c", "t")
        assert blocked.get_many("ns", ["a"]) == {}
        blocked.put_many("ns", {"b": 3})
        blocked.close()
    finally:
        holder.rollback()
        holder.close()
    again = Cache(tmp_path / "c", "t")
    assert again.get_many("ns", ["a"]) == {"a": [1, 2]}, "the locked cache was kept"
    # a lock that comes while a run has the cache open: reads and writes give up, nothing is lost
    holder = sqlite3.connect(tmp_path / "c" / "cache.sqlite")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert again.get_many("ns", ["a"]) == {}
        again.put_many("ns", {"c": 4})
    finally:
        holder.rollback()
        holder.close()
    assert again.get_many("ns", ["a"]) == {"a": [1, 2]}
    again.close()


def test_hits_keep_entries_alive_and_unused_entries_are_pruned(tmp_path):
    """A hit brings an entry's last use forward (at most once a day, so a warm run does not
    write a row per read); entries unused for MAX_AGE_S are pruned when the cache closes, by the
    first run PRUNE_EVERY_S or more after the last pruning (pruning reads every row)."""
    import sqlite3
    import time

    from copydesk import cache as cache_module
    from copydesk.cache import Cache

    def rows():
        with sqlite3.connect(tmp_path / "cache.sqlite") as db:
            return db.execute("SELECT count(*) FROM entries").fetchone()[0]

    cache = Cache(tmp_path, "t")
    cache.put_many("ns", {"old": 1, "kept": 2, "recent": 3})
    cache.close()  # pruned now (never before)
    db = sqlite3.connect(tmp_path / "cache.sqlite")
    long_ago = time.time() - cache_module.MAX_AGE_S - 10
    db.execute("UPDATE entries SET used = ?", (long_ago,))
    db.commit()
    db.close()
    cache = Cache(tmp_path, "t")
    assert cache.get_many("ns", ["kept"]) == {"kept": 2}
    cache.close()
    assert rows() == 3, "pruned less than PRUNE_EVERY_S ago: not pruned again yet"
    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        db.execute("UPDATE pruned SET at = ?", (time.time() - cache_module.PRUNE_EVERY_S - 10,))
    Cache(tmp_path, "t").close()
    assert rows() == 1
    cache = Cache(tmp_path, "t")
    assert cache.get_many("ns", ["old", "kept", "recent"]) == {"kept": 2}
    cache.close()


def test_keys_of_a_batch_are_the_digests_of_single_keys(tmp_path):
    """get_many and put_many hash a namespace's prefix once: the database keys must not change."""
    from copydesk.cache import Cache, digest

    cache = Cache(tmp_path, "9.9.9")
    keys = ["plain", "", "ünïcode ✓", "lone surrogate \udc80", "separator \x1f inside", "x" * 300]
    expected = {}
    for key in keys:
        db_key = bytes.fromhex(digest("9.9.9", "ns/1", key))
        expected[int.from_bytes(db_key[:8], "big", signed=True)] = (db_key, key)
    assert cache._keys("ns/1", keys) == expected
    cache.put_many("ns/1", {key: [number] for number, key in enumerate(keys)})
    assert cache.get_many("ns/1", keys) == {key: [number] for number, key in enumerate(keys)}


def test_a_row_of_another_key_with_the_same_h_is_a_miss(tmp_path):
    """Rows are found by h, the first 8 bytes of the key's digest; the whole digest decides."""
    import sqlite3

    from copydesk.cache import Cache

    cache = Cache(tmp_path, "t")
    cache.put_many("ns", {"a": 1, "b": 2})
    cache.close()
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:  # row "b" now claims the h of "a"
        (h_a,) = conn.execute("SELECT h FROM entries WHERE CAST(value AS TEXT) LIKE '%1'").fetchone()
        conn.execute("DELETE FROM entries WHERE h = ?", (h_a,))
        conn.execute("UPDATE entries SET h = ?", (h_a,))
    cache = Cache(tmp_path, "t")
    assert cache.get_many("ns", ["a", "b"]) == {}
    assert (cache.hits, cache.misses) == (0, 2)
    cache.close()


def test_a_cache_written_in_the_earlier_layout_is_started_again(tmp_path):
    import sqlite3

    from copydesk.cache import Cache

    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        conn.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, used REAL NOT NULL)")
        conn.execute("INSERT INTO entries VALUES ('k', 'v', 0)")
    cache = Cache(tmp_path, "t")
    assert cache.get_many("ns", ["k"]) == {}
    cache.put_many("ns", {"k": [1]})
    assert cache.get_many("ns", ["k"]) == {"k": [1]}
    cache.close()


def test_a_cache_of_text_values_is_started_again_and_values_keep_lone_surrogates(tmp_path):
    """The layout before values became bytes had the same columns: its layout number tells."""
    import sqlite3

    from copydesk.cache import Cache

    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        conn.execute("CREATE TABLE entries (h INTEGER NOT NULL, key BLOB NOT NULL, value TEXT NOT NULL, used REAL NOT NULL)")
        conn.execute("INSERT INTO entries VALUES (1, x'00', 'v', 0)")
    cache = Cache(tmp_path, "t")
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (0,)
    value = {"text": "lone \udc80 surrogate, ünïcode ✓", "n": [1.5, None, True]}
    cache.put_many("ns", {"k": value})
    cache.close()
    assert Cache(tmp_path, "t").get_many("ns", ["k"]) == {"k": value}


def test_a_value_over_sqlites_size_limit_is_not_kept_and_the_rest_of_the_cache_is(tmp_path):
    """A kept state of a very large corpus can exceed SQLite's limit on a value (a gigabyte by
    default): that value is not kept; the database is sound and is not started again."""
    import sqlite3

    from copydesk.cache import Cache

    cache = Cache(tmp_path, "t")
    cache.put_many("ns", {"small": [1, 2]})
    cache._db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 2000)  # a small limit stands in for the gigabyte
    cache.put_many("ns", {"state": "x" * 5000})
    cache.put_many("ns", {"other": 3})
    assert cache.get_many("ns", ["small", "state", "other"]) == {"small": [1, 2], "other": 3}
    cache.close()
    assert Cache(tmp_path, "t").get_many("ns", ["small"]) == {"small": [1, 2]}


def test_bytes_values_read_back_as_bytes_and_a_spoiled_one_is_a_miss(tmp_path):
    from copydesk.cache import Cache

    cache = Cache(tmp_path, "test")
    blob = bytes(range(256)) * 1000
    cache.put_many("ns", {"blob": blob, "empty": b"", "json": {"a": [1, "\x00"]}})
    assert cache.get_many("ns", ["blob", "empty", "json"]) == {"blob": blob, "empty": b"", "json": {"a": [1, "\x00"]}}
    cache.close()
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:  # one byte of the blob changed
        conn.execute("UPDATE entries SET value = CAST(substr(value, 1, 100) || x'ff' || substr(value, 102) AS BLOB) "
                     "WHERE length(value) > 1000")
    assert Cache(tmp_path, "test").get_many("ns", ["blob", "empty"]) == {"empty": b""}


def test_a_run_that_only_reads_leaves_the_cache_file_untouched(tmp_path):
    """Opening a cache of the current layout writes nothing (writing its header waited for the
    disk), and neither does closing it when pruning is not due."""
    from copydesk.cache import Cache

    cache = Cache(tmp_path, "t")
    cache.put_many("ns", {"k": [1, 2]})
    cache.close()
    path = tmp_path / "cache.sqlite"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    for _ in range(2):
        cache = Cache(tmp_path, "t")
        assert cache.get_many("ns", ["k", "missing"]) == {"k": [1, 2]}
        cache.close()
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_cache_counts_are_of_distinct_entries_whichever_process_looks_first(tmp_path):
    """A run's hits and misses count entries, not lookups: an entry one process computed
    (a miss) and another then found, or that both missed, is one miss, as in a run of one
    process; so the report's counts do not depend on which process got there first."""
    from copydesk.cache import Cache

    def run(worker_first: bool) -> tuple[int, int]:
        folder = tmp_path / f"first-{worker_first}"
        main, worker = Cache(folder, "t"), Cache(folder, "t")  # the worker: a connection of its own
        main.put_many("ns", {"old": 1})
        assert main.get_many("ns", ["old"]) == main.get_many("ns", ["old"]) == {"old": 1}  # found twice: one hit
        first, second = (worker, main) if worker_first else (main, worker)
        assert first.get_many("ns", ["new"]) == {}
        first.put_many("ns", {"new": 2})
        second.get_many("ns", ["new"])  # found when the worker stored it first, else missed again
        assert main.get_many("costs", ["last"], counted=False) == {}  # scheduling: not counted
        main.add_counted(worker.take_counted())
        assert worker.take_counted() == (set(), set())  # taken once
        counts = main.hits, main.misses
        main.close()
        worker.close()
        return counts

    assert run(worker_first=True) == run(worker_first=False) == (1, 1)
