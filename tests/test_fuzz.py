"""Fuzzed input: loaders and the config loader never crash, whatever bytes they get.

Every generated case must end in documents and load problems (which the run turns
into CD001/CD003 findings of a valid report) or in a one-line error (exit 2), never
in an exception. The in-process targets run ``FUZZ_EXAMPLES`` cases each (10,000 by
default; set ``COPYDESK_FUZZ_EXAMPLES`` to change it) under a fixed, derandomised
profile so CI sees the same cases every time; a few hundred full CLI runs check the
same promise end to end, report schema included.
"""

from __future__ import annotations

import codecs
import json
import os
import random

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra: pip install -e '.[test]'")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from copydesk import Document, LoadProblem  # noqa: E402
from copydesk.config import Config, read_yaml, validate_against_registry, _first_pass  # noqa: E402
from copydesk.errors import ConfigError  # noqa: E402
from copydesk.loading import CorpusSettings  # noqa: E402
from copydesk.manager import collect_registry, make_plugin_manager  # noqa: E402
from copydesk.plugins.loaders import JsonlLoader, TextLoader  # noqa: E402
from copydesk.report import validate_report  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("COPYDESK_FUZZ_EXAMPLES", "10000"))
CLI_EXAMPLES = int(os.environ.get("COPYDESK_FUZZ_CLI_EXAMPLES", "200"))
PROFILE = dict(deadline=None, derandomize=True, database=None, print_blob=True,
               suppress_health_check=list(HealthCheck))
fuzz = settings(max_examples=FUZZ_EXAMPLES, **PROFILE)
REGISTRY = collect_registry(make_plugin_manager(autoload=False))


# ------------------------------------------------------------------ input strategies

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "koi8-r",
             "shift_jis", "gb18030")
BOMS = (b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)
news_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@st.composite
def encoded_text(draw) -> bytes:
    """Text in some encoding, mixed encodings glued together, a BOM in front, NULs inside."""
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        encoding = draw(st.sampled_from(ENCODINGS))
        pieces.append(draw(news_text).encode(encoding, "replace"))
    raw = draw(st.sampled_from(BOMS)) + b"".join(pieces)
    if draw(st.integers(0, 9)) == 0 and raw:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\x00" + raw[at:]
    return raw


@st.composite
def enormous_line(draw) -> bytes:
    unit = draw(st.sampled_from([b"a", b"word ", b"\xc3\xa9", b"\t", b"\r", b"\\u0000"]))
    return unit * draw(st.integers(10_000, 200_000))


