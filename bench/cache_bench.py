"""The incremental cache: a warm run after editing k documents, against the cold run.

    python bench/cache_bench.py --n 10000 --edit 100 [--select DUP,TRN001]

Writes N Reuters-21578 bodies (real text; beyond 19,043 bodies the text is re-used
with a serial number appended, which is synthetic) as files in a temporary folder,
runs `copydesk check` cold (empty cache), edits `--edit` documents, and runs it
again with the cache. Prints both wall times, the ratio, and the cache hits.
"""

from __future__ import annotations

import argparse
import json
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
    args = parser.parse_args()
    bodies = reuters_bodies()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus"
        corpus.mkdir()
        for i in range(args.n):
            text = bodies[i % len(bodies)] + (f"\nSerial {i}." if i >= len(bodies) else "")
            (corpus / f"{i:07}.txt").write_text(text, encoding="utf-8")
        cold, cold_peak, report = run(folder, args.select, args.jobs)
        print(f"cold run: {cold:.1f} s, peak {cold_peak:.0f} MB, {len(report['findings'])} findings; slowest parts: "
              f"{split(report)}", flush=True)
        for i in range(0, args.n, max(1, args.n // args.edit))[: args.edit]:
            path = corpus / f"{i:07}.txt"
            path.write_text(path.read_text(encoding="utf-8") + "\nThe company declined to comment further.",
                            encoding="utf-8")
        warm, warm_peak, report = run(folder, args.select, args.jobs)
        cache = report["run"]["cache"]
        print(f"documents {args.n}, edited {args.edit}, checks {len(report['run']['checks'])}, jobs {args.jobs}")
        print(f"cold {cold:.1f} s, warm {warm:.1f} s, warm/cold {warm / cold:.1%}; warm peak {warm_peak:.0f} MB; "
              f"cache hits {cache['hits']}, misses {cache['misses']}; statistics {cache.get('statistics')}; "
              f"report records {cache.get('records')}")
        print(f"warm run, slowest parts: {split(report)}")


if __name__ == "__main__":
    main()
