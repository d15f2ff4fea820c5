"""Off-topic checks TOP001-TOP004 on news-like text written for these tests."""

from collections import Counter

from copydesk import Corpus, Document, Severity
from copydesk.plugins.offtopic import Boilerplate, OffTopicDocument, OffTopicPassage, TruncatedParagraph
from copydesk.plugins.top_lines import cut_ending, line_boilerplate
from copydesk.plugins.top_segment import best_split
from copydesk.testing import run_check

BRIDGE = [
    "The Riverton city council on Tuesday approved a 42 million dollar plan to replace the Harbor Street bridge, "
    "the crossing that engineers closed to trucks last spring after inspectors found corroded steel beams.",
    "Council members voted 7-2 for the replacement, which Mayor Elena Brooks called the largest public works "
    "project in Riverton in two decades.",
    "Construction of the new bridge is due to start in March and to take about two years, the city's public works "
    "director, Tomas Reyes, told the council. A temporary ferry will carry commuters across the Mill River while "
    "the Harbor Street crossing is closed.",
    "The two council members who voted against the plan said the city should have repaired the old bridge "
    "instead. Councilman Frank Ode said a repair would have cost half as much and kept the crossing open.",
    "Reyes said repairs would only have delayed the problem. The steel beams of the Harbor Street bridge date "
    "from 1958, he said, and inspectors found that corrosion had eaten through several of them.",
    "The state transportation department will pay for about 60 percent of the new bridge, and the rest will "
    "come from a bond that Riverton voters approved in November.",
]
BACKGROUND = (
    "The Harbor Street bridge opened in 1958 and carries about 18,000 vehicles across the Mill River on a "
    "typical weekday, according to city traffic counts."
)
TENNIS = [
    "In tennis, Maria Santos won her first Grand Slam title on Saturday, beating the defending champion in three "
    "sets in a final that lasted almost three hours at Roland Garros in Paris.",
    "Santos, 21, broke serve twice in the deciding set and sealed the championship with an ace. Her coach, the "
    "former Olympic medallist Ivan Petrov, wept in the players' box.",
    "The Brazilian had never gone past the quarterfinals of a major tournament before this fortnight, and she "
    "will rise to fourth in the world rankings on Monday.",
]
RECIPE = (
    "Whisk two eggs with a cup of flour, a pinch of salt and half a cup of milk until the batter is smooth. "
    "Let it rest for ten minutes, then pour thin rounds into a hot buttered skillet and flip each pancake once "
    "bubbles form on its surface. Serve warm with maple syrup and fresh blueberries."
)


def text(*paragraphs):
    return "\n".join(paragraphs)


def paragraph_start(doc_text, paragraph):
    return doc_text.index(paragraph)


# ----------------------------------------------------------------------- TOP001


def test_glued_story_at_the_end_is_one_warning_run_from_the_cut_to_the_end():
    glued = text(*BRIDGE, *TENNIS)
    findings = run_check(OffTopicPassage, {"glued.txt": glued})
    assert len(findings) == 1
    f = findings[0]
    assert f.severity == Severity.WARNING
    assert f.span.start == paragraph_start(glued, TENNIS[0])
    assert f.span.end == len(glued)
    assert "Santos" in f.message and f.data["kind"] == "tail"


def test_the_story_alone_and_with_its_background_paragraph_is_not_flagged():
    assert run_check(OffTopicPassage, {"a.txt": text(*BRIDGE)}) == []
    assert run_check(OffTopicPassage, {"a.txt": text(*BRIDGE, BACKGROUND)}) == []


def test_other_versions_of_the_story_keep_the_cut_exact():
    glued = text(*BRIDGE, *TENNIS)
    retold = text(BRIDGE[1], BRIDGE[0], BRIDGE[2], BRIDGE[5])
    shortened = text(BRIDGE[0], BRIDGE[3], BRIDGE[4])
    findings = run_check(OffTopicPassage, {"glued.txt": glued, "retold.txt": retold, "short.txt": shortened})
    assert [(f.document, f.span.start, f.severity) for f in findings] == [
        ("glued.txt", paragraph_start(glued, TENNIS[0]), Severity.WARNING)
    ]


