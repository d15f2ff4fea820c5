"""Unit tests for the translation plugin (TRN001-TRN005) and its helper modules."""

from __future__ import annotations

import builtins
import json
import pickle

import pytest

from copydesk import Document
from copydesk.plugins import trn_lexicon, trn_markers
from copydesk.plugins.translation import TorturedPhrase, Translationese
from copydesk.testing import run_check


def spans(findings, documents):
    return [documents[f.document][f.span.start : f.span.end] for f in findings]


# ------------------------------------------------------------------------ lexicon


def test_builtin_lexicon_is_broad_and_well_formed():
    entries = trn_lexicon.builtin_entries()
    assert len(entries) >= 500
    domains = {e.domain for e in entries}
    assert {"institution", "title", "idiom", "technology", "medicine", "economy"} <= domains
    tortured = [trn_lexicon._phrase_key(e) for e in entries]
    assert len(tortured) == len(set(tortured)), "duplicate tortured phrases"
    for entry in entries:
        assert entry.tortured.lower() != entry.expected.lower()
        assert len(entry.words) >= 1


def test_builtin_lexicon_does_not_fire_on_its_own_expected_phrases():
    # every expected phrase is ordinary English: none may look tortured
    matcher = trn_lexicon.build_matcher()
    expected = ". ".join(e.expected.replace("*", "Global") for e in trn_lexicon.builtin_entries())
    hits = [expected[m.start : m.end] for m in matcher.find(expected, Document("x", expected).tokens)]
    assert hits == []


def test_inflection_forms():
    assert trn_lexicon.inflect("take", "ing") == "taking"
    assert trn_lexicon.inflect("get", "ing") == "getting"
    assert trn_lexicon.inflect("agency", "s") == "agencies"
    assert trn_lexicon.inflect("take", "ed") == "took"
    forms = trn_lexicon.verb_forms("consider")
    assert {"considers", "considered", "considering"} <= set(forms)
    # -ing and -ed are only folded on an entry's first word: "keep talks" must not match "keep talking"
    assert "talking" not in trn_lexicon.noun_forms("talks")


def test_irregular_verbs_and_suggestion_reinflection():
    matcher = trn_lexicon.build_matcher(builtin=False, phrases={"acquire place": "take place"})
    text = "The vote acquired place on Sunday."
    [match] = matcher.find(text, Document("x", text).tokens)
    assert match.suggestion == "took place"


def test_gaps_must_match_and_hyphens_equal_spaces():
    matcher = trn_lexicon.build_matcher(builtin=False, phrases={"known as on": "called on"})
    for text, hits in [
        ("They known as on him.", 1),
        ("The scheme is known as, on balance, a success.", 0),
        ("It is known as on-demand printing.", 0),  # "on" is part of "on-demand"
        ("He was known as. On Monday he left.", 0),
    ]:
        assert len(list(matcher.find(text, Document("x", text).tokens))) == hits, text


def test_capitalised_entries_need_capitals_and_exact_entries_need_exact_case():
    documents = {
        "a.txt": "The Heart for Media Freedom said so. A heart for the poor is no crime.",
        "b.txt": "Great britain and Great Britain.",
    }
    findings = run_check(TorturedPhrase, documents)
    assert spans(findings, documents) == ["Heart for Media", "Great britain"]


def test_user_lexicons_tsv_yaml_and_pps_json(tmp_path):
    (tmp_path / "mine.tsv").write_text("# my list\nbarking mad cow\tmad cow\tmedicine\n", encoding="utf-8")
    (tmp_path / "mine.yaml").write_text("sleek apple: big apple\n", encoding="utf-8")
    pps = {"version": "1", "phrases": [{"tortured": "lactose bigotry", "correct": "lactose intolerance"}]}
    (tmp_path / "pps.json").write_text(json.dumps(pps), encoding="utf-8")
    documents = {"a.txt": "Barking mad cow disease, the sleek apple and lactose bigotry."}
    options = {"builtin": False, "lexicons": [str(tmp_path / n) for n in ("mine.tsv", "mine.yaml", "pps.json")]}
    findings = run_check(TorturedPhrase, documents, options)
    assert [f.suggestion for f in findings] == ["Mad cow", "big apple", "lactose intolerance"]
    assert findings[2].data["lexicon"].endswith("pps.json")


def test_bad_user_lexicon_is_an_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(trn_lexicon.LexiconError, match="bad.tsv:1"):
        TorturedPhrase({"lexicons": [str(bad)]})
    with pytest.raises(trn_lexicon.LexiconError, match="cannot read"):
        TorturedPhrase({"lexicons": [str(tmp_path / "missing.tsv")]})


