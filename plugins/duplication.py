"""Duplication and text reuse (category ``duplication``, codes ``DUP0xx``).

The shared analysis ``reuse`` (:class:`ReuseAnalysis`) finds, once per run, the
near-duplicate pairs (MinHash + LSH candidates, verified on the real shingles),
the passages pairs of documents share (seed and extend) and the pairs that tell
the same story in other words (TF-IDF); DUP002-DUP004 report from it, and the
translation and attribution checks read it too. See docs/duplication.md.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Callable, Iterator

from copydesk import Analysis, Check, Related, Severity, Span, hookimpl, quick_init
from copydesk.plugins.dup_align import AlignedPassage, align, seed_positions, stem
from copydesk.plugins.dup_batch import (
    _numpy,
    all_features,
    batch_features,
    candidate_pairs,
    have_numpy,
    shared_shingles_of,
)
from copydesk.plugins.dup_kept import kept_pair_results, ragged, text_hashes
from copydesk.plugins.dup_pairs import all_pairs_sharing, pairs_sharing
from copydesk.plugins.dup_shingles import (
    containment,
    folded_words,
    jaccard,
    shingle_hashes,
    words,
)
from copydesk.plugins.dup_story import StoryIndex, term_features
from copydesk.plugins.dup_story_kept import kept_story_cosines, kept_story_index

_DASHES = re.compile(r"[\-\u2010-\u2015_/]+")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def normalized_fingerprint(text: str) -> str:
    """A digest of the text after NFKC, case folding and folding of punctuation and spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # "U.S." and "US" fold alike; a dash separates words like a space does
    folded = _PUNCTUATION.sub("", _DASHES.sub(" ", folded))
    folded = _SPACES.sub(" ", folded).strip()
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest()


class ExactDuplicate(Check):
    """Documents whose text is identical once case, Unicode forms, spacing and punctuation are folded.

    Why it matters: an exact copy adds nothing to a corpus but weight: it skews
    statistics, and in training data it is memorised.

    Example: ``a.txt`` holds "The U.S. said on Monday..." and ``b.txt`` holds
    "the US said on monday ..."; ``b.txt`` is reported as a copy of ``a.txt``. The
    finding sits on every copy but the first by id.
    """

    code = "DUP001"
    name = "exact-duplicate"
    category = "duplication"
    severity = Severity.ERROR

    def check_corpus(self, corpus):
        first_by_digest: dict[str, str] = {}
        nonempty = [d for d in corpus if d.text and not d.text.isspace()]  # empty documents are CD002's business
        # fingerprints from the incremental cache for unchanged texts
        digests = corpus.per_document("dup001-fingerprint/1", normalized_fingerprint, nonempty)
        for document, digest in zip(nonempty, digests):  # sorted by id, so the first copy is the first by id
            original = first_by_digest.setdefault(digest, document.id)
            if original != document.id:
                yield self.finding(
                    document,
                    None,
                    f"exact duplicate of {original} (identical after folding case, spacing and punctuation)",
                    related=[Related(original, None, 1.0)],
                    data={"original": original},
                    anchor=original,
                )


# ------------------------------------------------------------- the reuse analysis


@quick_init  # hundreds of thousands each run at 100,000 documents
@dataclass(frozen=True, slots=True)
class SimilarPair:
    """Two linked documents (``a`` < ``b``) and how."""

    a: str
    b: str
    kind: str  # "near-duplicate" | "reused-passage" | "same-story"
    similarity: float
    containment: float | None = None


@quick_init  # hundreds of thousands each run at 100,000 documents
@dataclass(frozen=True, slots=True)
class Passage:
    """A passage that two documents share, as spans in both."""

    a: str
    a_span: Span
    b: str
    b_span: Span
    verbatim_share: float

    def flipped(self) -> "Passage":
        return Passage(self.b, self.b_span, self.a, self.a_span, self.verbatim_share)


@dataclass(frozen=True)
class Cluster:
    id: int
    members: tuple[str, ...]
    canonical: str


