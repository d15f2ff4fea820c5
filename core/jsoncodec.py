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
from typing import Any

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
    if _encode is not None:
        try:
            text = _encode(value).decode("utf-8")
        except (TypeError, ValueError):  # a type or key it does not take; a lone surrogate
            return _ascii_encoder.encode(value)
        if text.isascii() or text.isprintable():  # both scans run in C
            return text
    return _ascii_encoder.encode(value)


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
