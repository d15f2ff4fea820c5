"""The ``copydesk`` command line.

Exit codes (:class:`copydesk.ExitCode`): 0 no finding at or above ``fail_on``,
1 findings at or above it, 2 usage/config/input/plugin error, 3 internal error.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .config import CONFIG_FILENAME, build_config, composed_schema, default_config_text
from .errors import CheckCrash, ConfigError, CopydeskError, ExitCode, UsageError
from .kept_records import materialize
from .output import write_atomically, write_stdout


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so errors get exit code 2 and one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser(pm: Any = None) -> ArgumentParser:
    """The command-line parser; ``pm`` lets plugins add flags and sub-commands."""
    parser = ArgumentParser(prog="copydesk", description="A copy desk for text corpora.")
    parser.add_argument("--version", action="version", version=f"copydesk {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)

    check = sub.add_parser("check", help="check a corpus and report findings")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: corpus.paths of the config)")
    check.add_argument("--config", "-c", metavar="FILE", help=f"configuration file (default: ./{CONFIG_FILENAME}, else the built-in default)")
    check.add_argument("--select", action="append", metavar="CODES", help="checks to run (codes, prefixes, names, ALL); replaces the config's select")
    check.add_argument("--ignore", action="append", metavar="CODES", help="checks not to run; added to the config's ignore")
    check.add_argument("--format", "-f", action="append", dest="formats", metavar="NAME", help="output format (text, json, or a plugin's); repeatable")
    check.add_argument("--output", "-o", action="append", dest="outputs", metavar="FILE", help="write the report here (one per --format; default stdout)")
    check.add_argument("--fail-on", choices=["error", "warning", "info", "never"], help="lowest severity that makes the exit code 1")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (errors still exit 2 or 3)")
    check.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes for per-document work (default and 0: the number of cores; 1: no workers)")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per check")
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour in the text format")
    check.add_argument("-p", dest="plugin_flags", action="append", default=[], metavar="no:NAME", help="disable a plugin: -p no:NAME")
    check.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the incremental cache")
    check.add_argument("--cache-dir", metavar="DIR", help="cache folder (default .copydesk_cache)")

    checks = sub.add_parser("checks", help="list every available check")
    checks.add_argument("--config", "-c", metavar="FILE")
    checks.add_argument("--format", choices=["text", "json"], default="text")

    explain = sub.add_parser("explain", help="explain a check: why it matters, an example, its options")
    explain.add_argument("code", metavar="CODE")
    explain.add_argument("--config", "-c", metavar="FILE")

    schema = sub.add_parser("schema", help="print the JSON Schema of the report or of the configuration")
    schema.add_argument("which", choices=["report", "config"])
    schema.add_argument("--config", "-c", metavar="FILE")

    init = sub.add_parser("init", help=f"write a commented {CONFIG_FILENAME}")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    plugins = sub.add_parser("plugins", help="list loaded plugins with their hooks and checks")
    plugins.add_argument("--config", "-c", metavar="FILE")
    if pm is not None:
        pm.hook.copydesk_add_arguments(parser=check)
        pm.hook.copydesk_add_commands(subparsers=sub)
    return parser


def _bootstrap_plugin_manager(argv: Sequence[str], extra_plugins: Sequence[Any]) -> Any:
    """Built-in and installed plugins, for building the parser (honours -p no:NAME)."""
    from .manager import make_plugin_manager

    disabled = [argv[i + 1][3:] for i, a in enumerate(argv[:-1]) if a == "-p" and argv[i + 1].startswith("no:")]
    return make_plugin_manager(disabled=disabled, extra_plugins=extra_plugins)


def main(argv: Sequence[str] | None = None, extra_plugins: Sequence[Any] = ()) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser(_bootstrap_plugin_manager(argv, extra_plugins))
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return ExitCode.USAGE
        handler = getattr(args, "handler", None) or globals()[f"cmd_{args.command}"]
        return int(handler(args, extra_plugins))
    except ConfigError as exc:
        for line in exc.problems:
            print(f"copydesk: error: {line}", file=sys.stderr)
        return _debug_traceback(debug, exc.exit_code)
    except CopydeskError as exc:
        prefix = "internal error" if isinstance(exc, CheckCrash) else "error"
        print(f"copydesk: {prefix}: {exc}", file=sys.stderr)
        if debug and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        return _debug_traceback(debug, exc.exit_code)
    except KeyboardInterrupt:
        print("copydesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a bare traceback
        print(f"copydesk: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return ExitCode.INTERNAL


#: the runs' outcomes, kept to the end of the process when it is the ``copydesk`` command (:func:`entry`)
_kept_to_exit: list[Any] | None = None


def entry() -> None:
    """The ``copydesk`` command and ``python -m copydesk``: :func:`main`, then a quick exit.

    A run over 100,000 documents ends holding tens of millions of objects (the corpus,
    the findings, the report); freeing them one by one took ~3 s after all the work was
    done. The command keeps them and ends the process as soon as the exit handlers
    (logging's, Ray's, any plugin's) have run and the output is flushed. ``main()``
    called in a program (the tests, a script embedding copydesk) frees them as usual.
    """
    global _kept_to_exit
    _kept_to_exit = []
    code = main()
    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter runs at exit, in order
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_exit_handlers is None:  # another Python: the usual exit
        sys.exit(code)
    try:
        shutdown()  # waits for threads a plugin left running, as the interpreter would
        run_exit_handlers()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said there
                pass
        os._exit(code)


def _debug_traceback(debug: bool, code: int) -> int:
    if debug:
        traceback.print_exc()
    return code


# -------------------------------------------------------------------------- check


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    disabled = []
    for flag in args.plugin_flags:
        if not flag.startswith("no:"):
            raise UsageError(f"-p {flag}: only -p no:NAME (disable a plugin) is supported")
        disabled.append(flag[3:])
    return {
        "paths": list(args.paths) or None,
        "select": _split(args.select),
        "ignore": _split(args.ignore),
        "fail_on": args.fail_on,
        "formats": args.formats,
        "outputs": args.outputs,
        "disable_plugins": disabled,
        "no_cache": args.no_cache,
        "cache_dir": args.cache_dir,
        "args": args,
    }


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def cmd_check(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> int:
    from .collector import collector_paused
    from .pipeline import prepare, run
    from .selection import selector_problem

    if args.jobs is not None and args.jobs < 0:
        raise UsageError("--jobs: give a number of processes >= 0 (0 = number of cores)")
    config = build_config(args.config, _overrides(args))
    pm, registry = prepare(config, extra_plugins)
    for flag, values in (("--select", config.overrides.get("select")), ("--ignore", config.overrides.get("ignore"))):
        for value in values or []:
            problem = selector_problem(value, registry)
            if problem:
                raise UsageError(f"{flag} {value}: {problem}")
    targets = _resolve_targets(config.report_targets, registry)
    progress = ProgressBar() if not args.quiet and sys.stderr.isatty() else None
    try:
        outcome = run(config, jobs=args.jobs, pm=pm, registry=registry, progress=progress, encoded_records=True)
    finally:
        if progress:
            progress.close()
    report = outcome.report
    if not all(registry.formats[fmt].takes_encoded_records for fmt, _ in targets):
        with collector_paused(set_aside_after=True):
            materialize(report["findings"])

    with collector_paused():
        for fmt, output in targets:
            formatter_cls = registry.formats[fmt]
            color = output is None and _use_color(args.color)
            content = formatter_cls(color=color, options=config.format_options(fmt)).chunks(report)
            if output is None:
                write_stdout(content)
            else:
                write_atomically(output, content)
    if args.statistics:
        for code, count in sorted(report["summary"]["by_code"].items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{count:>5}  {code}  {registry.checks[code].name if code in registry.checks else ''}")
    failed = bool(report["summary"].get("failed", outcome.failed))  # a plugin (budgets) may set it
    exit_code = ExitCode.FINDINGS if failed and not args.exit_zero else ExitCode.OK
    pm.hook.copydesk_session_finish(session=outcome.session, exit_code=int(exit_code))
    if _kept_to_exit is not None:  # the command: freed by the process's end (see entry)
        _kept_to_exit.append(outcome)
    return exit_code


class ProgressBar:
    """A one-line progress bar on stderr (only on a terminal, only for runs over a second)."""

    def __init__(self, delay: float = 1.0):
        import time

        self._clock = time.monotonic
        self._started = self._clock()
        self._delay = delay
        self._drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._clock() - self._started < self._delay:
            return
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r\x1b[2K{stage}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def _resolve_targets(targets: list[tuple[str, str | None]], registry: Any) -> list[tuple[str, str | None]]:
    import difflib

    resolved = []
    stdout_users = 0
    for fmt, output in targets:
        if fmt not in registry.formats:
            close = difflib.get_close_matches(fmt, list(registry.formats), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--format {fmt}: unknown format (known: {', '.join(sorted(registry.formats))}){hint}")
        if output is not None and "{ext}" in output:
            folder = Path(output.replace("{ext}", ""))
            output = str(folder / f"report{registry.formats[fmt].extension}")
        if output is None:
            stdout_users += 1
        resolved.append((fmt, output))
    if stdout_users > 1:
        raise UsageError("several formats would write to standard output; give each an --output")
    return resolved


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


# ------------------------------------------------------------------- other commands


def _registry(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> Any:
    from .pipeline import prepare

    config = build_config(getattr(args, "config", None))
    return prepare(config, extra_plugins)


def cmd_checks(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> int:
    _, registry = _registry(args, extra_plugins)
    rows = [
        {"code": cls.code, "name": cls.name, "category": cls.category, "severity": str(cls.severity),
         "plugin": cls.plugin, "default": cls.default_enabled, "summary": cls.summary()}
        for _, cls in sorted(registry.checks.items())
    ]
    if args.format == "json":
        write_stdout(json.dumps(rows, indent=2) + "\n")
        return ExitCode.OK
    widths = {key: max(len(key), *(len(str(r[key])) for r in rows)) for key in ("code", "name", "category", "severity", "plugin")}
    header = "  ".join(key.upper().ljust(widths[key]) for key in widths)
    lines = [header]
    for row in rows:
        line = "  ".join(str(row[key]).ljust(widths[key]) for key in widths)
        lines.append(line + ("" if row["default"] else "  (opt-in)"))
    write_stdout("\n".join(lines) + "\n")
    return ExitCode.OK


def cmd_explain(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> int:
    from .selection import selector_problem

    _, registry = _registry(args, extra_plugins)
    wanted = args.code
    code = registry.aliases.get(wanted.upper(), wanted.upper())
    cls = registry.checks.get(code) or registry.check_by_name(wanted)
    if cls is None:
        raise UsageError(f"explain {wanted}: {selector_problem(wanted, registry) or 'not a single check'}")
    lines = [
        f"{cls.code} {cls.name}",
        f"category: {cls.category}   default severity: {cls.severity}   plugin: {cls.plugin}"
        + ("" if cls.default_enabled else "   (opt-in: select it by code)"),
        "",
        cls.description(),
    ]
    properties = cls.options_schema.get("properties", {})
    if properties:
        lines += ["", "Options:"]
        for key, prop in properties.items():
            default = f" (default: {json.dumps(prop['default'])})" if "default" in prop else ""
            kind = prop.get("type", "")
            lines.append(f"  {key}: {kind}{default}")
            if prop.get("description"):
                lines.append(f"      {prop['description']}")
    write_stdout("\n".join(lines) + "\n")
    return ExitCode.OK


def cmd_schema(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> int:
    if args.which == "report":
        from .report import report_schema

        schema = report_schema()
    else:
        _, registry = _registry(args, extra_plugins)
        schema = composed_schema(registry)
    write_stdout(json.dumps(schema, indent=2) + "\n")
    return ExitCode.OK


def cmd_init(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> int:
    target = Path(CONFIG_FILENAME)
    if target.exists() and not args.force:
        raise UsageError(f"{CONFIG_FILENAME} already exists (use --force to overwrite it)")
    write_atomically(target, default_config_text())
    print(f"wrote {CONFIG_FILENAME}; edit it, then run `copydesk check`")
    return ExitCode.OK


def cmd_plugins(args: argparse.Namespace, extra_plugins: Sequence[Any]) -> int:
    pm, registry = _registry(args, extra_plugins)
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    lines = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda kv: str(kv[0])):
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        version = f"{dist.project_name} {dist.version}" if dist else f"copydesk {__version__}"
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        codes = sorted(code for code, cls in registry.checks.items() if cls.plugin == name)
        lines.append(f"{name}  ({version})")
        lines.append(f"    hooks: {', '.join(hooks) or '-'}")
        if codes:
            lines.append(f"    checks: {', '.join(codes)}")
    write_stdout("\n".join(lines) + "\n")
    return ExitCode.OK
