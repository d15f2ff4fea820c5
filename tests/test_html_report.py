"""The html format: escaping, highlighting by code-point offsets, the heatmap, and the
page in a real headless browser (skipped when no Chromium is installed)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from copydesk.plugins.html_report import (
    SCRIPT, STYLE, HtmlFormat, Mark, cluster_order, csp_hash, highlighted, read_text, similarity_pairs,
)
from test_ci_formats import EVIL_ID, assert_no_raw_controls, hostile_report

HOSTILE_TEXT = ("Officials said <script>alert(1)</script> was found.\n"
                "A note closes </textarea>\"'& and ]]> here.\n"
                "\x1b[31mRed\x1b[0m and \u202eevil text.\n"
                "Experts suggest the plan will fail.\n")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ without browser


def test_highlight_slices_code_points_and_escapes():
    text = "😀 a <b>copied</b> line\nnext"
    start = text.index("<b>")
    html = highlighted(text, [Mark(start, start + len("<b>copied</b>"), 0, False)],
                       [{"severity": "error", "code": "DUP001"}])
    assert '<mark class="error" data-f="0" title="DUP001">&lt;b&gt;copied&lt;/b&gt;</mark>' in html
    assert html.startswith("😀 a ") and html.endswith(" line\nnext")


def test_overlapping_spans_split_into_marks_with_both_findings():
    text = "one two three four"
    findings = [{"severity": "info", "code": "ATT003"}, {"severity": "error", "code": "DUP001"}]
    html = highlighted(text, [Mark(0, 7, 0, False), Mark(4, 13, 1, False), Mark(99, 120, 1, False)], findings)
    assert html == ('<mark class="info" data-f="0" title="ATT003">one </mark>'
                    '<mark class="error" data-f="0 1" title="ATT003; DUP001">two</mark>'
                    '<mark class="error" data-f="1" title="DUP001"> three</mark> four')


def test_read_text_only_when_the_hash_matches(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(HOSTILE_TEXT, encoding="utf-8")
    assert read_text(str(path), sha(HOSTILE_TEXT), len(HOSTILE_TEXT)) == HOSTILE_TEXT
    assert read_text(str(path), "0" * 64, len(HOSTILE_TEXT)) is None  # changed since the run
    assert read_text(str(tmp_path / "gone.txt"), sha(HOSTILE_TEXT), 10) is None
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"id": "x", "text": "first"}) + "\n" + json.dumps({"id": "y", "text": "second"}) + "\n")
    assert read_text(f"{records}:2", sha("second"), 6) == "second"


def test_page_escapes_hostile_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = hostile_report()
    page = HtmlFormat().render(report)
    assert_no_raw_controls(page)
    assert page.count("<script") == 1 and "alert(1)</script>" not in page
    assert "</textarea>" not in page and "]]>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\x1b[31mRED" in page and "\\u202eevil" in page
    # hostile ids appear only escaped, also inside attributes and the SVG
    assert "evil &lt;b&gt;&amp;\\x1b[2J, name:1.txt" in page
    assert "<b>" not in page
    # the texts are not readable here: the page says so instead of guessing
    assert "The text is not shown" in page


def test_page_highlights_text_read_from_matching_sources(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    report = hostile_report({"a.txt": "a.txt"})
    report["documents"][0].update(sha256=sha(HOSTILE_TEXT), characters=len(HOSTILE_TEXT))
    page = HtmlFormat().render(report)
    # finding 0 spans offsets 3..40 of a.txt
    expected = HOSTILE_TEXT[3:40].replace("<", "&lt;").replace(">", "&gt;")
    assert f'<mark class="error" data-f="0" title="DUP001">{expected}</mark>' in page


def test_content_security_policy_allows_only_our_style_and_script():
    page = HtmlFormat().render(hostile_report())
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy
    assert csp_hash(SCRIPT) in policy and csp_hash(STYLE) in policy
    assert f"<script>{SCRIPT}</script>" in page and f"<style>{STYLE}</style>" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_heatmap_pairs_and_cluster_order():
    report = hostile_report()
    assert similarity_pairs(report) == {tuple(sorted(("a.txt", EVIL_ID))): 0.93}
    order = cluster_order({"a", "b", "c", "d", "e"}, [("a", "c"), ("c", "e"), ("b", "d")])
    assert order == ["a", "c", "e", "b", "d"]
    page = HtmlFormat().render(report)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "similarity 0.93" in page


# ------------------------------------------------------------------- in a browser


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on PATH: the browser tests need it (apt-get install chromium)")


def browse(page: Path, tmp_path: Path, suffix: str = "", *extra: str) -> str:
    """The DOM of ``page`` after its scripts ran, from headless Chromium."""
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", *extra,
        "--dump-dom", page.as_uri() + suffix,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def hostile_page(copydesk_project):
    copydesk_project.write_corpus({
        "evil.txt": HOSTILE_TEXT,
        "evil-copy.txt": HOSTILE_TEXT.upper(),
        "calm.txt": "The council met on Tuesday. Experts suggest the vote will be close.\n",
    })
    result = copydesk_project.run("check", "corpus", "--select", "DUP001,ATT003", "-f", "html", "-o", "report.html",
                                  "-f", "json", "-o", "report.json")
    assert result.exit_code == 1, result
    codes = {f["code"]: f["severity"] for f in result.report["findings"]}
    assert codes == {"DUP001": "error", "ATT003": "info"}, result.report["findings"]
    return copydesk_project.path / "report.html", result.report


def test_browser_renders_hostile_text_as_text(hostile_page, tmp_path):
    page, report = hostile_page
    dom = browse(page, tmp_path)
    assert 'data-ready="true"' in dom  # our script ran to the end
    assert dom.count("<script") == 1  # no script element came from the corpus
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "&lt;/textarea&gt;\"'&amp; and ]]&gt; here." in dom
    assert "\\x1b[31mRed\\x1b[0m" in dom and "\\u202eevil" in dom
    total = len(report["findings"])
    assert f"Showing {total} of {total} findings" in dom
    # the ATT003 span is highlighted in the text read back from the source file
    assert re.search(r'<mark class="info" data-f="\d+" title="ATT003">Experts suggest</mark>', dom)


@pytest.mark.parametrize("suffix", ["?severity=error", "#category=duplication"])
def test_browser_filters_preselected_from_the_address(hostile_page, tmp_path, suffix):
    page, report = hostile_page
    dom = browse(page, tmp_path, suffix)
    errors = sum(f["severity"] == "error" for f in report["findings"])
    assert f"Showing {errors} of {len(report['findings'])} findings" in dom
    rows = re.findall(r"<tr data-finding=[^>]*>", dom)
    assert rows and all(('data-severity="error"' in row) != ("hidden" in row) for row in rows)
    assert re.search(r'<mark class="info off"[^>]*title="ATT003">Experts suggest</mark>', dom)
