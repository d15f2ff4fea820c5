"""Off-topic content (category ``off-topic``, codes ``TOP0xx``).

Scraped and syndicated text carries passengers: the next story on the page
glued to the end of this one, captions and credits, kickers and bylines run
into the text, teasers cut off mid-sentence, whole documents that have nothing
to do with the corpus. See docs/offtopic.md for how each check decides.
"""

from __future__ import annotations

import functools
import hashlib
import json
import statistics
import uuid
from collections import defaultdict

from copydesk import Check, Document, Finding, Related, Severity, Span, digest, hookimpl
from copydesk.plugins.top_lines import cut_ending, fold_line, line_boilerplate, words
from copydesk.plugins.top_story import (
    LeadIndex,
    StoryText,
    find_foreign_run,
    foreign_terms,
    kept_index,
    kept_rows,
    sibling_relative,
    sibling_support,
    story_from_json,
    story_units_of_text,
    topic_support,
)
from copydesk.plugins.top_terms import IdfModel, dot, stem, term_bag, top_terms


def _reuse(corpus):
    """The shared reuse analysis when some plugin registers it, else None."""
    try:
        return corpus.analysis("reuse")
    except KeyError:
        return None


def _generation_idf(corpus, name: str, bags) -> tuple[IdfModel, str]:
    """The IDF as fitted on ``bags()`` at the start of the statistics generation (every run
    without a cache), and a token naming that fit: what is kept per generation records the
    fit it was weighed with, so a refit (a lost cache entry) never meets rows of another."""
    fitted = corpus.fitted(name, lambda: dict(IdfModel.fit(bags()).to_json(), token=uuid.uuid4().hex))
    return IdfModel.from_json(fitted), str(fitted.get("token"))


class _Stories(dict):
    """Documents' story units (id -> StoryText), read when first asked for: from the incremental
    cache for unchanged texts, else computed in workers. :meth:`load` reads many at once."""

    def __init__(self, corpus, documents):
        super().__init__()
        self._corpus = corpus
        self._documents = {doc.id: doc for doc in documents}

    def load(self, ids):
        """Read the stories of ``ids`` not read yet (one cache lookup for all); returns ``ids``."""
        todo = [self._documents[doc_id] for doc_id in dict.fromkeys(ids) if doc_id not in self]
        if todo:
            for doc, data in zip(todo, self._corpus.per_document("top-story-units/1", story_units_of_text, todo)):
                self[doc.id] = story_from_json(doc, data)
        return ids

    def __missing__(self, doc_id: str):
        self.load([doc_id])
        return dict.__getitem__(self, doc_id)


def _lead_row(story, idf) -> list:
    """What TOP001 keeps of a document per statistics generation: its paragraphs of running
    text, its words, and its lead's heaviest terms (before the postings filter them)."""
    return [len(story.units), story.words, top_terms(LeadIndex.lead_vector(story, idf), 15)]


class _Bags(dict):
    """Each story's bag of terms (story id -> Counter), made when first asked for: a warm
    run with a kept lead index needs those of a few documents only."""

    def __init__(self, stories):
        super().__init__()
        self._stories = stories

    def __missing__(self, doc_id: str):
        bag = self[doc_id] = self._stories[doc_id].bag()
        return bag


