"""The report's per-finding pieces (excerpts, anchors, data) and its validator against their plain definitions.

Building a report of 600,000 findings spends its time in these few functions, so
they take short cuts; each short cut must give exactly what the plain definition
gives, on any text (and the fast validator the verdict of jsonschema).
"""

import copy
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from copydesk import Document, Span
from copydesk.model import Severity
from copydesk.report import _fast_validator, _jsonable, normalise_anchor, report_schema

# words, every kind of white space (runs of it too), non-ASCII letters and compatibility forms
PIECES = st.sampled_from(["word", "Ünïcode", "ﬁne", "…", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2003", "\x1c",
                          "a", "longerword", "ＡＢＣ", "ß", "İ"])
TEXTS = st.lists(PIECES, max_size=400).map("".join)


def plain_excerpt(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) > width:
        half = width // 2 - 2
        text = text[:half] + " … " + text[-half:]
    return text


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.data(), st.sampled_from([20, 60, 160]))
def test_excerpt_is_the_normalised_span_shortened_in_the_middle(text, data, width):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    document = Document("d", text)
    assert document.excerpt(Span(start, end), width) == plain_excerpt(text[start:end], width)
    assert document.excerpt(None, width) == plain_excerpt(text[:width], width)


def test_excerpt_of_a_long_span_of_mostly_white_space_is_not_cut():
    text = "start" + " " * 5000 + "end"
    assert Document("d", text).excerpt(Span(0, len(text))) == "start end"


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_anchor_normalisation_is_nfkc_casefolded_with_white_space_collapsed(text):
    assert normalise_anchor(text) == re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def test_data_values_become_json_values():
    class Odd:
        def __str__(self):
            return "odd"

    data = {"a": 1.23456789, "b": [1, True, None, "x", (2.0, {3: Span(1, 2)})], 4: {"c": frozenset({"y"})},
            "d": Severity.ERROR, "e": Odd()}
    assert _jsonable(data) == {"a": 1.234568, "b": [1, True, None, "x", [2.0, {"3": {"start": 1, "end": 2}}]],
                               "4": {"c": ["y"]}, "d": Severity.ERROR, "e": "odd"}


# --------------------------------------------------- the validator's compiled form of the schema