@dataclass
class ReuseAnalysis:
    """Result of the ``reuse`` analysis; read it with ``corpus.analysis("reuse")``."""

    near_duplicate_clusters: list[Cluster] = field(default_factory=list)
    story_clusters: list[Cluster] = field(default_factory=list)
    pairs: list[SimilarPair] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    #: words per shingle used for near-duplicates (DUP002 re-measures with it)
    shingle_size: int = 2
    _pairs_by_doc: dict[str, list[SimilarPair]] = field(default_factory=lambda: defaultdict(list))
    _passages_by_pair: dict[tuple[str, str], list[Passage]] = field(default_factory=lambda: defaultdict(list))
    _near_of: dict[str, Cluster] = field(default_factory=dict)
    _story_of: dict[str, Cluster] = field(default_factory=dict)
    #: :meth:`longest_spans`, worked out on first use
    _longest: dict[tuple[str, str], Span] | None = field(default=None, repr=False, compare=False)

    def index(self) -> "ReuseAnalysis":
        for pair in self.pairs:
            self._pairs_by_doc[pair.a].append(pair)
            self._pairs_by_doc[pair.b].append(pair)
        for passage in self.passages:
            self._passages_by_pair[(passage.a, passage.b)].append(passage)
        for cluster in self.near_duplicate_clusters:
            for member in cluster.members:
                self._near_of[member] = cluster
        for cluster in self.story_clusters:
            for member in cluster.members:
                self._story_of[member] = cluster
        return self

    def pairs_of(self, doc_id: str) -> list[SimilarPair]:
        return list(self._pairs_by_doc.get(doc_id, ()))

    def passages_between(self, a: str, b: str) -> list[Passage]:
        """Passages shared by ``a`` and ``b``, oriented so that ``passage.a == a``."""
        if (a, b) in self._passages_by_pair:
            return list(self._passages_by_pair[(a, b)])
        return [p.flipped() for p in self._passages_by_pair.get((b, a), ())]

    def longest_span_in(self, b: str, a: str) -> Span | None:
        """``b``'s span of the longest passage (by ``b``'s span, the first of equals in the
        order of :meth:`passages_between`) that ``a`` and ``b`` share, or None. The same as
        ``max(passages_between(a, b), key=...)``'s ``b_span``, without copying the passages."""
        return self.longest_spans().get((a, b))

    def longest_spans(self) -> dict[tuple[str, str], Span]:
        """``{(a, b): longest_span_in(b, a)}`` for every pair of documents that share a passage,
        worked out once (ATT002 asks for every link of every document: 100,000 documents,
        740,000 calls took 1.3 s; most links share one passage, so no max() for them)."""
        if self._longest is None:
            longest: dict[tuple[str, str], Span] = {}
            for (a, b), passages in self._passages_by_pair.items():
                if not passages:
                    continue
                # max() keeps the first of equals: the first in passages_between's order
                longest[(a, b)] = passages[0].b_span if len(passages) == 1 else max((p.b_span for p in passages), key=len)
            for (a, b), passages in self._passages_by_pair.items():
                if passages and (b, a) not in longest:  # a pair stored the other way round: its a side
                    longest[(b, a)] = (passages[0].a_span if len(passages) == 1
                                       else max((p.a_span for p in passages), key=len))
            self._longest = longest
        return self._longest

    def story_cluster_of(self, doc_id: str) -> Cluster | None:
        return self._story_of.get(doc_id)

    def near_duplicate_cluster_of(self, doc_id: str) -> Cluster | None:
        return self._near_of.get(doc_id)

    def linked(self, doc_id: str) -> list[tuple[str, str, float]]:
        """(other document, kind, similarity) for every link of ``doc_id``."""
        # straight from the index (pairs_of copies the list: ATT002 asks for every document)
        return [(p.b if p.a == doc_id else p.a, p.kind, p.similarity) for p in self._pairs_by_doc.get(doc_id, ())]


def _cached_features(corpus, docs: list, settings: tuple[int, int, int, int],
                     keep_each: bool = True) -> list[tuple[bytes, bytes]]:
    """Per-document features, from the incremental cache where the text is unchanged."""
    import base64

    cache = corpus.cache
    keys = [f"{d.sha256}:{settings}" for d in docs]
    stored = cache.get_many("reuse-features/2", keys) if cache is not None else {}
    todo = [index for index, key in enumerate(keys) if key not in stored]
    computed = all_features(corpus.map, [docs[i].text for i in todo], settings)
    fresh = dict(zip(todo, computed))
    if cache is not None and fresh and keep_each:
        cache.put_many("reuse-features/2", {
            keys[i]: [base64.b64encode(sig).decode("ascii"), base64.b64encode(seeds).decode("ascii")]
            for i, (sig, seeds) in fresh.items()
        })
    result = []
    for index, key in enumerate(keys):
        if index in fresh:
            result.append(fresh[index])
        else:
            sig, seeds = stored[key]
            result.append((base64.b64decode(sig), base64.b64decode(seeds)))
    return result


