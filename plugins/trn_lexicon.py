"""Tortured-phrase lexicons and a fast phrase matcher for TRN001.

A lexicon maps a *tortured* phrase (a fixed expression with words swapped for
word-for-word synonyms, "counterfeit consciousness") to the *expected* phrase
("artificial intelligence"). This module loads lexicons (the built-in TSV, user TSV,
YAML or JSON files, the Problematic Paper Screener JSON export, inline mappings) and
compiles them into a :class:`PhraseMatcher` that finds entries in a document in one
pass over its tokens: entries are indexed by every accepted form of their first
word, so the cost is linear in the text length whatever the size of the lexicon.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from copydesk import Document, quick_init

BUILTIN_LEXICON = "tortured_phrases.tsv"
#: Placeholder for ``*`` (one capitalised word) while an entry is tokenised.
_SLOT_MARK = "qqslotqq"
_SLOT = "\x00slot"

# ----------------------------------------------------------------------- inflection

# Irregular verbs: lemma -> (past, past participle). Enough for the verbs that start
# fixed expressions ("take place", "make use of", "come up with", "find out").
IRREGULAR_VERBS: dict[str, tuple[str, str]] = {
    "be": ("was", "been"), "become": ("became", "become"), "begin": ("began", "begun"),
    "bear": ("bore", "borne"), "break": ("broke", "broken"), "bring": ("brought", "brought"),
    "build": ("built", "built"), "buy": ("bought", "bought"), "catch": ("caught", "caught"),
    "choose": ("chose", "chosen"), "come": ("came", "come"), "draw": ("drew", "drawn"),
    "drive": ("drove", "driven"), "fall": ("fell", "fallen"), "feel": ("felt", "felt"),
    "fight": ("fought", "fought"), "find": ("found", "found"), "get": ("got", "gotten"),
    "give": ("gave", "given"), "go": ("went", "gone"), "grow": ("grew", "grown"),
    "have": ("had", "had"), "hear": ("heard", "heard"), "hold": ("held", "held"),
    "keep": ("kept", "kept"), "know": ("knew", "known"), "lead": ("led", "led"),
    "leave": ("left", "left"), "lose": ("lost", "lost"), "make": ("made", "made"),
    "mean": ("meant", "meant"), "meet": ("met", "met"), "pay": ("paid", "paid"),
    "put": ("put", "put"), "rise": ("rose", "risen"), "run": ("ran", "run"),
    "say": ("said", "said"), "see": ("saw", "seen"), "seek": ("sought", "sought"),
    "sell": ("sold", "sold"), "send": ("sent", "sent"), "set": ("set", "set"),
    "shoot": ("shot", "shot"), "speak": ("spoke", "spoken"), "spend": ("spent", "spent"),
    "stand": ("stood", "stood"), "strike": ("struck", "struck"), "take": ("took", "taken"),
    "teach": ("taught", "taught"), "tell": ("told", "told"), "think": ("thought", "thought"),
    "win": ("won", "won"), "write": ("wrote", "written"),
}
_VOWELS = set("aeiou")


def _is_cvc(word: str) -> bool:
    """Short consonant-vowel-consonant words double their last letter: get -> getting."""
    return (
        len(word) in (3, 4)
        and word[-1] not in _VOWELS | set("wxy")
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    )


def inflect(word: str, form: str) -> str:
    """``word`` (lower-case lemma) in ``form``: base, s, ed, en, ing."""
    if form == "base" or len(word) < 3:
        return word
    irregular = IRREGULAR_VERBS.get(word)
    if form == "ed":
        if irregular:
            return irregular[0]
    if form == "en":
        if irregular:
            return irregular[1]
        form = "ed"
    if form == "s":
        if word.endswith(("s", "sh", "ch", "x", "z")):
            return word + "es"
        if word.endswith("y") and word[-2] not in _VOWELS:
            return word[:-1] + "ies"
        return word + "s"
    if form == "ed":
        if word.endswith("e"):
            return word + "d"
        if word.endswith("y") and word[-2] not in _VOWELS:
            return word[:-1] + "ied"
        return word + word[-1] + "ed" if _is_cvc(word) else word + "ed"
    if form == "ing":
        if word.endswith("e") and not word.endswith("ee"):
            return word[:-1] + "ing"
        return word + word[-1] + "ing" if _is_cvc(word) else word + "ing"
    return word


def noun_forms(word: str) -> dict[str, str]:
    """Accepted surface forms (lower-case) of a non-initial entry word -> their form."""
    forms = {word: "base", word + "'s": "base", word + "s'": "s"}
    if len(word) >= 3 and word.isalpha():
        forms.setdefault(inflect(word, "s"), "s")
        forms.setdefault(word + "s", "s")
    return forms


def verb_forms(word: str) -> dict[str, str]:
    """Accepted forms of an entry's first word: noun forms plus -ed, -ing, irregulars."""
    forms = noun_forms(word)
    if len(word) >= 3 and word.isalpha():
        for form in ("ed", "ing"):
            forms.setdefault(inflect(word, form), form)
            forms.setdefault(word + form, form)
        if word.endswith("e"):
            forms.setdefault(word + "d", "ed")
    lemma = next((k for k, v in IRREGULAR_VERBS.items() if word in (k, *v)), None)
    if lemma:
        past, participle = IRREGULAR_VERBS[lemma]
        forms.setdefault(lemma, "base")
        forms.setdefault(inflect(lemma, "s"), "s")
        forms.setdefault(inflect(lemma, "ing"), "ing")
        forms.setdefault(past, "ed")
        forms.setdefault(participle, "en")
    return forms


