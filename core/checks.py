"""The ``Check`` base class that every checker plugin subclasses.

A check is a class with a stable ``code``, a kebab-case ``name``, a ``category``,
a default ``severity``, a JSON Schema for its ``options`` and a docstring that
``copydesk explain CODE`` prints. It works in one of two ways:

* per document: override :meth:`Check.check_document`. The runner may call it in
  worker processes, so it must depend only on the document and the options.
* on the whole corpus: override :meth:`Check.check_corpus`, for cross-document
  checks. Shared corpus analyses are asked for with ``corpus.analysis(name)``.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping

from .model import Document, Finding, Related, Severity, Span

if TYPE_CHECKING:
    from .corpus import Corpus

CODE_PATTERN = re.compile(r"^[A-Z]{2,4}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
CATEGORY_PATTERN = NAME_PATTERN
DOCSTRING_SECTIONS = ("Why it matters", "Example")
#: The options schema of a check, analysis or loader that takes no options.
NO_OPTIONS: Mapping[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}


class Check:
    """Base class of all checks. Subclasses set the class attributes below."""

    #: Stable code, e.g. ``DUP001``. Never reused for another meaning.
    code: ClassVar[str] = ""
    #: Kebab-case name of the flagged pattern, e.g. ``exact-duplicate``.
    name: ClassVar[str] = ""
    #: ``duplication``, ``translation``, ``attribution``, ``off-topic`` or a plugin's own.
    category: ClassVar[str] = ""
    #: Default severity; users may override it per check in the config.
    severity: ClassVar[Severity] = Severity.WARNING
    #: Whether the check runs when the config selects ``ALL`` or its prefix.
    default_enabled: ClassVar[bool] = True
    #: Old codes that still select this check after a renumbering.
    aliases: ClassVar[tuple[str, ...]] = ()
    #: JSON Schema (draft 2020-12) of the options; defaults are filled in from it.
    options_schema: ClassVar[Mapping[str, Any]] = NO_OPTIONS
    #: Shared analyses the check reads; a run that enables the check without a plugin
    #: providing them stops with a one-line error (exit 2) instead of crashing.
    requires_analyses: ClassVar[tuple[str, ...]] = ()
    #: Shared analyses the check reads when a plugin provides them, and does without
    #: otherwise. With ``--jobs``, checks that declare no analysis (in either list) start in
    #: a worker while the required analyses are computed; one that reads an analysis it did
    #: not declare may compute it again there.
    uses_analyses: ClassVar[tuple[str, ...]] = ()
    #: Whether ``check_corpus`` may run in a forked worker process with ``--jobs`` (see
    #: :mod:`copydesk.corpus_workers`): its findings come back, anything else it leaves in
    #: the process does not. Set False when the check keeps state for later hooks.
    runs_in_worker: ClassVar[bool] = True
    #: Set by the plugin manager: the plugin that registered the check.
    plugin: ClassVar[str] = ""

    def __init__(self, options: Mapping[str, Any] | None = None, severity: Severity | None = None):
        self.options: dict[str, Any] = with_defaults(self.options_schema, options or {})
        self.effective_severity = Severity.parse(severity) if severity is not None else self.severity
        self.setup()

    # -- what subclasses implement ----------------------------------------------------

    def setup(self) -> None:
        """Prepare anything the check needs from its options (called once)."""

    def check_document(self, document: Document) -> Iterable[Finding]:
        """Findings for one document. Override in per-document checks."""
        return ()

    def check_corpus(self, corpus: "Corpus") -> Iterable[Finding]:
        """Findings for the whole corpus. Override in cross-document checks."""
        return ()

    # -- helpers -------------------------------------------------------------------

    @classmethod
    def scope(cls) -> str:
        """``document`` or ``corpus``, from the method the class overrides."""
        if cls.check_corpus is not Check.check_corpus:
            return "corpus"
        return "document"

    def finding(
        self,
        document: Document | str,
        span: Span | tuple[int, int] | None,
        message: str,
        *,
        related: Iterable[Related] = (),
        suggestion: str | None = None,
        data: Mapping[str, Any] | None = None,
        severity: Severity | str | None = None,
        anchor: str | None = None,
    ) -> Finding:
        """Build a finding of this check at ``span`` of ``document``.

        ``anchor`` is the text that identifies the finding across runs (used for the
        fingerprint); it defaults to the spanned text.
        """
        if isinstance(span, tuple):
            span = Span(*span)
        doc_id = document.id if isinstance(document, Document) else document
        # positional: a check makes a finding per document of a large corpus (615,000 at
        # 100,000 documents), and keywords cost a third more
        return Finding(self.code, self.name, self.category,
                       Severity.parse(severity) if severity is not None else self.effective_severity,
                       message, doc_id, span, related if type(related) is tuple else tuple(related),
                       suggestion, dict(data) if data else {}, anchor)

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        doc = cls.description()
        return doc.splitlines()[0] if doc else ""

    @classmethod
    def description(cls) -> str:
        """The class's own docstring (not inherited: every check explains itself)."""
        return inspect.cleandoc(cls.__doc__).strip() if cls.__doc__ else ""


def with_defaults(schema: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with every top-level default of ``schema`` filled in."""
    result = {
        key: prop["default"]
        for key, prop in schema.get("properties", {}).items()
        if isinstance(prop, Mapping) and "default" in prop
    }
    result.update(options)
    return result


def validate_check_class(cls: type) -> list[str]:
    """Problems with a check class's declaration (empty when it is well formed)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    problems = []
    if not (isinstance(cls, type) and issubclass(cls, Check)):
        return [f"{cls!r} is not a subclass of copydesk.Check"]
    if not CODE_PATTERN.match(cls.code or ""):
        problems.append(f"code {cls.code!r} does not look like ABC123")
    if not NAME_PATTERN.match(cls.name or ""):
        problems.append(f"name {cls.name!r} is not kebab-case")
    if not CATEGORY_PATTERN.match(cls.category or ""):
        problems.append(f"category {cls.category!r} is not kebab-case")
    if not isinstance(cls.severity, Severity):
        problems.append(f"severity {cls.severity!r} is not a copydesk.Severity")
    if not cls.summary():
        problems.append("no docstring (copydesk explain prints it)")
    try:
        Draft202012Validator.check_schema(dict(cls.options_schema))
    except SchemaError as exc:
        problems.append(f"options_schema is not a valid JSON Schema: {exc.message}")
    else:
        if cls.options_schema.get("additionalProperties", True) is not False:
            problems.append("options_schema must set additionalProperties: false (so typos are errors)")
    return problems