def _kept_features(corpus, docs: list, settings: tuple[int, int, int, int]):
    """:func:`_cached_features` as arrays (numpy and a cache only): the signatures as a
    documents x ``num_perm`` uint32 matrix, every document's passage seeds concatenated
    (uint64) and how many each has. A full run's are kept in one per-document table
    (:func:`~dup_kept.kept_pair_results`, a document being the pair of its text and 0);
    only documents the table lacks are looked up one by one (100,000 documents: reading
    and decoding an entry each took ~1.9 s of a warm run)."""
    np = _numpy()
    num_perm = settings[1]

    def compute(indices, keep_each: bool):
        found = _cached_features(corpus, [docs[k] for k in indices.tolist()], settings, keep_each)
        signatures = np.frombuffer(b"".join(sig for sig, _ in found), dtype="<u4").reshape(len(found), num_perm)
        return ({"signature": signatures}, ragged([len(seeds) // 8 for _, seeds in found]),
                {"seeds": np.frombuffer(b"".join(seeds for _, seeds in found), dtype="<u8")})

    namespace = corpus.cache_namespace(f"reuse-features-table/1/{settings}", batch_features)
    columns, indptr, rows = kept_pair_results(
        corpus.cache, namespace, text_hashes(docs), np.zeros(len(docs), dtype=np.uint64),
        {"signature": ("<u4", num_perm)}, {"seeds": ("<u8", 1)}, compute)
    return columns["signature"], rows["seeds"], np.diff(indptr)


def _shingle_set(text: str, size: int) -> set[int]:
    return set(shingle_hashes(folded_words(text), size))


def near_duplicate_pairs(docs: list, signatures, o: dict, mapper: Callable = map,
                         corpus: Any = None) -> dict[tuple[str, str], SimilarPair]:
    """Near-duplicate pairs: LSH band collisions, each candidate verified on the real shingles.

    Each document is paired with the first document of every band bucket it falls
    in, so candidates grow linearly with the corpus. Nothing per document is kept
    but the signature: shingles are recomputed for the candidates only, a block of
    pairs at a time. Union-find over the pairs closes the clusters transitively.
    """
    rows = max(1, o["num_perm"] // o["bands"])
    # the signatures first: a candidate far below both thresholds is not worth its
    # shingles (containment can exceed Jaccard, so the bar is low)
    floor = max(0.0, min(o["near_duplicate_jaccard"], o["near_duplicate_containment"] / 2) - 0.15)
    worth = candidate_pairs(signatures, o["bands"], rows, floor, mapper)
    if corpus is not None and corpus.cache is not None and isinstance(worth, tuple):
        return _near_duplicates_kept(corpus, docs, worth, o)
    pairs: dict[tuple[str, str], SimilarPair] = {}
    verified = (_verified(docs, worth, o["shingle_size"], mapper=mapper) if corpus is None or corpus.cache is None
                else _verified_cached(corpus, docs, worth, o["shingle_size"]))
    for (i, j), (shared, in_i, in_j) in verified:
        union = in_i + in_j - shared
        jac = shared / union if union else 0.0
        con = shared / min(in_i, in_j) if min(in_i, in_j) else 0.0
        if jac >= o["near_duplicate_jaccard"] or con >= o["near_duplicate_containment"]:
            a, b = sorted((docs[i].id, docs[j].id))
            pairs[(a, b)] = SimilarPair(a, b, "near-duplicate", round(jac, 4), round(con, 4))
    return pairs


def _near_duplicates_kept(corpus, docs: list, worth: tuple, o: dict) -> dict[tuple[str, str], SimilarPair]:
    """:func:`near_duplicate_pairs`' verification of the candidates ``worth`` (two index
    arrays), with the counts of the pairs of the last full run read from one
    :class:`~dup_kept.PairTable` instead of an entry each, and the thresholds applied
    to all pairs at once (the same divisions, in float64, as the loop's)."""
    import numpy as np

    firsts, others = worth
    hashes = text_hashes(docs)
    size = o["shingle_size"]

    def compute(indices, keep_each: bool):
        counts = [found for _, found in _verified_cached(corpus, docs, (firsts[indices], others[indices]), size,
                                                         keep_each=keep_each)]
        counts = np.array(counts, dtype=np.int64).reshape(-1, 3)
        return ({"shared": counts[:, 0], "in_first": counts[:, 1], "in_other": counts[:, 2]},
                ragged(np.zeros(len(counts), dtype=np.int64)), {})

    namespace = corpus.cache_namespace(f"reuse-verified-table/1/{size}", shared_shingles_of)
    columns, _, _ = kept_pair_results(corpus.cache, namespace, hashes[firsts], hashes[others],
                                      {"shared": "<i8", "in_first": "<i8", "in_other": "<i8"}, {}, compute)
    shared, in_i, in_j = columns["shared"], columns["in_first"], columns["in_other"]
    union, smaller = in_i + in_j - shared, np.minimum(in_i, in_j)
    jac = np.divide(shared, union, out=np.zeros(len(shared)), where=union > 0)
    con = np.divide(shared, smaller, out=np.zeros(len(shared)), where=smaller > 0)
    pairs: dict[tuple[str, str], SimilarPair] = {}
    similar = np.flatnonzero((jac >= o["near_duplicate_jaccard"]) | (con >= o["near_duplicate_containment"]))
    for i, j, pair_jac, pair_con in zip(firsts[similar].tolist(), others[similar].tolist(), jac[similar].tolist(),
                                        con[similar].tolist()):
        a, b = docs[i].id, docs[j].id
        if b < a:
            a, b = b, a
        pairs[(a, b)] = SimilarPair(a, b, "near-duplicate", round(pair_jac, 4), round(pair_con, 4))
    return pairs


def _verified(docs: list, pairs, size: int, block_chars: int = 500_000, mapper: Callable = map):
    """((i, j), (shared shingles, shingles of i, shingles of j)) for each pair, in order.

    With numpy, pairs go in blocks (as many pairs, in order, as involve ``block_chars``
    of text, so partners repeat within a block), 64 blocks at a time through ``mapper``
    (``corpus.map``: worker processes with --jobs, or Ray); each block's shingles are
    recomputed there and dropped, so nothing per document is kept.
    """
    if not have_numpy():
        recent: dict[int, set[int]] = {}  # shingle sets of recent partners: clusters repeat them
        for i, j in pairs:
            for k in (i, j):
                if k not in recent:
                    if len(recent) >= 4096:
                        recent.clear()
                    recent[k] = _shingle_set(docs[k].text, size)
            yield (i, j), (len(recent[i] & recent[j]), len(recent[i]), len(recent[j]))
        return
    tuples = _as_tuples(*pairs) if isinstance(pairs, tuple) else pairs  # index arrays or a list of pairs
    for group in _batched(_text_blocks(docs, tuples, block_chars), 64):
        counts = mapper(shared_shingles_of, [([docs[k].text for k in involved], local, size) for _, involved, local in group])
        for (chunk, _, _), chunk_counts in zip(group, counts):
            yield from zip(chunk, chunk_counts)


def _verified_cached(corpus, docs: list, pairs, size: int, keep_each: bool = True) -> Iterator[tuple]:
    """:func:`_verified` with each pair's counts kept in the incremental cache.

    The counts depend only on the two texts (keyed by their digests, in digest order,
    so a pair is found again whatever the documents' order), so a warm run verifies
    only the candidates with a new or edited text (100k documents, py-spy of a warm
    run: ~4.7 s of shingling in workers before, ~2.7 s of lookups now).
    """
    cache = corpus.cache
    namespace = corpus.cache_namespace(f"reuse-verified/1/{size}", shared_shingles_of)
    tuples = _as_tuples(*pairs) if isinstance(pairs, tuple) else iter(pairs)
    for chunk in _batched(tuples, _LOOKUP_PAIRS):
        keys, flipped = [], []
        for i, j in chunk:
            a, b = docs[i].sha256, docs[j].sha256
            flipped.append(a > b)
            keys.append(f"{b}:{a}" if a > b else f"{a}:{b}")
        stored = cache.get_many(namespace, keys)
        todo = [pair for pair, key in zip(chunk, keys) if key not in stored]
        fresh = dict(_verified(docs, todo, size, mapper=corpus.map)) if todo else {}
        if fresh and keep_each:
            cache.put_many(namespace, {
                key: [fresh[pair][0], *(fresh[pair][2:0:-1] if flip else fresh[pair][1:])]
                for pair, key, flip in zip(chunk, keys, flipped) if pair in fresh})
        for pair, key, flip in zip(chunk, keys, flipped):
            if pair in fresh:
                yield pair, fresh[pair]
            else:
                shared, in_a, in_b = stored[key]
                yield pair, (shared, in_b, in_a) if flip else (shared, in_a, in_b)


def _as_tuples(firsts, others, window: int = 16384) -> Iterator[tuple[int, int]]:
    """Two index arrays as (i, j) tuples, made a window at a time (no tuple per pair kept)."""
    for at in range(0, len(firsts), window):
        yield from zip(firsts[at : at + window].tolist(), others[at : at + window].tolist())


def _text_blocks(docs: list, pairs, block_chars: int):
    """Consecutive blocks of ``pairs``: (the pairs, the documents involved, the pairs as indices into those).

    A block holds as many pairs, in order, as involve ``block_chars`` of text, so
    partners repeat within a block and each block's texts travel to a worker once.
    """
    local: dict[int, int] = {}
    chunk: list[tuple[int, int]] = []
    chars = 0
    for pair in pairs:
        for k in pair:
            if k not in local:
                local[k] = len(local)
                chars += len(docs[k].text)
        chunk.append(pair)
        if chars >= block_chars:
            yield chunk, list(local), [(local[i], local[j]) for i, j in chunk]
            local, chunk, chars = {}, [], 0
    if chunk:
        yield chunk, list(local), [(local[i], local[j]) for i, j in chunk]


def _batched(items, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (bounded memory: one group of work in flight)."""
    group = []
    for item in items:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def passage_candidates(seed_lists: list[array], min_shared: int, max_documents: int) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, sharing at least ``min_shared`` sampled seeds, in order.

    Seeds held by more than ``max_documents`` documents are too common to link
    two of them (see :func:`dup_pairs.pairs_sharing`: bounded memory, never all pairs at once).
    """
    return pairs_sharing(seed_lists, min_shared, max_documents)


class Reuse(Analysis):
    """Near-duplicate clusters, similar pairs and aligned passages of the corpus.

    Result: a :class:`ReuseAnalysis` (``pairs``, ``passages``,
    ``near_duplicate_clusters``, ``story_clusters`` and lookups by document).
    """

    name = "reuse"
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "shingle_size": {"type": "integer", "minimum": 1, "maximum": 12, "default": 2,
                             "description": "Words per shingle for near-duplicate detection."},
            "num_perm": {"type": "integer", "minimum": 16, "maximum": 1024, "default": 126,
                         "description": "MinHash signature length; bands of num_perm // bands values each."},
            "bands": {"type": "integer", "minimum": 1, "maximum": 512, "default": 63,
                      "description": "LSH bands; more bands find pairs of lower similarity."},
            "near_duplicate_jaccard": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.3,
                                       "description": "Shingle Jaccard at or above which two documents are near-duplicates."},
            "near_duplicate_containment": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.7,
                                           "description": "Or: share of the shorter document's shingles found in the longer."},
            "seed_size": {"type": "integer", "minimum": 2, "maximum": 8, "default": 3,
                          "description": "Words per seed when aligning shared passages."},
            "seed_sample": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4,
                            "description": "Index one seed in this many (by hash) to find candidate pairs; 1 indexes all."},
            "min_shared_seeds": {"type": "integer", "minimum": 1, "default": 3,
                                 "description": "Indexed seeds two documents must share to be aligned."},
            "max_seed_documents": {"type": "integer", "minimum": 2, "default": 50,
                                   "description": "Seeds found in more documents than this are too common to link documents."},
            "max_gap": {"type": "integer", "minimum": 0, "maximum": 100, "default": 12,
                        "description": "Words of difference tolerated inside one passage."},
            "min_passage_words": {"type": "integer", "minimum": 5, "default": 20,
                                  "description": "Shortest shared passage, in words."},
            "story_threshold": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.3,
                                "description": "TF-IDF cosine at or above which two documents tell the same story."},
        },
    }

    def compute(self, corpus) -> ReuseAnalysis:
        np = _numpy()
        o = self.options
        docs = [d for d in corpus if d.text and not d.text.isspace()]  # (strip() copies every text)
        size, seed_size = o["shingle_size"], o["seed_size"]
        feature_settings = (size, o["num_perm"], seed_size, o["seed_sample"])
        # with a cache (and numpy), results of a full run are read as arrays (dup_kept.py)
        kept = corpus.cache is not None and np is not None
        if kept:
            signatures, seed_keys, seed_lengths = _kept_features(corpus, docs, feature_settings)
        else:
            features = _cached_features(corpus, docs, feature_settings)
            signatures = [signature for signature, _ in features]
            seed_lists = [array("Q", seeds) for _, seeds in features]
            del features
        # the candidate pairs of steps 2 and 3 are found by numpy alone, which lets this thread
        # run meanwhile: they are found in another thread while this one looks up near-duplicates
        # and alignments in the cache (100,000 documents, warm: the analysis 11.6 s -> 10.3 s;
        # the Python parts of both still take turns)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copydesk-reuse") as background:
            if kept:
                sharing = background.submit(all_pairs_sharing, seed_keys, seed_lengths, o["min_shared_seeds"],
                                            o["max_seed_documents"])
                del seed_keys
            # 1. near-duplicates
            pairs = near_duplicate_pairs(docs, signatures, o, corpus.map, corpus)
            near_links = list(pairs)
            del signatures

            # 3. same story in other words (its candidates, found in the background during step 2)
            # each document's terms from the incremental cache where its text is unchanged, else in workers
            if kept:  # weighed with the statistics generation's fit: rows and cosines are kept (dup_story_kept.py)
                story, fit_name = kept_story_index(corpus, docs)
            else:
                story = StoryIndex([(d.id, "") for d in docs],
                                   features=corpus.per_document("reuse-story-terms/2", term_features, docs))
            story_candidates = background.submit(story.candidate_arrays) if np is not None else None

            # 2. reused passages: candidate pairs share sampled seeds; align them by seed and extend
            passages: list[Passage] = []
            settings = (seed_size, o["max_gap"], o["min_passage_words"])
            if kept:
                firsts, others = sharing.result()
                aligned = _alignments_kept(corpus, docs, firsts, others, settings)
            else:
                candidates = passage_candidates(seed_lists, o["min_shared_seeds"], o["max_seed_documents"])
                aligned = _alignments(corpus, docs, candidates, settings)
            for a_id, b_id, found, covered in aligned:
                passages.extend(found)
                if (a_id, b_id) not in pairs:
                    pairs[(a_id, b_id)] = SimilarPair(a_id, b_id, "reused-passage", round(covered, 4))

            # 3. (continued) the candidates' cosines
            story_pairs: list[SimilarPair] = []
            if story_candidates is not None:  # every candidate's cosine at once, then only the similar ones
                firsts, others = story_candidates.result()
                scores = (kept_story_cosines(corpus, docs, story, fit_name, firsts, others) if kept
                          else story.cosines(firsts, others))
                similar = np.flatnonzero(scores >= o["story_threshold"])
                scored = zip(firsts[similar].tolist(), others[similar].tolist(), scores[similar].tolist())
            else:
                scored = ((i, j, story.cosine(i, j)) for i, j in story.candidate_pairs())
        for i, j, score in scored:
            if score < o["story_threshold"]:
                continue
            a, b = docs[i].id, docs[j].id
            if b < a:
                a, b = b, a
            known = pairs.get((a, b))
            # a pair linked by a few passages can still be a retelling (a summary quoting
            # its source); only copies and heavily reused pairs are left out
            if known is not None and (known.kind == "near-duplicate" or known.similarity >= 0.5):
                continue
            story_pairs.append(SimilarPair(a, b, "same-story", round(score, 4)))

        lengths = {d.id: len(d.text) for d in docs}
        dates = {d.id: str(d.metadata.get("date")) for d in docs if d.metadata.get("date") is not None}
        result = ReuseAnalysis(
            near_duplicate_clusters=_clusters(near_links, lengths, dates),
            story_clusters=_clusters(list(pairs) + [(p.a, p.b) for p in story_pairs], lengths, dates),
            pairs=sorted([*pairs.values(), *story_pairs], key=attrgetter("a", "b", "kind")),
            passages=sorted(passages, key=attrgetter("a", "b", "a_span.start")),
            shingle_size=size,
        )
        return result.index()


