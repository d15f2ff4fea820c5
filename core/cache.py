"""The incremental cache: results that need not be computed again when a document has not changed.

One SQLite file in the cache directory (default ``.copydesk_cache/``). Keys are
content hashes: the document's id and text, the check's code, options and
severity, and the copydesk version, so a stale entry is simply never hit. Every
value carries a checksum; an entry that fails it, or a database that cannot be
read, is dropped and rebuilt, never trusted.

Two users: the runner caches per-document check findings, and shared analyses
may cache per-document intermediate results (signatures, term counts) through
``corpus.cache`` with :meth:`Cache.get_many` / :meth:`Cache.put_many`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from .jsoncodec import loads as json_loads
from .model import Finding, Related, Severity, Span

DEFAULT_DIR = ".copydesk_cache"
#: entries not used for this long are pruned at the end of a run
MAX_AGE_S = 14 * 24 * 3600
#: a hit's last-use time is rewritten only when older than this (rewriting every hit made a
#: warm run write as many rows as it read, for an age that only needs to be known to the day)
TOUCH_AFTER_S = 24 * 3600
#: entries unused for MAX_AGE_S are pruned by the first run this long after the last pruning
PRUNE_EVERY_S = 24 * 3600
#: how long a run waits for another run that holds the database before going on without it
LOCK_TIMEOUT_S = 10
#: how much of the database file reads may map into memory (SQLite caps it at its build's limit)
MMAP_BYTES = 1 << 34
#: rows are found by ``h``, the first 8 bytes of the key's SHA-256 as a signed integer, through
#: an index of integers (a warm run at 100,000 documents looked up a million and a half entries
#: before the pair tables, a quarter of a million since: about 20% faster than an index of 64-character text keys). Rows are appended in rowid order:
#: making ``h`` the rowid itself saves another 20% on lookups, but then every insert lands at a
#: random place of the table, and writing a cold run's entries took twice as long. The whole
#: digest is kept in ``key``, and a row whose digest differs is a miss, never another's value.
_COLUMNS = ["h", "key", "value", "used"]
#: values are bytes (a checksum and UTF-8 JSON): kept states of large corpora are tens of
#: megabytes, and a TEXT value was decoded on every read and encoded again for its checksum
_SCHEMA = ("CREATE TABLE IF NOT EXISTS entries "
           "(h INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, used REAL NOT NULL);"
           "CREATE UNIQUE INDEX IF NOT EXISTS entries_h ON entries (h);"
           "PRAGMA user_version = 2")
#: the layout's number (PRAGMA user_version): a cache of another layout is started again
_LAYOUT = 2


def digest(*parts: str) -> str:
    """Hex SHA-256 of ``parts`` (separated, so ("ab", "c") and ("a", "bc") differ): for cache keys."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def worth_rewriting(differing: int, total: int) -> bool:
    """Whether a kept state (a pair table, a per-generation index, counts kept with the
    documents they counted) is to be written again for the current corpus, rather than
    read as it is and corrected for the ``differing`` of its ``total`` rows (pairs,
    documents) that no longer match. A state of 100,000 documents took longer to write
    than those rows to work out again, and runs after a few edits would write it every
    time; it is written again when more than a twentieth differ."""
    return differing > total // 20


