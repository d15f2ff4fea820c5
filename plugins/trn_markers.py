"""Markers of translated or machine-translated text, for TRN005.

Four kinds, each a function from the document text (and its views) to
:class:`Marker` records with exact offsets:

* mojibake: UTF-8 text decoded as Windows-1252/Latin-1 ("cafÃ©", "donâ€™t") and
  replacement characters; ``ftfy`` (optional) gives better repairs;
* foreign script: a run of Cyrillic, Chinese, Arabic... letters in an English text,
  except a gloss in brackets next to the romanised name ("Xi Jinping (習近平)");
* foreign language: a sentence in another Latin-script language, found by its
  function words (lower-case only, so "Le Monde" and "Der Spiegel" do not count);
  ``lingua-language-detector`` (optional) names the language of sentences the word
  lists cannot place;
* calques: constructions copied word for word from another language ("since two
  years", "3,5 million", „German quotes“, "on the territory of").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

# --------------------------------------------------------------------------- record


@dataclass(frozen=True, slots=True)
class Marker:
    kind: str  # mojibake | foreign-script | foreign-language | calque
    start: int
    end: int
    message: str
    suggestion: str | None = None
    detail: str = ""  # script, language or calque name


# ------------------------------------------------------------------------- mojibake

# A lead byte of a 2- to 4-byte UTF-8 sequence read as Windows-1252, followed by one
# to three continuation bytes read the same way.
_CP1252_CONTINUATION = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_MOJIBAKE = re.compile(f"(?:[\u00c2-\u00f4][{_CP1252_CONTINUATION}]{{1,3}})+")
_REPLACEMENT = re.compile("\ufffd+")


def _redecode(run: str) -> str | None:
    """The text ``run`` was before UTF-8 bytes were misread as cp1252/latin-1, if any."""
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = run.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != run:
            return fixed
    return None


def _ftfy_fix(text: str) -> str | None:
    try:
        import ftfy  # optional: better repairs (double encodings, mixed codecs)
    except ImportError:
        return None
    return ftfy.fix_text(text)


def find_mojibake(text: str) -> Iterator[Marker]:
    for match in _MOJIBAKE.finditer(text):
        run = match.group()
        fixed = _redecode(run) or _ftfy_fix(run)
        if fixed is None or fixed == run:
            continue
        yield Marker(
            "mojibake", match.start(), match.end(),
            f"mojibake \"{run}\": UTF-8 text decoded with the wrong encoding; expected \"{fixed}\"",
            fixed, "utf-8 read as cp1252",
        )
    for match in _REPLACEMENT.finditer(text):
        yield Marker(
            "mojibake", match.start(), match.end(),
            "replacement character \"\ufffd\": characters were lost when the text was decoded",
            None, "replacement character",
        )


# -------------------------------------------------------------------- foreign script

_SCRIPT_RANGES = (
    (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"), (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
    (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0E00, 0x0E7F, "Thai"),
    (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Hangul"), (0x3040, 0x309F, "Japanese kana"),
    (0x30A0, 0x30FF, "Japanese kana"), (0x3400, 0x4DBF, "Chinese"), (0x4E00, 0x9FFF, "Chinese"),
    (0xAC00, 0xD7AF, "Hangul"), (0xF900, 0xFAFF, "Chinese"),
)
# Scripts written without spaces: two characters already make a word.
_DENSE = {"Chinese", "Japanese kana", "Hangul", "Thai"}
_RUN_BREAKERS = "\n()[]（）"


# Any character past the Latin blocks that script_of reads as Latin (below U+0370).
_BEYOND_LATIN = re.compile("[^\x00-\u036f]")


def script_of(char: str) -> str:
    """``Latin``, another script's name, or ``""`` for non-letters."""
    if not char.isalpha():
        return ""
    code = ord(char)
    if code < 0x0370:
        return "Latin"
    for low, high, name in _SCRIPT_RANGES:
        if low <= code <= high:
            return name
    if 0x1E00 <= code <= 0x1EFF:
        return "Latin"
    return unicodedata.name(char, "other").split(" ")[0].title()


