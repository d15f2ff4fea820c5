"""Errors that end a run, and the exit codes they map to."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes: a contract with users' CI scripts."""

    #: No finding at or above ``fail_on``.
    OK = 0
    #: Findings at or above ``fail_on`` (``--exit-zero`` turns this into 0).
    FINDINGS = 1
    #: Bad invocation, configuration, input path or plugin: nothing was checked.
    USAGE = 2
    #: A check or plugin raised while running: a bug to report, no report written.
    INTERNAL = 3


class CopydeskError(Exception):
    """Base of the errors copydesk reports as one line, without a traceback."""

    exit_code = ExitCode.USAGE


class UsageError(CopydeskError):
    """A bad command line, path or corpus: exit 2."""


class ConfigError(CopydeskError):
    """One or more problems in a configuration file; each line names file:line:col."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PluginError(CopydeskError):
    """A plugin failed to load or registered something malformed: exit 2."""


class CheckCrash(CopydeskError):
    """A check or analysis raised while running: exit 3, no report is written."""

    exit_code = ExitCode.INTERNAL