#: candidate pairs looked up in the cache at a time (bounded memory)
_LOOKUP_PAIRS = 50_000


def _alignments(corpus, docs: list, candidates: Iterator[tuple[int, int]], settings: tuple) -> Iterator[tuple]:
    """(a id, b id, passages, coverage) of each candidate pair that shares a passage, in candidate order.

    A pair's alignment depends only on its two texts (in id order) and ``settings``,
    so it is kept in the incremental cache, keyed by both texts' digests, negatives
    too: a warm run aligns only pairs with a new or edited text. The rest are aligned
    in blocks, in workers with --jobs or on Ray.
    """
    for (a, b), covered, spans in _aligned(corpus, docs, candidates, settings, keep_each=True):
        if spans:
            a_id, b_id = docs[a].id, docs[b].id
            yield a_id, b_id, [Passage(a_id, Span(a0, a1), b_id, Span(b0, b1), verbatim)
                               for a0, a1, b0, b1, verbatim in spans], covered


def _aligned(corpus, docs: list, candidates: Iterator[tuple[int, int]], settings: tuple,
             keep_each: bool) -> Iterator[tuple[tuple[int, int], float, list]]:
    """((a, b), coverage, [[a start, a end, b start, b end, verbatim share], ...]) of each
    candidate pair, in candidate order, ``a`` the pair's document with the smaller id;
    from the cache (one entry per pair) where it has them, else aligned, and kept there
    when ``keep_each``."""
    cache = corpus.cache
    namespace = corpus.cache_namespace(f"reuse-alignments/1/{settings}", align_block)
    for chunk in _batched(candidates, _LOOKUP_PAIRS):
        ordered = [(i, j) if docs[i].id < docs[j].id else (j, i) for i, j in chunk]
        keys = [f"{docs[a].sha256}:{docs[b].sha256}" for a, b in ordered]
        stored = cache.get_many(namespace, keys) if cache is not None else {}
        todo = [pair for pair, key in zip(ordered, keys) if key not in stored]
        fresh: dict[tuple[int, int], list] = {}
        for group in _batched(_text_blocks(docs, todo, 500_000), 64):
            blocks = [([docs[k].id for k in involved], [docs[k].text for k in involved], local, settings)
                      for _, involved, local in group]
            for (block_pairs, _, _), found_in_block in zip(group, corpus.map(align_block, blocks)):
                for pair, (_, _, found, covered) in zip(block_pairs, found_in_block):
                    fresh[pair] = [covered, [[p.a_span.start, p.a_span.end, p.b_span.start, p.b_span.end,
                                              p.verbatim_share] for p in found]]
        if cache is not None and fresh and keep_each:
            cache.put_many(namespace, {key: fresh[pair] for pair, key in zip(ordered, keys) if pair in fresh})
        for pair, key in zip(ordered, keys):
            covered, spans = fresh[pair] if pair in fresh else stored[key]
            yield pair, covered, spans


