"""Building the report (the contract of ``copydesk schema report``) and validating it.

The report is a plain JSON-ready dict. Every output format renders it; the JSON
format writes it after validating it against ``report.schema.json``.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .model import Document, Finding, Severity, Span

if TYPE_CHECKING:
    from .corpus import Corpus
    from .kept_records import KeptRecords

#: Version of the report format; see the schema's description for the rules.
SCHEMA_VERSION = "1.3.0"


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    return json.loads(resources.files("copydesk").joinpath("report.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _fast_validator():
    """The report schema compiled by jsonschema-rs (Rust), or None where it is not installed.

    jsonschema spends about 270 microseconds a finding (over four minutes for a million
    findings), fastjsonschema's generated Python about 10, jsonschema-rs about 2 (a report
    of 600,000 findings: 1.4 s). Formats are checked, so it accepts nothing that jsonschema
    with its format checker rejects; tests/test_report_build.py checks that both give
    every report the same verdict.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - it is a dependency; kept optional for vendored installs
        return None
    return jsonschema_rs.Draft202012Validator(report_schema(), validate_formats=True)


def validate_report(report: Mapping[str, Any]) -> list[str]:
    """Schema violations of a report (empty when valid).

    A valid report is confirmed by the compiled validator; only a report it rejects
    goes through jsonschema, whose messages name every violation.
    """
    findings = report.get("findings")
    if isinstance(findings, list):
        from .kept_records import Raw, has_encoded

        if has_encoded(findings):
            # records kept encoded (kept_records.py) were valid in the report they were kept from:
            # the rest is checked (a problem's position then counts only those)
            report = {**report, "findings": [record for record in findings if type(record) is not Raw]}
    fast = _fast_validator()
    if fast is not None:
        try:
            if fast.is_valid(report):
                return []
        except Exception:  # noqa: BLE001 - a value it cannot read: let jsonschema judge and word it
            pass
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(report_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))
    ]


def normalise_anchor(text: str) -> str:
    # NFKC leaves ASCII as it is (most anchors: skip it); str.split() splits on the
    # characters ``\s`` matches and drops them at both ends, as sub + strip did
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())


def anchor_text(finding: Finding, document: Document | None) -> str:
    if finding.anchor is not None:
        return finding.anchor
    if document is not None and finding.span is not None:
        return document.text[finding.span.start : finding.span.end]
    return ""


def fingerprints(findings: Iterable[Finding], corpus: "Corpus | None") -> list[str]:
    """Stable ids anchored in content: code + document id + normalised anchor text.

    They survive edits elsewhere in the document and line shifts. Equal anchors in
    one document are told apart by their order of occurrence.
    """
    seen: dict[str, int] = {}  # a plain dict: Counter's __missing__ is a Python call per new anchor
    result = []
    append, sha256 = result.append, hashlib.sha256
    # a span's normalised text, once per (document, span): one passage is quoted by a finding
    # per document it shares it with (100,000 documents: 241,000 passages of ~1,000 characters)
    spans: dict[tuple[str, int, int], str] = {}
    for finding in findings:
        anchor, document_id = finding.anchor, finding.document
        if anchor is not None:
            anchor = normalise_anchor(anchor)
        elif finding.span is None:
            anchor = ""  # a finding about a whole document (270,000 of 615,000 at 100,000 documents)
        else:
            span = finding.span
            place = (document_id, span.start, span.end)
            anchor = spans.get(place)
            if anchor is None:
                document = corpus.get(document_id) if corpus is not None else None
                anchor = spans[place] = normalise_anchor(anchor_text(finding, document))
        base = "\x1f".join((finding.code, document_id, anchor))
        seen[base] = count = seen.get(base, 0) + 1
        append(sha256(f"{base}\x1f{count}".encode("utf-8")).hexdigest()[:32])
    return result


