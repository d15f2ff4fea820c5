"""The command line: formats, exit codes, selection, commands."""

import json

import pytest

from copydesk.report import validate_report

STORY = ("The city council approved the new budget on Tuesday after a long debate about road repairs "
         "and school funding.\nThe mayor said the plan would keep taxes flat for a third year.\n")


@pytest.fixture
def project(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY.upper(), "sub/c.md": "A different note about the weather today.\n"})
    return copydesk_project


def test_text_format_one_line_per_finding_and_exit_1(project):
    result = project.run("check", "corpus", "--select", "DUP001")
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    assert lines[0] == "corpus/b.txt:1:1: DUP001 exact duplicate of a.txt (identical after folding case, spacing and punctuation)"
    assert lines[-1].startswith("Found 1 finding (1 error) in 3 documents")


def test_report_validation_fast_path_agrees_with_jsonschema(project):
    """The compiled validator confirms valid reports; broken ones still get jsonschema's messages."""
    import copy

    from jsonschema import Draft202012Validator

    from copydesk.report import report_schema

    report = project.run("check", "corpus", "--format", "json", "--output", "out/r.json").report
    full = Draft202012Validator(report_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    broken = []
    bad_span = {"start": "x", "end": 1, "line": 1, "column": 1, "end_line": 1, "end_column": 2}
    for path, value in ((("findings", 0, "span"), bad_span), (("findings", 0, "severity"), "fatal"),
                        (("summary", "by_code"), None), (("schema_version",), 3), (("findings", 0, "code"), "")):
        variant = copy.deepcopy(report)
        target = variant
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        broken.append(variant)
    assert validate_report(report) == [] and full.is_valid(report)
    for variant in broken:
        messages = validate_report(variant)
        assert messages and not full.is_valid(variant), messages


def test_json_report_validates_and_has_the_contract_fields(project):
    result = project.run("check", "corpus", "--format", "json", "--output", "out/report.json")
    assert result.exit_code == 1, result
    report = result.report
    assert validate_report(report) == []
    assert [d["id"] for d in report["documents"]] == ["a.txt", "b.txt", "sub/c.md"]
    finding = next(f for f in report["findings"] if f["code"] == "DUP001")
    assert finding["document"] == "b.txt" and finding["related"][0]["document"] == "a.txt"
    assert finding["category"] == "duplication" and finding["check"] == "exact-duplicate"
    assert report["summary"]["by_code"]["DUP001"] == 1
    assert report["run"]["corpus"]["documents"] == 3
    assert {c["code"] for c in report["run"]["checks"]} >= {"CD002", "DUP001"}


def test_exit_zero_and_fail_on_never(project):
    assert project.run("check", "corpus", "--select", "DUP001", "--exit-zero").exit_code == 0
    assert project.run("check", "corpus", "--select", "DUP001", "--fail-on", "never").exit_code == 0


def test_ignore_by_prefix_and_name(project):
    ignored = project.run("check", "corpus", "--select", "ALL", "--ignore", "DUP", "-f", "json").report
    assert "DUP001" not in ignored["summary"]["by_code"]
    assert all(not c["code"].startswith("DUP") for c in ignored["run"]["checks"])
    result = project.run("check", "corpus", "--select", "exact-duplicate", "--format", "json")
    assert result.report["summary"]["by_code"] == {"DUP001": 1}


def test_most_specific_selector_wins(project):
    result = project.run("check", "corpus", "--select", "DUP001", "--ignore", "ALL", "-f", "json")
    assert result.report["summary"]["by_code"] == {"DUP001": 1}


def test_unknown_selector_is_usage_error_with_suggestion(project):
    result = project.run("check", "corpus", "--select", "DUP01")
    assert result.exit_code == 2
    assert "unknown check selector 'DUP01'" in result.stderr and "did you mean" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_formats_in_one_run(project):
    result = project.run("check", "corpus", "--format", "json", "--output", "r.json", "--format", "text", "--output", "r.txt")
    assert result.exit_code == 1
    assert json.loads((project.path / "r.json").read_text())["summary"]["findings"] >= 1
    assert "DUP001" in (project.path / "r.txt").read_text()


def test_report_formats_from_config(project):
    project.write_config("""
        version: 1
        corpus: {paths: [corpus]}
        select: [DUP001]
        report:
          formats: [text, {format: json, output: reports/out.json}]
    """)
    result = project.run("check")
    assert result.exit_code == 1
    assert "DUP001" in result.stdout
    assert json.loads((project.path / "reports/out.json").read_text())["summary"]["by_code"] == {"DUP001": 1}


def test_output_is_written_atomically_no_temp_files_left(project):
    project.run("check", "corpus", "-f", "json", "-o", "r.json")
    assert sorted(p.name for p in project.path.iterdir() if p.name.startswith(".r.json")) == []


def test_pieces_of_output_may_be_strings_or_utf8_bytes(tmp_path, capsys):
    from copydesk.output import write_atomically, write_stdout

    pieces = ["{\n", "café", b" \xe2\x80\xa6 ", "\u202e", b"\n}"]
    write_atomically(tmp_path / "out.json", iter(pieces))
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "{\ncafé … \u202e\n}"
    write_stdout(iter(pieces))
    assert capsys.readouterr().out == "{\ncafé … \u202e\n}"


def test_statistics(project):
    result = project.run("check", "corpus", "--select", "DUP001", "--statistics")
    assert any(line.split() == ["1", "DUP001", "exact-duplicate"] for line in result.stdout.splitlines())


def test_checks_explain_schema_init(project):
    listing = project.run("checks")
    assert listing.exit_code == 0 and "DUP001" in listing.stdout and "exact-duplicate" in listing.stdout
    explained = project.run("explain", "DUP001")
    assert "Why it matters" in explained.stdout and "Example" in explained.stdout
    assert project.run("explain", "exact-duplicate").stdout == explained.stdout
    assert project.run("explain", "NOPE001").exit_code == 2
    report_schema = json.loads(project.run("schema", "report").stdout)
    assert report_schema["title"] == "copydesk report"
    config_schema = json.loads(project.run("schema", "config").stdout)
    assert "DUP001" in config_schema["properties"]["checks"]["properties"]
    assert project.run("init").exit_code == 0
    assert (project.path / "copydesk.yaml").is_file()
    assert project.run("init").exit_code == 2


def test_init_writes_a_config_that_validates(project):
    project.run("init")
    result = project.run("check", "corpus")
    assert result.exit_code in (0, 1), result


def test_missing_path_is_exit_2_one_line(project):
    result = project.run("check", "nowhere")
    assert result.exit_code == 2
    assert result.stderr.strip() == "copydesk: error: nowhere: no such file or directory"


def test_empty_corpus_is_exit_2(copydesk_project):
    (copydesk_project.path / "empty").mkdir()
    result = copydesk_project.run("check", "empty")
    assert result.exit_code == 2 and "empty corpus" in result.stderr


def test_bad_flag_is_exit_2(project):
    result = project.run("check", "--no-such-flag")
    assert result.exit_code == 2 and "unrecognized arguments" in result.stderr


def test_unknown_format_is_exit_2(project):
    result = project.run("check", "corpus", "--format", "jsn")
    assert result.exit_code == 2 and "did you mean 'json'" in result.stderr


def test_report_is_deterministic_apart_from_timings(project):
    def strip(report):
        report = dict(report)
        run = dict(report["run"])
        run.pop("started_at"); run.pop("duration_s"); run.pop("cache")
        run["checks"] = [{k: v for k, v in c.items() if k != "duration_s"} for c in run["checks"]]
        run["analyses"] = [{k: v for k, v in c.items() if k != "duration_s"} for c in run["analyses"]]
        report["run"] = run
        return report

    first = project.run("check", "corpus", "-f", "json").report
    second = project.run("check", "corpus", "-f", "json", "--jobs", "2").report
    first["run"].pop("jobs"); second["run"].pop("jobs")
    assert strip(first) == strip(second)


def test_python_dash_m_runs(project):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "copydesk", "check", "corpus", "--select", "DUP001"],
                          cwd=project.path, capture_output=True, text=True)
    assert done.returncode == 1 and "DUP001" in done.stdout


