"""The report phase alone: what building, validating and writing a big report costs.

    python -m copydesk check CORPUS --format json --output report.json --exit-zero -q
    python bench/report_bench.py report.json CORPUS

Reads the findings of an earlier run's JSON report and the corpus they are about (loaded
as ``copydesk check CORPUS`` loads it, default config), and times, in this process and with
the garbage collector paused as ``copydesk check`` pauses it: sorting, fingerprints and
records (shared with a forked helper on a large report, as in a run), building the report, validating it against its schema, and writing it as JSON. No check
runs, so this is the floor of any run that reports that many findings, however fast the
checks are (the warm run of ``bench/cache_bench.py`` included).

The findings are rebuilt from the report, which does not keep a finding's anchor: the
fingerprints are computed from the spanned text instead (the same work per finding).
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path

from copydesk.config import build_config
from copydesk.corpus import Corpus
from copydesk.loading import load_corpus
from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.model import Document, Finding, Related, Severity, Span
from copydesk.output import write_atomically
from copydesk.plugins.formats import JsonFormat
from copydesk.report import build_report, records_of, validate_report


def span_of(entry: dict | None) -> Span | None:
    return None if entry is None else Span(entry["start"], entry["end"])


def findings_of(report: dict) -> list[Finding]:
    return [
        Finding(f["code"], f["check"], f["category"], Severity.parse(f["severity"]), f["message"], f["document"],
                span_of(f["span"]), tuple(Related(r["document"], span_of(r["span"]), r["similarity"]) for r in f["related"]),
                f["suggestion"], f["data"])
        for f in report["findings"]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", help="a JSON report of an earlier `copydesk check` run")
    parser.add_argument("corpus", nargs="+", help="the paths that run checked")
    args = parser.parse_args()
    config = build_config(None, {"paths": args.corpus})
    registry = collect_registry(make_plugin_manager())
    documents = [d for d in load_corpus(config.corpus.paths, config.corpus, registry.loaders) if isinstance(d, Document)]
    corpus = Corpus(documents)
    findings = findings_of(json.loads(Path(args.report).read_text(encoding="utf-8")))
    print(f"{len(documents)} documents, {len(findings)} findings", flush=True)
    gc.disable()
    started = time.perf_counter()
    ordered = sorted(findings, key=Finding.sort_key)
    sorted_at = time.perf_counter()
    # as the runner does it: fingerprints and records together, in pieces shared with a
    # forked helper on a large report (records_of)
    prints, records = records_of(ordered, corpus)
    ids = list(map(id, ordered))
    fingerprinted = time.perf_counter()
    report = build_report(version="bench", started_at=0, duration_s=0, jobs=1, config_path="-", config_sha256="0" * 64,
                          corpus=corpus, paths=list(args.corpus), checks=[], analyses=[], findings=ordered,
                          suppressed=[], fail_on="never", prints=dict(zip(ids, prints)), presorted=True,
                          records=dict(zip(ids, records)))
    built = time.perf_counter()
    problems = validate_report(report)
    validated = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        write_atomically(Path(folder) / "report.json", JsonFormat().chunks(report))
    written = time.perf_counter()
    assert not problems, problems[:3]
    print(f"sort {sorted_at - started:.1f} s, fingerprints and records {fingerprinted - sorted_at:.1f} s, "
          f"the rest of the build {built - fingerprinted:.1f} s, "
          f"validate {validated - built:.1f} s, write {written - validated:.1f} s; total {written - started:.1f} s")


if __name__ == "__main__":
    main()