class Places:
    """Span dicts and excerpts for one report, each (document, span) worked out once.

    A report names the same passages many times over (at 100,000 documents: 1.3 million
    spans, 310,000 of them distinct), and lines, columns and excerpts cost a search and
    a normalised slice each. Every call returns a new span dict, so that a plugin that
    edits one finding's span in the report edits no other.
    """

    def __init__(self, corpus: "Corpus | None"):
        self.corpus = corpus
        self._seen: dict[tuple[str, int, int], tuple[Document | None, tuple[int, int, int, int], str]] = {}
        # a document's opening is the excerpt of each finding about the whole document
        self._openings: dict[str, str] = {}
        # a related document's similarity as the report shows it (rounded), per value given
        self._similarities: dict[Any, float] = {}

    def place(self, document_id: str, span: Span) -> tuple[Document | None, dict[str, int], str]:
        """(the document or None, the span dict, the excerpt: "" without the document)."""
        document, (line, column, end_line, end_column), excerpt = (
            self._seen.get((document_id, span.start, span.end)) or self.known(document_id, span))
        return document, {"start": span.start, "end": span.end, "line": line, "column": column,
                          "end_line": end_line, "end_column": end_column}, excerpt

    def known(self, document_id: str, span: Span) -> tuple[Document | None, tuple[int, int, int, int], str]:
        """(the document or None, (line, column, end line, end column), the excerpt), worked out
        once per (document, span)."""
        key = (document_id, span.start, span.end)
        known = self._seen.get(key)
        if known is None:
            document = self.corpus.get(document_id) if self.corpus is not None else None
            if document is None:
                known = (None, (1, 1, 1, 1), "")
            else:
                line, column = document.line_col(span.start)
                end_line, end_column = document.line_col(span.end)
                known = (document, (line, column, end_line, end_column), document.excerpt(span))
            self._seen[key] = known
        return known

    def opening(self, document_id: str) -> str:
        """The excerpt of a finding about a whole document (its opening): "" without the document."""
        excerpt = self._openings.get(document_id)
        if excerpt is None:
            document = self.corpus.get(document_id) if self.corpus is not None else None
            excerpt = self._openings[document_id] = document.excerpt(None) if document is not None else ""
        return excerpt


#: the report's spelling of each severity (str() of an enum member is a Python call a finding)
_SEVERITY_NAMES = {severity: str(severity) for severity in Severity}


def finding_dict(finding: Finding, fingerprint: str, corpus: "Corpus | None",
                 places: Places | None = None) -> dict[str, Any]:
    if places is None:
        places = Places(corpus)
    seen, known = places._seen, places.known  # Places.place inlined: a million related spans a report
    rounded = places._similarities
    related = []
    for rel in finding.related:
        span, similarity = rel.span, rel.similarity
        if similarity is not None:
            # a report repeats the same similarities (a passage's, a cluster's) over and over
            shown = rounded.get(similarity)
            if shown is None:
                shown = rounded[similarity] = round(float(similarity), 4)
            similarity = shown
        if span is None:
            related.append({"document": rel.document, "span": None, "similarity": similarity})
            continue
        start, end = span.start, span.end
        other, (line, column, end_line, end_column), text = seen.get((rel.document, start, end)) or known(
            rel.document, span)
        entry = {"document": rel.document,
                 "span": {"start": start, "end": end, "line": line, "column": column, "end_line": end_line,
                          "end_column": end_column},
                 "similarity": similarity}
        if other is not None:  # an excerpt only for a span in a document of the corpus
            entry["excerpt"] = text
        related.append(entry)
    if finding.span is None:
        span, excerpt = None, places.opening(finding.document)
    else:
        _, span, excerpt = places.place(finding.document, finding.span)
    severity = finding.severity
    return {
        "fingerprint": fingerprint,
        "code": finding.code,
        "check": finding.check,
        "category": finding.category,
        "severity": _SEVERITY_NAMES[severity] if type(severity) is Severity else str(severity),
        "message": finding.message,
        "document": finding.document,
        "span": span,
        "excerpt": excerpt,
        "related": related,
        "suggestion": finding.suggestion,
        # _jsonable makes a new dict of a dict: no copy first
        "data": _jsonable(finding.data if type(finding.data) is dict else dict(finding.data)),
    }


