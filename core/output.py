"""Report output: the ``Formatter`` base class and atomic file writing."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping


class Formatter:
    """Renders the report (the JSON-ready dict of ``copydesk schema report``) as text.

    Subclasses set ``name`` (used with ``--format``), ``extension`` (for the file
    name when several formats go to one output directory) and implement
    :meth:`render`. A formatter reads only the report dict, the public contract,
    so third-party formats keep working as the core changes. All corpus text in the
    report is untrusted: escape it for the target format.
    """

    name: ClassVar[str] = ""
    extension: ClassVar[str] = ".txt"
    description: ClassVar[str] = ""
    plugin: ClassVar[str] = ""

    def __init__(self, color: bool = False, options: Mapping[str, Any] | None = None):
        self.color = color
        self.options = dict(options or {})

    def render(self, report: dict[str, Any]) -> str:
        raise NotImplementedError

    def chunks(self, report: dict[str, Any]) -> Iterable[str]:
        """The rendered report in pieces, written out as they come.

        The CLI writes through this, so a format whose output is large (JSON of a
        million findings is gigabytes) can stream it instead of building one string;
        by default it is :meth:`render` in one piece.
        """
        yield self.render(report)


def _write_all(handle: Any, content: str | Iterable[str]) -> None:
    if isinstance(content, str):
        handle.write(content)
    else:
        for piece in content:
            handle.write(piece)


def write_atomically(path: str | os.PathLike, content: str | Iterable[str]) -> None:
    """Write ``content`` (a string, or pieces of one) to ``path`` so that readers see
    the old file or the new, never half."""
    target = Path(path)
    if target.exists() and not target.is_file():
        # a device, pipe or the like (/dev/stdout, /dev/null): write through it,
        # never replace it
        with open(target, "w", encoding="utf-8", newline="") as handle:
            _write_all(handle, content)
        return
    directory = target.parent if str(target.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            _write_all(handle, content)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; a report should get the permissions of any new file
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_stdout(content: str | Iterable[str]) -> None:
    stream = sys.stdout
    for piece in [content] if isinstance(content, str) else content:
        try:
            stream.write(piece)
        except UnicodeEncodeError:
            stream.flush()
            stream.buffer.write(piece.encode("utf-8", "backslashreplace"))
    stream.flush()
