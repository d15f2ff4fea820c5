"""Report records kept with the cache (copydesk.kept_records): carried over for documents whose
findings and texts did not change, made again for the others, never trusted when damaged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from copydesk import hookimpl, kept_records, pipeline
from copydesk.config import build_config
from copydesk.model import Finding, Related, Severity, Span
from test_parallel import news_corpus, without_timings, write_corpus


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.chdir(tmp_path)
    write_corpus(tmp_path / "corpus", news_corpus(60, seed=3))
    return tmp_path


def run(encoded: bool = True, **overrides: Any) -> pipeline.RunOutcome:
    config = build_config(None, {"paths": ["corpus"], **overrides})
    return pipeline.run(config, jobs=1, encoded_records=encoded)


def encoded_count(outcome: pipeline.RunOutcome) -> int:
    return sum(type(record) is msgspec.Raw for record in outcome.report["findings"])


def as_json(outcome: pipeline.RunOutcome) -> dict[str, Any]:
    """The report as its JSON format writes it, read back, timings aside."""
    from copydesk.plugins.formats import JsonFormat

    return without_timings(json.loads(JsonFormat().render(outcome.report)))


def uncached() -> dict[str, Any]:
    """The report of a run without the cache, as JSON."""
    return cached_json(run(no_cache=True))


def cached_json(outcome: pipeline.RunOutcome) -> dict[str, Any]:
    """:func:`as_json` without what says how it was run (the cache's counts, the settings' digest)."""
    report = as_json(outcome)
    report["run"].pop("cache")
    report["run"].pop("config")
    return report


def test_a_second_run_carries_every_record_over_and_writes_the_same_report(project):
    first = run()
    assert first.report["findings"] and encoded_count(first) == 0  # nothing kept yet: all made
    second = run()
    assert encoded_count(second) == len(second.report["findings"]) == len(first.report["findings"])
    assert first.report["run"]["cache"]["records"] == {"carried": 0, "made": len(first.findings)}
    assert second.report["run"]["cache"]["records"] == {"carried": len(second.findings), "made": 0}
    assert cached_json(second) == cached_json(first) == uncached()
    assert [path.name for path in (project / ".copydesk_cache").glob("records-*.bin")]  # the records' file


def test_an_edited_document_and_those_its_findings_name_get_new_records(project):
    run()
    corpus = project / "corpus"
    # a document another one copies: the copy's findings name it, so they are made again too
    edited = corpus / "story00001.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nThe desk added this line later on.\n", encoding="utf-8")
    after = run()
    records = after.report["findings"]
    made = {record["document"] for record in records if type(record) is dict}
    assert "story00001.txt" in made
    naming = {record["document"] for record in records if type(record) is dict and any(
        rel["document"] == "story00001.txt" for rel in record["related"])}
    assert naming - {"story00001.txt"}, "some other document's finding names the edited one"
    assert 0 < len(made) < len({f.document for f in after.findings})  # the rest carried over
    for record in records:  # no carried record names the edited document
        if type(record) is not dict:
            decoded = msgspec.json.decode(record)
            assert decoded["document"] != "story00001.txt"
            assert all(rel["document"] != "story00001.txt" for rel in decoded["related"])
    assert cached_json(after) == cached_json(run())  # and the next run reads them back the same


def test_a_damaged_or_missing_records_file_is_never_trusted(project):
    first = cached_json(run())
    cache = project / ".copydesk_cache"
    (path,) = cache.glob("records-*.bin")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55  # one flipped byte: its piece fails its CRC-32
    path.write_bytes(bytes(data))
    damaged = run()
    assert encoded_count(damaged) == 0
    assert cached_json(damaged) == first
    for path in cache.glob("records-*.bin"):
        path.unlink()
    missing = run()
    assert encoded_count(missing) == 0 and cached_json(missing) == first
    assert encoded_count(run()) == len(missing.report["findings"])  # written again


def test_little_change_writes_a_delta_and_much_change_the_whole_table(project, monkeypatch):
    # on 60 documents one edit is more than a twentieth of the records: here, more than half
    monkeypatch.setattr(kept_records, "worth_rewriting", lambda differing, total: differing > total // 2)
    run()
    cache = project / ".copydesk_cache"
    (base,) = cache.glob("records-*.bin")
    corpus = project / "corpus"
    one = corpus / "story00002.txt"
    one.write_text(one.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    run()
    files = {path.name for path in cache.glob("records-*.bin")}
    assert base.name in files and len(files) == 2  # the full table and its delta
    for path in sorted(corpus.glob("*.txt"))[::2]:  # half the corpus: the whole table again
        path.write_text(path.read_text(encoding="utf-8") + "\nAnd another.\n", encoding="utf-8")
    rewritten = run()
    files = {path.name for path in cache.glob("records-*.bin")}
    assert base.name not in files and len(files) == 1  # earlier tables' files removed
    again = run()
    assert encoded_count(again) == len(again.report["findings"])
    assert cached_json(again) == cached_json(rewritten) == uncached()


def test_records_are_dicts_for_report_hooks_formats_and_library_callers(project):
    seen: list[set] = []

    class Hook:
        @hookimpl
        def copydesk_modify_report(self, session, report):
            seen.append({type(record) for record in report["findings"]})
            report["run"]["hooked"] = True

    run()
    assert encoded_count(run(encoded=False)) == 0  # the default of pipeline.run: every record a dict
    config = build_config(None, {"paths": ["corpus"]})
    hooked = pipeline.run(config, jobs=1, encoded_records=True, extra_plugins=[Hook()])
    assert seen == [{dict}] and hooked.report["run"]["hooked"] is True
    assert encoded_count(run()) > 0  # a hook's run keeps the table as it was


def test_the_cli_writes_the_same_report_in_every_format_from_kept_records(project):
    from copydesk.cli import main

    def outputs() -> dict[str, str]:
        for name in ("report.json", "report.txt", "report.sarif"):
            Path(name).unlink(missing_ok=True)
        for fmt, name in (("json", "report.json"), ("text", "report.txt"), ("sarif", "report.sarif")):
            assert main(["check", "corpus", "-q", "-f", fmt, "-o", name, "--exit-zero"]) == 0
        report = without_timings(json.loads(Path("report.json").read_text(encoding="utf-8")))
        report["run"].pop("cache")
        sarif = json.loads(Path("report.sarif").read_text(encoding="utf-8"))
        return {"json": json.dumps(report), "text": Path("report.txt").read_text(encoding="utf-8"),
                "sarif": json.dumps(sarif["runs"][0]["results"])}

    assert outputs() == outputs()


def test_a_findings_digest_reads_every_field_but_not_the_order_of_data_keys():
    def finding(**changes: Any) -> Finding:
        fields = dict(code="X001", check="x", category="test", severity=Severity.WARNING, message="m",
                      document="a.txt", span=Span(0, 4), related=(Related("b.txt", Span(1, 3), 0.5),),
                      data={"one": 1, "two": [2.5, "x"]})
        fields.update(changes)
        return Finding(**fields)

    digest = kept_records.findings_digest
    base = digest([finding()])
    assert base == digest([finding(data={"two": [2.5, "x"], "one": 1})])
    for changed in (dict(message="n"), dict(span=Span(0, 5)), dict(severity=Severity.INFO),
                    dict(related=(Related("b.txt", Span(1, 3), 0.51),)), dict(data={"one": 1, "two": [2.5, "y"]}),
                    dict(anchor="a"), dict(suggestion="s")):
        assert digest([finding(**changed)]) != base, changed
    assert digest([finding(), finding()]) != base

    class Opaque:
        def __repr__(self) -> str:
            return "Opaque()"

    assert digest([finding(data={"value": Opaque()})]) == digest([finding(data={"value": Opaque()})])
