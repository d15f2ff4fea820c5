"""Runs every per-code case file in tests/cases/ (one file per check code).

Case file format (YAML)::

    code: DUP001
    requires: [numpy]              # optional: modules the check needs (cases skip without them)
    cases:
      - name: what the case shows
        options: {}                # the check's options (validated against its schema)
        documents: {a.txt: "...", b.txt: "..."}
        expect:                    # each entry must match some finding (keys optional)
          - document: b.txt
            text: "exact spanned text"   # null: a whole-document finding
            contains: "part of the spanned text"
            related: [a.txt]
            suggestion: "..."
            severity: warning
        count: 1                   # exact number of findings (optional)

Third-party plugins can reuse :func:`load_cases` and :func:`check_case`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.testing import run_check

CASES_DIR = Path(__file__).parent / "cases"


def load_cases(directory: Path = CASES_DIR) -> list[tuple[str, str, dict[str, Any]]]:
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data.get("code") == path.stem, f"{path.name}: 'code' must be {path.stem}"
        for case in data["cases"]:
            cases.append((data["code"], case["name"], dict(case, requires=data.get("requires", []))))
    return cases


def _matches(finding, expected: dict[str, Any], documents: dict[str, str]) -> bool:
    if "document" in expected and finding.document != expected["document"]:
        return False
    spanned = None if finding.span is None else documents[finding.document][finding.span.start:finding.span.end]
    if "text" in expected and spanned != expected["text"]:
        return False
    if "contains" in expected and (spanned is None or expected["contains"] not in spanned):
        return False
    if "related" in expected and not set(expected["related"]) <= {r.document for r in finding.related}:
        return False
    if "suggestion" in expected and finding.suggestion != expected["suggestion"]:
        return False
    if "severity" in expected and str(finding.severity) != expected["severity"]:
        return False
    return True


def check_case(code: str, case: dict[str, Any], registry=None) -> None:
    if registry is None:
        registry = collect_registry(make_plugin_manager(autoload=False))
    check_class = registry.checks[code]
    documents = {str(k): str(v) for k, v in case["documents"].items()}
    findings = run_check(check_class, documents, case.get("options") or {})
    described = "\n".join(
        f"  {f.document} {f.span} {f.message!r}" for f in findings
    ) or "  (none)"
    for expected in case.get("expect", []):
        assert any(_matches(f, expected, documents) for f in findings), (
            f"{code} case {case['name']!r}: no finding matches {expected}; findings were:\n{described}"
        )
    if "count" in case:
        assert len(findings) == case["count"], (
            f"{code} case {case['name']!r}: expected {case['count']} findings, got {len(findings)}:\n{described}"
        )


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager(autoload=False))


@pytest.mark.parametrize("code,name,case", load_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_case(code, name, case, registry):
    for module in case.get("requires", []):
        pytest.importorskip(module, reason=f"{code} needs {module} (an optional extra)")
    check_case(code, case, registry)


def test_every_check_has_a_case_file_with_positive_and_negative_cases(registry):
    for code, cls in registry.checks.items():
        if getattr(cls, "reported_while_loading", False):
            continue  # CD001/CD003/CD004 come from loaders; tested in test_bad_input.py
        path = CASES_DIR / f"{code}.yaml"
        assert path.is_file(), f"{code} has no case file tests/cases/{code}.yaml"
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        assert any(c.get("expect") or c.get("count", 0) > 0 for c in cases), f"{code}: no positive case"
        assert any(c.get("count") == 0 for c in cases), f"{code}: no negative case (count: 0)"
