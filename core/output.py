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
    #: True for a format whose :meth:`chunks` takes records of the report's ``findings`` that are
    #: still encoded, JSON bytes as :func:`copydesk.jsoncodec.dumps_printable` writes them
    #: (:class:`msgspec.Raw`: records kept from the last run, see ``kept_records.py``). For any
    #: other format the CLI decodes them into dicts first.
    takes_encoded_records: ClassVar[bool] = False

    def __init__(self, color: bool = False, options: Mapping[str, Any] | None = None):
        self.color = color
        self.options = dict(options or {})

    def render(self, report: dict[str, Any]) -> str:
        raise NotImplementedError

    def chunks(self, report: dict[str, Any]) -> Iterable[str | bytes]:
        """The rendered report in pieces, written out as they come: strings, or bytes
        holding UTF-8 (a format that encodes its pieces itself saves a pass over them).

        The CLI writes through this, so a format whose output is large (JSON of a
        million findings is gigabytes) can stream it instead of building one string;
        by default it is :meth:`render` in one piece.
        """
        yield self.render(report)


def _write_all(handle: Any, content: str | bytes | Iterable[str | bytes]) -> None:
    """Write ``content`` to a binary ``handle``: strings as UTF-8, bytes (UTF-8 already) as they are."""
    if isinstance(content, (str, bytes)):
        content = [content]
    write = handle.write
    for piece in content:
        write(piece if type(piece) is bytes else piece.encode("utf-8"))


def write_atomically(path: str | os.PathLike, content: str | bytes | Iterable[str | bytes]) -> None:
    """Write ``content`` (a string, or pieces of one: strings, or bytes holding UTF-8) to
    ``path`` in UTF-8 so that readers see the old file or the new, never half."""
    target = Path(path)
    if target.exists() and not target.is_file():
        # a device, pipe or the like (/dev/stdout, /dev/null): write through it,
        # never replace it
        with open(target, "wb") as handle:
            _write_all(handle, content)
        return
    directory = target.parent if str(target.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
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


def write_stdout(content: str | bytes | Iterable[str | bytes]) -> None:
    stream = sys.stdout
    for piece in [content] if isinstance(content, (str, bytes)) else content:
        if type(piece) is bytes:
            piece = piece.decode("utf-8")  # written in the terminal's encoding, as strings are
        try:
            stream.write(piece)
        except UnicodeEncodeError:
            stream.flush()
            stream.buffer.write(piece.encode("utf-8", "backslashreplace"))
    stream.flush()
