"""Hostile documents: empty, one character, very large, very many, and text that looks
like markup or terminal control codes. Each ends in a valid report, and corpus text
shows as text in every registered output format (formats added later are covered too).

Sizes: the very large document is ``COPYDESK_HOSTILE_MB`` megabytes (50 by default) and
the many-files corpus ``COPYDESK_HOSTILE_FILES`` one-line files (100,000 by default);
bench/scale_bench.py measures the whole suite on 100,000 real stories and more.
"""

from __future__ import annotations

import html.parser
import json
import os
import random
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.report import validate_report
from test_parallel import _story

LARGE_MB = int(os.environ.get("COPYDESK_HOSTILE_MB", "50"))
MANY_FILES = int(os.environ.get("COPYDESK_HOSTILE_FILES", "100000"))
STORY = "The ferry resumed sailing on Tuesday after a week of storms closed the harbour.\n"


def run_json(project, *args):
    result = project.run("check", *args, "--no-cache", "-q", "-f", "json", "-o", "report.json")
    assert result.exit_code in (0, 1), result
    assert "Traceback" not in result.stderr
    assert validate_report(result.report) == []
    return result.report


# ------------------------------------------------------------------ tiny documents


def test_zero_byte_and_one_character_documents(copydesk_project):
    copydesk_project.write_corpus({"empty.txt": "", "x.txt": "x", "dot.txt": ".", "quote.txt": "“",
                                   "nl.txt": "\n", "story.txt": STORY})
    report = run_json(copydesk_project, "corpus")
    assert {d["id"] for d in report["documents"]} == {"empty.txt", "x.txt", "dot.txt", "quote.txt", "nl.txt",
                                                      "story.txt"}
    empty = {f["document"] for f in report["findings"] if f["code"] == "CD002"}
    assert empty == {"empty.txt", "nl.txt"}


def test_a_corpus_of_only_an_empty_file(copydesk_project):
    copydesk_project.write_corpus({"empty.txt": ""})
    report = run_json(copydesk_project, "corpus")
    assert [f["code"] for f in report["findings"]] == ["CD002"]


# ------------------------------------------------------------------ one large document


@pytest.fixture(scope="module")
def large_document(tmp_path_factory) -> Path:
    """A news-like document of LARGE_MB megabytes: generated stories one after another,
    each with its own vocabulary (no repeated paragraphs, which would be one finding each)."""
    root = tmp_path_factory.mktemp("large")
    rng = random.Random(50)
    target = LARGE_MB * 1_000_000
    with open(root / "large.txt", "w", encoding="utf-8") as handle:
        written, index = 0, 0
        while written < target:
            story = _story(rng, index) + "\n"
            handle.write(story)
            written += len(story)
            index += 1
    return root


def test_a_very_large_document_runs_the_default_suite(copydesk_project, large_document):
    (copydesk_project.path / "corpus").mkdir()
    (copydesk_project.path / "corpus" / "large.txt").symlink_to(large_document / "large.txt")
    (copydesk_project.path / "corpus" / "story.txt").write_text(STORY, encoding="utf-8")
    started = time.perf_counter()
    report = run_json(copydesk_project, "corpus")
    seconds = time.perf_counter() - started
    large = next(d for d in report["documents"] if d["id"] == "large.txt")
    assert large["characters"] >= LARGE_MB * 1_000_000
    print(f"\n{LARGE_MB} MB document: {seconds:.1f} s, {len(report['findings'])} findings")


# ------------------------------------------------------------------ very many files


