"""Duplication checks and the shared reuse analysis, on generated text and on the seeds as a whole."""

import random
from pathlib import Path

import pytest

from copydesk import Corpus, Document
from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.plugins.duplication import NearDuplicate, ReusedPassage, SameStory
from copydesk.testing import run_check

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = (
    "council budget river harbour minister police school station bridge market hospital factory farmers "
    "election museum airport railway court union strike price energy water storm festival report village "
    "company workers tax road bank ship coast mayor teacher doctor students library park weather season"
).split()
FILLER = "the a of to in and on for with at by from after before over under near said would could will".split()


# made-up content words, so that generated articles differ in vocabulary as real ones do
LEXICON = sorted({"".join(random.Random(n).choice("bcdfghklmnprstvz") + random.Random(n * 7 + k).choice("aeiou")
                          for k in range(3)) for n in range(4000)})


def article(rng, words=300):
    topic = rng.sample(LEXICON, 60) + VOCABULARY
    out = []
    for i in range(words):
        out.append(rng.choice(topic) if i % 3 else rng.choice(FILLER))
        if i % 17 == 16:
            out[-1] += "."
    return " ".join(out).capitalize() + "."


def edited(rng, text, share):
    tokens = text.split()
    for index in rng.sample(range(len(tokens)), int(len(tokens) * share)):
        tokens[index] = rng.choice(VOCABULARY)
    return " ".join(tokens)


@pytest.fixture(scope="module")
def reuse_of():
    registry = collect_registry(make_plugin_manager(autoload=False))

    def compute(documents):
        corpus = Corpus([Document(k, v) for k, v in documents.items()], registry.analyses)
        return corpus.analysis("reuse")

    return compute


def test_near_duplicates_with_up_to_20_percent_edits_are_found_and_only_they(reuse_of):
    rng = random.Random(7)
    documents, truth = {}, set()
    for i in range(60):
        documents[f"orig{i:03}"] = article(rng)
    for i in range(30):
        copy = f"zcopy{i:03}"
        documents[copy] = edited(rng, documents[f"orig{i:03}"], rng.uniform(0.02, 0.2))
        truth.add((f"orig{i:03}", copy))
    reuse = reuse_of(documents)
    found = {(p.a, p.b) for p in reuse.pairs if p.kind == "near-duplicate"}
    assert found == truth
    for cluster in reuse.near_duplicate_clusters:
        assert len(cluster.members) == 2


def test_features_are_the_same_bytes_with_and_without_numpy():
    """numpy only makes signatures and seeds faster: the pure-Python fallback gives the same bytes."""
    pytest.importorskip("numpy")
    from copydesk.plugins.dup_batch import features_numpy, features_python

    rng = random.Random(2)
    texts = [article(rng, rng.randint(1, 400)) for _ in range(60)]
    texts += ["", "One", "Two words", "Straße, “ﬁne” don’t İstanbul 1,000.5 U.S.", edited(rng, texts[0], 0.1)]
    for size, seed_size, num_perm in ((2, 3, 126), (5, 4, 64), (1, 2, 16)):
        expected = [features_python(t, size, num_perm, seed_size, 3) for t in texts]
        assert features_numpy(texts, size, num_perm, seed_size, 3) == expected


def test_batch_word_hashing_splits_and_hashes_words_like_the_reference():
    """The numpy word hashing of ASCII text gives the words and hashes of folded_words + word_hash."""
    pytest.importorskip("numpy")
    from copydesk.plugins import dup_batch
    from copydesk.plugins.dup_shingles import folded_words, word_hash

    rng = random.Random(5)
    texts = ["rock'n'roll 'quoted' a''b it's' snake_case x' 'y", "Tabs\tand\nnewlines; 1,000.5 U.S. CAPS MiXeD",
             "", "'", "a", "Straße don’t", "word" * 40, article(rng, 50),
             "long " * 60000 + "end"]  # the last is over the batch limit: hashed word by word
    hashes, _, owners = dup_batch.word_arrays(texts)
    expected = [(word_hash(w), i) for i, t in enumerate(texts) for w in folded_words(t)]
    assert sorted(zip(hashes.tolist(), owners.tolist()), key=lambda x: x[1]) == sorted(expected, key=lambda x: x[1])
    for i, text in enumerate(texts):  # the words of each text, in order
        assert hashes[owners == i].tolist() == [word_hash(w) for w in folded_words(text)]