class Cache:
    """A key-value store of JSON values and bytes, with checksums, in one SQLite file."""

    def __init__(self, directory: str | Path, version: str):
        self.directory = Path(directory)
        self.version = version
        # the entries this process looked up and found, and those it looked up and missed, by
        # ``h`` (see :meth:`_keys`): the run's counts are of distinct entries, so that they do not
        # depend on which process of a run looks an entry up first (a forked worker may compute
        # and store an entry that this process then finds, or look it up after this process
        # has computed it; both are one entry computed once, as in a run of one process)
        self._found: set[int] = set()
        self._missing: set[int] = set()
        self._now = time.time()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._path = self.directory / "cache.sqlite"
        (self.directory / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# copydesk's cache; safe to delete.\n"
        ) if not (self.directory / "CACHEDIR.TAG").exists() else None
        (self.directory / ".gitignore").write_text("*\n") if not (self.directory / ".gitignore").exists() else None
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = None
        try:
            db = sqlite3.connect(self._path, timeout=LOCK_TIMEOUT_S)
            # reads through a memory map: a warm run looks up hundreds of thousands of entries, at
            # random places of a file of a gigabyte or more (200k lookups: 1.8 s -> 1.1 s)
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            columns = [row[1] for row in db.execute("PRAGMA table_info(entries)")]
            layout = db.execute("PRAGMA user_version").fetchone()[0]
            indexes = {row[1] for row in db.execute("PRAGMA index_list(entries)")}
            if columns != _COLUMNS or layout != _LAYOUT or "entries_h" not in indexes:
                if columns and (columns != _COLUMNS or layout != _LAYOUT):  # an earlier copydesk's: start again
                    db.execute("DROP TABLE entries")
                    db.commit()
                # only then: the script writes the file's header, a transaction that waited for the
                # disk (1.2 s after a run had written a few gigabytes), in each forked worker again
                db.executescript(_SCHEMA)
            # a file that is no database, or cut short, fails here: both ends of the index are read,
            # one query each (min and max together scan the whole index: 0.23 s at 100,000
            # documents; counting the rows, 0.5 s); damage elsewhere fails a later read or
            # write, which starts the cache again
            db.execute("SELECT min(h) FROM entries").fetchone()
            db.execute("SELECT max(h) FROM entries").fetchone()
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            if _locked(exc):
                # another run holds it: work without the cache this time rather than wait or delete
                db = sqlite3.connect(":memory:")
                db.executescript(_SCHEMA)
                return db
            # corrupt file: start again rather than trust any of it
            self._path.unlink(missing_ok=True)
            db = sqlite3.connect(self._path, timeout=LOCK_TIMEOUT_S)
            db.executescript(_SCHEMA)
            return db

    @property
    def hits(self) -> int:
        """Distinct entries this run looked up and found, and never missed (a worker's
        counts included once :meth:`add_counted` has them)."""
        return len(self._found - self._missing)

    @property
    def misses(self) -> int:
        """Distinct entries this run looked up and did not find (computed, then stored)."""
        return len(self._missing)

    def take_counted(self) -> tuple[set[int], set[int]]:
        """The entries found and missed since the last call (or the fork), to be sent to the
        process that reports the run (:meth:`add_counted` there); they are forgotten here."""
        counted = self._found, self._missing
        self._found, self._missing = set(), set()
        return counted

    def add_counted(self, counted: tuple[set[int], set[int]]) -> None:
        """Counts :meth:`take_counted` gave (in another process): an entry counted both here
        and there is counted once."""
        self._found |= counted[0]
        self._missing |= counted[1]

    def after_fork(self) -> None:
        """In a forked child process: a connection of its own. SQLite connections must not be
        used across a fork; the inherited one is kept, never used nor closed here (closing it
        could release locks or touch the journal the parent's connection relies on). Its counts
        start empty: the parent has what was counted before the fork."""
        _inherited.append(self._db)
        self._db = self._open()
        self._found, self._missing = set(), set()

    def _keys(self, namespace: str, keys: Iterable[str]) -> dict[int, tuple[bytes, str]]:
        """``h`` -> (database key, key), for many keys of one namespace. The database key is
        ``sha256(version, namespace, key)``, with the hash of the shared prefix computed once
        and copied (a warm run looks up hundreds of thousands of keys); ``h`` is its first 8
        bytes. Two keys with the same ``h``: one row holds one of them, the other is a miss
        (at 10 million entries, about one chance in a million that any pair shares one)."""
        prefix = hashlib.sha256(f"{self.version}\x1f{namespace}\x1f".encode("utf-8", "surrogatepass"))
        result: dict[int, tuple[bytes, str]] = {}
        for key in keys:
            h = prefix.copy()
            h.update(f"{key}\x1f".encode("utf-8", "surrogatepass"))
            db_key = h.digest()
            result.setdefault(int.from_bytes(db_key[:8], "big", signed=True), (db_key, key))
        return result

    def get_many(self, namespace: str, keys: Iterable[str], counted: bool = True) -> dict[str, Any]:
        """Cached values for those ``keys`` that have one (and pass their checksum): JSON values
        as JSON reads them back, and bytes values (a kept state's arrays) as bytes.
        ``counted=False``: not part of :attr:`hits` and :attr:`misses` (what schedules the
        run rather than its results)."""
        wanted = self._keys(namespace, keys)
        found: dict[str, Any] = {}
        found_hs: list[int] = []
        bad: list[int] = []
        stale: list[int] = []  # hits whose last use is to be brought forward
        hs = sorted(wanted)  # in the index's order: neighbouring pages are read together
        try:
            for begin in range(0, len(hs), 500):
                batch = hs[begin : begin + 500]
                marks = ",".join("?" * len(batch))
                for h, db_key, raw, used in self._db.execute(
                        f"SELECT h, key, value, used FROM entries WHERE h IN ({marks})", batch):
                    expected, key = wanted[h]
                    if db_key != expected:
                        continue  # another key's row with the same h: a miss
                    value = _unseal(raw)
                    if value is _BAD:
                        bad.append(h)
                    else:
                        found[key] = value
                        found_hs.append(h)
                        if used < self._now - TOUCH_AFTER_S:
                            stale.append(h)
            if stale:
                self._db.executemany("UPDATE entries SET used = ? WHERE h = ?", [(self._now, h) for h in stale])
            if bad:
                self._db.executemany("DELETE FROM entries WHERE h = ?", [(h,) for h in bad])
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
            return {}
        if counted:
            self._found.update(found_hs)
            self._missing.update(wanted.keys() - found_hs if found_hs else wanted)
        return found

    def put_many(self, namespace: str, values: Mapping[str, Any]) -> None:
        rows = [(h, db_key, _seal(values[k]), self._now) for h, (db_key, k) in self._keys(namespace, values).items()]
        try:
            self._db.executemany("INSERT OR REPLACE INTO entries (h, key, value, used) VALUES (?, ?, ?, ?)", rows)
            self._db.commit()  # short transactions: another run on the same cache is not kept waiting
        except sqlite3.DataError:
            # a value over SQLite's size limit (a kept state of a very large corpus): not kept,
            # computed again next time; the rest of the cache is sound
            self._db.rollback()
        except sqlite3.DatabaseError as exc:
            self._failed(exc)

    def _failed(self, exc: sqlite3.DatabaseError) -> None:
        """A read or write failed: a corrupt file is rebuilt; a database that another copydesk
        run holds locked is left alone (this run just computes what it could not read or
        keep; deleting it would throw away the other run's work)."""
        if not _locked(exc):
            self._reset()
            return
        try:
            self._db.rollback()
        except sqlite3.DatabaseError:
            pass

    def _reset(self) -> None:
        try:
            self._db.close()
        except Exception:  # noqa: BLE001
            pass
        self._path.unlink(missing_ok=True)
        self._db = self._open()

    def close(self) -> None:
        """Prune entries unused for ``MAX_AGE_S`` (at most once every ``PRUNE_EVERY_S``), then close."""
        try:
            if self._prune_due():
                self._db.execute("DELETE FROM entries WHERE used < ?", (self._now - MAX_AGE_S,))
                self._db.execute("CREATE TABLE IF NOT EXISTS pruned (at REAL NOT NULL)")
                self._db.execute("DELETE FROM pruned")
                self._db.execute("INSERT INTO pruned (at) VALUES (?)", (self._now,))
                self._db.commit()
            self._db.close()
        except sqlite3.DatabaseError:
            pass

    def _prune_due(self) -> bool:
        """Whether the last pruning is ``PRUNE_EVERY_S`` ago or more (or never happened, or is
        dated in the future: a clock set back). Pruning reads every row (the last use has no
        index: keeping one would cost a write per touched entry): 0.65 s at the end of every
        run at 100,000 documents, for entries that age by days."""
        try:
            (last,) = self._db.execute("SELECT max(at) FROM pruned").fetchone()
        except sqlite3.OperationalError:  # no such table: a cache never pruned
            return True
        return last is None or not (self._now - PRUNE_EVERY_S < last <= self._now)


