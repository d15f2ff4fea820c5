"""Baselines (`copydesk baseline`, `check --baseline`) and comparisons (`check --compare`)."""

import json

import pytest
from jsonschema import Draft202012Validator

from copydesk.plugins.baseline import baseline_schema
from copydesk.report import validate_report

HARBOUR = (
    "The harbour authority closed the north pier on Friday after storm damage to its pilings.\n\n"
    "“We will not reopen it until divers have checked every support under the deck.”\n\n"
    "Ferries to the islands will leave from the south terminal until further notice.\n"
)
COUNCIL = (
    "The county council voted on Wednesday to raise parking fees in the old town by a third.\n\n"
    "“Drivers have had it cheap for twenty years and the car parks are falling apart.”\n\n"
    "The new fees take effect in March and will pay for repairs to two garages.\n"
)
# a new unattributed quote, added to the harbour story later
NEW_QUOTE = "“The tides this winter were the worst anyone on the docks can remember.”\n\n"
SELECT = ("--select", "ATT001,DUP001")


@pytest.fixture
def project(copydesk_project):
    copydesk_project.write_corpus({"harbour.txt": HARBOUR, "council.txt": COUNCIL, "council-copy.txt": COUNCIL})
    return copydesk_project


def check(project, *extra):
    return project.run("check", "corpus", *SELECT, "--format", "json", "--output", "report.json", *extra)


def read_baseline(project, name="copydesk-baseline.json"):
    return json.loads((project.path / name).read_text(encoding="utf-8"))


def write_baseline(project, data, name="copydesk-baseline.json"):
    (project.path / name).write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_baseline_records_every_finding_and_then_suppresses_them(project):
    before = check(project)
    assert before.exit_code == 1, before
    assert sorted(f["code"] for f in before.findings) == ["ATT001", "ATT001", "ATT001", "DUP001"]

    recorded = project.run("baseline", "corpus", *SELECT)
    assert recorded.exit_code == 0, recorded
    assert "copydesk: wrote copydesk-baseline.json: 4 findings recorded" in recorded.stderr
    data = read_baseline(project)
    assert list(Draft202012Validator(baseline_schema()).iter_errors(data)) == []
    assert data["version"] == 1
    assert {e["fingerprint"] for e in data["entries"]} == {f["fingerprint"] for f in before.findings}
    harbour = next(e for e in data["entries"] if e["document"] == "harbour.txt")
    assert harbour["code"] == "ATT001" and "divers have checked every support" in harbour["excerpt"]

    after = check(project, "--baseline", "copydesk-baseline.json")
    assert after.exit_code == 0, after
    assert after.findings == []
    assert validate_report(after.report) == []
    assert after.report["summary"]["suppressed"] == 4
    assert {s["suppressed_by"] for s in after.report["suppressed"]} == {"baseline: copydesk-baseline.json"}
    summary = after.report["summary"]["baseline"]
    assert (summary["entries"], summary["suppressed"], summary["stale"], summary["expired"]) == (4, 4, 0, 0)
    assert "baseline copydesk-baseline.json: 4 findings suppressed, 0 entries no longer occur (stale)" in after.stderr


def test_entries_survive_edits_elsewhere_and_only_new_findings_are_reported(project):
    project.run("baseline", "corpus", *SELECT)
    # new paragraphs above the quote shift its lines and offsets; a new quote appears below
    edited = (
        "Updated at 6 p.m. with comment from the ferry company.\n\n"
        "Engineers said the pilings had been weakened by years of salt water.\n\n"
        + HARBOUR + "\n" + NEW_QUOTE
    )
    (project.path / "corpus" / "harbour.txt").write_text(edited, encoding="utf-8")
    result = check(project, "--baseline", "copydesk-baseline.json")
    assert result.exit_code == 0, result  # ATT001 is a warning; fail_on is error
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert finding["code"] == "ATT001" and "tides this winter" in finding["excerpt"]
    assert finding["baseline_state"] == "new"
    assert result.report["summary"]["suppressed"] == 4
    assert all(s["baseline_state"] == "unchanged" for s in result.report["suppressed"])


