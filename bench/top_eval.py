"""Evaluate the off-topic checks on real text (run by hand: ``python bench/top_eval.py``).

1. Reuters-21578 glue: article A with the opening paragraphs of an unrelated
   article B appended (no shared topic or place), A with a same-topic article B
   appended (a related aside), and controls (A alone). TOP001 runs on the whole
   mixed corpus; the script reports how often the cut point (the first paragraph
   of B) is found exactly and within one paragraph, the precision of the findings,
   and the false alarms on the controls.
2. Article-extraction benchmark (aeb): 181 real news pages turned into text
   lines; a line is *inside* when the gold article body contains it. The script
   reports how TOP002 (and TOP001, TOP003) findings fall inside vs outside the
   body.

Reads ``../shared/data`` relative to the repository root; writes nothing.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"

from copydesk import Severity  # noqa: E402
from copydesk.plugins.offtopic import Boilerplate, OffTopicPassage, TruncatedParagraph  # noqa: E402
from copydesk.testing import run_check  # noqa: E402

# ------------------------------------------------------------------- Reuters

_RECORD = re.compile(r"<REUTERS(.*?)</REUTERS>", re.S)
_TOPICS = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_PLACES = re.compile(r"<PLACES>(.*?)</PLACES>", re.S)
_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_D = re.compile(r"<D>(.*?)</D>")
_PARAGRAPH_START = re.compile(r"\n(?:&\\t|\t| {3,})")


def reuters_articles(limit_files: int) -> list[dict]:
    articles = []
    for path in sorted((DATA / "reuters21578" / "data").glob("reut2-*.sgm"))[:limit_files]:
        raw = path.read_text(encoding="latin-1")
        for match in _RECORD.finditer(raw):
            record = match.group(1)
            body = _BODY.search(record)
            if not body:
                continue
            text = html.unescape(body.group(1).replace("&#3;", ""))
            text = re.sub(r"\s*Reuter\s*$", "", text.strip())
            if re.search(r"\S {3,}\S", text):
                continue  # tables
            paragraphs = [" ".join(p.split()) for p in _PARAGRAPH_START.split("\n" + text) if p.strip()]
            if len(paragraphs) < 4 or sum(len(p.split()) for p in paragraphs) < 120:
                continue
            topics = set(_D.findall(_TOPICS.search(record).group(1)))
            places = set(_D.findall(_PLACES.search(record).group(1)))
            if not topics:
                continue
            articles.append({"paragraphs": paragraphs, "topics": topics, "places": places})
    return articles


def build_glued(articles: list[dict], n: int, seed: int) -> tuple[dict[str, str], dict[str, dict]]:
    rng = random.Random(seed)
    order = list(range(len(articles)))
    rng.shuffle(order)
    documents, truth = {}, {}
    used = iter(order)
    for kind in ("unrelated", "related", "control"):
        made = 0
        while made < n:
            a = articles[next(used)]
            if kind == "control":
                documents[f"{kind}-{made:04d}.txt"] = "\n".join(a["paragraphs"])
                truth[f"{kind}-{made:04d}.txt"] = {"kind": kind, "cut": None}
                made += 1
                continue
            for _ in range(200):
                b = articles[rng.randrange(len(articles))]
                if b is a:
                    continue
                shared = a["topics"] & b["topics"]
                if kind == "unrelated" and not shared and not (a["places"] & b["places"]):
                    break
                if kind == "related" and shared and b["paragraphs"][0] != a["paragraphs"][0]:
                    break
            else:
                continue
            k = min(len(b["paragraphs"]), rng.randint(2, 4))
            paragraphs = a["paragraphs"] + b["paragraphs"][:k]
            doc_id = f"{kind}-{made:04d}.txt"
            documents[doc_id] = "\n".join(paragraphs)
            truth[doc_id] = {"kind": kind, "cut": len(a["paragraphs"]), "paragraphs": len(paragraphs)}
            made += 1
    return documents, truth


def evaluate_reuters(n: int, files: int, seed: int) -> None:
    articles = reuters_articles(files)
    documents, truth = build_glued(articles, n, seed)
    started = time.perf_counter()
    findings = run_check(OffTopicPassage, documents)
    seconds = time.perf_counter() - started
    by_doc: dict[str, list] = {}
    for f in findings:
        by_doc.setdefault(f.document, []).append(f)
    print(f"Reuters-21578 glue: {len(articles)} usable articles, {n} per kind, seed {seed}; "
          f"TOP001 on {len(documents)} documents in {seconds:.1f}s")
    for level in (Severity.INFO, Severity.WARNING):
        print(f"  findings at {level} or above:")
        for kind in ("unrelated", "related", "control"):
            ids = [d for d in documents if truth[d]["kind"] == kind]
            hits = exact = near = 0
            for d in ids:
                found = [f for f in by_doc.get(d, []) if f.severity >= level]
                if not found:
                    continue
                hits += 1
                cut = truth[d]["cut"]
                if cut is not None:
                    start = found[0].data["paragraphs"][0]
                    exact += start == cut
                    near += abs(start - cut) <= 1
            line = f"    {kind:9s}: flagged {hits}/{len(ids)} ({hits / len(ids):.1%})"
            if kind != "control":
                line += (f"; cut exact {exact}/{len(ids)} ({exact / len(ids):.1%}), within one paragraph "
                         f"{near}/{len(ids)} ({near / len(ids):.1%}); precision of the cut (within one) "
                         f"{near / hits if hits else 0:.1%}")
            print(line)
        # precision over the unrelated glue and the controls: a finding is right when it
        # sits on a glued document within one paragraph of the cut
        flagged = [d for d in documents if truth[d]["kind"] in ("unrelated", "control")
                   and any(f.severity >= level for f in by_doc.get(d, []))]
        right = [d for d in flagged if truth[d]["kind"] == "unrelated"
                 and abs([f for f in by_doc[d] if f.severity >= level][0].data["paragraphs"][0] - truth[d]["cut"]) <= 1]
        print(f"    precision (unrelated glue + controls, cut within one): {len(right)}/{len(flagged)} "
              f"({len(right) / max(1, len(flagged)):.1%})")


# ------------------------------------------------------------------- aeb

_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section", "article", "header",
           "footer", "nav", "aside", "figcaption", "figure", "blockquote", "ul", "ol", "table", "title", "dt", "dd",
           "span_never"}
_SKIP = {"script", "style", "noscript", "svg", "template", "iframe", "head"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)

    def flush(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []


def page_text(raw: bytes) -> str:
    parser = _Text()
    parser.feed(raw.decode("utf-8", "replace"))
    parser.flush()
    return "\n".join(parser.lines)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def evaluate_aeb(limit: int) -> None:
    gold = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    documents, bodies = {}, {}
    for key in sorted(gold)[:limit]:
        path = DATA / "aeb" / "html" / f"{key}.html.gz"
        if not path.exists():
            continue
        documents[f"{key[:12]}.txt"] = page_text(gzip.decompress(path.read_bytes()))
        bodies[f"{key[:12]}.txt"] = _fold(gold[key]["articleBody"].rstrip(". …"))
    lines_inside = lines_outside = 0
    inside_of: dict[tuple[str, int], bool] = {}
    from copydesk import Document

    for doc_id, text in documents.items():
        doc = Document(doc_id, text)
        for p in doc.paragraphs:
            folded = _fold(p.text)
            inside = bool(folded) and folded in bodies[doc_id]
            inside_of[(doc_id, p.span.start)] = inside
            lines_inside += inside
            lines_outside += not inside
    print(f"aeb: {len(documents)} pages, {lines_inside + lines_outside} text lines "
          f"({lines_inside} inside the gold body, {lines_outside} outside)")

    def where(finding, doc_text):
        # the line holding the finding's start
        start = doc_text.rfind("\n", 0, finding.span.start) + 1
        return inside_of.get((finding.document, start))

    for check in (Boilerplate, TruncatedParagraph, OffTopicPassage):
        started = time.perf_counter()
        findings = [f for f in run_check(check, documents) if f.span is not None]
        seconds = time.perf_counter() - started
        counts = {"inside": 0, "outside": 0}
        kinds: dict[str, list[int]] = {}
        for f in findings:
            inside = where(f, documents[f.document])
            key = "inside" if inside else "outside"
            counts[key] += 1
            kind = f.data.get("kind", str(f.severity))
            kinds.setdefault(kind, [0, 0])[0 if inside else 1] += 1
        total = max(1, len(findings))
        print(f"  {check.code} {check.name}: {len(findings)} findings in {seconds:.1f}s; outside the body "
              f"{counts['outside']} ({counts['outside'] / total:.1%}), inside {counts['inside']} ({counts['inside'] / total:.1%})")
        for kind, (i, o) in sorted(kinds.items()):
            print(f"      {kind:11s} outside {o:5d}  inside {i:4d}")
        if check is OffTopicPassage:
            # share of the flagged characters that lie outside the gold body
            out_chars = all_chars = 0
            for f in findings:
                text = documents[f.document]
                for p in Document(f.document, text).paragraphs:
                    if p.span.overlaps(f.span):
                        all_chars += len(p.text)
                        out_chars += len(p.text) * (not inside_of.get((f.document, p.span.start), False))
            print(f"      characters of flagged runs outside the body: {out_chars}/{all_chars} "
                  f"({out_chars / max(1, all_chars):.1%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="glued documents per kind")
    parser.add_argument("--files", type=int, default=6, help="Reuters .sgm files to read")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--aeb", type=int, default=181, help="aeb pages to read")
    parser.add_argument("--skip-reuters", action="store_true")
    parser.add_argument("--skip-aeb", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return 2
    if not args.skip_reuters:
        evaluate_reuters(args.n, args.files, args.seed)
    if not args.skip_aeb:
        evaluate_aeb(args.aeb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