_BAD = object()
#: connections a forked child inherited (:meth:`Cache.after_fork`): referenced so never closed there
_inherited: list[sqlite3.Connection] = []


def _locked(exc: sqlite3.DatabaseError) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


#: starts the body of a bytes value (a JSON text never starts with it)
_BYTES = b"\x00"


def _seal(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        # kept as they are: arrays of a kept state in base64 and JSON took seconds to decode
        body = _BYTES + bytes(value)
    else:
        body = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "surrogatepass")
    return hashlib.sha256(body).hexdigest()[:16].encode("ascii") + body


def _unseal(raw: Any) -> Any:
    if not isinstance(raw, bytes) or len(raw) < 16:
        return _BAD
    body = memoryview(raw)[16:]  # no copy of a large value
    if hashlib.sha256(body).hexdigest()[:16].encode("ascii") != raw[:16]:
        return _BAD
    if body[:1] == _BYTES:
        return raw[17:]
    try:
        return json_loads(body)
    except ValueError:
        return _BAD


@lru_cache(maxsize=None)
def _folder_digest(folder: str) -> str:
    h = hashlib.sha256()
    for path in sorted(Path(folder).iterdir()):
        if path.suffix in (".py", ".tsv", ".yaml", ".yml", ".json", ".txt") and path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def code_version(cls: type) -> str:
    """A digest of the source folder of ``cls``'s module (its code and data files).

    Part of every cache key, so that editing a check (an editable install, a local
    plugin) never serves results of the old code.
    """
    import inspect

    cls = getattr(cls, "func", cls)  # a functools.partial: the code is the wrapped function's
    try:
        source = inspect.getsourcefile(cls)
    except TypeError:
        source = None
    if not source:
        return ""
    return _folder_digest(str(Path(source).resolve().parent))


# ------------------------------------------------------------- findings as JSON


def _span(span: Span | None) -> list[int] | None:
    return None if span is None else [span.start, span.end]


def finding_to_json(finding: Finding) -> dict[str, Any]:
    from .report import _jsonable

    return {
        "code": finding.code, "check": finding.check, "category": finding.category,
        "severity": str(finding.severity), "message": finding.message, "document": finding.document,
        "span": _span(finding.span),
        "related": [[r.document, _span(r.span), r.similarity] for r in finding.related],
        "suggestion": finding.suggestion, "data": _jsonable(dict(finding.data)), "anchor": finding.anchor,
    }


def finding_from_json(data: Mapping[str, Any]) -> Finding:
    return Finding(
        code=data["code"], check=data["check"], category=data["category"],
        severity=Severity.parse(data["severity"]), message=data["message"], document=data["document"],
        span=None if data["span"] is None else Span(*data["span"]),
        related=tuple(Related(d, None if s is None else Span(*s), sim) for d, s, sim in data["related"]),
        suggestion=data["suggestion"], data=data["data"], anchor=data["anchor"],
    )
