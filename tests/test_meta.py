"""Meta-tests: the project's promises about itself."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from copydesk import hookspecs
from copydesk.checks import validate_check_class
from copydesk.config import build_config, validate_against_registry
from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.pipeline import run
from copydesk.report import validate_report

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager(autoload=False))


def test_every_hookspec_has_a_docstring_saying_when_and_what():
    specs = [getattr(hookspecs, name) for name in dir(hookspecs) if name.startswith("copydesk_")]
    assert len(specs) >= 10
    for spec in specs:
        doc = inspect.getdoc(spec) or ""
        assert len(doc.splitlines()) >= 3, f"{spec.__name__} needs a docstring: when it is called, params, return"


def test_every_check_is_well_declared(registry):
    names = set()
    for code, cls in registry.checks.items():
        assert validate_check_class(cls) == [], code
        doc = cls.description()
        assert "Why it matters" in doc and "Example" in doc, f"{code}: docstring needs 'Why it matters' and 'Example'"
        for key, prop in cls.options_schema.get("properties", {}).items():
            assert "description" in prop and "default" in prop, f"{code} option {key}: needs a default and a description"
        assert cls.name not in names
        names.add(cls.name)


def test_builtin_categories(registry):
    allowed = {"corpus", "duplication", "translation", "attribution", "off-topic"}
    assert {cls.category for cls in registry.checks.values()} <= allowed


def test_shipped_configs_validate(registry):
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        config = build_config(str(path))
        validate_against_registry(config.sources, registry)


def test_json_report_for_the_seed_corpus_validates(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = build_config(None, {"paths": ["seeds/"]})
    outcome = run(config)
    assert validate_report(outcome.report) == []
    assert outcome.report["run"]["corpus"]["documents"] == 5


def test_seed_files_are_the_shared_ones_byte_for_byte():
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this clone (only on the project's own machines)")
    for path in shared.glob("*.txt"):
        assert (ROOT / "seeds" / path.name).read_bytes() == path.read_bytes()


def test_packaging_lists_every_package():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setup = pyproject["tool"]["setuptools"]
    mapping = setup["package-dir"]
    listed = set(setup["packages"])
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            dotted = ".".join((package, *relative))
            assert dotted in listed, f"{dotted} is missing from [tool.setuptools] packages"


def test_builtin_plugins_import_only_the_public_api():
    public = {"copydesk"}
    for path in (ROOT / "plugins").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("copydesk"):
                assert node.module in public or node.module.startswith("copydesk.plugins"), (
                    f"{path.name} imports {node.module}: built-in plugins use only `from copydesk import ...`"
                )


def test_readme_opens_with_install_and_test_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert "copydesk check seeds/" in blocks[0]
    test_command = blocks[1].strip().splitlines()[-1]
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text()
