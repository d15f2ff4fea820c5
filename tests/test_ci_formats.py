"""The CI output formats (sarif, junit, github, markdown) on real and hostile reports."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from copydesk.plugins.ci_formats import (
    GithubFormat, JunitFormat, MarkdownFormat, SarifFormat, github_data, github_property, visible,
)
from copydesk.report import validate_report

SARIF_SCHEMA = Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

# Corpus text that tries to break out of every format: markup, CDATA ends, terminal
# escapes, workflow commands, Markdown tables and mentions, bidi overrides, controls.
EVIL = ("<script>alert(1)</script> ]]> </textarea>\"'& \x1b[31mRED\x1b[0m\r\n::error::pwned %0A "
        "| `tick` *bold* [link](1) @octocat $x$ \u202eevil\x00\x07\x85 \ud800\ufffe")
EVIL_ID = "evil <b>&\x1b[2J, name:1.txt"


def span(start, end, line=1, column=None, end_line=1, end_column=None):
    return {"start": start, "end": end, "line": line, "column": column or start + 1,
            "end_line": end_line, "end_column": end_column or end + 1}


def finding(code, document, message, span_=None, severity="warning", category="duplication", **extra):
    entry = {
        "fingerprint": hashlib.sha256(f"{code}|{document}|{message}".encode("utf-8", "surrogatepass")).hexdigest()[:32],
        "code": code,
        "check": extra.pop("check", "exact-duplicate"), "category": category, "severity": severity,
        "message": message, "document": document, "span": span_, "excerpt": extra.pop("excerpt", ""),
        "related": extra.pop("related", []), "suggestion": extra.pop("suggestion", None), "data": {},
    }
    entry.update(extra)
    return entry


def check_row(code, name, category, severity="warning", summary="A check."):
    return {"code": code, "name": name, "category": category, "severity": severity,
            "plugin": "test", "summary": summary, "duration_s": 0.01}


def hostile_report(sources: dict[str, str] | None = None) -> dict:
    """A schema-valid report whose every corpus-derived string is hostile."""
    sources = sources or {}
    documents = [
        {"id": "a.txt", "sha256": "0" * 64, "characters": 120, "source": sources.get("a.txt", "corpus/a.txt")},
        {"id": EVIL_ID, "sha256": "1" * 64, "characters": 80, "source": sources.get(EVIL_ID, f"corpus/{EVIL_ID}")},
        {"id": "rec-7", "sha256": "2" * 64, "characters": 50, "source": "records.jsonl:7"},
    ]
    findings = [
        finding("DUP001", "a.txt", f"copied text {EVIL}", span(3, 40, column=4, end_column=41),
                severity="error", excerpt=EVIL, suggestion=EVIL,
                related=[{"document": EVIL_ID, "span": span(0, 37), "similarity": 0.93, "excerpt": EVIL}],
                baseline_state="new"),
        finding("ATT001", EVIL_ID, f"unattributed quote {EVIL}", span(10, 30, line=2, column=3, end_line=3, end_column=5),
                category="attribution", check="unattributed-quote", excerpt=EVIL, baseline_state="unchanged"),
        finding("TRN005", "rec-7", "whole record reads as translated", None, severity="info",
                category="translation", check="translationese"),
    ]
    suppressed = [dict(finding("DUP001", "a.txt", "an old copy", span(50, 60)), suppressed_by=f"baseline {EVIL}")]
    report = {
        "schema_version": "1.0.0",
        "tool": {"name": "copydesk", "version": "0.1.0"},
        "run": {
            "started_at": "2024-05-01T12:00:00+00:00", "duration_s": 1.5, "jobs": 1,
            "config": {"path": "(default)", "sha256": "3" * 64},
            "corpus": {"paths": ["corpus"], "documents": 3, "characters": 250},
            "checks": [check_row("ATT001", "unattributed-quote", "attribution"),
                       check_row("DUP001", "exact-duplicate", "duplication", "error", f"Summary {EVIL}"),
                       check_row("TRN005", "translationese", "translation", "info"),
                       check_row("TRN001", "tortured-phrase", "translation")],
            "analyses": [],
        },
        "documents": documents,
        "findings": findings,
        "suppressed": suppressed,
        "summary": {"findings": 3, "suppressed": 1, "by_category": {"attribution": 1, "duplication": 1, "translation": 1},
                    "by_severity": {"error": 1, "info": 1, "warning": 1},
                    "by_code": {"ATT001": 1, "DUP001": 1, "TRN005": 1}, "fail_on": "error", "failed": True},
    }
    # baseline_state is an extension a baseline plugin adds; the rest must follow the contract
    plain = copy.deepcopy(report)
    for entry in plain["findings"]:
        entry.pop("baseline_state", None)
    assert validate_report(plain) == []
    return report


def assert_no_raw_controls(text: str) -> None:
    """No terminal escape, bidi override, NUL or lone surrogate survives as such."""
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]", text)
    text.encode("utf-8")  # strict: writable as a file


# ------------------------------------------------------------------------ helpers


def test_visible_shows_controls_as_escapes_and_keeps_text():
    assert visible("a\x1b[31mb\tc\nd") == "a\\x1b[31mb c d"
    assert visible("line\nnext", newlines=True) == "line\nnext"
    assert visible("\u202eevil \ud800 \x85 é 中") == "\\u202eevil \\ud800 \\x85 é 中"


def test_github_escaping_follows_the_documented_rules():
    assert github_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert github_property("a:b,c%") == "a%3Ab%2Cc%25"


# -------------------------------------------------------------------------- SARIF


def test_sarif_is_valid_against_the_oasis_schema():
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"the OASIS SARIF schema is not at {SARIF_SCHEMA} (only the project's shared folder has it)")
    from jsonschema import Draft4Validator

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    sarif = json.loads(SarifFormat().render(hostile_report()))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(schema).iter_errors(sarif)]
    assert errors == []


def test_sarif_results_rules_regions_and_fingerprints():
    report = hostile_report()
    text = SarifFormat().render(report)
    assert_no_raw_controls(text)
    run = json.loads(text)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["ATT001", "DUP001", "TRN001", "TRN005"]
    dup_rule = rules[1]
    assert dup_rule["name"] == "ExactDuplicate"
    assert dup_rule["defaultConfiguration"]["level"] == "error"
    assert "copydesk explain DUP001" in dup_rule["help"]["text"]
    results = run["results"]
    assert len(results) == 4  # three findings and one suppressed
    first = results[0]
    assert (first["ruleId"], first["level"], first["baselineState"]) == ("DUP001", "error", "new")
    assert rules[first["ruleIndex"]]["id"] == "DUP001"
    assert first["partialFingerprints"] == {"copydesk/v1": report["findings"][0]["fingerprint"]}
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "corpus/a.txt", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 1, "startColumn": 4, "endLine": 1, "endColumn": 41}
    related = first["relatedLocations"][0]
    assert related["id"] == 1
    # the hostile file name is percent-encoded into a relative URI
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "corpus/evil%20%3Cb%3E%26%1B%5B2J%2C%20name%3A1.txt"
    assert "similarity 0.93" in related["message"]["text"]
    # literal brackets are escaped; the only embedded link is ours, to related location 1
    message = first["message"]["text"]
    assert re.findall(r"(?<!\\)\[[^\]]*(?<!\\)\]\((\d+)\)", message) == ["1"]
    assert "\\[link\\](1)" in message and "\\x1b\\[31mRED" in message
    assert results[1]["baselineState"] == "unchanged"
    # whole-document finding on a JSONL record: the id, first line, level note
    record = next(r for r in results if r["ruleId"] == "TRN005")
    assert record["level"] == "note"
    assert record["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "rec-7", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    suppressed = results[3]
    assert suppressed["suppressions"][0]["kind"] == "external"
    assert "baseline" in suppressed["suppressions"][0]["justification"]


def test_sarif_of_a_real_run(copydesk_project):
    story = "The council approved the budget on Tuesday after a long debate about roads and schools.\n"
    copydesk_project.write_corpus({"a.txt": story, "b.txt": story.upper()})
    result = copydesk_project.run("check", "corpus", "--select", "DUP001", "-f", "sarif", "-o", "out.sarif")
    assert result.exit_code == 1, result
    run = json.loads((copydesk_project.path / "out.sarif").read_text(encoding="utf-8"))["runs"][0]
    [only] = run["results"]
    assert only["ruleId"] == "DUP001"
    assert only["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "corpus/b.txt"
    assert only["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "corpus/a.txt"


# -------------------------------------------------------------------------- JUnit


def test_junit_one_case_per_check_and_a_failure_per_finding():
    text = JunitFormat().render(hostile_report())
    assert_no_raw_controls(text)
    assert "<script>" not in text and "]]>" not in text
    root = ET.fromstring(text.encode("utf-8"))  # parses: everything escaped, no illegal characters
    [suite] = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["ATT001 unattributed-quote", "DUP001 exact-duplicate",
                           "TRN001 tortured-phrase", "TRN005 translationese"]
    assert suite.get("tests") == "4" and suite.get("failures") == "3"
    assert cases["TRN001 tortured-phrase"].find("failure") is None  # a passing check
    [failure] = cases["DUP001 exact-duplicate"].findall("failure")
    assert failure.get("type") == "error"
    # the corpus text comes back as text: markup intact, controls as visible escapes
    assert failure.get("message").startswith("corpus/a.txt:1:4: copied text <script>alert(1)</script> ]]>")
    assert "\\x1b[31mRED" in failure.text and "\\u202eevil" in failure.text
    assert "related: corpus/evil <b>&\\x1b[2J, name:1.txt:1:1 (similarity 0.93)" in failure.text
    assert cases["ATT001 unattributed-quote"].find("failure").get("message").startswith("corpus/evil <b>&")


# ------------------------------------------------------------------ GitHub Actions


def test_github_commands_one_line_each_and_escaped():
    text = GithubFormat().render(hostile_report())
    assert_no_raw_controls(text)
    lines = text.splitlines()
    assert len(lines) == 4  # three annotations and the summary line
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 3
    first = commands[0]
    assert first.startswith("::error file=corpus/a.txt,line=1,endLine=1,col=4,endColumn=41,"
                            "title=DUP001 exact-duplicate::copied text <script>")
    # the hostile ::error:: and %0A stay inside the message: escaped, never a new command
    assert "%250A" in first and "::error::pwned" in first
    properties, _, _ = first[2:].partition("::")
    assert properties.count("::") == 0
    second = commands[1]
    # a multi-line span has no columns; the file name's ":" and "," are escaped
    assert second.startswith("::warning file=corpus/evil <b>&\\x1b[2J%2C name%3A1.txt,line=2,endLine=3,title=")
    assert commands[2].startswith("::notice file=rec-7,title=TRN005 translationese::")
    assert not lines[-1].startswith("::")


# ------------------------------------------------------------------------ Markdown


def test_markdown_tables_escape_corpus_text():
    text = MarkdownFormat().render(hostile_report())
    assert_no_raw_controls(text)
    assert text.startswith("## copydesk: 3 findings in 3 documents (failed)")
    assert "1 more suppressed" in text
    assert "| error | 1 |" in text and "| DUP001 exact\\-duplicate | 1 |" not in text
    assert "| DUP001 exact\\_duplicate" not in text
    rows = [line for line in text.splitlines() if line.startswith("| error | DUP001")]
    [row] = rows
    # every "|" of corpus text is escaped: the row still has exactly four cells
    assert len(re.findall(r"(?<!\\)\|", row)) == 5
    assert "&lt;script&gt;" in row and "<script>" not in text
    assert "\\`tick\\`" in row and "\\*bold\\*" in row and "\\[link\\](1)" in row
    assert "@\u2060octocat" in row and "\\$x\\$" in row


def test_markdown_caps_the_finding_list():
    report = hostile_report()
    base = report["findings"][2]
    report["findings"] = [dict(base, message=f"finding {i}") for i in range(60)]
    text = MarkdownFormat(options={"max_findings": 10}).render(report)
    assert "finding 9 |" in text and "finding 10 |" not in text
    assert "and 50 more findings" in text
    assert "and 10 more findings" in MarkdownFormat().render(report)


def test_markdown_without_findings_is_one_heading():
    report = hostile_report()
    report["findings"], report["suppressed"] = [], []
    report["summary"].update(findings=0, suppressed=0, by_category={}, by_severity={}, by_code={}, failed=False)
    assert MarkdownFormat().render(report).strip() == "## copydesk: 0 findings in 3 documents (passed)"


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "markdown"])
def test_formats_are_registered_for_the_cli(copydesk_project, fmt):
    copydesk_project.write_corpus({"a.txt": "A short note about the weather today.\n"})
    result = copydesk_project.run("check", "corpus", "-f", fmt, "-o", f"out/report.{fmt}")
    assert result.exit_code == 0, result
    assert (copydesk_project.path / "out" / f"report.{fmt}").read_text(encoding="utf-8").strip()
