"""Translation and spinning artifacts (category ``translation``, codes ``TRN0xx``).

Reused news is often laundered through a synonym spinner or a round trip through
machine translation. These checks find what that leaves behind: tortured phrases
(TRN001), words swapped inside fixed expressions when compared with a sibling copy
(TRN002), re-spelled names (TRN003), re-worded quotations (TRN004), and markers of
translated text (TRN005). Helpers live in the flat modules ``trn_lexicon``,
``trn_markers``, ``trn_align`` and ``trn_names``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

from copydesk import Analysis, Check, Document, Finding, Related, Severity, digest, hookimpl

from . import trn_align, trn_lexicon, trn_markers, trn_names
from .dup_batch import have_numpy
from .dup_kept import kept_pair_results, ragged, text_hashes

_STRING_LIST = {"type": "array", "items": {"type": "string"}}


class TorturedPhrase(Check):
    """A fixed expression with its words swapped for word-for-word synonyms ("assume tank" for "think tank").

    Why it matters: article spinners and paraphrasing tools launder copied text by
    replacing words with dictionary synonyms. Inside fixed expressions (names of
    institutions, titles, idioms, technical terms) the result is English no editor
    would write: "Heart for Strategic" for "Center for Strategic", "known as on" for
    "called on", "counterfeit consciousness" for "artificial intelligence". One such
    phrase is strong evidence that the whole text was spun from someone else's.

    Example: "A Washington assume tank known as on the government to act" gives two
    findings: "assume tank" (expected "think tank") and "known as on" (expected
    "called on"). The suggestion is the expected phrase, inflected like the text.

    The built-in lexicon (plugins/tortured_phrases.tsv, about 950 entries written for
    copydesk) is matched by words, ignoring case for lower-case entries and folding
    -s/-es/-ed/-ing. Add entries with ``phrases: {"tortured phrase": "expected"}`` or
    with ``lexicons: [path, ...]``: tab-separated files, YAML/JSON mappings, or the
    Problematic Paper Screener JSON export (records with ``tortured`` and ``correct``).
    """

    code = "TRN001"
    name = "tortured-phrase"
    category = "translation"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "properties": {
            "builtin": {"type": "boolean", "default": True, "description": "Use the lexicon shipped with copydesk."},
            "lexicons": {
                **_STRING_LIST, "default": [],
                "description": "Extra lexicon files (.tsv: tortured<TAB>expected; .json/.yaml: mapping or "
                "list of {tortured, expected|correct}, e.g. the Problematic Paper Screener export). "
                "Paths are relative to the working directory.",
            },
            "phrases": {
                "type": "object", "additionalProperties": {"type": "string"}, "default": {},
                "description": "Extra entries inline: {tortured phrase: expected phrase}.",
            },
            "ignore": {**_STRING_LIST, "default": [], "description": "Tortured phrases never to report."},
            "exclude_domains": {
                **_STRING_LIST, "default": [],
                "description": "Built-in lexicon domains to leave out (e.g. technology, medicine, institution, idiom).",
            },
        },
        "additionalProperties": False,
    }

    def setup(self) -> None:
        matcher = trn_lexicon.build_matcher(
            self.options["builtin"], self.options["lexicons"], self.options["phrases"], self.options["ignore"]
        )
        excluded = set(self.options["exclude_domains"])
        if excluded:
            kept = trn_lexicon.PhraseMatcher()
            for entry in matcher.entries:
                if entry.domain not in excluded:
                    kept.add(entry)
            matcher = kept.finish()
        self.matcher = matcher

    def check_document(self, document):
        for match in self.matcher.find(document.text, document.tokens):
            entry = match.entry
            found = document.text[match.start : match.end]
            yield self.finding(
                document,
                (match.start, match.end),
                f"tortured phrase \"{found}\": a word-for-word synonym swap of the fixed expression "
                f"\"{match.suggestion}\"",
                suggestion=match.suggestion,
                data={"expected": entry.expected, "lexicon": entry.source, "domain": entry.domain},
            )


class Translationese(Check):
    """Markers of translated text: calques, untranslated foreign text, mojibake.

    Why it matters: a story copied from a foreign-language outlet and run through
    machine translation keeps traces of its origin: constructions copied word for
    word ("since two years", "3,5 million", „German quotes“), sentences or phrases left
    in the original language or script, and text decoded with the wrong encoding
    ("donâ€™t"). Each is small, but together they show the text was not written in
    English by the outlet that publishes it. Severity is info: every marker also has
    innocent causes.

    Example: "Prices have risen since two years, by 3,5 percent." gives two findings:
    "since two years" (suggestion "for two years") and "3,5" (suggestion "3.5").
    "Xi Jinping (習近平)" gives nothing: a name in its original script in brackets
    next to the romanised name is normal. "The cafÃ© closed" is flagged as mojibake
    with the suggestion "é".

    Optional extras: with ``ftfy`` installed, mojibake repairs cover more cases; with
    ``lingua-language-detector`` installed, sentences in languages that the built-in
    function-word lists do not cover (Polish, Czech, Turkish...) are found too.
    """

    code = "TRN005"
    name = "translationese"
    category = "translation"
    severity = Severity.INFO
    options_schema = {
        "type": "object",
        "properties": {
            "markers": {
                "type": "array",
                "items": {"enum": ["calque", "foreign-script", "foreign-language", "mojibake"]},
                "default": ["calque", "foreign-script", "foreign-language", "mojibake"],
                "description": "Which kinds of marker to report.",
            },
            "min_foreign_letters": {
                "type": "integer", "minimum": 1, "default": 4,
                "description": "Shortest run of letters in another alphabet to report (scripts without "
                "spaces, such as Chinese, need 2 characters).",
            },
            "min_sentence_words": {
                "type": "integer", "minimum": 3, "default": 5,
                "description": "Shortest sentence (in words) tested for being in another language.",
            },
            "use_language_detector": {
                "type": "boolean", "default": True,
                "description": "Use lingua-language-detector when it is installed.",
            },
        },
        "additionalProperties": False,
    }

    def check_document(self, document):
        kinds = set(self.options["markers"])
        text = document.text
        sources = []
        if "mojibake" in kinds:
            sources.append(trn_markers.find_mojibake(text))
        if "foreign-script" in kinds:
            sources.append(trn_markers.find_foreign_script(text, self.options["min_foreign_letters"]))
        if "foreign-language" in kinds:
            sources.append(trn_markers.find_foreign_language(
                text, document.sentences, self.options["min_sentence_words"], self.options["use_language_detector"]
            ))
        if "calque" in kinds:
            sources.append(trn_markers.find_calques(text))
        for markers in sources:
            for marker in markers:
                yield self.finding(
                    document,
                    (marker.start, marker.end),
                    marker.message,
                    suggestion=marker.suggestion,
                    data={"marker": marker.kind, "detail": marker.detail},
                )


def lowercase_words(text: str) -> list[str]:
    """The folded words a text writes all in lower case (a per-document feature, cached)."""
    return sorted({trn_lexicon.fold(t.text) for t in Document("-", text).tokens if t.text.islower()})


class LowercaseVocabulary(Analysis):
    """Every word that occurs all in lower case somewhere in the corpus (so is not a name).

    Result: a frozenset of folded words. Shared by TRN002-TRN004. The counts behind it
    are kept up to date across runs (``corpus.document_frequencies``): a warm run reads
    only the edited documents' words.
    """

    name = "lowercase-vocabulary"

    def compute(self, corpus) -> frozenset:
        return frozenset(corpus.document_frequencies("trn-lowercase-vocabulary/1", lowercase_words))


def lowercase_vocabulary(corpus) -> frozenset:
    return corpus.analysis("lowercase-vocabulary")


class _RecordedReads:
    """A read-only view of a set that remembers every membership question and its answer."""

    def __init__(self, base):
        self.base = base
        self.answers: dict[str, bool] = {}

    def __contains__(self, item) -> bool:
        answer = item in self.base
        self.answers[item] = answer
        return answer


def _cluster_findings(check, corpus, clusters, vocabulary, judge):
    """``judge(cluster, corpus, vocabulary)``'s findings for each cluster, from the incremental cache where possible.

    A cluster's findings depend on its members' texts, its canonical document, the
    check's options and code, and the answers to the vocabulary questions it asked.
    The entry keeps those answers (the words found, the words not found); it is reused
    when the texts are the same and every recorded question gets the same answer from
    this run's vocabulary (exact: what a fresh judgement would find), so a
    warm run judges only clusters an edit touched.
    """
    cache = corpus.cache
    words = vocabulary if isinstance(vocabulary, (set, frozenset)) else frozenset(vocabulary)
    settings = json.dumps([check.options, str(check.effective_severity)], sort_keys=True, default=str)
    keys = [digest(settings, cluster.canonical, *(f"{m}:{corpus[m].sha256}" for m in cluster.members))
            for cluster in clusters]
    namespace = corpus.cache_namespace(f"{check.code}-clusters/2", type(check))
    stored = cache.get_many(namespace, keys) if cache is not None else {}
    fresh = {}
    for cluster, key in zip(clusters, keys):
        entry = stored.get(key)
        # the words it asked about, found and not found: answered again by two set operations in C
        if entry is not None and words.issuperset(entry["known"]) and words.isdisjoint(entry["unknown"]):
            yield from (Finding.from_json(item) for item in entry["findings"])
            continue
        recorder = _RecordedReads(vocabulary)
        found = list(judge(cluster, corpus, recorder))
        fresh[key] = {"known": [word for word, answer in recorder.answers.items() if answer],
                      "unknown": [word for word, answer in recorder.answers.items() if not answer],
                      "findings": [finding.to_json() for finding in found]}
        yield from found
    if cache is not None and fresh:
        cache.put_many(namespace, fresh)


def _story_clusters(corpus):
    reuse = corpus.analysis("reuse")
    return reuse, [c for c in reuse.story_clusters if len(c.members) > 1]


class SpunSubstitution(Check):
    """Words swapped inside a name or fixed expression, compared with a sibling copy of the same text.

    Why it matters: a spinner launders a copied story by swapping words for synonyms.
    Ordinary paraphrase changes words too, but it leaves names and fixed expressions
    alone; a spinner does not know what they are. Where two documents share a passage,
    copydesk aligns their words and reports swaps that break a capitalised name
    ("State Department" became "State Division") or a collocation that recurs across
    the corpus ("think tank" became "assume tank"). No lexicon is needed, so it finds
    spinner output that TRN001's lexicon lacks.

    Example: ``a.txt`` and ``c.txt`` say "a State Department official said", and
    ``b.txt``, which shares a passage with ``a.txt``, says "a State Division official
    said". ``b.txt`` is flagged at "Division", with ``a.txt``'s "Department" as the
    related span and the suggestion. The spun side is the one whose wording does not
    recur elsewhere in the corpus; without such evidence, the side the pair's other
    swaps point to; and for a pair with several broken names and no other evidence,
    the copy of the story cluster's canonical (earliest, else longest) document.
    Ordinary paraphrase ("said" and "stated") is not reported.
    """

    code = "TRN002"
    requires_analyses = ("reuse", "lowercase-vocabulary")
    name = "spun-substitution"
    category = "translation"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "properties": {
            "max_words": {
                "type": "integer", "minimum": 1, "maximum": 6, "default": 3,
                "description": "Longest swapped stretch (in words, on either side) considered a substitution.",
            },
            "min_pmi": {
                "type": "number", "minimum": 0, "default": 3.0,
                "description": "On corpora of 50,000 words or more: how much more often than chance "
                "(natural-log PMI) the original side's words must occur together to count as a fixed expression.",
            },
            "min_verbatim": {
                "type": "number", "minimum": 0, "maximum": 1, "default": 0.65,
                "description": "Spinning signature: share of the shared passages' words left identical.",
            },
            "min_swaps_per_100": {
                "type": "number", "minimum": 0, "default": 2.0,
                "description": "Spinning signature: word swaps per 100 words of shared passage. Pairs with "
                "the signature have their swapped collocations reported, not only broken names.",
            },
        },
        "additionalProperties": False,
    }

    def check_corpus(self, corpus):
        reuse = corpus.analysis("reuse")
        substitutions, stats = self._substitutions(corpus, reuse.passages)
        if not substitutions:
            return

        def canonical_of(doc_id):
            cluster = reuse.story_cluster_of(doc_id)
            return cluster.canonical if cluster else None

        # one finding per spun span, pointing at every sibling wording it was compared with
        by_span: dict[tuple[str, int, int], list] = defaultdict(list)
        settings = trn_align.Settings(
            min_pmi=self.options["min_pmi"],
            min_verbatim=self.options["min_verbatim"],
            min_swaps_per_100=self.options["min_swaps_per_100"],
        )
        vocabulary = lowercase_vocabulary(corpus)
        for sub in trn_align.judge(corpus, substitutions, stats, canonical_of, vocabulary, settings):
            spun, original = (sub.a, sub.b) if sub.spun == sub.a.doc else (sub.b, sub.a)
            by_span[(spun.doc, spun.span.start, spun.span.end)].append((sub, spun, original))
        for (doc_id, start, end), items in sorted(by_span.items()):
            sub, spun, original = items[0]
            document = corpus[doc_id]
            source = corpus[original.doc]
            mine = spun.text(document.text)
            theirs = original.text(source.text)
            what = "a name" if sub.kind == "name" else "a fixed expression"
            related = []
            for other_sub, _, other in items:
                if all(r.document != other.doc for r in related):
                    related.append(Related(other.doc, other.span, round(other_sub.similarity, 3)))
            yield self.finding(
                document,
                (start, end),
                f"spun wording \"{mine}\" inside {what}: {original.doc} has \"{theirs}\" "
                f"in the same passage ({sub.evidence})",
                related=related,
                suggestion=theirs,
                data={"kind": sub.kind, "original": theirs, "evidence": sub.evidence},
                anchor=f"{mine}|{theirs}",
            )


    def _substitutions(self, corpus, passages):
        """Word swaps in every shared passage, and each document pair's alignment statistics.

        A pair's swaps depend only on its two texts and their shared passages: they are kept
        in the incremental cache by both texts' digests and the passages' spans, so a warm
        run compares again only the pairs with an edited text.
        """
        by_pair: dict[tuple[str, str], list] = defaultdict(list)
        for passage in passages:
            by_pair[tuple(sorted((passage.a, passage.b)))].append(passage)
        if corpus.cache is not None and have_numpy():
            return self._substitutions_kept(corpus, by_pair)
        return self._substitutions_of(corpus, by_pair, list(by_pair), keep_each=True)

    def _substitutions_of(self, corpus, by_pair, pairs, keep_each: bool):
        """:meth:`_substitutions` of the document pairs ``pairs`` (keys of ``by_pair``), each
        pair's result kept in the cache on its own when ``keep_each``."""
        max_words = self.options["max_words"]
        keys = {}
        for pair in pairs:
            found = by_pair[pair]
            # the ids too: the entry names the documents (two copies of one text are two pairs)
            keys[pair] = digest(str(max_words), pair[0], corpus[pair[0]].sha256, pair[1], corpus[pair[1]].sha256,
                                *(f"{p.a}:{p.a_span.start}:{p.a_span.end}:{p.b_span.start}:{p.b_span.end}:"
                                  f"{p.verbatim_share}" for p in found))
        namespace = corpus.cache_namespace("trn002-pairs/1", trn_align.substitutions_in_passage)
        stored = corpus.cache.get_many(namespace, keys.values()) if corpus.cache is not None else {}
        index = trn_align.WordIndex()
        substitutions: list = []
        stats: dict[tuple[str, str], trn_align.PairStats] = {}
        fresh = {}
        for pair in pairs:
            found = by_pair[pair]
            if keys[pair] in stored:
                pair_subs, stats[pair] = trn_align.pair_from_json(stored[keys[pair]])
            else:
                pair_subs, stats[pair] = [], trn_align.PairStats()
                for passage in found:
                    pair_subs.extend(trn_align.substitutions_in_passage(
                        passage, corpus[passage.a], corpus[passage.b], index, max_words, stats[pair]))
                if corpus.cache is not None:
                    fresh[keys[pair]] = trn_align.pair_to_json(pair_subs, stats[pair])
            substitutions.extend(pair_subs)
        if corpus.cache is not None and fresh and keep_each:
            corpus.cache.put_many(namespace, fresh)
        return substitutions, stats

    def _substitutions_kept(self, corpus, by_pair):
        """:meth:`_substitutions` with the pairs of the last full run read from one
        :class:`~copydesk.plugins.dup_kept.PairTable` instead of an entry each (100,000
        documents: about 200,000 pairs share passages, and their keys, lookups and decoding
        took 7 s of a warm run; few pairs have swaps, so most rows are three numbers).

        A row is found by both texts' hashes, the second mixed with a hash of the pair's
        passages, which the texts and the reuse analysis's options determine. Swaps are
        kept as JSON with their documents as 0 and 1 (the pair's first and second), so a
        row serves the same texts under other names."""
        import numpy as np

        pairs = list(by_pair)
        # each document's text hash once (a document is in many pairs)
        in_pairs = list(dict.fromkeys(doc_id for pair in pairs for doc_id in pair))
        hash_of = dict(zip(in_pairs, text_hashes(corpus[doc_id] for doc_id in in_pairs).tolist()))
        firsts = np.array([hash_of[a] for a, _ in pairs], dtype=np.uint64)
        passages = np.array([hash(tuple((p.a == pair[0], p.a_span.start, p.a_span.end, p.b_span.start, p.b_span.end,
                                         p.verbatim_share) for p in by_pair[pair])) for pair in pairs], dtype=np.int64)
        others = np.array([hash_of[b] for _, b in pairs], dtype=np.uint64) ^ passages.view(np.uint64)

        def compute(indices, keep_each: bool):
            chosen = [pairs[k] for k in indices.tolist()]
            found, stats = self._substitutions_of(corpus, by_pair, chosen, keep_each)
            of_pair = defaultdict(list)
            for sub in found:
                of_pair[tuple(sorted((sub.a.doc, sub.b.doc)))].append(sub)
            payloads = [_roles_json(of_pair[pair], pair) if of_pair[pair] else b"" for pair in chosen]
            counts = np.array([[stats[pair].words, stats[pair].equal, stats[pair].swaps] for pair in chosen],
                              dtype=np.int64).reshape(-1, 3)
            return ({"words": counts[:, 0], "equal": counts[:, 1], "swaps": counts[:, 2]},
                    ragged([len(payload) for payload in payloads]),
                    {"payload": np.frombuffer(b"".join(payloads), dtype=np.uint8)})

        # the passages' hash is Python's tuple hash: stable for ints, floats and bools, but only
        # promised within one Python version
        namespace = corpus.cache_namespace(
            f"trn002-table/1/{self.options['max_words']}/{sys.version_info[0]}.{sys.version_info[1]}",
            trn_align.substitutions_in_passage)
        columns, indptr, rows = kept_pair_results(
            corpus.cache, namespace, firsts, others, {"words": "<i8", "equal": "<i8", "swaps": "<i8"},
            {"payload": ("<u1", 1)}, compute)
        substitutions = []
        payload, bounds = rows["payload"].tobytes(), indptr.tolist()
        stats = {}
        having = []
        for k, (pair, words, equal, swaps) in enumerate(zip(pairs, columns["words"].tolist(),
                                                            columns["equal"].tolist(), columns["swaps"].tolist())):
            stats[pair] = trn_align.PairStats(words, equal, swaps)
            if bounds[k + 1] > bounds[k]:
                having.append(k)
        # every pair's swaps read in one JSON text (one parse per pair took most of the reading)
        every = json.loads(b"[" + b",".join(payload[bounds[k]:bounds[k + 1]] for k in having) + b"]") if having else []
        for k, data in zip(having, every):
            substitutions.extend(_from_roles_data(data, pairs[k]))
        return substitutions, stats


