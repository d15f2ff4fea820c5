"""Near-duplicate detection benchmark on Reuters-21578 (real text), scaled by re-sampling.

    python bench/dup_bench.py --n 10000 [--n 100000] [--compare]
    python bench/dup_bench.py --full 19043     # the whole reuse analysis on all real bodies

Corpus: the 19,043 Reuters bodies in ../shared/data/reuters21578 (real). Beyond that
(and for the planted copies) the text is SYNTHETIC: a re-sampled body with words
replaced by other Reuters words. Planted near-duplicates: 10% of the documents get
a copy with 5-20% of its words replaced, half of them with an appended paragraph
from another story, some cut to their first 70% (partial copies). Reported:
precision and recall of DUP002's pairs against the planted pairs (pairs among
real bodies that the data already contains, e.g. re-filed stories, are counted
separately, not as errors), documents/second for signatures + LSH + verification,
and peak memory. With --compare, the same shingles through datasketch MinHash +
MinHashLSH and through rensa (if installed; neither is a copydesk dependency).
"""

from __future__ import annotations

import argparse
import gc
import html
import random
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "reuters21578" / "data"


def reuters_bodies() -> list[str]:
    if not DATA.is_dir():
        sys.exit(f"{DATA} not found: the benchmark needs ../shared/data beside the repository")
    bodies = []
    for path in sorted(DATA.glob("reut2-*.sgm")):
        for match in re.finditer(r"<BODY>(.*?)</BODY>", path.read_text(encoding="latin-1"), re.S):
            body = html.unescape(match.group(1)).replace("\x03", "").strip()
            if body:
                bodies.append(body)
    return bodies


def edit(rng: random.Random, text: str, share: float, vocabulary: list[str]) -> str:
    words = text.split()
    for index in rng.sample(range(len(words)), int(len(words) * share)):
        words[index] = rng.choice(vocabulary)
    return " ".join(words)


def build_corpus(n: int, seed: int = 1):
    """(documents as (id, text), planted pairs as (original id, copy id), synthetic count)."""
    rng = random.Random(seed)
    bodies = [b for b in reuters_bodies() if len(b.split()) >= 40]
    vocabulary = sorted({w for b in bodies[:3000] for w in b.split() if w.isalpha()})
    originals = int(n / 1.1)
    docs: list[tuple[str, str]] = []
    synthetic = 0
    for i in range(originals):
        if i < len(bodies):
            text = bodies[i]
        else:  # re-sampled with a third of its words replaced: a new synthetic story
            text = edit(rng, bodies[i % len(bodies)], 0.35, vocabulary)
            synthetic += 1
        docs.append((f"d{i:07}", text))
    planted = []
    also_copied = []  # the appended paragraph's source: a real containment pair, not scored for recall
    for k, i in enumerate(rng.sample(range(originals), n - originals)):
        text = edit(rng, docs[i][1], rng.uniform(0.05, 0.20), vocabulary)
        if k % 2:
            donor = rng.randrange(min(len(bodies), originals))
            text += "\n" + docs[donor][1][:400]
            also_copied.append((docs[donor][0], f"c{k:07}"))
        elif k % 5 == 0:
            words = text.split()
            text = " ".join(words[: int(len(words) * 0.7)])
        copy_id = f"c{k:07}"
        docs.append((copy_id, text))
        planted.append((docs[i][0], copy_id))
        synthetic += 1
    return docs, planted, synthetic, also_copied


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_copydesk(docs, jobs: int):
    """Features (signatures and seeds, batched; numpy when importable) then LSH + verification."""
    from copydesk import Document
    from copydesk.plugins.dup_batch import all_features, all_signatures
    from copydesk.plugins.duplication import Reuse, near_duplicate_pairs
    from copydesk.runner import make_mapper

    options = Reuse().options
    documents = [Document(i, t) for i, t in docs]
    mapper = make_mapper(jobs) or map
    settings = (options["shingle_size"], options["num_perm"], options["seed_size"], options["seed_sample"])
    started = time.perf_counter()
    signatures = all_signatures(mapper, [d.text for d in documents], settings[0], settings[1])
    signed = time.perf_counter()
    pairs = near_duplicate_pairs(documents, signatures, options, mapper)
    done = time.perf_counter()
    features = all_features(mapper, [d.text for d in documents], settings)
    assert b"".join(f[0] for f in features) == signatures.tobytes()  # the same signatures either way
    return set(pairs), signed - started, done - signed, time.perf_counter() - done