def _alignments_kept(corpus, docs: list, firsts, others, settings: tuple) -> Iterator[tuple]:
    """:func:`_alignments` of the pairs ``(firsts[k], others[k])`` (index arrays, ``firsts``
    the smaller: ``docs`` are in id order), with the results of the pairs of the last
    full run read from one :class:`~dup_kept.PairTable` instead of an entry each
    (100,000 documents: about 800,000 candidate pairs, most of which a warm run has seen)."""
    import numpy as np

    hashes = text_hashes(docs)

    def compute(indices, keep_each: bool):
        covered, lengths, spans, verbatim = [], [], [], []
        pairs = zip(firsts[indices].tolist(), others[indices].tolist())
        for _, pair_covered, found in _aligned(corpus, docs, pairs, settings, keep_each):
            covered.append(pair_covered)
            lengths.append(len(found))
            for a0, a1, b0, b1, share in found:
                spans.append((a0, a1, b0, b1))
                verbatim.append(share)
        return ({"covered": np.array(covered, dtype=np.float64)}, ragged(lengths),
                {"spans": np.array(spans, dtype=np.int64).reshape(-1, 4), "verbatim": np.array(verbatim, dtype=np.float64)})

    namespace = corpus.cache_namespace(f"reuse-alignment-table/1/{settings}", align_block)
    columns, indptr, rows = kept_pair_results(
        corpus.cache, namespace, hashes[firsts], hashes[others], {"covered": "<f8"},
        {"spans": ("<i8", 4), "verbatim": ("<f8", 1)}, compute)
    sharing = np.flatnonzero(np.diff(indptr))
    spans, verbatim, bounds = rows["spans"].tolist(), rows["verbatim"].tolist(), indptr.tolist()
    for k, a, b, covered in zip(sharing.tolist(), firsts[sharing].tolist(), others[sharing].tolist(),
                                columns["covered"][sharing].tolist()):
        a_id, b_id = docs[a].id, docs[b].id
        yield a_id, b_id, [Passage(a_id, Span(a0, a1), b_id, Span(b0, b1), share)
                           for (a0, a1, b0, b1), share in zip(spans[bounds[k]:bounds[k + 1]],
                                                              verbatim[bounds[k]:bounds[k + 1]])], covered