def test_exclude_domains():
    documents = {"a.txt": "Profound learning, said the assume tank."}
    findings = run_check(TorturedPhrase, documents, {"exclude_domains": ["technology"]})
    assert spans(findings, documents) == ["assume tank"]


def test_checks_are_picklable():
    for cls in (TorturedPhrase, Translationese):
        clone = pickle.loads(pickle.dumps(cls()))
        assert clone.options == cls().options


# ------------------------------------------------------------------------ markers


def test_mojibake_repairs_without_ftfy(monkeypatch):
    real_import = builtins.__import__

    def no_ftfy(name, *args, **kwargs):
        if name == "ftfy":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ftfy)
    text = "Ã‰lysÃ©e officials didnâ€™t comment."
    found = [(text[m.start : m.end], m.suggestion) for m in trn_markers.find_mojibake(text)]
    assert found == [("Ã‰", "É"), ("Ã©", "é"), ("â€™", "’")]


def test_foreign_language_without_detector(monkeypatch):
    monkeypatch.setattr(trn_markers, "_lingua_detector", lambda: None)
    documents = {
        "a.txt": "Der Bundestag hat am Freitag das neue Gesetz mit großer Mehrheit beschlossen, und die Opposition ist nicht zufrieden.",
        "b.txt": "Die Welt and Le Monde both reported that the vote was close.",
    }
    findings = run_check(Translationese, documents)
    assert [(f.document, f.data["detail"]) for f in findings] == [("a.txt", "German")]


def test_foreign_script_needs_an_english_text():
    # a text mostly in Russian is not "English with a foreign run": nothing to say
    text = "Москва сегодня объявила о новых мерах поддержки. Reuters"
    assert list(trn_markers.find_foreign_script(text)) == []


def test_translationese_markers_can_be_selected():
    documents = {"a.txt": "Prices rose by 3,5 percent, the cafÃ© said."}
    findings = run_check(Translationese, documents, {"markers": ["mojibake"]})
    assert [f.data["marker"] for f in findings] == ["mojibake"]


# ---------------------------------------------------- cross-document helpers (no analysis)

from dataclasses import dataclass as _dataclass  # noqa: E402

from copydesk import Corpus, Span  # noqa: E402
from copydesk.plugins import trn_align, trn_names  # noqa: E402


@_dataclass(frozen=True)
class _Cluster:
    id: int
    members: tuple
    canonical: str


@_dataclass(frozen=True)
class _Passage:
    a: str
    a_span: Span
    b: str
    b_span: Span
    verbatim_share: float


def test_phonetic_key_merges_transliterations():
    assert trn_names.phonetic_key("Zelenskiy") == trn_names.phonetic_key("Zelensky")
    assert trn_names.phonetic_key("Sergei") == trn_names.phonetic_key("Sergey")
    assert trn_names.similar_names("Lavrov", "Lavrow")
    assert not trn_names.similar_names("Biden", "Putin")
    assert not trn_names.similar_names("O'Brien", "O’Brien")  # the same name, typographic apostrophe


def test_name_mentions_skip_sentence_openers_and_common_words():
    doc = Document("a", "When Foreign Minister Sergei Lavrov spoke, the Division said nothing. Lavrov's aide left.")
    vocabulary = {"the", "said", "nothing", "spoke", "aide", "left", "division", "when"}
    mentions = [m.words for m in trn_names.name_mentions(doc, vocabulary)]
    assert mentions == [("Foreign", "Minister", "Sergei", "Lavrov"), ("Lavrov",)]


def test_altered_quote_needs_shared_content_words_not_just_names():
    docs = {
        "a": Document("a", 'Officials met. "Russia and North Korea signed a treaty on defence matters today," Ivan Petrov said.'),
        "b": Document("b", 'Officials met. "Russia and North Korea are a problem for regional stability," Ivan Petrov said.'),
    }
    cluster = _Cluster(0, ("a", "b"), "a")
    assert trn_names.altered_quotes(cluster, docs, {"officials", "met", "said"}, 5, 0.5) == []


def test_substitutions_in_passage_skip_spelling_variants_acronyms_and_numbers():
    a = Document("a", "The U.S. envoy will emphasise the 3 points at the State Department on Monday.")
    b = Document("b", "The United States envoy will emphasize the 4 points at the State Division on Monday.")
    passage = _Passage("a", Span(0, len(a.text)), "b", Span(0, len(b.text)), 0.8)
    subs = trn_align.substitutions_in_passage(passage, a, b, trn_align.WordIndex())
    assert [(s.a.text(a.text), s.b.text(b.text)) for s in subs] == [("Department", "Division")]


