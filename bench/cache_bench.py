"""The incremental cache: a warm run after editing k documents, against the cold run.

    python bench/cache_bench.py --n 10000 --edit 100 [--select DUP,TRN001] [--warm-runs 3]

Writes N Reuters-21578 bodies (real text; beyond 19,043 bodies the text is re-used
with a serial number appended, which is synthetic) as files in a temporary folder,
runs `copydesk check` cold (empty cache), edits `--edit` documents, and runs it
again with the cache. Prints both wall times, the ratio, and the cache hits.

``--warm-runs K`` (default 1) times the warm run K times, each on a fresh copy of the
folder as the cold run left it (corpus, cache, report), and takes the ratio of the
median: one warm run of a 100,000-document corpus varied by a quarter between identical
runs on a shared machine. Before each timed run the file systems are synced (``os.sync``),
so that no run pays for writing back the files written before it (the corpus, the
copy of the folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dup_bench import reuters_bodies  # noqa: E402
from scale_bench import measured  # noqa: E402


def run(folder: Path, select: str | None, jobs: int) -> tuple[float, float, dict]:
    """One ``copydesk check`` with the cache: (seconds, peak MB, report)."""
    command = [sys.executable, "-m", "copydesk", "check", "corpus", "--format", "json", "--output", "report.json",
               "--exit-zero", "-q", "--jobs", str(jobs)]
    if select:
        command += ["--select", select]
    if hasattr(os, "sync"):
        os.sync()  # what was written before (the corpus, a copy of the folder) is on disk before the clock starts
    seconds, peak = measured(command, folder)
    return seconds, peak, json.loads((folder / "report.json").read_text())


def split(report: dict) -> str:
    parts = sorted(report["run"]["checks"] + report["run"]["analyses"], key=lambda c: -c["duration_s"])[:6]
    return ", ".join(f"{c.get('code', c.get('name'))} {c['duration_s']:.1f}s" for c in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--edit", type=int, default=100)
    parser.add_argument("--select", help="checks to run (default: the default config's)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--warm-runs", type=int, default=1,
                        help="time the warm run this many times, each on a copy of the folder after the cold run; "
                             "the ratio is of the median")
    args = parser.parse_args()
    if args.warm_runs < 1:
        parser.error("--warm-runs: give 1 or more")
    bodies = reuters_bodies()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        corpus = folder / "corpus"
        corpus.mkdir(parents=True)
        for i in range(args.n):
            text = bodies[i % len(bodies)] + (f"\nSerial {i}." if i >= len(bodies) else "")
            (corpus / f"{i:07}.txt").write_text(text, encoding="utf-8")
        cold, cold_peak, report = run(folder, args.select, args.jobs)
        print(f"cold run: {cold:.1f} s, peak {cold_peak:.0f} MB, {len(report['findings'])} findings; slowest parts: "
              f"{split(report)}", flush=True)
        kept = Path(tmp) / "after-cold"
        if args.warm_runs > 1:  # the folder as the cold run left it, for each warm run
            shutil.copytree(folder, kept, symlinks=True)
        warm_runs, warm_peaks = [], []
        for repeat in range(args.warm_runs):
            if repeat:
                shutil.rmtree(folder)
                shutil.copytree(kept, folder, symlinks=True)
            edit(corpus, args.n, args.edit)
            warm, warm_peak, report = run(folder, args.select, args.jobs)
            warm_runs.append(warm)
            warm_peaks.append(warm_peak)
            print(f"warm run {repeat + 1}: {warm:.1f} s, peak {warm_peak:.0f} MB ({warm / cold:.1%} of cold)", flush=True)
        warm, warm_peak = statistics.median(warm_runs), max(warm_peaks)
        cache = report["run"]["cache"]
        print(f"documents {args.n}, edited {args.edit}, checks {len(report['run']['checks'])}, jobs {args.jobs}")
        print(f"cold {cold:.1f} s, warm {warm:.1f} s{' (median of ' + str(len(warm_runs)) + ')' if len(warm_runs) > 1 else ''}, "
              f"warm/cold {warm / cold:.1%}; warm peak {warm_peak:.0f} MB; "
              f"cache hits {cache['hits']}, misses {cache['misses']}; statistics {cache.get('statistics')}; "
              f"report records {cache.get('records')}")
        print(f"warm run{' (the last)' if len(warm_runs) > 1 else ''}, slowest parts: {split(report)}")


def edit(corpus: Path, n: int, count: int) -> None:
    """Append a sentence to ``count`` documents spread over the corpus."""
    for i in range(0, n, max(1, n // count))[:count]:
        path = corpus / f"{i:07}.txt"
        path.write_text(path.read_text(encoding="utf-8") + "\nThe company declined to comment further.",
                        encoding="utf-8")


if __name__ == "__main__":
    main()
