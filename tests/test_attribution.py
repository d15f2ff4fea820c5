"""Tests of the attribution checks (ATT001-ATT004) on news-like text written for them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from copydesk import Analysis, Corpus, Document, Span
from copydesk.plugins import att_credit
from copydesk.plugins.attribution import (
    DanglingReference,
    UncreditedReuse,
    UnattributedQuote,
    VagueSource,
)
from copydesk.testing import run_check


def spanned(text: str, finding) -> str:
    return text[finding.span.start : finding.span.end]


# ----------------------------------------------------------------------------- ATT001


def test_unattributed_quote_message_names_its_opening_words():
    text = "The plant closed in May.\n“Nobody told us anything until the gates were locked.”\n"
    [finding] = run_check(UnattributedQuote, {"a.txt": text})
    assert spanned(text, finding).startswith("“Nobody told us")
    assert "“Nobody told us anything until the…”" in finding.message
    assert "no speaker" in finding.message


def test_quote_running_over_paragraphs_is_attributed_when_any_part_is():
    text = (
        "The strike went on.\n"
        "“We have waited eleven years for a raise.\n"
        "“We will wait no longer,” said Ruth Adler, a nurse at the hospital.\n"
    )
    assert run_check(UnattributedQuote, {"a.txt": text}) == []


def test_quote_running_over_paragraphs_with_no_speaker_is_one_finding():
    text = (
        "The strike went on.\n"
        "“We have waited eleven years for a raise.\n"
        "“We will wait no longer and we will not be quiet.”\n"
    )
    [finding] = run_check(UnattributedQuote, {"a.txt": text})
    assert spanned(text, finding).startswith("“We have waited") and spanned(text, finding).endswith("quiet.”")


def test_speaker_in_the_next_sentence_of_the_paragraph_attributes():
    text = "“The water is not safe to drink for at least a week.” Dr. Ines Moreau repeated the warning twice."
    assert run_check(UnattributedQuote, {"a.txt": text}) == []


def test_apostrophe_typed_as_opening_quote_is_not_a_quotation():
    text = "The vote on Obama‘s court pick was put off again by the committee for another month.\n"
    assert run_check(UnattributedQuote, {"a.txt": text}) == []


def test_possessed_speech_noun_attributes_a_quote():
    text = "The mayor’s answer was short — “We will rebuild the bridge before winter comes.”"
    assert run_check(UnattributedQuote, {"a.txt": text}) == []


# ----------------------------------------------------------------------------- ATT003


def test_vague_source_span_is_the_phrase_and_severity_is_info():
    text = "Turnout was low. Many observers believe the result will be challenged in court."
    [finding] = run_check(VagueSource, {"a.txt": text})
    assert spanned(text, finding) == "Many observers believe"
    assert str(finding.severity) == "info"


def test_named_source_in_the_next_sentence_clears_a_vague_claim():
    text = (
        "Critics say the new law goes too far. "
        "“It criminalises ordinary protest,” said Maria Lind of the Civil Rights Union."
    )
    assert run_check(VagueSource, {"a.txt": text}) == []


def test_passive_hearsay_is_vague():
    text = "The minister is said to have offered his resignation twice."
    [finding] = run_check(VagueSource, {"a.txt": text})
    assert spanned(text, finding) == "is said to"


def test_sourced_report_is_not_vague():
    text = "The mine will close, according to the report. According to a report by the Audit Office, costs doubled."
    assert run_check(VagueSource, {"a.txt": text}) == []


# ----------------------------------------------------------------------------- ATT004


def test_surname_before_its_full_name_points_at_the_later_full_name():
    text = "Talks stalled again.\nOkafor said the offer was final.\nHe left early.\nTrade minister Ngozi Okafor arrived late.\n"
    [finding] = run_check(DanglingReference, {"a.txt": text})
    assert spanned(text, finding) == "Okafor"
    assert "Ngozi Okafor" in finding.message and "line 4" in finding.message
    assert finding.suggestion == "introduce “Trade minister Ngozi Okafor” here, at the first reference" or \
        "Ngozi Okafor" in (finding.suggestion or "")


def test_surname_spelled_unlike_the_introduced_name_is_questioned():
    text = (
        "Brent Beesely, chief executive of the council, spoke first.\n"
        "\"Losses will continue,\" Beesley said. He gave no figures.\n"
    )
    [finding] = run_check(DanglingReference, {"a.txt": text})
    assert spanned(text, finding) == "Beesley"
    assert "Brent Beesely" in finding.message and "misspelled" in finding.message


def test_titles_and_honorifics_introduce_a_surname():
    text = "Mr. Haddad chairs the board. Later, Haddad said the vote was fair and he was pleased."
    assert run_check(DanglingReference, {"a.txt": text}) == []


def test_company_taking_it_is_not_a_person():
    text = "Kestrel said its profit fell. Kestrel said it would cut jobs."
    assert run_check(DanglingReference, {"a.txt": text}) == []


def test_headline_surname_is_allowed():
    text = "Okafor rejects trade offer.\nTrade minister Ngozi Okafor on Monday rejected the offer, saying it was unfair.\n"
    assert run_check(DanglingReference, {"a.txt": text}) == []


def test_pronoun_with_a_person_noun_before_it_has_an_antecedent():
    text = "A spokesman for the airline took questions.\n“We regret the delay,” he said.\n"
    assert run_check(DanglingReference, {"a.txt": text}) == []


# ----------------------------------------------------------------------------- ATT002


def test_credit_finder_tells_text_credits_from_photo_credits():
    finder = att_credit.CreditFinder()
    assert finder.text_credit("Photo: AFP\nThe talks ended.") is None
    assert finder.text_credit("(AP Photo/Jane Roe) The talks ended.") is None
    assert finder.text_credit("The talks ended, Reuters reported.").text == "Reuters"
    assert finder.text_credit("SEOUL (AP) — The talks ended.").text == "AP"
    assert finder.text_credit("The talks ended, according to the Korea Herald.") is not None
    assert finder.text_credit("The talks ended, according to a State Department official.") is None
    assert finder.text_credit("The apple was ripe.") is None  # "ap" inside words never matches


@dataclass(frozen=True)
class _Pair:
    a: str
    b: str
    kind: str
    similarity: float


@dataclass(frozen=True)
class _Passage:
    a: str
    a_span: Span
    b: str
    b_span: Span
    verbatim_share: float


class _StubReuse:
    """The reuse contract (see plugins/duplication.py), with fixed links, for a unit test."""

    def __init__(self, pairs, passages=()):
        self.pairs = list(pairs)
        self.passages = list(passages)

    def linked(self, doc_id):
        return [((p.b if p.a == doc_id else p.a), p.kind, p.similarity) for p in self.pairs if doc_id in (p.a, p.b)]

    def passages_between(self, a, b):
        out = []
        for p in self.passages:
            if (p.a, p.b) == (a, b):
                out.append(p)
            elif (p.a, p.b) == (b, a):
                out.append(_Passage(a, p.b_span, b, p.a_span, p.verbatim_share))
        return out


def _stub_corpus(documents, reuse):
    class StubAnalysis(Analysis):
        name = "reuse"

        def compute(self, corpus):
            return reuse

    docs = [d if isinstance(d, Document) else Document(d[0], d[1]) for d in documents]
    return Corpus(docs, {"reuse": StubAnalysis})


def test_uncredited_reuse_is_flagged_with_related_documents_and_photo_note():
    original = "SEOUL (AP) — The two leaders met on Friday and agreed to reopen the border crossing."
    copy = "Photo: AFP\nThe two leaders met on Friday and agreed to reopen the border crossing."
    credited = "The two leaders met on Friday, Reuters reported, and agreed to reopen the crossing."
    reuse = _StubReuse(
        [_Pair("a.txt", "b.txt", "near-duplicate", 0.9), _Pair("a.txt", "c.txt", "same-story", 0.6)],
        [_Passage("a.txt", Span(13, 80), "b.txt", Span(11, 78), 1.0)],
    )
    corpus = _stub_corpus([("a.txt", original), ("b.txt", copy), ("c.txt", credited)], reuse)
    findings = list(UncreditedReuse().check_corpus(corpus))
    assert [f.document for f in findings] == ["b.txt"]
    [finding] = findings
    assert finding.span is None
    assert [r.document for r in finding.related] == ["a.txt"]
    assert finding.related[0].span == Span(13, 80)
    assert "photo credit" in finding.message and "a.txt" in finding.message


def test_only_links_of_the_selected_kinds_count_as_reuse():
    from copydesk.plugins.duplication import ReuseAnalysis, SimilarPair

    text = "The two leaders met on Friday and agreed to reopen the border crossing."
    documents = [("a.txt", text), ("b.txt", text), ("c.txt", "The leaders agreed on Friday to open the crossing again.")]
    reuse = ReuseAnalysis(pairs=[SimilarPair("a.txt", "b.txt", "near-duplicate", 0.9),
                                 SimilarPair("a.txt", "c.txt", "same-story", 0.6)]).index()

    def flagged(options, analysis=reuse):
        return {f.document: sorted(r.document for r in f.related)
                for f in UncreditedReuse(options).check_corpus(_stub_corpus(documents, analysis))}

    assert flagged({}) == {"a.txt": ["b.txt", "c.txt"], "b.txt": ["a.txt"], "c.txt": ["a.txt"]}
    assert flagged({"kinds": ["same-story"]}) == {"a.txt": ["c.txt"], "c.txt": ["a.txt"]}
    assert flagged({"kinds": ["near-duplicate", "reused-passage"]}) == {"a.txt": ["b.txt"], "b.txt": ["a.txt"]}

    # another plugin's analysis may link by a kind the options do not name: not counted
    other = _StubReuse([_Pair("a.txt", "b.txt", "translated", 0.8), _Pair("a.txt", "c.txt", "same-story", 0.6)])
    assert flagged({}, other) == {"a.txt": ["c.txt"], "c.txt": ["a.txt"]}


def test_earliest_dated_document_is_the_original():
    first = Document("a.txt", "The two leaders met and agreed to reopen the crossing.", metadata={"date": "2024-03-01"})
    later = Document("b.txt", "The two leaders met and agreed to reopen the crossing.", metadata={"date": "2024-03-02"})
    corpus = _stub_corpus([first, later], _StubReuse([_Pair("a.txt", "b.txt", "near-duplicate", 1.0)]))
    assert [f.document for f in UncreditedReuse().check_corpus(corpus)] == ["b.txt"]


def test_extra_credit_sources_are_configurable():
    text = "The council met on Monday, the Valley Courier Wire Service said."
    corpus = _stub_corpus([("a.txt", "x " * 5), ("b.txt", text)], _StubReuse([_Pair("a.txt", "b.txt", "same-story", 0.5)]))
    flagged = {f.document for f in UncreditedReuse().check_corpus(corpus)}
    assert "b.txt" in flagged
    options = {"extra_credit_sources": ["Valley Courier"]}
    assert "b.txt" not in {f.document for f in UncreditedReuse(options).check_corpus(corpus)}


# ------------------------------------------------------------------------------ speed


def test_per_document_cost_is_linear():
    paragraph = (
        "“We will rebuild the bridge before winter,” Mayor Ana Ruiz said on Monday. "
        "Experts say the work could take two years. Ruiz's office declined to comment.\n"
    )
    small = Document("s.txt", paragraph * 50)
    large = Document("l.txt", paragraph * 500)
    checks = [UnattributedQuote(), VagueSource(), DanglingReference()]
    for doc in (small, large):  # the shared text model is the core's cost, not these checks'
        doc.paragraphs, doc.sentences, doc.quotations, doc.tokens

    def cost(doc):
        started = time.perf_counter()
        for check in checks:
            list(check.check_document(doc))
        return time.perf_counter() - started

    small_cost, large_cost = cost(small), cost(large)
    assert large_cost < 2.0
    assert large_cost < 30 * max(small_cost, 1e-3)  # ten times the text, not a hundred times the time