JUNK = st.sampled_from([None, -1, 0, 1.5, True, "", "x", [], {}, [1, 2], {"start": 0}, "0123456789abcdef"])
SPAN_KEYS = ["start", "end", "line", "column", "end_line", "end_column"]


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory):
    from copydesk.testing import Project

    project = Project(tmp_path_factory.mktemp("seeds"))
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    result = project.run("check", str(seeds), "--format", "json", "--output", "r.json", "--no-cache", "--jobs", "1")
    assert result.report is not None and len(result.report["findings"]) > 20, result
    return result.report


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_fast_validator_gives_every_report_the_verdict_of_jsonschema(seeds_report, data):
    """Real findings, one value or key broken at a time: jsonschema-rs accepts exactly
    what jsonschema accepts."""
    from jsonschema import Draft202012Validator

    finding = copy.deepcopy(data.draw(st.sampled_from(seeds_report["findings"])))
    if data.draw(st.booleans()):  # a span or a related document's span: where the rewrite is
        spans = [finding] + [item for item in finding["related"] if isinstance(item, dict)]
        holder = data.draw(st.sampled_from(spans))
        if holder["span"] is None or data.draw(st.booleans()):
            holder["span"] = data.draw(JUNK | st.fixed_dictionaries({k: st.integers(-1, 3) for k in SPAN_KEYS}))
        else:
            key = data.draw(st.sampled_from(SPAN_KEYS))
            if data.draw(st.booleans()):
                del holder["span"][key]
            else:
                holder["span"][key] = data.draw(JUNK)
    else:
        key = data.draw(st.sampled_from(sorted(finding)))
        if data.draw(st.booleans()):
            del finding[key]
        else:
            finding[key] = data.draw(JUNK)
    report = dict(seeds_report, findings=[finding])
    expected = Draft202012Validator(report_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(report)
    event(f"schema says valid: {expected}")
    assert _fast_validator().is_valid(report) == expected


def test_fingerprints_are_the_digests_of_code_document_normalised_anchor_and_occurrence():
    """Spans quoted by many findings are normalised once; the fingerprints are still exactly
    sha256(code, document, normalised anchor, n-th occurrence) of every finding."""
    import hashlib
    import random
    from collections import Counter

    from copydesk import Corpus, Finding
    from copydesk.report import fingerprints

    rng = random.Random(3)
    texts = {"a": "The Minister  SAID\u00a0on Monday: ﬁnal figures.\nThe Minister said.", "b": "Résumé  of the DAY " * 5}
    corpus = Corpus([Document(i, t) for i, t in texts.items()])
    findings = []
    for _ in range(300):
        document = rng.choice(["a", "b", "gone"])
        length = len(texts.get(document, "x" * 40))
        start = rng.randrange(0, length // 2)
        span = rng.choice([None, Span(start, start + rng.randrange(1, length // 2)), Span(0, 12)])
        findings.append(Finding(code=rng.choice(["XAA001", "XAA002"]), check="c", category="t", severity=Severity.INFO,
                                message="m", document=document, span=span,
                                anchor=rng.choice([None, None, "Some  ANCHOR", "ﬁgure"])))
    seen, expected = Counter(), []
    for f in findings:
        text = f.anchor if f.anchor is not None else (
            texts[f.document][f.span.start:f.span.end] if f.span is not None and f.document in texts else "")
        base = "\x1f".join((f.code, f.document, " ".join(unicodedata.normalize("NFKC", text).casefold().split())))
        seen[base] += 1
        expected.append(hashlib.sha256(f"{base}\x1f{seen[base]}".encode()).hexdigest()[:32])
    assert fingerprints(findings, corpus) == expected
    assert len(set(expected)) == len(expected)


def test_fails_reads_severities_as_severity_parse_does():
    from copydesk.report import fails

    records = [{"severity": "info"}, {"severity": "WARNING"}]
    assert fails(records, "warning") and not fails(records, "error") and not fails(records, "never")
    assert fails([{"severity": Severity.ERROR}], "error")
    assert not fails([], "info")
    with pytest.raises(ValueError, match="dreadful"):
        fails([{"severity": "dreadful"}], "error")


def test_a_presorted_report_is_the_report_of_the_same_findings_in_any_order():
    """The runner passes findings in report order and says so; build_report then skips its sort."""
    import random

    from copydesk import Corpus, Finding
    from copydesk.report import build_report

    text = "The council met on Monday.\nIt voted to keep the library open, a spokesman said."
    corpus = Corpus([Document("a.txt", text), Document("b.txt", text.upper())])
    findings = [Finding(code=code, check="c", category="t", severity=Severity.WARNING, message=f"m{k}",
                        document=document, span=Span(start, start + 5))
                for k, (code, document, start) in enumerate(
                    (c, d, s) for c in ("XAA001", "XAA002") for d in ("a.txt", "b.txt") for s in (0, 9, 30))]
    ordered = sorted(findings, key=Finding.sort_key)
    shuffled = ordered[:]
    random.Random(5).shuffle(shuffled)
    suppressed = [(ordered[0], "test")]

    def report(found, dropped, presorted):
        return build_report(version="t", started_at=0, duration_s=0, jobs=1, config_path="-", config_sha256="0" * 64,
                            corpus=corpus, paths=["."], checks=[], analyses=[], findings=found, suppressed=dropped,
                            fail_on="error", presorted=presorted)

    expected = report([f for f in shuffled if f is not ordered[0]], suppressed, False)
    assert [f["message"] for f in expected["findings"]] == [f.message for f in ordered[1:]]
    assert report(ordered[1:], suppressed, True) == expected


def test_records_made_already_are_taken_by_id_or_in_order():
    """The runner passes the records it made (records_of): by id(), or as a list in the order of the
    kept findings then the suppressed ones; either gives the report that making them here gives."""
    import pytest

    from copydesk import Corpus, Finding
    from copydesk.report import build_report, finding_dict, fingerprints

    text = "The council met on Monday.\nIt voted to keep the library open, a spokesman said."
    corpus = Corpus([Document("a.txt", text), Document("b.txt", text.upper())])
    findings = sorted((Finding(code="XAA001", check="c", category="t", severity=Severity.INFO, message=f"m{start}",
                               document=document, span=Span(start, start + 5))
                       for document in ("a.txt", "b.txt") for start in (0, 9, 30)), key=Finding.sort_key)
    prints = dict(zip(map(id, findings), fingerprints(findings, corpus)))
    kept, suppressed = findings[1:], [(findings[0], "test")]

    def report(records):
        return build_report(version="t", started_at=0, duration_s=0, jobs=1, config_path="-", config_sha256="0" * 64,
                            corpus=corpus, paths=["."], checks=[], analyses=[], findings=kept, suppressed=suppressed,
                            fail_on="error", prints=prints, presorted=True, records=records)

    def made(finding):
        return finding_dict(finding, prints[id(finding)], corpus)

    expected = report(None)
    assert expected["suppressed"][0]["suppressed_by"] == "test" and len(expected["findings"]) == 5
    assert report({id(f): made(f) for f in findings}) == expected
    assert report([made(f) for f in [*kept, findings[0]]]) == expected
    # findings not in report order: a list follows the order they are given in
    backwards = kept[::-1]
    assert build_report(version="t", started_at=0, duration_s=0, jobs=1, config_path="-", config_sha256="0" * 64,
                        corpus=corpus, paths=["."], checks=[], analyses=[], findings=backwards, suppressed=suppressed,
                        fail_on="error", prints=prints, records=[made(f) for f in [*backwards, findings[0]]]) == expected
    with pytest.raises(ValueError, match="5 records for 6 findings"):
        report([made(f) for f in kept])
