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
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .model import Document, Finding, Severity, Span

if TYPE_CHECKING:
    from .corpus import Corpus

#: Version of the report format; see the schema's description for the rules.
SCHEMA_VERSION = "1.2.0"


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    return json.loads(resources.files("copydesk").joinpath("report.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _fast_validator():
    """The report schema compiled to Python by fastjsonschema, or None where it is not installed.

    jsonschema spends about 270 microseconds a finding (over four minutes for a million
    findings); the compiled check about 10. The schema keeps to keywords both read alike.
    What is compiled is :func:`compiled_form` of the schema: the same rules, written so that
    the generated code runs twice as fast.
    """
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - it is a dependency; kept optional for vendored installs
        return None
    return fastjsonschema.compile(compiled_form(report_schema()))


def compiled_form(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the same meaning, in the shape fastjsonschema's code is quickest on.

    Two rewrites, each exact: every ``$ref`` into ``$defs`` is replaced by its
    definition (the generated code formats a name for every referenced call: a third
    of the time, once per span); and ``anyOf: [object schema, {"type": "null"}]``
    becomes the object schema with ``type: [object, null]`` (``required`` and
    ``properties`` only constrain objects, so null passes either way, and no
    exception is raised and caught for every null span). tests/test_report_build.py
    checks that both forms give every report the same verdict.
    """
    definitions = schema.get("$defs", {})

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and "#/$defs/" in ref and len(node) == 1:
            return rewrite(definitions[ref.split("#/$defs/", 1)[1]])
        node = {key: rewrite(value) for key, value in node.items()}
        options = node.get("anyOf")
        if (isinstance(options, list) and len(options) == 2 and options[1] == {"type": "null"}
                and isinstance(options[0], dict) and options[0].get("type") == "object"):
            merged = {key: value for key, value in node.items() if key != "anyOf"}
            if not set(merged) & set(options[0]):
                return {**merged, **options[0], "type": ["object", "null"]}
        return node

    return rewrite(schema)


def validate_report(report: Mapping[str, Any]) -> list[str]:
    """Schema violations of a report (empty when valid).

    A valid report is confirmed by the compiled validator; only a report it rejects
    goes through jsonschema, whose messages name every violation.
    """
    fast = _fast_validator()
    if fast is not None:
        try:
            fast(report)
            return []
        except Exception:  # JsonSchemaValueException, or anything the generated code trips on
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
    seen: Counter[str] = Counter()
    result = []
    for finding in findings:
        document = corpus.get(finding.document) if corpus is not None else None
        base = "\x1f".join((finding.code, finding.document, normalise_anchor(anchor_text(finding, document))))
        seen[base] += 1
        key = f"{base}\x1f{seen[base]}"
        result.append(hashlib.sha256(key.encode("utf-8")).hexdigest()[:32])
    return result


def span_dict(document: Document | None, span: Span | None) -> dict[str, int] | None:
    if span is None:
        return None
    if document is None:
        return {"start": span.start, "end": span.end, "line": 1, "column": 1, "end_line": 1, "end_column": 1}
    line, column = document.line_col(span.start)
    end_line, end_column = document.line_col(span.end)
    return {"start": span.start, "end": span.end, "line": line, "column": column,
            "end_line": end_line, "end_column": end_column}


def finding_dict(finding: Finding, fingerprint: str, corpus: "Corpus | None") -> dict[str, Any]:
    document = corpus.get(finding.document) if corpus is not None else None
    related = []
    for rel in finding.related:
        other = corpus.get(rel.document) if corpus is not None else None
        entry: dict[str, Any] = {
            "document": rel.document,
            "span": span_dict(other, rel.span),
            "similarity": None if rel.similarity is None else round(float(rel.similarity), 4),
        }
        if other is not None and rel.span is not None:
            entry["excerpt"] = other.excerpt(rel.span)
        related.append(entry)
    return {
        "fingerprint": fingerprint,
        "code": finding.code,
        "check": finding.check,
        "category": finding.category,
        "severity": str(finding.severity),
        "message": finding.message,
        "document": finding.document,
        "span": span_dict(document, finding.span),
        "excerpt": document.excerpt(finding.span) if document is not None else "",
        "related": related,
        "suggestion": finding.suggestion,
        "data": _jsonable(dict(finding.data)),
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
        return {str(k): _jsonable(v) for k, v in value.items()}
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


def summarise(findings: list[dict[str, Any]], suppressed: list[dict[str, Any]], fail_on: str) -> dict[str, Any]:
    return {
        "findings": len(findings),
        "suppressed": len(suppressed),
        "by_category": dict(sorted(Counter(f["category"] for f in findings).items())),
        "by_severity": dict(sorted(Counter(f["severity"] for f in findings).items())),
        "by_code": dict(sorted(Counter(f["code"] for f in findings).items())),
        "fail_on": fail_on,
        "failed": fails(findings, fail_on),
    }


def fails(findings: Iterable[Mapping[str, Any]], fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = Severity.parse(fail_on)
    return any(Severity.parse(f["severity"]) >= threshold for f in findings)


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
) -> dict[str, Any]:
    findings = sorted(findings, key=Finding.sort_key)
    suppressed = sorted(suppressed, key=lambda pair: pair[0].sort_key())
    if prints is None:
        # numbered over kept and suppressed findings together, so that suppressing
        # one finding never renumbers another
        everything = sorted([*findings, *(f for f, _ in suppressed)], key=Finding.sort_key)
        prints = dict(zip(map(id, everything), fingerprints(everything, corpus)))
    kept = [finding_dict(f, prints[id(f)], corpus) for f in findings]
    dropped = []
    for finding, reason in suppressed:
        entry = finding_dict(finding, prints[id(finding)], corpus)
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
        "summary": summarise(kept, dropped, fail_on),
    }
