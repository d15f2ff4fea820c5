"""Pair results kept as arrays in one cache entry (plugins/dup_kept.py) and the reuse
analysis's warm runs that read them."""

import random

import pytest

np = pytest.importorskip("numpy")

from copydesk import Corpus, Document  # noqa: E402
from copydesk.cache import Cache  # noqa: E402
from copydesk.manager import collect_registry, make_plugin_manager  # noqa: E402
from copydesk.plugins.dup_kept import PairTable, kept_pair_results, ragged  # noqa: E402

COLUMNS = {"score": "<f8"}
ROWS = {"spans": ("<i8", 2)}


def results_of(first, other, indices):
    """Made-up results that depend only on the pair: a score and (pair-dependent) 0-2 rows."""
    scores, lengths, spans = [], [], []
    for k in indices.tolist():
        a, b = int(first[k]), int(other[k])
        scores.append((a % 1000) / 7 + (b % 1000) / 11)
        count = (a + 2 * b) % 3
        lengths.append(count)
        spans.extend((a % 97 + r, b % 89 + r) for r in range(count))
    return ({"score": np.array(scores, dtype=np.float64)}, ragged(lengths),
            {"spans": np.array(spans, dtype=np.int64).reshape(-1, 2)})


class Recorder:
    def __init__(self, first, other):
        self.first, self.other, self.calls = first, other, []

    def __call__(self, indices, keep_each):
        self.calls.append((len(indices), keep_each))
        return results_of(self.first, self.other, indices)


def random_pairs(rng, n):
    first = np.array([rng.getrandbits(64) for _ in range(n)], dtype=np.uint64)
    other = np.array([rng.getrandbits(64) for _ in range(n)], dtype=np.uint64)
    return first, other


def test_a_table_finds_each_pair_by_its_two_hashes_in_order_whatever_their_positions():
    rng = random.Random(1)
    first, other = random_pairs(rng, 500)
    columns, indptr, rows = results_of(first, other, np.arange(500))
    table = PairTable.of(first, other, columns, indptr, rows)
    order = np.array(rng.sample(range(500), 500))
    at = table.find(first[order], other[order])
    assert (at >= 0).all()
    assert table.columns["score"][at].tolist() == columns["score"][order].tolist()
    for k, position in zip(order.tolist(), at.tolist()):
        assert table.rows["spans"][table.indptr[position]:table.indptr[position + 1]].tolist() == \
            rows["spans"][indptr[k]:indptr[k + 1]].tolist()
    # the same texts the other way round, and texts never seen, are not there
    unseen_first, unseen_other = random_pairs(rng, 50)
    assert (table.find(other, first) == -1).all() and (table.find(unseen_first, unseen_other) == -1).all()
    # a state read back is the same table
    again = PairTable.from_state(table.to_state(), COLUMNS, ROWS)
    assert again.find(first, other).tolist() == table.find(first, other).tolist()


@pytest.mark.parametrize("gather_below", [64, 0])  # rows gathered by position, or joined slice by slice
def test_kept_results_compute_only_the_pairs_missing_from_the_table(tmp_path, monkeypatch, gather_below):
    from copydesk.plugins import dup_kept

    monkeypatch.setattr(dup_kept, "GATHER_ROWS_PER_PAIR", gather_below)
    rng = random.Random(2)
    first, other = random_pairs(rng, 400)
    cache = Cache(tmp_path, "test")
    cold = Recorder(first, other)
    expected = results_of(first, other, np.arange(400))
    got = kept_pair_results(cache, "ns", first, other, COLUMNS, ROWS, cold)
    assert cold.calls == [(400, False)]  # the table is written: no entry per pair
    assert_same(got, expected)

    # a later run: 10 pairs gone, 10 new ones, the rest in another order
    new_first, new_other = random_pairs(rng, 10)
    keep = np.array(rng.sample(range(400), 390))
    first2, other2 = np.concatenate([first[keep], new_first]), np.concatenate([other[keep], new_other])
    warm = Recorder(first2, other2)
    got = kept_pair_results(cache, "ns", first2, other2, COLUMNS, ROWS, warm)
    assert warm.calls == [(10, True)]  # 10 of 400 missing: the table stays as it is
    assert_same(got, results_of(first2, other2, np.arange(400)))

    # over a twentieth missing: the table is written again, then holds them all
    more_first, more_other = random_pairs(rng, 40)
    first3, other3 = np.concatenate([first2, more_first]), np.concatenate([other2, more_other])
    kept_pair_results(cache, "ns", first3, other3, COLUMNS, ROWS, Recorder(first3, other3))
    last = Recorder(first3, other3)
    assert_same(kept_pair_results(cache, "ns", first3, other3, COLUMNS, ROWS, last),
                results_of(first3, other3, np.arange(len(first3))))
    assert last.calls == [(0, True)]