def working_memory(docs) -> int:
    """Peak bytes allocated by signatures + LSH + verification beyond the corpus itself (tracemalloc)."""
    import tracemalloc

    from copydesk import Document
    from copydesk.plugins.dup_batch import all_signatures
    from copydesk.plugins.duplication import Reuse, near_duplicate_pairs

    options = Reuse().options
    documents = [Document(i, t) for i, t in docs]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    signatures = all_signatures(map, [d.text for d in documents],
                                options["shingle_size"], options["num_perm"])
    near_duplicate_pairs(documents, signatures, options)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def shingle_sets(docs, size: int):
    from copydesk.plugins.dup_shingles import shingle_hashes, words

    for _, text in docs:
        yield shingle_hashes([w for _, _, w in words(text)], size)


def run_datasketch(docs, threshold: float, num_perm: int = 128):
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    found = set()
    for (doc_id, _), shingles in zip(docs, shingle_sets(docs, 2)):
        m = MinHash(num_perm=num_perm)
        m.update_batch([h.to_bytes(8, "little") for h in shingles])
        for other in lsh.query(m):
            found.add(tuple(sorted((other, doc_id))))
        lsh.insert(doc_id, m)
    return found, time.perf_counter() - started


def run_rensa(docs, threshold: float, num_perm: int = 128):
    from rensa import RMinHash, RMinHashLSH

    started = time.perf_counter()
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=32)
    found = set()
    for index, ((doc_id, _), shingles) in enumerate(zip(docs, shingle_sets(docs, 2))):
        m = RMinHash(num_perm=num_perm, seed=42)
        m.update([str(h) for h in shingles])
        for other in lsh.query(m):
            found.add(tuple(sorted((docs[other][0], doc_id))))
        lsh.insert(index, m)
    return found, time.perf_counter() - started


