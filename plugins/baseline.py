"""Baselines and comparisons: report only what a change made worse.

* ``copydesk baseline [PATH ...] [--output FILE]`` records the current findings by
  fingerprint (default file ``copydesk-baseline.json``). People may add ``reason``,
  ``owner`` and ``expires`` to an entry; recording again keeps them.
* ``copydesk check --baseline FILE`` suppresses the findings the file lists, counts
  the entries that no longer occur (stale), and reports a finding again once its
  entry has expired.
* ``copydesk check --compare REPORT.json`` marks every finding ``new``,
  ``unchanged`` or ``updated`` against an earlier JSON report and lists that
  report's findings that no longer occur as ``absent`` (fixed).

Fingerprints are the report's: code + document id + normalised matched text, so an
entry survives edits elsewhere in the document, line shifts and re-sharding.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from copydesk import UsageError, __version__, hookimpl, main, write_atomically

BASELINE_FILENAME = "copydesk-baseline.json"
FORMAT_VERSION = 1
STASH_KEY = "baseline"
#: hand-written fields of an entry, kept when the baseline is recorded again
HAND_FIELDS = ("reason", "owner", "expires")


# ------------------------------------------------------------------ the baseline file


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    document: str
    excerpt: str = ""
    reason: str | None = None
    owner: str | None = None
    expires: date | None = None

    def expired(self, today: date) -> bool:
        return self.expires is not None and today >= self.expires


@dataclass
class Baseline:
    path: str
    entries: dict[str, Entry]


@lru_cache(maxsize=1)
def baseline_schema() -> dict[str, Any]:
    text = resources.files("copydesk.plugins").joinpath("baseline.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _where(path: Iterable[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _read_json(path: str, what: str, flag: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{flag} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{flag} {path}: cannot read {what}: {exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{flag} {path}: not valid JSON ({exc}); is it {what}?") from None


def load_baseline(path: str, flag: str = "--baseline") -> Baseline:
    """Read and validate a baseline file; any problem is a one-line :class:`UsageError`."""
    from jsonschema import Draft202012Validator

    data = _read_json(path, "a copydesk baseline", flag)
    if isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] > FORMAT_VERSION:
        raise UsageError(f"{flag} {path}: baseline format version {data['version']} is newer than this "
                         f"copydesk understands ({FORMAT_VERSION}); upgrade copydesk")
    errors = sorted(Draft202012Validator(baseline_schema()).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        error = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise UsageError(f"{flag} {path}: {_where(error.absolute_path)}: {error.message}{more}")
    entries: dict[str, Entry] = {}
    for index, raw in enumerate(data["entries"]):
        expires = None
        if "expires" in raw:
            try:
                expires = date.fromisoformat(raw["expires"])
            except ValueError:
                raise UsageError(f"{flag} {path}: entries[{index}].expires: {raw['expires']!r} is not a date "
                                 "(use YYYY-MM-DD)") from None
        if raw["fingerprint"] in entries:
            raise UsageError(f"{flag} {path}: entries[{index}]: fingerprint {raw['fingerprint']} is listed twice")
        entries[raw["fingerprint"]] = Entry(raw["fingerprint"], raw["code"], raw["document"], raw.get("excerpt", ""),
                                            raw.get("reason"), raw.get("owner"), expires)
    return Baseline(path, entries)


def baseline_document(findings: Iterable[Mapping[str, Any]], previous: Baseline | None = None) -> dict[str, Any]:
    """The baseline file for report findings, keeping the hand-written fields of ``previous``."""
    kept = previous.entries if previous is not None else {}
    entries = []
    for finding in sorted(findings, key=lambda f: (f["document"], f["code"], f["fingerprint"])):
        entry: dict[str, Any] = {
            "fingerprint": finding["fingerprint"],
            "code": finding["code"],
            "document": finding["document"],
            "excerpt": finding["excerpt"],
        }
        old = kept.get(finding["fingerprint"])
        if old is not None:
            for key in HAND_FIELDS:
                value = getattr(old, key)
                if value is not None:
                    entry[key] = value.isoformat() if isinstance(value, date) else value
        entries.append(entry)
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "copydesk", "version": __version__},
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "entries": entries,
    }


# ------------------------------------------------------------- the earlier report


def load_previous_report(path: str) -> dict[str, Any]:
    """An earlier JSON report, checked for what a comparison needs."""
    data = _read_json(path, "a copydesk JSON report (--format json)", "--compare")
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise UsageError(f"--compare {path}: not a copydesk JSON report (no 'findings' list); "
                         "write one with --format json")
    for key in ("findings", "suppressed"):
        for index, finding in enumerate(data.get(key) or []):
            if not isinstance(finding, dict) or not all(isinstance(finding.get(k), str) for k in ("fingerprint", "code", "document")):
                raise UsageError(f"--compare {path}: {key}[{index}] has no fingerprint, code and document; "
                                 "is it a copydesk JSON report?")
    return data


# ------------------------------------------------------------------ state of a run


@dataclass
class RunState:
    baseline: Baseline | None = None
    previous: dict[str, Any] | None = None
    previous_path: str | None = None
    today: date = field(default_factory=date.today)
    #: id(finding) -> fingerprint, computed as the report will compute it
    suppressed: set[str] = field(default_factory=set)
    expired: dict[str, Entry] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    #: --write-baseline: where, and the file there now (its hand-written fields are kept)
    write_path: Path | None = None
    write_previous: Baseline | None = None
    report: dict[str, Any] | None = None


def _state(session: Any) -> RunState | None:
    return session.stash.get(STASH_KEY)


# ---------------------------------------------------------------------------- hooks


@hookimpl
def copydesk_add_arguments(parser):
    group = parser.add_argument_group("baselines and comparisons")
    group.add_argument("--baseline", metavar="FILE",
                       help=f"report only findings not recorded in FILE (written by `copydesk baseline`, "
                            f"default name {BASELINE_FILENAME})")
    group.add_argument("--write-baseline", metavar="FILE",
                       help="also record this run's findings in FILE (as `copydesk baseline` does)")
    group.add_argument("--compare", metavar="REPORT",
                       help="mark findings new/unchanged against an earlier JSON report and list the ones fixed since")


@hookimpl
def copydesk_add_commands(subparsers):
    parser = subparsers.add_parser(
        "baseline", help="record the current findings so that `check --baseline` reports only new ones",
        description="Run the checks and record every finding by fingerprint. Add reason, owner and expires "
                    "(YYYY-MM-DD) to entries by hand; recording again keeps them.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: corpus.paths of the config)")
    parser.add_argument("--config", "-c", metavar="FILE", help="configuration file")
    parser.add_argument("--output", "-o", metavar="FILE", default=BASELINE_FILENAME,
                        help=f"baseline file to write (default {BASELINE_FILENAME})")
    parser.add_argument("--select", action="append", metavar="CODES", help="checks to run; replaces the config's select")
    parser.add_argument("--ignore", action="append", metavar="CODES", help="checks not to run")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (0 = number of cores)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the incremental cache")
    parser.set_defaults(handler=cmd_baseline)


def cmd_baseline(args: Any, extra_plugins: Any) -> int:
    """``copydesk baseline``: ``copydesk check --write-baseline FILE`` with its report discarded."""
    output = Path(args.output)
    if output.exists():  # an unreadable old file is an error rather than silently losing its reasons
        load_baseline(str(output), "--output")
    command = ["check", *args.paths, "--write-baseline", str(output), "--exit-zero", "--quiet",
               "--format", "text", "--output", os.devnull]
    for flag in ("config", "select", "ignore", "jobs"):
        values = getattr(args, flag)
        for value in values if isinstance(values, list) else ([] if values is None else [values]):
            command += [f"--{flag}", str(value)]
    if args.no_cache:
        command.append("--no-cache")
    if getattr(args, "debug", False):
        command.insert(0, "--debug")
    return main(command, extra_plugins)


def record(report: Mapping[str, Any], path: Path, previous: Baseline | None) -> str:
    """Write the baseline of a report; return the line that says what was written.

    Recorded: the reported findings and those only a baseline or ``--changed-since``
    left out (still present, still to be accepted); not those a per-file ignore or a
    record's ``copydesk_ignore`` waives for good.
    """
    findings = list(report["findings"]) + [
        f for f in report.get("suppressed", [])
        if f["suppressed_by"].startswith(("baseline:", "changed-since "))
    ]
    document = baseline_document(findings, previous)
    write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    count = len(document["entries"])
    line = f"wrote {path}: {count} finding{'s' * (count != 1)} recorded"
    if previous is not None:
        kept = sum(1 for e in document["entries"] if any(k in e for k in HAND_FIELDS))
        dropped = len(set(previous.entries) - {e["fingerprint"] for e in document["entries"]})
        line += f"; {kept} kept their reason/owner/expires, {dropped} no longer occur and were dropped"
    return line


@hookimpl
def copydesk_session_start(session):
    args = session.config.args
    baseline_path = getattr(args, "baseline", None)
    compare_path = getattr(args, "compare", None)
    write_path = getattr(args, "write_baseline", None)
    if not baseline_path and not compare_path and not write_path:
        return
    state = RunState()
    if write_path:
        state.write_path = Path(write_path)
        if state.write_path.exists():
            state.write_previous = load_baseline(write_path, "--write-baseline")
    if baseline_path:
        state.baseline = load_baseline(baseline_path)
        session.register_plugin(BaselineSuppression())
    if compare_path:
        state.previous = load_previous_report(compare_path)
        state.previous_path = compare_path
    session.stash[STASH_KEY] = state
    session.register_plugin(BaselineReport())


class BaselineSuppression:
    """The baseline's part in suppression, registered for a run with ``--baseline`` only
    (:meth:`Session.register_plugin`): the core asks ``copydesk_suppress_finding`` of every
    finding only when some plugin implements it."""

    @hookimpl
    def copydesk_suppress_finding(self, session, finding):
        state = _state(session)
        if state is None or state.baseline is None:
            return None
        fingerprint = session.fingerprint(finding)
        entry = state.baseline.entries.get(fingerprint)
        if entry is None:
            return None
        if entry.expired(state.today):
            state.expired[fingerprint] = entry
            return None
        state.suppressed.add(fingerprint)
        return f"baseline: {state.baseline.path}" + (f": {entry.reason}" if entry.reason else "")


class BaselineReport:
    """The baseline's and the comparison's parts of the report (and the report a
    ``--write-baseline`` records), registered for a run with one of those options only: a
    ``copydesk_modify_report`` hook has the report's records decoded for it (kept_records.py)."""

    @hookimpl
    def copydesk_modify_report(self, session, report):
        state = _state(session)
        if state is None:
            return
        state.report = report
        if state.baseline is not None:
            apply_baseline(report, state)
        if state.previous is not None:
            apply_comparison(report, state)


