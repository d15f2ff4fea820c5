"""Bad input is a finding or a one-line error, never a traceback; the corpus is never written."""

import hashlib
import json
from pathlib import Path

import pytest

from copydesk import Check, hookimpl

STORY = "The museum reopened on Saturday after two years of repairs to its roof.\n"


def by_code(result, code):
    return [f for f in result.report["findings"] if f["code"] == code]


def test_undecodable_file_is_cd001_with_byte_offset_and_rest_is_checked(copydesk_project):
    copydesk_project.write_corpus({"good.txt": STORY, "copy.txt": STORY, "latin.txt": "Caf\xe9 au lait".encode("latin-1")})
    result = copydesk_project.run("check", "corpus", "-f", "json")
    assert result.exit_code == 1
    (finding,) = by_code(result, "CD001")
    assert finding["document"] == "latin.txt" and finding["span"] is None
    assert "byte offset 3" in finding["message"] and finding["data"]["offset"] == 3
    assert by_code(result, "DUP001"), "the rest of the corpus is still checked"


def test_encoding_setting_decodes_latin1(copydesk_project):
    copydesk_project.write_corpus({"latin.txt": "Caf\xe9 au lait is served.".encode("latin-1")})
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus], encoding: latin-1}\n")
    result = copydesk_project.run("check", "-f", "json")
    assert by_code(result, "CD001") == [] and result.report["documents"][0]["characters"] == len("Café au lait is served.")


def test_errors_replace_reads_the_file(copydesk_project):
    copydesk_project.write_corpus({"latin.txt": b"Caf\xe9 ok"})
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus], errors: replace}\n")
    result = copydesk_project.run("check", "-f", "json")
    assert by_code(result, "CD001") == [] and len(result.report["documents"]) == 1


def test_binary_file_is_cd001(copydesk_project):
    copydesk_project.write_corpus({"image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.txt": STORY})
    result = copydesk_project.run("check", "corpus", "-f", "json")
    (finding,) = by_code(result, "CD001")
    assert "binary" in finding["message"] and "byte offset 8" in finding["message"]


def test_bom_is_not_part_of_the_text(copydesk_project):
    copydesk_project.write_corpus({"bom.txt": "\ufeffHello there.".encode("utf-8")})
    result = copydesk_project.run("check", "corpus", "-f", "json")
    assert result.report["documents"][0]["characters"] == len("Hello there.")


def test_empty_document_is_cd002(copydesk_project):
    copydesk_project.write_corpus({"empty.txt": "", "a.txt": STORY})
    result = copydesk_project.run("check", "corpus", "-f", "json")
    assert [f["document"] for f in by_code(result, "CD002")] == ["empty.txt"]


def test_jsonl_records_malformed_lines_and_duplicate_ids(copydesk_project):
    lines = [
        json.dumps({"id": "r1", "text": STORY, "source": "wire"}),
        '{"id": "r2", "text": "unterminated',
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "r3", "body": "no text field"}),
        json.dumps({"id": "r1", "text": "Another story with the same id."}),
        json.dumps({"id": "r4", "text": STORY}),
    ]
    copydesk_project.write_corpus({"feed.jsonl": "\n".join(lines) + "\n"})
    result = copydesk_project.run("check", "corpus/feed.jsonl", "-f", "json")
    assert result.exit_code == 1
    assert [d["id"] for d in result.report["documents"]] == ["r1", "r4"]
    malformed = {f["document"]: f["message"] for f in by_code(result, "CD003")}
    assert set(malformed) == {"feed.jsonl:2", "feed.jsonl:3", "feed.jsonl:4"}
    assert "not valid JSON" in malformed["feed.jsonl:2"]
    assert "not an object" in malformed["feed.jsonl:3"]
    assert "text field 'text'" in malformed["feed.jsonl:4"]
    (dup,) = by_code(result, "CD004")
    assert dup["document"] == "r1" and "feed.jsonl:5" in dup["message"]
    assert [f["related"][0]["document"] for f in by_code(result, "DUP001")] == ["r1"]


def test_jsonl_custom_fields_and_metadata_ignore(copydesk_project):
    lines = [
        json.dumps({"key": "a", "body": STORY}),
        json.dumps({"key": "b", "body": STORY, "copydesk_ignore": ["DUP001"]}),
    ]
    copydesk_project.write_corpus({"feed.jsonl": "\n".join(lines)})
    copydesk_project.write_config(
        "version: 1\ncorpus: {paths: [corpus], include: ['*.jsonl'], options: {id_field: key, text_field: body}}\n"
        "select: [DUP001]\n")
    result = copydesk_project.run("check", "-f", "json")
    assert result.report["findings"] == []
    assert result.report["suppressed"][0]["suppressed_by"] == "record field copydesk_ignore"