def fold(token_text: str) -> str:
    """The lookup key of a token: lower case, typographic apostrophes straightened."""
    key = token_text.lower()
    if "’" in key or "‘" in key:
        key = key.replace("’", "'").replace("‘", "'")
    return key


# ---------------------------------------------------------------------- sub-tokens

_HYPHENS = "-‐‑"
_SOFT_GAP = re.compile(r"[\s\-‐‑]+")


def gap_key(gap: str) -> str:
    """What separates two words, for comparison: spaces and hyphens count as nothing.

    A blank line (a paragraph break) is a barrier, like punctuation.
    """
    if "\n" in gap and re.search(r"\n\s*\n", gap):
        return "¶"
    return _SOFT_GAP.sub("", gap)


@quick_init  # millions are read back from the cache on a warm run
@dataclass(frozen=True, slots=True)
class Word:
    """A word of the text: a token, or a hyphen-separated part of one."""

    start: int
    end: int
    surface: str
    key: str
    #: True when the word starts / ends a whole token (not inside "Russia-North").
    token_start: bool
    token_end: bool


def words_of(text: str, tokens: Iterable) -> list[Word]:
    """The words of a text: its tokens, split at hyphens."""
    words: list[Word] = []
    for token in tokens:
        surface = token.text
        if "-" not in surface and "‐" not in surface and "‑" not in surface:  # the common case, fast
            words.append(Word(token.start, token.end, surface, fold(surface), True, True))
            continue
        parts = re.split(f"([{_HYPHENS}])", surface)
        offset = token.start
        pieces = []
        for part in parts:
            if part and part not in _HYPHENS:
                pieces.append((offset, offset + len(part), part))
            offset += len(part)
        for index, (start, end, part) in enumerate(pieces):
            words.append(Word(start, end, part, fold(part), index == 0, index == len(pieces) - 1))
    return words


# ------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class Entry:
    """One lexicon entry, compiled for matching."""

    tortured: str
    expected: str
    source: str
    domain: str = ""
    exact: bool = False
    #: surface form of each word as written in the entry (``_SLOT`` for ``*``)
    words: tuple[str, ...] = ()
    #: accepted lower-case forms of each word -> the inflection they carry
    forms: tuple[Mapping[str, str], ...] = ()
    #: required gap key between word i and i+1
    gaps: tuple[str, ...] = ()


