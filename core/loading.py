"""Reading a corpus from disk: file discovery and the ``Loader`` base class.

The core walks the corpus paths (recursively, with include/exclude globs) and hands
each file to the loader registered for its format. Loaders yield documents, or a
:class:`LoadProblem` for input that cannot become a document; the runner reports
those as findings (``CD001``, ``CD003``) so one bad file never hides the rest.
copydesk only ever opens corpus files for reading.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping, Sequence

from .checks import with_defaults
from .errors import UsageError
from .model import Document, LoadProblem


@dataclass(frozen=True)
class CorpusSettings:
    """The ``corpus:`` section of the configuration, resolved."""

    paths: tuple[str, ...] = ("seeds/",)
    include: tuple[str, ...] = ("**/*.txt", "**/*.md")
    exclude: tuple[str, ...] = ()
    format: str = "auto"
    encoding: str = "utf-8"
    errors: str = "strict"
    options: Mapping[str, Any] = field(default_factory=dict)


class Loader:
    """Turns one input file into documents.

    Subclasses set ``format`` (the name used in ``corpus.format``), ``suffixes``
    (file endings that select this loader when the format is ``auto``) and
    ``options_schema`` (settings under ``corpus.options`` in the config), and
    implement :meth:`load`.
    """

    format: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()
    options_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "properties": {},
        "additionalProperties": True,
    }
    plugin: ClassVar[str] = ""
    #: each file loads on its own (nothing carried from one file to the next, no side effects
    #: wanted in this process): the core may then load a large corpus's files in a forked
    #: helper process beside this one (:data:`SHARE_MIN_FILES`). Off unless a loader says so.
    independent_files: ClassVar[bool] = False

    def __init__(self, settings: CorpusSettings):
        self.settings = settings
        self.options = with_defaults(self.options_schema, settings.options)

    def load(self, path: Path, doc_id: str) -> Iterator[Document | LoadProblem]:
        """Documents read from ``path``; ``doc_id`` is its id relative to the corpus root."""
        raise NotImplementedError

    # -- shared by loaders -----------------------------------------------------------

    @staticmethod
    def read_bytes(path: Any) -> bytes:
        """The file's bytes, through the operating system's calls directly (no buffered file
        object each): 100,000 small files from the page cache took 0.56 s, ``Path.read_bytes``
        0.63 s. Reading files that are not in memory costs what the disk costs either way.
        A path that is no file system path (a ``zipfile.Path``, a resource) is read through
        its own ``read_bytes()``."""
        if not isinstance(path, (str, bytes, os.PathLike)):
            return path.read_bytes()
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            size = os.fstat(fd).st_size
            chunks = []
            while True:  # to the end, whatever the size said (a file that grows, a pipe)
                chunk = os.read(fd, max(size + 1, 1 << 16) if not chunks else 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        finally:
            os.close(fd)

    def decode(self, raw: bytes, doc_id: str, source: str) -> str | LoadProblem:
        """Decode bytes with the configured encoding, or describe why that failed."""
        if b"\x00" in raw:
            offset = raw.index(b"\x00")
            return LoadProblem(
                "CD001", doc_id, source,
                f"binary file: NUL byte at byte offset {offset}; copydesk checks text files only",
                offset, {"reason": "binary"},
            )
        encoding = self.settings.encoding
        if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
            encoding = "utf-8-sig"  # a byte-order mark is not part of the text
        try:
            return raw.decode(encoding, self.settings.errors)
        except UnicodeDecodeError as exc:
            return LoadProblem(
                "CD001", doc_id, source,
                f"cannot be decoded as {self.settings.encoding}: {exc.reason} at byte offset {exc.start}"
                f" (set corpus.encoding, or corpus.errors: replace)",
                exc.start, {"reason": "undecodable", "encoding": self.settings.encoding},
            )
        except LookupError:
            raise UsageError(f"corpus.encoding: unknown encoding {self.settings.encoding!r}") from None


def _matches(relative: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatchcase(relative, pattern):
            return True
        # "**/*.txt" should also match "a.txt" at the root
        if pattern.startswith("**/") and fnmatch.fnmatchcase(relative, pattern[3:]):
            return True
    return False


def discover_files(root: Path, settings: CorpusSettings) -> list[tuple[Path, str, str]]:
    """Files under ``root`` selected by the include/exclude globs, as (folder, file name, id): a
    path made per file cost more than finding the file (100,000 files: 0.28 s of 0.6 s), and is
    made where the file is loaded."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = Path(dirpath)
        # the folder's part of the ids once, not a relative path worked out per file
        prefix = folder.relative_to(root).as_posix() + "/" if folder != root else ""
        for filename in sorted(filenames):
            relative = prefix + filename
            if _matches(relative, settings.include) and not _matches(relative, settings.exclude):
                found.append((folder, filename, relative))
    return found