def test_works_without_the_shared_reuse_analysis():
    glued = text(*BRIDGE, *TENNIS)
    corpus = Corpus([Document("glued.txt", glued)], analyses={})
    findings = list(OffTopicPassage().check_corpus(corpus))
    assert len(findings) == 1 and findings[0].span.start == paragraph_start(glued, TENNIS[0])


def test_short_and_one_paragraph_documents_never_go_above_info():
    short = text(BRIDGE[0], BRIDGE[2], TENNIS[0], TENNIS[1])
    one = " ".join(BRIDGE + TENNIS)
    findings = run_check(OffTopicPassage, {"short.txt": short, "one.txt": one})
    assert all(f.severity == Severity.INFO for f in findings)
    assert not [f for f in findings if f.document == "one.txt"]


def test_bullet_list_inside_the_story_is_not_a_foreign_run():
    bullets = [
        "- Cost: 42 million dollars, 60 percent from the state",
        "- Start: March, for about two years",
        "- Detour: a temporary ferry across the Mill River",
    ]
    doc = text(*BRIDGE[:3], *bullets, *BRIDGE[3:])
    findings = run_check(OffTopicPassage, {"a.txt": doc})
    assert all(f.severity == Severity.INFO for f in findings)


def test_change_point_prefers_the_whole_foreign_run_to_one_paragraph():
    story = [{"bridge": 1.0, "council": 1.0, "riverton": 1.0}, {"bridge": 1.0, "council": 1.0},
             {"bridge": 1.0, "riverton": 1.0, "steel": 1.0}, {"council": 1.0, "steel": 1.0, "riverton": 1.0}]
    foreign = [{"tennis": 1.0, "santos": 1.0}, {"santos": 1.0, "serve": 1.0}, {"ranking": 1.0, "santos": 1.0}]
    split = best_split(story + foreign)
    assert (split.start, split.end) == (4, 7)
    assert split.relative == 0.0


# ----------------------------------------------------------------------- TOP002


def test_caption_navigation_byline_and_kicker_lines_are_boilerplate():
    doc = text(
        "By Jane Doe and Sam Lee",
        BRIDGE[0],
        "Photo: City of Riverton",
        BRIDGE[1],
        "Read more: the ten oldest bridges in the state",
        "BRIDGE WORK: " + BRIDGE[2],
        "Share this article",
    )
    findings = run_check(Boilerplate, {"a.txt": doc})
    assert [(f.data["kind"], doc[f.span.start:f.span.end]) for f in findings] == [
        ("byline", "By Jane Doe and Sam Lee"),
        ("caption", "Photo: City of Riverton"),
        ("navigation", "Read more: the ten oldest bridges in the state"),
        ("kicker", "BRIDGE WORK:"),
        ("navigation", "Share this article"),
    ]
    kicker = [f for f in findings if f.data["kind"] == "kicker"][0]
    assert kicker.severity == Severity.INFO


def test_story_paragraphs_are_not_boilerplate():
    assert run_check(Boilerplate, {"a.txt": text(*BRIDGE, *TENNIS)}) == []


def test_header_glued_with_separators_is_reported_up_to_the_text():
    line = "Council Backs New Bridge \\ Riverton Daily \\ Jane Doe \\ " + BRIDGE[0]
    pieces = line_boilerplate(line, 0)
    assert [(p.kind, line[p.start:p.end]) for p in pieces] == [
        ("header", "Council Backs New Bridge \\ Riverton Daily \\ Jane Doe \\ ")
    ]


def test_line_repeated_across_unrelated_documents_but_not_across_copies_of_one_story():
    promo = "Get the morning briefing in your inbox"
    docs = {
        "bridge.txt": text(*BRIDGE, promo),
        "tennis.txt": text(*TENNIS, promo),
        "recipe.txt": text(RECIPE, promo),
    }
    findings = run_check(Boilerplate, docs)
    assert sorted(f.document for f in findings if f.data["kind"] == "repeated") == sorted(docs)
    copies = {f"v{i}.txt": text(*BRIDGE[: 4 + i % 2], "Council members will meet again next Tuesday") for i in range(3)}
    assert [f for f in run_check(Boilerplate, copies) if f.data["kind"] == "repeated"] == []


