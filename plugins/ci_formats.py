"""Output formats for continuous integration: ``sarif``, ``junit``, ``github`` and ``markdown``.

Each formatter reads only the report dict. Corpus text (messages, excerpts, ids)
is untrusted: every format escapes it for its target, and control characters
(ANSI escapes, bidi overrides, lone surrogates) are shown as visible escapes so
that they can neither drive a terminal or CI log nor break XML.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from copydesk import Formatter, dumps_printable, hookimpl
from copydesk.plugins.formats import TextFormat

# C0 controls but tab and newline, DEL, C1 controls, line/paragraph separators,
# bidi embeddings/overrides/isolates (they reorder what follows; the plain LRM/RLM marks
# of right-to-left text do not, and stay), lone surrogates and the XML-illegal U+FFFE/U+FFFF.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff\ufffe\uffff]"
)


def visible(text: str, newlines: bool = False) -> str:
    """Corpus text with control characters written as escapes (``\\x1b``, ``\\u202e``).

    With ``newlines`` False, newlines and tabs become spaces (one-line output). The
    result is legal XML 1.0 and encodes as UTF-8 whatever the input held.
    """
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF else f"\\x{ord(m.group()):02x}", text)


def document_paths(report: dict[str, Any]) -> dict[str, str]:
    """Each document's file path when it is a whole file, else its id (as ``display_path``
    decides, but for all documents in one pass: formats must stay linear in the corpus)."""
    paths = {}
    for entry in report.get("documents", []):
        source = entry.get("source") or ""
        paths[entry["id"]] = source if source and not re.search(r":\d+$", source) else entry["id"]
    return paths


def location(paths: dict[str, str], finding: dict[str, Any]) -> str:
    """``path:line:col`` of a finding or related entry (just the path when it has no span)."""
    path = paths.get(finding["document"], finding["document"])
    span = finding.get("span")
    return f"{path}:{span['line']}:{span['column']}" if span else path


def checks_by_code(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The run's enabled checks by code, plus any code that has findings but no entry."""
    checks = {c["code"]: c for c in report["run"].get("checks", [])}
    for finding in [*report["findings"], *report.get("suppressed", [])]:
        checks.setdefault(finding["code"], {
            "code": finding["code"], "name": finding["check"], "category": finding["category"],
            "severity": finding["severity"], "summary": "", "duration_s": 0.0,
        })
    return dict(sorted(checks.items()))


# ---------------------------------------------------------------------------- SARIF

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
BASELINE_STATES = {"new", "unchanged", "updated", "absent"}
# GitHub ingests at most 1000 related locations per result.
MAX_RELATED = 100


def artifact_uri(paths: dict[str, str], document: str) -> tuple[str, bool]:
    """(URI, relative?) of a document: its file path relative to the working directory
    when it is a whole file, else its id; percent-encoded."""
    path = paths.get(document, document).replace(os.sep, "/")
    if os.path.isabs(path):
        try:
            path = Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return Path(path).resolve().as_uri(), False
    return quote(path, safe="/-._~"), True


def sarif_message(text: str) -> str:
    """Plain SARIF message text: brackets escaped (they would form embedded links),
    ended with a full stop as SARIF viewers expect."""
    text = visible(text).replace("[", "\\[").replace("]", "\\]").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