def _roles_json(substitutions: list, pair: tuple[str, str]) -> bytes:
    """A pair's substitutions as JSON with each side's document as its place in ``pair`` (0 or 1)."""
    data = trn_align.pair_to_json(substitutions, trn_align.PairStats())["substitutions"]
    for a, b, _, _ in data:
        a[0], b[0] = pair.index(a[0]), pair.index(b[0])
    # ASCII with escapes: any text reads back as it was, lone surrogates included
    return json.dumps(data, separators=(",", ":")).encode("ascii")


def _from_roles_json(raw: bytes, pair: tuple[str, str]) -> list:
    return _from_roles_data(json.loads(raw), pair)


def _from_roles_data(data: list, pair: tuple[str, str]) -> list:
    """The substitutions of :func:`_roles_json`'s value (read back), named after ``pair``."""
    for a, b, _, _ in data:
        a[0], b[0] = pair[a[0]], pair[b[0]]
    return trn_align.pair_from_json({"stats": [0, 0, 0], "substitutions": data})[0]


class NameVariant(Check):
    """The same person or organisation spelled differently across copies of one story.

    Why it matters: machine translation and re-transliteration re-spell names
    ("Zelenskiy" and "Zelensky", "Sergei" and "Sergey", a changed syllable). In one
    story cluster the spellings should agree; a minority spelling shows a text that
    went through another language, or a plain error that a copy editor should fix.

    Example: ``a.txt`` and ``b.txt`` quote "Foreign Minister Sergei Lavrov", and
    ``c.txt``, on the same story, has "Foreign Minister Sergei Lavrow". ``c.txt`` is
    flagged at "Lavrow" with the suggestion "Lavrov" and ``a.txt``'s mention as the
    related span. Spellings are matched when they play the same role (the same first
    name or title beside them) or sound alike, and are close in letters; a document
    that uses both spellings is left alone (two people may share a first name).
    """

    code = "TRN003"
    requires_analyses = ("reuse", "lowercase-vocabulary")
    name = "name-variant"
    category = "translation"
    severity = Severity.WARNING
    options_schema = {"type": "object", "properties": {}, "additionalProperties": False}

    def check_corpus(self, corpus):
        reuse, clusters = _story_clusters(corpus)
        if not clusters:
            return
        yield from _cluster_findings(self, corpus, clusters, lowercase_vocabulary(corpus), self._judge)

    def _judge(self, cluster, documents, vocabulary):
        for variant in trn_names.name_variants(cluster, documents, vocabulary):
            yield self.finding(
                variant.doc,
                variant.span,
                f"name spelled \"{variant.minority}\" here but \"{variant.majority}\" in "
                f"{variant.majority_docs} other document(s) of the same story "
                f"({'beside ' + repr(variant.context) if variant.context != 'similar sound' else 'similar sound'})",
                related=[Related(variant.related_doc, variant.related_span)],
                suggestion=variant.majority,
                data={"spelling": variant.minority, "majority": variant.majority,
                      "documents_with_majority": variant.majority_docs},
                anchor=f"{variant.minority}|{variant.majority}",
            )


