"""Configuration: discovery, extends, validation errors with file:line:col and suggestions."""

import pytest

STORY = "The harbour authority said on Friday that the new pier would open in June.\n"


@pytest.fixture
def project(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY})
    return copydesk_project


def errors(result):
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    return [line.removeprefix("copydesk: error: ") for line in result.stderr.splitlines()]


def test_config_in_working_directory_is_found(project):
    project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [DUP001]\n")
    result = project.run("check", "-f", "json")
    assert result.report["run"]["config"]["path"] == "copydesk.yaml"
    assert result.report["summary"]["by_code"] == {"DUP001": 1}


def test_without_config_the_builtin_default_is_used(project):
    result = project.run("check", "corpus", "-f", "json")
    assert result.report["run"]["config"]["path"] == "<built-in default>"


def test_yaml_syntax_error_names_file_line_column(project):
    project.write_config("version: 1\nselect: [DUP001\nfail_on: error\n")
    (line,) = errors(project.run("check", "corpus"))
    assert line.startswith("copydesk.yaml:3:") and "YAML syntax error" in line


def test_unknown_top_level_key_with_suggestion(project):
    project.write_config("version: 1\nfail_no: error\n")
    assert errors(project.run("check", "corpus")) == [
        "copydesk.yaml:2:1: (top level): unknown key 'fail_no' (did you mean 'fail_on'?)"
    ]


def test_bad_enum_value(project):
    project.write_config("version: 1\nfail_on: warnings\n")
    (line,) = errors(project.run("check", "corpus"))
    assert line.startswith("copydesk.yaml:2:10: fail_on: 'warnings' is not one of: error, warning, info, never")
    assert "did you mean 'warning'" in line


def test_unknown_check_code_in_checks(project):
    project.write_config("version: 1\nchecks:\n  DUP0001:\n    severity: info\n")
    (line,) = errors(project.run("check", "corpus"))
    assert line.startswith("copydesk.yaml:3:3: checks") and "unknown key 'DUP0001'" in line
    assert "did you mean 'DUP001'" in line


def test_unknown_selector_in_config(project):
    project.write_config("version: 1\nselect: [DUP001, att1]\n")
    (line,) = errors(project.run("check", "corpus"))
    assert line.startswith("copydesk.yaml:2:18: select[1]: unknown check selector 'att1'")


def test_all_errors_reported_sorted(project):
    project.write_config("version: 1\nfail_on: sometimes\ncorpus:\n  encodign: utf-8\n")
    lines = errors(project.run("check", "corpus"))
    assert len(lines) == 2
    assert lines[0].startswith("copydesk.yaml:2:") and lines[1].startswith("copydesk.yaml:4:3:")
    assert "did you mean 'encoding'" in lines[1]


def test_check_option_typo_names_check_and_suggests(project):
    class Plugin:
        from copydesk import Check, hookimpl

        class Counted(Check):
            """Flags nothing; has a threshold option.

            Why it matters: a test.

            Example: none.
            """
            code = "XTS001"
            name = "counted"
            category = "test"
            options_schema = {"type": "object", "additionalProperties": False,
                              "properties": {"threshold": {"type": "number", "maximum": 1, "default": 0.5}}}

        @staticmethod
        @hookimpl
        def copydesk_register_checks():
            return [Plugin.Counted]

    project.write_config("version: 1\nchecks:\n  XTS001:\n    options:\n      treshold: 0.3\n")
    (line,) = errors(project.run("check", "corpus", plugins=[Plugin]))
    assert line == ("copydesk.yaml:5:7: checks.XTS001.options (options of XTS001 counted): "
                    "unknown key 'treshold' (did you mean 'threshold'?)")
    project.write_config("version: 1\nchecks:\n  counted:\n    options:\n      threshold: 1.5\n")
    (line,) = errors(project.run("check", "corpus", plugins=[Plugin]))
    assert line == "copydesk.yaml:5:18: checks.counted.options.threshold: 1.5 is greater than the maximum of 1"