def test_the_command_ends_quickly_yet_runs_exit_handlers_and_flushes_its_output(project):
    """``python -m copydesk`` ends with os._exit (see cli.entry): a plugin's atexit handler
    and a thread it left running still finish, and the whole text report reaches a pipe."""
    import subprocess
    import sys

    (project.path / "exit_plugin.py").write_text(
        "import atexit, threading, time\n"
        "from pathlib import Path\n"
        "from copydesk import hookimpl\n"
        "def _late():\n"
        "    time.sleep(0.3)\n"
        "    Path('thread-done').write_text('yes')\n"
        "@hookimpl\n"
        "def copydesk_session_finish(session, exit_code):\n"
        "    atexit.register(lambda: Path('atexit-done').write_text(str(exit_code)))\n"
        "    threading.Thread(target=_late).start()\n"
    )
    (project.path / "copydesk.yaml").write_text("plugins: [exit_plugin.py]\n")
    done = subprocess.run([sys.executable, "-m", "copydesk", "check", "corpus", "--select", "DUP001", "--format", "json"],
                          cwd=project.path, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert (project.path / "atexit-done").read_text() == "1"
    assert (project.path / "thread-done").read_text() == "yes"
    assert json.loads(done.stdout)["summary"]["by_code"] == {"DUP001": 1}  # the report reached the pipe whole


def test_output_to_a_device_writes_through_it_and_keeps_it(project, tmp_path):
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, encoding="utf-8").read()))
    reader.start()
    result = project.run("check", "corpus", "--select", "DUP001", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 1
    assert "DUP001" in received[0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe is still a pipe"