def test_judge_uses_recurrence_in_other_documents():
    texts = {
        "a": "A State Department official said the grant would end.",
        "b": "A State Division official said the grant would end.",
        "c": "The State Department declined to comment.",
    }
    corpus = Corpus([Document(k, v) for k, v in texts.items()])
    passage = _Passage("a", Span(0, len(texts["a"])), "b", Span(0, len(texts["b"])), 0.9)
    subs = trn_align.substitutions_in_passage(passage, corpus["a"], corpus["b"], trn_align.WordIndex())
    stats = {("a", "b"): trn_align.PairStats(10, 9, 1)}
    [sub] = trn_align.judge(corpus, subs, stats, lambda _: "a", {"official", "said", "declined"})
    assert sub.spun == "b" and sub.kind == "name"


def test_cluster_judgements_are_reused_only_while_their_vocabulary_answers_hold(tmp_path):
    """TRN003/TRN004 keep each story cluster's findings with the vocabulary questions it asked;
    a new document that writes a flagged name in lower case changes an answer: judged again."""
    from pathlib import Path

    from copydesk import Corpus
    from copydesk.cache import Cache
    from copydesk.manager import collect_registry, make_plugin_manager
    from copydesk.plugins.translation import AlteredQuote, NameVariant

    registry = collect_registry(make_plugin_manager(autoload=False))
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    documents = [Document(p.name, p.read_text(encoding="utf-8")) for p in seeds]

    def run(docs, cache):
        corpus = Corpus(docs, registry.analyses, cache=cache)
        found = [(f.code, f.document, f.span, f.message) for check in (NameVariant({}), AlteredQuote({}))
                 for f in check.check_corpus(corpus)]
        if cache is not None:
            cache.close()
        return found

    cold = run(documents, Cache(tmp_path / "c", "test"))
    spellings = [m.split('"')[1] for code, _, _, m in cold if code == "TRN003"]
    assert spellings and any(code == "TRN004" for code, *_ in cold)
    assert run(documents, Cache(tmp_path / "c", "test")) == cold
    river = Document("zz-river.txt", f"Boats sail on the {spellings[0].lower()} river every spring.\n")
    warm = run(documents + [river], Cache(tmp_path / "c", "test"))
    assert warm == run(documents + [river], None)
    assert [m for code, _, _, m in warm if code == "TRN003" and spellings[0] in m] == []


def test_pair_swaps_from_the_cache_name_their_own_documents(tmp_path):
    """TRN002 keeps each document pair's swaps by both texts; two copies of one text are two pairs,
    and a warm run reports what an uncached run reports, related documents included."""
    from pathlib import Path

    from copydesk import Corpus
    from copydesk.cache import Cache
    from copydesk.manager import collect_registry, make_plugin_manager
    from copydesk.plugins.translation import SpunSubstitution

    registry = collect_registry(make_plugin_manager(autoload=False))
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    documents = [Document(p.name, p.read_text(encoding="utf-8")) for p in seeds]
    documents.append(Document("zz-copy.txt", documents[1].text))  # a second copy of one seed

    def run(cache, documents=documents):
        corpus = Corpus(documents, registry.analyses, cache=cache)
        found = [(f.document, f.span, f.message, tuple(r.document for r in f.related))
                 for f in SpunSubstitution({}).check_corpus(corpus)]
        if cache is not None:
            cache.close()
        return found

    fresh = run(None)
    assert any("zz-copy.txt" in related for *_, related in fresh)
    assert run(Cache(tmp_path / "c", "t")) == fresh
    assert run(Cache(tmp_path / "c", "t")) == fresh  # every pair from the cache
    # the same texts under other names (kept rows are found by texts, and name their pair's documents)
    renamed = [Document(("b-" if n % 2 else "a-") + d.id, d.text) for n, d in enumerate(documents)]
    fresh_renamed = run(None, renamed)
    assert fresh_renamed != fresh and run(Cache(tmp_path / "c", "t"), renamed) == fresh_renamed


