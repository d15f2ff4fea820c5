"""One ``copydesk check`` run from configuration to report, independent of the CLI.

plugins -> registry -> config pass two -> load corpus -> enabled checks ->
``copydesk_run_checks`` -> load problems as findings -> suppression -> report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from . import __version__
from .cache import Cache
from .checks import Check
from .collector import collector_paused, run_scope
from .config import Config, validate_against_registry
from .corpus import Corpus
from .errors import CheckCrash, PluginError, UsageError
from .kept_records import KeptRecords, has_encoded, materialize
from .loading import load_corpus
from .manager import Registry, collect_registry, make_plugin_manager
from .model import Document, Finding, LoadProblem, Related
from .report import build_report, fails, records_of, validate_report
from .runner import FingerprintsById, Session, default_jobs, make_mapper
from .selection import enabled_checks, ignored_by_file, matches_any


@dataclass
class RunOutcome:
    report: dict[str, Any]
    session: Session
    failed: bool
    #: every finding of the run, kept and suppressed, in report order. Also what keeps them
    #: alive as long as the outcome: the ``copydesk`` command keeps it to the end of the
    #: process, whose quick exit then frees nothing (freeing 600,000 findings took 0.7 s)
    findings: list[Finding] = field(default_factory=list)


def prepare(config: Config, extra_plugins: Sequence[Any] = ()) -> tuple[Any, Registry]:
    """Plugin manager and registry for ``config``, with the config fully validated."""
    pm = make_plugin_manager(
        local_plugins=config.plugins,
        disabled=config.disable_plugins,
        base_dir=config.base_dir,
        extra_plugins=extra_plugins,
    )
    registry = collect_registry(pm)
    missing = [name for name in config.required_plugins if pm.get_plugin(name) is None]
    if missing:
        raise PluginError(
            f"required_plugins: {', '.join(missing)} not installed (pip install it, or remove it from required_plugins)"
        )
    validate_against_registry(config.sources, registry)
    pm.hook.copydesk_configure.call_historic(kwargs={"config": config})
    return pm, registry


def instantiate_checks(config: Config, registry: Registry) -> list[Check]:
    checks = []
    for cls in enabled_checks(registry, config.select, config.ignore):
        missing = [name for name in cls.requires_analyses if name not in registry.analyses]
        if missing:
            raise UsageError(
                f"check {cls.code} {cls.name} needs the shared analysis {missing[0]!r}, which no loaded plugin "
                f"provides (is the plugin that registers it disabled?); ignore {cls.code} or enable that plugin"
            )
        settings = config.check_settings(cls.code, cls.name)
        checks.append(cls(settings.options, settings.severity))
    return checks


def split_loaded(items: Sequence[Document | LoadProblem]) -> tuple[list[Document], list[LoadProblem]]:
    """Documents and load problems; a repeated id becomes a ``CD004`` problem."""
    documents: list[Document] = []
    problems: list[LoadProblem] = []
    first_source: dict[str, str] = {}
    for item in items:
        if isinstance(item, LoadProblem):
            problems.append(item)
            continue
        if item.id in first_source:
            problems.append(LoadProblem(
                "CD004", item.id, item.source,
                f"duplicate document id {item.id!r}: {item.source} repeats the id of {first_source[item.id]}; "
                "only the first is checked",
                None, {"first_source": first_source[item.id], "related": item.id},
            ))
            continue
        first_source[item.id] = item.source
        documents.append(item)
    return documents, problems


def problem_findings(problems: Sequence[LoadProblem], checks: Sequence[Check]) -> list[Finding]:
    by_code = {check.code: check for check in checks}
    findings = []
    for problem in problems:
        check = by_code.get(problem.code)
        if check is None:
            continue
        data = dict(problem.data)
        if problem.offset is not None:
            data.setdefault("offset", problem.offset)
        data.setdefault("source", problem.source)
        related = [Related(problem.document)] if problem.code == "CD004" else []
        findings.append(check.finding(problem.document, None, problem.message, data=data, related=related,
                                      anchor=problem.source))
    return findings


def run(config: Config, *, jobs: int | None = None, extra_plugins: Sequence[Any] = (),
        pm: Any = None, registry: Registry | None = None, progress: Any = None,
        encoded_records: bool = False) -> RunOutcome:
    """One run. ``encoded_records``: the report's ``findings`` may hold records kept from the
    last run still encoded (:class:`msgspec.Raw`, see kept_records.py), for a caller that writes
    them with a format that takes them (``Formatter.takes_encoded_records``) or decodes them
    (:func:`copydesk.kept_records.materialize`); by default every record is a dict."""
    with run_scope():  # the run's long-lived objects are set aside from collections (see collector.py)
        return _run(config, jobs=jobs, extra_plugins=extra_plugins, pm=pm, registry=registry, progress=progress,
                    encoded_records=encoded_records)


def _run(config: Config, *, jobs: int | None, extra_plugins: Sequence[Any], pm: Any, registry: Registry | None,
         progress: Any, encoded_records: bool) -> RunOutcome:
    started = time.time()
    clock = time.perf_counter()
    if pm is None or registry is None:
        pm, registry = prepare(config, extra_plugins)
    settings = config.corpus
    items = load_corpus(settings.paths, settings, registry.loaders)
    documents, problems = split_loaded(items)
    if not documents and not problems:
        raise UsageError(
            f"{', '.join(settings.paths)}: empty corpus: no files match corpus.include "
            f"({', '.join(settings.include)})"
        )
    if jobs is None:
        jobs = config.jobs if config.jobs is not None else 0  # default: one process per core
    if jobs == 0:
        jobs = default_jobs()
    checks = instantiate_checks(config, registry)
    session = Session(config=config, pm=pm, registry=registry, checks=checks, load_problems=problems, jobs=jobs,
                      progress=progress)
    pm.hook.copydesk_modify_documents(session=session, documents=documents)
    cache = Cache(config.cache_dir, __version__) if config.cache_dir else None
    session.corpus = Corpus(documents, registry.analyses, config.analysis_options(), make_mapper(jobs), cache,
                            refit_after=config.refit_after)
    try:
        return _checked(session, config, registry, checks, problems, cache, started, clock, jobs, encoded_records)
    finally:
        session.unregister_run_plugins()
        if cache is not None:
            cache.close()


def _checked(session: Session, config: Config, registry: Registry, checks: list[Check],
             problems: list[LoadProblem], cache: Cache | None, started: float, clock: float, jobs: int,
             encoded_records: bool) -> RunOutcome:
    pm, settings = session.pm, config.corpus
    pm.hook.copydesk_session_start(session=session)
    # the runner's own list, sorted and extended in place: the run's findings, which the
    # outcome keeps (RunOutcome.findings)
    found = pm.hook.copydesk_run_checks(session=session)
    findings = found if type(found) is list else list(found or [])
    findings.extend(problem_findings(problems, checks))
    # the report: millions of small acyclic dicts, kept to the end (see collector.py)
    with collector_paused(set_aside_after=True):
        # fingerprints over every finding, kept or suppressed, so that suppressing one
        # never renumbers another; suppression hooks (baselines) read them
        findings.sort(key=Finding.sort_key)
        # each finding's report record is made with its fingerprint (with a forked helper on a
        # large report); suppression does not change a record but for its suppressed_by
        # with the cache, the records of documents whose findings and texts did not change
        # since the last run are read, encoded (kept_records.py); the run's cache counts are
        # of check results and analyses: taken before the records' table is read
        counts = (cache.hits, cache.misses) if cache is not None else (0, 0)
        kept_records = KeptRecords.for_corpus(cache, session.corpus) if cache is not None else None
        prints, records = records_of(findings, session.corpus, kept_records)
        session.fingerprints = FingerprintsById(findings, prints)
        kept, suppressed = suppress(session, findings)  # both in report order, as build_report is told

        check_rows = [
            {"code": c.code, "name": c.name, "category": c.category, "severity": str(c.effective_severity),
             "plugin": c.plugin, "summary": c.summary(), "description": c.description(), "duration_s": round(session.check_seconds.get(c.code, 0.0), 4)}
            for c in sorted(checks, key=lambda c: c.code)
        ]
        analysis_rows = [
            {"name": name, "plugin": registry.analyses[name].plugin, "duration_s": round(seconds, 4)}
            for name, seconds in sorted(session.corpus.analysis_seconds.items())
        ]
        report = build_report(
            version=__version__, started_at=started, duration_s=time.perf_counter() - clock, jobs=jobs,
            config_path=config.path, config_sha256=config.sha256, corpus=session.corpus,
            paths=list(settings.paths), checks=check_rows, analyses=analysis_rows,
            findings=kept, suppressed=suppressed, fail_on=config.fail_on, prints=session.fingerprints,
            # nothing suppressed: the records are in the findings' order already
            presorted=True, records=records if not suppressed else dict(zip(map(id, findings), records)),
        )
        report["run"]["cache"] = {"enabled": cache is not None, "hits": counts[0], "misses": counts[1]}
        if kept_records is not None:
            report["run"]["cache"]["records"] = dict(kept_records.counts)
        generation = session.corpus.used_generation
        if cache is not None and generation is not None:
            report["run"]["cache"]["statistics"] = {
                "fitted_documents": generation.fitted_documents, "changed_documents": generation.changed_documents,
                "refit": generation.refit, "refit_after": config.refit_after,
            }
        if pm.hook.copydesk_modify_report.get_hookimpls():
            # the hooks read and edit records as dicts; those to be kept are checked as made
            if kept_records is not None and validate_report(report):
                kept_records = None  # invalid before the hooks: the final check says why; nothing kept
            materialize(report["findings"])
            pm.hook.copydesk_modify_report(session=session, report=report)
        problems_in_report = validate_report(report)
        if problems_in_report:
            raise CheckCrash("the report does not match its schema (a plugin bug?): " + "; ".join(problems_in_report[:5]))
        if kept_records is not None:
            kept_records.commit()
        if not encoded_records:
            materialize(report["findings"])
        return RunOutcome(report, session, report["summary"]["failed"] if has_encoded(report["findings"])
                          else fails(report["findings"], config.fail_on), findings)


def record_ignores(corpus: Corpus | None) -> dict[str, list[str]]:
    """The selectors in each document's record field ``copydesk_ignore`` (a string or a list of
    them: see docs/configuration.md), for the documents that have one."""
    found: dict[str, list[str]] = {}
    for document in corpus if corpus is not None else ():
        value = document.metadata.get("copydesk_ignore") if document.metadata else None
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            found[document.id] = [str(item) for item in value]
    return found


def suppress(session: Session, findings: list[Finding]) -> tuple[list[Finding], list[tuple[Finding, str]]]:
    """Split findings into kept and suppressed (with the reason). When none is suppressed, the
    kept ones are ``findings`` itself (not a copy: see :func:`_checked`)."""
    config, registry, corpus = session.config, session.registry, session.corpus
    per_file = config.per_file_ignores
    # plugins that suppress only with some option register for that run (Session.register_plugin)
    ask = session.pm.hook.copydesk_suppress_finding
    ask_plugins = bool(ask.get_hookimpls())
    ignores = record_ignores(corpus)
    if not per_file and not ignores and not ask_plugins:
        return findings, []  # nothing can suppress a finding (a pass over 615,000 findings took 0.3 s)
    suppressed: list[tuple[Finding, str]] = []
    suppressed_at: list[int] = []
    for at, finding in enumerate(findings):
        reason = None
        glob = ignored_by_file(finding.document, finding.code, per_file, registry) if per_file else None
        if glob is not None:
            reason = f"per_file_ignores: {glob}"
        if reason is None and ignores:
            selectors = ignores.get(finding.document)
            if selectors is not None and matches_any(finding.code, selectors, registry):
                reason = "record field copydesk_ignore"
        if reason is None and ask_plugins:
            reason = ask(session=session, finding=finding)
        if reason is not None:
            suppressed.append((finding, str(reason)))
            suppressed_at.append(at)
    if not suppressed:
        return findings, suppressed
    dropped = set(suppressed_at)
    return [finding for at, finding in enumerate(findings) if at not in dropped], suppressed
