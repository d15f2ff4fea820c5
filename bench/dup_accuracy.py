"""How well the reuse and same-story scores separate reuse from non-reuse, on real labelled text.

    python bench/dup_accuracy.py

Two data sets from ../shared/data (nothing here is synthetic):

* Clough & Stevenson: 95 short answers to 5 questions, each labelled ``cut``,
  ``light``, ``heavy`` (three levels of copying from the Wikipedia source) or
  ``non`` (written from scratch after reading it). Each answer is scored against
  its question's source. ROC-AUC of reuse (cut+light+heavy) against non, per-label
  mean scores, and what the ``reuse`` analysis itself links at its defaults
  (answers and sources in one corpus, as a user would run it).
* MRPC test: 1,725 news sentence pairs labelled paraphrase or not. Sentences are
  one-sentence "documents", shorter than any passage DUP003 reports, so the
  reuse score uses passages of five words or more; the story score is the TF-IDF
  cosine fitted on all the test sentences.

Scores:

* reuse: share of the shorter text covered by aligned passages (seed and extend,
  the DUP003 alignment), the ``similarity`` of a ``reused-passage`` pair;
* story: TF-IDF cosine of DUP004 (corpus-fitted);
* shingle Jaccard of DUP002 (word pairs), for comparison;
* max(reuse, story): a pair is linked when either says so.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

from copydesk import Corpus, Document
from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.plugins.dup_align import align, stem
from copydesk.plugins.dup_shingles import jaccard, shingle_hashes, words
from copydesk.plugins.dup_story import StoryIndex

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"

def reuse_defaults() -> dict:
    """The defaults of the reuse analysis, read from its schema so the figures follow them."""
    from copydesk.plugins.duplication import Reuse

    return {k: v["default"] for k, v in Reuse.options_schema["properties"].items()}


def roc_auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a positive outranks a negative (ties count half): Mann-Whitney U."""
    ranked = sorted(zip(scores, labels))
    rank_sum, i, n = 0.0, 0, len(ranked)
    while i < n:
        j = i
        while j < n and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # ranks are 1-based
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    positives = sum(labels)
    negatives = n - positives
    if not positives or not negatives:
        return float("nan")
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def stems_of(text: str) -> list[str]:
    return [stem(w) for _, _, w in words(text)]


def reuse_score(a: str, b: str, min_words: int, options: dict) -> float:
    """Share of the shorter text covered by passages aligned between ``a`` and ``b``."""
    sa, sb = stems_of(a), stems_of(b)
    if not sa or not sb:
        return 0.0
    found = align(sa, sb, seed_size=options["seed_size"], max_gap=options["max_gap"], min_words=min_words,
                  min_seeds=1 if min_words < 10 else 3)
    if len(sa) <= len(sb):
        covered, total = sum(p.a_end - p.a_start for p in found), len(sa)
    else:
        covered, total = sum(p.b_end - p.b_start for p in found), len(sb)
    return min(1.0, covered / total)


def shingle_jaccard(a: str, b: str, size: int) -> float:
    return jaccard(set(shingle_hashes([w for _, _, w in words(a)], size)),
                   set(shingle_hashes([w for _, _, w in words(b)], size)))


def report_scores(name: str, rows: list[tuple[str, dict[str, float]]], positive) -> None:
    """ROC-AUC of each score, and mean score per label."""
    labels = [positive(label) for label, _ in rows]
    print(f"\n{name}: {len(rows)} pairs, {sum(labels)} positive")
    for score in rows[0][1]:
        values = [scores[score] for _, scores in rows]
        by_label: dict[str, list[float]] = defaultdict(list)
        for (label, _), value in zip(rows, values):
            by_label[label].append(value)
        means = "  ".join(f"{label} {sum(v) / len(v):.3f}" for label, v in sorted(by_label.items()))
        print(f"  {score:<16} ROC-AUC {roc_auc(values, labels):.3f}   mean: {means}")


