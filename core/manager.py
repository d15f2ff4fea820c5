"""Setting up the plugin manager and collecting what plugins register.

A fresh :class:`pluggy.PluginManager` is made for every run (never a module
global), in this order: hook specs; blocked names (``-p no:NAME`` or
``disable_plugins``); the core runner; built-in plugins; plugins installed under
the entry-point group ``copydesk`` (unless ``COPYDESK_DISABLE_PLUGIN_AUTOLOAD``
is set); local plugins named in the config. A plugin that fails to load stops the
run with exit 2: in CI a silently missing plugin means checks silently not run.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import json
from importlib import resources

import pluggy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from . import hookspecs
from .checks import Check, validate_check_class
from .corpus import Analysis
from .errors import PluginError
from .loading import Loader
from .output import Formatter

ESSENTIAL_PLUGINS = frozenset({"runner"})
ENTRY_POINT_GROUP = "copydesk"


@dataclass
class Registry:
    """Everything the plugins registered, by code or name."""

    checks: dict[str, type[Check]] = field(default_factory=dict)
    loaders: dict[str, type[Loader]] = field(default_factory=dict)
    formats: dict[str, type[Formatter]] = field(default_factory=dict)
    analyses: dict[str, type[Analysis]] = field(default_factory=dict)
    #: alias code -> current code
    aliases: dict[str, str] = field(default_factory=dict)
    #: top-level config key -> JSON Schema, contributed by plugins
    settings: dict[str, dict] = field(default_factory=dict)

    def check_by_name(self, name: str) -> type[Check] | None:
        for cls in self.checks.values():
            if cls.name == name:
                return cls
        return None


def builtin_plugin_names() -> tuple[str, ...]:
    from copydesk.plugins import BUILTIN_PLUGINS

    return BUILTIN_PLUGINS


def make_plugin_manager(
    local_plugins: Sequence[str] = (),
    disabled: Iterable[str] = (),
    base_dir: Path | None = None,
    extra_plugins: Sequence[Any] = (),
    autoload: bool | None = None,
) -> pluggy.PluginManager:
    """A plugin manager with every plugin of this run registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        if name in ESSENTIAL_PLUGINS:
            raise PluginError(f"plugin {name!r} is essential and cannot be disabled")
        pm.set_blocked(name)

    from . import runner

    pm.register(runner, name="runner")
    for short in builtin_plugin_names():
        if pm.is_blocked(short):
            continue
        module = importlib.import_module(f"copydesk.plugins.{short}")
        pm.register(module, name=short)

    if autoload is None:
        autoload = not os.environ.get("COPYDESK_DISABLE_PLUGIN_AUTOLOAD")
    if autoload:
        _load_entry_points(pm)

    for spec in local_plugins:
        module = _import_local_plugin(spec, base_dir or Path.cwd())
        if not pm.is_blocked(spec) and not pm.is_registered(module):
            pm.register(module, name=spec)

    for obj in extra_plugins:
        if not pm.is_registered(obj):
            pm.register(obj)

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r}: {exc}") from None
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
            continue
        dist = getattr(ep, "dist", None)
        where = f"{dist.name} {dist.version}" if dist is not None else ep.value
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure is reported the same way
            raise PluginError(
                f"plugin {ep.name!r} ({where}) failed to load: {type(exc).__name__}: {exc}"
            ) from None
        pm.register(plugin, name=ep.name)


#: module name -> file of each local .py plugin imported in this process; worker processes
#: started with spawn/forkserver import them again (see :func:`import_local_plugin_files`)
LOCAL_PLUGIN_FILES: dict[str, str] = {}


def local_plugin_module_name(path: Path) -> str:
    """A stable module name for a plugin file: the same in every process, so that checks
    defined in it pickle by reference and unpickle in worker processes."""
    return "copydesk_local_plugin_" + hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _exec_plugin_file(module_name: str, path: Path) -> Any:
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    LOCAL_PLUGIN_FILES[module_name] = str(path)
    return module


def import_local_plugin_files(files: "dict[str, str]") -> None:
    """Import local plugin files by the names the parent process gave them (the
    initializer of worker processes; a no-op for modules a forked worker already has)."""
    for module_name, path in files.items():
        if module_name not in sys.modules:
            _exec_plugin_file(module_name, Path(path))


