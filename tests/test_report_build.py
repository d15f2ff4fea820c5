"""The report's per-finding pieces (excerpts, anchors, data) against their plain definitions.

Building a report of 600,000 findings spends its time in these few functions, so
they take short cuts; each short cut must give exactly what the plain definition
gives, on any text.
"""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk import Document, Span
from copydesk.model import Severity
from copydesk.report import _jsonable, normalise_anchor

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
