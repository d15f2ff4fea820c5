"""Core checks on the corpus itself: files that are not text, empty documents,
malformed records and clashing ids (codes ``CD0xx``).

``CD001``, ``CD003`` and ``CD004`` are raised while loading (a loader yields a
``LoadProblem`` naming the code); the runner turns each problem into a finding of
the check registered here, so they can be selected, ignored and explained like any
other check.
"""

from __future__ import annotations

from copydesk import Check, Severity, hookimpl


class LoadProblemCheck(Check):
    """Base for checks whose findings come from the loader, not from the text."""

    category = "corpus"
    severity = Severity.ERROR
    reported_while_loading = True


class UndecodableDocument(LoadProblemCheck):
    """A file that is not text in the configured encoding, or is binary.

    Why it matters: a file copydesk cannot decode is checked by nothing else; in a
    corpus headed for publication or training it is usually a scraping accident.

    Example: a Latin-1 file with ``caf\\xe9`` in a UTF-8 corpus is reported with the
    byte offset of the first bad byte. Set ``corpus.encoding`` (``latin-1``) or
    ``corpus.errors: replace`` to read such files anyway.
    """

    code = "CD001"
    name = "undecodable-document"


class EmptyDocument(Check):
    """A document with no text, or only whitespace.

    Why it matters: empty records are usually failed downloads or extraction
    errors, and they skew every per-document rate of the corpus.

    Example: a file of three newlines.
    """

    code = "CD002"
    name = "empty-document"
    category = "corpus"
    severity = Severity.WARNING

    def check_document(self, document):
        if not document.text or document.text.isspace():
            what = "is empty" if not document.text else "contains only whitespace"
            yield self.finding(document, None, f"document {what}", anchor="")


class MalformedRecord(LoadProblemCheck):
    """A JSON Lines record that is not valid JSON, not an object, or lacks its text field.

    Why it matters: the record is lost from every other check; the rest of the file
    is still loaded.

    Example: line 7 of ``corpus.jsonl`` reads ``{"id": 7, "text": "unterminated``;
    the finding sits on the document ``corpus.jsonl:7``.
    """

    code = "CD003"
    name = "malformed-record"


class DuplicateId(LoadProblemCheck):
    """Two documents with the same id (a JSONL id repeated, or the same file name under two roots).

    Why it matters: findings, baselines and reports address documents by id; the
    second document with the same id is not checked.

    Example: two records with ``"id": "story-1"``; the second is reported and
    skipped, and ``related`` names the first.
    """

    code = "CD004"
    name = "duplicate-id"


@hookimpl
def copydesk_register_checks():
    return [UndecodableDocument, EmptyDocument, MalformedRecord, DuplicateId]