def align_block(args) -> list[tuple[str, str, list, float]]:
    """Aligned passages of a block of candidate pairs (runs in a worker with --jobs or on Ray).

    Returns (a id, b id, passages, share of the shorter text covered) for each pair,
    in order (no passage: an empty list, coverage 0); ``a`` is the pair's document
    with the smaller id.
    """
    ids, texts, pairs, (seed_size, max_gap, min_words) = args
    analysed: dict[int, tuple] = {}

    def words_of(k: int):
        if k not in analysed:
            if len(analysed) > 256:
                analysed.clear()
            found_words = words(texts[k])
            stems = [stem(w) for _, _, w in found_words]
            analysed[k] = (found_words, stems, seed_positions(stems, seed_size))
        return analysed[k]

    result = []
    for i, j in pairs:
        a, b = (i, j) if ids[i] < ids[j] else (j, i)
        a_words, a_stems, a_seeds = words_of(a)
        b_words, b_stems, _ = words_of(b)
        found = align(a_stems, b_stems, seed_size=seed_size, max_gap=max_gap, min_words=min_words, a_seeds=a_seeds)
        passages = [_to_passage(p, ids[a], texts[a], a_words, ids[b], texts[b], b_words) for p in found]
        result.append((ids[a], ids[b], passages, _coverage(found, len(a_stems), len(b_stems)) if found else 0.0))
    return result


def _whole_words(text: str, start: int, end: int) -> Span:
    """Widen a span to whitespace on both sides ("S. Deputy" becomes "U.S. Deputy")."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return Span(start, end)


def _to_passage(p: AlignedPassage, a_id: str, a_text: str, a_offsets: list, b_id: str, b_text: str,
                b_offsets: list) -> Passage:
    """Word indices to character spans (offsets are (start, end, word) triples)."""
    a_span = _whole_words(a_text, a_offsets[p.a_start][0], a_offsets[p.a_end - 1][1])
    b_span = _whole_words(b_text, b_offsets[p.b_start][0], b_offsets[p.b_end - 1][1])
    return Passage(a_id, a_span, b_id, b_span, round(p.verbatim_share, 4))


def _coverage(found: list[AlignedPassage], a_words: int, b_words: int) -> float:
    """Share of the shorter document covered by the passages."""
    if a_words <= b_words:
        covered, total = sum(p.a_end - p.a_start for p in found), a_words
    else:
        covered, total = sum(p.b_end - p.b_start for p in found), b_words
    return min(1.0, covered / total) if total else 0.0


def canonical_of(members: list[str], lengths: dict[str, int], dates: dict[str, str]) -> str:
    """The earliest by metadata date where present, else the longest, else first by id."""
    dated = [m for m in members if m in dates]
    if dated:
        return min(dated, key=lambda m: (dates[m], m))
    return min(members, key=lambda m: (-lengths.get(m, 0), m))


def _clusters(links: list[tuple[str, str]], lengths: dict[str, int], dates: dict[str, str]) -> list[Cluster]:
    """The connected groups of documents that ``links`` join (union-find), by first member."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    get = parent.get
    for a, b in links:
        # a root, or a member one step below its root, needs no call of find (most are: at
        # 100,000 documents, 1.2 million calls took ~0.6 s of a warm run's analysis)
        ra = get(a)
        if ra is None:
            parent[a] = ra = a
        elif parent[ra] != ra:
            ra = find(a)
        rb = get(b)
        if rb is None:
            parent[b] = rb = b
        elif parent[rb] != rb:
            rb = find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for member in parent:
        root = parent[member]
        if parent[root] != root:
            root = find(member)
        groups[root].append(member)
    ordered = sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
    return [Cluster(i + 1, tuple(g), canonical_of(g, lengths, dates)) for i, g in enumerate(ordered)]


# ------------------------------------------------------------------------ checks