@st.composite
def deep_nesting(draw) -> bytes:
    depth = draw(st.integers(50, 20_000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"text":[', b"]}")]))
    closed = draw(st.booleans())
    return opener * depth + (closer * depth if closed else b"")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | news_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(news_text, children, max_size=4),
    max_leaves=12,
)


@st.composite
def jsonl_record(draw) -> bytes:
    record = draw(st.dictionaries(st.sampled_from(["id", "text", "body", "date", "copydesk_ignore", "x"]) | news_text,
                                  json_values, max_size=5))
    if draw(st.booleans()):
        record["text"] = draw(news_text)
    line = json.dumps(record, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if draw(st.integers(0, 5)) == 0:  # cut short, or a stray byte
        line = line[: draw(st.integers(0, len(line)))]
    return line.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), "replace")


@st.composite
def jsonl_file(draw) -> bytes:
    lines = draw(st.lists(jsonl_record() | json_values.map(lambda v: json.dumps(v).encode()) | encoded_text(),
                          max_size=6))
    separator = draw(st.sampled_from([b"\n", b"\r\n", b"\r", b"\x0b", b"\x1c", b"\xe2\x80\xa8"]))
    return draw(st.sampled_from(BOMS)) + separator.join(lines)




@st.composite
def any_bytes(draw, large: bool = True) -> bytes:
    """Mostly small hostile inputs; one in twenty enormous or deeply nested (they cost
    milliseconds each, and the point is that they work, not that there are thousands)."""
    kind = draw(st.integers(0, 39))
    if large and kind == 0:
        return draw(enormous_line())
    if large and kind == 1:
        return draw(deep_nesting())
    if kind < 16:
        return draw(st.binary(max_size=1500))
    if kind < 28:
        return draw(encoded_text())
    return draw(jsonl_file())


# Fast builders for the 10,000-case targets: hypothesis draws a seed and a kind, and
# plain ``random`` builds the bytes. Hypothesis-native strategies spend ~8 ms drawing one
# nested JSONL file, which would make 10,000 cases take minutes; these take microseconds.
# A failing case prints its seed and kind, which rebuild it exactly.

ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?'\"-()[]{}<>/\\&%$#@*+=_|~`^"
    "\n\n\r\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00\x01\x1b\x7f\ufeff\u200b\u200d\u202e\u00ad"
    "éèçñüßøåÆŒ€£“”‘’«»„–—…·° ΑβγЖжЩ 日本語中文한국어 العربية עברית हिन्दी ไทย \u0301\u0308 😀👍🏽 \ufffd"
)
JSON_KEYS = ("id", "text", "body", "key", "date", "copydesk_ignore", "source", "", "ïd", "text ")


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 10**30, rng.randrange(-10**6, 10**6)])
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e308, float("nan"), float("inf")])
    if kind in (4, 5):
        return random_text(rng, rng.randrange(40))
    if kind in (6, 7):
        return {rng.choice(JSON_KEYS) if rng.random() < 0.7 else random_text(rng, 5): random_json(rng, depth + 1)
                for _ in range(rng.randrange(5))}
    return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]


def random_encoded(rng: random.Random) -> bytes:
    pieces = [random_text(rng, rng.randrange(200)).encode(rng.choice(ENCODINGS), "replace")
              for _ in range(rng.randint(1, 3))]
    raw = rng.choice(BOMS) + b"".join(pieces)
    if rng.random() < 0.1:
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + b"\x00" + raw[at:]
    return raw


def random_jsonl(rng: random.Random) -> bytes:
    lines = []
    for _ in range(rng.randrange(8)):
        kind = rng.randrange(10)
        if kind < 6:
            record = random_json(rng, 3) if kind == 0 else {"id": random_json(rng, 3), "text": random_text(rng, 60)}
            if isinstance(record, dict) and rng.random() < 0.5:
                record.update({rng.choice(JSON_KEYS): random_json(rng, 2) for _ in range(3)})
            line = json.dumps(record, ensure_ascii=rng.random() < 0.5)
            if rng.random() < 0.15:
                line = line[: rng.randrange(len(line) + 1)]
            lines.append(line.encode(rng.choice(["utf-8", "utf-8", "utf-16", "latin-1"]), "replace"))
        elif kind < 8:
            lines.append(random_encoded(rng))
        else:
            lines.append(rng.randbytes(rng.randrange(60)))
    separator = rng.choice([b"\n", b"\r\n", b"\r", b"\x0b", b"\x1c", "\u2028".encode()])
    return rng.choice(BOMS) + separator.join(lines)


def random_enormous(rng: random.Random) -> bytes:
    unit = rng.choice([b"a", b"word ", b"\xc3\xa9", b"\t", b"\r", b"\\u0000", b'{"text": "'])
    return unit * rng.randrange(10_000, 200_000)


def random_deep(rng: random.Random) -> bytes:
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b'{"text":[', b"]}"), (b"- ", b""), (b"{a: ", b"}")])
    depth = rng.randrange(50, 20_000)
    return opener * depth + (closer * depth if rng.random() < 0.5 else b"")


BUILDERS = {"binary": lambda rng: rng.randbytes(rng.randrange(1500)), "encoded": random_encoded,
            "jsonl": random_jsonl, "enormous": random_enormous, "deep": random_deep}
#: one in twenty cases enormous or deeply nested: they cost milliseconds each, and the
#: point is that they work, not that there are thousands of them
KINDS = ["binary"] * 6 + ["encoded"] * 6 + ["jsonl"] * 6 + ["enormous", "deep"]


