"""Understand a day the customer typed instead of tapping: "tomorrow", "Freitag", "24.12.".

`parse_day(text, today, language)` reads the text in one of meetergo's eleven languages (en, de,
fr, es, no, nl, it, pl, sv, tr, da) plus the language-neutral numeric forms. It is a pure
function: no I/O, and the only clock it knows is the `today` it is given.

Own rules handle everything the bot promises to understand, because they are exact and fast:

* today / tomorrow / the day after (and yesterday, which is over),
* weekday names (CLDR's full and abbreviated forms, a few more, or an unambiguous prefix of
  at least four letters), "next friday"-style phrases and "friday next week",
* numeric dates in the language's order, ISO dates, dates with month names,
* "in 3 days" / "in 2 weeks" with digits or the number words one to ten.

Matching is case-insensitive and ignores accents ("miercoles", "sroda", "carsamba"), surrounding
punctuation, a leading filler ("on", "am", "le", "el", "på", ...) and a time of day ("friday
10:30"). Whatever the rules don't recognise goes to `dateparser`, restricted to the language,
and its answer is only taken when it names a day or a week (not a month, a year, or a time).

Rules:

* A weekday alone means the next such day, today if today is that weekday. With "next"
  ("nächsten", "prochain", "neste", ...) it means the same, except that on that very weekday it
  means the one a week later: on Monday 7 Dec "next friday" is Friday 11 Dec; on Friday 11 Dec it
  is Friday 18 Dec. "friday next week" ("Freitag nächste Woche", "volgende week vrijdag",
  "haftaya cuma") is the Friday of the next calendar week (weeks start on Monday).
* A date without a year means its next occurrence (today included), so "03.01." in December is
  January of the next year.
* Dots are always day-first. Slashes and dashes are day-first, except in English, where they are
  month-first (US) — but when both orders give a possible day that is not over, English is
  genuinely ambiguous ("03/04") and `AmbiguousDayError` lists both, month-first first.
* A weekday next to a date ("Fri 24.12.", "24 Aralık Perşembe") must agree with it; when it
  doesn't, the date and the nearest day with that weekday are offered as `AmbiguousDayError`.
  It also settles an ambiguous English "Fri 03/04".
* A day that is over (an explicit past date, "yesterday") raises `PastDayError`; impossible dates
  ("31.02.") and text that names no day return None. Nothing else is ever raised.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from babel.dates import get_day_names, get_month_names

from bot.i18n import negotiate_language
from bot.text import fold

__all__ = ["LANGUAGES", "AmbiguousDayError", "PastDayError", "parse_day"]


class PastDayError(ValueError):
    """The typed day is already over."""

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} is already over")
        self.day = day


class AmbiguousDayError(ValueError):
    """The text fits more than one upcoming day; `candidates` lists them, likeliest first."""

    def __init__(self, candidates: Sequence[date]) -> None:
        super().__init__("could mean " + " or ".join(day.isoformat() for day in candidates))
        self.candidates = list(candidates)


# --- text normalisation ------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u00b4`]")
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def _clean(text: str) -> str:
    """Lower case, one space between words, no punctuation around, hyphenated words split."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _APOSTROPHES.sub("'", _DASHES.sub("-", text)).replace(",", " ")
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return " ".join(_WORD_HYPHEN.sub(" ", text[start:end]).split())


# A time of day next to the day ("friday 10:30", "morgen um 10 Uhr") is not part of the day.
_CLOCK_TIME = re.compile(
    r"(?:\b(?:at|um|à|a las|a la|alle|kl|klokken|klockan|om|o|godz|saat)\.?\s*)?"
    r"\b[0-9]{1,2}(?:[:h][0-9]{2}(?:\s*(?:uhr|h|am|pm)\b)?|\s*(?:uhr|h|am|pm)\b)"
)
# "at 10", "um 10": a bare hour needs the word; "om"/"o" are left out ("om 3 dager" is a day).
_BARE_HOUR = re.compile(
    r"\b(?:at|um|à|a las|a la|alle|kl|klokken|klockan|godz|saat)\.?\s*[0-9]{1,2}(?![0-9./-])"
)