def _import_local_plugin(spec: str, base_dir: Path) -> Any:
    """Import a plugin named in the config: a module name or a path to a .py file."""
    try:
        if spec.endswith(".py") or "/" in spec or os.sep in spec:
            path = (base_dir / spec).resolve()
            if not path.is_file():
                raise PluginError(f"plugins: {spec!r}: no such file (paths are relative to the config file)")
            module_name = local_plugin_module_name(path)
            if module_name in sys.modules:
                return sys.modules[module_name]
            return _exec_plugin_file(module_name, path)
        return importlib.import_module(spec)
    except PluginError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise PluginError(f"plugins: {spec!r} failed to load: {type(exc).__name__}: {exc}") from None


def collect_registry(pm: pluggy.PluginManager) -> Registry:
    """Call the registration hooks and validate what comes back."""
    registry = Registry()
    problems: list[str] = []

    def plugin_name_of(impl: Any) -> str:
        return pm.get_name(impl.plugin) or repr(impl.plugin)

    for impl in pm.hook.copydesk_register_checks.get_hookimpls():
        owner = plugin_name_of(impl)
        for cls in _call(impl, owner):
            for problem in validate_check_class(cls):
                problems.append(f"plugin {owner!r}: check {getattr(cls, '__name__', cls)!r}: {problem}")
            if not (isinstance(cls, type) and issubclass(cls, Check)):
                continue
            cls.plugin = owner
            previous = registry.checks.get(cls.code)
            if previous is not None and previous is not cls:
                problems.append(
                    f"check code {cls.code} is registered twice: by plugin {previous.plugin!r} "
                    f"({previous.__name__}) and by plugin {owner!r} ({cls.__name__})"
                )
                continue
            registry.checks[cls.code] = cls
            for alias in cls.aliases:
                registry.aliases[alias] = cls.code

    names: dict[str, str] = {}
    for code, cls in registry.checks.items():
        if cls.name in names and names[cls.name] != code:
            problems.append(f"check name {cls.name!r} is used by both {names[cls.name]} and {code}")
        names[cls.name] = code

    for hook, target, key, base in (
        (pm.hook.copydesk_register_loaders, registry.loaders, "format", Loader),
        (pm.hook.copydesk_register_formats, registry.formats, "name", Formatter),
        (pm.hook.copydesk_register_analyses, registry.analyses, "name", Analysis),
    ):
        for impl in hook.get_hookimpls():
            owner = plugin_name_of(impl)
            for cls in _call(impl, owner):
                if not (isinstance(cls, type) and issubclass(cls, base)) or not getattr(cls, key):
                    problems.append(f"plugin {owner!r}: {cls!r} is not a {base.__name__} subclass with a {key}")
                    continue
                cls.plugin = owner
                # later registrations (third-party plugins) override built-ins of the same name
                target[getattr(cls, key)] = cls
    core_keys = set(json.loads(resources.files("copydesk").joinpath("config.schema.json").read_text())["properties"])
    for impl in pm.hook.copydesk_register_settings.get_hookimpls():
        owner = plugin_name_of(impl)
        try:
            contributed = dict(impl.function() or {})
        except Exception as exc:  # noqa: BLE001
            raise PluginError(f"plugin {owner!r}: copydesk_register_settings raised {type(exc).__name__}: {exc}") from None
        for key, schema in contributed.items():
            if key in core_keys or key in registry.settings:
                problems.append(f"plugin {owner!r}: configuration key {key!r} is already taken")
                continue
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                problems.append(f"plugin {owner!r}: schema of configuration key {key!r} is invalid: {exc.message}")
                continue
            registry.settings[key] = schema
    if problems:
        raise PluginError("; ".join(problems))
    return registry


def _call(impl: Any, owner: str) -> list[Any]:
    try:
        result = impl.function()
    except Exception as exc:  # noqa: BLE001
        raise PluginError(f"plugin {owner!r}: {impl.function.__name__} raised {type(exc).__name__}: {exc}") from None
    return list(result or [])