def built(kinds: list[str] = KINDS):
    return st.tuples(st.sampled_from(kinds), st.integers(0, 2**32 - 1)).map(
        lambda pair: BUILDERS[pair[0]](random.Random(pair[1])))


class BytesPath:
    """Stands in for a file: the loaders only call ``read_bytes`` and ``str``."""

    def __init__(self, raw: bytes, name: str):
        self.raw = raw
        self.name = name

    def read_bytes(self) -> bytes:
        return self.raw

    def __str__(self) -> str:
        return self.name


def assert_loads_cleanly(loader, raw: bytes, name: str) -> list:
    items = list(loader.load(BytesPath(raw, name), name))
    for item in items:
        assert isinstance(item, (Document, LoadProblem)), item
        if isinstance(item, Document):
            assert isinstance(item.text, str) and item.id
            item.line_col(len(item.text))  # offsets into the text work to its end
        else:
            assert item.code in ("CD001", "CD003") and "\n" not in item.message, item
    return items


# ---------------------------------------------------------------------- the loaders


@fuzz
@given(raw=built(), encoding=st.sampled_from([("utf-8", "strict"), ("latin-1", "strict"), ("utf-16", "replace"),
                                                  ("cp1252", "ignore")]))
def test_text_loader_never_raises(raw, encoding):
    encoding, errors = encoding
    loader = TextLoader(CorpusSettings(encoding=encoding, errors=errors))
    items = assert_loads_cleanly(loader, raw, "fuzz.txt")
    assert len(items) == 1


@fuzz
@given(raw=built(), fields=st.sampled_from([{}, {"text_field": "body", "id_field": "key"}]))
def test_jsonl_loader_never_raises(raw, fields):
    loader = JsonlLoader(CorpusSettings(options=fields))
    assert_loads_cleanly(loader, raw, "fuzz.jsonl")


# ----------------------------------------------------------------- the config loader

CONFIG_KEYS = ["version", "corpus", "select", "ignore", "checks", "per_file_ignores", "fail_on", "report", "cache",
               "jobs", "analyses", "disable_plugins", "required_plugins"]


CHECK_WORDS = sorted(REGISTRY.checks) + sorted(c.name for c in REGISTRY.checks.values()) + ["ALL", "DUP", "XX9", "dup"]
INNER_KEYS = ["options", "severity", "paths", "include", "exclude", "encoding", "errors", "format", "formats", "output",
              "threshold", "enabled", "dir", "min_words", "text_field", "error", "warning", "info", "never"]


