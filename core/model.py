"""The data model: documents, spans, findings.

Plain dataclasses with no behaviour beyond derived views of the text. Offsets are
Unicode code points into the document text as read, half-open ``[start, end)``.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from .text import Paragraph, Quotation, Sentence, Token


class Severity(enum.IntEnum):
    """How serious a finding is; ordered so that ``fail_on`` can compare."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: "str | Severity") -> "Severity":
        if isinstance(value, Severity):
            return value
        try:
            return cls[str(value).upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (use error, warning or info)") from None


class _Factory:
    """The default of a field made by its ``default_factory`` (shown as dataclasses shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def quick_init(cls: type) -> type:
    """Give a frozen dataclass with slots an ``__init__`` that sets each slot through its
    descriptor: the same parameters, defaults and ``__post_init__`` as the generated one,
    at half its cost (which calls ``object.__setattr__`` per field: a frozen class refuses
    plain assignment). A warm run at 100,000 documents makes millions of spans, findings
    and words (~3 s of generated inits, counted by a profile and timed one by one: a
    finding's 2.4 microseconds became 1.5). Assigning to a field still raises
    ``FrozenInstanceError``. Apply it above ``@dataclass(frozen=True, slots=True)``."""
    import dataclasses

    params, lines = [], []
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    for spec in dataclasses.fields(cls):
        slot = cls.__dict__.get(spec.name)
        if not spec.init or spec.kw_only or not hasattr(slot, "__set__") or not hasattr(cls, "__slots__"):
            raise TypeError(f"quick_init: {cls.__name__}.{spec.name} is not a plain field of a slots dataclass")
        name = spec.name
        namespace[f"_set_{name}"] = slot.__set__
        if spec.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
        elif spec.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=_FACTORY")
            lines.append(f"    if {name} is _FACTORY: {name} = _factory_{name}()")
        else:
            params.append(name)
        lines.append(f"    _set_{name}(self, {name})")
    if hasattr(cls, "__post_init__"):
        lines.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines or ["    pass"]) + "\n"
    exec(source, namespace)  # noqa: S102 - our own fields' names, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__, init.__annotations__ = cls.__init__.__doc__, dict(cls.__init__.__annotations__)
    cls.__init__ = init
    return cls


@quick_init
@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of code points in a document's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __reduce__(self) -> tuple:
        # pickled as a constructor call (findings travel from worker processes): the dataclass
        # default for a slots class asks fields() of every object, 2.5 times slower to dump
        return (Span, (self.start, self.end))

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class Document:
    """One text of the corpus.

    ``id`` is the path relative to the corpus root with ``/`` separators, or the
    record id for JSONL. The text views (``paragraphs``, ``sentences``,
    ``quotations``, ``tokens``) are computed on first use and shared by all checks.
    """

    id: str
    text: str
    source: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the text (UTF-8): the document's identity in reports and caches."""
        import hashlib

        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    @cached_property
    def paragraphs(self) -> "tuple[Paragraph, ...]":
        from .text import split_paragraphs

        return split_paragraphs(self.text)

    @cached_property
    def sentences(self) -> "tuple[Sentence, ...]":
        from .text import split_sentences

        return split_sentences(self.text, self.paragraphs)

    @cached_property
    def quotations(self) -> "tuple[Quotation, ...]":
        from .text import find_quotations

        return find_quotations(self.text)

    @cached_property
    def tokens(self) -> "tuple[Token, ...]":
        from .text import tokenize

        return tokenize(self.text)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        text = self.text
        pos = text.find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        return starts

    #: the text views computed on first use, which :meth:`forget_views` drops
    VIEWS = ("paragraphs", "sentences", "quotations", "tokens", "_line_starts")

    def forget_views(self) -> None:
        """Drop the computed text views (they are recomputed when asked for again).

        The runner calls it between corpus checks: each check walks every document,
        and views kept on 100,000 documents took gigabytes between uses.
        """
        held = self.__dict__
        if held.keys().isdisjoint(self.VIEWS):  # the usual case, asked in C: 100,000 documents a check
            return
        for name in self.VIEWS:
            held.pop(name, None)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in code points) of a character offset."""
        starts = self._line_starts
        index = bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def excerpt(self, span: Span | None, width: int = 160) -> str:
        """The spanned text, shortened in the middle when longer than ``width``."""
        start, end = (0, width) if span is None else (span.start, span.end)
        half = width // 2 - 2
        if end - start > 4 * width:
            # a long span (a reused passage runs to thousands of characters): only its two
            # ends are shown, so only they are cut out and normalised. Exact: a word cut at
            # the inner edge of either end lies beyond the ``half`` characters kept, and the
            # head alone already exceeds ``width`` once normalised
            head = " ".join(self.text[start : start + 2 * width].split())
            tail = " ".join(self.text[end - 2 * width : end].split())
            if len(head) > width and len(tail) > width:
                return head[:half] + " … " + tail[-half:]
        text = self.text[start:end]
        text = " ".join(text.split())
        if len(text) > width:
            text = text[:half] + " … " + text[-half:]
        return text

    def __hash__(self) -> int:
        return hash(self.id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Document) and (self.id, self.text) == (other.id, other.text)


@quick_init
@dataclass(frozen=True, slots=True)
class Related:
    """Another document (and optionally a span in it) that a finding refers to."""

    document: str
    span: Span | None = None
    similarity: float | None = None

    def __reduce__(self) -> tuple:
        return (Related, (self.document, self.span, self.similarity))  # see Span.__reduce__


# slots: no ``__dict__`` per finding, which CPython makes on first use for an object without
# slots (msgspec's encoding for the kept records' digest, pickling to and from workers): at
# 100,000 documents a warm run's 615,000 findings held ~240 MB less
@quick_init
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a check, at a span of one document.

    Checks build findings with :meth:`copydesk.Check.finding`, which fills in the
    code, name, category and severity from the check.
    """

    code: str
    check: str
    category: str
    severity: Severity
    message: str
    document: str
    span: Span | None
    related: tuple[Related, ...] = ()
    suggestion: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    # The text that anchors the fingerprint; by default the spanned text.
    anchor: str | None = None

    def __reduce__(self) -> tuple:
        # see Span.__reduce__ (findings travel back from worker processes)
        return (Finding, (self.code, self.check, self.category, self.severity, self.message, self.document,
                          self.span, self.related, self.suggestion, self.data, self.anchor))

    def to_json(self) -> dict[str, Any]:
        """The finding as JSON values (for a plugin's own cache entries); :meth:`from_json` reads it back."""
        from .cache import finding_to_json

        return finding_to_json(self)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Finding":
        from .cache import finding_from_json

        return finding_from_json(data)

    def sort_key(self) -> tuple:
        start = self.span.start if self.span else -1
        end = self.span.end if self.span else -1
        return (self.document, start, end, self.code, self.message)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A document that could not be loaded as text; the runner turns it into a finding.

    ``code`` names the core check that reports it (``CD001`` undecodable,
    ``CD003`` malformed record). ``offset`` is a byte or character offset into the
    raw input where the problem was found, when known.
    """

    code: str
    document: str
    source: str
    message: str
    offset: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
