"""The run: a :class:`Session` and the core's implementation of ``copydesk_run_checks``.

Per-document checks run document by document (spread over worker processes with
``--jobs``); corpus checks run after them, in code order, sharing analyses through
the corpus (on a large corpus with ``--jobs``, shared with forked workers:
:mod:`copydesk.corpus_workers`). A check that raises stops the run with :class:`CheckCrash` (exit 3),
naming the plugin, the check and the document.
"""

from __future__ import annotations

import os
import time
import weakref
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from .checks import Check
from .collector import collector_paused, set_aside_survivors
from .corpus import Corpus
from .errors import CheckCrash
from .hookspecs import hookimpl
from .model import Document, Finding, LoadProblem

if TYPE_CHECKING:
    import pluggy

    from .config import Config
    from .manager import Registry


@dataclass
class Session:
    """Everything one run works with; passed to the lifecycle hooks."""

    config: "Config"
    pm: "pluggy.PluginManager"
    registry: "Registry"
    checks: list[Check]
    corpus: Corpus | None = None
    load_problems: list[LoadProblem] = field(default_factory=list)
    jobs: int = 1
    #: seconds per check code, filled in by the runner
    check_seconds: dict[str, float] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    #: free-form storage for plugins, keyed by plugin name
    stash: dict[str, Any] = field(default_factory=dict)
    #: called as progress(stage, done, total) while checks run (the CLI draws a bar)
    progress: Callable[[str, int, int], None] | None = None
    #: id(finding) -> fingerprint, set once all checks ran (before suppression)
    fingerprints: Mapping[int, str] = field(default_factory=dict)

    #: plugins registered for this run only (:meth:`register_plugin`)
    run_plugins: list[Any] = field(default_factory=list)

    def register_plugin(self, plugin: Any) -> None:
        """Register ``plugin`` (an object with hook implementations) for this run only, from now
        until the report is built (suppression, ``copydesk_modify_report``); it is unregistered
        then. For a part a plugin plays only with some option: suppression with ``--baseline``,
        say, since the core asks ``copydesk_suppress_finding`` of every finding only when some
        plugin implements it (600,000 findings: over a second of calls answering None)."""
        self.pm.register(plugin, name=f"copydesk-run-{id(self)}-{len(self.run_plugins)}")
        self.run_plugins.append(plugin)

    def unregister_run_plugins(self) -> None:
        for plugin in self.run_plugins:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
        self.run_plugins.clear()

    def fingerprint(self, finding: Finding) -> str:
        """The finding's fingerprint, as the report will show it (valid from
        ``copydesk_suppress_finding`` on)."""
        return self.fingerprints[id(finding)]


class FingerprintsById(Mapping):
    """``id(finding) -> fingerprint`` for findings and their fingerprints given in one order, mapped
    when first read: a run whose suppression and report hooks ask for none (no baseline) never maps
    them (615,000 findings: ~0.1-0.4 s)."""

    def __init__(self, findings: Sequence[Finding], prints: Sequence[str]):
        if len(findings) != len(prints):
            raise ValueError(f"{len(prints)} fingerprints for {len(findings)} findings")
        self._pending: tuple[list[Finding], list[str]] | None = (list(findings), list(prints))
        self._by_id: dict[int, str] = {}

    def _mapped(self) -> dict[int, str]:
        if self._pending is not None:
            findings, prints = self._pending
            self._by_id, self._pending = dict(zip(map(id, findings), prints)), None
        return self._by_id

    def __getitem__(self, key: int) -> str:
        return self._mapped()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._mapped())

    def __len__(self) -> int:
        return len(self._mapped())


def check_crash(check: Check, document: str | None, exc: BaseException) -> CheckCrash:
    where = f" on document {document!r}" if document else ""
    return CheckCrash(
        f"check {check.code} {check.name} (plugin {check.plugin!r}) raised{where}: "
        f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)"
    )


def run_document_checks(checks: Sequence[Check], document: Document) -> list[Finding]:
    """All per-document checks on one document (runs in a worker with --jobs)."""
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check.check_document(document))
        except Exception as exc:  # noqa: BLE001 - reported as an internal error, exit 3
            raise check_crash(check, document.id, exc) from exc
    return findings


