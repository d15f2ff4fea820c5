"""``copydesk check --changed-since GIT_REF``: report only on what a change touched.

Every check still runs on the whole corpus (a cross-document check must compare a
new story with all the old ones), but only findings on documents changed since
``GIT_REF`` are reported, plus cross-document findings whose ``related`` names a
changed document. The rest are suppressed with the reason ``changed-since REF``.

Changed means: ``git diff --name-only REF`` (committed, staged and unstaged changes
against REF) plus untracked files, in the repository that holds the corpus. A JSON
Lines file is narrowed to its changed lines: only records on lines the diff adds or
modifies count as changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from copydesk import UsageError, hookimpl

STASH_KEY = "changed"
_RECORD_SOURCE = re.compile(r"^(.*):(\d+)$")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


@dataclass
class ChangedState:
    ref: str
    commit: str
    changed_files: int
    documents: set[str]
    #: real paths of changed files (load problems are matched by their source file)
    paths: set[str] = field(default_factory=set)
    out_of_scope: int = 0


def git(repo: str, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("--changed-since: git is not installed (or not on PATH)") from None


def repository_root(folder: str) -> str:
    result = git(folder, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise UsageError(f"--changed-since: {folder} is not in a git repository")
    return os.path.realpath(result.stdout.decode("utf-8", "surrogateescape").strip())


def resolve_commit(root: str, ref: str) -> str:
    if ref.startswith("-"):  # never let a ref be read as an option
        raise UsageError(f"--changed-since {ref}: not a git revision")
    result = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        raise UsageError(f"--changed-since {ref}: no such commit in the repository at {root} "
                         "(in CI, fetch enough history: actions/checkout with fetch-depth: 0)")
    return result.stdout.decode().strip()


def _split_z(output: bytes) -> list[str]:
    return [p for p in output.decode("utf-8", "surrogateescape").split("\0") if p]


def changed_files(root: str, commit: str) -> set[str]:
    """Real paths of files changed since ``commit`` (working tree included) or untracked."""
    diff = git(root, "diff", "--name-only", "-z", "--no-renames", commit, "--")
    if diff.returncode != 0:
        raise UsageError(f"--changed-since: git diff failed: {diff.stderr.decode(errors='replace').strip()}")
    untracked = git(root, "ls-files", "--others", "--exclude-standard", "-z")
    names = _split_z(diff.stdout) + (_split_z(untracked.stdout) if untracked.returncode == 0 else [])
    return {os.path.join(root, name) for name in names}


def changed_lines(root: str, commit: str, path: str) -> set[int] | None:
    """Line numbers (1-based, in the current file) that the diff adds or changes; None
    when the whole file is new (untracked or added)."""
    result = git(root, "diff", "--unified=0", "--no-renames", "--no-color", "--no-ext-diff", commit, "--", path)
    text = result.stdout.decode("utf-8", "surrogateescape")
    if result.returncode != 0 or not text:  # not in the diff: an untracked file
        return None
    if re.search(r"^new file mode", text, re.MULTILINE):
        return None
    lines: set[int] = set()
    for match in _HUNK.finditer(text):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        lines.update(range(start, start + count))
    return lines


class RealPaths:
    """``os.path.realpath`` of document sources, resolving each folder once (corpora
    hold many files per folder)."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        folder, name = os.path.split(os.path.abspath(path))
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)


