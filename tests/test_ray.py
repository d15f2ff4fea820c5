"""``--executor ray`` gives the same report as the local runner.

The tests that need Ray share one local Ray (2 CPUs) started once for the module;
they are skipped when Ray is not installed (``pip install 'copydesk[ray]'``). The
error path without Ray, and the choice of cluster address, run everywhere.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from copydesk.plugins import ray_executor
from test_parallel import LOCAL_PLUGIN, news_corpus, rendered, without_timings

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="Ray is not installed (pip install 'copydesk[ray]')")
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
STORY = "The ferry resumed sailing on Tuesday after a week of storms closed the harbour.\n"


def report_of(project, *args, plugins=()):
    result = project.run("check", *args, "--no-cache", "-q", "-f", "json", "-o", "report.json", plugins=plugins)
    assert result.exit_code in (0, 1), result
    return result.report


# ------------------------------------------------------------- without a cluster


def test_executor_ray_without_ray_installed_is_one_line_exit_2(copydesk_project, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    copydesk_project.write_corpus({"a.txt": STORY})
    result = copydesk_project.run("check", "corpus", "--executor", "ray")
    assert result.exit_code == 2
    assert result.stderr == "copydesk: error: " + ray_executor.INSTALL_HINT + "\n"
    assert "pip install 'copydesk[ray]'" in result.stderr


def test_executor_local_is_the_core_runner(copydesk_project, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # never imported for the local executor
    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY})
    report = report_of(copydesk_project, "corpus", "--executor", "local")
    assert report["summary"]["by_code"].get("DUP001") == 1


def test_unknown_executor_is_a_usage_error(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    result = copydesk_project.run("check", "corpus", "--executor", "spark")
    assert result.exit_code == 2 and "invalid choice: 'spark'" in result.stderr


def test_executor_and_ray_address_from_the_config(copydesk_project, monkeypatch):
    """``executor: ray`` in copydesk.yaml runs on Ray without the flag, joining ``ray.address``;
    ``--executor local`` overrides the config for one run."""
    monkeypatch.setitem(sys.modules, "ray", None)  # the config's choice fails as the flag does
    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY})
    copydesk_project.write_config("version: 1\nexecutor: ray\nray:\n  address: ray://head:10001\n")
    result = copydesk_project.run("check", "corpus", "--no-cache")
    assert result.exit_code == 2 and result.stderr == "copydesk: error: " + ray_executor.INSTALL_HINT + "\n"
    report = report_of(copydesk_project, "corpus", "--executor", "local")
    assert report["summary"]["by_code"].get("DUP001") == 1


@pytest.mark.parametrize("text, where, key", [
    ("ray:\n  adress: ray://head:10001\n", "copydesk.yaml:3:3:", "unknown key 'adress' (did you mean 'address'?)"),
    ("executor: spark\n", "copydesk.yaml:2:", "executor"),
])
def test_a_typo_in_the_ray_settings_is_an_error_naming_the_key(copydesk_project, text, where, key):
    copydesk_project.write_corpus({"a.txt": STORY})
    copydesk_project.write_config("version: 1\n" + text)
    result = copydesk_project.run("check", "corpus", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"copydesk: error: {where}") and key in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("flag, configured, expected", [
    (None, None, None),
    (None, "ray://config:1", "ray://config:1"),
    ("ray://flag:1", "ray://config:1", "ray://flag:1"),
])
def test_ray_address_is_the_flag_then_the_config(flag, configured, expected):
    from types import SimpleNamespace

    config = SimpleNamespace(args=SimpleNamespace(executor="ray", ray_address=flag),
                             raw={"ray": {"address": configured}} if configured else {})
    assert ray_executor.ray_address(config) == expected


class FakeRay:
    """Records how ``connect`` starts Ray."""

    def __init__(self, initialized=False):
        self.initialized = initialized
        self.calls = []
        self.shut = False
        self.data = type("data", (), {"DataContext": type("DC", (), {"get_current": staticmethod(lambda: object())})})

    def is_initialized(self):
        return self.initialized

    def init(self, **kwargs):
        self.calls.append(kwargs)

    def shutdown(self):
        self.shut = True


@pytest.mark.parametrize("flag, env, expected", [
    (None, None, None),
    ("ray://127.0.0.1:10001", None, "ray://127.0.0.1:10001"),
    (None, "127.0.0.1:6379", "127.0.0.1:6379"),
    ("ray://flag:1", "env:2", "ray://flag:1"),
])
def test_connect_uses_the_flag_then_ray_address_then_a_local_two_cpu_ray(monkeypatch, flag, env, expected):
    fake = FakeRay()
    monkeypatch.setattr(ray_executor, "import_ray", lambda: fake)
    if env is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", env)
    connection = ray_executor.connect(flag)
    (call,) = fake.calls
    assert call["include_dashboard"] is False and call["log_to_driver"] is False
    if expected is None:
        assert call["num_cpus"] == 2 and "address" not in call
    else:
        assert call["address"] == expected and "num_cpus" not in call
    connection.close()
    assert fake.shut, "a Ray started for the run is shut down after it"


def test_connect_reuses_a_ray_already_running_and_leaves_it_running(monkeypatch):
    fake = FakeRay(initialized=True)
    monkeypatch.setattr(ray_executor, "import_ray", lambda: fake)
    connection = ray_executor.connect("ray://ignored:1")
    connection.close()
    assert fake.calls == [] and not fake.shut


# ---------------------------------------------------------------- on a local Ray


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module: starting one takes seconds."""
    if not HAS_RAY:
        pytest.skip("Ray is not installed (pip install 'copydesk[ray]')")
    import logging

    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    ray_executor._quiet_data(ray)
    yield ray
    ray.shutdown()