def score(found: set, planted: list, also_copied: list = ()) -> tuple[float, float]:
    """Precision and recall over pairs that involve a planted copy.

    A copy's sources are its original and, when a paragraph was appended, the
    donor of that paragraph. A pair involving a copy is right when the two sides
    share a source group: a copy with its original, with another copy of it, with
    the donor, with another copy that appended the same donor (the donors are
    drawn from the real bodies, so at 100k thousands of copies share one), or with
    a document the source is itself a near-duplicate of (Reuters re-files stories).
    Anything else is a false pair.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    original_of = {copy: original for original, copy in planted}
    donor_of = {copy: donor for donor, copy in also_copied}
    for a, b in found:
        if a.startswith("d") and b.startswith("d"):
            parent[find(a)] = find(b)

    def sources(doc: str) -> set[str]:
        result = {find(original_of.get(doc, doc))}
        if doc in donor_of:
            result.add(find(donor_of[doc]))
        return result

    truth = {tuple(sorted(p)) for p in planted}
    involving_copies = [p for p in found if p[0].startswith("c") or p[1].startswith("c")]
    correct = sum(1 for a, b in involving_copies if sources(a) & sources(b))
    precision = correct / len(involving_copies) if involving_copies else 1.0
    recall = len(truth & set(found)) / len(truth) if truth else 1.0
    return precision, recall


def reachable_recall(found: set, planted: list, docs) -> tuple[float, int]:
    """Recall over the planted pairs whose exact shingle similarity meets DUP002's thresholds.

    The edits make some planted pairs (a short story cut to 70% or given a long
    appended paragraph) fall below the thresholds themselves; those are misses of
    the definition, not of LSH. Returns (recall, number of such pairs).
    """
    from copydesk.plugins.dup_shingles import containment, folded_words, jaccard, shingle_hashes
    from copydesk.plugins.duplication import Reuse

    options = Reuse().options
    text = dict(docs)
    reachable = []
    for original, copy in planted:
        a = set(shingle_hashes(folded_words(text[original]), options["shingle_size"]))
        b = set(shingle_hashes(folded_words(text[copy]), options["shingle_size"]))
        if jaccard(a, b) >= options["near_duplicate_jaccard"] or containment(a, b) >= options["near_duplicate_containment"]:
            reachable.append(tuple(sorted((original, copy))))
    hit = sum(1 for pair in reachable if pair in found)
    return (hit / len(reachable) if reachable else 1.0), len(planted) - len(reachable)


def run_full_analysis(n: int) -> None:
    """The whole reuse analysis (near-duplicates, passages, same story) on the first n real Reuters bodies."""
    from collections import Counter

    from copydesk import Corpus, Document
    from copydesk.manager import collect_registry, make_plugin_manager

    bodies = reuters_bodies()[:n]
    registry = collect_registry(make_plugin_manager(autoload=False))
    corpus = Corpus([Document(f"r{i:06}", text) for i, text in enumerate(bodies)], registry.analyses)
    before = peak_mb()
    started = time.perf_counter()
    reuse = corpus.analysis("reuse")
    seconds = time.perf_counter() - started
    kinds = Counter(p.kind for p in reuse.pairs)
    print(f"full reuse analysis, {len(bodies)} real Reuters bodies: {seconds:.1f} s ({len(bodies) / seconds:.0f} docs/s), "
          f"peak {peak_mb():.0f} MB (before: {before:.0f} MB); pairs {dict(sorted(kinds.items()))}, "
          f"passages {len(reuse.passages)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="corpus sizes (default 10000)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--compare", action="store_true", help="also run datasketch and rensa if installed")
    parser.add_argument("--full", type=int, metavar="N",
                        help="instead: time the whole reuse analysis on the first N real bodies (19043 = all)")
    args = parser.parse_args()
    if args.full:
        run_full_analysis(args.full)
        return
    print("n\tsynthetic\tsystem\tseconds\tdocs/s\tprecision\trecall\tpeak_MB\tnatural_pairs")
    for n in args.n or [10000]:
        docs, planted, synthetic, also_copied = build_corpus(n)
        gc.collect()
        found, sign_s, lsh_s, features_s = run_copydesk(docs, args.jobs)
        p, r = score(found, planted, also_copied)
        extra = working_memory(docs)
        natural = sum(1 for a, b in found if a.startswith("d") and b.startswith("d"))
        total = sign_s + lsh_s
        print(f"{n}\t{synthetic}\tcopydesk(jobs={args.jobs})\t{total:.1f}\t{n / total:.0f}\t{p:.3f}\t{r:.3f}\t"
              f"{peak_mb():.0f}\t{natural}", flush=True)
        print(f"#   signatures {sign_s:.1f}s, LSH + verification {lsh_s:.1f}s; the reuse analysis's features "
              f"(signatures and passage seeds together, not timed above) {features_s:.1f}s", flush=True)
        lsh_recall, below = reachable_recall(found, planted, docs)
        print(f"#   recall over the {len(planted) - below} planted pairs at or above the thresholds "
              f"(the other {below} fall below them by construction): {lsh_recall:.4f}", flush=True)
        print(f"#   working memory beyond the corpus (tracemalloc peak of a second, untimed run): "
              f"{extra / 2**20:.0f} MiB, {extra / n:.0f} bytes per document", flush=True)
        if args.compare:
            for name, runner in (("datasketch", run_datasketch), ("rensa", run_rensa)):
                try:
                    theirs, seconds = runner(docs, 0.3)
                except ImportError:
                    print(f"#   {name} is not installed (pip install {name})")
                    continue
                p, r = score(theirs, planted, also_copied)
                print(f"{n}\t{synthetic}\t{name}\t{seconds:.1f}\t{n / seconds:.0f}\t{p:.3f}\t{r:.3f}\t{peak_mb():.0f}\t-",
                      flush=True)


if __name__ == "__main__":
    main()
