"""`copydesk check --changed-since GIT_REF` on git repositories the tests create."""

import json
import os
import shutil
import subprocess

import pytest

from copydesk.report import validate_report

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

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
SCHOOLS = (
    "Three village schools will share one head teacher from September, the education board said.\n\n"
    "“Small schools cannot afford a full leadership team any more.”\n\n"
    "Parents will meet board members at the community hall on Thursday evening.\n"
)
SELECT = ("--select", "ATT001,DUP001")


def git(project, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.invalid",
               GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.invalid")
    return subprocess.run(["git", *args], cwd=project.path, env=env, check=True, capture_output=True, text=True)


@pytest.fixture
def repo(copydesk_project):
    copydesk_project.write_corpus({"harbour.txt": HARBOUR, "council.txt": COUNCIL, "schools.txt": SCHOOLS})
    git(copydesk_project, "init", "-q", "-b", "main")
    git(copydesk_project, "add", "corpus")
    git(copydesk_project, "commit", "-q", "-m", "three stories")
    return copydesk_project


def check(project, *extra):
    return project.run("check", "corpus", *SELECT, "--format", "json", "--output", "report.json", *extra)


def test_only_changed_documents_and_findings_involving_them_are_reported(repo):
    assert len(check(repo, "--changed-since", "main").findings) == 0  # nothing changed yet
    # an edit to the harbour story, and an untracked copy of the (unchanged) council story
    (repo.path / "corpus" / "harbour.txt").write_text(HARBOUR + "\nThe pier was built in 1911.\n", encoding="utf-8")
    repo.write_corpus({"wire/council-again.txt": COUNCIL})

    full = check(repo)
    assert len(full.findings) == 5  # four unattributed quotes and one exact copy
    result = check(repo, "--changed-since", "main")
    assert validate_report(result.report) == []
    reported = sorted((f["document"], f["code"]) for f in result.findings)
    # the copy is only found because the check still compares against the whole corpus;
    # schools.txt and council.txt's own quote are unchanged, so they are not reported
    assert reported == [("harbour.txt", "ATT001"), ("wire/council-again.txt", "ATT001"),
                        ("wire/council-again.txt", "DUP001")]
    duplicate = next(f for f in result.findings if f["code"] == "DUP001")
    assert [r["document"] for r in duplicate["related"]] == ["council.txt"]
    left_out = sorted(f["document"] for f in result.report["suppressed"])
    assert left_out == ["council.txt", "schools.txt"]
    assert {f["suppressed_by"] for f in result.report["suppressed"]} == {"changed-since main: document not changed"}
    run = result.report["run"]["changed_since"]
    assert (run["ref"], run["changed_files"], run["changed_documents"], run["findings_out_of_scope"]) == ("main", 2, 2, 2)
    assert "changed since main: 2 of 4 documents; 2 findings on unchanged documents not reported" in result.stderr


def test_a_finding_on_an_unchanged_document_that_names_a_changed_one_is_kept(repo):
    # the new file sorts before the original, so the exact-duplicate finding lands on the
    # unchanged council.txt and names the new file in `related`
    repo.write_corpus({"a-council-reprint.txt": COUNCIL})
    result = check(repo, "--changed-since", "HEAD")
    duplicate = next(f for f in result.findings if f["code"] == "DUP001")
    assert duplicate["document"] == "council.txt"
    assert [r["document"] for r in duplicate["related"]] == ["a-council-reprint.txt"]


def test_committed_staged_and_unstaged_changes_all_count(repo):
    (repo.path / "corpus" / "harbour.txt").write_text(HARBOUR.replace("Friday", "Saturday"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "fix the day")
    (repo.path / "corpus" / "council.txt").write_text(COUNCIL.replace("a third", "a quarter"), encoding="utf-8")
    git(repo, "add", "corpus/council.txt")  # staged only
    (repo.path / "corpus" / "schools.txt").write_text(SCHOOLS.replace("Thursday", "Friday"), encoding="utf-8")

    since_first = check(repo, "--changed-since", "HEAD~1")
    assert sorted(f["document"] for f in since_first.findings) == ["council.txt", "harbour.txt", "schools.txt"]
    since_last = check(repo, "--changed-since", "HEAD")
    assert sorted(f["document"] for f in since_last.findings) == ["council.txt", "schools.txt"]


def test_json_lines_records_count_as_changed_only_when_their_line_changed(copydesk_project):
    copydesk_project.write_config("""
        version: 1
        corpus: {paths: [corpus], include: ["**/*.jsonl"]}
    """)
    records = [{"id": "harbour-1", "text": HARBOUR}, {"id": "council-7", "text": COUNCIL}, {"id": "schools-3", "text": SCHOOLS}]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    copydesk_project.write_corpus({"stories.jsonl": "\n".join(lines) + "\n"})
    git(copydesk_project, "init", "-q")
    git(copydesk_project, "add", ".")
    git(copydesk_project, "commit", "-q", "-m", "stories")
    lines[1] = json.dumps({"id": "council-7", "text": COUNCIL.replace("a third", "a quarter")}, ensure_ascii=False)
    copydesk_project.write_corpus({"stories.jsonl": "\n".join(lines) + "\n"})

    result = copydesk_project.run("check", "corpus", "--select", "ATT001", "--changed-since", "HEAD", "-f", "json")
    assert [f["document"] for f in result.findings] == ["council-7"]
    assert result.report["run"]["changed_since"]["changed_documents"] == 1


def test_a_bad_ref_is_a_one_line_error(repo):
    for ref in ("no-such-branch", "--output=x"):
        result = repo.run("check", "corpus", f"--changed-since={ref}")
        assert result.exit_code == 2, result
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith(f"copydesk: error: --changed-since {ref}: ")


def test_outside_a_git_repository_is_a_one_line_error(copydesk_project, monkeypatch):
    copydesk_project.write_corpus({"harbour.txt": HARBOUR})
    # stop git from finding a repository above the temporary folder
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(copydesk_project.path.parent))
    result = copydesk_project.run("check", "corpus", "--changed-since", "main")
    assert result.exit_code == 2, result
    assert result.stderr.strip() == "copydesk: error: --changed-since: corpus is not in a git repository"
