"""copydesk.jsoncodec: msgspec's speed with the json module's values."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from copydesk import jsoncodec
from copydesk.jsoncodec import dumps_printable, loads

# any text, lone surrogates, controls and bidi overrides included
texts = st.text(st.characters(), max_size=40) | st.sampled_from(
    ["\\xe9", "x\\U0001f600é", "\\", "é\\", "\ud800", "\u2028", "\u0085\x1b[31m", "abc\u202edef", "a\u00a0b"]
)
scalars = st.none() | st.booleans() | st.integers() | st.integers(min_value=2**64) | texts | st.floats(
    allow_nan=False, allow_infinity=False)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=2000, deadline=None)
@given(values)
def test_dumps_printable_is_printable_json_of_the_same_value(value):
    text = dumps_printable(value)
    assert text.isascii() or text.isprintable()
    assert json.loads(text) == json.loads(json.dumps(value))


@settings(max_examples=2000, deadline=None)
@given(values)
def test_loads_reads_what_json_reads(value):
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert loads(text) == json.loads(text)


def test_the_text_is_the_json_modules_for_the_values_a_report_holds():
    record = {"message": "“The company” said … ‘no’ – and café", "span": {"start": 0, "end": 12},
              "related": [{"document": "a\\b.txt", "similarity": 0.9455, "excerpt": "tab\there"}], "data": {"n": 2**70}}
    assert dumps_printable(record) == json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\u200b", "\u2028", "\u0085", "\u009b", "\ufeff", "\u00a0"])
def test_a_record_with_a_character_that_hides_or_reorders_text_is_all_ascii(hidden):
    record = {"message": f"“quoted” {hidden}evil", "excerpt": "café"}
    assert dumps_printable(record) == json.dumps(record, ensure_ascii=True, separators=(",", ":"))


def test_what_only_the_json_module_takes_goes_through_it():
    assert math.isnan(loads("[NaN]")[0])
    assert loads("1e400") == math.inf
    assert loads('"\\ud800"') == "\ud800"
    assert loads("123456789012345678901234567890") == 123456789012345678901234567890
    assert dumps_printable({None: "\ud800"}) == '{"null":"\\ud800"}'
    with pytest.raises(TypeError):
        dumps_printable({(1, 2): 3})  # as the json module does


def test_without_msgspec_the_json_module_does_it_all(monkeypatch):
    monkeypatch.setattr(jsoncodec, "_encode", None)
    monkeypatch.setattr(jsoncodec, "_decode", None)
    value = {"a": ["é", 1.5, None, 2**70]}
    assert dumps_printable(value) == '{"a":["\\u00e9",1.5,null,1180591620717411303424]}'
    assert loads('{"a": ["\\u00e9", 1.5, null]}') == {"a": ["é", 1.5, None]}


@settings(max_examples=1000, deadline=None)
@given(st.lists(values, max_size=12), st.integers(1, 5), st.sampled_from([b",\n    ", b"\n", b", "]))
def test_records_joined_in_batches_are_the_records_one_by_one(records, batch, separator):
    expected = separator.join(dumps_printable(record).encode("utf-8") for record in records)
    assert b"".join(jsoncodec.dumps_printable_joined(records, separator, batch)) == expected


def test_only_the_record_with_a_hidden_character_is_escaped_in_its_batch(monkeypatch):
    records = [{"excerpt": f"“quoted” café {n}"} for n in range(10)]
    records[4]["message"] = "abc\u202edef"  # a bidi override
    records[7]["message"] = "rub\x7fout"  # DEL in an otherwise ASCII record: written as it is
    records[8] = {"message": "rub\x7fout"}
    lines = b"".join(jsoncodec.dumps_printable_joined(records, b"\n", batch=6)).decode("utf-8").split("\n")
    assert [line.isascii() for line in lines] == [n in (4, 7, 8) for n in range(10)]
    assert lines[4] == json.dumps(records[4], ensure_ascii=True, separators=(",", ":"))
    assert lines[8] == '{"message":"rub\x7fout"}' and [json.loads(line) for line in lines] == records
    monkeypatch.setattr(jsoncodec, "_encode", None)  # without msgspec: the json module's ASCII
    assert (b"".join(jsoncodec.dumps_printable_joined(records, b"\n", batch=6)).decode("ascii").split("\n")
            == [json.dumps(r, ensure_ascii=True, separators=(",", ":")) for r in records])
