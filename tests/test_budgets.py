"""Budgets: corpus-level rates of findings that fail the run when exceeded."""

import json
import os
import shutil
import subprocess
from types import SimpleNamespace

import pytest

from copydesk import hookimpl
from copydesk.config import read_yaml
from copydesk import UsageError
from copydesk.plugins.budgets import read_budgets
from copydesk.report import validate_report

# Eight short stories; two carry a quotation nobody is named as saying (ATT001).
STORIES = {
    "bridge.txt": "Repairs to the Elm Street bridge will close one lane for six weeks from Monday, the roads office said.\n",
    "library.txt": "The central library will open on Sundays from next month after volunteers offered to staff the desk.\n",
    "market.txt": "Stallholders at the Saturday market voted to move the fish stalls closer to the river gate.\n",
    "rail.txt": "Evening trains to the coast will run every half hour this summer, the rail operator announced on Tuesday.\n",
    "farm.txt": "A dairy farm outside the town has won a national prize for cutting its water use by half in three years.\n",
    "clinic.txt": "The walk-in clinic on Harbour Road will close at six instead of eight because two nurses have left.\n",
    "fire.txt": (
        "Firefighters spent the night at a warehouse blaze on the industrial estate.\n\n"
        "“The roof went in just after midnight and we pulled everyone back.”\n"
    ),
    "school.txt": (
        "The grammar school will drop Saturday classes from September.\n\n"
        "“Families told us the sixth day was wearing the children out.”\n\n"
        "“Teachers will use the time to plan lessons together instead.”\n"
    ),
}


class Budgets:
    """Puts budgets into the configuration as `budgets:` in copydesk.yaml will (see
    test_budgets_from_the_configuration_file, which needs the core's config key)."""

    def __init__(self, *budgets):
        self.budgets = list(budgets)

    @hookimpl
    def copydesk_configure(self, config):
        config.raw["budgets"] = self.budgets


@pytest.fixture
def project(copydesk_project):
    copydesk_project.write_corpus(STORIES)
    return copydesk_project


def check(project, *budgets, extra=()):
    return project.run("check", "corpus", "--select", "ATT001", "-f", "json", "-o", "report.json", *extra,
                       plugins=[Budgets(*budgets)])


def test_a_budget_within_its_limit_passes_and_reports_the_measured_rate(project):
    result = check(project, {"select": "attribution", "max_rate": 0.3})
    assert result.exit_code == 0, result  # ATT001 is a warning, below fail_on
    assert validate_report(result.report) == []
    (budget,) = result.report["summary"]["budgets"]
    assert budget["documents"] == 8 and budget["counted"] == 2 and budget["count"] == "documents"
    assert budget["rate"] == 0.25 and budget["max_rate"] == 0.3 and budget["exceeded"] is False
    assert result.report["summary"]["failed"] is False
    assert "budget" not in result.stderr


def test_an_exceeded_budget_fails_the_run_with_a_line_on_stderr(project):
    result = check(project, {"select": "ATT001", "max_rate": 0.2, "name": "unattributed quotes"})
    assert result.exit_code == 1, result
    assert result.report["summary"]["failed"] is True
    assert result.report["summary"]["budgets"][0]["exceeded"] is True
    assert ("copydesk: budget 'unattributed quotes' exceeded: 2 of 8 documents have a finding "
            "(25.00 per 100 documents); it allows 20.00 per 100 documents") in result.stderr
    assert check(project, {"select": "ATT001", "max_rate": 0.2}, extra=("--exit-zero",)).exit_code == 0


def test_counting_findings_instead_of_documents(project):
    by_documents = check(project, {"select": "unattributed-quote", "max_per_100_documents": 30})
    assert by_documents.exit_code == 0
    by_findings = check(project, {"select": "unattributed-quote", "max_per_100_documents": 30, "count": "findings"})
    assert by_findings.exit_code == 1
    budget = by_findings.report["summary"]["budgets"][0]
    assert (budget["counted"], budget["rate"], budget["max_rate"]) == (3, 0.375, 0.3)
    assert "3 findings in 8 documents (37.50 per 100 documents); it allows 30.00 per 100 documents" in by_findings.stderr


def test_a_budget_on_checks_that_did_not_run_says_it_measured_nothing(project):
    result = check(project, {"select": "DUP", "max_rate": 0}, {"select": "ATT001", "max_rate": 0.5})
    assert result.exit_code == 0
    dup, att = result.report["summary"]["budgets"]
    assert (dup["counted"], dup["measured"]) == (0, False)
    assert (att["counted"], att["measured"]) == (2, True)