def _in_brackets(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands inside (...) / [...] / （...）, a gloss."""
    before = text[max(0, start - 40) : start]
    after = text[end : end + 40]
    opened = max(before.rfind("("), before.rfind("["), before.rfind("（"))
    closed_before = max(before.rfind(")"), before.rfind("]"), before.rfind("）"))
    if opened < 0 or closed_before > opened:
        return False
    closes = [i for i in (after.find(")"), after.find("]"), after.find("）")) if i >= 0]
    return bool(closes) and "\n" not in after[: min(closes)]


def find_foreign_script(text: str, min_letters: int = 4) -> Iterator[Marker]:
    """Runs of non-Latin letters in a mostly Latin text, outside bracketed glosses."""
    if _BEYOND_LATIN.search(text) is None:
        return  # every letter is Latin: nothing to find (most texts; saves a look at every character)
    letters = [script_of(c) for c in text]
    latin = sum(1 for s in letters if s == "Latin")
    foreign = sum(1 for s in letters if s and s != "Latin")
    if latin == 0 or foreign > latin:  # not an English text with foreign pieces
        return
    i, n = 0, len(text)
    while i < n:
        script = letters[i]
        if not script or script == "Latin":
            i += 1
            continue
        # the run goes on over spaces and punctuation while the letters stay in the
        # script; a line break or a bracket ends it
        end, count, j = i + 1, 1, i + 1
        while j < n and letters[j] in (script, "") and text[j] not in _RUN_BREAKERS:
            if letters[j] == script:
                count += 1
                end = j + 1
            j += 1
        words = len(text[i:end].split())
        needed = 2 if script in _DENSE else min_letters
        lone_symbol = script == "Greek" and words == 1 and count <= 3  # "α-synuclein", "μg"
        if count >= needed and not lone_symbol and not _in_brackets(text, i, end):
            segment = text[i:end]
            yield Marker(
                "foreign-script", i, end,
                f"untranslated {script} text \"{_short(segment)}\" in an English text; translate it "
                f"or give it as a gloss in brackets after the English",
                None, script,
            )
        i = end


# ------------------------------------------------------------------ foreign language

# Frequent function words of other Latin-script languages that are not English words.
FUNCTION_WORDS = {
    "French": "le les des du est une et dans pour qui que pas sur avec sont mais plus nous vous ils elle cette été aux leur ses ces très était avait sont ont aussi",
    "Spanish": "el los las del una y que por con para como pero sus está son fue muy más también este esta entre sobre cuando hay ser había desde",
    "German": "der das und ist nicht mit sich auch eine einen dem wird sind wurde werden für über nach bei aus oder aber wie noch schon sehr zum zur vom dass ich wir",
    "Italian": "il lo gli della delle dei che è sono una non anche questo questa nel nella alla degli più stato essere hanno molto",
    "Portuguese": "os das dos uma não com para mais por foi são também está muito nos pelo pela ao ele ela seu sua",
    "Dutch": "het een van niet zijn dat met voor ook maar bij nog wordt werd deze naar heeft hebben zich",
}
_FOREIGN_WORDS = {lang: frozenset(words.split()) for lang, words in FUNCTION_WORDS.items()}
ENGLISH_FUNCTION_WORDS = frozenset(
    "the a an of to and in is was for on that with as by at from it he she they his her their "
    "has have had be been are were will would said not but this which who or its also".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _guess_language(words: list[str]) -> tuple[str, int]:
    """The foreign language with most lower-case function words among ``words``."""
    best, best_count = "", 0
    for lang, vocabulary in _FOREIGN_WORDS.items():
        count = sum(1 for w in words if w in vocabulary)
        if count > best_count:
            best, best_count = lang, count
    return best, best_count


@lru_cache(maxsize=1)
def _lingua_detector():
    """A lingua detector when ``lingua-language-detector`` is installed, else None."""
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    # Latin-script languages only (other scripts are found by their letters); a short
    # list keeps the models small and quick to load.
    names = (
        "ENGLISH FRENCH SPANISH GERMAN ITALIAN PORTUGUESE DUTCH POLISH CZECH SLOVAK TURKISH "
        "SWEDISH DANISH BOKMAL FINNISH HUNGARIAN ROMANIAN CROATIAN INDONESIAN VIETNAMESE "
        "TAGALOG ESTONIAN LATVIAN LITHUANIAN SLOVENE ALBANIAN"
    ).split()
    languages = [getattr(Language, n) for n in names if hasattr(Language, n)]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def find_foreign_language(text: str, sentences, min_words: int = 5, use_lingua: bool = True) -> Iterator[Marker]:
    """Sentences written in another Latin-script language."""
    detector = _lingua_detector() if use_lingua else None
    for sentence in sentences:
        all_words = _WORD.findall(sentence.text)
        if len(all_words) < min_words:
            continue
        # capitalised words are mostly names ("Le Monde", "El Paso"); count lower case only
        lower = [w for w in all_words[1:] if w.islower()] + ([all_words[0].lower()] if all_words else [])
        english = sum(1 for w in lower if w in ENGLISH_FUNCTION_WORDS)
        language, foreign = _guess_language(lower)
        mostly_lower = len(lower) >= 0.6 * len(all_words)  # not a string of names ("Caisse Nationale de ...")
        found = mostly_lower and foreign >= 3 and foreign > 2 * english and foreign >= 0.25 * len(all_words)
        if not found and detector is not None and english == 0 and mostly_lower and len(all_words) >= min_words + 1:
            language = _lingua_language(detector, sentence.text)
            # the detector guesses wildly on English telegraphese ("shr 26 cts vs 18 cts"):
            # trust it only with the language's own evidence, function words or accented letters
            accented = sum(1 for w in all_words if not w.isascii())
            own_words = sum(1 for w in lower if w in _FOREIGN_WORDS.get(language, ()))
            found = bool(language) and language != "English" and (accented >= 2 or own_words >= 2)
        if found and language:
            start, end = sentence.span.start, sentence.span.end
            yield Marker(
                "foreign-language", start, end,
                f"sentence in {language} in an English text: \"{_short(sentence.text)}\"; "
                "translate it or mark it as a quotation in the original language",
                None, language,
            )


def _lingua_language(detector, text: str) -> str:
    values = detector.compute_language_confidence_values(text)
    if not values:
        return ""
    top = values[0]
    if top.value < 0.9:
        return ""
    return top.language.name.title()


# -------------------------------------------------------------------------- calques

_NUMBER_WORDS = r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|many|several|\d{1,3})"
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_COUNTED = r"(?:people|persons|euros?|dollars?|roubles?|rubles?|yuan|soldiers|troops|jobs|cases|residents|inhabitants|tons|tonnes|kilometres|kilometers|km|units|copies|votes|visitors|workers|victims|deaths)"


@dataclass(frozen=True)
class Calque:
    name: str
    pattern: re.Pattern
    explanation: str
    #: builds the suggestion from the match, or None
    fix: object = None


def _fix_decimal(m: re.Match) -> str:
    return m.group(0).replace(",", ".", 1)


def _fix_thousands(m: re.Match) -> str:
    return re.sub(r"(?<=\d)[. \u00a0\u202f](?=\d{3})", ",", m.group(0))


CALQUES: tuple[Calque, ...] = (
    Calque(
        "since-duration",
        re.compile(rf"\bsince {_NUMBER_WORDS} (?:years|months|weeks|days|hours|decades)\b(?! ago| earlier| before| after| later)", re.I),
        "\"since\" with a duration copies French \"depuis\" / German \"seit\"; English says \"for\"",
        lambda m: re.sub(r"(?i)^since", "for", m.group(0)),
    ),
    Calque(
        "decimal-comma",
        re.compile(r"\b\d+,\d{1,2}(?= ?(?:%|per ?cent|percent|million|billion|trillion|euros?|dollars?|km|kg|metres|meters|degrees)\b|%)"),
        "a decimal comma (\"3,5\") is continental notation; English writes a decimal point",
        _fix_decimal,
    ),
    Calque(
        "thousands-separator",
        re.compile(rf"\b\d{{1,3}}(?:[.\u00a0\u202f ]\d{{3}})+(?= {_COUNTED}\b)"),
        "a full stop or space between thousands (\"10.000 people\") is continental notation; English writes a comma",
        _fix_thousands,
    ),
    Calque(
        "low-quote-marks",
        re.compile(r"„[^“”\"\n]{1,300}[“”\"]"),
        "„low-high“ quotation marks are German or Eastern European typography; English uses “...”",
        lambda m: "“" + m.group(0)[1:-1] + "”",
    ),
    Calque(
        "guillemets",
        re.compile(r"«[^»\n]{1,300}»"),
        "«guillemets» are French, Russian or Italian quotation marks; English uses “...”",
        lambda m: "“" + m.group(0)[1:-1].strip() + "”",
    ),
    Calque(
        "euro-after-number",
        re.compile(r"\b\d+(?:[.,]\d+)? ?€"),
        "the euro sign after the amount is continental style; English writes it before (€5)",
        lambda m: "€" + m.group(0).rstrip("€ ").strip(),
    ),
    Calque(
        "on-the-territory-of",
        re.compile(r"\bon the territory of\b", re.I),
        "\"on the territory of\" copies Russian/Ukrainian \"на территории\"; English says \"in\"",
        lambda m: "in",
    ),
    Calque(
        "day-of-month",
        re.compile(rf"\b(?:on|the) \d{{1,2}} of {_MONTHS}\b"),
        "\"the 3 of May\" copies a day-of-month construction; English writes \"3 May\" or \"May 3\"",
        lambda m: re.sub(r"^(?:on|the) (\d{1,2}) of ", lambda g: m.group(0).split(" ")[0] + " " + g.group(1) + " ", m.group(0)),
    ),
    Calque(
        "age-with-have",
        re.compile(r"\b(?:he|she|who) (?:has|had) \d{1,2} years(?= old\b|[.,;])", re.I),
        "\"has 30 years\" for age copies French/Spanish/Italian \"avoir ... ans\"; English says \"is 30\"",
        None,
    ),
    Calque(
        "national-side",
        re.compile(r"\bthe (?:Russian|Ukrainian|Chinese|American|German|French|Japanese|Turkish|Iranian|Korean|Polish|Czech) side(?= (?:said|stated|noted|insists|insisted|believes|believed|expressed|expects|proposed|demanded|considers)\b)"),
        "\"the Russian side said\" copies diplomatic usage in Russian and Chinese (сторона, 方); English names the government",
        None,
    ),
    Calque(
        "it-is-learned",
        re.compile(r"\bit is (?:learned|learnt) that\b", re.I),
        "\"it is learned that\" copies Chinese 据悉; English names the source (\"officials said\")",
        None,
    ),
    Calque(
        "relevant-departments",
        re.compile(r"\b(?:the )?relevant (?:departments|authorities concerned)\b", re.I),
        "\"relevant departments\" copies Chinese 有关部门; English names the departments",
        None,
    ),
    Calque(
        "broad-masses",
        re.compile(r"\bthe broad masses\b", re.I),
        "\"the broad masses\" copies Chinese 广大群众; English says \"the public\" or \"people\"",
        lambda m: "the public",
    ),
    Calque(
        "make-a-photo",
        re.compile(r"\b(?:make|makes|made|making) (?:a )?(?:photo|photos)\b", re.I),
        "\"make a photo\" copies German \"ein Foto machen\" / French \"faire une photo\"; English says \"take a photo\"",
        None,
    ),
)


def find_calques(text: str) -> Iterator[Marker]:
    for calque in CALQUES:
        for match in calque.pattern.finditer(text):
            suggestion = calque.fix(match) if callable(calque.fix) else None
            yield Marker(
                "calque", match.start(), match.end(),
                f"literal construction \"{_short(match.group(0))}\": {calque.explanation}",
                suggestion, calque.name,
            )


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