def compile_entry(tortured: str, expected: str, source: str, domain: str = "", exact: bool = False) -> Entry | None:
    """An :class:`Entry`, or None when the tortured phrase has no words."""
    phrase = " ".join(tortured.split()).replace("*", _SLOT_MARK)
    words = words_of(phrase, Document("lexicon entry", phrase).tokens)
    if not words:
        return None
    surfaces = tuple(_SLOT if w.key == _SLOT_MARK else w.surface.replace("’", "'") for w in words)
    forms = []
    for index, surface in enumerate(surfaces):
        if surface == _SLOT:
            forms.append({})
        elif index == 0:
            forms.append(verb_forms(surface.lower()))
        else:
            forms.append(noun_forms(surface.lower()))
    gaps = tuple(gap_key(phrase[a.end : b.start]) for a, b in zip(words, words[1:]))
    return Entry(tortured.strip(), expected.strip(), source, domain, exact, surfaces, tuple(forms), gaps)


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int
    end: int
    first: int  # index of the first word
    last: int  # index of the last word (inclusive)
    suggestion: str


@dataclass
class PhraseMatcher:
    """Finds lexicon entries in text; entries are indexed by the forms of their first word."""

    entries: list[Entry] = field(default_factory=list)
    index: dict[str, list[Entry]] = field(default_factory=dict)
    slot_first: list[Entry] = field(default_factory=list)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if entry.words[0] == _SLOT:
            self.slot_first.append(entry)
            return
        for form in entry.forms[0]:
            self.index.setdefault(form, []).append(entry)

    def finish(self) -> "PhraseMatcher":
        """Order each bucket longest entry first, so the first match found is the longest."""
        for bucket in self.index.values():
            bucket.sort(key=lambda e: -len(e.words))
        self.slot_first.sort(key=lambda e: -len(e.words))
        return self

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str, tokens: Iterable) -> Iterator[Match]:
        """Non-overlapping matches, left to right, the longest at each position."""
        words = words_of(text, tokens)
        i = 0
        while i < len(words):
            match = None
            if words[i].token_start:
                for entry in [*self.index.get(words[i].key, ()), *self.slot_first]:
                    match = self._match_at(entry, text, words, i)
                    if match:
                        break
            if match:
                yield match
                i = match.last + 1
            else:
                i += 1

    @staticmethod
    def _match_at(entry: Entry, text: str, words: list[Word], i: int) -> Match | None:
        n = len(entry.words)
        if i + n > len(words) or not words[i + n - 1].token_end:
            return None
        for k in range(1, n):  # cheap rejection on the words before anything else
            if entry.words[k] != _SLOT and words[i + k].key not in entry.forms[k]:
                return None
        inflections = []
        slots = []
        for k in range(n):
            word = words[i + k]
            if k and gap_key(text[words[i + k - 1].end : word.start]) != entry.gaps[k - 1]:
                return None
            wanted = entry.words[k]
            if wanted == _SLOT:
                if not word.surface[:1].isupper():
                    return None
                slots.append(word.surface)
                inflections.append("base")
                continue
            inflection = entry.forms[k].get(word.key)
            if inflection is None:
                return None
            surface = word.surface.replace("’", "'")
            if entry.exact and not surface.startswith(wanted) and surface != wanted:
                return None
            if wanted[:1].isupper() and not surface[:1].isupper():
                return None
            inflections.append(inflection)
        start, end = words[i].start, words[i + n - 1].end
        suggestion = _suggest(entry, inflections, slots, words[i].surface)
        return Match(entry, start, end, i, i + n - 1, suggestion)


def _suggest(entry: Entry, inflections: list[str], slots: list[str], first_surface: str) -> str:
    """The expected phrase, inflected like the matched text and with slots filled in."""
    expected = entry.expected
    for slot in slots:
        expected = expected.replace("*", slot, 1)
    parts = expected.split(" ")
    if inflections and inflections[0] in ("s", "ed", "en", "ing") and parts[0].islower() and len(parts) > 1:
        parts[0] = inflect(parts[0], inflections[0])
    if len(inflections) > 1 and inflections[-1] == "s" and parts[-1].isalpha() and parts[-1].islower():
        parts[-1] = inflect(parts[-1], "s")
    suggestion = " ".join(parts)
    if first_surface[:1].isupper() and suggestion[:1].islower():
        suggestion = suggestion[0].upper() + suggestion[1:]
    return suggestion