@needs_ray
def test_generated_corpus_same_report_on_ray_as_local(copydesk_project, local_ray):
    copydesk_project.write_corpus(news_corpus(150, seed=5))
    local = without_timings(report_of(copydesk_project, "corpus"))
    on_ray = without_timings(report_of(copydesk_project, "corpus", "--executor", "ray"))
    assert len(local["findings"]) > 100 and len(local["summary"]["by_code"]) >= 8
    assert on_ray == local
    assert rendered(on_ray) == rendered(local)


@needs_ray
def test_per_check_seconds_are_reported_from_the_workers(copydesk_project, local_ray):
    copydesk_project.write_corpus(news_corpus(40, seed=6))
    report = report_of(copydesk_project, "corpus", "--executor", "ray")
    seconds = {row["code"]: row["duration_s"] for row in report["run"]["checks"]}
    assert seconds["ATT001"] > 0 and seconds["DUP003"] > 0  # one per-document, one corpus check
    assert any(row["name"] == "reuse" and row["duration_s"] > 0 for row in report["run"]["analyses"])


@needs_ray
def test_seeds_same_report_on_ray_as_local(copydesk_project, local_ray):
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here (only on the project's own machines)")
    local = without_timings(report_of(copydesk_project, str(SEEDS)))
    on_ray = without_timings(report_of(copydesk_project, str(SEEDS), "--executor", "ray"))
    assert local["findings"] and on_ray == local


@needs_ray
def test_local_py_plugin_checks_run_on_ray_workers(copydesk_project, local_ray):
    """Checks from a plugin file next to the config are shipped to workers by value."""
    (copydesk_project.path / "shouting.py").write_text(LOCAL_PLUGIN, encoding="utf-8")
    copydesk_project.write_corpus({f"n{i}.txt": f"STORY NUMBER {i} IN CAPITALS\n" for i in range(6)} | {"q.txt": STORY})
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\nplugins: [shouting.py]\nselect: [XLP001]\n")
    report = report_of(copydesk_project, "--executor", "ray")
    assert report["summary"]["by_code"] == {"XLP001": 6}


@needs_ray
def test_a_check_crash_on_a_worker_is_exit_3_one_line(copydesk_project, local_ray):
    from test_bad_input import ExplodingPlugin

    copydesk_project.write_corpus({"a.txt": STORY, "v.txt": "The volcano erupted."})
    result = copydesk_project.run("check", "corpus", "--no-cache", "--executor", "ray", plugins=[ExplodingPlugin])
    assert result.exit_code == 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "XBM001 exploding" in lines[0] and "'v.txt'" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@needs_ray
def test_incremental_cache_works_with_ray(copydesk_project, local_ray):
    copydesk_project.write_corpus(news_corpus(30, seed=7))
    args = ("check", "corpus", "-q", "-f", "json", "-o", "report.json", "--executor", "ray", "--cache-dir", "c")
    first = copydesk_project.run(*args)
    second = copydesk_project.run(*args)
    assert first.report["run"]["cache"]["misses"] > 0 and second.report["run"]["cache"]["hits"] > 0
    assert without_timings(second.report)["findings"] == without_timings(first.report)["findings"]
