"""Built-in output formats ``text`` and ``json``."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from copydesk import Formatter, dumps_printable, dumps_printable_joined, hookimpl

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
# Control characters (ANSI escapes, carriage returns, ...) in corpus text must not
# reach a terminal or a CI log as such.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """Corpus text made safe for one line of a terminal: controls shown as escapes."""
    text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def display_paths(report: dict[str, Any]) -> dict[str, str]:
    """Document id -> the file path when the document is a whole file, else the id."""
    paths = {}
    for entry in report.get("documents", []):
        source = entry.get("source") or ""
        paths[entry["id"]] = source if source and not re.search(r":\d+$", source) else entry["id"]
    return paths


class TextFormat(Formatter):
    """One line per finding, ``path:line:col: CODE message``, then a summary."""

    name = "text"
    extension = ".txt"
    description = "one line per finding (path:line:col: CODE message) and a summary"

    def render(self, report: dict[str, Any]) -> str:
        paths = display_paths(report)
        lines = []
        for finding in report["findings"]:
            span = finding["span"] or {"line": 1, "column": 1}
            path = printable(paths.get(finding["document"], finding["document"]))
            code = finding["code"]
            message = printable(finding["message"])
            if finding.get("suggestion"):
                message += f" (suggestion: {printable(finding['suggestion'])})"
            if self.color:
                code = f"{_COLORS.get(finding['severity'], '')}{code}{_RESET}"
                path = f"{_BOLD}{path}{_RESET}"
            lines.append(f"{path}:{span['line']}:{span['column']}: {code} {message}")
        lines.append(self.summary_line(report))
        return "\n".join(lines) + "\n"

    @staticmethod
    def summary_line(report: dict[str, Any]) -> str:
        summary = report["summary"]
        count = summary["findings"]
        documents = report["run"]["corpus"]["documents"]
        if count == 0:
            text = f"No findings in {documents} document{'s' * (documents != 1)}."
        else:
            by_severity = ", ".join(f"{n} {sev}" for sev, n in sorted(summary["by_severity"].items()))
            text = f"Found {count} finding{'s' * (count != 1)} ({by_severity}) in {documents} document{'s' * (documents != 1)}."
        if summary.get("suppressed"):
            text += f" {summary['suppressed']} suppressed."
        return text


class JsonFormat(Formatter):
    """The full report as JSON (validated against ``copydesk schema report``)."""

    name = "json"
    extension = ".json"
    description = "the full report as JSON, valid against `copydesk schema report`"
    takes_encoded_records = True  # written as they are (dumps_printable_joined)

    def render(self, report: dict[str, Any]) -> str:
        return "".join(piece if type(piece) is str else piece.decode("utf-8") for piece in self.chunks(report))

    def chunks(self, report: dict[str, Any]) -> Iterator[str | bytes]:
        """The report with its top level indented and each element of a list of
        records (``findings``, ``suppressed``, ``documents``) on a line of its own.

        Written in pieces: json.dumps of the whole report with an indent builds a
        list of tens of millions of small strings for a large corpus (about ten
        times the output's size in memory) in the pure-Python encoder; one compact
        line per record goes through a compiled encoder (msgspec, see
        :mod:`copydesk.jsoncodec`), a few hundred records at a time, as UTF-8 bytes. A
        record holding a character that is not printable (a bidi control, a C1 control,
        a line separator) is written all in ASCII escapes, which keeps the file safe to
        embed and to show in a terminal.
        """
        encode = dumps_printable
        keys = list(report)
        yield "{"
        for position, key in enumerate(keys):
            value = report[key]
            yield f"\n  {encode(key)}: "
            if key in _RECORD_LISTS and isinstance(value, list) and value:
                yield "[\n    "
                yield from dumps_printable_joined(value, b",\n    ")
                yield "\n  ]"
            else:
                yield json.dumps(value, indent=2, ensure_ascii=True).replace("\n", "\n  ")
            if position < len(keys) - 1:
                yield ","
        yield "\n}\n"


# Lists of records that can run to millions of entries: one line each.
_RECORD_LISTS = frozenset({"findings", "suppressed", "documents"})


@hookimpl
def copydesk_register_formats():
    return [TextFormat, JsonFormat]