def _quote(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


# ----------------------------------------------------------------------- TOP001


class OffTopicPassage(Check):
    """A paragraph or run of paragraphs whose subject departs from the document's own story.

    Why it matters: scraped and syndicated pages glue the next story, a teaser
    or a related aside onto the article; the passenger then counts as part of
    the story in every statistic and every model trained on the corpus.

    Example: an article about talks between the US, South Korea and China ends
    with three paragraphs about a president's stopover in Hawaii and an arms
    sale; the three paragraphs are reported as one run (warning: almost none of
    their names and topic words occur in the story). A closing paragraph of
    background that shares some of the story's names is at most ``info``.
    The story is modelled from the document's lead and body, and from its
    other versions in the corpus when the shared ``reuse`` analysis links any;
    the run is the best split of the text (a change point), not a vote of
    paragraphs one by one.
    """

    code = "TOP001"
    name = "off-topic-passage"
    category = "off-topic"
    severity = Severity.WARNING
    uses_analyses = ("reuse",)  # its story groups, when the duplication plugin is on
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "unrelated_below": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.2,
                                "description": "A run whose term coverage by the story is below this share of the story's own paragraphs' is an unrelated story (the check's severity)."},
            "aside_below": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.35,
                            "description": "Below this share, a run at the end or start is a related aside (info); runs inside the text need the unrelated level."},
            "versions_aside_below": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6,
                                     "description": "With two or more other versions of the story in the corpus: a run at the end or start that they cover below this share of the rest is a related aside (info)."},
            "min_contrast": {"type": "number", "minimum": 0, "default": 2.5,
                             "description": "Smallest t statistic between the story's paragraphs and the run for any finding."},
            "min_units": {"type": "integer", "minimum": 3, "default": 4,
                          "description": "Documents with fewer paragraphs of running text are not judged."},
            "min_words": {"type": "integer", "minimum": 1, "default": 120,
                          "description": "Documents with fewer words of running text are not judged."},
            "short_document_units": {"type": "integer", "minimum": 3, "default": 6,
                                     "description": "Documents with fewer paragraphs than this get at most info."},
            "use_siblings": {"type": "boolean", "default": True,
                             "description": "Model the story from the document's other versions in the corpus too (shared reuse analysis)."},
            "topic_neighbours": {"type": "integer", "minimum": 0, "maximum": 50, "default": 5,
                                 "description": "Also model the story's topic from this many corpus documents closest to its lead (0: off)."},
            "neighbour_weight": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5,
                                 "description": "How much a term used by the lead's topical neighbours counts as part of the story (a term of the text itself counts 1)."},
            "section_units": {"type": "integer", "minimum": 20, "default": 200,
                              "description": "A document with more paragraphs than this is searched in overlapping sections of this many (the search is quadratic in a section's length, linear in the number of sections)."},
        },
    }

    def check_corpus(self, corpus):
        o = self.options
        nonempty = [doc for doc in corpus if doc.text and not doc.text.isspace()]
        ids = [doc.id for doc in nonempty]
        # story units: read when needed (a warm run needs those of changed and re-judged documents)
        stories = _Stories(corpus, nonempty)
        bags = _Bags(stories)
        idf, token = _generation_idf(corpus, "top001-idf/1", lambda: (bags[d] for d in stories.load(ids)))
        reuse = _reuse(corpus) if o["use_siblings"] else None
        # kept per generation, rows replaced for changed documents: the topic neighbours' index,
        # and each document's paragraphs, words and the heaviest terms of its lead
        index = kept_index(corpus, "top001-lead-index/1", ids, lambda need: {d: bags[d] for d in stories.load(need)},
                           idf, token) if o["topic_neighbours"] else None
        leads = kept_rows(corpus, "top001-leads/1", ids, token,
                          lambda need: {d: _lead_row(stories[d], idf) for d in stories.load(need)})
        judged = [doc_id for doc_id in ids if leads[doc_id][0] >= o["min_units"] and leads[doc_id][1] >= o["min_words"]]
        known = set(ids)
        siblings_of = {doc_id: sorted(known & {other for other, _, _ in reuse.linked(doc_id)}) if reuse else []
                       for doc_id in judged}
        # a document's findings depend on its text, its siblings' texts, the generation's IDF and
        # its topic neighbours' texts. The entry keeps the neighbours, the lead terms they were
        # searched by and the last one's cosine. It is reused as is when the lead terms are the
        # same, every neighbour is unchanged and no document added or edited in this generation
        # (in any of its runs) that is now a candidate reaches the last neighbour's cosine (it
        # could not enter the list); otherwise the neighbours are searched again, and the findings still reused
        # when they are the same documents with the same texts. Either way: what judging again
        # with the generation's statistics would give.
        keys = self._judgement_keys(corpus, judged, siblings_of)
        # the leads' vectors, kept per generation like the index (written when it starts): a
        # warm run measures newcomers against leads without reading their stories (100,000
        # documents, 100 edited: ~20,000 leads to measure, their stories 2 s to read)
        leads_index = kept_index(corpus, "top001-lead-vectors/1", judged,
                                 lambda need: {d: LeadIndex.lead_bag(stories[d]) for d in stories.load(need)},
                                 idf, token, top=1) if index is not None and corpus.cache is not None else None
        namespace = corpus.cache_namespace(f"top001-judgements/3@{corpus.generation.id}", type(self))
        stored = corpus.cache.get_many(namespace, keys.values()) if corpus.cache is not None else {}
        entrants = self._entrants(corpus, index) if stored else {}

        held = set(index.postings) if index is not None else set()  # one set lookup a term, not a mapping's

        def terms_of(doc_id):  # the lead's heaviest terms that have postings
            return [term for term in leads[doc_id][2] if term in held]

        # first the entries that hold without reading the story, then those whose newcomers
        # are to be measured against the lead, then the documents to judge again
        again, to_measure = [], []
        found_in: dict[str, list] = {}  # findings by document, given out in the documents' order
        for doc_id in judged:
            entry = stored.get(keys[doc_id])
            if entry is None or not self._entry_holds(corpus, entry, terms_of(doc_id)):
                again.append(doc_id)
                continue
            newcomers = self._newcomers(doc_id, entry, terms_of(doc_id), entrants)
            if newcomers:
                to_measure.append((doc_id, newcomers))
                continue
            found_in[doc_id] = [Finding.from_json(item) for item in entry["findings"]]
        if to_measure:
            bars = {doc_id: stored[keys[doc_id]]["last"] for doc_id, _ in to_measure}
            reached = self._reached(to_measure, bars, index, leads_index)
            for doc_id, _ in to_measure:
                if doc_id in reached:
                    again.append(doc_id)
                else:
                    found_in[doc_id] = [Finding.from_json(item) for item in stored[keys[doc_id]]["findings"]]
        stories.load([*again, *(s for doc_id in again for s in siblings_of[doc_id])])
        fresh = {}
        k = o["topic_neighbours"]
        for doc_id in again:
            story, key = stories[doc_id], keys[doc_id]
            entry = stored.get(key)
            support, siblings, versions, scored = self._context(story, siblings_of[doc_id], bags, idf, index)
            read = [[n, corpus[n].sha256] for n, _ in scored]
            if entry is not None and entry["neighbours"] == read:
                found = [Finding.from_json(item) for item in entry["findings"]]
            else:
                found = list(self._judge(story, support, siblings, versions, idf))
            last = scored[-1][1] if k and len(scored) == k else None
            fresh[key] = {"lead_terms": terms_of(doc_id), "neighbours": read, "last": last,
                          "findings": [finding.to_json() for finding in found]}
            found_in[doc_id] = found
        if corpus.cache is not None and fresh:
            corpus.cache.put_many(namespace, fresh)
        for doc_id in judged:
            yield from found_in[doc_id]

    def _judgement_keys(self, corpus, judged, siblings_of) -> dict[str, str]:
        """Per document: a digest of the settings, its text and its siblings' texts."""
        settings = json.dumps([self.options, str(self.effective_severity)], sort_keys=True)
        return {doc_id: digest(settings, doc_id, corpus[doc_id].sha256,
                               *(f"{s}:{corpus[s].sha256}" for s in siblings_of[doc_id]))
                for doc_id in judged}

    @staticmethod
    def _entrants(corpus, index) -> dict[str, list[str]]:
        """Term -> the documents added or edited in this generation whose postings hold it."""
        by_term: dict[str, list[str]] = defaultdict(list)
        if index is None:
            return by_term
        for doc_id in sorted(corpus.generation.touched_ids):
            row = index.row_of.get(doc_id)
            if row is not None:
                for term in index.tops_of(row):
                    if term in index.postings:
                        by_term[term].append(doc_id)
        return by_term

    @staticmethod
    def _entry_holds(corpus, entry, terms) -> bool:
        """The entry's lead terms are the lead's, and its neighbours are unchanged."""
        if entry["lead_terms"] != terms:
            return False
        return all(n in corpus and corpus[n].sha256 == sha for n, sha in entry["neighbours"])

    @staticmethod
    def _reached(to_measure, bars, index, leads_index) -> set[str]:
        """The documents of ``to_measure`` (pairs of a document and its newcomers) whose lead
        some newcomer is as close to as the entry's last neighbour (``bars``; None for a list
        shorter than ``topic_neighbours``: the smallest cosine that counts, 0.08): the newcomer
        could have entered the list, so the document is judged again.

        Measured newcomer by newcomer: its vector against the kept vectors of the leads that
        list it, in one array operation (a warm run has a few newcomers and thousands of leads).
        The sums run in another order than the neighbour search's, so a score within
        ``1e-9`` of the bar counts as reaching it (judging again is always exact)."""
        by_newcomer: dict[str, list[str]] = defaultdict(list)
        for doc_id, newcomers in to_measure:
            for newcomer in newcomers:
                by_newcomer[newcomer].append(doc_id)
        reached: set[str] = set()
        for newcomer, doc_ids in by_newcomer.items():
            vector = index.vector_of(index.row_of[newcomer])
            for doc_id, score in zip(doc_ids, leads_index.cosines_to(vector, doc_ids)):
                bar = bars[doc_id] if bars[doc_id] is not None else 0.08  # scored_neighbours' min_similarity
                if score >= bar - 1e-9:
                    reached.add(doc_id)
        return reached

    @staticmethod
    def _newcomers(doc_id, entry, terms, entrants) -> list[str]:
        """Documents added or edited in the generation, now candidates by the lead's terms, not
        among the entry's neighbours: one could have entered the list."""
        neighbours = {n for n, _ in entry["neighbours"]}
        return sorted({c for t in terms for c in entrants.get(t, ())} - neighbours - {doc_id})

    def _context(self, story, sibling_ids, bags, idf, index):
        """What the story is judged against: term support from its siblings and topic neighbours."""
        o = self.options
        support, kept = sibling_support(story, [bags[s] for s in sibling_ids])
        siblings = [sibling_ids[i] for i in kept]
        versions = dict(support) if len(siblings) >= 2 else {}
        scored = []
        if o["topic_neighbours"]:
            scored = index.scored_neighbours(story, idf, exclude={story.document.id, *siblings}, k=o["topic_neighbours"])
            for term, share in topic_support([bags[n] for n, _ in scored]).items():
                support[term] = max(support.get(term, 0.0), o["neighbour_weight"] * share)
        return support, siblings, versions, scored

    def _judge(self, story, support, siblings, versions, idf):
        o = self.options
        found = []
        for section, is_first, is_last in sections(story, o["section_units"]):
            split = find_foreign_run(section, idf, support)
            if split is None or split.score < o["min_contrast"]:
                continue
            kind = split.kind if is_last or split.kind != "tail" else "inner"
            severity = self._severity(split, kind, len(story.units), sibling_relative(section, idf, split, versions))
            if severity is not None:
                found.append((split.score, self._finding(section, idf, split, kind, support, siblings, severity, is_first)))
        yield from _without_overlaps(found)

    def _severity(self, split, kind: str, n_units: int, versions_relative: float | None) -> Severity | None:
        o = self.options
        relative = split.relative
        if relative < o["unrelated_below"]:
            strong = n_units >= o["short_document_units"] and (kind != "inner" or relative < o["unrelated_below"] * 0.7)
            return self.effective_severity if strong else Severity.INFO
        if kind == "inner":
            return None  # a paragraph inside the story that drifts is background, not a passenger
        if relative < o["aside_below"]:
            return Severity.INFO
        if versions_relative is not None and versions_relative < o["versions_aside_below"]:
            return Severity.INFO  # the other versions of the story do not tell this part
        return None

    def _finding(self, story, idf, split, kind, support, siblings, severity, at_start=True):
        doc = story.document
        first, last = story.units[split.start], story.units[split.end - 1]
        start, end = first.start, last.end
        paragraphs = doc.paragraphs
        if kind == "tail":  # what follows an appended story belongs to it
            end = paragraphs[-1].span.end
        # headings and furniture right before the run belong to it
        if split.start > 0:
            previous_end = story.units[split.start - 1].last
        else:  # the document's start, or the paragraph before this section
            previous_end = -1 if at_start else story.units[0].first - 1
        for p in paragraphs[previous_end + 1 : first.first]:
            start = min(start, p.span.start)
            break
        line_a, line_b = doc.line_col(start)[0], doc.line_col(max(start, end - 1))[0]
        where = f"line {line_a}" if line_a == line_b else f"lines {line_a}-{line_b}"
        terms = foreign_terms(story, idf, split, support)
        unrelated = severity > Severity.INFO or split.relative < self.options["unrelated_below"]
        what = "another story" if unrelated else "a related aside"
        share = f"{split.run_coverage:.0%} of its key terms occur in the story (against {split.main_coverage:.0%} for the story's own paragraphs)"
        names = f"; it is about {', '.join(terms)}" if terms else ""
        message = (f"{where} ({_quote(doc.text[start:end], 50)}) read as {what}: only {share}{names}; "
                   f"expected the text to stay on the story of its lead")
        related = [Related(s, None, None) for s in siblings[:5]]
        return self.finding(
            doc, Span(start, end), message, severity=severity, related=related,
            suggestion="cut the passage, or split it into its own document",
            data={"paragraphs": [first.first, story.units[split.end - 1].last], "kind": kind,
                  "relative": round(split.relative, 4), "run_coverage": round(split.run_coverage, 4),
                  "main_coverage": round(split.main_coverage, 4), "contrast": round(split.score, 3),
                  "foreign_terms": terms, "siblings": len(siblings)},
            anchor=" ".join(doc.text[start:end].split()[:30]),
        )


