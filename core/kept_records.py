"""Report records kept with the cache, for documents whose findings and texts are the same as last run.

A finding's report record (:func:`~copydesk.report.finding_dict`) depends on the finding,
on its fingerprint (the finding, its document's text and the findings before it in that
document) and on the texts of the documents its spans are in (lines, columns, excerpts). After
an edit of a hundred documents of 100,000, every warm run made the 615,000 records again
(8.7 s on two cores) and validated and encoded them again (1.5 s and ~1.2 s), though all but
those of a few hundred documents came out the same.

So with the cache, each document's records are kept as the JSON report writes them, with
the document's fingerprints, a digest of its findings (their fields, encoded) and the other
documents its spans are in. A document's records are carried over when its findings have
the same digest and neither its text nor any of those documents' texts changed (the texts
of the last run are kept too); they enter the report as already-encoded JSON
(:class:`msgspec.Raw`), valid already (a table is kept only from a run whose report was
valid: the records were checked in that report), and are written out as they are. Anything
that reads the records as dicts gets them decoded first (:func:`materialize`): the report's
``copydesk_modify_report`` hooks, formats that do not take encoded records, and library
callers of :func:`copydesk.pipeline.run` unless they ask for them encoded.

The table is an index (a cache entry) and a file of records beside the cache, in pieces
of about :data:`CHUNK_BYTES`, each with its CRC-32 in the index: a piece that fails it is
not trusted, its documents' records are made again. A run after a few edits writes only
what differs from the full table it read (a delta: the documents whose records are new
since, and those gone); the full table is written again when that is more than a
twentieth of it (:func:`~copydesk.cache.worth_rewriting`).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import secrets
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import msgspec

from .cache import Cache, _folder_digest, worth_rewriting
from .output import _umask
from .jsoncodec import encode_each_printable
from .model import Finding

Raw = msgspec.Raw

#: the records of the table are kept in pieces of about this many bytes (a document's are never split)
CHUNK_BYTES = 64 << 20
#: bytes of a fingerprint in the report (hex)
PRINT_CHARS = 32


def _unknown(value: Any) -> Any:
    # a value msgspec does not encode (a plugin's own type in a finding's data): its type and
    # repr. A repr that differs between runs (an address) only means the records are made again.
    return [type(value).__module__, type(value).__qualname__, repr(value)]


#: dicts' keys sorted: a finding read back from the cache has its data's keys in sorted order,
#: where the check that made it had them in its own (then a carried record keeps the order it
#: was made with: the same JSON object)
_encoder = msgspec.msgpack.Encoder(enc_hook=_unknown, order="deterministic")
_decoder = msgspec.json.Decoder()


def findings_digest(findings: Sequence[Finding]) -> bytes | None:
    """A digest of ``findings`` (every field, in order); None when they cannot be encoded."""
    try:
        return hashlib.sha256(_encoder.encode(findings)).digest()[:16]
    except Exception:  # noqa: BLE001 - a value even its repr fails on: never carried over
        return None


#: a document's entry in a table's index: [digest, refs, prints, lengths, chunk, start]: its
#: findings' digest, the other documents their spans are in, its fingerprints (PRINT_CHARS each),
#: each record's bytes, and where they begin (a piece of the file, an offset in it)
DIGEST, REFS, PRINTS, LENGTHS, CHUNK, START = range(6)


@dataclass
class Made:
    """A document's records made in this run, to be kept."""

    digest: bytes | None
    refs: list[str]
    prints: list[str]
    encoded: list[bytes]


@dataclass
class Carried:
    """A document's records read from the table, to be kept again."""

    state: list
    in_delta: bool


