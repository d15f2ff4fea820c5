"""Missing attribution (category ``attribution``, codes ``ATT0xx``).

A copy editor's first questions of any story: who said this, where did this text
come from, who are these people? The checks are rule-based on the shared document
model (sentences, quotations, tokens) and run in time linear in the length of a
document; the helpers live in ``att_*`` modules next to this one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any, Iterable

from copydesk import Check, Document, Related, Severity, hookimpl

from . import att_credit, att_names, att_quotes, att_vague
from .att_document import DocView, view_of

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
OPENING_WORDS = 6


def _opening(text: str, count: int = OPENING_WORDS) -> str:
    """The first ``count`` words of ``text`` as written, with an ellipsis if cut."""
    words = list(_WORD.finditer(text))
    if not words:
        return text.strip()
    if len(words) <= count:
        return " ".join(text.split())
    return " ".join(text[: words[count - 1].end()].split()) + "…"


class UnattributedQuote(Check):
    """A direct quotation of more than a few words that nobody is said to have said.

    Why it matters: a quotation without a speaker cannot be checked, answered or
    trusted; readers assume someone is being quoted and cannot tell who. It is also a
    common trace of careless rewriting, where the sentence naming the speaker was
    dropped and the quote kept.

    Example: in "“We will not accept this,” he said." the quote is attributed; a
    paragraph that is only "“We will not accept this under any circumstances.”" with
    no speaker in the sentence before or after, and no earlier quote of the same
    speaker it continues, is reported. Quotes of one to three words (scare quotes)
    and titles in quotes are not quotations of anyone and are skipped. A quote whose
    speaker is a pronoun with no antecedent ("he said" on the first line) is left to
    ATT004.
    """

    code = "ATT001"
    name = "unattributed-quote"
    category = "attribution"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_words": {
                "type": "integer",
                "minimum": 1,
                "default": 4,
                "description": "Quotations with fewer words than this are scare quotes or titles, not quotes of anyone.",
            },
            "previous_paragraph_cue": {
                "type": "boolean",
                "default": False,
                "description": "Also accept an attribution in the last sentence of the paragraph before a quote "
                "that opens a new paragraph (more lenient; news style wants each new quote paragraph attributed "
                "unless it continues the same speaker's quote).",
            },
        },
    }

    def check_document(self, document: Document) -> Iterable:
        view = view_of(document)
        results = att_quotes.attribute_quotations(
            view, self.options["min_words"], self.options["previous_paragraph_cue"]
        )
        for result in results:
            if result.status != "unattributed":
                continue
            quotation = result.quotation
            opening = _opening(quotation.text)
            yield self.finding(
                document,
                quotation.span,
                f"quotation “{opening}” ({result.words} words) has no speaker: no attribution such as "
                "“said”, “told” or “according to” names a person or organisation in its sentence, the "
                "sentence before or after, or an earlier quotation of the paragraph",
                suggestion="name who said it, e.g. “…,” Jane Doe, a spokeswoman for the ministry, said.",
                data={"words": result.words, "opening": opening, "closed": quotation.closed},
            )


class UncreditedReuse(Check):
    """A document that reuses another's text or story and credits no source.

    Why it matters: republishing a wire story or another outlet's reporting without
    credit is plagiarism in the eyes of readers and a licence breach in the eyes of
    the agency; a copy editor must see the credit line ("(AP)", "Reuters", "according
    to the Korea Herald") before the story runs.

    Example: ``b.txt`` shares long passages with ``a.txt`` (the shared ``reuse``
    analysis links them) and nowhere mentions AP, Reuters, AFP or another credit
    source, nor an outlet cited with "according to"; ``b.txt`` is reported with
    ``a.txt`` as related. A photo credit alone ("Photo: AFP") credits the picture,
    not the text. When dates are known (metadata ``date``), the earliest document of
    a linked group is taken as the original and not reported.
    """

    code = "ATT002"
    requires_analyses = ("reuse",)
    name = "uncredited-reuse"
    category = "attribution"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "credit_sources": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": list(att_credit.DEFAULT_CREDIT_SOURCES),
                "description": "Wire agencies and outlets whose mention credits a text; names of up to five "
                "characters match with their case (AP, dpa), longer ones without.",
            },
            "extra_credit_sources": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Credit sources added to credit_sources (e.g. your own syndication partners).",
            },
            "kinds": {
                "type": "array",
                "items": {"enum": ["near-duplicate", "reused-passage", "same-story"]},
                "default": ["near-duplicate", "reused-passage", "same-story"],
                "description": "Which links of the shared reuse analysis count as reuse.",
            },
        },
    }

    def setup(self) -> None:
        sources = list(self.options["credit_sources"]) + list(self.options["extra_credit_sources"])
        self._finder = att_credit.CreditFinder(sources)

    def check_corpus(self, corpus) -> Iterable:
        if "reuse" not in corpus.analysis_names:
            return  # the duplication plugin is disabled: no reuse is known
        reuse = corpus.analysis("reuse")
        kinds = set(self.options["kinds"])
        linked = []
        for document in corpus:
            links = [(other, kind, sim) for other, kind, sim in reuse.linked(document.id) if kind in kinds]
            # the original of a group needs no credit (a document without a date never is one:
            # its links' documents are not gathered)
            if links and not (_date(document) is not None
                              and _is_earliest(document, [corpus[other] for other, _, _ in links if other in corpus])):
                linked.append((document, links))
        # whether each text credits a source: from the incremental cache where unchanged, else in workers
        sources = tuple(self._finder.sources)
        namespace = "att-credits/1/" + hashlib.sha256("\n".join(sources).encode("utf-8")).hexdigest()[:16]
        summaries = corpus.per_document(namespace, functools.partial(att_credit.credit_summary, sources),
                                        [document for document, _ in linked])
        # each link's longest shared passage: the analysis's table where it has one (a call per
        # link took 1.3 s at 100,000 documents), else worked out from its passages
        span_of = (reuse.longest_spans().get if hasattr(reuse, "longest_spans")
                   else lambda pair: _longest_passage(reuse, *pair))
        for (document, links), (credited, photo) in zip(linked, summaries):
            if credited:
                continue
            best: dict[str, tuple[str, float]] = {}
            for other, kind, sim in links:
                if other not in best or sim > best[other][1]:
                    best[other] = (kind, sim)
            doc_id = document.id
            related = [
                Related(other, span_of((doc_id, other)), round(sim, 4))
                for other, (kind, sim) in sorted(best.items(), key=lambda item: (-item[1][1], item[0]))
            ]
            described = ", ".join(f"{other} ({kind}, {sim:.2f})" for other, (kind, sim) in list(best.items())[:3])
            if len(best) > 3:
                described += f" and {len(best) - 3} more"
            message = (
                f"reuses text or reporting of {described} but credits no source: no wire agency, outlet "
                "or “according to <outlet>” credit appears anywhere in it"
            )
            if photo:
                message += f" (“{photo}” appears only as a photo credit, which does not credit the text)"
            yield self.finding(
                document,
                None,
                message,
                related=related,
                suggestion="add a credit line naming the source, e.g. “(AP)” or “according to Reuters”",
                data={"links": [{"document": o, "kind": k, "similarity": s} for o, (k, s) in best.items()],
                      "photo_credit_only": bool(photo)},
                anchor="uncredited:" + ",".join(sorted(best)),
            )


def _longest_passage(reuse: Any, doc_id: str, other: str):
    """``other``'s span of the longest passage ``doc_id`` shares with it (the first of equals), or None,
    for a "reuse" analysis of another plugin (the built-in one has a table: ``longest_spans``)."""
    passages = reuse.passages_between(doc_id, other)
    if not passages:
        return None
    return max(passages, key=lambda p: len(p.b_span)).b_span


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
DATE_KEYS = ("date", "published", "publication_date", "pubdate", "published_at")


def _date(document: Document) -> str | None:
    if not document.metadata:  # a text file's document has none
        return None
    for key in DATE_KEYS:
        value = document.metadata.get(key)
        if isinstance(value, str) and _DATE.match(value):
            return value[:10]
    return None


def _is_earliest(document: Document, others: list[Document]) -> bool:
    """Strictly earlier than every linked document, all dates known."""
    mine = _date(document)
    if mine is None or not others:
        return False
    dates = [_date(o) for o in others]
    return all(d is not None and mine < d for d in dates)


class VagueSource(Check):
    """A claim pinned on unnamed people: "experts say", "critics argue", "it is believed".

    Why it matters: "analysts point out" tells the reader nothing about who holds
    the view or why they should be believed; it is a classic way to present the
    writer's own opinion, or a rewriter's summary of sources it dropped, as
    consensus. Anonymous sourcing is sometimes necessary, which is why this is
    information, not a warning: the editor decides.

    Example: "Experts say the ceasefire will not hold." is reported at "Experts
    say"; "Experts say the ceasefire will not hold, said Jane Doe, a professor at
    Leiden University." is not, because a named source stands in the same sentence
    (or the next one).
    """

    code = "ATT003"
    name = "vague-source"
    category = "attribution"
    severity = Severity.INFO

    def check_document(self, document: Document) -> Iterable:
        view = view_of(document)
        for source in att_vague.vague_sources(view):
            if att_vague.named_source_near(view, source):
                continue
            start, end = source.first.start, source.last.end
            phrase = " ".join(document.text[start:end].split())
            yield self.finding(
                document,
                (start, end),
                f"vague source “{phrase}”: the claim is pinned on unnamed people and no named source "
                "is cited in this sentence or the next; say who (name, title, organisation)",
                data={"kind": source.kind},
            )


class DanglingReference(Check):
    """A person called by surname alone, or a quoting "he said", with no earlier introduction.

    Why it matters: news style introduces a person in full at first reference
    (given name, surname, title or role: "Secretary of State Antony Blinken") and by
    surname after ("Blinken said"). A bare surname with no introduction leaves the
    reader asking who this is; in rewritten or cut copy it shows that the paragraph
    introducing the person was dropped.

    Example: a story whose first mention of Smith is "Despite Smith's assertion, the
    talks went on" is reported at "Smith", expecting an earlier full name such as
    "Jane Smith"; so is a story that opens with "“We are ready,” he said." with no
    person named before. Place names ("Beijing's silence"), organisations and
    ordinary words opening a sentence are not surnames.
    """

    code = "ATT004"
    name = "dangling-reference"
    category = "attribution"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "pronouns": {
                "type": "boolean",
                "default": True,
                "description": "Also report a quoting “he said” or “she said” with no person named before it.",
            },
        },
    }

    def check_document(self, document: Document) -> Iterable:
        view = view_of(document)
        index = att_names.name_index(view)
        for ref in att_names.surname_references(view, index):
            yield self._surname_finding(document, ref)
        if self.options["pronouns"]:
            yield from self._pronoun_findings(document, view, index)

    def _surname_finding(self, document: Document, ref: att_names.SurnameReference):
        word = ref.word
        name = word.text
        if ref.misspelled:
            line, _ = document.line_col(ref.full_name_offset or 0)
            message = (
                f"“{name}” is referred to by surname alone but no one of that name is introduced earlier; "
                f"the story introduced “{ref.full_name}” on line {line}: is one of them misspelled?"
            )
            suggestion = f"check the spelling against “{ref.full_name}”"
        elif ref.full_name:
            line, _ = document.line_col(ref.full_name_offset or 0)
            message = (
                f"“{name}” is referred to by surname alone before being introduced: the full name "
                f"“{ref.full_name}” only comes later, on line {line}; news style gives it at the first reference"
            )
            suggestion = f"introduce “{ref.full_name}” here, at the first reference"
        else:
            message = (
                f"“{name}” is referred to by surname alone and is never introduced in this document; the "
                f"first reference should give the full name, e.g. “<given name> {name}” with a title or role"
            )
            suggestion = None
        return self.finding(
            document,
            (word.start, word.start + len(name)),
            message,
            suggestion=suggestion,
            data={"surname": name, "evidence": ref.evidence, "full_name": ref.full_name,
                  "misspelled": ref.misspelled},
        )

    def _pronoun_findings(self, document: Document, view: DocView, index: att_names.NameIndex):
        for cue in view.cues:
            if cue.speaker != "pronoun":
                continue
            pronoun = view.words[cue.speaker_word]
            if pronoun.lower not in ("he", "she") or pronoun.quoted:
                continue
            if att_names.has_person_before(view, index, pronoun.start):
                continue
            verb = view.words[cue.word]
            start, end = min(pronoun.start, verb.start), max(pronoun.end, view.words[cue.last_word].end)
            yield self.finding(
                document,
                (start, end),
                f"“{pronoun.text}” in “{document.text[start:end]}” has no antecedent: no person is named "
                "before it in this document; name the speaker",
                data={"pronoun": pronoun.lower},
            )
            break  # the first one says it all: later pronouns refer to the same unnamed person


@hookimpl
def copydesk_register_checks():
    return [UnattributedQuote, UncreditedReuse, VagueSource, DanglingReference]
