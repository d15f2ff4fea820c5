"""Loading and validating ``copydesk.yaml``.

Validation runs in two passes: the static core schema (``config.schema.json``),
which is enough to read ``plugins``, then a schema composed from the core schema and
every registered check's and analysis's options schema, so an unknown check code or
option is an error. Every problem is reported with ``file:line:column``, the key path
and, for a misspelt key, the closest known key.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from jsonschema import Draft202012Validator

from .errors import ConfigError
from .loading import CorpusSettings
from .model import Severity

CONFIG_FILENAME = "copydesk.yaml"
DEFAULT_CONFIG = "<built-in default>"


def core_schema() -> dict[str, Any]:
    return json.loads(resources.files("copydesk").joinpath("config.schema.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ YAML with marks


@dataclass
class SourceFile:
    """A YAML file's data and its node tree (for line numbers)."""

    path: str
    text: str
    data: Any
    node: Any


def read_yaml(path: str, text: str | None = None) -> SourceFile:
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such configuration file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"{path}: YAML error: {str(exc).splitlines()[0] if str(exc) else 'too deeply nested'}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: the configuration must be a mapping of keys (version, corpus, select, ...)")
    return SourceFile(path, text, data, node)


def _node_at(node: Any, path: Iterable[Any]) -> tuple[Any, Any]:
    """The value node at ``path`` and, for the last mapping step, its key node."""
    key_node = None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == step or (isinstance(step, str) and str(k.value) == step):
                    key_node, node = k, v
                    break
            else:
                return node, key_node
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            key_node, node = None, node.value[step]
        else:
            return node, key_node
    return node, key_node


def _where(source: SourceFile, path: list[Any], key: bool = False) -> str:
    node, key_node = _node_at(source.node, path)
    target = key_node if key and key_node is not None else node
    if target is None:
        return f"{source.path}:1:1"
    mark = target.start_mark
    return f"{source.path}:{mark.line + 1}:{mark.column + 1}"


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
            continue
        # a key with a line break or control character is quoted, so the message stays one line
        name = str(step) if str(step).isprintable() and str(step).strip() == str(step) else repr(str(step))
        out += f".{name}" if out else name
    return out or "(top level)"


def _suggest(word: str, candidates: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def schema_problems(source: SourceFile, schema: Mapping[str, Any], describe_owner: Any = None) -> list[str]:
    """All schema violations of ``source.data``, one line each, sorted by position."""
    validator = Draft202012Validator(schema)
    problems: list[tuple[tuple[int, int], str]] = []
    for error in _leaf_errors(validator.iter_errors(source.data)):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - allowed, key=str):
                owner = describe_owner(path) if describe_owner else _dotted(path)
                hint = _suggest(str(extra), allowed)
                where = _where(source, path + [extra], key=True)
                problems.append((_sort_key(where), f"{where}: {owner}: unknown key {str(extra)!r}{hint}"))
            continue
        where = _where(source, path)
        problems.append((_sort_key(where), f"{where}: {_dotted(path)}: {_message(error)}"))
    return [message for _, message in sorted(problems)]


def _leaf_errors(errors: Iterable[Any]) -> Iterable[Any]:
    """The most specific errors: for anyOf/oneOf, the best branch's errors."""
    from jsonschema.exceptions import best_match

    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            yield best_match(error.context)
        else:
            yield error


def _message(error: Any) -> str:
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{error.instance!r} is not one of: {allowed}{_suggest(str(error.instance), map(str, error.validator_value))}"
    if error.validator == "maximum":
        return f"{error.instance} is greater than the maximum of {error.validator_value}"
    if error.validator == "minimum":
        return f"{error.instance} is less than the minimum of {error.validator_value}"
    if error.validator == "type":
        return f"{error.instance!r} is not of type {error.validator_value}"
    if error.validator == "const":
        return f"{error.instance!r} must be {error.validator_value!r}"
    return error.message


def _sort_key(where: str) -> tuple[int, int]:
    parts = where.rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return (0, 0)


# --------------------------------------------------------------------- the config