class NearDuplicate(Check):
    """Documents whose word shingles are nearly all the same: copies with small edits.

    Why it matters: a lightly edited copy is still a copy; near-duplicates skew
    statistics and, in training data, get memorised like exact ones.

    Example: ``b.txt`` is ``a.txt`` with a few words changed and a paragraph
    added; ``b.txt`` is reported as a near-duplicate of ``a.txt`` (the cluster's
    canonical member: the earliest by ``date`` metadata, else the longest, else
    the first by id), with the measured shingle Jaccard similarity. Candidates
    come from MinHash + LSH and are verified on the real shingles (analysis
    options under ``analyses: reuse:``).
    """

    code = "DUP002"
    requires_analyses = ("reuse",)
    name = "near-duplicate"
    category = "duplication"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "threshold": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.0,
                          "description": "Report only members at least this similar (Jaccard or containment) to the canonical one."},
        },
    }

    def check_corpus(self, corpus):
        reuse = corpus.analysis("reuse")
        pairs = [(cluster, member) for cluster in reuse.near_duplicate_clusters
                 for member in cluster.members if member != cluster.canonical]
        measure = _member_similarities_kept if corpus.cache is not None and have_numpy() else _member_similarities
        similarities = measure(corpus, [(c.canonical, m) for c, m in pairs], reuse.shingle_size)
        for (cluster, member), (jac, con) in zip(pairs, similarities):
            if max(jac, con) < self.options["threshold"]:
                continue
            yield self.finding(
                member, None,
                f"near-duplicate of {cluster.canonical}: {jac:.0%} of word shingles shared "
                f"({con:.0%} of the shorter text found in the other); cluster of {len(cluster.members)}",
                related=[Related(cluster.canonical, None, round(jac, 4))],
                # the cluster named by its first document (in id order), not its number: numbers
                # shift whenever a cluster before it comes or goes, and every other record with them
                data={"cluster": cluster.members[0], "cluster_size": len(cluster.members),
                      "jaccard": round(jac, 4), "containment": round(con, 4)},
                anchor=cluster.canonical,
            )


def _member_similarities_kept(corpus, pairs: list[tuple[str, str]], size: int) -> list[tuple[float, float]]:
    """:func:`_member_similarities` with the pairs of the last full run read from one
    :class:`~dup_kept.PairTable` instead of an entry each (100,000 documents: 83,000
    pairs, whose entries took 1.7 s of a warm run to look up and decode)."""
    import numpy as np

    def compute(indices, keep_each: bool):
        found = _member_similarities(corpus, [pairs[k] for k in indices.tolist()], size, keep_each=keep_each)
        values = np.array(found, dtype=np.float64).reshape(-1, 2)
        return ({"jaccard": values[:, 0], "containment": values[:, 1]},
                ragged(np.zeros(len(values), dtype=np.int64)), {})

    # each text's hash once (a canonical document is in every pair of its cluster)
    ids = list(dict.fromkeys(doc_id for pair in pairs for doc_id in pair))
    hash_of = dict(zip(ids, text_hashes(corpus[doc_id] for doc_id in ids).tolist()))
    firsts = np.array([hash_of[a] for a, _ in pairs], dtype=np.uint64)
    others = np.array([hash_of[b] for _, b in pairs], dtype=np.uint64)
    namespace = corpus.cache_namespace(f"dup002-similarity-table/1/{size}", _shingle_set)
    columns, _, _ = kept_pair_results(corpus.cache, namespace, firsts, others,
                                      {"jaccard": "<f8", "containment": "<f8"}, {}, compute)
    return list(zip(columns["jaccard"].tolist(), columns["containment"].tolist()))


def _member_similarities(corpus, pairs: list[tuple[str, str]], size: int,
                         keep_each: bool = True) -> list[tuple[float, float]]:
    """Shingle Jaccard and containment of each (canonical, member) pair of documents.

    Kept in the incremental cache by both texts' digests (each pair on its own when
    ``keep_each``): a warm run computes the shingles of the pairs with a new or edited
    text only (every pair's shingles, every run, were most of DUP002's time on a warm run)."""
    namespace = corpus.cache_namespace(f"dup002-similarity/1/{size}", _shingle_set)
    keys = [f"{corpus[a].sha256}:{corpus[b].sha256}" for a, b in pairs]
    stored = corpus.cache.get_many(namespace, set(keys)) if corpus.cache is not None else {}
    fresh: dict[str, list[float]] = {}
    base_id, base = None, set()
    for (a, b), key in zip(pairs, keys):
        if key in stored or key in fresh:
            continue
        if a != base_id:  # pairs come cluster by cluster: the canonical text's shingles once per cluster
            base_id, base = a, _shingle_set(corpus[a].text, size)
        other = _shingle_set(corpus[b].text, size)
        fresh[key] = [jaccard(base, other), containment(base, other)]
    if corpus.cache is not None and fresh and keep_each:
        corpus.cache.put_many(namespace, fresh)
    return [tuple(fresh[key] if key in fresh else stored[key]) for key in keys]