def run_document_work(item: tuple[Sequence[Check], Document]) -> tuple[list[Finding], dict[str, float]]:
    """One unit of per-document work: ``(checks, document)`` -> (findings, seconds per check code).

    Part of the executor API: an executor plugin (``copydesk_run_checks``) ships these
    items to its workers; the item and the result both pickle."""
    checks, document = item
    seconds: dict[str, float] = {}
    findings: list[Finding] = []
    for check in checks:
        started = time.perf_counter()
        findings.extend(run_document_checks([check], document))
        seconds[check.code] = time.perf_counter() - started
    return findings, seconds


#: fewer items than this run in this process: starting worker processes (and pickling
#: the checks to them) costs more than a handful of documents (the seeds: 5)
MIN_PARALLEL_ITEMS = 64
#: fewer documents than this to check run in this process: for a warm run's 100 edited
#: documents of 100,000, starting workers and checking them there took 1.35 s, checking
#: them here 1.1 s (the built-in per-document checks take a few ms a document)
MIN_PARALLEL_DOCUMENTS = 256


def make_mapper(jobs: int) -> "Callable[[Callable, Sequence], list] | None":
    """A parallel ``map`` over ``jobs`` processes, or None to run in this process."""
    if jobs <= 1:
        return None

    def mapper(func: Callable, items: Sequence) -> list:
        if len(items) < max(2 * jobs, MIN_PARALLEL_ITEMS):
            return [func(item) for item in items]
        chunksize = max(1, len(items) // (jobs * 8))
        from .manager import LOCAL_PLUGIN_FILES, import_local_plugin_files

        # workers started by spawn/forkserver import the local plugin files first, so that
        # their checks unpickle there (a forked worker has them already)
        with ProcessPoolExecutor(max_workers=jobs, initializer=import_local_plugin_files,
                                 initargs=(dict(LOCAL_PLUGIN_FILES),)) as pool:
            return list(pool.map(func, items, chunksize=chunksize))

    return mapper


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _check_part(check: Check) -> str:
    """What a per-document check's cached findings depend on besides the document."""
    import json

    from .cache import code_version, digest

    options = json.dumps(check.options, sort_keys=True, default=str)
    kind = f"{type(check).__module__}.{type(check).__qualname__}"
    return digest(check.code, kind, code_version(type(check)), options, str(check.effective_severity))


def _checks_part(checks: Sequence[Check]) -> str:
    from .cache import digest

    return digest(*sorted(_check_part(check) for check in checks))


def _document_key(checks_part: str, document: Document) -> str:
    from .cache import digest

    return digest(document.id, document.sha256, checks_part)


#: the per-document findings of a full run, all in one entry (see :class:`_DocumentTable`)
_TABLE_NAMESPACE = "document-checks/2@all"


class _DocumentTable:
    """Every document's per-document findings (as JSON), gathered over one run by
    :func:`plan_document_checks` and :func:`store_document_results` and kept in one cache
    entry, which the next run reads instead of an entry per document (100,000 documents:
    working out their keys and reading the entries took 2 s of a warm run). Written when
    a run had no such entry, or found more than a twentieth of its documents missing from it."""

    def __init__(self, part: str, total: int, rewrite: bool):
        self.part, self.total, self.rewrite = part, total, rewrite
        self.rows: dict[str, tuple[str, list]] = {}  # document id -> (text digest, findings as JSON)

    @staticmethod
    def read(cache, part: str) -> dict[str, tuple[str, list]]:
        stored = cache.get_many(_TABLE_NAMESPACE, [part]).get(part)
        if not isinstance(stored, dict):
            return {}
        ids, shas, findings = stored.get("ids"), stored.get("shas"), stored.get("findings")
        if not (isinstance(ids, list) and isinstance(shas, list) and isinstance(findings, list)
                and len(ids) == len(shas) == len(findings)):
            return {}
        return {doc_id: (sha, found) for doc_id, sha, found in zip(ids, shas, findings)}

    def add(self, corpus: Corpus, document: Document, findings: list) -> None:
        self.rows[document.id] = (document.sha256, findings)
        if self.rewrite and len(self.rows) == self.total and corpus.cache is not None:
            ids = list(self.rows)
            corpus.cache.put_many(_TABLE_NAMESPACE, {self.part: {
                "ids": ids, "shas": [self.rows[i][0] for i in ids], "findings": [self.rows[i][1] for i in ids]}})
            self.rewrite = False


#: the table a run's plan started, for its store_document_results calls (one per corpus)
_tables: "weakref.WeakKeyDictionary[Corpus, _DocumentTable]" = weakref.WeakKeyDictionary()


def plan_document_checks(
    corpus: Corpus, checks: Sequence[Check]
) -> tuple[list[Finding], list[tuple[Sequence[Check], Document]]]:
    """Findings the cache holds, and the ``(checks, document)`` work still to do.

    The findings of all the per-document checks are kept per document (one lookup per
    document, not per document and check: 1.8 million lookups at 100,000 documents), and
    a full run's all in one entry (:class:`_DocumentTable`); changing any check's options
    or code re-runs them all.

    Part of the executor API: run each work item with :func:`run_document_work`, then
    hand the results, in the same order, to :func:`store_document_results`."""
    if corpus.cache is None:
        return [], [(checks, doc) for doc in corpus.documents]
    from .cache import finding_from_json, worth_rewriting

    part = _checks_part(checks)
    kept = _DocumentTable.read(corpus.cache, part)
    found: dict[str, list] = {}
    for doc in corpus.documents:
        row = kept.get(doc.id)
        if row is not None and row[0] == doc.sha256:
            found[doc.id] = row[1]
    missing = [doc for doc in corpus.documents if doc.id not in found]
    if missing:
        keys = [_document_key(part, doc) for doc in missing]
        hits = corpus.cache.get_many("document-checks/2", keys)
        found.update((doc.id, hits[key]) for doc, key in zip(missing, keys) if key in hits)
    table = _DocumentTable(part, len(corpus.documents), not kept or worth_rewriting(len(missing), len(corpus.documents)))
    _tables[corpus] = table
    findings: list[Finding] = []
    work = []
    for doc in corpus.documents:
        stored = found.get(doc.id)
        if stored is None:
            work.append((checks, doc))
        else:
            findings.extend(finding_from_json(item) for item in stored)
            table.add(corpus, doc, stored)
    return findings, work


def store_document_results(corpus: Corpus, work: Sequence[tuple[Sequence[Check], Document]], results: list) -> None:
    """Put the results of :func:`run_document_work` (in ``work``'s order) in the cache, if any."""
    if corpus.cache is None or not work:
        return
    from .cache import finding_to_json

    parts: dict[int, str] = {}
    values = {}
    table = _tables.get(corpus)
    for (checks, doc), (doc_findings, _) in zip(work, results):
        part = parts.get(id(checks))
        if part is None:
            part = parts[id(checks)] = _checks_part(checks)
        as_json = [finding_to_json(f) for f in doc_findings]
        values[_document_key(part, doc)] = as_json
        if table is not None and table.part == part:
            table.add(corpus, doc, as_json)
    corpus.cache.put_many("document-checks/2", values)


@hookimpl(trylast=True)
def copydesk_run_checks(session: Session) -> list[Finding]:
    from .corpus_workers import SideTask, corpus_workers, run_corpus_checks_shared

    corpus = session.corpus
    assert corpus is not None
    findings: list[Finding] = []
    document_checks = [c for c in session.checks if c.scope() == "document"]
    corpus_checks = [c for c in session.checks if c.scope() == "corpus"]
    workers = corpus_workers(session, corpus_checks)

    side = None
    if document_checks:
        if workers and document_checks_beside(session):
            side = SideTask(partial(document_phase_of, session, document_checks))
        else:
            findings.extend(_merged(session, document_phase_of(session, document_checks)))

    if workers:
        corpus_found = run_corpus_checks_shared(session, corpus_checks, workers, side=side)
    else:
        corpus_found = run_corpus_checks(session, corpus_checks)
    if side is not None:
        findings.extend(_merged(session, side.result))
    findings.extend(corpus_found)
    return findings


def document_checks_beside(session: Session) -> bool:
    """Whether the per-document checks go to the worker forked before the corpus analyses
    (when corpus checks are shared with workers at all): after a run with this cache they are
    mostly read from it (100,000 documents: 2 s, with 100 edited documents checked), which
    that worker does while this process computes the analyses, when the other core would
    idle. Not on a first run (its per-document checks use every core), nor with a progress
    bar, which a worker cannot move."""
    from .corpus_workers import _last_costs

    corpus = session.corpus
    return not session.progress and corpus.cache is not None and bool(_last_costs(corpus))


def document_phase_of(session: Session, checks: Sequence[Check]) -> tuple[list[Finding], dict[str, float], Any]:
    """The per-document checks of every document, from the cache where it has them: (findings
    in document order, seconds per check code, the cache entries it counted (see
    :meth:`~copydesk.cache.Cache.take_counted`; None without a cache))."""
    corpus = session.corpus
    cache = corpus.cache
    spent_by_code: dict[str, float] = {}
    cached, work = plan_document_checks(corpus, checks)
    findings = list(cached)
    # in chunks, so that a progress bar can move; results keep document order
    chunk = max(256, session.jobs * 256) if session.progress else len(work) or 1
    for begin in range(0, len(work), chunk):
        batch = work[begin : begin + chunk]
        # a few documents (a warm run's edits) are checked here: starting workers cost more
        results = (corpus.map(run_document_work, batch) if len(work) >= MIN_PARALLEL_DOCUMENTS
                   else [run_document_work(item) for item in batch])
        store_document_results(corpus, batch, results)
        for doc_findings, seconds in results:
            findings.extend(doc_findings)
            for code, spent in seconds.items():
                spent_by_code[code] = spent_by_code.get(code, 0.0) + spent
        if session.progress:
            session.progress("documents", min(begin + chunk, len(work)), len(work))
    # taken from the cache's counts and given back by _merged: in this process that changes
    # nothing; from the worker forked before the analyses, they reach this process's counts
    return findings, spent_by_code, cache.take_counted() if cache is not None else None


def _merged(session: Session, phase: tuple[list[Finding], dict[str, float], Any]) -> list[Finding]:
    """The findings of :func:`document_phase_of`, its seconds added to the session's and its
    cache counts to this process's cache (wherever it ran)."""
    found, seconds, counted = phase
    for code, spent in seconds.items():
        session.check_seconds[code] = session.check_seconds.get(code, 0.0) + spent
    cache = session.corpus.cache
    if cache is not None and counted is not None:
        cache.add_counted(counted)
    return found


def run_corpus_checks(session: Session, checks: Sequence[Check]) -> list[Finding]:
    """The corpus-scope checks, one after another in code order, in this process (their
    analyses may still fan out through ``corpus.map``). Part of the executor API."""
    corpus = session.corpus
    assert corpus is not None
    corpus_checks = list(checks)
    findings: list[Finding] = []
    for document in corpus.documents:  # views the per-document checks left (run in this process)
        document.forget_views()
    set_aside_survivors()  # the documents and their findings live to the end of the run
    for index, check in enumerate(sorted(corpus_checks, key=lambda c: c.code)):
        if session.progress:
            session.progress(f"corpus check {check.code}", index, len(corpus_checks))
        found, seconds = run_corpus_check(session, check)
        findings.extend(found)
        session.check_seconds[check.code] = session.check_seconds.get(check.code, 0.0) + seconds
    return findings


def run_corpus_check(session: Session, check: Check, kept: bool = True) -> tuple[list[Finding], float]:
    """One corpus check on the session's corpus: (its findings, the seconds it took). Raises
    :class:`CheckCrash` naming the check if it raises. Its text views are dropped after it.
    ``kept``: the findings live to the end of the run here (set aside for the collector,
    see collector.py); a worker that sends them away passes False and collects after."""
    corpus = session.corpus
    started = time.perf_counter()
    try:
        with collector_paused(set_aside_after=kept):
            found = list(check.check_corpus(corpus))
    except CheckCrash:
        raise
    except Exception as exc:  # noqa: BLE001
        raise check_crash(check, None, exc) from exc
    seconds = time.perf_counter() - started
    for document in corpus.documents:  # bounded memory: no check's text views outlive it
        document.forget_views()
    return found, seconds
