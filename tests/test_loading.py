"""Loading a corpus: the same documents and load problems, in the same order, whether the files
are read in this process alone or shared with a forked helper (large corpora)."""

import json
import os

import pytest

import copydesk.loading as loading
from copydesk.loading import CorpusSettings, Loader, load_corpus
from copydesk.model import Document, LoadProblem
from copydesk.plugins.loaders import JsonlLoader, TextLoader

LOADERS = {"text": TextLoader, "jsonl": JsonlLoader}


def _corpus(root):
    """Forty texts in nested folders, a JSON Lines file with a bad line, an undecodable file, a
    binary one and a link to nothing (cannot be read)."""
    for k in range(40):
        folder = root / ("wire" if k % 2 else "desk") / f"{k % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{k:02}.txt").write_text(f"Story {k}: the council met on Tuesday to discuss item {k}.\n",
                                                  encoding="utf-8")
    (root / "records.jsonl").write_text(
        json.dumps({"id": "r1", "text": "First record.", "source": "AP"}) + "\n{not json\n"
        + json.dumps({"id": "r2", "text": "Second record."}) + "\n", encoding="utf-8")
    (root / "latin.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    (root / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    os.symlink(root / "nowhere.txt", root / "dangling.txt")


def _described(items):
    return [(type(item).__name__, item.id, item.text, item.source, dict(item.metadata)) if isinstance(item, Document)
            else (type(item).__name__, item.code, item.document, item.source, item.message, item.offset, dict(item.data))
            for item in items]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_files_shared_with_a_helper_load_as_they_do_alone(tmp_path, monkeypatch):
    _corpus(tmp_path)
    settings = CorpusSettings(paths=(str(tmp_path),), include=("**/*.txt", "**/*.jsonl"))
    monkeypatch.setattr(loading, "SHARE_MIN_FILES", 10**9)
    alone = load_corpus([str(tmp_path)], settings, LOADERS)
    monkeypatch.setattr(loading, "SHARE_MIN_FILES", 2)
    monkeypatch.setattr(loading, "LOAD_PIECES", 7)
    shared = load_corpus([str(tmp_path)], settings, LOADERS)
    assert _described(shared) == _described(alone)
    described = _described(alone)
    assert len([d for d in described if d[0] == "Document"]) == 40 + 2
    problems = {(d[1], d[2]) for d in described if d[0] == "LoadProblem"}
    assert problems == {("CD001", "latin.txt"), ("CD001", "image.txt"), ("CD001", "dangling.txt"),
                        ("CD003", "records.jsonl:2")}
    # the root's files first, then each folder's, by name
    assert [d[1] for d in described if d[0] == "Document"][:4] == ["r1", "r2", "desk/0/story-00.txt",
                                                                   "desk/0/story-10.txt"]


def test_a_loader_that_does_not_say_its_files_are_independent_loads_every_file_here(tmp_path, monkeypatch):
    seen = []

    class Counting(Loader):
        format = "text"
        suffixes = (".txt",)

        def load(self, path, doc_id):
            seen.append(doc_id)  # state a helper process would lose
            yield Document(doc_id, self.decode(self.read_bytes(path), doc_id, str(path)), source=str(path))

    for k in range(12):
        (tmp_path / f"{k:02}.txt").write_text(f"Text {k}.", encoding="utf-8")
    monkeypatch.setattr(loading, "SHARE_MIN_FILES", 2)
    items = load_corpus([str(tmp_path)], CorpusSettings(paths=(str(tmp_path),)), {"text": Counting})
    assert seen == [f"{k:02}.txt" for k in range(12)] == [item.id for item in items]
    assert isinstance(items[0], Document) and not any(isinstance(item, LoadProblem) for item in items)