def sections(story: StoryText, size: int):
    """``(section, is_first, is_last)``: the whole story when it has at most ``size`` units, else
    windows of ``size`` units overlapping by half, so that any run of up to ``size // 2``
    units lies whole inside one window. Each window is searched as if it were a text of
    its own: the search costs O(size^2) per window, so a document costs O(units * size)."""
    units = story.units
    if len(units) <= size:
        yield story, True, True
        return
    step = max(1, size // 2)
    start = 0
    while True:
        end = min(len(units), start + size)
        yield StoryText(story.document, units[start:end], story.surfaces), start == 0, end == len(units)
        if end == len(units):
            return
        start += step


def _without_overlaps(found):
    """The findings of overlapping sections, the strongest of each overlapping group, in text order."""
    kept = []
    for _, finding in sorted(found, key=lambda item: -item[0]):
        if all(finding.span.end <= other.span.start or other.span.end <= finding.span.start for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.span.start)


# ----------------------------------------------------------------------- TOP002

_WEAK_KINDS = {"dateline", "kicker", "separator"}
#: a repeated line's count of documents is given to two significant digits from here on
_ROUND_FROM = 100


def _about(count: int) -> int:
    """``count`` as a repeated line's finding gives it: exact below :data:`_ROUND_FROM`, else
    to two significant digits. A line held by thousands of documents changes count with
    nearly every corpus update; the exact number would change the finding (and the report's
    record) in each of those documents, for nothing a reader needs."""
    if count < _ROUND_FROM:
        return count
    return round(count, 2 - len(str(count)))
_KIND_TEXT = {
    "caption": "a photo caption or credit",
    "navigation": "a navigation or promotion line",
    "byline": "a byline",
    "timestamp": "a publication timestamp",
    "kicker": "a section label or kicker",
    "dateline": "a dateline",
    "header": "a page header (title, site, author) glued to the text",
    "separator": "a separator line",
    "repeated": "a line repeated across unrelated documents",
}


class Boilerplate(Check):
    """Page furniture in the text: captions, credits, kickers, bylines, navigation, repeated lines.

    Why it matters: a scraper keeps what sits around the article: "Photo: AFP",
    "Read more", "Share this article", the section label, the byline, the site's
    header. They are not part of the story and pollute counts, duplicates and
    any model trained on the text.

    Example: the line "Photo: AFP" between two paragraphs is reported as a
    caption; "REGIONAL STABILITY:" run into the start of a paragraph as a
    kicker (info); "Subscribe to our newsletter", found in many unrelated
    documents of the corpus, as a repeated line. Lines are judged by their
    form (short, not a sentence, label-colon, capitals, separators), a small
    list of generic web phrases, and how many unrelated documents repeat them.
    """

    code = "TOP002"
    name = "boilerplate"
    category = "off-topic"
    severity = Severity.WARNING
    uses_analyses = ("reuse",)  # its story groups, when the duplication plugin is on
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_documents": {"type": "integer", "minimum": 2, "default": 3,
                              "description": "A line repeated in at least this many documents of different stories is boilerplate."},
            "max_repeated_words": {"type": "integer", "minimum": 1, "default": 25,
                                   "description": "Longer repeated lines are shared passages (DUP003), not boilerplate."},
            "report_datelines": {"type": "boolean", "default": True,
                                 "description": "Report wire datelines (\"WASHINGTON —\") run into the lead, as info."},
        },
    }

    def check_corpus(self, corpus):
        holders: dict[str, list[tuple[str, Span]]] = defaultdict(list)
        flagged: set[tuple[str, int]] = set()
        # each document's furniture and short lines: from the incremental cache for unchanged texts
        found = corpus.per_document(f"top002-lines/1/{self.options['max_repeated_words']}",
                                    functools.partial(line_features, self.options["max_repeated_words"]))
        for doc, (pieces, lines) in zip(corpus, found):
            for kind, start, end in pieces:
                if kind == "dateline" and not self.options["report_datelines"]:
                    continue
                flagged.add((doc.id, start))
                yield self._furniture(doc, Span(start, end), kind)
            for folded, start, end in lines:
                if not holders[folded] or holders[folded][-1][0] != doc.id:
                    holders[folded].append((doc.id, Span(start, end)))
        story_of = self._story_grouping(corpus)
        for folded, places in holders.items():
            if len(places) < self.options["min_documents"]:
                continue
            if len({story_of(doc_id) for doc_id, _ in places}) < 2:
                continue  # copies of one story share lines; that is reuse, not furniture
            total = len(places)
            for at, (doc_id, span) in enumerate(places):
                if (doc_id, span.start) in flagged:
                    continue
                # three others: the places after this one (in corpus order, wrapping around).
                # Not the first three for every holder: a line in 40,000 documents made the
                # first holders' texts part of 40,000 findings, each to be made again when
                # one of those changed (the report's kept records, kept_records.py)
                others = [Related(*places[(at + k) % total], 1.0) for k in range(1, min(4, total))]
                yield self._furniture(corpus[doc_id], span, "repeated", total, others)

    def _furniture(self, doc, span, kind, count=0, related=()):
        text = doc.text[span.start:span.end]
        count = _about(count)
        detail = (f" (in about {count:,} documents)" if count >= _ROUND_FROM else f" (in {count} documents)") if count else ""
        severity = Severity.INFO if kind in _WEAK_KINDS else None
        return self.finding(
            doc, span, f"“{_quote(text)}” is {_KIND_TEXT[kind]}{detail}, not part of the story; expected article text only",
            related=related, severity=severity, suggestion="remove it from the text",
            data={"kind": kind, **({"documents": count} if count else {})},
        )

    def _story_grouping(self, corpus):
        """A function doc id -> story key: the reuse story cluster when available."""
        reuse = _reuse(corpus)
        if reuse is not None:
            def story_of(doc_id):
                cluster = reuse.story_cluster_of(doc_id)
                return cluster.id if cluster is not None else doc_id
            return story_of
        return lambda doc_id: doc_id