@pytest.fixture
def wires(copydesk_project):
    """Records from two wire services; wire-a's have the unattributed quotes."""
    copydesk_project.write_config("""
        version: 1
        corpus: {paths: [corpus], include: ["**/*.jsonl"]}
    """)
    names = sorted(STORIES)
    source = {name: ("wire-a" if name in ("fire.txt", "school.txt", "bridge.txt", "rail.txt") else "wire-b") for name in names}
    records = [{"id": name[:-4], "text": STORIES[name], "source": source[name]} for name in names]
    records.append({"id": "weather", "text": "Light rain is expected along the coast on Sunday.\n"})  # no source
    copydesk_project.write_corpus({"wires.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)})
    return copydesk_project


def test_a_budget_per_metadata_field_is_checked_for_each_value(wires):
    result = check(wires, {"select": "ATT001", "max_rate": 0.3, "per": "source"})
    assert result.exit_code == 1, result
    budget = result.report["summary"]["budgets"][0]
    groups = {g["value"]: (g["documents"], g["counted"], g["exceeded"]) for g in budget["groups"]}
    assert groups == {"wire-a": (4, 2, True), "wire-b": (4, 0, False), "(none)": (1, 0, False)}
    assert budget["documents"] == 9 and budget["counted"] == 2  # the whole corpus, for reference
    lines = [line for line in result.stderr.splitlines() if "budget" in line]
    assert lines == ["copydesk: budget 'ATT001' exceeded for source=wire-a: 2 of 4 documents have a finding "
                     "(50.00 per 100 documents); it allows 30.00 per 100 documents"]


def test_groups_smaller_than_min_documents_cannot_fail(wires):
    result = check(wires, {"select": "ATT001", "max_rate": 0.3, "per": "source", "min_documents": 5})
    assert result.exit_code == 0, result
    wire_a = next(g for g in result.report["summary"]["budgets"][0]["groups"] if g["value"] == "wire-a")
    assert wire_a["rate"] == 0.5 and wire_a["checked"] is False and wire_a["exceeded"] is False


def test_findings_accepted_in_a_baseline_do_not_count(project):
    project.run("baseline", "corpus", "--select", "ATT001")
    result = check(project, {"select": "ATT001", "max_rate": 0.2}, extra=("--baseline", "copydesk-baseline.json"))
    assert result.exit_code == 0, result
    assert result.report["summary"]["budgets"][0]["counted"] == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_budgets_measure_the_whole_corpus_under_changed_since(project):
    env = dict(os.environ, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.invalid")
    for args in (["init", "-q"], ["add", "corpus"], ["commit", "-q", "-m", "stories"]):
        subprocess.run(["git", *args], cwd=project.path, env=env, check=True, capture_output=True)
    result = check(project, {"select": "ATT001", "max_rate": 0.2}, extra=("--changed-since", "HEAD"))
    assert result.findings == []  # nothing changed, nothing reported ...
    assert result.exit_code == 1  # ... but the corpus is over budget
    assert result.report["summary"]["budgets"][0]["counted"] == 2


def test_an_unknown_selector_in_a_budget_is_a_one_line_error(project):
    result = check(project, {"select": ["ATT001", "duplicaton"], "max_rate": 0.2})
    assert result.exit_code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.strip().endswith(
        "budgets[0].select: 'duplicaton' names no check code, prefix, name or category; did you mean 'duplication'?")


def config_from(text):
    source = read_yaml("copydesk.yaml", text)
    return SimpleNamespace(sources=[source], raw=source.data)


def test_budget_configuration_is_validated_with_positions():
    budgets = read_budgets(config_from("budgets:\n  - select: DUP002\n    max_rate: 0.005\n    per: source\n"))
    assert budgets[0].select == ("DUP002",) and budgets[0].max_rate == 0.005 and budgets[0].per == "source"
    assert read_budgets(config_from("budgets:\n  - {select: [ATT], max_per_100_documents: 2}\n"))[0].max_rate == 0.02
    for text, expected in [
        ("budgets:\n  - select: DUP002\n    max_rat: 0.1\n", "copydesk.yaml:3:5: budgets[0]: unknown key 'max_rat' (did you mean 'max_rate'?)"),
        ("budgets:\n  - select: DUP002\n    max_rate: -1\n", "copydesk.yaml:3:15: budgets[0].max_rate: -1 is less than the minimum of 0"),
        ("budgets:\n  - select: DUP002\n    max_rate: 0.1\n    count: words\n", "copydesk.yaml:4:12: budgets[0].count: 'words' is not one of ['documents', 'findings']"),
        ("budgets:\n  - select: DUP002\n", "copydesk.yaml:2:5: budgets[0]: give exactly one of max_rate and max_per_100_documents"),
        ("budgets:\n  - {select: DUP002, max_rate: 0.1, min_documents: 5}\n", "copydesk.yaml:2:5: budgets[0]: min_documents needs per"),
        ("budgets:\n  - {select: 7, max_rate: 0.1}\n", "copydesk.yaml:2:14: budgets[0].select: 7 is not of type 'string'"),
    ]:
        with pytest.raises(UsageError) as error:
            read_budgets(config_from(text))
        assert str(error.value).startswith(expected), str(error.value)


def test_budgets_from_the_configuration_file(project):
    project.write_config("""
        version: 1
        corpus: {paths: [corpus]}
        select: [ATT001]
        budgets:
          - select: attribution
            max_per_100_documents: 20
    """)
    result = project.run("check", "-f", "json")
    assert result.exit_code == 1, result
    assert result.report["summary"]["budgets"][0]["rate"] == 0.25


def test_a_typo_under_budgets_is_a_config_error_naming_the_key(project):
    project.write_config("""
        version: 1
        corpus: {paths: [corpus]}
        budgets:
          - select: attribution
            max_rate: 0.1
            pre: source
    """)
    result = project.run("check")
    assert result.exit_code == 2, result
    assert "copydesk.yaml:7:5: budgets[0]: unknown key 'pre' (did you mean 'per'?)" in result.stderr