def test_entries_survive_resharding_of_json_lines_records(copydesk_project):
    records = [{"id": "harbour-1", "text": HARBOUR, "desk": "city"}, {"id": "council-7", "text": COUNCIL, "desk": "politics"}]
    copydesk_project.write_config("""
        version: 1
        corpus: {paths: [corpus], include: ["**/*.jsonl"]}
    """)
    copydesk_project.write_corpus({"all.jsonl": "".join(json.dumps(r) + "\n" for r in records)})
    assert copydesk_project.run("baseline", "corpus", "--select", "ATT001").exit_code == 0
    (copydesk_project.path / "corpus" / "all.jsonl").unlink()
    copydesk_project.write_corpus({"part-1.jsonl": json.dumps(records[1]) + "\n", "part-2.jsonl": json.dumps(records[0]) + "\n"})
    result = copydesk_project.run("check", "corpus", "--select", "ATT001", "--baseline", "copydesk-baseline.json", "-f", "json")
    assert result.exit_code == 0, result
    assert result.findings == [] and result.report["summary"]["suppressed"] == 2


def test_fixed_findings_become_stale_and_recording_again_keeps_hand_written_fields(project):
    project.run("baseline", "corpus", *SELECT)
    data = read_baseline(project)
    for entry in data["entries"]:
        if entry["document"] == "harbour.txt":
            entry.update(reason="the authority's statement, attributed in the print edition", owner="city desk")
        if entry["code"] == "DUP001":
            entry["reason"] = "syndicated twice on purpose"
    write_baseline(project, data)
    # the council quote gets its speaker in both copies: those two ATT001 findings are fixed
    attributed = COUNCIL.replace("falling apart.”", "falling apart,” said council leader Mary Okafor.")
    project.write_corpus({"council.txt": attributed, "council-copy.txt": attributed})

    result = check(project, "--baseline", "copydesk-baseline.json")
    assert result.exit_code == 0, result
    summary = result.report["summary"]["baseline"]
    assert (summary["suppressed"], summary["stale"]) == (2, 2)
    assert sorted(e["document"] for e in summary["stale_entries"]) == ["council-copy.txt", "council.txt"]
    assert "2 entries no longer occur (stale)" in result.stderr
    reasons = {s["document"]: s["suppressed_by"] for s in result.report["suppressed"]}
    assert reasons["harbour.txt"] == ("baseline: copydesk-baseline.json: "
                                      "the authority's statement, attributed in the print edition")

    again = project.run("baseline", "corpus", *SELECT)
    assert "2 kept their reason/owner/expires, 2 no longer occur and were dropped" in again.stderr, again
    entries = read_baseline(project)["entries"]
    assert len(entries) == 2
    harbour = next(e for e in entries if e["document"] == "harbour.txt")
    assert harbour["owner"] == "city desk" and harbour["reason"].startswith("the authority's statement")
    assert next(e for e in entries if e["code"] == "DUP001")["reason"] == "syndicated twice on purpose"


def test_an_expired_entry_reports_its_finding_again_with_a_note(project):
    project.run("baseline", "corpus", *SELECT)
    data = read_baseline(project)
    for entry in data["entries"]:
        if entry["code"] == "DUP001":
            entry.update(expires="2001-02-03", reason="until the archive is deduplicated")
        elif entry["document"] == "harbour.txt":
            entry["expires"] = "2999-12-31"  # still valid
    write_baseline(project, data)
    result = check(project, "--baseline", "copydesk-baseline.json")
    assert result.exit_code == 1, result  # DUP001 is an error
    assert [f["code"] for f in result.findings] == ["DUP001"]
    finding = result.findings[0]
    assert finding["message"].endswith("(its baseline entry expired on 2001-02-03: until the archive is deduplicated)")
    assert finding["data"]["baseline_expired"] == "2001-02-03"
    assert result.report["summary"]["baseline"]["expired"] == 1
    assert "1 expired entry reported again" in result.stderr