# ------------------------------------------------------------------------ loading


class LexiconError(ValueError):
    """A lexicon file that cannot be read; the message names the file and line."""


def parse_tsv(text: str, source: str) -> list[Entry]:
    """``tortured<TAB>expected[<TAB>domain[<TAB>exact]]`` lines; ``#`` starts a comment."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2 or not cols[0] or not cols[1]:
            raise LexiconError(f"{source}:{number}: expected 'tortured<TAB>expected', got {line!r}")
        domain = cols[2] if len(cols) > 2 else ""
        exact = len(cols) > 3 and cols[3].lower() == "exact"
        entry = compile_entry(cols[0], cols[1], source, domain, exact)
        if entry:
            entries.append(entry)
    return entries


def parse_mapping(data: object, source: str) -> list[Entry]:
    """Entries from parsed JSON/YAML.

    Accepted shapes: ``{tortured: expected}``; a list of ``{tortured, expected}``
    (or ``correct``) records; or an object holding such a list under ``phrases``
    (the Problematic Paper Screener export).
    """
    if isinstance(data, Mapping) and isinstance(data.get("phrases"), list):
        data = data["phrases"]
    pairs: list[tuple[str, str, str, bool]] = []
    if isinstance(data, Mapping):
        pairs = [(str(k), str(v), "", False) for k, v in data.items()]
    elif isinstance(data, list):
        for number, record in enumerate(data):
            if not isinstance(record, Mapping):
                raise LexiconError(f"{source}: item {number} is not an object")
            tortured = record.get("tortured")
            expected = record.get("expected", record.get("correct"))
            if not tortured or not expected:
                raise LexiconError(f"{source}: item {number} needs 'tortured' and 'expected' (or 'correct')")
            pairs.append((str(tortured), str(expected), str(record.get("domain", "")), bool(record.get("exact", False))))
    else:
        raise LexiconError(f"{source}: expected a mapping or a list of {{tortured, expected}} records")
    return [e for e in (compile_entry(t, x, source, d, ex) for t, x, d, ex in pairs) if e]


def load_file(path: str | Path) -> list[Entry]:
    """A user lexicon: ``.tsv``/``.txt`` (tab-separated), ``.json`` or ``.yaml``/``.yml``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise LexiconError(f"{path}: not valid JSON: {exc}") from None
        return parse_mapping(data, str(path))
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise LexiconError(f"{path}: not valid YAML: {exc}") from None
        return parse_mapping(data or {}, str(path))
    return parse_tsv(text, str(path))


@lru_cache(maxsize=1)
def builtin_entries() -> tuple[Entry, ...]:
    """The lexicon shipped with copydesk (parsed once per process)."""
    from importlib.resources import files

    text = files("copydesk.plugins").joinpath(BUILTIN_LEXICON).read_text(encoding="utf-8")
    return tuple(parse_tsv(text, "builtin"))


def build_matcher(
    builtin: bool = True,
    lexicons: Iterable[str] = (),
    phrases: Mapping[str, str] | None = None,
    ignore: Iterable[str] = (),
) -> PhraseMatcher:
    """A matcher over the built-in lexicon, user files and inline phrases.

    Later sources override earlier ones for the same tortured phrase; ``ignore``
    lists tortured phrases never to report.
    """
    by_phrase: dict[str, Entry] = {}
    sources: list[Iterable[Entry]] = []
    if builtin:
        sources.append(builtin_entries())
    for path in lexicons:
        sources.append(load_file(path))
    if phrases:
        sources.append(parse_mapping(dict(phrases), "options.phrases"))
    for entries in sources:
        for entry in entries:
            by_phrase[_phrase_key(entry)] = entry
    skipped = {_phrase_key(e) for e in (compile_entry(p, "-", "options.ignore") for p in ignore) if e}
    matcher = PhraseMatcher()
    for key, entry in by_phrase.items():
        if key not in skipped:
            matcher.add(entry)
    return matcher.finish()


def _phrase_key(entry: Entry) -> str:
    return " ".join(fold(w) if w != _SLOT else "*" for w in entry.words)