# ----------------------------------------------------------------------- TOP003


def test_paragraph_cut_on_a_function_word_is_truncated():
    cut = "The state will pay for about 60 percent of the new bridge, and the rest will come from the"
    doc = text(BRIDGE[0], cut, BRIDGE[1])
    findings = run_check(TruncatedParagraph, {"a.txt": doc})
    assert [doc[f.span.start:f.span.end] for f in findings] == [cut]
    assert "“the”" in findings[0].message


def test_document_ending_in_open_quotation_or_without_punctuation():
    doc = text(BRIDGE[0], "“We will keep the crossing open as long as the inspectors let us, and then we")
    assert len(run_check(TruncatedParagraph, {"a.txt": doc})) == 1
    doc = text(BRIDGE[0], "Reyes said the steel beams of the Harbor Street bridge were corroded beyond repair")
    assert "document ends" in run_check(TruncatedParagraph, {"a.txt": doc})[0].message


def test_headings_bullets_labels_and_complete_text_are_not_truncated():
    doc = text(
        "Council Approves New Harbor Street Bridge",
        BRIDGE[0],
        "What happens next",
        "- a temporary ferry for commuters",
        "- construction from March",
        "Photo: City of Riverton",
        "Contact: press office",
        BRIDGE[1] + " “It is the right call,” Brooks said.",
    )
    assert run_check(TruncatedParagraph, {"a.txt": doc}) == []
    assert cut_ending("Council Approves New Harbor Street Bridge", 0) is None


def test_hard_wrapped_lines_are_not_each_a_cut():
    words = " ".join(BRIDGE).split()
    lines = [" ".join(words[i:i + 11]) for i in range(0, len(words), 11)]
    findings = run_check(TruncatedParagraph, {"a.txt": "\n".join(lines)})
    assert findings == []


# ----------------------------------------------------------------------- TOP004


def _bridge_corpus():
    return {
        "a.txt": text(*BRIDGE),
        "b.txt": text(BRIDGE[1], BRIDGE[4], BRIDGE[5]),
        "c.txt": text(BRIDGE[0], BRIDGE[2], BACKGROUND),
        "d.txt": text(BRIDGE[3], BRIDGE[2], BRIDGE[0]),
    }


def test_stray_document_in_a_one_topic_corpus_is_off_topic():
    docs = {**_bridge_corpus(), "recipe.txt": RECIPE}
    findings = run_check(OffTopicDocument, docs)
    assert [f.document for f in findings] == ["recipe.txt"]
    assert findings[0].span is None


def test_no_stray_without_one_and_nothing_for_tiny_corpora():
    assert run_check(OffTopicDocument, _bridge_corpus()) == []
    assert run_check(OffTopicDocument, {"a.txt": text(*BRIDGE), "r.txt": RECIPE}) == []


def test_stray_search_stops_early_and_samples_the_median_without_changing_the_findings(monkeypatch):
    """has_match answers "best cosine >= bar" exactly as the full search; the median on a sample gates alike."""
    import random

    from copydesk.plugins import offtopic
    from copydesk.plugins.top_terms import IdfModel, term_counts

    rng = random.Random(4)
    docs = {f"s{i:03}.txt": text(*rng.sample(BRIDGE, 3)) for i in range(60)}
    docs["stray.txt"] = RECIPE
    docs["tennis.txt"] = text(*TENNIS)
    bags = {k: term_counts(v) for k, v in docs.items()}
    idf = IdfModel.fit(bags.values())
    vectors = {k: idf.vector(b) for k, b in bags.items()}
    index = offtopic.TermIndex.of_vectors(vectors)
    full = offtopic.nearest_neighbours(index)
    for bar in (0.05, 0.2, 0.5):
        assert {k for k in vectors if offtopic.has_match(index, k, bar)} == {k for k, (s, _) in full.items() if s >= bar}
    exact = run_check(OffTopicDocument, docs)
    monkeypatch.setattr(offtopic, "MEDIAN_SAMPLE", 20)
    sampled = run_check(OffTopicDocument, docs)
    assert [f.document for f in sampled] == [f.document for f in exact] and exact
    assert {f.document for f in exact} == {"stray.txt", "tennis.txt"}