def changed_documents(documents: Iterable[Any], corpus_paths: Iterable[str], ref: str) -> ChangedState:
    """The ids of documents changed since ``ref``, for corpora in one or more repositories."""
    corpus_paths = list(corpus_paths)
    roots: dict[str, str] = {}
    for corpus_path in corpus_paths:
        folder = corpus_path if os.path.isdir(corpus_path) else (os.path.dirname(corpus_path) or ".")
        if not os.path.isdir(folder):
            continue
        root = repository_root(folder)
        roots.setdefault(root, "")
    if not roots:
        raise UsageError("--changed-since: no corpus path is an existing folder or file")
    changed: set[str] = set()
    commits = []
    for root in roots:
        roots[root] = resolve_commit(root, ref)
        commits.append(roots[root])
        changed |= changed_files(root, roots[root])
    # only files inside the corpus paths matter (reports and caches may be untracked too)
    inside = [os.path.realpath(p) for p in corpus_paths]
    changed = {c for c in changed if any(c == p or c.startswith(p.rstrip(os.sep) + os.sep) for p in inside)}

    real = RealPaths()
    ids: set[str] = set()
    line_cache: dict[str, set[int] | None] = {}
    for document in documents:
        source = document.source or document.id
        match = _RECORD_SOURCE.match(source)
        is_record = match is not None and not os.path.exists(source)  # "file.jsonl:12"
        file_path = real(match.group(1) if is_record else source)
        if file_path not in changed:
            continue
        if is_record:  # a record of a JSON Lines file: changed only if its line is
            if file_path not in line_cache:
                root = next((r for r in roots if file_path.startswith(r + os.sep)), None)
                line_cache[file_path] = changed_lines(root, roots[root], file_path) if root else None
            lines = line_cache[file_path]
            if lines is not None and int(match.group(2)) not in lines:
                continue
        ids.add(document.id)
    return ChangedState(ref, ",".join(sorted(set(commits))), len(changed), ids, changed)


# ---------------------------------------------------------------------------- hooks


@hookimpl
def copydesk_add_arguments(parser):
    parser.add_argument(
        "--changed-since", metavar="GIT_REF",
        help="report only findings on documents changed since GIT_REF (git diff plus untracked files), and "
             "cross-document findings involving one; the checks still compare against the whole corpus",
    )


@hookimpl
def copydesk_session_start(session):
    ref = getattr(session.config.args, "changed_since", None)
    if not ref:
        return
    session.stash[STASH_KEY] = changed_documents(session.corpus, session.config.corpus.paths, ref)
    session.register_plugin(ChangedSuppression())
    session.register_plugin(ChangedReport())


def in_scope(state: ChangedState, finding: Any, real: RealPaths, corpus: Any) -> bool:
    if finding.document in state.documents:
        return True
    if any(related.document in state.documents for related in finding.related):
        return True
    if corpus is not None and corpus.get(finding.document) is not None:
        return False
    # a file that failed to load is no document: its finding names the file as data.source
    source = finding.data.get("source") if isinstance(finding.data, Mapping) else None
    return isinstance(source, str) and real(source) in state.paths


class ChangedSuppression:
    """Suppression of findings out of scope, registered for a run with ``--changed-since`` only
    (:meth:`Session.register_plugin`): the core asks ``copydesk_suppress_finding`` of every
    finding only when some plugin implements it."""

    @hookimpl(trylast=True)
    def copydesk_suppress_finding(self, session, finding):
        # trylast: a baseline or ignore that also covers the finding names the reason first
        state = session.stash.get(STASH_KEY)
        if state is None or in_scope(state, finding, session.stash.setdefault("changed.realpaths", RealPaths()),
                                         session.corpus):
            return None
        state.out_of_scope += 1
        return f"changed-since {state.ref}: document not changed"


class ChangedReport:
    """The report's ``run.changed_since``, registered for a run with ``--changed-since`` only: a
    ``copydesk_modify_report`` hook has the report's records decoded for it (kept_records.py)."""

    @hookimpl
    def copydesk_modify_report(self, session, report):
        state = session.stash.get(STASH_KEY)
        if state is None:
            return
        report["run"]["changed_since"] = {
            "ref": state.ref,
            "commit": state.commit,
            "changed_files": state.changed_files,
            "changed_documents": len(state.documents),
            "findings_out_of_scope": state.out_of_scope,
        }


@hookimpl
def copydesk_session_finish(session):
    state = session.stash.get(STASH_KEY)
    if state is None:
        return
    total = len(session.corpus) if session.corpus is not None else 0
    print(f"copydesk: changed since {state.ref}: {len(state.documents)} of {total} documents; "
          f"{state.out_of_scope} finding{'s' * (state.out_of_scope != 1)} on unchanged documents not reported",
          file=sys.stderr)
