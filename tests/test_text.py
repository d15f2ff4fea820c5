"""The shared document model: paragraphs, sentences, quotations, tokens, line/column."""

from copydesk import Document


def texts(items):
    return [item.text for item in items]


def test_paragraphs_are_lines_with_exact_offsets():
    text = "First paragraph here.\n\n  Second one.  \nThird."
    doc = Document("d", text)
    assert texts(doc.paragraphs) == ["First paragraph here.", "Second one.", "Third."]
    for p in doc.paragraphs:
        assert text[p.span.start:p.span.end] == p.text


def test_hard_wrapped_prose_splits_at_blank_lines():
    text = (
        "The mayor said the new bridge would open\n"
        "next spring, a year later than planned,\n"
        "because of a shortage of steel.\n"
        "\n"
        "Critics of the project said the delay\n"
        "would cost the city millions.\n"
    )
    doc = Document("d", text)
    assert len(doc.paragraphs) == 2
    assert doc.paragraphs[0].text.startswith("The mayor") and doc.paragraphs[0].text.endswith("steel.")


def test_sentences_survive_abbreviations_and_initials():
    text = ("The U.S. and Japan met on Monday. Dr. Ana Ruiz of the U.N. agency spoke first. "
            "She met J. R. Smith at 5 p.m. and left. It rained.")
    sentences = texts(Document("d", text).sentences)
    assert sentences == [
        "The U.S. and Japan met on Monday.",
        "Dr. Ana Ruiz of the U.N. agency spoke first.",
        "She met J. R. Smith at 5 p.m. and left.",
        "It rained.",
    ]


def test_sentence_ends_after_initialism_before_an_opener():
    sentences = texts(Document("d", "He moved to the U.S. The move was hard.").sentences)
    assert sentences == ["He moved to the U.S.", "The move was hard."]


def test_sentence_ends_after_closing_quote():
    text = "“We will win,” he said. “It is certain.” Then he left."
    assert texts(Document("d", text).sentences) == ["“We will win,” he said.", "“It is certain.”", "Then he left."]


def test_quotations_curly_and_straight_with_apostrophes():
    text = "He said “we’ll see” and she said \"no way\" while the ‘scare quote’ stayed. It’s John’s."
    quotes = Document("d", text).quotations
    assert texts(quotes) == ["we’ll see", "no way", "scare quote"]
    for q in quotes:
        assert text[q.content.start:q.content.end] == q.text
        assert text[q.span.start] in "“\"‘" and q.closed


def test_quotation_spanning_paragraphs_is_one_quotation():
    text = ("“The first part of the statement runs on,\n"
            "“and the second paragraph finishes it,” the minister said.\n"
            "A new paragraph.")
    quotes = Document("d", text).quotations
    assert len(quotes) == 1
    assert quotes[0].text.startswith("The first part") and quotes[0].text.endswith("finishes it,")


def test_unclosed_quotation_stops_at_paragraph_end():
    text = "He said “this never closes\nNext paragraph has no quote."
    quotes = Document("d", text).quotations
    assert len(quotes) == 1 and not quotes[0].closed and quotes[0].text == "this never closes"


def test_tokens_keep_numbers_initialisms_and_contractions():
    text = "The U.S. sent 8,000 troops; it doesn’t say 3.5% more."
    tokens = Document("d", text).tokens
    assert [t.text for t in tokens] == ["The", "U.S.", "sent", "8,000", "troops", "it", "doesn’t", "say", "3.5%", "more"]
    for t in tokens:
        assert text[t.start:t.end] == t.text


def test_line_col_is_one_based_in_code_points():
    doc = Document("d", "ab\n日本語 x\nz")
    assert doc.line_col(0) == (1, 1)
    assert doc.line_col(3) == (2, 1)
    assert doc.line_col(7) == (2, 5)
    assert doc.line_col(9) == (3, 1)


def test_wrapped_prose_without_blank_lines_joins_lines_into_paragraphs():
    text = (
        "The regional water board said on Friday that the reservoir\n"
        "had fallen to its lowest level in twenty years, and it asked\n"
        "households to cut their use by a tenth until the autumn rains\n"
        "return.\n"
        "Farmers in the valley said the restrictions came too late for\n"
        "this year's harvest and called for compensation from the\n"
        "state.\n"
        "The board meets again next week.\n"
    )
    paragraphs = Document("d", text).paragraphs
    assert [p.text.split()[0] for p in paragraphs] == ["The", "Farmers", "The"]
    assert paragraphs[0].text.endswith("autumn rains\nreturn.")