@pytest.mark.parametrize("spoil", ["lengths", "cut", "json", "columns", "dtype", "shape"])
def test_a_kept_table_that_does_not_hold_together_is_built_again(tmp_path, spoil):
    from copydesk.plugins.dup_kept import packed, unpacked

    rng = random.Random(3)
    first, other = random_pairs(rng, 100)
    cache = Cache(tmp_path, "test")
    kept_pair_results(cache, "ns", first, other, COLUMNS, ROWS, Recorder(first, other))
    state = cache.get_many("ns", ["table"])["table"]
    header, arrays = unpacked(state)
    if spoil == "lengths":
        state = packed(header, dict(arrays, first=arrays["first"][:-1]))  # one pair short
    elif spoil == "cut":
        state = state[:-5]
    elif spoil == "json":
        state = {"first": "a table of an earlier layout"}
    elif spoil == "columns":
        state = packed(header, {("columns/another" if k == "columns/score" else k): v for k, v in arrays.items()})
    elif spoil == "dtype":
        state = packed(header, dict(arrays, other=arrays["other"].astype("<i8")))
    else:
        state = packed(header, dict(arrays, **{"rows/spans": arrays["rows/spans"][:-1]}))  # a row short
    cache.put_many("ns", {"table": state})
    again = Recorder(first, other)
    assert_same(kept_pair_results(cache, "ns", first, other, COLUMNS, ROWS, again),
                results_of(first, other, np.arange(100)))
    assert again.calls == [(100, False)]
    fine = Recorder(first, other)
    kept_pair_results(cache, "ns", first, other, COLUMNS, ROWS, fine)
    assert fine.calls == [(0, True)]


def assert_same(got, expected):
    (got_columns, got_indptr, got_rows), (columns, indptr, rows) = got, expected
    assert got_columns["score"].tolist() == columns["score"].tolist()
    assert got_indptr.tolist() == indptr.tolist()
    assert got_rows["spans"].tolist() == rows["spans"].tolist()


def test_warm_reuse_analysis_with_kept_tables_finds_what_an_uncached_run_finds(tmp_path):
    """Pairs are found by their texts: after edits, additions, a deletion and documents renamed
    (every position shifts), a warm run reports exactly the uncached run's pairs and passages."""
    from test_duplication import article, edited

    registry = collect_registry(make_plugin_manager(autoload=False))
    rng = random.Random(4)
    stories = [article(rng) for _ in range(12)]
    texts = {}
    for n, story in enumerate(stories):
        texts[f"d{n:02}a"] = story
        texts[f"d{n:02}b"] = edited(rng, story, 0.1)  # a near-duplicate
        texts[f"d{n:02}c"] = article(rng, 120) + " " + " ".join(story.split()[:80]) + " " + article(rng, 120)

    def reuse(documents, cache):
        result = Corpus([Document(i, t) for i, t in documents.items()], registry.analyses, cache=cache).analysis("reuse")
        return ([(p.a, p.a_span, p.b, p.b_span, p.verbatim_share) for p in result.passages],
                [(p.a, p.b, p.kind, p.similarity) for p in result.pairs],
                [c.members for c in result.near_duplicate_clusters])

    cold = reuse(texts, Cache(tmp_path, "test"))
    assert any(kind == "near-duplicate" for _, _, kind, _ in cold[1]) and cold[0]
    assert cold == reuse(texts, None)
    later = {("x" + i if n % 5 == 0 else i): t for n, (i, t) in enumerate(texts.items()) if i != "d03b"}
    later["d01a"] = edited(rng, later["d01a"], 0.05)
    later["d99z"] = texts["d05a"] + " A late paragraph."
    warm = reuse(later, Cache(tmp_path, "test"))
    assert warm == reuse(later, None) and warm != cold


def test_a_column_may_hold_several_values_per_pair(tmp_path):
    rng = random.Random(5)
    first, other = random_pairs(rng, 60)
    wide = {"signature": ("<u4", 3)}

    def compute(indices, keep_each):
        values = np.array([[int(first[k]) % 1000, int(other[k]) % 777, k] for k in indices.tolist()], dtype=np.uint32)
        return {"signature": values.reshape(-1, 3)}, ragged([0] * len(indices)), {}

    cache = Cache(tmp_path, "test")
    cold, _, _ = kept_pair_results(cache, "wide", first, other, wide, {}, compute)
    order = np.array(rng.sample(range(60), 60))
    asked = []

    def counting(indices, keep_each):
        asked.append(len(indices))
        return compute(indices, keep_each)

    warm, _, _ = kept_pair_results(cache, "wide", first[order], other[order], wide, {}, counting)
    assert asked == [0]
    assert cold["signature"].shape == (60, 3) and warm["signature"].tolist() == cold["signature"][order].tolist()