def test_phrase_evidence_kept_across_runs_equals_counting_afresh(tmp_path):
    """TRN002's corpus counts (phrase document frequencies, PMI counts) are updated with the
    documents edited, deleted and added since the last run: the same counts as a full pass."""
    from pathlib import Path

    from copydesk import Corpus
    from copydesk.cache import Cache
    from copydesk.manager import collect_registry, make_plugin_manager
    from copydesk.plugins import trn_align
    from copydesk.plugins.translation import SpunSubstitution

    registry = collect_registry(make_plugin_manager(autoload=False))
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    documents = [Document(p.name, p.read_text(encoding="utf-8")) for p in seeds]
    corpus = Corpus(documents, registry.analyses)
    substitutions, _ = SpunSubstitution({})._substitutions(corpus, corpus.analysis("reuse").passages)
    assert substitutions
    phrase = next(side.phrase(True, True) for sub in substitutions for side in (sub.a, sub.b)
                  if len(side.phrase(True, True)) > len(side.swapped))
    words = [w.surface for w in trn_align.words_of(documents[0].text, documents[0].tokens)][:60]
    edited = [Document(documents[0].id, documents[0].text + "\nIn other words, " + " ".join(phrase) + ".\n"),
              *documents[2:], Document("zz-new.txt", " ".join(words) + "\n")]  # documents[1] deleted

    def counts(docs, cache):
        evidence = trn_align.gather_evidence(Corpus(docs, registry.analyses, cache=cache), substitutions)
        if cache is not None:
            cache.close()
        return ({p: sorted(h) for p, h in evidence.doc_freq.items() if h}, +evidence.unigrams,
                +evidence.bigrams, evidence.total)

    assert counts(documents, Cache(tmp_path / "c", "t")) == counts(documents, None)
    warm = counts(edited, Cache(tmp_path / "c", "t"))
    assert warm == counts(edited, None)
    assert documents[0].id in dict(warm[0]).get(phrase, [])
    assert counts(edited, Cache(tmp_path / "c", "t")) == warm  # nothing changed: read as kept

    # a larger corpus: a few edits leave the kept counts as written, and every run corrects
    # them for all the documents that differ from them (edits of earlier runs, one reverted)
    larger = documents + [Document(f"filler{k:02}.txt", " ".join(words[k:]) + f" Filler {k}.\n") for k in range(45)]
    runs = [larger, [edited[0], *larger[1:]], [edited[0], larger[1], Document(larger[2].id, larger[2].text + " More.\n"),
                                               *larger[3:]], [*larger[:2], Document(larger[2].id, larger[2].text + " More.\n"),
                                                              *larger[3:]]]
    for docs in runs:
        assert counts(docs, Cache(tmp_path / "big", "t")) == counts(docs, None)


def test_phrase_counts_find_every_occurrence_and_take_it_out_again():
    """TRN002's evidence pass: on real text, each wanted phrase's documents are the ones a
    plain scan of every position finds, and taking the documents out empties them."""
    import random
    from pathlib import Path

    from copydesk.plugins import trn_align

    rng = random.Random(7)
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    texts = {p.name: trn_align.word_keys(p.read_text(encoding="utf-8")) for p in seeds}
    grams = sorted({tuple(keys[i : i + n]) for keys in texts.values() for n in (2, 3, 4, 5)
                    for i in range(len(keys) - n + 1)})
    wanted = set(rng.sample(grams, 400)) | {("no", "such", "phrase"), ("said", "zzz")}
    evidence = trn_align.Evidence()
    for doc_id, keys in texts.items():
        trn_align._count(evidence, doc_id, keys, wanted, set(), set())
    expected = {}
    for doc_id, keys in texts.items():
        for n in (2, 3, 4, 5):
            for i in range(len(keys) - n + 1):
                if tuple(keys[i : i + n]) in wanted:
                    expected.setdefault(tuple(keys[i : i + n]), set()).add(doc_id)
    assert {p: h for p, h in evidence.doc_freq.items() if h} == expected
    assert len(expected) == 400  # every sampled phrase occurs somewhere
    for doc_id, keys in texts.items():  # taking the documents out again empties every set
        trn_align._count(evidence, doc_id, keys, wanted, set(), set(), sign=-1)
    assert not any(evidence.doc_freq.values())


def test_kept_swaps_read_back_as_they_were_written_whatever_their_text():
    """TRN002 keeps a pair's swaps as JSON with the documents as 0 and 1: any text (accents, a
    lone surrogate from a JSONL record) reads back the same, under the pair's current names."""
    from copydesk.plugins import trn_align
    from copydesk.plugins.translation import _from_roles_json, _roles_json
    from copydesk.plugins.trn_lexicon import Word

    words = [Word(0, 6, "État\udc80", "etat", 0, 1), Word(7, 9, "ñu", "nu", 1, 2), Word(10, 12, "“x”", "x", 2, 3)]
    subs = [trn_align.Substitution(trn_align.Side("old-b", words, 0, 1), trn_align.Side("old-a", words[1:], 1, 2),
                                   similarity=0.25, in_name=True)]
    raw = _roles_json(subs, ("old-a", "old-b"))
    assert raw.isascii()
    (back,) = _from_roles_json(raw, ("new-a", "new-b"))
    assert (back.a.doc, back.b.doc) == ("new-b", "new-a")
    assert back.a.words == words and back.b.words == words[1:] and (back.a.i1, back.a.i2) == (0, 1)
    assert back.similarity == 0.25 and back.in_name