def choose_loader(folder: Path | None, name: Any, settings: CorpusSettings,
                  loaders: Mapping[str, type[Loader]]) -> type[Loader]:
    """The loader for the file ``name`` in ``folder`` (``name`` the path itself when ``folder`` is
    None): the path is made only to name it in an error."""
    if settings.format != "auto":
        if settings.format not in loaders:
            known = ", ".join(sorted(loaders))
            raise UsageError(f"corpus.format: no loader for format {settings.format!r} (known: {known})")
        return loaders[settings.format]
    lowered = (name if folder is not None else name.name).lower()
    for loader in loaders.values():
        if lowered.endswith(tuple(loader.suffixes)):
            return loader
    if "text" not in loaders:
        raise UsageError(f"{folder / name if folder is not None else name}: no loader for this kind of file")
    return loaders["text"]


#: a corpus of at least this many files is loaded with a forked helper (:func:`~copydesk.forked.map_shared`)
#: when every loader it uses has :attr:`Loader.independent_files`: opening and reading 100,000 small
#: files took ~1.7 s of a 100,000-document warm run on one core while the other idled (~1.1 s shared)
SHARE_MIN_FILES = 5_000
#: pieces such a corpus's files are cut into, taken from both ends (map_shared)
LOAD_PIECES = 32


def load_corpus(
    paths: Sequence[str], settings: CorpusSettings, loaders: Mapping[str, type[Loader]]
) -> list[Document | LoadProblem]:
    """Every document (or load problem) under the given paths, in a stable order."""
    instances: dict[type[Loader], Loader] = {}
    # (loader, folder or None, file name or the path itself, id) of each file, in order
    files: list[tuple[Loader, Path | None, Any, str]] = []
    for raw_path in paths:
        path = Path(raw_path)
        if not path.exists():
            raise UsageError(f"{raw_path}: no such file or directory")
        found = discover_files(path, settings) if path.is_dir() else [(None, path, path.name)]
        for folder, name, doc_id in found:
            loader_cls = choose_loader(folder, name, settings, loaders)
            loader = instances.get(loader_cls) or instances.setdefault(loader_cls, loader_cls(settings))
            files.append((loader, folder, name, doc_id))
    if len(files) < SHARE_MIN_FILES or not all(type(loader).independent_files for loader in instances.values()):
        return _loaded(files)
    from .forked import map_shared

    edges = [len(files) * k // LOAD_PIECES for k in range(LOAD_PIECES + 1)]
    items: list[Document | LoadProblem] = []
    for piece in map_shared(lambda k: _loaded(files[edges[k] : edges[k + 1]]), LOAD_PIECES):
        items.extend(piece)
    return items


def _loaded(files: Sequence[tuple[Loader, Path | None, Any, str]]) -> list[Document | LoadProblem]:
    """The documents and load problems of ``files`` (as :func:`load_corpus` lists them), in order."""
    items: list[Document | LoadProblem] = []
    for loader, folder, name, doc_id in files:
        file_path = folder / name if folder is not None else name
        try:
            items.extend(loader.load(file_path, doc_id))
        except OSError as exc:
            items.append(LoadProblem("CD001", doc_id, str(file_path), f"cannot be read: {exc.strerror or exc}"))
    return items