def test_the_story_index_is_kept_per_statistics_generation(tmp_path, monkeypatch):
    """A run that starts a statistics generation builds the index an uncached run builds; a later
    run of the generation weighs its texts with the generation's fit (a term the fit lacks
    counts as found in no document), weighs again only the added or edited texts, and
    scores again only the candidate pairs with such a text."""
    import math

    from test_duplication import article, edited

    from copydesk.plugins import dup_story_kept
    from copydesk.plugins.dup_story import StoryIndex, StoryStatistics, story_rows, term_key, terms

    rng = random.Random(6)
    stories = [article(rng, 160) for _ in range(10)]
    texts = {f"d{n:02}{v}": edited(rng, story, 0.3 * (v != "a")) for n, story in enumerate(stories) for v in "abc"}

    weighed, scored = [], []
    real_rows, real_cosines = dup_story_kept.story_rows, StoryIndex.cosines
    monkeypatch.setattr(dup_story_kept, "story_rows", lambda *a, **k: weighed.append(len(a[3])) or real_rows(*a, **k))
    monkeypatch.setattr(StoryIndex, "cosines", lambda self, f, o: scored.append(len(f)) or real_cosines(self, f, o))

    def index_of(documents):
        docs = [Document(i, t) for i, t in documents.items()]
        cache = Cache(tmp_path, "test")
        corpus = Corpus(docs, {}, cache=cache, refit_after=0.5)
        weighed.clear(), scored.clear()
        index, fit_name = dup_story_kept.kept_story_index(corpus, docs, max_postings=8)
        firsts, others = index.candidate_arrays()
        cosines = dup_story_kept.kept_story_cosines(corpus, docs, index, fit_name, firsts, others)
        cache.close()
        return index, firsts, others, cosines

    index, firsts, others, cosines = index_of(texts)
    assert weighed == [len(texts)] and scored == [len(firsts)]
    fresh = StoryIndex(list(texts.items()), max_postings=8)
    assert index.vectors == fresh.vectors and index.top == fresh.top
    assert cosines.tolist() == real_cosines(fresh, firsts, others).tolist() and len(firsts) >= 10

    # a later run of the generation: one text edited, one added with a name never seen, one renamed
    later = dict(texts)
    later["d03b"] = texts["d03b"] + " The Zorblatt commission met again."
    later["d99x"] = stories[4] + " Officials said Zorblatt was absent."
    later["e00a"] = later.pop("d00a")
    index, firsts, others, cosines = index_of(later)
    assert weighed == [2], "only the edited and the added text are weighed"
    assert len(scored) == 1 and 1 <= scored[0] < len(firsts), "only pairs with one of them are scored"

    # what the generation's fit gives: statistics of the first corpus, rows of the later one
    def features(documents):
        bags = [terms(t) for t in documents.values()]
        keys = np.array([term_key(term) for bag in bags for term in bag], dtype=np.uint64)
        counts = np.array([c for bag in bags for c in bag.values()], dtype=np.uint32)
        return keys, counts, np.array([len(bag) for bag in bags], dtype=np.int64)

    keys, _, lengths = features(texts)
    statistics, _ = StoryStatistics.fit(keys, lengths)
    expected = StoryIndex.of_rows(list(later), story_rows(statistics, *features(later), 20, 20, 8), statistics.terms)
    assert index.vectors == expected.vectors and index.top == expected.top
    assert cosines.tolist() == real_cosines(expected, firsts, others).tolist()
    # terms the fit lacks (the new name among them) weigh as terms of document frequency 0
    bag = terms(later["d99x"])
    seen = set(keys.tolist())
    unseen = [t for t in bag if term_key(t) not in seen]
    assert "@zorblatt" in unseen
    numbers, weights = index.vectors[list(later).index("d99x")]
    weight_of = dict(zip(numbers, weights))
    number_of = {t: int(statistics.lookup(np.array([term_key(t)], dtype=np.uint64))[0][0]) for t in bag}
    known = next(t for t, c in bag.items() if c == 1 and t not in unseen and number_of[t] in weight_of)
    df = sum(known in terms(t) for t in texts.values())
    n = len(texts)
    idf = lambda d: math.log((1 + n) / (1 + d)) + 1  # noqa: E731
    boost = lambda t: 2.0 if t[0] in "@#" else 1.0  # noqa: E731
    got = sorted(w / weight_of[number_of[known]] for t, w in weight_of.items() if t >= statistics.terms)
    wanted = sorted((1 + math.log(bag[t])) * idf(0) * boost(t) / (idf(df) * boost(known)) for t in unseen)
    assert got == pytest.approx(wanted, rel=1e-6), "unseen terms are numbered after every known one"