# --- languages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Words:
    """The vocabulary of one language, written naturally; `_Language` folds it."""

    cldr: str
    relative: Mapping[str, int]
    numbers: Mapping[str, int]
    units: Mapping[str, int]
    in_before: Sequence[str] = ()
    in_after: Sequence[str] = ()
    next_before: Sequence[str] = ()
    next_after: Sequence[str] = ()
    filler_before: Sequence[str] = ()
    filler_after: Sequence[str] = ()
    next_week: Sequence[str] = ()
    weekdays: Mapping[str, int] = field(default_factory=dict)
    month_first_slashes: bool = False
    number_optional: bool = False


_WORDS: Final[dict[str, _Words]] = {
    "en": _Words(
        cldr="en",
        relative={
            "today": 0,
            "tod": 0,
            "tomorrow": 1,
            "tmrw": 1,
            "tmr": 1,
            "tomorow": 1,
            "tommorow": 1,
            "tommorrow": 1,
            "day after tomorrow": 2,
            "the day after tomorrow": 2,
            "overmorrow": 2,
            "yesterday": -1,
            "day before yesterday": -2,
            "the day before yesterday": -2,
        },
        numbers={"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
        | {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10},
        units={"day": 1, "days": 1, "week": 7, "weeks": 7},
        in_before=("in",),
        in_after=("from now", "from today"),
        next_before=("next", "coming", "this coming"),
        next_week=("next week",),
        filler_before=("on", "the", "this"),
        filler_after=(
            "morning",
            "in the morning",
            "afternoon",
            "in the afternoon",
            "evening",
            "in the evening",
            "night",
        ),
        weekdays={"tues": 1, "weds": 2, "thur": 3, "thurs": 3},
        month_first_slashes=True,
    ),
    "de": _Words(
        cldr="de",
        relative={
            "heute": 0,
            "morgen": 1,
            "übermorgen": 2,
            "uebermorgen": 2,
            "gestern": -1,
            "vorgestern": -2,
        },
        numbers={"ein": 1, "eine": 1, "einem": 1, "einer": 1, "einen": 1, "zwei": 2, "drei": 3}
        | {"vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
        | {"zehn": 10},
        units={"tag": 1, "tage": 1, "tagen": 1, "woche": 7, "wochen": 7},
        in_before=("in",),
        next_before=(
            "nächsten",
            "nächster",
            "nächste",
            "naechsten",
            "naechster",
            "naechste",
            "kommenden",
            "kommender",
            "kommende",
        ),
        next_week=("nächste woche", "naechste woche", "kommende woche"),
        filler_before=("am", "an", "den", "diesen", "dieser", "diese"),
        filler_after=(
            "früh",
            "vormittag",
            "am vormittag",
            "mittag",
            "nachmittag",
            "am nachmittag",
            "abend",
            "am abend",
        ),
        weekdays={"don": 3, "sam": 5},
    ),
    "fr": _Words(
        cldr="fr",
        relative={
            "aujourd'hui": 0,
            "aujourd hui": 0,
            "aujourdhui": 0,
            "auj": 0,
            "demain": 1,
            "après demain": 2,
            "apres demain": 2,
            "hier": -1,
            "avant hier": -2,
        },
        numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6}
        | {"sept": 7, "huit": 8, "neuf": 9, "dix": 10},
        units={"jour": 1, "jours": 1, "semaine": 7, "semaines": 7},
        in_before=("dans", "d'ici"),
        next_before=("prochain", "le prochain"),
        next_after=("prochain", "qui vient"),
        next_week=("de la semaine prochaine", "la semaine prochaine", "semaine prochaine"),
        filler_before=("le", "ce"),
        filler_after=("matin", "après midi", "apres midi", "soir"),
    ),
    "es": _Words(
        cldr="es",
        relative={
            "hoy": 0,
            "mañana": 1,
            "pasado mañana": 2,
            "ayer": -1,
            "anteayer": -2,
            "antier": -2,
            "antes de ayer": -2,
        },
        numbers={"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5}
        | {"seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
        units={"día": 1, "días": 1, "semana": 7, "semanas": 7},
        in_before=("en", "dentro de"),
        next_before=("próximo", "el próximo", "este próximo"),
        next_after=("próximo", "que viene"),
        next_week=(
            "de la semana que viene",
            "de la próxima semana",
            "la semana que viene",
            "la próxima semana",
        ),
        filler_before=("el", "este"),
        filler_after=(
            "por la mañana",
            "en la mañana",
            "por la tarde",
            "en la tarde",
            "por la noche",
        ),
    ),
    "no": _Words(
        cldr="nb",
        relative={
            "i dag": 0,
            "idag": 0,
            "i morgen": 1,
            "imorgen": 1,
            "i overmorgen": 2,
            "overmorgen": 2,
            "i går": -1,
            "igår": -1,
            "i forgårs": -2,
            "forgårs": -2,
        },
        numbers={"en": 1, "ett": 1, "ei": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5}
        | {"seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10},
        units={"dag": 1, "dager": 1, "døgn": 1, "uke": 7, "uker": 7, "uka": 7},
        in_before=("om",),
        next_before=("neste", "kommende", "førstkommende"),
        next_week=("neste uke", "neste veke"),
        filler_before=("på", "den", "denne"),
        filler_after=("formiddag", "ettermiddag", "kveld"),
    ),
    "nl": _Words(
        cldr="nl",
        relative={
            "vandaag": 0,
            "morgen": 1,
            "morgenochtend": 1,
            "morgenmiddag": 1,
            "morgenavond": 1,
            "overmorgen": 2,
            "gisteren": -1,
            "eergisteren": -2,
        },
        numbers={"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6}
        | {"zeven": 7, "acht": 8, "negen": 9, "tien": 10},
        units={"dag": 1, "dagen": 1, "week": 7, "weken": 7},
        in_before=("over", "binnen"),
        next_before=("volgende", "komende", "aanstaande"),
        next_week=("volgende week", "komende week"),
        filler_before=("op", "deze"),
        filler_after=("ochtend", "middag", "avond", "'s ochtends", "'s middags", "'s avonds"),
    ),
    "it": _Words(
        cldr="it",
        relative={
            "oggi": 0,
            "domani": 1,
            "dopodomani": 2,
            "dopo domani": 2,
            "ieri": -1,
            "l'altro ieri": -2,
            "altro ieri": -2,
            "altroieri": -2,
            "l'altroieri": -2,
        },
        numbers={"un": 1, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5}
        | {"sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10},
        units={"giorno": 1, "giorni": 1, "settimana": 7, "settimane": 7},
        in_before=("tra", "fra"),
        next_before=("prossimo", "il prossimo", "prossima", "la prossima"),
        next_after=("prossimo", "prossima"),
        next_week=(
            "della prossima settimana",
            "della settimana prossima",
            "la prossima settimana",
            "prossima settimana",
        ),
        filler_before=("il", "questo"),
        filler_after=(
            "mattina",
            "di mattina",
            "in mattinata",
            "pomeriggio",
            "nel pomeriggio",
            "sera",
        ),
    ),
    "pl": _Words(
        cldr="pl",
        relative={
            "dziś": 0,
            "dzisiaj": 0,
            "jutro": 1,
            "pojutrze": 2,
            "wczoraj": -1,
            "przedwczoraj": -2,
        },
        numbers={"jeden": 1, "jedna": 1, "dwa": 2, "dwie": 2, "trzy": 3, "cztery": 4}
        | {"pięć": 5, "sześć": 6, "siedem": 7, "osiem": 8, "dziewięć": 9, "dziesięć": 10},
        units={"dzień": 1, "dni": 1, "tydzień": 7, "tygodnie": 7, "tygodni": 7},
        in_before=("za",),
        next_before=(
            "w przyszły",
            "w przyszłą",
            "przyszły",
            "przyszła",
            "przyszłą",
            "w następny",
            "w następną",
            "następny",
            "następna",
            "następną",
            "w najbliższy",
            "w najbliższą",
            "najbliższy",
            "najbliższa",
        ),
        next_week=("w przyszłym tygodniu", "w następnym tygodniu"),
        filler_before=("w", "we", "w ten", "w tę", "ten"),
        filler_after=("rano", "przed południem", "po południu", "wieczorem"),
        # Accusative, as in "w środę": the other weekdays look the same in both cases.
        weekdays={"środę": 2, "sobotę": 5, "niedzielę": 6, "pn": 0, "cz": 3, "sb": 5, "nd": 6},
        number_optional=True,
    ),
    "sv": _Words(
        cldr="sv",
        relative={
            "idag": 0,
            "i dag": 0,
            "imorgon": 1,
            "i morgon": 1,
            "imorn": 1,
            "i morn": 1,
            "i övermorgon": 2,
            "iövermorgon": 2,
            "övermorgon": 2,
            "igår": -1,
            "i går": -1,
            "i förrgår": -2,
            "förrgår": -2,
        },
        numbers={"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6}
        | {"sju": 7, "åtta": 8, "nio": 9, "tio": 10},
        units={"dag": 1, "dagar": 1, "vecka": 7, "veckor": 7},
        in_before=("om",),
        next_before=("nästa", "kommande"),
        next_week=("nästa vecka",),
        filler_before=("på", "den", "denna"),
        filler_after=(
            "förmiddag",
            "på förmiddagen",
            "eftermiddag",
            "på eftermiddagen",
            "kväll",
            "på kvällen",
        ),
    ),
    "tr": _Words(
        cldr="tr",
        relative={
            "bugün": 0,
            "yarın": 1,
            "öbür gün": 2,
            "öbürgün": 2,
            "ertesi gün": 2,
            "yarından sonra": 2,
            "dün": -1,
            "evvelsi gün": -2,
            "önceki gün": -2,
        },
        numbers={"bir": 1, "iki": 2, "üç": 3, "dört": 4, "beş": 5, "altı": 6, "yedi": 7}
        | {"sekiz": 8, "dokuz": 9, "on": 10},
        units={"gün": 1, "hafta": 7},
        in_after=("sonra",),
        next_before=("gelecek", "önümüzdeki"),
        next_week=("haftaya", "gelecek hafta", "önümüzdeki hafta"),
        filler_before=("bu",),
        filler_after=("günü", "sabah", "öğlen", "öğleden sonra", "akşam"),
    ),
    "da": _Words(
        cldr="da",
        relative={
            "i dag": 0,
            "idag": 0,
            "i morgen": 1,
            "imorgen": 1,
            "i overmorgen": 2,
            "overmorgen": 2,
            "i går": -1,
            "igår": -1,
            "i forgårs": -2,
            "forgårs": -2,
        },
        numbers={"en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6}
        | {"syv": 7, "otte": 8, "ni": 9, "ti": 10},
        units={"dag": 1, "dage": 1, "døgn": 1, "uge": 7, "uger": 7},
        in_before=("om",),
        next_before=("næste", "kommende", "førstkommende"),
        next_week=("næste uge",),
        filler_before=("på", "den", "denne"),
        filler_after=(
            "formiddag",
            "om formiddagen",
            "eftermiddag",
            "om eftermiddagen",
            "aften",
            "om aftenen",
        ),
    ),
}
LANGUAGES: Final = tuple(_WORDS)

Phrase = tuple[str, ...]


def _phrases(texts: Iterable[str]) -> tuple[Phrase, ...]:
    """Folded word tuples, longest first so "le prochain" wins over "le"."""
    return tuple(sorted({tuple(fold(t).split()) for t in texts}, key=len, reverse=True))


def _unambiguous(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """name -> value, dropping names that stand for two different values."""
    seen: dict[str, set[int]] = {}
    for name, value in pairs:
        seen.setdefault(name, set()).add(value)
    return {name: values.pop() for name, values in seen.items() if len(values) == 1}


_CONTEXTS: Final = ("format", "stand-alone")
Names = list[tuple[str, int]]


def _cldr_weekdays(locale: str) -> tuple[Names, Names]:
    """(full names, abbreviations) of the weekdays, Monday = 0, from CLDR."""
    full = [(fold(get_day_names("wide", c, locale)[i]), i) for c in _CONTEXTS for i in range(7)]
    short = [
        (fold(get_day_names(width, c, locale)[i]).rstrip("."), i)
        for width in ("abbreviated", "short")
        for c in _CONTEXTS
        for i in range(7)
    ]
    return full, short


def _cldr_months(locale: str) -> tuple[Names, Names]:
    """(full names, abbreviations) of the months, January = 1, from CLDR (Polish has two)."""
    full = [
        (fold(get_month_names("wide", c, locale)[i]), i) for c in _CONTEXTS for i in range(1, 13)
    ]
    short = [
        (fold(get_month_names("abbreviated", c, locale)[i]).rstrip("."), i)
        for c in _CONTEXTS
        for i in range(1, 13)
    ]
    return full, short


@dataclass(frozen=True)
class _Language:
    """One language's vocabulary, folded and ready for lookups."""

    relative: dict[str, int]
    numbers: dict[str, int]
    units: dict[str, int]
    in_before: tuple[Phrase, ...]
    in_after: tuple[Phrase, ...]
    next_before: tuple[Phrase, ...]
    next_after: tuple[Phrase, ...]
    filler_before: tuple[Phrase, ...]
    filler_after: tuple[Phrase, ...]
    next_week: tuple[Phrase, ...]
    weekdays: dict[str, int]
    weekday_names: tuple[tuple[str, int], ...]
    months: dict[str, int]
    month_names: tuple[tuple[str, int], ...]
    month_first_slashes: bool
    number_optional: bool
    cldr: str

    def weekday(self, word: str) -> int | None:
        return _lookup(word.rstrip("."), self.weekdays, self.weekday_names)

    def month(self, word: str) -> int | None:
        return _lookup(word.rstrip("."), self.months, self.month_names)


def _lookup(word: str, exact: Mapping[str, int], full: Sequence[tuple[str, int]]) -> int | None:
    """A known name or abbreviation, else an unambiguous prefix of at least four letters."""
    if word in exact:
        return exact[word]
    if len(word) < 4 or not word.isalpha():
        return None
    matches = {value for name, value in full if name.startswith(word)}
    return matches.pop() if len(matches) == 1 else None


@functools.cache
def _language(code: str) -> _Language:
    words = _WORDS[code]
    day_names, day_abbreviations = _cldr_weekdays(words.cldr)
    month_names, month_abbreviations = _cldr_months(words.cldr)
    extra_days = [(fold(name), value) for name, value in words.weekdays.items()]
    return _Language(
        relative={" ".join(fold(k).split()): v for k, v in words.relative.items()},
        numbers={fold(k): v for k, v in words.numbers.items()},
        units={fold(k): v for k, v in words.units.items()},
        in_before=_phrases(words.in_before),
        in_after=_phrases(words.in_after),
        next_before=_phrases(words.next_before),
        next_after=_phrases(words.next_after),
        filler_before=_phrases(words.filler_before),
        filler_after=_phrases(words.filler_after),
        next_week=_phrases(words.next_week),
        weekdays=_unambiguous(day_names + day_abbreviations + extra_days),
        weekday_names=tuple(day_names),
        months=_unambiguous(month_names + month_abbreviations),
        month_names=tuple(month_names),
        month_first_slashes=words.month_first_slashes,
        number_optional=words.number_optional,
        cldr=words.cldr,
    )


# --- the rules ---------------------------------------------------------------------------------

_ISO = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_NUMERIC = re.compile(r"([0-9]{1,2}) ?([./-]) ?([0-9]{1,2})(?: ?\2 ?([0-9]{4}|[0-9]{2}))?")
_ORDINAL = r"(?:\.|st|nd|rd|th|er|e|ste|o|°|:e)?"
_NAMED_DAY_FIRST = re.compile(
    rf"([0-9]{{1,2}}){_ORDINAL} ?(?:(?:de|of|the) )?([^\W\d_]+)\.?"
    r"(?: (?:(?:de|del) )?([0-9]{4}|[0-9]{2})(?: ?r)?)?"
)
_NAMED_MONTH_FIRST = re.compile(
    r"([^\W\d_]+)\.? ?(?:the )?([0-9]{1,2})(?:st|nd|rd|th|\.)?(?: ([0-9]{4}|[0-9]{2}))?"
)
_COUNT = re.compile(r"[0-9]{1,3}")


def _year(raw: str) -> int:
    return int(raw) + (2000 if len(raw) == 2 else 0)


def _exact(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_occurrence(month: int, day: int, today: date) -> date | None:
    """The first `day`.`month` from today on; 29.02. may wait for a leap year."""
    for year in range(today.year, min(today.year + 9, 9999) + 1):
        if (candidate := _exact(year, month, day)) is not None and candidate >= today:
            return candidate
    return None


def _day_month(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is None:
        return _next_occurrence(month, day, today)
    return _exact(_year(year), month, day)


def _numeric(text: str, language: _Language, today: date) -> list[date] | None:
    if match := _ISO.fullmatch(text):
        found = _exact(int(match[1]), int(match[3]), int(match[4]))
        return None if found is None else [found]
    if not (match := _NUMERIC.fullmatch(text)):
        return None
    first, separator, second, year = int(match[1]), match[2], int(match[3]), match[4]
    if separator != "." and language.month_first_slashes:
        # US English writes 12/24, the rest of the English-speaking world 24/12.
        orders = [(second, first), (first, second)]
    else:
        orders = [(first, second)]
    days = [_day_month(day, month, year, today) for day, month in orders]
    return [day for day in days if day is not None] or None


def _named(text: str, language: _Language, today: date) -> list[date] | None:
    """Dates with a month name: "24. Dezember", "December 24th, 2026", "24 de diciembre"."""
    if match := _NAMED_DAY_FIRST.fullmatch(text):
        day, word, year = match[1], match[2], match[3]
    elif match := _NAMED_MONTH_FIRST.fullmatch(text):
        word, day, year = match[1], match[2], match[3]
    else:
        return None
    month = language.month(word)
    if month is None:
        return None
    found = _day_month(int(day), month, year, today)
    return None if found is None else [found]


def _calendar(text: str, language: _Language, today: date) -> list[date] | None:
    return _numeric(text, language, today) or _named(text, language, today)


def _edge(words: list[str], phrases: Sequence[Phrase], front: bool) -> list[str] | None:
    """`words` without one of `phrases` at its front (or back), if it is there with more."""
    for phrase in phrases:
        size = len(phrase)
        if size < len(words) and tuple(words[:size] if front else words[-size:]) == phrase:
            return words[size:] if front else words[:-size]
    return None


def _modifiers(words: list[str], language: _Language) -> tuple[list[str], bool, bool]:
    """Strip fillers and "next"/"next week" phrases from both ends: (rest, next, next week)."""
    said_next = said_next_week = False
    edges = (
        (language.next_week, True, "week"),
        (language.next_week, False, "week"),
        (language.next_before, True, "next"),
        (language.next_after, False, "next"),
        (language.filler_before, True, ""),
        (language.filler_after, False, ""),
    )
    stripped = True
    while stripped:
        stripped = False
        for phrases, front, meaning in edges:
            if (rest := _edge(words, phrases, front)) is not None:
                words, stripped = rest, True
                said_next |= meaning == "next"
                said_next_week |= meaning == "week"
                break
    return words, said_next, said_next_week


def _weekday_date(weekday: int, today: date, said_next: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    # "friday" on a Friday is today; "next friday" on a Friday is a week later.
    return today + timedelta(days=ahead or (7 if said_next else 0))


def _in_days(words: list[str], language: _Language) -> int | None:
    """The days in "in 3 days", "om to uker", "3 gün sonra"."""
    rest = _edge(words, language.in_before, front=True)
    if rest is None:
        rest = _edge(words, language.in_after, front=False)
    if rest is None:
        return None
    if len(rest) == 1 and language.number_optional:
        rest = ["1", *rest]  # Polish "za tydzień": in a week
    if len(rest) != 2 or (unit := language.units.get(rest[1])) is None:
        return None
    if _COUNT.fullmatch(rest[0]):
        return int(rest[0]) * unit
    count = language.numbers.get(rest[0])
    return None if count is None else count * unit


def _with_weekday(words: list[str], language: _Language, today: date) -> list[date] | None:
    """ "Fri 24.12.", "5 Mart 2027 Cuma": the weekday must agree with the date."""
    if len(words) < 2:
        return None
    if (weekday := language.weekday(words[0])) is not None:
        rest = words[1:]
    elif (weekday := language.weekday(words[-1])) is not None:
        rest = words[:-1]
    else:
        return None
    rest, said_next, said_next_week = _modifiers(rest, language)
    days = None if said_next or said_next_week else _calendar(" ".join(rest), language, today)
    if days is None:
        return None
    if len(days) > 1:  # English "Fri 03/04": the weekday may pick one of the two orders
        agreeing = [day for day in days if day.weekday() == weekday]
        return agreeing if len(agreeing) == 1 else days
    day = days[0]
    shift = (weekday - day.weekday() + 3) % 7 - 3  # the nearest day with that weekday
    return [day] if shift == 0 else [day, day + timedelta(days=shift)]


def _candidates(text: str, language: _Language, today: date) -> list[date] | None:
    """Every day `text` could mean, likeliest first; None when it names no day."""
    if (offset := language.relative.get(text)) is not None:
        return [today + timedelta(days=offset)]
    if days := _calendar(text, language, today):
        return days
    words = text.split()
    if (ahead := _in_days(words, language)) is not None:
        return [today + timedelta(days=ahead)]
    rest, said_next, said_next_week = _modifiers(words, language)
    if len(rest) == 1 and (weekday := language.weekday(rest[0])) is not None:
        if said_next_week:
            return [today + timedelta(days=7 - today.weekday() + weekday)]
        return [_weekday_date(weekday, today, said_next)]
    if said_next or said_next_week:
        return None
    joined = " ".join(rest)
    if (offset := language.relative.get(joined)) is not None:
        return [today + timedelta(days=offset)]
    return _calendar(joined, language, today) or _with_weekday(rest, language, today)


# --- dateparser, for what the rules don't know -------------------------------------------------

_NOT_A_DAY = re.compile(r"@|://|www\.")


@functools.lru_cache(maxsize=32)
def _date_data_parser(locale: str, today: date) -> Any:
    """dateparser's parser for one language and day; building one costs a few milliseconds."""
    from dateparser.date import DateDataParser  # type: ignore[import-untyped]

    return DateDataParser(
        languages=[locale],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime.combine(today, time()),
            "RETURN_TIME_AS_PERIOD": True,
            # No Unix timestamps ("1700000000") or digit runs ("20261224"): those are not days.
            "PARSERS": ["relative-time", "absolute-time"],
        },
    )


def _dateparser_day(text: str, locale: str, today: date) -> date | None:
    """The day dateparser reads in `text`, if it reads exactly a day (or a week from now)."""
    # A single word would be in our own tables if it named a day; dateparser, though, reads
    # German "die" (the article) as Tuesday. Addresses and bare numbers are no days either.
    if " " not in text or len(text) > 40 or _NOT_A_DAY.search(text):
        return None
    if not any(ch.isalpha() for ch in text):
        return None
    try:
        data = _date_data_parser(locale, today).get_date_data(text)
    except Exception:  # dateparser is third-party code fed arbitrary chat text; never let it out
        return None
    when = getattr(data, "date_obj", None)
    period = getattr(data, "period", None)
    # "december" is a month and "10am" a time (RETURN_TIME_AS_PERIOD), neither is a day.
    if not isinstance(when, datetime) or period not in ("day", "week"):
        return None
    return when.date()


# --- the entry point ---------------------------------------------------------------------------


def _decide(candidates: list[date], today: date) -> date:
    upcoming = list(dict.fromkeys(day for day in candidates if day >= today))
    if not upcoming:
        raise PastDayError(candidates[0])
    if len(upcoming) > 1:
        raise AmbiguousDayError(upcoming)
    return upcoming[0]


def parse_day(text: str, today: date, language: str = "en") -> date | None:
    """The day meant by `text` in `language`; None when it names no day (see module doc).

    Raises PastDayError when the day is over and AmbiguousDayError when it fits several days.
    """
    language_ = _language(negotiate_language(language, "en"))
    cleaned = _clean(text)
    without_time = " ".join(_BARE_HOUR.sub(" ", _CLOCK_TIME.sub(" ", cleaned)).split())
    if not without_time:
        return None  # "10:30" is a time, not a day
    try:
        candidates = _candidates(fold(without_time), language_, today)
    except OverflowError:
        return None  # "in 999 weeks" said near date.max
    if candidates is None:
        day = _dateparser_day(without_time, language_.cldr, today)
        candidates = None if day is None else [day]
    return None if candidates is None else _decide(candidates, today)
