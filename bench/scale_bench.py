"""The whole default suite at scale: documents/second, peak memory, where the time goes.

    python bench/scale_bench.py                        # 10k, 100k and 1M documents
    python bench/scale_bench.py --n 10000 --executor local --executor ray
    python bench/scale_bench.py --pairs --n 100000 --n 1000000   # cross-document work only

For each size N the corpus of ``bench/dup_bench.py`` is written as one JSONL file
(Reuters-21578 bodies, real, then re-sampled synthetic stories and planted
near-copies beyond 19,043: see that script), and ``copydesk check`` runs on it in a
fresh process with the default config, ``--jobs 2`` and no cache, once per executor
(``local``: the core runner's worker processes; ``ray``: ``--executor ray``, which
needs ``pip install 'copydesk[ray]'``). Printed per run: wall time, documents per
second, the peak resident memory of the largest process (the run or one of its
workers), and the share of time of the slowest checks and analyses (summed over
workers, so shares of CPU time, not of wall time).

With ``--pairs`` nothing is checked: for each N it counts the candidate pairs the
reuse analysis would compare (passage candidates: pairs sharing sampled seeds; same-story
candidates: pairs sharing distinctive terms) and how many partners a document has. The
cross-document checks (alignment, TRN002, ATT002, DUP003) do work per candidate pair, so
this is how their cost grows with N, measured in minutes where the whole suite takes hours.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dup_bench import build_corpus  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)


def write_jsonl(path: Path, n: int) -> int:
    docs, _, synthetic, _ = build_corpus(n)
    with open(path, "w", encoding="utf-8") as handle:
        for doc_id, text in docs:
            handle.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    return synthetic


def pair_growth(n: int, jobs: int) -> str:
    """One line: the reuse analysis's candidate pairs on the N-document corpus, per document."""
    import time
    from array import array

    from copydesk.plugins.dup_batch import all_features
    from copydesk.plugins.dup_pairs import pairs_sharing
    from copydesk.plugins.dup_story import StoryIndex, term_features
    from copydesk.plugins.duplication import Reuse
    from copydesk.runner import make_mapper

    started = time.perf_counter()
    docs, _, synthetic, _ = build_corpus(n)
    texts = [text for _, text in docs]
    del docs
    o = Reuse().options
    mapper = make_mapper(jobs) or map
    features = all_features(mapper, texts, (o["shingle_size"], o["num_perm"], o["seed_size"], o["seed_sample"]))
    seeds = [array("Q", found) for _, found in features]
    del features
    partners = [0] * n
    passages = 0
    for i, j in pairs_sharing(seeds, o["min_shared_seeds"], o["max_seed_documents"]):
        partners[i] += 1
        partners[j] += 1
        passages += 1
    del seeds
    story = StoryIndex([(str(i), "") for i in range(n)], features=list(mapper(term_features, texts)))
    stories = sum(1 for _ in story.candidate_pairs())
    ranked = sorted(partners)
    return (f"{n:>10} {passages:>11} {passages / n:>7.2f} {ranked[n // 2]:>4} {ranked[int(n * 0.99)]:>4} "
            f"{ranked[-1]:>4} {stories:>11} {stories / n:>7.2f} {synthetic / n:>6.0%} "
            f"{time.perf_counter() - started:>6.0f}s")


def measured(command: list[str], folder: Path) -> tuple[float, float]:
    """Run ``command`` in ``folder`` in a child process: (seconds, peak MB of its largest process)."""
    # ru_maxrss of children is the largest child's peak; a fresh helper process per run
    # keeps runs from sharing that maximum
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "seconds = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(done.returncode, seconds, peak); sys.stderr.write(done.stderr[-3000:])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], cwd=folder, capture_output=True, text=True)
    code, seconds, peak = done.stdout.split()
    if int(code) != 0:
        sys.exit(f"copydesk failed: {done.stderr}")
    return float(seconds), float(peak)


def run_once(folder: Path, executor: str, jobs: int) -> dict:
    """One ``copydesk check`` in a child process: (seconds, peak MB, report)."""
    command = [sys.executable, "-m", "copydesk", "check", "corpus.jsonl", "--no-cache", "--exit-zero", "-q",
               "--jobs", str(jobs), "--format", "json", "--output", "report.json"]
    if executor != "local":
        command += ["--executor", executor]
    seconds, peak = measured(command, folder)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "peak_mb": peak, "report": report}


def time_split(report: dict, top: int = 6) -> str:
    parts = [(c["code"], c.get("duration_s", 0.0)) for c in report["run"]["checks"]]
    parts += [(f"analysis {a['name']}", a.get("duration_s", 0.0)) for a in report["run"]["analyses"]]
    total = sum(seconds for _, seconds in parts) or 1.0
    parts.sort(key=lambda part: -part[1])
    return ", ".join(f"{name} {seconds / total:.0%}" for name, seconds in parts[:top])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help=f"corpus sizes (default {', '.join(map(str, SIZES))})")
    parser.add_argument("--executor", action="append", choices=["local", "ray"],
                        help="executors to run (default: local and ray)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pairs", action="store_true",
                        help="count the reuse analysis's candidate pairs per N instead of running the suite")
    args = parser.parse_args()
    sizes = args.n or list(SIZES)
    if args.pairs:
        print(f"{'documents':>10} {'passage':>11} {'per doc':>7} {'p50':>4} {'p99':>4} {'max':>4} "
              f"{'same-story':>11} {'per doc':>7} {'synth':>6} {'time':>7}")
        for n in sizes:
            print(pair_growth(n, args.jobs), flush=True)
        return
    executors = args.executor or ["local", "ray"]
    print(f"{'documents':>10} {'executor':>8} {'seconds':>9} {'docs/s':>8} {'peak MB':>8}  findings  time split")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            synthetic = write_jsonl(folder / "corpus.jsonl", n)
            for executor in executors:
                result = run_once(folder, executor, args.jobs)
                report = result["report"]
                print(f"{n:>10} {executor:>8} {result['seconds']:>9.1f} {n / result['seconds']:>8.1f} "
                      f"{result['peak_mb']:>8.0f}  {len(report['findings']):>8}  {time_split(report)}", flush=True)
            print(f"{'':>10} ({synthetic} of {n} documents synthetic)", flush=True)


if __name__ == "__main__":
    main()