def test_lsh_candidates_and_verification_agree_with_the_pure_python_path(monkeypatch):
    np = pytest.importorskip("numpy")
    from copydesk.plugins import dup_batch
    from copydesk.plugins.dup_shingles import folded_words, shingle_hashes

    rng = random.Random(6)
    texts = [article(rng, rng.randint(2, 200)) for _ in range(80)]
    texts += [edited(rng, texts[k], 0.1) for k in range(0, 80, 5)] + ["", "One", "Two words"]
    signatures = [dup_batch.features_python(t, 2, 64, 3, 4)[0] for t in texts]
    fast = dup_batch.band_candidates(signatures, 32, 2)
    first, other = dup_batch.candidate_pairs(signatures, 32, 2, 0.1)
    monkeypatch.setattr(dup_batch, "_np", None)
    assert fast == dup_batch.band_candidates(signatures, 32, 2) and len(fast) > 16
    assert list(zip(first.tolist(), other.tolist())) == dup_batch.candidate_pairs(signatures, 32, 2, 0.1)
    monkeypatch.setattr(dup_batch, "_np", np)
    pairs = sorted(fast)
    sets = [set(shingle_hashes(folded_words(t), 2)) for t in texts]
    assert dup_batch.shared_shingles(texts, pairs, 2) == [(len(sets[i] & sets[j]), len(sets[i]), len(sets[j]))
                                                          for i, j in pairs]


def test_reuse_analysis_is_the_same_with_and_without_numpy(reuse_of, monkeypatch):
    pytest.importorskip("numpy")
    from copydesk.plugins import dup_batch

    rng = random.Random(9)
    documents = {f"orig{i:02}": article(rng) for i in range(40)}
    documents.update({f"copy{i:02}": edited(rng, documents[f"orig{i:02}"], 0.1 * (i % 3)) for i in range(0, 40, 4)})
    with_numpy = reuse_of(documents)
    monkeypatch.setattr(dup_batch, "_np", None)
    without = reuse_of(documents)
    assert with_numpy.pairs == without.pairs and with_numpy.passages == without.passages
    assert len([p for p in without.pairs if p.kind == "near-duplicate"]) == 10


def test_clusters_are_transitive_and_canonical_is_earliest_date(reuse_of):
    rng = random.Random(3)
    base = article(rng)
    docs = [Document("a", edited(rng, base, 0.01), metadata={"date": "2024-03-02"}),
            Document("b", base + " " + article(rng, 30), metadata={"date": "2024-03-01"}),
            Document("c", edited(rng, base, 0.02))]
    findings = run_check(NearDuplicate, docs)
    assert {f.document for f in findings} == {"a", "c"}
    assert all(f.related[0].document == "b" and f.data["cluster_size"] == 3 for f in findings)


def test_reused_passage_survives_spinning_insertions_and_reordering():
    rng = random.Random(11)
    p1, p2, p3 = article(rng, 60), article(rng, 60), article(rng, 60)
    source = f"{p1}\n{p2}\n{p3}\n"
    spun_p1 = " ".join(w if i % 5 else "SWAP" for i, w in enumerate(p1.split()))
    inserted_p3 = " ".join(p3.split()[:25] + "which officials described as unusual in recent years".split() + p3.split()[25:])
    copy = f"{article(rng, 80)}\n{inserted_p3}\n{spun_p1}\n"
    findings = run_check(ReusedPassage, {"a.txt": source, "b.txt": copy})
    spans = [(f.document, copy[f.span.start:f.span.end]) for f in findings]
    assert len(findings) == 2, spans
    for finding in findings:
        related = finding.related[0]
        assert related.document == "a.txt"
        assert 0.5 < finding.data["verbatim_share"] <= 1
    texts = sorted(copy[f.span.start:f.span.end] for f in findings)
    assert any("officials described as unusual" in t for t in texts), "the inserted clause stays inside the passage"


