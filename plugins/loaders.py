"""Built-in corpus loaders: plain text files and JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from copydesk import Document, LoadProblem, Loader, hookimpl


class TextLoader(Loader):
    """One document per file (``.txt``, ``.md`` and anything not claimed by another loader)."""

    format = "text"
    suffixes = (".txt", ".md", ".text", ".markdown")
    independent_files = True

    def load(self, path: Path, doc_id: str) -> Iterator[Document | LoadProblem]:
        raw = self.read_bytes(path)
        text = self.decode(raw, doc_id, str(path))
        if isinstance(text, LoadProblem):
            yield text
            return
        yield Document(doc_id, text, source=str(path), metadata={})


class JsonlLoader(Loader):
    """One document per line of a JSON Lines file; other fields become metadata.

    A line that is not a JSON object, or lacks the text field, is a ``CD003``
    finding on the document ``<file>:<line>``; the other lines still load.
    """

    format = "jsonl"
    suffixes = (".jsonl", ".ndjson")
    independent_files = True
    options_schema = {
        "type": "object",
        "properties": {
            "id_field": {"type": "string", "default": "id", "description": "Field holding the document id."},
            "text_field": {"type": "string", "default": "text", "description": "Field holding the text."},
        },
        "additionalProperties": True,
    }

    def load(self, path: Path, doc_id: str) -> Iterator[Document | LoadProblem]:
        id_field = self.options["id_field"]
        text_field = self.options["text_field"]
        raw = self.read_bytes(path)
        text = self.decode(raw, doc_id, str(path))
        if isinstance(text, LoadProblem):
            yield text
            return
        # split on "\n" only: U+2028 and friends are legal inside JSON strings
        for number, line in enumerate(text.split("\n"), start=1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            where = f"{doc_id}:{number}"
            try:
                record: Any = json.loads(line)
            except (ValueError, RecursionError) as exc:
                message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc) or "too deeply nested"
                column = exc.colno if isinstance(exc, json.JSONDecodeError) else None
                yield LoadProblem(
                    "CD003", where, str(path),
                    f"line {number} is not valid JSON: {message}" + (f" at column {column}" if column else ""),
                    column, {"line": number},
                )
                continue
            if not isinstance(record, dict):
                yield LoadProblem("CD003", where, str(path), f"line {number} is a JSON {type(record).__name__}, not an object", None, {"line": number})
                continue
            body = record.get(text_field)
            if not isinstance(body, str):
                problem = "has no" if body is None else "has a non-string"
                yield LoadProblem(
                    "CD003", where, str(path),
                    f"line {number} {problem} text field {text_field!r} (set corpus.options.text_field)",
                    None, {"line": number},
                )
                continue
            record_id = record.get(id_field)
            document_id = str(record_id) if record_id is not None and not isinstance(record_id, (dict, list)) else where
            metadata = {k: v for k, v in record.items() if k not in (text_field, id_field)}
            metadata["_line"] = number
            yield Document(document_id, body, source=f"{path}:{number}", metadata=metadata)


@hookimpl
def copydesk_register_loaders():
    return [TextLoader, JsonlLoader]