def test_entries_of_checks_that_did_not_run_are_not_stale(project):
    project.run("baseline", "corpus", *SELECT)
    result = project.run("check", "corpus", "--select", "DUP001", "--baseline", "copydesk-baseline.json", "-f", "json")
    summary = result.report["summary"]["baseline"]
    assert (summary["suppressed"], summary["stale"], summary["not_checked"]) == (1, 0, 3)


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ('{"version": 1, "entries": [{"fingerprint": "abc", "code": "ATT001", "document": "a.txt"}]}', "entries[0].fingerprint"),
    ('{"version": 1, "entries": [{"fingerprint": "0123456789abcdef", "code": "ATT001", "document": "a.txt", '
     '"expires": "2025-02-30"}]}', "is not a date"),
    ('{"version": 1, "entries": [{"fingerprint": "0123456789abcdef", "code": "ATT001", "document": "a.txt", '
     '"expire": "2025-02-01"}]}', "'expire' was unexpected"),
    ('{"version": 7, "entries": []}', "newer than this copydesk understands"),
    ('[1, 2, 3]', "is not of type 'object'"),
])
def test_a_bad_baseline_file_is_a_one_line_error(project, content, expected):
    (project.path / "bad.json").write_text(content, encoding="utf-8")
    result = project.run("check", "corpus", *SELECT, "--baseline", "bad.json")
    assert result.exit_code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("copydesk: error: --baseline bad.json: "), result
    assert expected in lines[0]


def test_a_missing_baseline_file_is_a_one_line_error(project):
    result = project.run("check", "corpus", "--baseline", "nowhere.json")
    assert result.exit_code == 2
    assert result.stderr.strip() == "copydesk: error: --baseline nowhere.json: no such file"


def test_compare_marks_new_unchanged_and_absent_findings(project):
    previous = project.run("check", "corpus", *SELECT, "-f", "json", "-o", "previous.json")
    assert previous.exit_code == 1
    # the harbour quote gets a speaker (fixed), the council story a second unattributed quote (new)
    project.write_corpus({
        "harbour.txt": HARBOUR.replace("under the deck.”", "under the deck,” harbour master Ian Reid said."),
        "council.txt": COUNCIL + "\n“Nobody on this council wanted to do it, but the garages cannot wait another year.”\n",
    })
    result = check(project, "--compare", "previous.json")
    assert validate_report(result.report) == []
    states = sorted((f["document"], f["code"], f["baseline_state"]) for f in result.findings)
    # council.txt's text changed, so the exact copy is no longer one: DUP001 is absent too
    assert states == [
        ("council-copy.txt", "ATT001", "unchanged"),
        ("council.txt", "ATT001", "new"),
        ("council.txt", "ATT001", "unchanged"),
    ]
    absent = sorted((f["document"], f["code"]) for f in result.report["absent"])
    assert absent == [("council.txt", "DUP001"), ("harbour.txt", "ATT001")]
    assert all(f["baseline_state"] == "absent" for f in result.report["absent"])
    assert result.report["summary"]["comparison"] == {
        "previous": "previous.json", "new": 1, "unchanged": 2, "updated": 0, "absent": 2}
    assert "compared with previous.json: 1 new, 2 unchanged, 0 updated, 2 fixed (no longer found)" in result.stderr


def test_compare_feeds_sarif_baseline_state(project):
    project.run("check", "corpus", *SELECT, "-f", "json", "-o", "previous.json")
    project.write_corpus({"harbour.txt": HARBOUR + "\n" + NEW_QUOTE})
    result = project.run("check", "corpus", *SELECT, "--compare", "previous.json", "-f", "sarif", "-o", "out.sarif")
    assert result.exit_code == 1, result
    results = json.loads((project.path / "out.sarif").read_text())["runs"][0]["results"]
    states = sorted(r["baselineState"] for r in results)
    assert states == ["new", "unchanged", "unchanged", "unchanged", "unchanged"]