def test_declared_topic_by_keywords_and_by_reference_documents():
    docs = {"a.txt": text(*BRIDGE), "t.txt": text(*TENNIS), "r.txt": RECIPE}
    found = run_check(OffTopicDocument, docs, {"keywords": ["bridge", "Mill River"]})
    assert sorted(f.document for f in found) == ["r.txt", "t.txt"]
    found = run_check(OffTopicDocument, docs, {"reference_documents": ["t.txt"]})
    assert sorted(f.document for f in found) == ["a.txt", "r.txt"]
    assert all(f.related[0].document == "t.txt" for f in found)


def test_long_documents_are_searched_in_overlapping_sections_and_still_find_the_run():
    # 45 paragraphs: the story told five times, a glued tennis story, the story twice more.
    # The search is quadratic in a section's length, so long texts go by sections; the
    # run must come out once, whole, whether it sits inside one section or across two.
    long_text = text(*(BRIDGE * 5), *TENNIS, *(BRIDGE * 2))
    whole = run_check(OffTopicPassage, {"long.txt": long_text}, options={"section_units": 200})
    for size in (20, 24, 30):
        sectioned = run_check(OffTopicPassage, {"long.txt": long_text}, options={"section_units": size})
        assert [(f.span.start, f.span.end) for f in sectioned] == [(f.span.start, f.span.end) for f in whole], size
    assert len(whole) == 1 and whole[0].severity == Severity.WARNING
    start = paragraph_start(long_text, TENNIS[0])
    assert whole[0].span == type(whole[0].span)(start, start + len(text(*TENNIS)))


def test_incremental_tail_scores_equal_evaluating_each_tail_afresh():
    import random

    from copydesk.plugins import top_segment

    rng = random.Random(3)
    vocabulary = [f"t{i}" for i in range(60)]
    for trial in range(40):
        n = rng.randint(3, 40)
        units = [{t: rng.uniform(0.1, 3.0) for t in rng.sample(vocabulary, rng.randint(0, 12))} for _ in range(n)]
        siblings = {t: rng.choice([0.0, 0.0, 0.3, 1.0, 1.7]) for t in rng.sample(vocabulary, 20)}
        totals = [sum(u.values()) for u in units]
        prefix = {t: [0] * (n + 1) for t in vocabulary}
        for i, unit in enumerate(units):
            for t in unit:
                prefix[t][i + 1] = 1
        for row in prefix.values():
            for i in range(n):
                row[i + 1] += row[i]
        entries = [[(w, prefix[t], siblings.get(t, 0.0)) for t, w in u.items()] for u in units]
        fast = top_segment._tail_scores(units, totals, siblings, 2)
        slow = [(top_segment._evaluate(entries, totals, a, n).score, a) for a in range(2, n)]
        assert [a for _, a in fast] == [a for _, a in slow]
        for (got, _), (want, _) in zip(fast, slow):
            assert abs(got - want) < 1e-9 * max(1.0, abs(want)), (trial, got, want)


