"""``--jobs N`` gives the same report whatever N, and whatever the hash seed.

The corpus is generated here from sentence templates written for these tests (no
seed text): news stories with quotes, credit lines and vague sources, plus the kinds
of copies copydesk looks for (exact and edited copies, reused passages, spun copies
with swapped words, re-spelled names, re-worded quotes, repeated paragraphs), so that
every default check has something to say. ``news_corpus`` is reused by
tests/test_ray.py and tests/test_hostile.py.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from copydesk.manager import collect_registry, make_plugin_manager

# ------------------------------------------------------------------ a generated corpus

SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
FILLER = ("the a of to in and on for with at by from after before over under near that which "
          "would could will has had was were is are its their").split()
TITLES = ("Mayor", "Finance Minister", "Health Minister", "Police Chief", "Union leader", "Governor")
ORGS = ("City Council", "Transport Authority", "Water Board", "State Department", "Health Ministry",
        "Port Authority", "Supreme Court", "Central Bank")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CREDITS = ("(Reuters) - ", "(AP) - ", "", "", "")
# word swaps a spinner makes inside names and fixed expressions
SPIN = {"Department": "Division", "Council": "Board", "Authority": "Power", "Court": "Tribunal",
        "Minister": "Priest", "said": "stated", "called": "known as", "will": "shall"}


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


def _sentence(rng: random.Random, topic: list[str], low: int = 8, high: int = 20) -> str:
    words = [rng.choice(topic) if rng.random() < 0.6 else rng.choice(FILLER) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize()


def _story(rng: random.Random, index: int) -> str:
    """A news-like story over its own made-up vocabulary, so that unrelated stories share
    only function words, as real ones share little more."""
    topic = [_word(rng, rng.randint(2, 4)) for _ in range(50)]
    place = _word(rng, 3).capitalize()
    org = rng.choice(ORGS)
    people = [(rng.choice(TITLES), _word(rng, 2).capitalize(), _word(rng, 3).capitalize()) for _ in range(2)]
    (title, first, last), (title2, first2, last2) = people
    paragraphs = [
        f"{place.upper()} {rng.choice(CREDITS)}The {org} voted on {rng.choice(DAYS)} to {_sentence(rng, topic, 6, 10).lower()}, "
        f"a decision worth {rng.randint(2, 900)} million (story {index}).",
        f"{title} {first} {last} said the {org} had no choice after {_sentence(rng, topic).lower()}.",
        f"“{_sentence(rng, topic, 7, 12)},” {last} told reporters in {place}.",
        f"{title2} {first2} {last2}, who leads the opposition, called the vote {_sentence(rng, topic, 4, 8).lower()}. "
        f"{_sentence(rng, topic)}.",
        f"Experts say {_sentence(rng, topic, 6, 10).lower()} could rise by {rng.randint(2, 9)},{rng.randint(1, 9)} "
        f"percent {rng.choice(('next year', 'since two years', 'over the decade'))}.",
        f"“{_sentence(rng, topic, 8, 14)}.”",
        " ".join(f"{_sentence(rng, topic)}." for _ in range(rng.randint(2, 5))),
        f"The {org} will meet again on {rng.choice(DAYS)}, when {last2} is expected to {_sentence(rng, topic, 5, 9).lower()}.",
    ]
    body = paragraphs[1:]
    rng.shuffle(body)
    return "\n\n".join(paragraphs[:1] + body) + "\n"


def _edit_words(rng: random.Random, text: str, share: float) -> str:
    words = text.split(" ")
    for position in rng.sample(range(len(words)), max(1, int(len(words) * share))):
        words[position] = rng.choice(("new", "local", "public", "several", "city", "regional"))
    return " ".join(words)


def _spin(text: str) -> str:
    for word, swap in SPIN.items():
        text = text.replace(f" {word} ", f" {swap} ")
    return text


def _variant(rng: random.Random, text: str) -> str:
    """The story with its first speaker's surname re-spelled and a quoted word changed."""
    speaker = re.search(r"” (\w+) told", text)
    if speaker:
        name = speaker.group(1)
        text = text.replace(name, name[:-1] + ("y" if name[-1] != "y" else "i"))
    quote = re.search(r"“(\w+) (\w+)", text)
    if quote:
        text = text.replace(quote.group(0), f"“{quote.group(1)} {quote.group(2)[::-1]}", 1)
    return text