@dataclass
class CheckSettings:
    severity: Severity | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    """The validated configuration of a run (after ``extends`` is merged)."""

    path: str
    raw: dict[str, Any]
    sources: list[SourceFile] = field(default_factory=list)
    #: Command-line overrides, applied on top of the file (select, ignore, fail_on, ...).
    overrides: dict[str, Any] = field(default_factory=dict)

    def _get(self, key: str, default: Any) -> Any:
        if key in self.overrides and self.overrides[key] is not None:
            return self.overrides[key]
        return self.raw.get(key, default)

    @property
    def args(self) -> Any:
        """The parsed ``copydesk check`` command line (flags plugins added included), or None."""
        return self.overrides.get("args")

    @property
    def sha256(self) -> str:
        settings = {k: v for k, v in self.overrides.items() if k != "args"}
        blob = json.dumps({"raw": self.raw, "overrides": settings}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent if self.path != DEFAULT_CONFIG else Path.cwd()

    @property
    def corpus(self) -> CorpusSettings:
        section = dict(self.raw.get("corpus") or {})
        defaults = CorpusSettings()
        paths = self.overrides.get("paths") or section.get("paths") or list(defaults.paths)
        return CorpusSettings(
            paths=tuple(paths),
            include=tuple(section.get("include", defaults.include)),
            exclude=tuple(section.get("exclude", defaults.exclude)),
            format=section.get("format", defaults.format),
            encoding=section.get("encoding", defaults.encoding),
            errors=section.get("errors", defaults.errors),
            options=dict(section.get("options") or {}),
        )

    @property
    def select(self) -> list[str]:
        return _as_list(self._get("select", ["ALL"]))

    @property
    def ignore(self) -> list[str]:
        return _as_list(self.raw.get("ignore", [])) + _as_list(self.overrides.get("ignore") or [])

    @property
    def fail_on(self) -> str:
        return self._get("fail_on", "error")

    @property
    def plugins(self) -> list[str]:
        return list(self.raw.get("plugins") or [])

    @property
    def disable_plugins(self) -> list[str]:
        return list(self.raw.get("disable_plugins") or []) + list(self.overrides.get("disable_plugins") or [])

    @property
    def required_plugins(self) -> list[str]:
        return list(self.raw.get("required_plugins") or [])

    @property
    def per_file_ignores(self) -> dict[str, list[str]]:
        return {glob: _as_list(sel) for glob, sel in (self.raw.get("per_file_ignores") or {}).items()}

    @property
    def cache_dir(self) -> str | None:
        """The cache folder, or None when the cache is off."""
        section = self.raw.get("cache") or {}
        if self.overrides.get("no_cache") or section.get("enabled") is False:
            return None
        return self.overrides.get("cache_dir") or section.get("dir") or ".copydesk_cache"

    @property
    def refit_after(self) -> float:
        """Share of changed documents after which fitted corpus statistics are fitted again."""
        value = (self.raw.get("cache") or {}).get("refit_after")
        return 0.02 if value is None else float(value)

    @property
    def jobs(self) -> int | None:
        return self._get("jobs", None)

    def check_settings(self, code: str, name: str) -> CheckSettings:
        checks = self.raw.get("checks") or {}
        merged: dict[str, Any] = {}
        for key in (name, code):  # the code's settings win over the name's
            merged = _merge(merged, checks.get(key) or {})
        severity = merged.get("severity")
        return CheckSettings(Severity.parse(severity) if severity else None, dict(merged.get("options") or {}))

    def analysis_options(self) -> dict[str, dict[str, Any]]:
        return {name: dict(opts or {}) for name, opts in (self.raw.get("analyses") or {}).items()}

    def format_options(self, fmt: str) -> dict[str, Any]:
        """Options given to format ``fmt`` in ``report.formats`` (the first entry naming it)."""
        for item in (self.raw.get("report") or {}).get("formats") or []:
            if isinstance(item, dict) and item.get("format") == fmt:
                return dict(item.get("options") or {})
        return {}

    @property
    def report_targets(self) -> list[tuple[str, str | None]]:
        """(format, output path or None for stdout) pairs."""
        if self.overrides.get("formats"):
            formats = list(self.overrides["formats"])
            outputs = list(self.overrides.get("outputs") or [])
            return _pair_formats(formats, outputs)
        section = self.raw.get("report") or {}
        targets: list[tuple[str, str | None]] = []
        for index, item in enumerate(section.get("formats") or ["text"]):
            if isinstance(item, str):
                output = section.get("output") if index == 0 else None
                targets.append((item, output))
            else:
                targets.append((item["format"], item.get("output")))
        if self.overrides.get("outputs"):
            first_format = targets[0][0] if targets else "text"
            return _pair_formats([first_format], list(self.overrides["outputs"]))
        return targets


def _pair_formats(formats: list[str], outputs: list[str]) -> list[tuple[str, str | None]]:
    """``--format a --format b --output x --output y`` pairs in order; one output for many
    formats is a folder that receives ``report.<ext>`` files (resolved by the CLI)."""
    if len(outputs) == len(formats):
        return list(zip(formats, outputs))
    if len(outputs) == 1 and len(formats) > 1:
        return [(fmt, f"{outputs[0]}{{ext}}") for fmt in formats]
    if not outputs:
        return [(fmt, None) for fmt in formats]
    raise ConfigError(
        f"--output: {len(outputs)} outputs for {len(formats)} formats; give one --output per --format, "
        "or one output folder for several formats"
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value]


def _merge(base: Any, override: Any) -> Any:
    """Deep merge of mappings; lists and scalars of ``override`` replace."""
    if isinstance(base, dict) and isinstance(override, dict):
        result = dict(base)
        for key, value in override.items():
            result[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return result
    return copy.deepcopy(override)


def default_config_text() -> str:
    return resources.files("copydesk.configs").joinpath("default.yaml").read_text(encoding="utf-8")


def load_config_sources(path: str | None) -> tuple[str, list[SourceFile]]:
    """Read a config file and the files it ``extends``, first pass validation included.

    ``path`` None means: ``copydesk.yaml`` in the working directory, else the
    built-in default.
    """
    if path is None:
        if Path(CONFIG_FILENAME).is_file():
            path = CONFIG_FILENAME
        else:
            source = read_yaml(DEFAULT_CONFIG, default_config_text())
            _first_pass(source)
            return DEFAULT_CONFIG, [source]
    sources: list[SourceFile] = []
    seen: set[Path] = set()
    current: str | None = path
    while current is not None:
        resolved = Path(current).resolve()
        if resolved in seen:
            raise ConfigError(f"{current}: 'extends' makes a loop back to this file")
        seen.add(resolved)
        source = read_yaml(current)
        _first_pass(source)
        sources.append(source)
        parent = source.data.get("extends")
        if parent is None:
            current = None
        elif parent in ("default", "copydesk:default"):
            builtin = read_yaml(DEFAULT_CONFIG, default_config_text())
            _first_pass(builtin)
            sources.append(builtin)
            current = None
        else:
            current = str((Path(current).parent / parent))
            if not Path(current).is_file():
                where = _where(source, ["extends"])
                raise ConfigError(f"{where}: extends: no such file {parent!r} (paths are relative to this file)")
    return path, sources


def _first_pass(source: SourceFile) -> None:
    problems = schema_problems(source, _static_schema())
    if problems:
        raise ConfigError(problems)


def _static_schema() -> dict[str, Any]:
    """The core schema with checks/analyses left open (their keys are checked in pass two)."""
    schema = core_schema()
    schema["properties"]["checks"]["additionalProperties"] = {"$ref": "#/$defs/check_settings"}
    schema["properties"]["analyses"]["additionalProperties"] = {"type": "object"}
    # keys that plugins add (copydesk_register_settings) are checked in pass two
    schema["additionalProperties"] = True
    return schema


def composed_schema(registry: Any) -> dict[str, Any]:
    """The core schema with every registered check's and analysis's options."""
    schema = core_schema()
    checks = schema["properties"]["checks"]["properties"]
    for code, cls in sorted(registry.checks.items()):
        settings = {
            "type": "object",
            "additionalProperties": False,
            "description": f"{cls.name}: {cls.summary()}",
            "properties": {
                "severity": {"enum": ["error", "warning", "info"], "description": "Severity of this check's findings."},
                "options": copy.deepcopy(dict(cls.options_schema)),
            },
        }
        checks[code] = settings
        checks[cls.name] = settings
        for alias in cls.aliases:
            checks[alias] = settings
    analyses = schema["properties"]["analyses"]["properties"]
    for name, cls in sorted(registry.analyses.items()):
        analyses[name] = copy.deepcopy(dict(cls.options_schema))
    for key, setting in sorted(getattr(registry, "settings", {}).items()):
        schema["properties"][key] = copy.deepcopy(setting)
    return schema


def validate_against_registry(sources: list[SourceFile], registry: Any) -> None:
    """Second pass: unknown checks, unknown options, bad option values, bad selectors."""
    schema = composed_schema(registry)

    def owner(path: list[Any]) -> str:
        if len(path) >= 3 and path[0] == "checks" and path[2] == "options":
            cls = registry.checks.get(path[1]) or registry.check_by_name(str(path[1]))
            label = f"{cls.code} {cls.name}" if cls else str(path[1])
            return f"{_dotted(path)} (options of {label})"
        if path == ["checks"]:
            return "checks (unknown check; `copydesk checks` lists them)"
        return _dotted(path)

    problems: list[str] = []
    for source in sources:
        problems.extend(schema_problems(source, schema, owner))
        for key in ("select", "ignore"):
            problems.extend(_selector_problems(source, [key], source.data.get(key), registry))
        for glob, selectors in (source.data.get("per_file_ignores") or {}).items():
            problems.extend(_selector_problems(source, ["per_file_ignores", glob], selectors, registry))
    if problems:
        raise ConfigError(problems)


def _selector_problems(source: SourceFile, path: list[Any], value: Any, registry: Any) -> list[str]:
    from .selection import selector_problem

    problems = []
    items = [value] if isinstance(value, str) else list(value or [])
    for index, item in enumerate(items):
        problem = selector_problem(str(item), registry)
        if problem:
            step = path if isinstance(value, str) else path + [index]
            problems.append(f"{_where(source, step)}: {_dotted(step)}: {problem}")
    return problems


def build_config(path: str | None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read, merge and first-pass validate the configuration."""
    config_path, sources = load_config_sources(path)
    merged: dict[str, Any] = {}
    for source in reversed(sources):  # the base first, the file named last wins
        merged = _merge(merged, source.data)
    merged.pop("extends", None)
    return Config(config_path, merged, sources, dict(overrides or {}))