def test_topic_neighbours_of_a_lead_are_the_best_cosines_among_the_candidates():
    """The sparse-matrix cosines rank neighbours as dictionary dot products do, ties by id."""
    import random

    from copydesk.plugins.top_story import LeadIndex, story_from_json, story_units_of_text
    from copydesk.plugins.top_terms import IdfModel, dot, top_terms

    rng = random.Random(9)
    pool = BRIDGE + TENNIS + [BACKGROUND, RECIPE]
    docs = {f"d{i:02}.txt": text(*rng.sample(pool, 4)) for i in range(40)}
    docs["twin.txt"] = docs["d03.txt"]  # ties with d03 on every lead
    stories = {k: story_from_json(Document(k, v), story_units_of_text(v)) for k, v in docs.items()}
    bags = {k: s.bag() for k, s in stories.items()}
    idf = IdfModel.fit(bags.values())
    index = LeadIndex(bags, idf)
    vectors = {k: idf.vector(b) for k, b in bags.items()}
    for doc_id, story in stories.items():
        lead = Counter()
        for unit in story.units[:2]:
            lead.update(unit.counts)
        query = idf.vector(lead)
        candidates = {d for t in top_terms(query, 15) for d in index.ids if t in top_terms(vectors[d], 30)} - {doc_id}
        score = {d: dot(query, vectors[d]) for d in candidates}
        expected = [score[d] for d in sorted(candidates, key=score.get, reverse=True)[:5] if score[d] >= 0.08]
        found = index.neighbours_of_lead(story, idf, exclude={doc_id}, k=5)
        # documents with the same terms tie up to rounding, so compare the cosines reached
        assert [round(score[d], 12) for d in found] == [round(s, 12) for s in expected], doc_id
        assert doc_id not in found and len(set(found)) == len(found)


def test_a_kept_lead_index_updated_for_edits_finds_what_one_built_afresh_finds():
    """TOP001's lead index is kept per statistics generation and only the rows of changed
    documents replaced: through its JSON state, after an edit, a deletion and an addition it
    holds the same rows and postings, and finds the same neighbours, as an index built afresh."""
    import random

    import pytest

    from copydesk.plugins.top_story import LeadIndex, story_from_json, story_units_of_text
    from copydesk.plugins.top_terms import IdfModel

    rng = random.Random(11)
    pool = BRIDGE + TENNIS + [BACKGROUND, RECIPE]
    docs = {f"d{i:02}.txt": text(*rng.sample(pool, 4)) for i in range(40)}

    def stories_of(texts):
        return {k: story_from_json(Document(k, v), story_units_of_text(v)) for k, v in texts.items()}

    before = stories_of(docs)
    idf = IdfModel.fit(s.bag() for s in before.values())  # the generation's IDF, fitted once
    state = LeadIndex({k: s.bag() for k, s in before.items()}, idf).to_state(fit="f1")
    kept, extra = LeadIndex.read_state(state)
    assert extra == {"fit": "f1"}
    edited = dict(docs, **{"d05.txt": text(*rng.sample(pool, 4)), "new.txt": text(*rng.sample(pool, 3))})
    del edited["d17.txt"]
    after = stories_of(edited)
    changed = {"d05.txt", "new.txt"}
    updated = kept.updated(set(after) - changed, {k: after[k].bag() for k in sorted(changed)}, idf)
    ids = sorted(after, reverse=True)  # another row order: nothing may depend on it
    fresh = LeadIndex({k: after[k].bag() for k in ids}, idf)

    def rows(index):
        result = {}
        for doc_id, row in index.row_of.items():
            start, end = index.indptr[row], index.indptr[row + 1]
            result[doc_id] = ([index.vocabulary[c] for c in index.terms[start:end]], index.weights[start:end].tolist(),
                              index.tops_of(row))
        return result

    assert rows(updated) == rows(fresh) and "d17.txt" not in updated.row_of
    assert {t: sorted(updated.ids[r] for r in rs) for t, rs in updated.postings.items()} == \
        {t: sorted(fresh.ids[r] for r in rs) for t, rs in fresh.postings.items()}
    for doc_id, story in after.items():
        assert updated.lead_terms(story, idf) == fresh.lead_terms(story, idf)
        assert updated.scored_neighbours(story, idf, exclude={doc_id}, k=5) == \
            fresh.scored_neighbours(story, idf, exclude={doc_id}, k=5), doc_id
    from copydesk.plugins.dup_kept import packed, unpacked

    header, arrays = unpacked(state)
    for spoiled in (dict(arrays, terms=arrays["terms"][:-1]), dict(arrays, terms=arrays["terms"].astype("<i8"))):
        with pytest.raises(ValueError):  # arrays that disagree are not an index
            LeadIndex.from_state(packed(header, spoiled))
    for broken in (state[:-4], b"", state[:8] + b"[" + state[9:], {"ids": []}):
        with pytest.raises(ValueError):
            LeadIndex.from_state(broken)