# ------------------------------------------------------------------------- Clough


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def clough(options: dict) -> None:
    folder = DATA / "clough" / "data"
    if not folder.is_dir():
        sys.exit(f"{folder} not found: the benchmark needs ../shared/data beside the repository")
    with open(folder / "file_information.csv", newline="") as handle:
        labels = {row["File"]: (row["Task"], row["Category"]) for row in csv.DictReader(handle)
                  if row["Category"] != "orig"}  # the sources themselves are listed too
    answers = {name: read_text(folder / name) for name in labels}
    sources = {task: read_text(folder / f"orig_task{task}.txt") for task in "abcde"}
    story = StoryIndex([*((f"orig_task{t}.txt", s) for t, s in sources.items()), *answers.items()])
    index_of = {doc_id: i for i, doc_id in enumerate(story.ids)}
    rows = []
    for name, (task, category) in sorted(labels.items()):
        source = sources[task]
        rows.append((category, {
            "reuse": reuse_score(source, answers[name], options["min_passage_words"], options),
            "story": story.cosine(index_of[f"orig_task{task}.txt"], index_of[name]),
            "jaccard(2)": shingle_jaccard(source, answers[name], options["shingle_size"]),
        }))
        rows[-1][1]["max(reuse,story)"] = max(rows[-1][1]["reuse"], rows[-1][1]["story"])
    report_scores("Clough & Stevenson, answer vs its source (positive: cut, light, heavy)", rows,
                  lambda label: label != "non")
    report_scores("Clough & Stevenson, copied (cut, light) vs rewritten (heavy) only",
                  [r for r in rows if r[0] != "non"], lambda label: label in ("cut", "light"))

    # the analysis as a user would run it: answers and sources together, default options
    registry = collect_registry(make_plugin_manager(autoload=False))
    documents = [Document(f"orig_task{t}.txt", s) for t, s in sources.items()]
    documents += [Document(name, text) for name, text in answers.items()]
    started = time.perf_counter()
    reuse = Corpus(documents, registry.analyses).analysis("reuse")
    seconds = time.perf_counter() - started
    linked_kinds: dict[str, set[str]] = defaultdict(set)
    for pair in reuse.pairs:
        for doc, other in ((pair.a, pair.b), (pair.b, pair.a)):
            if other.startswith("orig_task") and doc in labels and other == f"orig_task{labels[doc][0]}.txt":
                linked_kinds[doc].add(pair.kind)
    print(f"\n  reuse analysis at its defaults ({len(documents)} documents, {seconds:.2f} s): "
          "answers linked to their own source, by label")
    for category in ("cut", "light", "heavy", "non"):
        members = [n for n, (_, c) in labels.items() if c == category]
        linked = [n for n in members if linked_kinds.get(n)]
        kinds = defaultdict(int)
        for n in linked:
            for kind in linked_kinds[n]:
                kinds[kind] += 1
        detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "-"
        print(f"    {category:<6} {len(linked):>2}/{len(members)} linked  ({detail})")
    wrong = [p for p in reuse.pairs if p.a.startswith("orig_task") and p.b in labels
             and p.a != f"orig_task{labels[p.b][0]}.txt"]
    print(f"    answers linked to another question's source: {len(wrong)}")
    print("    (the two unlinked cut answers copy parts of the Wikipedia article that the source excerpt lacks)")


# --------------------------------------------------------------------------- MRPC


def mrpc(options: dict) -> None:
    path = DATA / "mrpc" / "msr_paraphrase_test.txt"
    if not path.is_file():
        sys.exit(f"{path} not found: the benchmark needs ../shared/data beside the repository")
    pairs = []
    with open(path, encoding="utf-8-sig") as handle:
        next(handle)  # header
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 5:
                pairs.append((fields[0] == "1", fields[3], fields[4]))
    sentences = sorted({s for _, a, b in pairs for s in (a, b)})
    story = StoryIndex([(str(i), s) for i, s in enumerate(sentences)])
    index_of = {s: i for i, s in enumerate(sentences)}
    rows = []
    for positive, a, b in pairs:
        rows.append(("paraphrase" if positive else "not", {
            "reuse(min 5)": reuse_score(a, b, 5, options),
            "story": story.cosine(index_of[a], index_of[b]),
            "jaccard(2)": shingle_jaccard(a, b, options["shingle_size"]),
        }))
    report_scores("MRPC test, sentence pairs (positive: paraphrase)", rows, lambda label: label == "paraphrase")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["clough", "mrpc"], help="run one data set")
    args = parser.parse_args()
    options = reuse_defaults()
    started = time.perf_counter()
    if args.only in (None, "clough"):
        clough(options)
    if args.only in (None, "mrpc"):
        mrpc(options)
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