def test_passages_of_a_spun_reordered_copy_do_not_overlap_and_cover_each_paragraph(reuse_of):
    rng = random.Random(21)
    paragraphs = [article(rng, 70) for _ in range(4)]
    spun = [" ".join(w if i % 4 else "SWAP" for i, w in enumerate(p.split())) for p in paragraphs]
    source = "\n".join(paragraphs) + "\n"
    copy = "\n".join([spun[2], spun[0], spun[3], spun[1]]) + "\n"
    passages = reuse_of({"a": source, "b": copy}).passages_between("a", "b")
    assert len(passages) == 4
    for side in ("a_span", "b_span"):
        spans = sorted((getattr(p, side).start, getattr(p, side).end) for p in passages)
        assert all(x[1] <= y[0] for x, y in zip(spans, spans[1:])), spans
    for p in passages:  # each passage pairs a paragraph with its own spun copy
        a_para = source[: p.a_span.start].count("\n")
        b_para = copy[: p.b_span.start].count("\n")
        assert [2, 0, 3, 1][b_para] == a_para


def test_short_templated_notices_are_not_the_same_story():
    """Notices filled into one template share words, months and figures, not a story."""
    rng = random.Random(4)
    months = "January February March April May June".split()
    documents = {}
    for i in range(40):
        old, new = rng.randint(2, 40), rng.randint(2, 40)
        documents[f"notice{i:02}.txt"] = (
            f"Quarterly dividend {new} cents vs {old} cents prior. Payable {rng.choice(months)} {rng.randint(1, 28)}, "
            f"record {rng.choice(months)} {rng.randint(1, 28)}."
        )
    assert run_check(SameStory, documents) == []


def test_a_retelling_among_many_stories_is_the_same_story():
    rng = random.Random(8)
    names = [w.capitalize() for w in rng.sample(LEXICON, 8)]
    story = (f"{names[0]} {names[1]}, the mayor of {names[2]}, said the council will spend 45 million on a new "
             f"bridge over the {names[3]} river. Work starts in March and should end in 2028, {names[1]} said. "
             f"Councillor {names[4]} {names[5]} called the plan too costly and asked for a vote. "
             f"The {names[6]} company will build it with steel from {names[7]}.")
    retold = (f"A new {names[3]} river bridge costing 45 million was approved by the {names[2]} council. "
              f"Mayor {names[1]} expects construction, led by {names[6]} with {names[7]} steel, to run from March "
              f"until 2028. {names[5]}, a councillor, opposes the costly project and wants a vote on it.")
    documents = {f"other{i:02}.txt": article(rng, 120) for i in range(30)}
    documents.update({"story.txt": story, "zretold.txt": retold})
    findings = run_check(SameStory, documents)
    assert [(f.document, f.related[0].document) for f in findings] == [("zretold.txt", "story.txt")]


def test_reuse_analysis_contract(reuse_of):
    rng = random.Random(5)
    shared = article(rng, 80)
    reuse = reuse_of({"x": article(rng) + "\n" + shared, "y": shared + "\n" + article(rng), "z": article(rng)})
    assert reuse.linked("x") == [("y", "reused-passage", reuse.pairs_of("x")[0].similarity)]
    (passage,) = reuse.passages_between("y", "x")
    assert passage.a == "y" and passage.b == "x"
    assert reuse.story_cluster_of("x").members == ("x", "y") and reuse.story_cluster_of("z") is None


def test_longest_span_is_the_longest_of_the_passages_either_way_round(reuse_of):
    rng = random.Random(6)
    shared, other = article(rng, 60), article(rng, 90)
    reuse = reuse_of({"a": shared + "\n" + article(rng) + "\n" + other, "b": other + "\n" + article(rng) + "\n" + shared,
                      "c": article(rng)})
    for x, y in [("a", "b"), ("b", "a"), ("a", "c"), ("c", "b")]:
        passages = reuse.passages_between(x, y)
        expected = max(passages, key=lambda p: len(p.b_span)).b_span if passages else None
        assert reuse.longest_span_in(y, x) == expected
        assert reuse.longest_spans().get((x, y)) == expected  # the table ATT002 reads: the same spans
    assert len(reuse.passages_between("a", "b")) == 2 and reuse.longest_span_in("c", "a") is None