class SarifFormat(Formatter):
    """SARIF 2.1.0 for GitHub code scanning and other static-analysis viewers."""

    name = "sarif"
    extension = ".sarif"
    description = "SARIF 2.1.0 (GitHub code scanning, IDE viewers)"

    def render(self, report: dict[str, Any]) -> str:
        checks = checks_by_code(report)
        rule_index = {code: index for index, code in enumerate(checks)}
        paths = document_paths(report)
        results = [self.result(paths, f, rule_index) for f in report["findings"]]
        results += [self.result(paths, f, rule_index) for f in report.get("suppressed", [])]
        # fixed since the --compare report: baselineState "absent", as a pass (level none), so
        # that viewers that ignore baselineState (GitHub code scanning) raise no alert for them
        results += [dict(self.result(paths, f, rule_index), kind="pass", level="none")
                    for f in report.get("absent", []) if f.get("code") in rule_index]
        tool = report["tool"]
        run: dict[str, Any] = {
            "tool": {"driver": {
                "name": tool["name"],
                "version": tool["version"],
                "semanticVersion": tool["version"],
                "informationUri": "https://pypi.org/project/copydesk/",
                "rules": [self.rule(check) for check in checks.values()],
            }},
            "invocations": [self.invocation(report)],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }
        sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        # compact (GitHub caps uploads at 10 MB), through msgspec; UTF-8, or wholly in \u escapes
        # if any text in it holds a character that is not printable
        return dumps_printable(sarif) + "\n"

    @staticmethod
    def rule(check: dict[str, Any]) -> dict[str, Any]:
        summary = visible(check.get("summary") or f"{check['name']} ({check['category']})")
        explanation = visible(check.get("description") or "", newlines=True).strip()
        more = f"Run `copydesk explain {check['code']}` for why it matters, an example and the options."
        help_text = "\n\n".join(part for part in (summary, explanation, more) if part)
        return {
            "id": check["code"],
            "name": pascal_case(check["name"]),
            "shortDescription": {"text": summary},
            "fullDescription": {"text": explanation or summary},
            "help": {"text": help_text, "markdown": help_text},
            "defaultConfiguration": {"level": SARIF_LEVELS.get(check.get("severity", "warning"), "warning")},
            "properties": {"tags": ["copydesk", check["category"]], "category": check["category"]},
        }

    @staticmethod
    def invocation(report: dict[str, Any]) -> dict[str, Any]:
        run = report["run"]
        started = datetime.fromisoformat(run["started_at"])
        ended = started + timedelta(seconds=run["duration_s"])
        utc = "%Y-%m-%dT%H:%M:%SZ"
        return {"executionSuccessful": True, "startTimeUtc": started.strftime(utc), "endTimeUtc": ended.strftime(utc)}

    @staticmethod
    def physical_location(paths: dict[str, str], document: str, span: dict[str, Any] | None) -> dict[str, Any]:
        uri, relative = artifact_uri(paths, document)
        artifact = {"uri": uri, "uriBaseId": "%SRCROOT%"} if relative else {"uri": uri}
        # a whole-document finding points at the first line (viewers need a region)
        region = {"startLine": 1} if span is None else {
            "startLine": span["line"], "startColumn": span["column"],
            "endLine": span["end_line"], "endColumn": span["end_column"],
        }
        return {"artifactLocation": artifact, "region": region}

    def result(self, paths: dict[str, str], finding: dict[str, Any], rule_index: dict[str, int]) -> dict[str, Any]:
        related = []
        links = []
        for number, rel in enumerate(finding["related"][:MAX_RELATED], start=1):
            label = f"similarity {rel['similarity']:.2f}" if rel.get("similarity") is not None else "related passage"
            excerpt = f": {rel['excerpt']}" if rel.get("excerpt") else ""
            related.append({
                "id": number,
                "physicalLocation": self.physical_location(paths, rel["document"], rel.get("span")),
                "message": {"text": sarif_message(f"{rel['document']} ({label}){excerpt}")},
            })
            links.append(f"[{sarif_message(rel['document'])[:-1]}]({number})")
        text = sarif_message(finding["message"])
        if finding.get("suggestion"):
            text += " " + sarif_message(f"Suggestion: {finding['suggestion']}")
        if links:
            text += " Related: " + ", ".join(links) + "."
        result: dict[str, Any] = {
            "ruleId": finding["code"],
            "ruleIndex": rule_index[finding["code"]],
            "level": SARIF_LEVELS.get(finding["severity"], "warning"),
            "message": {"text": text},
            "locations": [{"physicalLocation": self.physical_location(paths, finding["document"], finding["span"])}],
            "partialFingerprints": {"copydesk/v1": finding["fingerprint"]},
            "properties": {"category": finding["category"], "document": finding["document"]},
        }
        if related:
            result["relatedLocations"] = related
        if finding.get("baseline_state") in BASELINE_STATES:
            result["baselineState"] = finding["baseline_state"]
        if finding.get("suppressed_by"):
            result["suppressions"] = [{"kind": "external", "justification": visible(finding["suppressed_by"])}]
        return result


# ---------------------------------------------------------------------------- JUnit


class JunitFormat(Formatter):
    """JUnit XML: one test case per enabled check, one failure per finding (GitLab, Jenkins)."""

    name = "junit"
    extension = ".xml"
    description = "JUnit XML, one test case per check and a failure per finding (GitLab, Jenkins)"

    def render(self, report: dict[str, Any]) -> str:
        by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for finding in report["findings"]:
            by_code[finding["code"]].append(finding)
        # a test case per enabled check, and per code with findings (suppressed ones are no failures)
        enabled = {row["code"] for row in report["run"].get("checks", [])}
        checks = {code: c for code, c in checks_by_code(report).items() if code in by_code or code in enabled}
        paths = document_paths(report)
        count = str(len(report["findings"]))
        duration = f"{report['run']['duration_s']:.3f}"
        suites = ET.Element("testsuites", name="copydesk", tests=str(len(checks)), failures=count,
                            errors="0", time=duration)
        suite = ET.SubElement(suites, "testsuite", name="copydesk", tests=str(len(checks)), failures=count,
                              errors="0", skipped="0", time=duration,
                              timestamp=report["run"]["started_at"][:19])
        for code, check in checks.items():
            case = ET.SubElement(suite, "testcase", classname=f"copydesk.{visible(check['category'])}",
                                 name=visible(f"{code} {check['name']}"), time=f"{check.get('duration_s', 0):.3f}")
            for finding in by_code.get(code, []):
                self.failure(case, paths, finding)
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"

    @staticmethod
    def failure(case: ET.Element, paths: dict[str, str], finding: dict[str, Any]) -> None:
        where = visible(location(paths, finding))
        message = visible(finding["message"])
        lines = [f"{where}: {finding['code']} {message}", f"severity: {finding['severity']}"]
        if finding["excerpt"]:
            lines.append(f"text: {visible(finding['excerpt'])}")
        if finding.get("suggestion"):
            lines.append(f"suggestion: {visible(finding['suggestion'])}")
        for rel in finding["related"]:
            similarity = f" (similarity {rel['similarity']:.2f})" if rel.get("similarity") is not None else ""
            lines.append(f"related: {visible(location(paths, rel))}{similarity}")
        failure = ET.SubElement(case, "failure", message=f"{where}: {message}", type=finding["severity"])
        failure.text = "\n".join(lines)