def line_features(max_repeated_words: int, text: str) -> list:
    """A text's page furniture ``[kind, start, end]`` and its short lines ``[folded, start, end]``
    (character spans), for TOP002; a per-document feature kept in the incremental cache."""
    pieces, lines = [], []
    for paragraph in Document("-", text).paragraphs:
        for piece in line_boilerplate(paragraph.text, paragraph.index):
            pieces.append([piece.kind, paragraph.span.start + piece.start, paragraph.span.start + piece.end])
        n = len(words(paragraph.text))
        if 1 <= n <= max_repeated_words:
            folded = fold_line(paragraph.text)
            if folded:
                lines.append([folded, paragraph.span.start, paragraph.span.end])
    return [pieces, lines]


# ----------------------------------------------------------------------- TOP003


class TruncatedParagraph(Check):
    """A paragraph or document that ends mid-sentence: the mark of a cut teaser.

    Why it matters: a page that shows only the start of a story, or a scraper
    that cuts at a length, leaves a sentence without its end; the fragment
    misleads a reader and teaches a model that sentences end on "the".

    Example: a paragraph ending "…was the first time a Taiwanese president had
    been given such" is reported (it ends on "such", a word that cannot close a
    sentence); so is a long paragraph of prose without closing punctuation.
    Headings, bullet items and label lines are not judged; a text hard-wrapped
    in lines is judged at its paragraph ends only.
    """

    code = "TOP003"
    name = "truncated-paragraph"
    category = "off-topic"
    severity = Severity.WARNING

    def check_document(self, document):
        paragraphs = document.paragraphs
        if not paragraphs:
            return
        open_ends = {q.span.end for q in document.quotations if not q.closed}
        candidates = []
        running_on = 0
        for i, paragraph in enumerate(paragraphs):
            open_quote = paragraph.span.end in open_ends
            cut = cut_ending(paragraph.text, paragraph.index, open_quote)
            if cut is None:
                continue
            running_on += 1
            nxt = paragraphs[i + 1].text if i + 1 < len(paragraphs) else ""
            if not nxt[:1].islower():  # a lower-case next line continues the sentence: wrapped, not cut
                candidates.append((paragraph, cut))
        if self._wrapped(paragraphs, running_on):
            candidates = [(p, c) for p, c in candidates if p.index == len(paragraphs) - 1]
        for paragraph, cut in candidates:
            last = paragraph.index == len(paragraphs) - 1
            what = "the document" if last else "paragraph"
            yield self.finding(
                document, paragraph.span,
                f"{what} ends mid-sentence at “…{cut.last_words}”: it {cut.reason}; expected a complete sentence",
                suggestion="restore the rest of the sentence, or cut the fragment",
                data={"reason": cut.reason, "last_paragraph": last},
            )

    @staticmethod
    def _wrapped(paragraphs, cut_count: int) -> bool:
        """Lines of hard-wrapped prose without blank lines: most 'paragraphs' are cut."""
        prose = sum(1 for p in paragraphs if len(p.text.split()) >= 8)
        return prose >= 5 and cut_count >= 0.4 * prose