def test_many_one_line_files(copydesk_project):
    """MANY_FILES one-line documents (100,000 by default, as in CI: about 65 s on 2 cores).
    Every document is in the report."""
    root = copydesk_project.path / "corpus"
    for shard in range(0, MANY_FILES, 1000):
        folder = root / f"s{shard // 1000:03}"
        folder.mkdir(parents=True)
        for i in range(shard, min(shard + 1000, MANY_FILES)):
            (folder / f"{i:06}.txt").write_text(f"Line {i}: the council met on day {i % 365} to vote.\n",
                                                encoding="utf-8")
    started = time.perf_counter()
    report = run_json(copydesk_project, "corpus")
    seconds = time.perf_counter() - started
    assert report["run"]["corpus"]["documents"] == MANY_FILES
    print(f"\n{MANY_FILES} one-line files: {seconds:.1f} s ({MANY_FILES / seconds:.0f} documents/s)")


# ------------------------------------------------------------------ markup-like text

SCRIPT = '<script>alert("cd-xss")</script>'
HOSTILE_TEXT = (
    f"{SCRIPT} The council met on Monday. ]]> <![CDATA[ x ]]> <b onmouseover=alert(2)>bold</b> "
    "\x1b[31mred\x1b[0m \x1b]8;;http://example.invalid\x07link\x1b]8;;\x07 \x07bell\x08back "
    "%0A::error file=x::injected {{ template }} ${env} | pipe | `code` *star* [link](javascript:alert(3)) "
    "&amp; &lt; \u202eevil\u202c \u2028next\u2029 \x85nel\x0cff\x0bvt end.\n"
)
# file names can hold markup too (not NUL or '/'); ESC and BEL are valid in Linux file names
HOSTILE_NAMES = ["<img src=x onerror=alert(1)>.txt", "a]]>b.txt", "\x1b[2Jclear.txt", "q\"'&.txt"]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ScriptFinder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A report whose findings, excerpts, messages and document ids carry hostile text."""
    from copydesk.testing import Project

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
        project = Project(tmp_path_factory.mktemp("hostile"))
        documents = {name: HOSTILE_TEXT for name in HOSTILE_NAMES}  # exact copies: DUP001 on three of them
        documents["repeat.txt"] = STORY + "\n" + HOSTILE_TEXT + "\n" + STORY + "\n" + HOSTILE_TEXT
        project.write_corpus(documents)
        report = run_json(project, "corpus")
    assert len(report["findings"]) >= 4
    return report


FORMATS = sorted(collect_registry(make_plugin_manager(autoload=False)).formats.items())


@pytest.mark.parametrize("name, formatter", FORMATS, ids=[name for name, _ in FORMATS])
def test_markup_and_control_codes_show_as_text(hostile_report, name, formatter):
    output = formatter(color=False).render(hostile_report)
    assert not CONTROL.search(output), f"{name}: raw control character {CONTROL.search(output).group()!r}"
    kind = formatter.extension
    if kind in (".json", ".sarif"):
        decoded = json.dumps(json.loads(output), ensure_ascii=False)
        assert "cd-xss" in decoded  # the text is there, as text
    elif kind == ".xml":
        root = ET.fromstring(output)  # "]]>" and control codes did not break the document
        assert "cd-xss" in "".join(root.itertext()) + json.dumps([e.attrib for e in root.iter()])
    elif kind in (".html", ".htm"):
        finder = ScriptFinder()
        finder.feed(output)
        assert not any("cd-xss" in script for script in finder.scripts), f"{name}: document text runs as script"
        assert not finder.handlers or all("onerror" not in h and "onmouseover" not in h for h in finder.handlers)
        assert SCRIPT not in output
    elif kind == ".md":
        # Markdown renders inline HTML: corpus text must not open tags
        assert SCRIPT not in output and "<img src=x" not in output
    for line in output.splitlines():
        # a document cannot start a line of its own (a CI annotation, a fake report line)
        assert not line.lstrip().startswith("::error file=x"), f"{name}: injected line {line!r}"


def test_color_output_escapes_the_document_s_own_escape_codes(hostile_report):
    registry = collect_registry(make_plugin_manager(autoload=False))
    output = registry.formats["text"](color=True).render(hostile_report)
    assert "\x1b[2J" not in output and "\x1b]8;;" not in output and "\x07" not in output
