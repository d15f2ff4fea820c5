"""JSON through msgspec where it can, with the json module's results.

A big report is hundreds of megabytes of JSON and a warm run reads a million and a half
cached values: the json module's encoder and decoder were about a tenth of a warm run at
100,000 documents. msgspec does both in compiled code, about 4x (writing) and 1.5x
(reading) faster, and, unlike orjson, keeps integers of any size exact. Where msgspec
cannot give what the json module gives (lone surrogates, ``NaN`` in cached text, keys
such as ``None``, types it does not know), these functions fall back to the json
module, so callers see the same values. Without msgspec everything goes through the
json module.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Sequence

try:
    import msgspec
except ImportError:  # pragma: no cover - a dependency; kept optional for vendored installs
    msgspec = None

_encode = msgspec.json.Encoder().encode if msgspec is not None else None
_decode = msgspec.json.Decoder().decode if msgspec is not None else None

_ascii_encoder = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))


def dumps_printable(value: Any) -> str:
    """Compact JSON of ``value`` (``separators=(",", ":")``) whose text is printable.

    Letters and punctuation beyond ASCII are written as they are (JSON is UTF-8); if
    the text would hold any character that ``str.isprintable`` rejects (C1 controls,
    bidi and zero-width format characters, line and paragraph separators, spaces
    other than the ASCII one), the whole value is written in ASCII with ``\\u``
    escapes, as ``json.dumps(value, ensure_ascii=True)`` writes it: such characters
    can reorder or hide text in a terminal or an editor, and break a page that embeds
    the JSON. (JSON escapes the C0 controls anyway.) The text parses to the value
    ``json.dumps`` gives; floats may be spelt differently (``1e16`` for ``1e+16``),
    NaN and infinities become ``null`` (``NaN`` is not JSON), sets and tuples arrays.
    """
    if msgspec is not None and type(value) is msgspec.Raw:  # encoded already, by this function (kept_records.py)
        return bytes(value).decode("utf-8")
    if _encode is not None:
        try:
            text = _encode(value).decode("utf-8")
        except (TypeError, ValueError):  # a type or key it does not take; a lone surrogate
            return _ascii_encoder.encode(value)
        if text.isascii() or text.isprintable():  # both scans run in C
            return text
    return _ascii_encoder.encode(value)


def dumps_printable_joined(values: Sequence[Any], separator: bytes, batch: int = 512) -> Iterator[bytes]:
    """``separator.join(dumps_printable(v).encode("utf-8") for v in values)``, in pieces.

    For the records of a large report (a million findings are most of a gigabyte): a
    batch of records is encoded and joined in one go, and checked for characters that
    are not printable at once: only its bytes outside printable ASCII are decoded and
    scanned (a few per record: excerpts' ellipses, quotation marks, accents). A batch
    holding such a character, or a value msgspec does not take, is done record by
    record by :func:`dumps_printable`. The same bytes as one by one; 110,000 records of a
    real report were written in 0.40 s instead of 0.74 s (at 600,000, msgspec's encoding of
    records scattered in memory takes most of the time either way).
    """
    plain = _PLAIN + separator  # the separator's bytes are not the records' (JSON escapes controls)
    raw = msgspec.Raw if msgspec is not None else None
    for at in range(0, len(values), batch):
        part = values[at : at + batch]
        data = None
        if raw is not None and type(part[0]) is raw and all(type(value) is raw for value in part):
            # records kept from an earlier run, encoded as this function encodes them (kept_records.py)
            data = separator.join(part)
        elif _encode is not None:
            try:
                data = separator.join([_encode(value) for value in part])
            except (TypeError, ValueError):  # a type it does not take; a lone surrogate
                data = None
            if data is not None:
                rest = data.translate(None, plain)  # what is not printable ASCII: usually a few characters
                if rest and not rest.decode("utf-8").isprintable():  # (a DEL too: record by record then)
                    data = None
        if data is None:  # rare: record by record
            data = separator.join([dumps_printable(value).encode("utf-8") for value in part])
        yield data if at == 0 else separator + data


def encode_each_printable(values: Sequence[Any], batch: int = 512) -> list[bytes]:
    """``[dumps_printable(v).encode("utf-8") for v in values]``, a batch at a time as
    :func:`dumps_printable_joined` does it: each record as the report writes it."""
    result: list[bytes] = []
    for at in range(0, len(values), batch):
        part = values[at : at + batch]
        encoded = None
        if _encode is not None:
            try:
                encoded = [_encode(value) for value in part]
            except (TypeError, ValueError):
                encoded = None
            if encoded is not None:
                rest = b"".join(encoded).translate(None, _PLAIN)
                if rest and not rest.decode("utf-8").isprintable():
                    encoded = None
        if encoded is None:
            encoded = [dumps_printable(value).encode("utf-8") for value in part]
        result.extend(encoded)
    return result


#: printable ASCII: never a reason to escape a record
_PLAIN = bytes(range(0x20, 0x7F))


def loads(text: str | bytes | memoryview) -> Any:
    """``json.loads(text)``, through msgspec when it can read the text. Bytes are UTF-8, where
    lone surrogates may be encoded as they are (``"surrogatepass"``)."""
    if _decode is not None:
        try:
            return _decode(text)
        except (msgspec.DecodeError, UnicodeError):  # NaN, Infinity, 1e400, lone surrogates
            pass
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", "surrogatepass")
    return json.loads(text)