def test_metadata_ignore_takes_one_selector_or_a_list_and_leaves_other_values_alone(copydesk_project):
    # copies of one story: each copy but the first (by id) gets a DUP001 finding, unless its field suppresses it
    lines = [
        json.dumps({"id": "a-first", "text": STORY}),
        json.dumps({"id": "b-one", "text": STORY, "copydesk_ignore": "DUP001"}),
        json.dumps({"id": "c-category", "text": STORY, "copydesk_ignore": ["TRN", "DUP"]}),
        json.dumps({"id": "d-other-code", "text": STORY, "copydesk_ignore": ["DUP002"]}),
        json.dumps({"id": "e-not-a-selector", "text": STORY, "copydesk_ignore": 7}),
    ]
    copydesk_project.write_corpus({"feed.jsonl": "\n".join(lines)})
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus], include: ['*.jsonl']}\nselect: [DUP001]\n")
    result = copydesk_project.run("check", "-f", "json")
    assert sorted(f["document"] for f in result.report["findings"]) == ["d-other-code", "e-not-a-selector"]
    assert sorted((f["document"], f["suppressed_by"]) for f in result.report["suppressed"]) == [
        ("b-one", "record field copydesk_ignore"), ("c-category", "record field copydesk_ignore")]


class Exploding(Check):
    """Raises on documents that mention volcanoes.

    Why it matters: tests the crash path.

    Example: none.
    """

    code = "XBM001"
    name = "exploding"
    category = "test"

    def check_document(self, document):
        if "volcano" in document.text:
            raise ValueError("boom")
        return []


class ExplodingPlugin:
    @staticmethod
    @hookimpl
    def copydesk_register_checks():
        return [Exploding]


def test_a_check_that_raises_is_exit_3_naming_check_and_document_no_report(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY, "v.txt": "The volcano erupted."})
    result = copydesk_project.run("check", "corpus", "-f", "json", "-o", "r.json", plugins=[ExplodingPlugin])
    assert result.exit_code == 3
    assert "XBM001 exploding" in result.stderr and "'v.txt'" in result.stderr and "ValueError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (copydesk_project.path / "r.json").exists()
    debug = copydesk_project.run("--debug", "check", "corpus", plugins=[ExplodingPlugin])
    assert debug.exit_code == 3 and "Traceback" in debug.stderr


def test_plugin_import_error_is_exit_2_naming_plugin(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    (copydesk_project.path / "broken_plugin.py").write_text("import not_a_module_anywhere\n")
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\nplugins: [broken_plugin.py]\n")
    result = copydesk_project.run("check")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "copydesk: error: plugins: 'broken_plugin.py' failed to load: "
        "ModuleNotFoundError: No module named 'not_a_module_anywhere'"
    )


def test_required_plugin_missing_is_exit_2(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\nrequired_plugins: [copydesk-extra]\n")
    result = copydesk_project.run("check")
    assert result.exit_code == 2 and "copydesk-extra not installed" in result.stderr


def test_corpus_is_never_modified(copydesk_project):
    root = copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY, "bad.txt": b"\xff\xfe\x00x"})

    def snapshot():
        return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}

    before = snapshot()
    copydesk_project.run("check", "corpus", "-f", "json", "-o", "r.json")
    assert snapshot() == before
    assert not any(p.name.startswith(".") for p in Path(root).iterdir())


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 3 * 1024 * 1024 + 7])
def test_loaders_read_every_byte_of_a_file(tmp_path, size):
    from copydesk import Loader

    path = tmp_path / "a.txt"
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path.write_bytes(data)
    assert Loader.read_bytes(path) == data == path.read_bytes()


def test_a_path_outside_the_file_system_is_read_through_its_own_read_bytes(tmp_path):
    import zipfile

    from copydesk import Loader

    with zipfile.ZipFile(tmp_path / "corpus.zip", "w") as archive:
        archive.writestr("inside/a.txt", "Zürich\n".encode("utf-8"))
    with zipfile.ZipFile(tmp_path / "corpus.zip") as archive:
        assert Loader.read_bytes(zipfile.Path(archive, "inside/a.txt")) == "Zürich\n".encode("utf-8")