def test_results_do_not_depend_on_hash_seed_or_process(tmp_path):
    import json
    import os
    import subprocess
    import sys

    rng = random.Random(1)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    base = article(rng)
    for i in range(6):
        (corpus / f"d{i}.txt").write_text(edited(rng, base, 0.03 * i) if i % 2 else article(rng))
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, COPYDESK_DISABLE_PLUGIN_AUTOLOAD="1")
        done = subprocess.run([sys.executable, "-m", "copydesk", "check", "corpus", "--select", "DUP", "--no-cache",
                               "-f", "json"], cwd=tmp_path, env=env, capture_output=True, text=True)
        outputs.append([(f["code"], f["document"], f["span"]) for f in json.loads(done.stdout)["findings"]])
    assert outputs[0] == outputs[1] and outputs[0]


def test_seed_corpus_pairs_are_all_linked():
    """Every seed shares the story with every other: each pair must be linked somehow,
    and the spun copy must share passages with the near-copy despite the swapped words."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    registry = collect_registry(make_plugin_manager(autoload=False))
    corpus = Corpus([Document(p.name, p.read_text(encoding="utf-8")) for p in seeds], registry.analyses)
    reuse = corpus.analysis("reuse")
    ids = [p.name for p in seeds]
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert reuse.passages_between(a, b) or any(p.b == b for p in reuse.pairs_of(a)), (a, b)
    assert len(reuse.passages_between(ids[0], ids[1])) >= 3
    assert len(reuse.story_clusters) == 1


def test_lsh_group_by_and_verification_go_through_the_corpus_mapper():
    """--jobs and --executor ray spread the band group-by and the verification blocks: same pairs."""
    pytest.importorskip("numpy")
    import pickle

    from copydesk.plugins.dup_batch import all_signatures
    from copydesk.plugins.duplication import Reuse, near_duplicate_pairs

    calls = []

    def shipping_mapper(func, items):  # what a worker pool does: items and results cross a process boundary
        calls.append(func.__name__)
        return [pickle.loads(pickle.dumps(func(pickle.loads(pickle.dumps(item))))) for item in items]

    rng = random.Random(12)
    documents = [Document(f"d{i:03}", article(rng, rng.randint(40, 300))) for i in range(120)]
    documents += [Document(f"e{i:03}", edited(rng, documents[i].text, 0.1)) for i in range(0, 120, 3)]
    options = Reuse().options
    signatures = all_signatures(map, [d.text for d in documents], options["shingle_size"], options["num_perm"])
    spread = near_duplicate_pairs(documents, signatures, options, shipping_mapper)
    assert spread == near_duplicate_pairs(documents, signatures, options) and len(spread) >= 40
    assert set(calls) == {"bucket_pairs", "shared_shingles_of"} and calls.count("bucket_pairs") == 8  # 63 bands, 8 a call


def test_pair_alignments_come_from_the_cache_unless_a_text_changed(tmp_path):
    """A warm run aligns only the pairs with an edited text, and finds what an uncached run finds."""
    from copydesk.cache import Cache

    registry = collect_registry(make_plugin_manager(autoload=False))
    seeds = [Document(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]

    def reuse(documents, cache):
        corpus = Corpus(documents, registry.analyses, cache=cache)
        result = corpus.analysis("reuse")
        return ([(p.a, p.a_span, p.b, p.b_span, p.verbatim_share) for p in result.passages],
                [(p.a, p.b, p.kind, p.similarity) for p in result.pairs])

    class CountingCache(Cache):
        def get_many(self, namespace, keys):
            keys = list(keys)
            found = super().get_many(namespace, keys)
            if namespace.startswith("reuse-alignments/"):
                self.aligned = getattr(self, "aligned", 0) + len(keys) - len(found)
            return found

    cold_cache = CountingCache(tmp_path / "cache", "test")
    cold = reuse(seeds, cold_cache)
    cold_cache.close()
    assert cold[0] and cold_cache.aligned >= 4
    edited = [Document(d.id, d.text.replace(" the ", " a ", 3)) if d is seeds[1] else d for d in seeds]
    warm_cache = CountingCache(tmp_path / "cache", "test")
    warm = reuse(edited, warm_cache)
    warm_cache.close()
    # only pairs with the edited document are aligned again
    assert 1 <= warm_cache.aligned <= len(seeds) - 1
    assert any(seeds[1].id in (p[0], p[2]) for p in warm[0])
    assert warm == reuse(edited, None)
    assert reuse(seeds, Cache(tmp_path / "cache", "test")) == cold


def test_near_duplicate_similarities_come_from_the_cache_unless_a_text_changed(tmp_path, monkeypatch):
    """DUP002 measures a member against its canonical document once per pair of texts: a warm run
    shingles only the pairs with an edited text, and reports what an uncached run reports."""
    from copydesk.cache import Cache
    from copydesk.plugins import duplication

    rng = random.Random(7)
    base = article(rng, 400)
    documents = [Document("a.txt", base)] + [Document(f"{name}.txt", edited(rng, base, 0.05)) for name in "bcd"]
    shingled = []
    real = duplication._shingle_set
    monkeypatch.setattr(duplication, "_shingle_set", lambda text, size: shingled.append(text) or real(text, size))
    registry = collect_registry(make_plugin_manager(autoload=False))

    def findings(docs, cache):
        corpus = Corpus(docs, registry.analyses, cache=cache)
        return sorted((f.document, f.message, tuple(sorted(f.data.items()))) for f in NearDuplicate().check_corpus(corpus))

    cold = findings(documents, Cache(tmp_path / "cache", "test"))
    assert len(cold) == 3 and shingled
    shingled.clear()
    assert findings(documents, Cache(tmp_path / "cache", "test")) == cold
    assert shingled == [], "nothing changed: no document shingled again"
    # a member (not the canonical document, the longest) edited: only its pair is measured again
    changed = [Document("b.txt", d.text[:-40] + ".") if d.id == "b.txt" else d for d in documents]
    warm = findings(changed, Cache(tmp_path / "cache", "test"))
    canonical = max(changed, key=lambda d: len(d.text))
    assert canonical.id != "b.txt" and sorted(shingled) == sorted([canonical.text, changed[1].text])
    assert warm == findings(changed, None) and warm != cold


def test_pairs_sharing_enough_rare_keys_match_a_count_of_every_pair(monkeypatch):
    """The candidate step of passages and same-story pairs: numpy (in pieces of any size) and
    pure Python give exactly the pairs a count over every pair of documents gives."""
    from copydesk.plugins import dup_batch
    from copydesk.plugins.dup_pairs import pair_arrays, pairs_sharing

    rng = random.Random(11)
    for case in range(30):
        universe = [rng.getrandbits(64) for _ in range(rng.randint(1, 60))]
        lists = [sorted(set(rng.sample(universe, rng.randint(0, min(len(universe), 25))))) for _ in range(rng.randint(0, 40))]
        min_shared, max_holders = rng.randint(1, 4), rng.randint(2, 12)
        holders = {key: sum(key in set(keys) for keys in lists) for key in universe}
        expected = [(i, j) for i in range(len(lists)) for j in range(i + 1, len(lists))
                    if sum(1 for key in set(lists[i]) & set(lists[j]) if holders[key] <= max_holders) >= min_shared]
        assert list(pairs_sharing(lists, min_shared, max_holders)) == expected, case
        if lists and dup_batch.have_numpy():
            np = dup_batch._numpy()
            keys = np.array([key for keys in lists for key in keys], dtype=np.uint64)
            lengths = np.array([len(keys) for keys in lists], dtype=np.int64)
            pieces = [(f.tolist(), o.tolist()) for f, o in pair_arrays(keys, lengths, min_shared, max_holders, piece=3)]
            assert [p for f, o in pieces for p in zip(f, o)] == expected, case
        with monkeypatch.context() as patched:
            patched.setattr(dup_batch, "_np", None)
            assert list(pairs_sharing(lists, min_shared, max_holders)) == expected, case


def test_stable_order_is_numpys_stable_argsort():
    """The radix passes give numpy's stable order exactly: every integer type, values below and
    above 2**16, 2**24 and 2**32, ties in runs, negative values and empty arrays."""
    np = pytest.importorskip("numpy")
    from copydesk.plugins.dup_kept import stable_order

    rng = np.random.default_rng(5)
    for dtype in (np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64):
        top = np.iinfo(dtype).max
        for bound in (1, 3, 1 << 16, (1 << 16) + 9, 1 << 20, (1 << 24) + 3, (1 << 32) - 1, 1 << 40):
            if bound > top:
                continue
            for size in (0, 1, 5, 20_000):
                values = rng.integers(0, bound, size, endpoint=True).astype(dtype)
                assert stable_order(values).tolist() == np.argsort(values, kind="stable").tolist(), (dtype, bound, size)
    for values in ([5, -1, 5, -1, 0], [1 << 40, 7, 1 << 40, 7]):
        values = np.array(values, dtype=np.int64)
        assert stable_order(values).tolist() == np.argsort(values, kind="stable").tolist()


def test_story_index_is_the_same_with_and_without_numpy(monkeypatch):
    """TF-IDF vectors, indexed terms and candidate pairs of real and generated texts: the numpy
    build gives the same numbers (float32 weights bit for bit) as the term-by-term one."""
    pytest.importorskip("numpy")
    from copydesk.plugins import dup_batch
    from copydesk.plugins.dup_story import StoryIndex

    rng = random.Random(12)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += [article(rng, rng.randint(1, 400)) for _ in range(60)] + ["", "1,200 tonnes", "Lu met lu. " * 30]
    texts += [edited(rng, texts[k], 0.2) for k in range(5, 40, 3)]
    documents = [(f"d{k:03}", text) for k, text in enumerate(texts)]
    fast = StoryIndex(documents, max_postings=6)
    fast_pairs = list(fast.candidate_pairs())
    monkeypatch.setattr(dup_batch, "_np", None)
    slow = StoryIndex(documents, max_postings=6)
    assert fast.vectors == slow.vectors and fast.top == slow.top
    assert fast_pairs == list(slow.candidate_pairs()) and len(fast_pairs) >= 10
    assert any(len(top) == 20 for top in fast.top) and any(len(top) == 0 for top in fast.top)


def test_story_cosines_of_many_pairs_are_the_cosines_one_at_a_time_bit_for_bit():
    """The vectorised cosines add each pair's products in the order the one-pair cosine does:
    the same floats, so a threshold never judges a pair differently."""
    np = pytest.importorskip("numpy")
    from copydesk.plugins.dup_story import StoryIndex

    rng = random.Random(15)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    stories = [article(rng, rng.randint(20, 400)) for _ in range(30)]
    texts += stories + [edited(rng, story, rng.random() * 0.4) for story in stories] + ["", "Lu met lu. " * 30]
    index = StoryIndex([(f"d{k:03}", text) for k, text in enumerate(texts)], max_postings=8)
    firsts, others = index.candidate_arrays()
    assert list(zip(firsts.tolist(), others.tolist())) == list(index.candidate_pairs()) and len(firsts) >= 30
    # every pair, candidates or not, both ways round, and a document with itself
    everything = np.array([(i, j) for i in range(len(texts)) for j in range(len(texts))])
    scores = index.cosines(everything[:, 0], everything[:, 1])
    expected = [index.cosine(i, j) for i, j in everything.tolist()]
    assert scores.tolist() == expected
    assert any(0.3 < x < 1.0 for x in expected) and expected.count(0.0) > 0


def test_near_duplicate_verification_comes_from_the_cache_unless_a_text_changed(tmp_path):
    """LSH candidates are verified on their shingles once per pair of texts: a warm run verifies
    only the pairs with an edited text (in any document order), and links what an uncached run links."""
    from copydesk.cache import Cache

    registry = collect_registry(make_plugin_manager(autoload=False))
    rng = random.Random(13)
    base = [article(rng, 300) for _ in range(4)]
    documents = [Document(f"{k}-{n}.txt", edited(rng, text, 0.05 * n)) for k, text in enumerate(base) for n in range(3)]

    class CountingCache(Cache):
        verified = 0

        def get_many(self, namespace, keys):
            keys = list(keys)
            found = super().get_many(namespace, keys)
            if namespace.startswith("reuse-verified/"):
                self.verified += len(keys) - len(found)
            return found

    def near(docs, cache):
        result = Corpus(docs, registry.analyses, cache=cache).analysis("reuse")
        if cache is not None:
            cache.close()
        return sorted((p.a, p.b, p.similarity, p.containment) for p in result.pairs if p.kind == "near-duplicate")

    cold_cache = CountingCache(tmp_path / "cache", "test")
    cold = near(documents, cold_cache)
    assert len(cold) >= 10 and cold_cache.verified >= len(cold)
    again = CountingCache(tmp_path / "cache", "test")
    assert near(list(reversed(documents)), again) == cold and again.verified == 0
    edited_docs = [Document(d.id, d.text + " Later the council said more.") if d.id == "1-2.txt" else d for d in documents]
    warm_cache = CountingCache(tmp_path / "cache", "test")
    warm = near(edited_docs, warm_cache)
    assert 1 <= warm_cache.verified <= 2, "only the edited text's candidate pairs are shingled again"
    assert warm == near(edited_docs, None)


def test_story_vectors_are_the_tf_idf_of_each_texts_terms():
    """The index numbers terms by their 64-bit keys; its vectors are still the TF-IDF of each
    text's terms (sublinear tf, smoothed IDF, names and numbers doubled, float32), in the order
    found, common terms left out, and its indexed terms the heaviest of them."""
    import math
    from array import array
    from collections import Counter

    from copydesk.plugins.dup_story import StoryIndex, term_key, terms

    rng = random.Random(14)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += [article(rng, rng.randint(5, 300)) for _ in range(40)] + ["Lu met lu in 1,200 towns. " * 9]
    index = StoryIndex([(str(k), text) for k, text in enumerate(texts)], max_postings=5)
    bags = [terms(text) for text in texts]
    df = Counter(term for bag in bags for term in bag)
    assert len({term_key(term) for term in df}) == len(df)
    number = {term: k for k, term in enumerate(dict.fromkeys(term for bag in bags for term in bag))}
    single = lambda x: array("f", [x])[0]  # noqa: E731 - rounding to float32
    n = len(texts)
    for bag, (numbers, weights), top in zip(bags, index.vectors, index.top):
        raw = {t: single((1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) * (2.0 if t[0] in "@#" else 1.0))
               for t, c in bag.items()}
        norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
        kept = [(number[t], w / norm) for t, w in raw.items() if df[t] <= 5]
        assert list(zip(numbers, weights)) == [(t, single(w)) for t, w in kept]
        heaviest = [t for t, _ in sorted(kept, key=lambda tw: (-tw[1], tw[0]))[:20]] if len(bag) >= 20 else []
        assert list(top) == heaviest
    assert any(len(top) == 20 for top in index.top)


def test_quoted_passages_are_clipped_as_the_joined_words_would_be():
    from copydesk.plugins.duplication import _clipped

    rng = random.Random(16)
    for _ in range(3000):
        words = [rng.choice(LEXICON + ["a", "I", "—", "résumé"]) for _ in range(rng.randint(0, 40))]
        width = rng.choice([1, 2, 5, 60])
        joined = " ".join(words)
        expected = joined if len(joined) <= width else joined[: width - 1].rstrip() + "…"
        assert _clipped(words, width) == expected


def test_clusters_are_the_connected_groups_of_the_links():
    """_clusters' union-find against a plain graph walk, on random link sets."""
    import random
    from collections import defaultdict

    from copydesk.plugins.duplication import _clusters

    def walked(links):
        neighbours = defaultdict(set)
        for a, b in links:
            neighbours[a].add(b)
            neighbours[b].add(a)
        seen, groups = set(), []
        for start in neighbours:
            if start in seen:
                continue
            seen.add(start)
            stack, group = [start], []
            while stack:
                node = stack.pop()
                group.append(node)
                for other in neighbours[node] - seen:
                    seen.add(other)
                    stack.append(other)
            groups.append(tuple(sorted(group)))
        return sorted(groups)

    rng = random.Random(5)
    for _ in range(200):
        size = rng.randint(1, 40)
        links = [(f"d{rng.randrange(size):02d}.txt", f"d{rng.randrange(size):02d}.txt") for _ in range(rng.randint(0, 60))]
        clusters = _clusters(links, {}, {})
        assert [c.members for c in clusters] == walked(links)
        assert [c.id for c in clusters] == list(range(1, len(clusters) + 1))