def test_cached_judgements_equal_judging_again_with_the_generations_statistics(tmp_path, monkeypatch):
    """TOP001 reuses a document's findings while its text, its siblings' and its lead's neighbour
    candidates are unchanged; what it reuses is what judging again (same fitted IDF) finds."""
    import random

    from copydesk.cache import Cache
    from copydesk.manager import collect_registry, make_plugin_manager

    registry = collect_registry(make_plugin_manager(autoload=False))
    rng = random.Random(7)
    # eight topics of made-up words; some documents carry a run of another topic at the end
    topics = [["".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(40)]
              for _ in range(8)]

    def paragraph(topic):
        return " ".join(rng.choice(topics[topic]) for _ in range(30)).capitalize() + "."

    docs = {}
    for i in range(32):
        topic = i % 8
        glued = [paragraph((topic + 3) % 8) for _ in range(2)] if i % 5 == 0 else []
        docs[f"d{i:02}.txt"] = text(*(paragraph(topic) for _ in range(5)), *glued)

    class Counting(Cache):
        judged = 0

    judge = OffTopicPassage._judge

    def counting_judge(self, *args):
        Counting.judged += 1
        return judge(self, *args)

    monkeypatch.setattr(OffTopicPassage, "_judge", counting_judge)

    def run(documents, cache, forget=False):
        corpus = Corpus([Document(k, v) for k, v in documents.items()], registry.analyses, cache=cache,
                        refit_after=0.5)
        if forget:  # judge everything again, with the generation's fitted IDF
            real = cache.get_many
            cache.get_many = lambda ns, keys: {} if ns.startswith("top001-judgements/") else real(ns, keys)
        found = [(f.document, f.span, f.severity, f.message) for f in OffTopicPassage({}).check_corpus(corpus)]
        generation = corpus.generation
        cache.close()
        return found, generation

    cold, generation = run(docs, Counting(tmp_path / "c", "t"))
    assert cold and generation.refit and Counting.judged == 32
    Counting.judged = 0
    assert run(docs, Counting(tmp_path / "c", "t"))[0] == cold and Counting.judged == 0
    edited = dict(docs, **{"d09.txt": text(*(paragraph(1) for _ in range(5)), paragraph(6), paragraph(6))})
    import shutil

    shutil.copytree(tmp_path / "c", tmp_path / "again")
    Counting.judged = 0
    warm, generation = run(edited, Counting(tmp_path / "c", "t"))
    assert not generation.refit and generation.changed_documents == 1
    assert 1 <= Counting.judged <= 8  # the edited document and those it is a sibling or neighbour of
    assert warm == run(edited, Counting(tmp_path / "again", "t"), forget=True)[0]
    # the edit reverted: entries written while it stood must not hide the original coming back
    shutil.rmtree(tmp_path / "again")
    shutil.copytree(tmp_path / "c", tmp_path / "again")
    reverted, generation = run(docs, Counting(tmp_path / "c", "t"))
    assert not generation.refit and generation.touched_ids == {"d09.txt"}
    assert reverted == run(docs, Counting(tmp_path / "again", "t"), forget=True)[0] == cold
    assert any(d == "d09.txt" for d, *_ in warm) and not any(d == "d09.txt" for d, *_ in cold)


