"""Hook specifications: every way a plugin can extend copydesk.

A plugin is a module or object with functions named like these hooks and marked
``@copydesk.hookimpl``. pluggy lets an implementation accept fewer arguments than
the specification lists, so arguments can be added later without breaking plugins.
Built-in checks, loaders and formats are registered through these same hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import argparse

    from .checks import Check
    from .config import Config
    from .corpus import Analysis
    from .loading import Loader
    from .model import Document, Finding
    from .output import Formatter
    from .runner import Session

PROJECT = "copydesk"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ------------------------------------------------------------------ registration


@hookspec
def copydesk_register_checks() -> "list[type[Check]]":
    """Contribute check classes.

    Called once, when the plugin manager is set up, before the configuration is
    validated (each check's ``options_schema`` becomes part of the config schema).

    :return: a list of :class:`copydesk.Check` subclasses.
    """


@hookspec
def copydesk_register_loaders() -> "list[type[Loader]]":
    """Contribute corpus loaders, one per input format (``corpus.format`` in config).

    Called once when the plugin manager is set up.

    :return: a list of :class:`copydesk.Loader` subclasses.
    """


@hookspec
def copydesk_register_formats() -> "list[type[Formatter]]":
    """Contribute report output formats (``--format NAME``).

    Called once when the plugin manager is set up.

    :return: a list of :class:`copydesk.Formatter` subclasses.
    """


@hookspec
def copydesk_register_analyses() -> "list[type[Analysis]]":
    """Contribute shared corpus analyses that checks request by name.

    Called once when the plugin manager is set up. An analysis is computed the first
    time a check calls ``corpus.analysis(name)`` and cached for the rest of the run.

    :return: a list of :class:`copydesk.Analysis` subclasses.
    """


@hookspec
def copydesk_register_settings() -> "dict[str, dict[str, Any]]":
    """Contribute top-level configuration keys (like ``budgets``) with their JSON Schemas.

    Called once when the plugin manager is set up; the schemas become part of the
    composed configuration schema, so a typo under the key is an error naming it.
    The values reach plugins as ``config.raw[key]``.

    :return: a mapping of key to JSON Schema (draft 2020-12).
    """


# ---------------------------------------------------------------- command line


@hookspec
def copydesk_add_arguments(parser: "argparse.ArgumentParser") -> None:
    """Add flags to the ``copydesk check`` command.

    Called while the command line is parsed, on the built-in plugins and those
    installed through the entry-point group (local plugins named in the config are
    loaded later and cannot add flags). The parsed values reach plugins as
    ``session.config.args`` (an ``argparse.Namespace``).

    :param parser: the ``check`` sub-command's parser.
    """


@hookspec
def copydesk_add_commands(subparsers: "argparse._SubParsersAction") -> None:
    """Add sub-commands to ``copydesk`` (such as ``copydesk baseline``).

    Called while the command line is parsed. Give each new parser a handler with
    ``parser.set_defaults(handler=function)``; the CLI then calls
    ``function(args, extra_plugins)`` and exits with the integer it returns. A
    handler may raise :class:`copydesk.errors.UsageError` for a one-line error.

    :param subparsers: the object returned by ``add_subparsers``.
    """


# --------------------------------------------------------------------- lifecycle


@hookspec(historic=True)
def copydesk_configure(config: "Config") -> None:
    """The configuration has been loaded and validated.

    Historic: a plugin registered later is called too. Use it to read your own
    settings from ``config.raw`` or to set up state for the run.

    :param config: the validated :class:`copydesk.Config`.
    """


@hookspec
def copydesk_session_start(session: "Session") -> None:
    """A check run starts: the corpus is loaded, no check has run yet.

    :param session: the run (config, corpus, enabled checks).
    """


@hookspec
def copydesk_modify_documents(session: "Session", documents: "list[Document]") -> None:
    """Filter or reorder the loaded documents in place before any check runs.

    :param session: the run.
    :param documents: the list of loaded documents; modify it in place.
    """


@hookspec(firstresult=True)
def copydesk_run_checks(session: "Session") -> "list[Finding] | None":
    """Run every enabled check on the corpus and return all their findings.

    The core's runner implements this; a parallel or distributed runner replaces it
    by returning a result first (stops at the first non-None result).

    :param session: the run; ``session.checks`` are the enabled check instances.
    :return: the findings, in any order (the report sorts them). A list is taken as it is: the
        core sorts it and adds the load problems' findings to it in place.
    """


@hookspec(firstresult=True)
def copydesk_suppress_finding(session: "Session", finding: "Finding") -> "str | None":
    """Decide whether a finding is suppressed (baselines, waivers).

    Called once per finding after all checks ran. Stops at the first non-None result.
    A plugin that suppresses only with some option (``--baseline``) implements it on an
    object it registers for that run with :meth:`Session.register_plugin` from
    ``copydesk_session_start``: when no plugin implements it, the core skips the calls.

    :param session: the run.
    :param finding: the finding.
    :return: the reason it is suppressed, or None to keep it.
    """


@hookspec
def copydesk_modify_report(session: "Session", report: "dict[str, Any]") -> None:
    """The report has been built; modify it in place before it is validated and written.

    Every record of ``report["findings"]`` is a dict here (with the cache, records kept from
    the last run are decoded before the first implementation is called). A plugin whose
    implementation matters only with some option registers it for that run
    (:meth:`Session.register_plugin`): a run with no implementation writes the kept records
    as they are, without decoding them.

    :param session: the run.
    :param report: the report as a JSON-ready dict (see ``copydesk schema report``).
    """


@hookspec
def copydesk_session_finish(session: "Session", exit_code: int) -> None:
    """The run is over and the reports are written.

    :param session: the run.
    :param exit_code: the exit code the command will return.
    """