class KeptRecords:
    """The table of one cache directory: read when the report is made, written once the report
    passed its schema (:meth:`commit`).

    The index (each document's entry, the texts of the last run, the pieces of the records
    file with their CRC-32) is a cache entry; the records are a file beside the cache
    (``records-*.bin``), read through a memory map: 700 MB of records at 100,000 documents
    took 1.9 s to read back as cache values (copied twice, checksummed with SHA-256), and a
    written file is found again only through an index that names it.
    """

    def __init__(self, cache: Cache, texts: dict[str, str]):
        from .report import SCHEMA_VERSION

        self.cache = cache
        self.directory = Path(cache.directory)
        self.texts = texts  # document id -> SHA-256 of its text, this run
        # the core's code and the report's schema version: records of other code are never read
        self.namespace = f"report-records/1/{SCHEMA_VERSION}/{_folder_digest(str(_core_folder()))[:16]}"
        self.base_file: str | None = None
        self.delta_file: str | None = None
        self.entries: dict[str, Carried] = {}
        self.base_documents: set[str] = set()  # the documents of the full table (before its delta)
        self.pieces: dict[tuple[bool, int], memoryview] = {}  # (in the delta?, piece) -> its bytes
        self.changed: set[str] = set()
        self.pending: list[tuple[str, Carried | Made]] | None = None
        self.counts = {"carried": 0, "made": 0}  # this run's records (records_of)
        self._was_read = False  # the table is read by read(), not here

    @classmethod
    def for_corpus(cls, cache: Cache, corpus: Any) -> "KeptRecords":
        """The table of ``cache`` for ``corpus``'s texts, to be read by :meth:`read`
        (:func:`~copydesk.report.records_of` reads it while a helper already digests the findings)."""
        return cls(cache, {document.id: document.sha256 for document in corpus})

    # ------------------------------------------------------------------ reading

    def read(self) -> None:
        """Read the table (once)."""
        if not self._was_read:
            self._was_read = True
            self._read()

    def _read(self) -> None:
        stored = self.cache.get_many(self.namespace, ["base", "delta"])
        base = _decoded_state(stored.get("base"))
        if not isinstance(base, dict):
            return
        try:
            if base["file"] is None:  # an empty table
                return
            base_file, last_texts, base_chunks = str(base["file"]), base["texts"], base["chunks"]
            entries = {document: Carried(state, False) for document, state in base["groups"].items()}
            base_documents = set(entries)
            delta = _decoded_state(stored.get("delta"))
            delta_file, delta_chunks = None, []
            if isinstance(delta, dict) and delta.get("base") == base_file:
                last_texts, delta_file, delta_chunks = delta["texts"], delta["file"], delta["chunks"]
                for document in delta["dropped"]:
                    entries.pop(document, None)
                entries.update((document, Carried(state, True)) for document, state in delta["groups"].items())
            self.pieces.update(self._mapped(base_file, base_chunks, False))
            if delta_file:
                self.pieces.update(self._mapped(str(delta_file), delta_chunks, True))
            changed = {d for d, sha in self.texts.items() if last_texts.get(d) != sha}
            changed.update(d for d in last_texts if d not in self.texts)
        except (KeyError, TypeError, ValueError, AttributeError):  # an index of another shape: not trusted
            self.pieces.clear()
            return
        self.base_file, self.delta_file = base_file, (str(delta_file) if delta_file else None)
        self.entries, self.base_documents, self.changed = entries, base_documents, changed

    def _mapped(self, name: str, chunks: list, in_delta: bool) -> dict[tuple[bool, int], memoryview]:
        """The pieces of records file ``name`` that pass their CRC-32 (none if it cannot be read)."""
        if not _FILE_NAME.fullmatch(name):
            return {}
        try:
            with open(self.directory / name, "rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # gone (pruned, another run's), empty, unreadable
            return {}
        view = memoryview(mapped)
        pieces = {}
        for k, (offset, length, crc) in enumerate(chunks):
            piece = view[offset : offset + length]
            if len(piece) == length and zlib.crc32(piece) == crc:
                pieces[(in_delta, k)] = piece
        return pieces

    def carried(self, document: str, digest: bytes | None) -> Carried | None:
        """The kept records of ``document`` if they are still its records, else None."""
        entry = self.entries.get(document)
        if entry is None or digest is None or document in self.changed:
            return None
        state = entry.state
        if state[DIGEST] != digest or (self.changed and not self.changed.isdisjoint(state[REFS])):
            return None
        piece = self.pieces.get((entry.in_delta, state[CHUNK]))
        if piece is None or state[START] + sum(state[LENGTHS]) > len(piece) \
                or len(state[PRINTS]) != PRINT_CHARS * len(state[LENGTHS]):
            return None
        return entry

    def records(self, entry: Carried) -> tuple[list[str], list[Raw]]:
        """(the fingerprints, the encoded records) of a carried document."""
        state = entry.state
        view = self.pieces[(entry.in_delta, state[CHUNK])]
        records, at = [], state[START]
        for length in state[LENGTHS]:
            records.append(Raw(view[at : at + length]))
            at += length
        prints = state[PRINTS]
        return [prints[k : k + PRINT_CHARS] for k in range(0, len(prints), PRINT_CHARS)], records

    # ------------------------------------------------------------------ writing

    def keep(self, table: list[tuple[str, Carried | Made]]) -> None:
        """This run's table (each document with findings, in report order: carried or made),
        written by :meth:`commit`."""
        self.pending = table

    def commit(self) -> None:
        """Write the pending table: what differs from the full table read (a delta) when that is
        little, else the full table again; then delete records files no index names."""
        if self.pending is None:
            return
        table, self.pending = self.pending, None
        fresh = total = 0
        for _, entry in table:
            count = len(entry.encoded) if isinstance(entry, Made) else len(entry.state[LENGTHS])
            total += count
            fresh += count if isinstance(entry, Made) or entry.in_delta else 0
        try:
            if self.base_file is not None and not worth_rewriting(fresh, total):
                self._write_delta(table)
            else:
                self._write_base(table)
        except OSError:  # a full disk, a read-only cache: the records are made again next time
            return
        self._remove_unnamed()

    def _write_base(self, table: list[tuple[str, Carried | Made]]) -> None:
        name, chunks, groups = self._written(table)
        self.base_file, self.delta_file = name, None
        self.cache.put_many(self.namespace, {
            "base": _encoded_state({"file": name, "chunks": chunks, "texts": self.texts, "groups": groups}),
            "delta": _encoded_state({"base": name, "file": None, "chunks": [], "texts": self.texts,
                                     "groups": {}, "dropped": []}),
        })

    def _write_delta(self, table: list[tuple[str, Carried | Made]]) -> None:
        from_base = {document for document, entry in table if isinstance(entry, Carried) and not entry.in_delta}
        name, chunks, groups = self._written([(d, entry) for d, entry in table if d not in from_base])
        self.delta_file = name
        self.cache.put_many(self.namespace, {"delta": _encoded_state({
            "base": self.base_file, "file": name, "chunks": chunks, "texts": self.texts, "groups": groups,
            # the full table's documents whose entries are not this run's (replaced in the delta, or gone)
            "dropped": sorted(self.base_documents - from_base)})})

    def _written(self, table: list[tuple[str, Carried | Made]]) -> tuple[str | None, list, dict[str, list]]:
        """Write ``table``'s records to a new file: (its name or None when empty, its pieces
        [offset, length, CRC-32], each document's index entry)."""
        groups: dict[str, list] = {}
        chunks: list[list[int]] = []
        if not table:
            return None, chunks, groups
        name = f"records-{secrets.token_hex(8)}.bin"
        fd, temporary = tempfile.mkstemp(prefix=".records-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                offset, current, size = 0, [], 0
                for document, entry in table:
                    if isinstance(entry, Made):
                        if entry.digest is None:
                            continue  # findings that cannot be digested are made again every run
                        parts = entry.encoded
                        state = [entry.digest, entry.refs, "".join(entry.prints), [len(b) for b in parts]]
                    else:
                        old = entry.state
                        start = old[START]
                        parts = [self.pieces[(entry.in_delta, old[CHUNK])][start : start + sum(old[LENGTHS])]]
                        state = [old[DIGEST], old[REFS], old[PRINTS], old[LENGTHS]]
                    state += [len(chunks), size]
                    groups[document] = state
                    current.extend(parts)
                    size += sum(map(len, parts))
                    if size >= CHUNK_BYTES:
                        offset = _flush(handle, current, size, offset, chunks)
                        current, size = [], 0
                if current:
                    _flush(handle, current, size, offset, chunks)
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600: the cache's other files' permissions
            os.replace(temporary, self.directory / name)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        return name, chunks, groups

    def _remove_unnamed(self) -> None:
        """Delete the records files of earlier tables (best effort: a reader that has one open
        keeps reading it; one that finds it gone makes its records again)."""
        named = {self.base_file, self.delta_file}
        for path in self.directory.glob("records-*.bin"):
            if path.name not in named:
                try:
                    path.unlink()
                except OSError:
                    pass


def _flush(handle, parts: list, size: int, offset: int, chunks: list) -> int:
    """Write one piece of records; its [offset, length, CRC-32] to ``chunks``; the next offset."""
    data = b"".join(parts)
    handle.write(data)
    chunks.append([offset, size, zlib.crc32(data)])
    return offset + size


_FILE_NAME = re.compile(r"records-[0-9a-f]{16}\.bin")


def _encoded_state(state: dict) -> bytes:
    return msgspec.msgpack.encode(state)


def _decoded_state(value: Any) -> Any:
    if not isinstance(value, bytes):
        return None
    try:
        return msgspec.msgpack.decode(value)
    except msgspec.DecodeError:
        return None


def _core_folder() -> Path:
    return Path(__file__).resolve().parent


def made(findings: Sequence[Finding], digest: bytes | None, prints: list[str], records: list[dict[str, Any]]) -> Made:
    """A document's records made in this run (``findings``: all of that document's, in report
    order; ``digest``: theirs, :func:`findings_digest`)."""
    own = findings[0].document if findings else None
    refs = sorted({rel.document for finding in findings for rel in finding.related if rel.document != own})
    return Made(digest, refs, prints, encode_each_printable(records))


def materialize(records: list) -> list:
    """``records`` with each encoded record (:class:`msgspec.Raw`) decoded to its dict, in place."""
    decode = _decoder.decode
    for at, record in enumerate(records):
        if type(record) is Raw:
            records[at] = decode(record)
    return records


def has_encoded(records: list) -> bool:
    return any(type(record) is Raw for record in records)
