"""Evaluate the attribution checks (ATT001, ATT003, ATT004) on real news.

Run by hand from the repository root: ``python bench/att_eval.py``. Reads
``../shared/data`` (never copied into the repository):

* PolNeAR (``polnear/data/{train,dev,test}``): 1,008 US political news articles with
  annotated attribution relations (brat ``.ann``: Source, Cue, Content; relations
  annotated ``Attribution-no-source`` have no source). ATT001 is measured on the
  quotations the shared text model finds: a quotation is *attributed* in the gold
  when an annotated Content span with a Source covers it, *unattributed* when the
  only Content spans covering it have no Source. Precision and recall of ATT001 are
  computed against the unattributed ones, and its false-positive rate on the
  attributed ones. Quotations no relation covers are counted apart.
* ATT003 and ATT004 have no gold labels here; their rate of findings is reported on
  the wire copy of Reuters-21578 (clean, well-attributed agency news: every finding
  is counted against the check) and on PolNeAR, with a sample of findings printed
  for reading (``--show N``).

Per-document cost is reported as mean milliseconds per document for all three
checks together on a warm text model.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from copydesk import Document
from copydesk.plugins.att_document import view_of
from copydesk.plugins.att_quotes import attribute_quotations
from copydesk.plugins.attribution import DanglingReference, UnattributedQuote, VagueSource

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


# ------------------------------------------------------------------------- PolNeAR


@dataclass
class Relation:
    content: list[tuple[int, int]]
    has_source: bool


def parse_ann(text: str) -> list[Relation]:
    spans: dict[str, list[tuple[int, int]]] = {}
    relations = []
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2:
            ident, middle = fields[:2]
            kind, _, offsets = middle.partition(" ")
            spans[ident] = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
        elif line.startswith("E") and len(fields) >= 2:
            args = fields[1]
            parts = dict(a.split(":", 1) for a in args.split())
            has_source = "Source" in parts and not any(k.startswith("Attribution-no-source") for k in parts)
            content = [s for key, ident in parts.items() if key.startswith("Content") for s in spans.get(ident, [])]
            relations.append(Relation(content, has_source))
    return relations


def polnear_documents(limit: int | None = None):
    base = DATA / "polnear" / "data"
    for split in ("train", "dev", "test"):
        texts = sorted((base / split / "text").glob("*.txt"))
        for path in texts:
            anns = sorted((base / split / "attributions").glob(path.stem + "_*.ann"))
            if not anns:
                continue
            text = path.read_text(encoding="utf-8")
            yield Document(f"{split}/{path.name}", text), parse_ann(anns[0].read_text(encoding="utf-8"))
            if limit is not None:
                limit -= 1
                if limit <= 0:
                    return


def gold_label(quotation, relations: list[Relation]) -> str:
    start, end = quotation.content.start, quotation.content.end
    covering = []
    for relation in relations:
        overlap = sum(max(0, min(end, e) - max(start, s)) for s, e in relation.content)
        if overlap >= 0.5 * (end - start):
            covering.append(relation)
    if not covering:
        return "unannotated"
    return "attributed" if any(r.has_source for r in covering) else "no-source"


def evaluate_att001(show: int, seed: int, previous_paragraph_cue: bool = False) -> None:
    counts: Counter[tuple[str, bool]] = Counter()
    examples: dict[tuple[str, bool], list[str]] = {}
    for document, relations in polnear_documents():
        for result in attribute_quotations(view_of(document), previous_paragraph_cue=previous_paragraph_cue):
            if not result.checked:
                continue
            label = gold_label(result.quotation, relations)
            flagged = result.status == "unattributed"
            counts[label, flagged] += 1
            context = document.text[max(0, result.quotation.span.start - 120) : result.quotation.span.end + 120]
            examples.setdefault((label, flagged), []).append(f"{document.id}: …{' '.join(context.split())}…")
    fp, tn = counts["attributed", True], counts["attributed", False]
    tp = counts["no-source", True] + counts["unannotated", True]
    fn = counts["no-source", False] + counts["unannotated", False]
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print("ATT001 unattributed-quote on PolNeAR quotations (>= 4 words, titles and named phrases skipped), "
          f"previous_paragraph_cue={previous_paragraph_cue}")
    print(f"  gold attributed (a Source is annotated):  {fp + tn:5d} quotations, flagged {fp:4d}"
          f"  -> false-positive rate {fp / max(1, fp + tn):.3f}")
    for label in ("no-source", "unannotated"):
        total = counts[label, True] + counts[label, False]
        print(f"  gold {label:12s}:                      {total:5d} quotations, flagged {counts[label, True]:4d}")
    print(f"  no annotated source (both above):          {tp + fn:5d} quotations, flagged {tp:4d}  -> recall {recall:.3f}")
    print(f"  precision: {precision:.3f}   (flagged {tp + fp}: {tp} with no annotated source, {fp} attributed)")
    rng = random.Random(seed)
    for key in (("attributed", True), ("no-source", True), ("no-source", False), ("unannotated", True)):
        sample = examples.get(key, [])
        if show and sample:
            print(f"\n  sample of gold={key[0]} flagged={key[1]}:")
            for line in rng.sample(sample, min(show, len(sample))):
                print("   ", line[:400])


# A paragraph that is one quote with a plain attribution tail: “...,” Smith said.
_ATTRIBUTED_PARAGRAPH = re.compile(
    r"^([“\"])([^“”\"]{20,}?)[,.!?]?([”\"])\s+(?:[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3}|he|she)\s+"
    r"(?:said|says|added|told [^.]+|wrote|explained|insisted)[^“”\"]*\.$"
)


def evaluate_stripped_attribution(previous_paragraph_cue: bool = False) -> None:
    """Recall on real quotes whose attribution is removed (a synthetic, but realistic, miss).

    Each paragraph of PolNeAR that is exactly one quote and an attribution tail
    (“...,” Smith said.) is rewritten as the bare quote; ATT001 should then report it,
    unless the paragraph before carries an attributed quote (news style then reads the
    bare quote as the same speaker's, and so does ATT001).
    """
    flagged = continued = total = 0
    for document, _ in polnear_documents():
        paragraphs = document.text.split("\n")
        for i, paragraph in enumerate(paragraphs):
            match = _ATTRIBUTED_PARAGRAPH.match(paragraph.strip())
            if not match:
                continue
            stripped = f"{match.group(1)}{match.group(2)}.{match.group(3)}"
            text = "\n".join(paragraphs[:i] + [stripped] + paragraphs[i + 1 :])
            start = sum(len(p) + 1 for p in paragraphs[:i])
            results = attribute_quotations(
                view_of(Document(document.id + "#stripped", text)), previous_paragraph_cue=previous_paragraph_cue
            )
            mine = [r for r in results if r.quotation.span.start == start and r.checked]
            if not mine:
                continue
            total += 1
            if mine[0].status == "unattributed":
                flagged += 1
            elif "continues" in mine[0].how:
                continued += 1
    print(f"ATT001 (previous_paragraph_cue={previous_paragraph_cue}) on {total} real quotes with their "
          f"attribution tail removed: flagged {flagged} "
          f"({flagged / max(1, total):.1%}); {continued} more read as continuing the previous "
          f"paragraph's attributed quote; recall on the rest {flagged / max(1, total - continued):.1%}")


# ------------------------------------------------------------------- Reuters-21578

_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)


def reuters_documents(limit: int):
    paths = sorted((DATA / "reuters21578" / "data").glob("reut2-*.sgm"))
    count = 0
    for path in paths:
        raw = path.read_text(encoding="latin-1")
        for i, match in enumerate(_BODY.finditer(raw)):
            body = html.unescape(match.group(1)).replace("\x03", "").strip()
            body = re.sub(r"\s*Reuter\s*$", "", body)
            # wire copy is hard-wrapped at 80 columns; this copy marks paragraphs with a
            # literal "&\t" (or an indent)
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n?&\\t|\n[ \t]+(?=\S)", body)]
            text = "\n".join(p for p in paragraphs if p)
            if len(text.split()) < 80:
                continue  # short items (tables, one-line briefs)
            yield Document(f"{path.stem}/{i}", text)
            count += 1
            if count >= limit:
                return


def rate(name: str, documents, show: int, seed: int) -> None:
    checks = [VagueSource(), DanglingReference()]
    per_code: Counter[str] = Counter()
    flagged_docs: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    words = 0
    n = 0
    for document in documents:
        n += 1
        words += len(document.text.split())
        for check in checks:
            findings = list(check.check_document(document))
            per_code[check.code] += len(findings)
            if findings:
                flagged_docs[check.code] += 1
            for f in findings:
                context = document.text[max(0, f.span.start - 80) : f.span.end + 80]
                samples.setdefault(check.code, []).append(
                    f"{document.id}: [{document.text[f.span.start:f.span.end]}] …{' '.join(context.split())}…"
                )
    print(f"\n{name}: {n} documents, {words} words")
    for check in checks:
        code = check.code
        print(
            f"  {code} {check.name}: {per_code[code]} findings, {flagged_docs[code]} documents flagged "
            f"({flagged_docs[code] / max(1, n):.1%}), {1000 * per_code[code] / max(1, words):.2f} per 1,000 words"
        )
    rng = random.Random(seed)
    for code, lines in sorted(samples.items()):
        if show:
            print(f"  sample of {code} findings:")
            for line in rng.sample(lines, min(show, len(lines))):
                print("   ", line[:300])


def timing(documents) -> None:
    checks = [UnattributedQuote(), VagueSource(), DanglingReference()]
    docs = list(documents)
    started = time.perf_counter()
    for document in docs:
        # a fresh Document so the text model is built inside the timing
        fresh = Document(document.id + "#t", document.text)
        for check in checks:
            list(check.check_document(fresh))
    elapsed = time.perf_counter() - started
    words = statistics.mean(len(d.text.split()) for d in docs)
    print(f"\ncost: {1000 * elapsed / len(docs):.2f} ms per document (mean {words:.0f} words), "
          "ATT001+ATT003+ATT004 including the text model")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print N sample findings of each kind")
    parser.add_argument("--reuters", type=int, default=2000, help="how many Reuters-21578 stories to read")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not (DATA / "polnear").is_dir():
        print(f"no data at {DATA}: this benchmark needs ../shared/data beside the repository", file=sys.stderr)
        return 2
    for lenient in (False, True):
        evaluate_att001(args.show if not lenient else 0, args.seed, lenient)
        evaluate_stripped_attribution(lenient)
        print()
    rate("Reuters-21578 wire stories (clean agency copy)", reuters_documents(args.reuters), args.show, args.seed)
    rate("PolNeAR news articles", (d for d, _ in polnear_documents()), args.show, args.seed)
    timing(d for d, _ in polnear_documents(300))
    return 0


if __name__ == "__main__":
    sys.exit(main())
