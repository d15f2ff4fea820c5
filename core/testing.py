"""Testing helpers for plugin authors (and copydesk's own tests).

* :func:`run_check` runs one check class on an in-memory corpus and returns its
  findings, with the built-in shared analyses available.
* The ``copydesk_project`` pytest fixture (this module is a pytest plugin, loaded
  automatically once copydesk is installed) gives a temporary project with
  ``write_corpus``/``write_config`` and ``run(*args, plugins=[...])``, which runs
  the ``copydesk`` command in process and returns a :class:`RunResult`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .checks import Check
from .corpus import Corpus
from .model import Document, Finding

DocumentsLike = Mapping[str, str] | Iterable[Document]


def make_documents(documents: DocumentsLike) -> list[Document]:
    """Documents from a ``{id: text}`` mapping or an iterable of :class:`Document`."""
    if isinstance(documents, Mapping):
        return [Document(doc_id, text, source=doc_id) for doc_id, text in documents.items()]
    return list(documents)


def run_check(
    check: type[Check],
    documents: DocumentsLike,
    options: Mapping[str, Any] | None = None,
    *,
    plugins: Sequence[Any] = (),
    analysis_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Finding]:
    """Run one check on the given documents and return its findings, sorted.

    ``options`` are validated against the check's options schema, as the config
    loader would. Shared analyses from the built-in plugins (and ``plugins``) are
    available to corpus checks.
    """
    from jsonschema import Draft202012Validator

    from .manager import collect_registry, make_plugin_manager

    errors = sorted(Draft202012Validator(dict(check.options_schema)).iter_errors(dict(options or {})), key=str)
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path)
        raise ValueError(f"{check.code} options{'.' + where if where else ''}: {errors[0].message}")
    pm = make_plugin_manager(extra_plugins=plugins, autoload=False)
    registry = collect_registry(pm)
    instance = check(options)
    corpus = Corpus(make_documents(documents), registry.analyses, analysis_options)
    if check.scope() == "corpus":
        findings = list(instance.check_corpus(corpus))
    else:
        findings = [f for doc in corpus for f in instance.check_document(doc)]
    for finding in findings:
        _assert_valid_span(finding, corpus)
    return sorted(findings, key=Finding.sort_key)


def _assert_valid_span(finding: Finding, corpus: Corpus) -> None:
    doc = corpus.get(finding.document)
    assert doc is not None, f"{finding.code}: finding on unknown document {finding.document!r}"
    if finding.span is not None:
        assert finding.span.end <= len(doc.text), f"{finding.code}: span {finding.span} past the end of {doc.id}"
    for related in finding.related:
        other = corpus.get(related.document)
        assert other is not None, f"{finding.code}: related document {related.document!r} unknown"
        if related.span is not None:
            assert related.span.end <= len(other.text), f"{finding.code}: related span past the end of {other.id}"


# ------------------------------------------------------------------ project fixture


@dataclass
class RunResult:
    """What one in-process ``copydesk`` command did."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None = None
    _lines: list[str] = field(default_factory=list, repr=False)

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list((self.report or {}).get("findings", []))

    def codes(self) -> list[str]:
        return sorted({f["code"] for f in self.findings})

    def __repr__(self) -> str:
        return (
            f"<RunResult copydesk {' '.join(self.args)} -> exit {self.exit_code}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}>"
        )


class Project:
    """A temporary copydesk project: a corpus folder, a config, and a way to run."""

    def __init__(self, path: Path):
        self.path = path

    def write_corpus(self, documents: Mapping[str, str | bytes], folder: str = "corpus") -> Path:
        root = self.path / folder
        for name, content in documents.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    def write_config(self, text: str, name: str = "copydesk.yaml") -> Path:
        target = self.path / name
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        return target

    def run(self, *args: str, plugins: Sequence[Any] = ()) -> RunResult:
        """Run ``copydesk ARGS`` in this project's folder, in process."""
        from .cli import main

        stdout, stderr = io.StringIO(), io.StringIO()
        previous = Path.cwd()
        os.chdir(self.path)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(list(args), extra_plugins=plugins)
        finally:
            os.chdir(previous)
        result = RunResult(list(args), int(code), stdout.getvalue(), stderr.getvalue())
        report_path = _json_output(list(args), self.path)
        if report_path is not None and report_path.exists():
            result.report = json.loads(report_path.read_text(encoding="utf-8"))
        elif _option_values(list(args), "--format", "-f") == ["json"] and not _option_values(list(args), "--output", "-o"):
            try:
                result.report = json.loads(result.stdout)
            except ValueError:
                pass
        return result


def _option_values(args: list[str], *names: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in names]


def _json_output(args: list[str], base: Path) -> Path | None:
    """Where the JSON report of this command line went, if it went to a file."""
    formats = _option_values(args, "--format", "-f")
    outputs = _option_values(args, "--output", "-o")
    if "json" not in formats or len(outputs) != len(formats):
        return None
    target = Path(outputs[formats.index("json")])
    return target if target.is_absolute() else base / target


try:  # the fixture is only defined when pytest is there
    import pytest

    @pytest.fixture
    def copydesk_project(tmp_path: Path, monkeypatch: Any) -> Project:
        """A temporary copydesk project; see :class:`copydesk.testing.Project`."""
        monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
        monkeypatch.setenv("NO_COLOR", "1")
        return Project(tmp_path)

except ImportError:  # pragma: no cover
    pass