# ------------------------------------------------------------------ GitHub Actions

GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_data(text: str) -> str:
    """Escape the message part of a workflow command (after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a property value of a workflow command (``file=``, ``title=``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormat(Formatter):
    """GitHub Actions workflow commands: an annotation per finding on the changed lines."""

    name = "github"
    extension = ".txt"
    description = "GitHub Actions annotations (::error file=...,line=...::message)"

    def render(self, report: dict[str, Any]) -> str:
        paths = document_paths(report)
        lines = [self.command(paths, finding) for finding in report["findings"]]
        # a plain closing line: it never starts with "::", so it is not a command
        lines.append(TextFormat.summary_line(report))
        return "\n".join(lines) + "\n"

    @staticmethod
    def command(paths: dict[str, str], finding: dict[str, Any]) -> str:
        properties = [("file", paths.get(finding["document"], finding["document"]).replace(os.sep, "/"))]
        span = finding["span"]
        if span:
            properties += [("line", span["line"]), ("endLine", span["end_line"])]
            if span["line"] == span["end_line"]:  # columns only make sense on one line
                properties += [("col", span["column"]), ("endColumn", span["end_column"])]
        properties.append(("title", f"{finding['code']} {finding['check']}"))
        rendered = ",".join(f"{key}={github_property(visible(str(value)))}" for key, value in properties)
        message = visible(finding["message"])
        if finding.get("suggestion"):
            message += f" (suggestion: {visible(finding['suggestion'])})"
        level = GITHUB_LEVELS.get(finding["severity"], "warning")
        return f"::{level} {rendered}::{github_data(message)}"


# ------------------------------------------------------------------------ Markdown

# Characters that open or close inline markup, the table's "|" and GitHub's "$" math.
# (Block markers such as "#" or "-" are inert inside a table cell.)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def md(text: str, limit: int = 300) -> str:
    """Corpus text as inert Markdown on one line: HTML entities, markup characters
    backslash-escaped, @mentions defused (a word joiner after "@"), shortened."""
    text = visible(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = html.escape(text, quote=False)  # entities hold no markup characters
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "@\u2060")


class MarkdownFormat(Formatter):
    """A summary for a pull-request comment or ``$GITHUB_STEP_SUMMARY``."""

    name = "markdown"
    extension = ".md"
    description = "Markdown summary tables for a pull-request comment or $GITHUB_STEP_SUMMARY"
    #: findings listed before "and N more" (a PR comment holds at most 65,536 characters)
    max_findings = 50

    def render(self, report: dict[str, Any]) -> str:
        summary = report["summary"]
        limit = int(self.options.get("max_findings", self.max_findings))
        status = "failed" if summary.get("failed") else "passed"
        documents = report["run"]["corpus"]["documents"]
        out = [f"## copydesk: {summary['findings']} finding{'s' * (summary['findings'] != 1)} "
               f"in {documents} document{'s' * (documents != 1)} ({status})", ""]
        if summary.get("suppressed"):
            out += [f"{summary['suppressed']} more suppressed (baseline, ignores).", ""]
        if not report["findings"]:
            return "\n".join(out)
        severities = summary["by_severity"]
        out += self.counts("Severity", {s: severities[s] for s in ("error", "warning", "info") if s in severities}, rank=False)
        out += self.counts("Category", summary["by_category"])
        names = {code: check["name"] for code, check in checks_by_code(report).items()}
        out += self.counts("Code", {f"{code} {names.get(code, '')}": n for code, n in summary["by_code"].items()})
        paths = document_paths(report)
        out += ["### Findings", "", "| Severity | Code | Location | Message |", "| --- | --- | --- | --- |"]
        for finding in report["findings"][:limit]:
            message = md(finding["message"])
            if finding.get("suggestion"):
                message += f" (suggestion: {md(finding['suggestion'], 120)})"
            out.append(f"| {finding['severity']} | {md(finding['code'])} | {md(location(paths, finding), 120)} | {message} |")
        hidden = len(report["findings"]) - limit
        if hidden > 0:
            out += ["", f"… and {hidden} more finding{'s' * (hidden != 1)} (see the full report)."]
        return "\n".join(out) + "\n"

    @staticmethod
    def counts(title: str, counts: dict[str, int], rank: bool = True) -> list[str]:
        rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if rank else list(counts.items())
        return [f"| {title} | Findings |", "| --- | ---: |", *(f"| {md(k)} | {n} |" for k, n in rows), ""]


@hookimpl
def copydesk_register_formats():
    return [SarifFormat, JunitFormat, GithubFormat, MarkdownFormat]