def test_compare_lists_fixed_findings_in_sarif_as_absent_passes(project):
    project.run("check", "corpus", *SELECT, "-f", "json", "-o", "previous.json")
    project.write_corpus({
        "harbour.txt": HARBOUR.replace("under the deck.”", "under the deck,” harbour master Ian Reid said.")})
    project.run("check", "corpus", *SELECT, "--compare", "previous.json", "-f", "sarif", "-o", "out.sarif")
    results = json.loads((project.path / "out.sarif").read_text())["runs"][0]["results"]
    absent = [r for r in results if r["baselineState"] == "absent"]
    assert [(r["ruleId"], r["kind"], r["level"]) for r in absent] == [("ATT001", "pass", "none")]
    assert absent[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("harbour.txt")
    assert all(r.get("kind", "fail") == "fail" for r in results if r["baselineState"] != "absent")


@pytest.mark.parametrize("content", ["{oops", '{"summary": {}}', '{"findings": [{"code": "ATT001"}]}'])
def test_a_bad_previous_report_is_a_one_line_error(project, content):
    (project.path / "previous.json").write_text(content, encoding="utf-8")
    result = project.run("check", "corpus", "--compare", "previous.json")
    assert result.exit_code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("copydesk: error: --compare previous.json: ")


def test_baseline_command_refuses_to_overwrite_a_broken_file(project):
    (project.path / "copydesk-baseline.json").write_text("{broken", encoding="utf-8")
    result = project.run("baseline", "corpus", *SELECT)
    assert result.exit_code == 2
    assert "--output copydesk-baseline.json: not valid JSON" in result.stderr
    assert (project.path / "copydesk-baseline.json").read_text() == "{broken"


def test_repeated_and_differently_spaced_anchors_match_the_report_fingerprints(copydesk_project):
    # the same unattributed quote twice in one story (told apart by occurrence number), and
    # a quote with odd spacing and full-width characters (normalised before hashing)
    quote = "“The ferry will not sail until the storm has passed.”\n\n"
    copydesk_project.write_corpus({
        "twice.txt": "The coast guard closed the harbour on Sunday.\n\n" + quote + "Boats stayed in port.\n\n" + quote,
        "spaced.txt": "The port reopened on Monday.\n\n“Ｗe  checked   every\tmooring before the first boat left.”\n",
    })
    before = copydesk_project.run("check", "corpus", "--select", "ATT001", "-f", "json")
    assert len(before.findings) == 3, before
    assert len({f["fingerprint"] for f in before.findings}) == 3
    copydesk_project.run("baseline", "corpus", "--select", "ATT001")
    after = copydesk_project.run("check", "corpus", "--select", "ATT001", "--baseline", "copydesk-baseline.json", "-f", "json")
    assert after.findings == [] and after.report["summary"]["baseline"]["suppressed"] == 3


def test_write_baseline_during_a_check_keeps_what_the_baseline_accepted(project):
    project.run("baseline", "corpus", *SELECT)
    project.write_corpus({"harbour.txt": HARBOUR + "\n" + NEW_QUOTE})
    result = check(project, "--baseline", "copydesk-baseline.json", "--write-baseline", "next-baseline.json")
    assert len(result.findings) == 1  # the new quote
    assert "copydesk: wrote next-baseline.json: 5 findings recorded" in result.stderr
    assert len(read_baseline(project, "next-baseline.json")["entries"]) == 5
    assert check(project, "--baseline", "next-baseline.json").findings == []


def test_the_baseline_takes_part_in_suppression_only_in_a_run_with_a_baseline(project):
    """Without --baseline no plugin answers copydesk_suppress_finding, so the core asks nothing per
    finding; with it the baseline's suppression is registered for that run and gone afterwards."""
    from copydesk import hookimpl

    seen = []

    class Probe:
        @staticmethod
        @hookimpl
        def copydesk_modify_report(session):
            seen.append([type(i.plugin).__name__ for i in session.pm.hook.copydesk_suppress_finding.get_hookimpls()])

        @staticmethod
        @hookimpl
        def copydesk_session_finish(session):
            seen.append(len(session.pm.hook.copydesk_suppress_finding.get_hookimpls()))

    assert project.run("check", "corpus", *SELECT, plugins=[Probe]).exit_code == 1
    assert seen == [[], 0]
    assert project.run("baseline", "corpus", *SELECT).exit_code == 0
    seen.clear()
    after = project.run("check", "corpus", *SELECT, "--baseline", "copydesk-baseline.json", plugins=[Probe])
    assert after.exit_code == 0 and "4 findings suppressed" in after.stderr
    assert seen == [["BaselineSuppression"], 0]