# ----------------------------------------------------------------------- TOP004


class OffTopicDocument(Check):
    """A document unrelated to the rest of its corpus, or to the topic the user declares.

    Why it matters: a corpus collected about one subject picks up strays (a
    sports result in a folder of diplomacy stories, a cookie notice saved as a
    page); they dilute every statistic about the subject.

    Example: in a folder of stories about North Korean troops in Russia, a
    recipe shares no distinctive term with any other document; it is reported
    with its best match and that match's similarity. With ``keywords`` or
    ``reference_documents`` set, a document is judged against that topic
    instead. Off by default for corpora of fewer than ``min_documents``.
    """

    code = "TOP004"
    name = "off-topic-document"
    category = "off-topic"
    severity = Severity.WARNING
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "keywords": {"type": "array", "items": {"type": "string"}, "default": [],
                         "description": "The corpus topic as keywords: a document using none of them is off-topic."},
            "reference_documents": {"type": "array", "items": {"type": "string"}, "default": [],
                                    "description": "The corpus topic as document ids: a document far from all of them is off-topic."},
            "reference_threshold": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.05,
                                    "description": "TF-IDF cosine to the reference documents below which a document is off-topic."},
            "min_documents": {"type": "integer", "minimum": 3, "default": 3,
                              "description": "Smaller corpora are not judged without a declared topic."},
            "max_similarity": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.05,
                               "description": "A document whose best TF-IDF cosine to any other is below this is unrelated."},
            "topical_median": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.15,
                               "description": "Judge only corpora about a few topics: the median best-match cosine must reach this."},
            "min_words": {"type": "integer", "minimum": 1, "default": 40,
                          "description": "Shorter documents are not judged."},
        },
    }

    def check_corpus(self, corpus):
        o = self.options
        # each document's words, kept per generation (counting 100,000 texts' words took ~0.8 s)
        counts = kept_rows(corpus, "top004-words/1", [d.id for d in corpus], "",
                           lambda need: {doc_id: len(corpus[doc_id].text.split()) for doc_id in need})
        docs = [d for d in corpus if counts[d.id] >= o["min_words"]]
        if o["keywords"]:
            yield from self._against_keywords(docs)
            return
        by_id = {d.id: d for d in corpus if d.text and not d.text.isspace()}
        counted: dict = {}

        def bags_of(ids):
            # per-document term counts: from the incremental cache for unchanged texts, else in workers
            todo = [doc_id for doc_id in ids if doc_id not in counted]
            counted.update(zip(todo, corpus.per_document("top-term-counts/1", term_bag, [by_id[d] for d in todo])))
            return {doc_id: counted[doc_id] for doc_id in ids}

        idf, token = _generation_idf(corpus, "top004-idf/1", lambda: bags_of(list(by_id)).values())
        # the TF-IDF rows weighed with it: kept per generation, replaced for changed documents
        index = TermIndex(kept_index(corpus, "top004-term-index/1", list(by_id), bags_of, idf, token, top=TOP_TERMS))
        if o["reference_documents"]:
            yield from self._against_references(docs, index)
        elif len(by_id) >= o["min_documents"]:
            yield from self._against_corpus(corpus, docs, index)

    def _against_keywords(self, docs):
        wanted = [[stem(w.casefold()) for w in words(k)] for k in self.options["keywords"]]
        wanted = [k for k in wanted if k]
        for doc in docs:
            present = {stem(w.casefold()) for w in words(doc.text)}
            if not any(all(w in present for w in k) for k in wanted):
                yield self.finding(
                    doc, None,
                    f"uses none of the topic keywords ({', '.join(self.options['keywords'][:6])}); expected a document about the declared topic",
                    suggestion="remove it from the corpus, or widen the topic keywords",
                    data={"keywords": list(self.options["keywords"])}, anchor="keywords",
                )

    def _against_references(self, docs, index):
        references = [r for r in self.options["reference_documents"] if r in index]
        if not references:
            return
        for doc in docs:
            if doc.id in references:
                continue
            best, best_id = max((dot(index.vector(doc.id), index.vector(r)), r) for r in references)
            if best < self.options["reference_threshold"]:
                yield self.finding(
                    doc, None,
                    f"far from the reference documents (best TF-IDF similarity {best:.2f}, to {best_id}); expected a document about their topic",
                    related=[Related(best_id, None, round(best, 4))],
                    suggestion="remove it from the corpus",
                    data={"similarity": round(best, 4)}, anchor="references",
                )

    def _against_corpus(self, corpus, docs, index):
        def typical_best_match():
            # the corpus's typical best match, on a fixed sample of large corpora (exact below it);
            # a statistic of the generation, like the IDF (2,000 full searches: most of a warm run)
            best_of_sample = nearest_neighbours(index, only=_median_sample(index.ids))
            return statistics.median(score for score, _ in best_of_sample.values()) if best_of_sample else None

        median = corpus.fitted(f"top004-median/1/{MEDIAN_SAMPLE}", typical_best_match)
        if median is None:
            return
        if median < self.options["topical_median"]:
            return  # a corpus of many topics: nobody is a stray
        threshold = self.options["max_similarity"]
        for doc in docs:
            if doc.id not in index or has_match(index, doc.id, threshold):
                continue  # no stray: the search stopped at the first match at or above the bar
            score, other = nearest_neighbours(index, only=[doc.id])[doc.id]
            if score >= threshold:
                continue
            match = f"best match {other} at {score:.2f}" if other else "no document shares its distinctive terms"
            yield self.finding(
                doc, None,
                f"unrelated to the rest of the corpus ({match}; a typical document's best match is at {median:.2f}); expected a document on the corpus's topics",
                related=[Related(other, None, round(score, 4))] if other else [],
                suggestion="remove it from the corpus, or check that it was collected on purpose",
                data={"best_similarity": round(score, 4), "corpus_median": round(median, 4)}, anchor="corpus",
            )