@hookimpl
def copydesk_session_finish(session):
    state = _state(session)
    if state is None:
        return
    for line in state.lines:
        print(f"copydesk: {line}", file=sys.stderr)
    if state.write_path is not None and state.report is not None:
        print(f"copydesk: {record(state.report, state.write_path, state.write_previous)}", file=sys.stderr)


# ------------------------------------------------------------- report sections


def apply_baseline(report: dict[str, Any], state: RunState) -> None:
    baseline = state.baseline
    assert baseline is not None
    present = {f["fingerprint"] for f in report["findings"]} | {f["fingerprint"] for f in report.get("suppressed", [])}
    ran = {c["code"] for c in report["run"]["checks"]}
    documents = {d["id"] for d in report["documents"]}
    stale, not_checked = [], 0
    for entry in baseline.entries.values():
        if entry.fingerprint in present:
            continue
        # an entry of a check that did not run, or of a document outside this run, proves nothing
        if entry.code in ran and entry.document in documents:
            stale.append(entry)
        else:
            not_checked += 1
    for finding in report["findings"]:
        entry = state.expired.get(finding["fingerprint"])
        if entry is not None:
            assert entry.expires is not None
            why = f": {entry.reason}" if entry.reason else ""
            finding["message"] += f" (its baseline entry expired on {entry.expires.isoformat()}{why})"
            finding["data"]["baseline_expired"] = entry.expires.isoformat()
        if state.previous is None:  # --compare, when given, decides the state
            finding["baseline_state"] = "unchanged" if entry is not None else "new"
    if state.previous is None:
        for finding in report.get("suppressed", []):
            finding["baseline_state"] = "unchanged" if finding["fingerprint"] in state.suppressed else "new"
    report["summary"]["baseline"] = {
        "file": baseline.path,
        "entries": len(baseline.entries),
        "suppressed": len(state.suppressed),
        "expired": len(state.expired),
        "stale": len(stale),
        "not_checked": not_checked,
        "stale_entries": [
            {"fingerprint": e.fingerprint, "code": e.code, "document": e.document, "excerpt": e.excerpt}
            for e in sorted(stale, key=lambda e: (e.document, e.code, e.fingerprint))
        ],
    }
    line = (f"baseline {baseline.path}: {len(state.suppressed)} finding{'s' * (len(state.suppressed) != 1)} suppressed, "
            f"{len(stale)} entr{'ies' if len(stale) != 1 else 'y'} no longer occur (stale)")
    if state.expired:
        line += f", {len(state.expired)} expired entr{'ies' if len(state.expired) != 1 else 'y'} reported again"
    if stale:
        line += f"; run `copydesk baseline --output {baseline.path}` to drop stale entries"
    state.lines.append(line)


