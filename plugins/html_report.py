"""The ``html`` output format: one self-contained page to read a report in a browser.

The page holds everything inline (CSS, JS, an SVG picture of the corpus) and loads
nothing at view time; a Content-Security-Policy with hashes of our own style and
script stops anything else from running even if some text slipped through. All
corpus text is escaped with :func:`html.escape` after control characters have been
made visible.

The report carries offsets but not the texts. To highlight spans the page reads a
document from its ``source`` when that is a readable file (or a JSON Lines record)
whose SHA-256 matches the report; otherwise it shows the excerpts only.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk import Formatter, hookimpl
from copydesk.plugins.ci_formats import checks_by_code, visible
from copydesk.plugins.formats import TextFormat

SEVERITIES = ("error", "warning", "info")
#: documents shown in the similarity heatmap (the most connected ones)
MAX_HEATMAP = 60


def esc(text: Any, newlines: bool = False) -> str:
    """Untrusted text as inert HTML (quotes too, so it is safe in attributes)."""
    return html.escape(visible(str(text).replace("\r\n", "\n"), newlines=newlines), quote=True)


# ------------------------------------------------------------------ document texts


def read_text(source: str, sha256: str, characters: int) -> str | None:
    """The document text from its source, if it is there and unchanged since the run."""
    path, record = Path(source), None
    match = re.fullmatch(r"(.+):(\d+)", source)
    if match and not path.is_file():
        path, record = Path(match.group(1)), int(match.group(2))
    try:
        if record is None:
            # the file cannot hold the text if it is bigger than 4 bytes a character and a BOM
            if path.stat().st_size > 4 * characters + 3:
                return None
            candidates = _decodings(path.read_bytes())
        else:
            candidates = _record_strings(path, record)
    except (OSError, ValueError):
        return None
    for text in candidates:
        if hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() == sha256:
            return text
    return None


def _decodings(raw: bytes) -> list[str]:
    texts = []
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            texts.append(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    return texts


def _record_strings(path: Path, number: int) -> list[str]:
    """The string fields of line ``number`` of a JSON Lines file."""
    with path.open("rb") as handle:
        for index, line in enumerate(handle, start=1):
            if index == number:
                record = json.loads(line)
                return [v for v in record.values() if isinstance(v, str)] if isinstance(record, dict) else []
    return []


# --------------------------------------------------------------------- highlights


@dataclass
class Mark:
    start: int
    end: int
    finding: int
    related: bool  # the other side of a finding, not the flagged text itself


@dataclass
class DocumentView:
    index: int
    entry: dict[str, Any]
    rows: list[int] = field(default_factory=list)  # indices of its findings
    marks: list[Mark] = field(default_factory=list)
    referenced_by: list[int] = field(default_factory=list)  # findings elsewhere that point here

    @property
    def shown(self) -> bool:
        return bool(self.rows or self.marks or self.referenced_by)


def highlighted(text: str, marks: list[Mark], findings: list[dict[str, Any]]) -> str:
    """The text as HTML with each stretch covered by spans wrapped in one ``<mark>``."""
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    starting: dict[int, list[Mark]] = defaultdict(list)
    for mark in marks:
        starting[mark.start].append(mark)
    active: list[Mark] = []
    out = []
    for left, right in zip(cuts, cuts[1:]):
        active = [m for m in active if m.end > left] + starting.get(left, [])
        piece = esc(text[left:right], newlines=True)
        if not active:
            out.append(piece)
            continue
        own = [m for m in active if not m.related]
        severity = min((findings[m.finding]["severity"] for m in own), key=SEVERITIES.index, default="rel")
        ids = " ".join(str(m.finding) for m in active)
        title = "; ".join(f"{findings[m.finding]['code']}{' (related)' if m.related else ''}" for m in active)
        out.append(f'<mark class="{severity}" data-f="{ids}" title="{esc(title)}">{piece}</mark>')
    return "".join(out)


# ------------------------------------------------------------------------ heatmap


def similarity_pairs(report: dict[str, Any]) -> dict[tuple[str, str], float | None]:
    """The highest similarity between each related pair of documents."""
    pairs: dict[tuple[str, str], float | None] = {}
    for finding in report["findings"]:
        for rel in finding["related"]:
            if rel["document"] == finding["document"]:
                continue
            key = tuple(sorted((finding["document"], rel["document"])))
            old, new = pairs.get(key), rel.get("similarity")
            pairs[key] = new if old is None else old if new is None else max(old, new)
    return pairs


def heatmap(report: dict[str, Any], anchors: dict[str, str]) -> str:
    pairs = similarity_pairs(report)
    if not pairs:
        return '<p class="muted">No finding relates two documents.</p>'
    degree: dict[str, int] = defaultdict(int)
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    chosen = set(sorted(degree, key=lambda d: (-degree[d], d))[:MAX_HEATMAP])
    order = cluster_order(chosen, [p for p in pairs if p[0] in chosen and p[1] in chosen])
    cell = max(9, min(22, 640 // len(order)))
    label_width, top = 230, 34
    size = cell * len(order)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + size + 10}" height="{top + size + 10}" '
             f'role="img" aria-label="document similarity heatmap">']
    for i, doc in enumerate(order):
        y = top + i * cell
        parts.append(f'<a href="#{anchors[doc]}"><text x="{label_width - 6}" y="{y + cell * 0.75:.1f}" '
                     f'text-anchor="end" class="lbl">{i + 1}. {esc(shorten(doc, 30))}<title>{esc(doc)}</title></text></a>')
        parts.append(f'<text x="{label_width + i * cell + cell / 2:.1f}" y="{top - 6}" text-anchor="middle" '
                     f'class="lbl">{i + 1}</text>')
        for j, other in enumerate(order):
            key = tuple(sorted((doc, other)))
            fill, tip = ("#e5e7eb", "") if i == j else ("#f8fafc", "")
            if key in pairs:
                similarity = pairs[key]
                fill = shade(similarity)
                tip = f"<title>{esc(doc)} / {esc(other)}: {'related' if similarity is None else f'similarity {similarity:.2f}'}</title>"
            parts.append(f'<rect x="{label_width + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{fill}">{tip}</rect>')
    parts.append("</svg>")
    note = (f'<p class="muted">The {MAX_HEATMAP} most connected of {len(degree)} related documents.</p>'
            if len(degree) > MAX_HEATMAP else "")
    legend = '<p class="muted">Each cell is a pair of documents a finding relates; darker is more similar, grey has no similarity figure. Click a name to go to the document.</p>'
    return legend + "".join(parts) + note


def cluster_order(documents: set[str], pairs: list[tuple[str, str]]) -> list[str]:
    """Documents grouped by connected component (largest first), so clusters show as blocks."""
    parent = {d: d for d in documents}

    def root(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for doc in sorted(documents):
        groups[root(doc)].append(doc)
    return [d for group in sorted(groups.values(), key=lambda g: (-len(g), g[0])) for d in group]


def shade(similarity: float | None) -> str:
    """Light to dark blue with similarity; grey when a relation has no similarity."""
    if similarity is None:
        return "#9ca3af"
    value = max(0.0, min(1.0, similarity))
    return f"hsl(214, 80%, {round(92 - 60 * value)}%)"


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- page

STYLE = """
:root{--err:#b91c1c;--warn:#b45309;--info:#1d4ed8;--line:#e5e7eb;--muted:#6b7280}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:16px 28px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#d1d5db}
main{padding:20px 28px;max-width:1200px}
section.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 8px;word-break:break-all}
.muted{color:var(--muted)}
#filters{display:flex;flex-wrap:wrap;gap:12px 28px;align-items:flex-start}
#filters fieldset{border:0;padding:0;margin:0}
#filters legend{font-weight:600;font-size:13px;text-transform:uppercase;color:var(--muted)}
#filters label{display:inline-block;margin:2px 10px 2px 0;white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-top:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;color:var(--muted);border-top:0}
td.where{white-space:nowrap;color:var(--muted)}
td.check{white-space:nowrap}
.sev{font-weight:600;font-size:12px;padding:1px 6px;border-radius:9px;color:#fff}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}.sev.info{background:var(--info)}
q{quotes:none;background:#f3f4f6;padding:0 3px;border-radius:3px}
pre.text{white-space:pre-wrap;word-wrap:break-word;font:14px/1.6 ui-serif,Georgia,"Times New Roman",serif;background:#fcfcfd;border:1px solid var(--line);border-radius:6px;padding:12px 14px;max-height:34em;overflow:auto;margin:10px 0 0}
mark{border-radius:2px;padding:0 1px;color:inherit}
mark.error{background:#fecaca;box-shadow:inset 0 -2px var(--err)}
mark.warning{background:#fde68a;box-shadow:inset 0 -2px var(--warn)}
mark.info{background:#bfdbfe;box-shadow:inset 0 -2px var(--info)}
mark.rel{background:#e0e7ff;box-shadow:inset 0 -2px #6366f1}
mark.off{background:none;box-shadow:none}
svg .lbl{font-size:11px;fill:#374151}
svg a:hover .lbl{fill:#1d4ed8;text-decoration:underline}
a{color:#1d4ed8}
"""

SCRIPT = """
(function () {
  "use strict";
  var facets = ["severity", "category", "code"];
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-facet]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-finding]"));
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark[data-f]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section[data-document]"));
  var counter = document.getElementById("shown");

  // ?severity=error,warning&code=DUP001 (or the same after #) preselects the filters
  function preselect() {
    var query = new URLSearchParams(location.search.slice(1) + "&" + location.hash.slice(1));
    facets.forEach(function (facet) {
      if (!query.has(facet)) { return; }
      var wanted = query.getAll(facet).join(",").split(",");
      boxes.forEach(function (box) {
        if (box.dataset.facet === facet) { box.checked = wanted.indexOf(box.value) !== -1; }
      });
    });
  }

  function apply() {
    var on = {};
    facets.forEach(function (facet) { on[facet] = {}; });
    boxes.forEach(function (box) { if (box.checked) { on[box.dataset.facet][box.value] = true; } });
    var shown = {}, count = 0;
    rows.forEach(function (row) {
      var ok = on.severity[row.dataset.severity] && on.category[row.dataset.category] && on.code[row.dataset.code];
      row.hidden = !ok;
      if (ok) { shown[row.dataset.finding] = true; count += 1; }
    });
    marks.forEach(function (mark) {
      var ok = mark.dataset.f.split(" ").some(function (i) { return shown[i]; });
      mark.classList.toggle("off", !ok);
    });
    // a document stays when one of its findings, or a finding pointing at it, is shown
    sections.forEach(function (section) {
      var pointed = section.dataset.document.split(" ").some(function (i) { return shown[i]; });
      section.hidden = !pointed && !section.querySelector("tr[data-finding]:not([hidden]), mark[data-f]:not(.off)");
    });
    counter.textContent = "Showing " + count + " of " + rows.length + " findings";
  }

  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  window.addEventListener("hashchange", function () { preselect(); apply(); });
  preselect();
  apply();
  document.documentElement.setAttribute("data-ready", "true");
})();
"""


def csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


class HtmlFormat(Formatter):
    """One self-contained HTML page: findings highlighted in the texts, filters, a corpus heatmap."""

    name = "html"
    extension = ".html"
    description = "a self-contained HTML page: highlighted texts, filters, similarity heatmap"

    def render(self, report: dict[str, Any]) -> str:
        findings = report["findings"]
        views = self.document_views(report)
        anchors = {view.entry["id"]: f"doc-{view.index}" for view in views.values()}
        policy = (f"default-src 'none'; style-src {csp_hash(STYLE)}; script-src {csp_hash(SCRIPT)}; "
                  "img-src data:; base-uri 'none'; form-action 'none'")
        shown = [v for v in views.values() if v.shown]
        body = [
            self.header(report),
            "<main>",
            f'<section class="card">{self.filters(report)}<p id="shown" class="muted">{len(findings)} findings</p></section>',
            f'<section class="card"><h2>Corpus: related documents</h2>{heatmap(report, anchors)}</section>',
            *(self.document_section(report, view, anchors) for view in shown),
            "</main>",
        ]
        if not findings:
            body.insert(2, '<section class="card"><p>No findings.</p></section>')
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>copydesk report</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body)
            + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
        )

    @staticmethod
    def document_views(report: dict[str, Any]) -> dict[str, DocumentView]:
        views = {d["id"]: DocumentView(i, d) for i, d in enumerate(report["documents"])}
        for number, finding in enumerate(report["findings"]):
            view = views.setdefault(finding["document"], DocumentView(len(views), {"id": finding["document"]}))
            view.rows.append(number)
            if finding["span"]:
                view.marks.append(Mark(finding["span"]["start"], finding["span"]["end"], number, False))
            for rel in finding["related"]:
                other = views.setdefault(rel["document"], DocumentView(len(views), {"id": rel["document"]}))
                other.referenced_by.append(number)
                if rel.get("span"):
                    other.marks.append(Mark(rel["span"]["start"], rel["span"]["end"], number, True))
        return views

    @staticmethod
    def header(report: dict[str, Any]) -> str:
        run = report["run"]
        return (f"<header><h1>copydesk report</h1><p>{esc(TextFormat.summary_line(report))} "
                f"copydesk {esc(report['tool']['version'])}, {esc(run['started_at'])}, {run['duration_s']:.1f} s.</p></header>")

    @staticmethod
    def filters(report: dict[str, Any]) -> str:
        summary = report["summary"]
        names = {code: check["name"] for code, check in checks_by_code(report).items()}
        facets = [
            ("severity", "Severity", [(s, s, summary["by_severity"][s]) for s in SEVERITIES if s in summary["by_severity"]]),
            ("category", "Category", [(c, c, n) for c, n in summary["by_category"].items()]),
            ("code", "Check", [(c, f"{c} {names.get(c, '')}", n) for c, n in summary["by_code"].items()]),
        ]
        out = ['<div id="filters">']
        for facet, legend, values in facets:
            out.append(f"<fieldset><legend>{legend}</legend>")
            for value, label, count in values:
                out.append(f'<label><input type="checkbox" data-facet="{facet}" value="{esc(value)}" checked> '
                           f'{esc(label)} <span class="muted">({count})</span></label>')
            out.append("</fieldset>")
        out.append("</div>")
        return "".join(out)

    def document_section(self, report: dict[str, Any], view: DocumentView, anchors: dict[str, str]) -> str:
        entry = view.entry
        text = None
        if entry.get("source") and entry.get("sha256"):
            text = read_text(entry["source"], entry["sha256"], entry.get("characters", 0))
        findings = report["findings"]
        source = f' <span class="muted">{esc(entry["source"])}</span>' if entry.get("source") not in (None, "", entry["id"]) else ""
        referenced_by = " ".join(map(str, view.referenced_by))
        out = [f'<section class="card" id="{anchors[entry["id"]]}" data-document="{referenced_by}">'
               f'<h2>{esc(entry["id"])}{source}</h2>']
        if view.rows:
            out.append("<table><tr><th>Severity</th><th>Check</th><th>Where</th><th>Finding</th></tr>")
            out += [self.finding_row(findings[n], n, anchors) for n in view.rows]
            out.append("</table>")
        if text is not None:
            out.append(f'<pre class="text" dir="auto">{highlighted(text, view.marks, findings)}</pre>')
        elif view.marks:
            out.append('<p class="muted">The text is not shown: its source is not readable here or has changed since the run.</p>')
        out.append("</section>")
        return "\n".join(out)

    @staticmethod
    def finding_row(finding: dict[str, Any], number: int, anchors: dict[str, str]) -> str:
        span = finding["span"]
        where = f"{span['line']}:{span['column']}" if span else "whole text"
        detail = [esc(finding["message"])]
        if finding["excerpt"]:
            detail.append(f"<br><q>{esc(finding['excerpt'])}</q>")
        if finding.get("suggestion"):
            detail.append(f"<br>Suggestion: <q>{esc(finding['suggestion'])}</q>")
        for rel in finding["related"]:
            similarity = f" (similarity {rel['similarity']:.2f})" if rel.get("similarity") is not None else ""
            target = anchors.get(rel["document"])
            name = esc(rel["document"])
            link = f'<a href="#{target}">{name}</a>' if target else name
            detail.append(f"<br>Related: {link}{similarity}")
        severity = esc(finding["severity"])
        return (f'<tr data-finding="{number}" data-severity="{severity}" data-category="{esc(finding["category"])}" '
                f'data-code="{esc(finding["code"])}"><td><span class="sev {severity}">{severity}</span></td>'
                f'<td class="check">{esc(finding["code"])}<br><span class="muted">{esc(finding["check"])}</span></td>'
                f'<td class="where">{where}</td><td>{"".join(detail)}</td></tr>')


@hookimpl
def copydesk_register_formats():
    return [HtmlFormat]