def test_top004_with_its_kept_term_index_finds_what_an_index_built_afresh_finds(tmp_path, monkeypatch):
    """TOP004's TF-IDF rows are kept per statistics generation and replaced for changed
    documents: after an edit that makes a stray, a deletion and an addition, the findings
    are those of the same generation's statistics with the index built again from scratch."""
    import random
    import shutil

    from copydesk.cache import Cache
    from copydesk.manager import collect_registry, make_plugin_manager

    from copydesk.plugins.top_story import LeadIndex

    updates = []
    real_update = LeadIndex.updated
    monkeypatch.setattr(LeadIndex, "updated", lambda self, keep, bags, idf: updates.append(sorted(bags)) or
                        real_update(self, keep, bags, idf))
    registry = collect_registry(make_plugin_manager(autoload=False))
    rng = random.Random(5)
    docs = {f"b{i:02}.txt": text(*rng.sample(BRIDGE, 3)) for i in range(30)}
    docs["recipe.txt"] = RECIPE

    def run(documents, folder, rebuild=False):
        cache = Cache(folder, "t")
        if rebuild:  # the generation's statistics, but no kept index
            real = cache.get_many
            cache.get_many = lambda ns, keys: {} if ns.startswith("top004-term-index/") else real(ns, keys)
        corpus = Corpus([Document(k, v) for k, v in documents.items()], registry.analyses, cache=cache, refit_after=0.5)
        found = [(f.document, f.message) for f in OffTopicDocument({}).check_corpus(corpus)]
        generation = corpus.generation
        cache.close()
        return found, generation

    cold, generation = run(docs, tmp_path / "c")
    assert generation.refit and [d for d, _ in cold] == ["recipe.txt"]
    edited = dict(docs, **{"b03.txt": text(*TENNIS), "b30.txt": text(*rng.sample(BRIDGE, 3))})
    del edited["b07.txt"]
    shutil.copytree(tmp_path / "c", tmp_path / "again")
    warm, generation = run(edited, tmp_path / "c")
    assert not generation.refit and generation.changed_documents == 3
    assert updates == [["b03.txt", "b30.txt"]]  # the kept rows, two replaced or added (and b07's dropped)
    assert warm == run(edited, tmp_path / "again", rebuild=True)[0]
    assert sorted(d for d, _ in warm) == ["b03.txt", "recipe.txt"]


def test_kept_rows_are_computed_again_only_for_changed_documents_or_another_version(tmp_path):
    from copydesk.cache import Cache
    from copydesk.plugins.top_story import kept_rows

    calls = []

    def run(texts, version):
        cache = Cache(tmp_path, "t")
        corpus = Corpus([Document(k, v) for k, v in texts.items()], {}, cache=cache, refit_after=0.5)

        def rows_of(ids):
            calls.append(sorted(ids))
            return {doc_id: [len(corpus[doc_id].text.split())] for doc_id in ids}

        rows = kept_rows(corpus, "test-rows/1", list(texts), version, rows_of)
        cache.close()
        return rows

    texts = {f"d{i}.txt": "word " * (i + 1) for i in range(6)}
    assert run(texts, "v1") == {f"d{i}.txt": [i + 1] for i in range(6)} and len(calls[-1]) == 6
    calls.clear()
    edited = dict(texts, **{"d2.txt": "just two", "new.txt": "one more text here"})
    del edited["d4.txt"]
    rows = run(edited, "v1")
    assert calls == [["d2.txt", "new.txt"]]
    assert rows == {"d0.txt": [1], "d1.txt": [2], "d2.txt": [2], "d3.txt": [4], "d5.txt": [6], "new.txt": [4]}
    calls.clear()
    assert run(edited, "v1") == rows and calls == []  # a third of the documents differed: the entry was rewritten
    assert run(edited, "v2") == rows and calls == [sorted(edited)]  # another fit: all again
    # a few documents of many differ: the entry stays as the generation started, and each
    # run computes those few again
    many = {f"m{i:02}.txt": "word " * (i + 1) for i in range(60)}
    run(many, "v1")
    calls.clear()
    edited = dict(many, **{"m07.txt": "seven words are in this text now"})
    assert run(edited, "v1")["m07.txt"] == [7] and calls == [["m07.txt"]]
    assert run(edited, "v1")["m07.txt"] == [7] and calls == [["m07.txt"], ["m07.txt"]]
    assert run(many, "v1")["m07.txt"] == [8] and calls == [["m07.txt"], ["m07.txt"]]  # reverted: as kept