def apply_comparison(report: dict[str, Any], state: RunState) -> None:
    previous = state.previous
    assert previous is not None
    before = {f["fingerprint"]: f for f in [*(previous.get("suppressed") or []), *previous["findings"]]}
    counts = {"new": 0, "unchanged": 0, "updated": 0}
    present = set()
    for key in ("findings", "suppressed"):
        for finding in report.get(key, []):
            present.add(finding["fingerprint"])
            old = before.get(finding["fingerprint"])
            if old is None:
                finding_state = "new"
            elif old.get("message") == finding["message"] and old.get("severity") == finding["severity"]:
                finding_state = "unchanged"
            else:
                finding_state = "updated"
            finding["baseline_state"] = finding_state
            if key == "findings":
                counts[finding_state] += 1
    ran = {c["code"] for c in report["run"]["checks"]}
    # a finding of a check that did not run this time is not known to be fixed
    absent = [dict(f, baseline_state="absent") for f in previous["findings"]
              if f["fingerprint"] not in present and f["code"] in ran]
    absent.sort(key=lambda f: (f["document"], (f.get("span") or {}).get("start", -1), f["code"]))
    report["absent"] = absent
    report["summary"]["comparison"] = {"previous": state.previous_path, **counts, "absent": len(absent)}
    state.lines.append(
        f"compared with {state.previous_path}: {counts['new']} new, {counts['unchanged']} unchanged, "
        f"{counts['updated']} updated, {len(absent)} fixed (no longer found)"
    )
