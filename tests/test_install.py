"""Packaging: the wheel holds only the copydesk namespace and works when installed normally
(the editable install that the other tests use maps the folders with an import hook)."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stderr[-2000:]}")
    (path,) = out.glob("copydesk-*.whl")
    return path


def test_wheel_contains_only_the_copydesk_namespace_and_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"copydesk", next(t for t in top if t.endswith(".dist-info"))}
    for needed in ("copydesk/report.schema.json", "copydesk/config.schema.json", "copydesk/configs/default.yaml",
                   "copydesk/plugins/duplication.py", "copydesk/cli.py"):
        assert needed in names


def test_normal_install_runs_the_main_job(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "work"
    (work / "seeds").mkdir(parents=True)
    for seed in (ROOT / "seeds").glob("*.txt"):
        (work / "seeds" / seed.name).write_bytes(seed.read_bytes())
    env = dict(os.environ, PYTHONPATH=str(target), COPYDESK_DISABLE_PLUGIN_AUTOLOAD="1")
    where = subprocess.run([sys.executable, "-c", "import copydesk, copydesk.plugins; print(copydesk.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target))
    done = subprocess.run([sys.executable, "-m", "copydesk", "check", "seeds/", "--format", "json", "--output", "report.json"],
                          cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    assert (work / "report.json").is_file()


def test_importing_the_folder_name_is_refused():
    done = subprocess.run([sys.executable, "-c", "import core"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and "installs as the package 'copydesk'" in done.stderr
