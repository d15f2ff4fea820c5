"""The CI examples in docs/ci/ and .pre-commit-hooks.yaml run as written.

Each test parses the example, takes the shell commands that invoke copydesk exactly as
they are written, and runs them with the installed ``copydesk`` command in a temporary
project whose corpus sits at ``corpus/``, the path the examples use (so nothing is
substituted). What CI provides is set up as CI would: the environment variables, a git
history, a committed baseline.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = os.path.dirname(sys.executable)
COPYDESK = shutil.which("copydesk", path=BIN) or shutil.which("copydesk")
INVOKES_COPYDESK = re.compile(r"(^|[\s;|&(])copydesk\s+(check|baseline)\b", re.MULTILINE)
CI_VARIABLES = ("GITHUB_BASE_REF", "GITHUB_STEP_SUMMARY", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")

pytestmark = [
    pytest.mark.skipif(COPYDESK is None, reason="the copydesk command is not installed"),
    pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run CI scripts"),
]

STORY = (
    "The regional water board will raise household bills by four percent from April to pay for "
    "new pipes under the old town.\n\n"
    "Board chair Ruth Adeyemi said the work would take three years and cause some road closures.\n"
)
QUOTE = (
    "Bus drivers in the city will strike on Monday and Tuesday over pay, their union said.\n\n"
    "“We have waited two years for an offer that keeps up with rents.”\n"
)
WEATHER = "Forecasters expect a dry week with cold nights and light winds along the coast.\n"


def git(path, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="CI", GIT_AUTHOR_EMAIL="ci@example.invalid",
               GIT_COMMITTER_NAME="CI", GIT_COMMITTER_EMAIL="ci@example.invalid")
    subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)


@pytest.fixture
def project(copydesk_project):
    # an exact copy (DUP001, an error) and an unattributed quote (ATT001, a warning)
    copydesk_project.write_corpus({"water.txt": STORY, "water-copy.txt": STORY, "buses.txt": QUOTE,
                                   "weather.txt": WEATHER})
    return copydesk_project


def run_script(project, script, **variables):
    env = {k: v for k, v in os.environ.items() if k not in CI_VARIABLES}
    env.update(variables, PATH=BIN + os.pathsep + env.get("PATH", ""))
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=project.path, env=env,
                            capture_output=True, text=True, timeout=600)
    unknown = re.search(r"--format (\S+): unknown format", result.stderr)
    if unknown:
        pytest.skip(f"the {unknown.group(1)} format is not installed yet (another helper writes it)")
    assert result.returncode in (0, 1), f"{script}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    return result


# ------------------------------------------------------------------- GitHub Actions


def github_steps():
    workflow = yaml.safe_load((ROOT / "docs" / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return workflow, job["steps"]


def copydesk_steps():
    return [step for step in github_steps()[1] if INVOKES_COPYDESK.search(step.get("run", ""))]


def run_github_steps(project, **variables):
    summary = project.path / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    return [run_script(project, step["run"], GITHUB_STEP_SUMMARY=str(summary), **variables) for step in copydesk_steps()]


def test_the_workflow_uploads_the_sarif_file_it_writes():
    workflow, steps = github_steps()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers and "push" in triggers
    assert workflow["permissions"]["security-events"] == "write"
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    sarif_step = next(s for s in copydesk_steps() if "--format sarif" in s["run"])
    assert f"--output {upload['with']['sarif_file']}" in sarif_step["run"]
    assert steps.index(sarif_step) < steps.index(upload) and upload["if"] == "always()"
    assert any("--format github" in s["run"] for s in copydesk_steps())
    assert any("$GITHUB_STEP_SUMMARY" in s["run"] and "--format markdown" in s["run"] for s in copydesk_steps())


def test_github_workflow_on_a_push(project):
    sarif, summary, gate = run_github_steps(project)
    assert sarif.returncode == 0 and summary.returncode == 0  # --exit-zero: these steps only report
    log = json.loads((project.path / "copydesk.sarif").read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    rules = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert {"DUP001", "ATT001"} <= rules
    assert (project.path / "step-summary.md").read_text(encoding="utf-8").startswith("## copydesk: ")
    assert gate.returncode == 1  # an exact duplicate is an error: the job fails
    annotations = [line for line in gate.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=corpus/water") and "DUP001" in line for line in annotations)
    assert any(line.startswith("::warning file=corpus/buses.txt") for line in annotations)


def test_github_workflow_with_a_committed_baseline_passes(project):
    recorded = run_script(project, "copydesk baseline corpus")
    assert "findings recorded" in recorded.stderr
    *_, gate = run_github_steps(project)
    assert gate.returncode == 0, gate.stderr
    assert not [line for line in gate.stdout.splitlines() if line.startswith("::")]
    assert "suppressed" in gate.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_github_workflow_on_a_pull_request_annotates_only_the_change(project):
    git(project.path, "init", "-q", "-b", "main")
    git(project.path, "add", "corpus")
    git(project.path, "commit", "-q", "-m", "corpus")
    git(project.path, "update-ref", "refs/remotes/origin/main", "HEAD")  # what checkout fetches
    git(project.path, "checkout", "-q", "-b", "weekend-edition")
    project.write_corpus({"ferry.txt": (
        "The island ferry will run an extra crossing on Saturdays until October.\n\n"
        "“Visitors kept missing the last boat home, so we listened.”\n")})
    git(project.path, "add", "corpus")
    git(project.path, "commit", "-q", "-m", "ferry story")

    *_, gate = run_github_steps(project, GITHUB_BASE_REF="main")
    annotations = [line for line in gate.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and annotations[0].startswith("::warning file=corpus/ferry.txt"), gate.stdout
    assert gate.returncode == 0  # the old duplicate is not this pull request's doing
    assert "changed since origin/main: 1 of 5 documents" in gate.stderr


# ------------------------------------------------------------------------ GitLab CI


def gitlab_job():
    config = yaml.safe_load((ROOT / "docs" / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    return config["copydesk"]


def test_gitlab_job_writes_the_junit_report_it_declares(project):
    job = gitlab_job()
    script = "\n".join(job["script"])
    assert INVOKES_COPYDESK.search(script)
    junit = job["artifacts"]["reports"]["junit"]
    assert f"--format junit --output {junit}" in script and job["artifacts"]["when"] == "always"

    result = run_script(project, script)  # GitLab runs the script lines in one shell
    assert result.returncode == 1  # the exact duplicate fails the job
    assert "DUP001" in result.stdout  # the text report is printed to the job log
    suite = ET.parse(project.path / junit).getroot()
    failures = {case.get("name").split()[0] for case in suite.iter("testcase") if case.find("failure") is not None}
    assert {"DUP001", "ATT001"} <= failures

    run_script(project, "copydesk baseline corpus")
    assert run_script(project, script).returncode == 0  # everything accepted in the baseline


# ------------------------------------------------------------------------ pre-commit


def hooks():
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def test_pre_commit_hooks_check_the_configured_corpus(project):
    all_hooks = hooks()
    assert set(all_hooks) == {"copydesk", "copydesk-changed"}
    for hook in all_hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].startswith("copydesk check")
    project.write_config("version: 1\ncorpus: {paths: [corpus]}\n")
    result = run_script(project, all_hooks["copydesk"]["entry"])
    assert result.returncode == 1 and "DUP001" in result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_changed_hook_blocks_only_a_commit_that_adds_a_problem(project):
    project.write_config("version: 1\ncorpus: {paths: [corpus]}\n")
    git(project.path, "init", "-q")
    git(project.path, "add", ".")
    git(project.path, "commit", "-q", "-m", "corpus with an old duplicate")
    entry = hooks()["copydesk-changed"]["entry"]

    project.write_corpus({"harbour.txt": "Fishing boats stayed in the harbour on Thursday as gales swept the coast.\n"})
    git(project.path, "add", "corpus")
    assert run_script(project, entry).returncode == 0  # a clean story: the old duplicate is not reported

    project.write_corpus({"water-again.txt": STORY})
    git(project.path, "add", "corpus")
    blocked = run_script(project, entry)
    assert blocked.returncode == 1 and "corpus/water-again.txt" in blocked.stdout and "DUP001" in blocked.stdout
    assert shlex.split(entry)[:2] == ["copydesk", "check"]