def test_extends_merges_and_child_wins(project):
    project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [DUP001]\nfail_on: error\n", name="base.yaml")
    project.write_config("version: 1\nextends: base.yaml\nfail_on: never\n")
    result = project.run("check", "-f", "json")
    assert result.exit_code == 0  # fail_on: never from the child
    assert result.report["summary"]["by_code"] == {"DUP001": 1}  # select from the base


def test_extends_missing_file_and_loops(project):
    project.write_config("version: 1\nextends: nothere.yaml\n")
    (line,) = errors(project.run("check", "corpus"))
    assert line.startswith("copydesk.yaml:2:10: extends: no such file 'nothere.yaml'")
    project.write_config("version: 1\nextends: copydesk.yaml\n")
    (line,) = errors(project.run("check", "corpus"))
    assert "loop" in line


def test_strict_config_extends_default_and_fails_on_warnings(copydesk_project):
    from pathlib import Path

    configs = Path(__file__).resolve().parent.parent / "configs"
    copydesk_project.write_corpus({"blank.txt": "   \n", "a.txt": STORY})
    lenient = copydesk_project.run("check", "corpus", "--config", str(configs / "default.yaml"))
    strict = copydesk_project.run("check", "corpus", "--config", str(configs / "strict.yaml"))
    assert lenient.exit_code == 0, lenient  # CD002 is a warning
    assert strict.exit_code == 1, strict


def test_missing_config_file(project):
    (line,) = errors(project.run("check", "corpus", "--config", "nope.yaml"))
    assert line == "nope.yaml: no such configuration file"


def test_config_that_is_not_a_mapping(project):
    project.write_config("- just\n- a list\n")
    (line,) = errors(project.run("check", "corpus"))
    assert line.startswith("copydesk.yaml:1:1: the configuration must be a mapping")


def test_per_file_ignores_suppress_with_reason(project):
    project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [DUP001]\nper_file_ignores:\n  'b*': [DUP]\n")
    result = project.run("check", "-f", "json")
    assert result.exit_code == 0
    assert result.report["findings"] == []
    (suppressed,) = result.report["suppressed"]
    assert suppressed["code"] == "DUP001" and suppressed["suppressed_by"] == "per_file_ignores: b*"


def test_the_outcome_holds_every_finding_kept_and_suppressed_in_report_order(project, monkeypatch):
    from copydesk.config import build_config
    from copydesk.pipeline import run

    project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [DUP001, DUP002]\n"
                         "per_file_ignores:\n  'b*': [DUP002]\n")
    monkeypatch.chdir(project.path)
    outcome = run(build_config(None), jobs=1)
    report = outcome.report
    assert report["findings"] and report["suppressed"]
    records = sorted(report["findings"] + report["suppressed"], key=lambda r: (r["document"], r["code"]))
    assert [outcome.session.fingerprint(f) for f in outcome.findings] == [r["fingerprint"] for r in records]
    assert [(f.code, f.document) for f in outcome.findings] == [(r["code"], r["document"]) for r in records]


def test_severity_override(project):
    project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [DUP001]\nchecks:\n  exact-duplicate: {severity: info}\n")
    result = project.run("check", "-f", "json")
    assert result.exit_code == 0
    assert result.report["findings"][0]["severity"] == "info"


def test_fingerprints_by_id_are_mapped_when_first_read_from_the_lists_as_given():
    import pytest

    from copydesk import Finding
    from copydesk.model import Severity
    from copydesk.runner import FingerprintsById

    findings = [Finding("DUP001", "exact-duplicate", "duplication", Severity.WARNING, "copy", doc, None)
                for doc in ("a.txt", "b.txt", "c.txt")]
    prints = ["1" * 32, "2" * 32, "3" * 32]
    mapping = FingerprintsById(findings, prints)
    findings.reverse()  # the runner's list may change after: the mapping keeps the order it was given
    prints.clear()
    assert [mapping[id(f)] for f in reversed(findings)] == ["1" * 32, "2" * 32, "3" * 32]
    assert len(mapping) == 3 and set(mapping) == {id(f) for f in findings}
    with pytest.raises(KeyError):
        mapping[id(object())]
    with pytest.raises(ValueError, match="2 fingerprints for 3 findings"):
        FingerprintsById(findings, ["1" * 32, "2" * 32])