def _jsonable(value: Any) -> Any:
    # exact types first: isinstance against the Mapping ABC costs a microsecond, and a
    # report of a million findings asks this for every value of every finding's data
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return round(value, 6)
    if kind is dict:
        # plain values inline: a call each for every value of every finding's data was
        # most of this function's time
        result = {}
        for k, v in value.items():
            of = type(v)
            result[k if type(k) is str else str(k)] = (
                v if of is str or of is int or of is bool or v is None
                else round(v, 6) if of is float else _jsonable(v))
        return result
    if kind is list:
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Span):
        return {"start": value.start, "end": value.end}
    if isinstance(value, float):
        return round(value, 6)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def fails(findings: Iterable[Mapping[str, Any]], fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = Severity.parse(fail_on)
    # the report's own spellings looked up, others parsed (Severity.parse: a Python call and an
    # upper() a finding took ~0.3 s of every run at 600,000 findings, and a report asks twice)
    levels = {str(severity): severity for severity in Severity}
    for finding in findings:
        value = finding["severity"]
        level = levels.get(value) if type(value) is str else None
        if (level if level is not None else Severity.parse(value)) >= threshold:
            return True
    return False


#: a report of this many findings or more is worked out with a forked helper (:func:`records_of`)
SHARE_MIN_FINDINGS = 20_000
#: pieces the findings of such a report are cut into (at document boundaries), taken from both ends
SHARE_PIECES = 32


def records_of(findings: list[Finding], corpus: "Corpus | None",
               kept: "KeptRecords | None" = None) -> tuple[list[str], list[Any]]:
    """``(fingerprints(findings, corpus), [finding_dict(...) of each finding])`` for ``findings``
    in report order (:meth:`Finding.sort_key`: each document's findings together).

    On a large report the two are shared with a forked helper (:func:`~copydesk.forked.map_shared`):
    fingerprints are numbered within a document, so pieces cut at document boundaries are
    independent. At 100,000 documents (615,000 findings) they took ~11 s on one core while
    the other idled; reading the helper's records back costs about a third of building them.

    With ``kept`` (the cache's :class:`~copydesk.kept_records.KeptRecords`), a document whose
    findings and texts are those of the last run gets its fingerprints and records from
    there, the records encoded (:class:`msgspec.Raw`); the others' are made (and encoded to
    be kept). ``kept`` is told this run's table (:meth:`~copydesk.kept_records.KeptRecords.keep`).
    """
    if kept is not None:
        return _records_with(findings, corpus, kept)
    bounds = _document_bounds(findings, SHARE_PIECES if len(findings) >= SHARE_MIN_FINDINGS else 1)
    places = Places(corpus)  # in the helper: its own copy, filled by the pieces it takes

    def piece(k: int) -> tuple[list[str], list[dict[str, Any]]]:
        part = findings[bounds[k] : bounds[k + 1]]
        prints = fingerprints(part, corpus)
        return prints, [finding_dict(f, p, corpus, places) for f, p in zip(part, prints)]

    from .forked import map_shared

    prints: list[str] = []
    records: list[dict[str, Any]] = []
    for piece_prints, piece_records in map_shared(piece, len(bounds) - 1):
        prints.extend(piece_prints)
        records.extend(piece_records)
    return prints, records


def _records_with(findings: list[Finding], corpus: "Corpus | None", kept: "KeptRecords") -> tuple[list[str], list[Any]]:
    """:func:`records_of` with kept records (see there)."""
    from .forked import map_shared
    from .kept_records import findings_digest, made

    starts = _document_starts(findings)
    ranges = list(zip(starts, starts[1:]))
    # the digests (~2.7 s at 615,000 findings) shared with a forked helper on a large report:
    # only 16 bytes a document come back
    parts = SHARE_PIECES if len(findings) >= SHARE_MIN_FINDINGS else 1
    edges = [len(ranges) * k // parts for k in range(parts + 1)]
    digests = [digest for part in map_shared(
        lambda k: [findings_digest(findings[a:b]) for a, b in ranges[edges[k] : edges[k + 1]]], parts,
        meanwhile=kept.read)  # the table is read here while the helper digests (both ~0.7 s at 100,000 documents)
        for digest in part]
    carried = [kept.carried(findings[a].document, digest) for (a, _), digest in zip(ranges, digests)]
    todo = [k for k, group in enumerate(carried) if group is None]
    to_make = sum(ranges[k][1] - ranges[k][0] for k in todo)
    # the groups to make, in pieces of about equal findings, for map_shared
    pieces = SHARE_PIECES if to_make >= SHARE_MIN_FINDINGS else 1
    cuts, done = [0], 0
    for at, k in enumerate(todo):
        done += ranges[k][1] - ranges[k][0]
        if done * pieces >= to_make * len(cuts) and at + 1 < len(todo):
            cuts.append(at + 1)
    cuts.append(len(todo))
    places = Places(corpus)

    def piece(p: int) -> list:
        result = []
        for k in todo[cuts[p] : cuts[p + 1]]:
            part = findings[ranges[k][0] : ranges[k][1]]
            prints = fingerprints(part, corpus)
            records = [finding_dict(f, fp, corpus, places) for f, fp in zip(part, prints)]
            result.append((records, made(part, digests[k], prints, records)))
        return result

    made_groups: dict[int, Any] = {}
    for p, piece_result in enumerate(map_shared(piece, len(cuts) - 1) if todo else []):
        made_groups.update(zip(todo[cuts[p] : cuts[p + 1]], piece_result))
    prints: list[str] = []
    records: list[Any] = []
    table: list = []
    for k, (a, _) in enumerate(ranges):
        group = carried[k]
        if group is not None:
            group_prints, group_records = kept.records(group)
            table.append((findings[a].document, group))
        else:
            group_records, entry = made_groups[k]
            group_prints = entry.prints
            table.append((findings[a].document, entry))
        prints.extend(group_prints)
        records.extend(group_records)
    kept.keep(table)
    kept.counts = {"carried": len(findings) - to_make, "made": to_make}
    return prints, records


def _document_starts(findings: list[Finding]) -> list[int]:
    """Where each document's findings begin in ``findings`` (report order), and ``len(findings)``."""
    starts, last = [], None
    for at, document in enumerate(map(attrgetter("document"), findings)):
        if document != last:
            starts.append(at)
            last = document
    starts.append(len(findings))
    return starts


def _document_bounds(findings: list[Finding], pieces: int) -> list[int]:
    """Indices cutting ``findings`` (each document's together) into about ``pieces`` runs of
    whole documents: ``[0, ..., len(findings)]``."""
    total = len(findings)
    bounds = [0]
    for k in range(1, pieces):
        at = max(k * total // pieces, bounds[-1] + 1)
        while 0 < at < total and findings[at - 1].document == findings[at].document:
            at += 1
        if at >= total:
            break
        bounds.append(at)
    bounds.append(total)
    return bounds if total else [0, 0]


def build_report(
    *,
    version: str,
    started_at: float,
    duration_s: float,
    jobs: int,
    config_path: str,
    config_sha256: str,
    corpus: "Corpus",
    paths: list[str],
    checks: list[dict[str, Any]],
    analyses: list[dict[str, Any]],
    findings: list[Finding],
    suppressed: list[tuple[Finding, str]],
    fail_on: str,
    prints: Mapping[int, str] | None = None,
    presorted: bool = False,
    records: Mapping[int, dict[str, Any]] | list[Any] | None = None,
) -> dict[str, Any]:
    """The report of a run. ``presorted``: ``findings`` and ``suppressed`` are in report order
    (:meth:`Finding.sort_key`) already, as the runner passes them (sorting 600,000 findings
    again took half a second). ``records``: each finding's :func:`finding_dict`, made already
    (:func:`records_of`): by ``id()``, or a list in the order ``findings`` then ``suppressed`` are
    given in (as the runner has them when nothing is suppressed: 615,000 findings' records by id took
    ~0.5 s to map and look up); a suppressed finding's gets ``suppressed_by``."""
    if isinstance(records, list):
        if len(records) != len(findings) + len(suppressed):
            raise ValueError(f"build_report: {len(records)} records for {len(findings) + len(suppressed)} findings")
        if not presorted:  # in the order given: mapped by id before the findings are sorted
            records = dict(zip(map(id, [*findings, *(f for f, _ in suppressed)]), records))
    if not presorted:
        findings = sorted(findings, key=Finding.sort_key)
        suppressed = sorted(suppressed, key=lambda pair: pair[0].sort_key())
    if prints is None:
        # numbered over kept and suppressed findings together, so that suppressing
        # one finding never renumbers another
        everything = sorted([*findings, *(f for f, _ in suppressed)], key=Finding.sort_key)
        prints = dict(zip(map(id, everything), fingerprints(everything, corpus)))
    places = Places(corpus) if records is None else None
    if isinstance(records, list):
        kept, suppressed_records = records[: len(findings)], records[len(findings) :]
    elif records is not None:
        kept = [records[id(f)] for f in findings]
        suppressed_records = [records[id(f)] for f, _ in suppressed]
    else:
        kept = [finding_dict(f, prints[id(f)], corpus, places) for f in findings]
        suppressed_records = [finding_dict(f, prints[id(f)], corpus, places) for f, _ in suppressed]
    dropped = []
    for (_, reason), entry in zip(suppressed, suppressed_records):
        if type(entry) is not dict:  # kept encoded (kept_records.py): its dict, to say why it is suppressed
            entry = _decoded_record(entry)
        entry["suppressed_by"] = reason
        dropped.append(entry)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "copydesk", "version": version},
        "run": {
            "started_at": datetime.fromtimestamp(started_at, tz=timezone.utc).isoformat(timespec="seconds"),
            "duration_s": round(duration_s, 3),
            "jobs": jobs,
            "config": {"path": config_path, "sha256": config_sha256},
            "corpus": {
                "paths": list(paths),
                "documents": len(corpus),
                "characters": sum(len(d.text) for d in corpus),
            },
            "checks": checks,
            "analyses": analyses,
        },
        "documents": [
            {
                "id": d.id,
                "sha256": d.sha256,
                "characters": len(d.text),
                "source": d.source,
            }
            for d in corpus
        ],
        "findings": kept,
        "suppressed": dropped,
        "summary": _summary_of(findings, dropped, fail_on),
    }


def _summary_of(findings: list[Finding], dropped: list[dict[str, Any]], fail_on: str) -> dict[str, Any]:
    """The report's ``summary`` of the kept ``findings`` and the ``dropped`` (suppressed) records,
    counted from the findings (the same counts as their records': records kept encoded are not read)."""
    by_severity: Counter[str] = Counter()
    for severity, count in Counter(map(attrgetter("severity"), findings)).items():
        by_severity[_SEVERITY_NAMES[severity] if type(severity) is Severity else str(severity)] += count
    return {
        "findings": len(findings),
        "suppressed": len(dropped),
        "by_category": dict(sorted(Counter(map(attrgetter("category"), findings)).items())),
        "by_severity": dict(sorted(by_severity.items())),
        "by_code": dict(sorted(Counter(map(attrgetter("code"), findings)).items())),
        "fail_on": fail_on,
        "failed": fails([{"severity": name} for name in by_severity], fail_on),
    }


def _decoded_record(entry: Any) -> dict[str, Any]:
    from .kept_records import materialize

    return materialize([entry])[0]