#: corpora larger than this have their median best match measured on this many documents
MEDIAN_SAMPLE = 2000


def _median_sample(ids) -> list[str]:
    """The documents whose best match sets the corpus median: all of them up to
    MEDIAN_SAMPLE, else a fixed sample (by a digest of the id, so the same corpus
    always gives the same sample, whatever its order)."""
    ids = sorted(ids)
    if len(ids) <= MEDIAN_SAMPLE:
        return ids
    return sorted(ids, key=lambda i: hashlib.blake2b(i.encode("utf-8", "surrogatepass"), digest_size=8).digest())[:MEDIAN_SAMPLE]


#: heaviest terms per document that TOP004's candidates are found by
TOP_TERMS = 25


class TermIndex:
    """TOP004's view of the corpus's TF-IDF vectors (a :class:`LeadIndex` of them): each
    document's heaviest terms with their weights, the documents holding each such term
    (none when more than the index's ``max_postings`` do: too common to point at a
    neighbour), and each document's whole vector, made when first asked for."""

    def __init__(self, rows: LeadIndex):
        self.rows = rows
        self.ids = rows.ids
        self._vectors: dict[str, dict[str, float]] = {}
        self._holders: dict[str, tuple[list[str], list[float]]] = {}

    @classmethod
    def of_vectors(cls, vectors, top: int = TOP_TERMS, max_postings: int = 500) -> "TermIndex":
        """The index of vectors weighed beforehand (document id -> unit TF-IDF vector)."""
        return cls(LeadIndex.of_vectors(vectors, top, max_postings))

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.rows.row_of

    def vector(self, doc_id: str) -> dict[str, float]:
        vector = self._vectors.get(doc_id)
        if vector is None:
            vector = self._vectors[doc_id] = self.rows.vector_of(self.rows.row_of[doc_id])
        return vector

    def heaviest(self, doc_id: str) -> list[tuple[str, float]]:
        """(term, weight) of the document's heaviest terms, heaviest first."""
        rows, row = self.rows, self.rows.row_of[doc_id]
        start, end = rows.top_indptr[row], rows.top_indptr[row + 1]
        return list(zip(rows.tops_of(row), rows.top_weights[start:end].tolist()))

    def holders(self, term: str) -> tuple[list[str], list[float]]:
        """The documents holding ``term`` among their heaviest, with its weight in each."""
        found = self._holders.get(term)
        if found is None:
            rows = self.rows.postings.get(term)
            ids = self.ids
            found = ([], []) if rows is None else ([ids[r] for r in rows.tolist()], self.rows.postings.weights(term).tolist())
            self._holders[term] = found
        return found