def news_corpus(count: int, seed: int = 0) -> dict[str, str]:
    """``count`` documents (id -> text): about 60% originals, the rest copies of kinds."""
    rng = random.Random(seed)
    originals = max(2, int(count * 0.6))
    documents = {f"story{i:05}.txt": _story(rng, i) for i in range(originals)}
    stories = list(documents.values())
    makers = (
        lambda t: t.upper().replace("  ", " "),  # an exact copy once case is folded
        lambda t: _edit_words(rng, t, 0.04),  # near-duplicate
        lambda t: _story(rng, rng.randint(0, 10**6)) + "\n" + "\n\n".join(t.split("\n\n")[1:4]),  # passage reuse
        _spin,  # spun copy
        lambda t: _variant(rng, t),  # re-spelled name, re-worded quote
        lambda t: t + "\n" + t.split("\n\n")[2] + "\n",  # a repeated paragraph
    )
    for i in range(count - originals):
        source = rng.choice(stories)
        documents[f"copy{i:05}.txt"] = makers[i % len(makers)](source)
    return documents


def write_corpus(root: Path, documents: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


# ------------------------------------------------------------------ comparing reports

TIMING_KEYS = ("started_at", "duration_s", "jobs")


def without_timings(report: dict[str, Any]) -> dict[str, Any]:
    """The report with the run's timings and job count zeroed (they may differ by N)."""
    report = json.loads(json.dumps(report))
    run = report["run"]
    run["started_at"] = "2000-01-01T00:00:00+00:00"
    run["duration_s"] = 0
    run["jobs"] = 1
    for row in run.get("checks", []) + run.get("analyses", []):
        row["duration_s"] = 0
    return report


def rendered(report: dict[str, Any]) -> dict[str, bytes]:
    """The timing-free report in every registered output format, as bytes."""
    registry = collect_registry(make_plugin_manager(autoload=False))
    return {name: cls(color=False).render(report).encode("utf-8") for name, cls in sorted(registry.formats.items())}


def run_in_process(project, corpus: str, *extra: str) -> dict[str, Any]:
    result = project.run("check", corpus, "--no-cache", "-q", "-f", "json", "-o", "report.json", *extra)
    assert result.exit_code in (0, 1), result
    assert result.report is not None, result
    return result.report


# ------------------------------------------------------------------ the tests


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A 300-document generated project and its serial (``-j 1``) report, shared by the tests."""
    from copydesk.testing import Project

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
        patch.setenv("NO_COLOR", "1")
        project = Project(tmp_path_factory.mktemp("generated"))
        project.write_corpus(news_corpus(300, seed=1))
        yield project, run_in_process(project, "corpus", "-j", "1")


def test_generated_corpus_exercises_the_default_checks(generated):
    _, report = generated
    codes = set(report["summary"]["by_code"])
    # the copies are of these kinds; if the checks stopped finding them, the
    # comparisons below would be between two nearly empty reports
    assert {"DUP001", "DUP002", "DUP003", "DUP005", "ATT003", "TRN002", "TRN003", "TRN004"} <= codes, codes
    assert len(report["findings"]) > 300


def test_two_jobs_give_the_same_report_and_rendering_on_a_generated_corpus(generated):
    project, serial = generated
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
        parallel = run_in_process(project, "corpus", "-j", "2")
    assert parallel["run"]["jobs"] == 2
    assert without_timings(parallel) == without_timings(serial)
    assert rendered(without_timings(parallel)) == rendered(without_timings(serial))


def test_corpus_checks_shared_with_a_forked_worker_give_the_same_report(generated, monkeypatch):
    """With ``-j 2`` on a large corpus the corpus checks are shared with a forked worker
    (copydesk.corpus_workers); here the size limit is lowered to this corpus's."""
    from copydesk import corpus_workers

    if not corpus_workers.can_fork():
        pytest.skip("workers are forked on Linux only")
    project, serial = generated
    monkeypatch.setattr(corpus_workers, "MIN_WORKER_DOCUMENTS", 100)
    forked: list[int] = []
    real = corpus_workers.run_corpus_checks_shared
    monkeypatch.setattr(corpus_workers, "run_corpus_checks_shared",
                        lambda session, checks, workers, **side: forked.append(workers) or real(session, checks, workers,
                                                                                             **side))
    monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
    parallel = run_in_process(project, "corpus", "-j", "2")
    assert forked == [1]
    assert without_timings(parallel) == without_timings(serial)
    assert rendered(without_timings(parallel)) == rendered(without_timings(serial))


def test_a_report_made_with_a_forked_helper_is_the_same_report(generated, monkeypatch):
    """On a large report the fingerprints and records are made in pieces of whole documents,
    shared with a forked helper (copydesk.report.records_of); here the size limit is lowered
    to this corpus's, and a suppressed finding shows that its record is the same too."""
    from copydesk import corpus_workers, forked, report

    if not corpus_workers.can_fork():
        pytest.skip("the helper is forked on Linux only")
    project, serial = generated
    monkeypatch.setattr(report, "SHARE_MIN_FINDINGS", 1)
    monkeypatch.setattr(report, "SHARE_PIECES", 9)
    shared: list[int] = []
    real = forked.map_shared
    monkeypatch.setattr(forked, "map_shared", lambda task, count: shared.append(count) or real(task, count))
    monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert without_timings(run_in_process(project, "corpus", "-j", "2")) == without_timings(serial)
    assert shared and shared[-1] > 2  # cut into pieces of whole documents (fewer where documents are long)
    ignored = serial["findings"][len(serial["findings"]) // 2]
    project.write_config(f"per_file_ignores:\n  {json.dumps(ignored['document'])}: [{ignored['code']}]\n")
    try:
        with_ignore = run_in_process(project, "corpus", "-j", "2")
        monkeypatch.setattr(report, "SHARE_MIN_FINDINGS", 10**9)
        assert without_timings(run_in_process(project, "corpus", "-j", "2")) == without_timings(with_ignore)
    finally:
        (project.path / "copydesk.yaml").unlink()
    assert any(f["fingerprint"] == ignored["fingerprint"] for f in with_ignore["suppressed"])


def test_per_document_checks_in_the_early_worker_give_the_same_report(generated, monkeypatch, tmp_path):
    """After a run with the cache, ``-j 2`` has the worker forked before the corpus analyses
    run the per-document checks (copydesk.runner.document_checks_beside) while this process
    computes the analyses; the report, cache counts included, is the one they give in this
    process, and a document edited since is checked there and kept in the cache."""
    import shutil

    from copydesk import corpus_workers, runner
    from copydesk.testing import Project

    if not corpus_workers.can_fork():
        pytest.skip("workers are forked on Linux only")
    project, _ = generated
    monkeypatch.setattr(corpus_workers, "MIN_WORKER_DOCUMENTS", 100)
    monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
    work = tmp_path / "project"
    shutil.copytree(project.path / "corpus", work / "corpus")
    copy = Project(work)

    def run() -> dict[str, Any]:
        result = copy.run("check", "corpus", "-q", "-f", "json", "-o", "report.json", "-j", "2")
        assert result.exit_code in (0, 1), result
        return without_timings(result.report)

    sides: list = []
    real_side = corpus_workers.SideTask
    monkeypatch.setattr(corpus_workers, "SideTask", lambda func: sides.append(real_side(func)) or sides[-1])
    run()  # a first run fills the cache; the per-document checks run here
    assert sides == []
    first = sorted(work.glob("corpus/*"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nThe desk added this paragraph later.\n", encoding="utf-8")
    kept = tmp_path / "kept_cache"
    shutil.copytree(work / ".copydesk_cache", kept)
    shared = run()
    again = run()  # the edit is in the cache now: read from it
    assert [side.here for side in sides] == [False, False]  # both done by the worker
    shutil.rmtree(work / ".copydesk_cache")
    shutil.copytree(kept, work / ".copydesk_cache")
    monkeypatch.setattr(runner, "document_checks_beside", lambda session: False)
    assert run() == shared
    assert run() == again
    assert len(sides) == 2
    assert shared["run"]["cache"]["misses"] > again["run"]["cache"]["misses"]


def test_progress_chunks_give_the_same_findings(generated, monkeypatch):
    """With a progress bar the runner works in chunks of 256 documents; same report."""
    from copydesk import pipeline
    from copydesk.config import build_config

    project, serial = generated
    monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.chdir(project.path)
    config = build_config(None, {"paths": ["corpus"], "no_cache": True, "formats": ["json"],
                                 "outputs": ["report.json"]})
    ticks: list[tuple[str, int, int]] = []
    chunked = pipeline.run(config, jobs=1, progress=lambda *tick: ticks.append(tick)).report
    assert ("documents", 256, 300) in ticks, ticks
    assert without_timings(chunked)["findings"] == without_timings(serial)["findings"]


REPO = Path(__file__).resolve().parent.parent


def _cli_report(tmp_path: Path, corpus: Path, jobs: int, hash_seed: str, name: str) -> bytes:
    """The timing-free JSON report of a ``copydesk`` subprocess (own hash seed, own workers)."""
    output = tmp_path / f"{name}.json"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "COPYDESK_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "copydesk", "check", str(corpus), "--no-cache", "-q", "-j", str(jobs),
         "-f", "json", "-o", str(tmp_path / "report.json")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    (tmp_path / "report.json").rename(output)
    report = without_timings(json.loads(output.read_text(encoding="utf-8")))
    return json.dumps(report, sort_keys=True, ensure_ascii=False).encode("utf-8")


def test_reports_are_identical_across_processes_hash_seeds_and_jobs(tmp_path):
    """Separate processes with different PYTHONHASHSEED: set and dict order of strings differs,
    so a check that reports in hash order would show up here, which in-process runs cannot."""
    corpus = write_corpus(tmp_path / "corpus", news_corpus(120, seed=3))
    reports = {
        (jobs, seed): _cli_report(tmp_path, corpus, jobs, seed, f"j{jobs}-s{seed}")
        for jobs, seed in ((1, "1"), (2, "2"), (1, "12345"))
    }
    first = reports[(1, "1")]
    for key, report in reports.items():
        assert report == first, f"report of jobs={key[0]} PYTHONHASHSEED={key[1]} differs"


def test_seed_corpus_same_report_with_jobs(copydesk_project):
    """The five seed stories, when /work/shared is there (a user's clone has no ../shared)."""
    seeds = REPO.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not here (only on the project's own machines)")
    serial = without_timings(run_in_process(copydesk_project, str(seeds), "-j", "1"))
    parallel = without_timings(run_in_process(copydesk_project, str(seeds), "-j", "2"))
    assert serial["findings"], "the seeds have findings"
    assert parallel == serial


LOCAL_PLUGIN = '''
import os

from copydesk import Check, hookimpl


class Shouting(Check):
    """A document written in capitals.

    Why it matters: a test check from a local plugin file.

    Example: "HELLO THERE" is reported.
    """

    code = "XLP001"
    name = "shouting"
    category = "test"

    def check_document(self, document):
        if document.text.isupper():
            yield self.finding(document, None, "the document is all capitals", data={"pid": os.getpid()})


@hookimpl
def copydesk_register_checks():
    return [Shouting]
'''

START_METHOD_RUN = '''
import multiprocessing, os, sys
from copydesk.cli import main
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1], force=True)
    print(os.getpid())
    sys.exit(main(["check", "--no-cache", "-q", "-j", "2", "-f", "json", "-o", "report.json"]))
'''


# spawn and forkserver are the defaults on macOS, Windows and (from Python 3.14) Linux
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_local_plugin_document_checks_run_in_workers_whatever_the_start_method(tmp_path, method):
    (tmp_path / "shouting.py").write_text(LOCAL_PLUGIN, encoding="utf-8")
    (tmp_path / "run.py").write_text(START_METHOD_RUN, encoding="utf-8")
    # enough documents for the runner to start workers (runner.MIN_PARALLEL_DOCUMENTS)
    write_corpus(tmp_path / "corpus", {f"n{i}.txt": f"STORY NUMBER {i} IN CAPITALS\n" for i in range(300)})
    (tmp_path / "copydesk.yaml").write_text(
        "version: 1\ncorpus: {paths: [corpus]}\nplugins: [shouting.py]\nselect: [XLP001]\n", encoding="utf-8")
    env = {**os.environ, "COPYDESK_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([sys.executable, "run.py", method], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["by_code"] == {"XLP001": 300}
    assert int(done.stdout.split()[0]) not in {f["data"]["pid"] for f in report["findings"]}, "checked in workers"