class AlteredQuote(Check):
    """A direct quotation whose words differ from the same quotation in sibling copies of the story.

    Why it matters: a quotation is the speaker's exact words. Copies of a story that
    went through a spinner or a round trip through machine translation come back
    with the quotation re-worded ("a strong conversation" became "a robust
    conversation"), which misquotes the speaker while still using quotation marks.

    Example: ``a.txt`` and ``b.txt`` report Mayor Ruth Okafor saying "We will rebuild
    every school that the storm destroyed", and ``c.txt`` has her saying "We will
    reconstruct every school that the storm ruined". ``c.txt``'s quotation is flagged;
    the related span is ``a.txt``'s quotation and the suggestion its wording. Quotes
    are matched by shared content words and speaker (names around the quotation); a
    quotation cut short or extended is not a re-wording, and differences of
    punctuation or case are ignored. The majority wording wins; a tie goes to the
    cluster's canonical document.
    """

    code = "TRN004"
    requires_analyses = ("reuse", "lowercase-vocabulary")
    name = "altered-quote"
    category = "translation"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "properties": {
            "min_words": {
                "type": "integer", "minimum": 2, "default": 5,
                "description": "Shortest quotation (in words) compared across documents.",
            },
            "min_overlap": {
                "type": "number", "minimum": 0, "maximum": 1, "default": 0.5,
                "description": "Share of the shorter quotation's content words the two must share to be "
                "the same quotation.",
            },
        },
        "additionalProperties": False,
    }

    def check_corpus(self, corpus):
        reuse, clusters = _story_clusters(corpus)
        if not clusters:
            return
        yield from _cluster_findings(self, corpus, clusters, lowercase_vocabulary(corpus), self._judge)

    def _judge(self, cluster, documents, vocabulary):
        for altered in trn_names.altered_quotes(
            cluster, documents, vocabulary, self.options["min_words"], self.options["min_overlap"]
        ):
            quote, reference = altered.quote, altered.reference
            theirs = documents[reference.doc].text[reference.span.start : reference.span.end]
            shown = "; ".join(f"\"{mine}\" for \"{other}\"" if mine and other else
                              (f"adds \"{mine}\"" if mine else f"drops \"{other}\"")
                              for mine, other in altered.differing[:3])
            yield self.finding(
                quote.doc,
                quote.span,
                f"quotation re-worded compared with {reference.doc} "
                f"({altered.reference_docs} document(s) agree on its wording): {shown}",
                related=[Related(reference.doc, reference.span)],
                suggestion=theirs,
                data={"differences": [list(d) for d in altered.differing]},
            )


@hookimpl
def copydesk_register_checks():
    # TRN002-TRN004 read the duplication plugin's shared "reuse" analysis
    return [TorturedPhrase, SpunSubstitution, NameVariant, AlteredQuote, Translationese]


@hookimpl
def copydesk_register_analyses():
    return [LowercaseVocabulary]