def has_match(index: TermIndex, doc_id: str, threshold: float) -> bool:
    """Whether some other document's cosine to ``doc_id`` reaches ``threshold``.

    The part of a cosine that shared heavy terms make up is a lower bound of the whole
    (TF-IDF weights are never negative), so the scan of the postings stops at the
    first candidate whose partial sum reaches the bar; only when none does are the
    best candidates' full cosines computed. Topical documents stop after a term or two.
    """
    partial = _partial_cosines(index, doc_id, stop_at=threshold)
    if partial is None:
        return True
    vector = index.vector(doc_id)
    ranked = sorted(partial, key=lambda o: (-partial[o], o))[:32]
    return any(dot(vector, index.vector(o)) >= threshold for o in ranked)


def _partial_cosines(index: TermIndex, doc_id: str, stop_at: float | None = None):
    """Each candidate's share of the cosine with ``doc_id`` from their shared heavy terms.

    Terms too common to be in the index's postings are skipped. With ``stop_at``,
    None as soon as one candidate's share reaches it (the share is a lower bound).
    """
    partial: dict[str, float] = defaultdict(float)
    for term, weight in index.heaviest(doc_id):
        holders, weights = index.holders(term)
        for other, other_weight in zip(holders, weights):
            if other != doc_id:
                partial[other] += weight * other_weight
                if stop_at is not None and partial[other] >= stop_at:
                    return None
    return partial


def nearest_neighbours(index: TermIndex, shortlist: int = 32, only=None) -> dict[str, tuple[float, str | None]]:
    """Each document's best cosine to another, among candidates sharing distinctive terms.

    Candidates come from the index's postings of each document's heaviest terms;
    terms too common to point at a neighbour are skipped, which keeps the search
    near linear. Candidates are first ranked by the part of the cosine their shared
    heavy terms make up (accumulated from the postings, no vector walk); only the
    ``shortlist`` best get the full cosine, which otherwise dominated the run (up to
    top x max_postings full dot products per document). ``only``: the documents to
    find matches for (default: all).
    """
    best: dict[str, tuple[float, str | None]] = {}
    for doc_id in (index.ids if only is None else only):
        vector = index.vector(doc_id)
        partial = _partial_cosines(index, doc_id)
        ranked = sorted(partial, key=lambda o: (-partial[o], o))[:shortlist]
        scored = [(dot(vector, index.vector(o)), o) for o in sorted(ranked)]
        best[doc_id] = max(scored) if scored else (0.0, None)
    return best


@hookimpl
def copydesk_register_checks():
    return [OffTopicPassage, Boilerplate, TruncatedParagraph, OffTopicDocument]