def random_config_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([None, True, False, 0, 1, -3, 0.5, 10**9, "", "utf-8", "latin-1", "nope", "**/*.txt"])
    if kind == 1:
        return rng.choice(CHECK_WORDS)
    if kind == 2:
        return random_text(rng, rng.randrange(12))
    if kind == 3:
        return [rng.choice(CHECK_WORDS) for _ in range(rng.randrange(4))]
    if kind == 4:
        return rng.choice(INNER_KEYS)
    if kind == 5:
        return [random_config_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    # keys with line breaks are left to test_a_key_with_a_line_break_is_reported_on_one_line
    keys = CHECK_WORDS + INNER_KEYS if rng.random() < 0.8 else [random_text(rng, 6).replace("\n", " ")]
    return {rng.choice(keys): random_config_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def random_config(rng: random.Random) -> str:
    import yaml

    kind = rng.randrange(10)
    data: dict[str, object] = {rng.choice(CONFIG_KEYS): random_config_value(rng) for _ in range(rng.randrange(7))}
    if rng.random() < 0.3:
        data["version"] = 1
    if kind < 5:  # flow style (JSON is YAML): fast to write, and most cases get this far
        return json.dumps(data, ensure_ascii=rng.random() < 0.5)
    if kind < 7:
        return yaml.safe_dump(data, allow_unicode=True)
    if kind < 9:  # punctuation soup: anchors, aliases, tags, flow and block indicators
        return "".join(rng.choice(":-[]{}&*!|>'\"%@`#,? \n\n\t  ab1") for _ in range(rng.randrange(120)))
    return random_text(rng, rng.randrange(120))


def config_text():
    return st.integers(0, 2**32 - 1).map(lambda seed: random_config(random.Random(seed)))


def assert_config_ends_cleanly(source_text: str) -> None:
    try:
        source = read_yaml("copydesk.yaml", source_text)
        _first_pass(source)
        validate_against_registry([source], REGISTRY)
    except ConfigError as exc:
        assert exc.problems and all(line and "\n" not in line for line in exc.problems), exc.problems
        assert all(line.startswith("copydesk.yaml") for line in exc.problems), exc.problems
        return
    # a valid config: everything a run reads from it works
    config = Config("copydesk.yaml", dict(source.data), [source])
    config.corpus, config.select, config.ignore, config.fail_on, config.per_file_ignores, config.cache_dir
    try:
        config.report_targets
    except ConfigError as exc:
        assert all("\n" not in line for line in exc.problems)
    # the checks whose settings the config gives take them (instantiating all of them
    # for every case would spend the budget building lexicons)
    for key in (config.raw.get("checks") or {}):
        cls = REGISTRY.checks.get(key) or REGISTRY.check_by_name(str(key))
        if cls is not None:
            settings_ = config.check_settings(cls.code, cls.name)
            cls(settings_.options, settings_.severity)


@fuzz
@given(text=config_text())
def test_config_loader_ends_in_a_config_or_one_line_errors(text):
    assert_config_ends_cleanly(text)


@pytest.fixture(scope="module")
def config_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("config")


def test_a_key_with_a_line_break_is_reported_on_one_line():
    with pytest.raises(ConfigError) as caught:
        _first_pass(read_yaml("copydesk.yaml", 'analyses:\n  "bad\\nkey": 3\n'))
    assert all("\n" not in line for line in caught.value.problems), caught.value.problems


@settings(max_examples=max(1, FUZZ_EXAMPLES // 10), **PROFILE)
@given(raw=built(["binary", "encoded", "jsonl"]))
def test_config_file_of_random_bytes_is_a_one_line_error(config_folder, raw):
    path = config_folder / "copydesk.yaml"
    path.write_bytes(raw)
    try:
        source = read_yaml(str(path))
        _first_pass(source)
    except ConfigError as exc:
        assert all("\n" not in line for line in exc.problems)


# ------------------------------------------------------------------ end to end


@settings(max_examples=CLI_EXAMPLES, **PROFILE)
@given(files=st.dictionaries(st.sampled_from(["a.txt", "b.txt", "c.md", "feed.jsonl", "d/e.txt", "f.ndjson"]),
                             st.binary(max_size=400) | encoded_text() | jsonl_file(), min_size=1, max_size=4),
       config=st.none() | config_text())
def test_cli_on_fuzzed_corpus_and_config_gives_a_valid_report_or_exit_2(tmp_path_factory, monkeypatch, files, config):
    from copydesk.testing import Project

    monkeypatch.setenv("COPYDESK_DISABLE_PLUGIN_AUTOLOAD", "1")
    project = Project(tmp_path_factory.mktemp("cli"))
    project.write_corpus(files)
    if config is not None:
        (project.path / "copydesk.yaml").write_text(config, encoding="utf-8")
    result = project.run("check", "corpus", "--no-cache", "-q", "-f", "json", "-o", "report.json",
                         "--select", "CD,DUP001,DUP005,ATT003,TRN001")
    assert "Traceback" not in result.stderr, result
    if result.exit_code == 2:
        assert result.stderr.startswith("copydesk: error: ") and result.report is None, result
        return
    assert result.exit_code in (0, 1), result
    assert validate_report(result.report) == []
    ids = {d["id"] for d in result.report["documents"]}
    for finding in result.report["findings"]:
        assert finding["document"] in ids or finding["code"] in ("CD001", "CD003", "CD004"), finding