class ReusedPassage(Check):
    """A passage shared with another document, found despite swapped words, inserted clauses or reordering.

    Why it matters: reuse is rarely a whole-document copy. A spun or lightly
    rewritten passage inside a longer text is the typical trace of copying that
    an editor must credit or cut.

    Example: ``b.txt`` contains a paragraph of ``a.txt`` with every fifth word
    replaced by a synonym; the finding spans the passage in ``b.txt``, ``related``
    spans it in ``a.txt``, and ``data.verbatim_share`` says how much of it is
    word for word. Each passage is reported once per pair, on the later document
    by id; a near-duplicate whose passages cover the whole text is left to DUP002.
    """

    code = "DUP003"
    requires_analyses = ("reuse",)
    name = "reused-passage"
    category = "duplication"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_words": {"type": "integer", "minimum": 1, "default": 20,
                          "description": "Shortest passage to report, in words."},
            "min_verbatim": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5,
                             "description": "Least share of the passage's words that must be identical on both "
                                            "sides (looser retellings are DUP004's)."},
        },
    }

    def check_corpus(self, corpus):
        reuse = corpus.analysis("reuse")
        lengths: dict[str, int] = {}  # each document's stripped length, once (it is in many pairs)
        whole_copies = {
            (p.a, p.b) for p in reuse.pairs
            if p.kind == "near-duplicate"
            and _covered(reuse.passages_between(p.a, p.b), corpus[p.a], corpus[p.b], lengths) >= 0.9
        }
        min_verbatim, min_words = self.options["min_verbatim"], self.options["min_words"]
        # a passage of one document is often shared with several others: its words are counted
        # and quoted once (the 100,000-document benchmark: 241,000 findings, 99,000 distinct spans)
        quoted: dict[tuple[str, int, int], tuple[int, str]] = {}
        for passage in reuse.passages:
            if (passage.a, passage.b) in whole_copies:
                continue  # the passage is the whole document: DUP002 says it
            if passage.verbatim_share < min_verbatim:
                continue  # the cheap test first: counting words cuts the passage out of the text
            b_doc = corpus[passage.b]
            place = (passage.b, passage.b_span.start, passage.b_span.end)
            known = quoted.get(place)
            if known is None:
                parts = b_doc.text[passage.b_span.start:passage.b_span.end].split()
                known = quoted[place] = (len(parts), _clipped(parts))
            words, quote = known
            if words < min_words:
                continue
            share = passage.verbatim_share
            yield self.finding(
                b_doc, passage.b_span,
                f"passage reused from {passage.a} ({share:.0%} word for word): “{quote}”",
                related=(Related(passage.a, passage.a_span, share),),
                data={"verbatim_share": share, "words": words},
            )


def _covered(passages: list[Passage], a_doc, b_doc, lengths: dict[str, int] | None = None) -> float:
    """The smaller share of either document's text that the passages cover. ``lengths``: the
    documents' stripped lengths known so far, by id (filled in)."""
    if not passages:
        return 0.0
    if lengths is None:
        lengths = {}
    a_length = lengths.get(a_doc.id)
    if a_length is None:
        a_length = lengths[a_doc.id] = len(a_doc.text.strip())
    b_length = lengths.get(b_doc.id)
    if b_length is None:
        b_length = lengths[b_doc.id] = len(b_doc.text.strip())
    a_share = sum(len(p.a_span) for p in passages) / max(1, a_length)
    b_share = sum(len(p.b_span) for p in passages) / max(1, b_length)
    return min(a_share, b_share)


def _clip(text: str, span: Span, width: int = 60) -> str:
    return _clipped(text[span.start:span.end].split(), width)


def _clipped(words_: list[str], width: int = 60) -> str:
    """The words joined by single spaces, cut to ``width`` characters with an ellipsis."""
    if sum(map(len, words_)) + len(words_) - 1 <= width:
        return " ".join(words_)
    # the first width - 1 characters lie within the first width words (a word and its space: 2 or more)
    return " ".join(words_[:width])[: width - 1].rstrip() + "…"


class SameStory(Check):
    """Documents that tell the same story in other words: rewrites, summaries, translations.

    Why it matters: a rewrite shares no long passage with its source but the
    same people, places, numbers and quotes; it still needs a credit, and a
    corpus full of retellings over-represents one story.

    Example: ``b.txt`` summarises ``a.txt`` in new sentences, naming the same
    officials and figures; ``b.txt`` is reported with ``a.txt`` as related and
    the TF-IDF cosine as similarity. Pairs already linked as near-duplicates or
    by reused passages are not repeated here.
    """

    code = "DUP004"
    requires_analyses = ("reuse",)
    name = "same-story"
    category = "duplication"
    severity = Severity.INFO
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "threshold": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.0,
                          "description": "Report only pairs at least this similar (the analysis's story_threshold applies first)."},
        },
    }

    def check_corpus(self, corpus):
        reuse = corpus.analysis("reuse")
        for pair in reuse.pairs:
            if pair.kind != "same-story" or pair.similarity < self.options["threshold"]:
                continue
            yield self.finding(
                pair.b, None,
                f"tells the same story as {pair.a} in other words (TF-IDF similarity {pair.similarity:.2f})",
                related=[Related(pair.a, None, pair.similarity)],
                data={"similarity": pair.similarity},
                anchor=pair.a,
            )


class RepeatedParagraph(Check):
    """A paragraph that occurs twice in the same document.

    Why it matters: a repeated paragraph is a paste or scraping error that a
    reader notices at once.

    Example: the third paragraph of a story appears again, word for word, as
    the seventh; the finding spans the repeat and ``related`` points at the first.
    """

    code = "DUP005"
    name = "repeated-paragraph"
    category = "duplication"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_words": {"type": "integer", "minimum": 1, "default": 8,
                          "description": "Shorter paragraphs (labels, sign-offs) may repeat."},
        },
    }

    def check_document(self, document):
        first: dict[str, Span] = {}
        for paragraph in document.paragraphs:
            folded = [w for _, _, w in words(paragraph.text)]
            if len(folded) < self.options["min_words"]:
                continue
            key = " ".join(folded)
            if key in first:
                line, _ = document.line_col(first[key].start)
                yield self.finding(
                    document, paragraph.span,
                    f"paragraph repeats the one on line {line}: “{_clip(document.text, paragraph.span)}”",
                    related=[Related(document.id, first[key], 1.0)],
                )
            else:
                first[key] = paragraph.span


@hookimpl
def copydesk_register_checks():
    return [ExactDuplicate, NearDuplicate, ReusedPassage, SameStory, RepeatedParagraph]


@hookimpl
def copydesk_register_analyses():
    return [Reuse]
