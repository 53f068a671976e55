"""Understand a day the customer typed instead of tapping: "tomorrow", "Freitag 15 Uhr", "24.12.".

`parse_when(text, today, language)` reads the text in one of meetergo's eleven languages (en,
de, fr, es, no, nl, it, pl, sv, tr, da) plus the language-neutral numeric forms, and returns a
`TypedWhen`: a day, or a week, and maybe a time of day (typed_time.py beside this). `parse_day`
is the day alone. Both are pure: no I/O, and the only clock they know is the `today` they are given
(the customer's date, so "tomorrow" is the customer's tomorrow).

Own rules handle everything the bot promises to understand, because they are exact and fast;
the vocabulary is data, in bot/language/data/day_words.yaml:

* today / tomorrow / the day after (and yesterday, which is over),
* weekday names (CLDR's full and abbreviated forms, a few more, an unambiguous prefix of at
  least four letters, or one typing slip from a name), "next friday", "the following friday",
  "friday next week", "friday week" / "lundi en huit", "the friday after next", "last friday",
* numeric dates in the language's order, ISO dates, dates with month names, a bare day of the
  month ("the 15th", "le 15", "den 15.", "15-tego"),
* "in 3 days" / "in 2 weeks" / "in a month" / "3 years from today", with digits or words,
* a week: "next week", "this week", "the week after next", "week 51", "the week of the 21st".

Matching is case-insensitive and ignores accents ("miercoles", "sroda", "carsamba"), surrounding
punctuation and filler words ("on", "am", "le", "el", "på", ...). Whatever the rules don't
recognise goes to `dateparser`, restricted to the language, and its answer is only taken when
it names a day (not a month, a year, or a time).

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
* A two-digit year is this century's unless that is more than 10 years ahead ("31.10.74" is
  1974, and over).
* A day that is over (an explicit past date, "yesterday") raises `PastDayError`; impossible dates
  ("31.02.") and text that names no day return None. Nothing else is ever raised.
* A time of day is read from words at the start or end of the text; the day is what is left
  ("Friday 10:30", "ab 15 Uhr am Freitag", "morgen früh"). Words joined to a day are taken apart
  ("Freitagabend", "morgenochtend"), and words for today and a part of it at once ("tonight",
  "ce soir", "vanavond") are both.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from babel.dates import get_day_names, get_month_names

from bot.language.data import data_yaml
from bot.language.i18n import negotiate_language
from bot.language.languages import LANGUAGES
from bot.language.typed_time import TimeWish, compound_endings, read_time, spelled_out, whole_words
from bot.language.words import fold, one_edit_apart

__all__ = [
    "LANGUAGES",
    "AmbiguousDayError",
    "PastDayError",
    "TimeWish",
    "TypedWhen",
    "parse_day",
    "parse_when",
]


class PastDayError(ValueError):
    """The typed day is already over."""

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} is already over")
        self.day = day


class AmbiguousDayError(ValueError):
    """The text fits more than one upcoming day; `candidates` lists them, likeliest first, and
    `time` is the time of day typed with them, if any."""

    def __init__(self, candidates: Sequence[date], time: TimeWish | None = None) -> None:
        super().__init__("could mean " + " or ".join(day.isoformat() for day in candidates))
        self.candidates = list(candidates)
        self.time = time


# --- text normalisation ------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u00b4`]")
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_ELIDED_ARTICLE = re.compile(r"\b([ld])'(?=[0-9])")


def _clean(text: str) -> str:
    """Lower case, one space between words, no punctuation around, hyphenated words split."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _APOSTROPHES.sub("'", _DASHES.sub("-", text)).replace(",", " ")
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    text = _ELIDED_ARTICLE.sub(r"\1' ", text[start:end])  # "l'8" is "l' 8"
    return " ".join(_WORD_HYPHEN.sub(" ", text).split())


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


_ROMAN_MONTHS: Final = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
_FUZZY_MIN: Final = 5  # a word this long may carry one typing slip ("thrusday", "Freiatg")
# No phrase of either corpus is longer than 40 characters or 10 words; far longer text names no
# day, and reading every split of it would only cost time.
_MAX_WORDS: Final = 14
_MAX_CHARACTERS: Final = 120


@dataclass(frozen=True)
class _Language:
    """One language's vocabulary, folded and ready for lookups."""

    code: str
    cldr: str
    relative: dict[str, int]
    numbers: dict[str, int]
    units: dict[str, int]
    month_units: dict[str, int]
    ordinals: dict[str, int]
    phrases: dict[str, tuple[Phrase, ...]]  # "in_before", "next_after", "this_week", ...
    later_before: tuple[tuple[Phrase, int], ...]  # "a week from": 7, longest first
    later_after: tuple[tuple[Phrase, int], ...]  # "en huit": 7, "en quinze": 14
    named_days: dict[str, tuple[int, int]]  # "julafton": (12, 24)
    suffixes: tuple[str, ...]
    weekdays: dict[str, int]
    weekday_names: tuple[tuple[str, int], ...]
    months: dict[str, int]
    month_names: tuple[tuple[str, int], ...]
    month_first_slashes: bool
    number_optional: bool
    today_word: str

    def weekday(self, word: str) -> int | None:
        word = word.rstrip(".")
        if self.code == "nl":
            word = word.replace("y", "ij")  # "vrydag"
        found = _lookup(word, self.weekdays, self.weekday_names)
        if found is None:
            found = self._without_suffix(word, self.weekdays)
        if found is None and len(word) >= _FUZZY_MIN and word.isalpha():
            found = _near(word, self.weekday_names)
        return found

    def month(self, word: str) -> int | None:
        word = word.rstrip(".")
        found = _lookup(word, self.months, self.month_names, shortest=3)  # "jul" for "juli"
        return found if found is not None else self._without_suffix(word, self.months)

    def relative_day(self, text: str) -> int | None:
        if (found := self.relative.get(text)) is not None:
            return found
        if (found := self._without_suffix(text, self.relative)) is not None:
            return found
        if len(text) >= _FUZZY_MIN and " " not in text:
            return _near(text, tuple(self.relative.items()))
        return None

    def _without_suffix(self, word: str, names: Mapping[str, int]) -> int | None:
        """Turkish endings on a day word: "yarına", "cumaya", "Aralık'ta"."""
        bare = word.replace("'", "")
        for suffix in self.suffixes:
            if bare.endswith(suffix) and (found := names.get(bare[: -len(suffix)])) is not None:
                return found
        return None


def _lookup(
    word: str, exact: Mapping[str, int], full: Sequence[tuple[str, int]], shortest: int = 4
) -> int | None:
    """A known name or abbreviation, else an unambiguous prefix of at least `shortest` letters."""
    if word in exact:
        return exact[word]
    if len(word) < shortest or not word.isalpha():
        return None
    matches = {value for name, value in full if name.startswith(word)}
    return matches.pop() if len(matches) == 1 else None


def _near(word: str, names: Iterable[tuple[str, int]]) -> int | None:
    """The value of the only name one typing slip away from `word`."""
    matches = {
        value for name, value in names if len(name) >= _FUZZY_MIN and one_edit_apart(word, name)
    }
    return matches.pop() if len(matches) == 1 else None


def _vocabulary() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = data_yaml("day_words.yaml")
    return loaded


_PHRASE_KEYS: Final = (
    "in_before",
    "in_after",
    "next_before",
    "next_after",
    "last_before",
    "last_after",
    "after_next_before",
    "after_next_after",
    "next_week",
    "this_week",
    "week_after_next",
    "week_of",
    "week_number",
    "week_fillers",
    "filler_before",
    "filler_after",
    "week_fillers_after",
    "weekend",
    "either",
)


def _folded_map(values: Mapping[Any, Any] | None) -> dict[str, int]:
    return {" ".join(fold(str(key)).split()): int(value) for key, value in (values or {}).items()}


def _later(values: Mapping[str, int] | None) -> tuple[tuple[Phrase, int], ...]:
    pairs = [(tuple(fold(str(k)).split()), int(v)) for k, v in (values or {}).items()]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


@functools.cache
def _language(code: str) -> _Language:
    words = _vocabulary()[code]
    cldr = str(words["cldr"])
    day_names, day_abbreviations = _cldr_weekdays(cldr)
    month_names, month_abbreviations = _cldr_months(cldr)
    extra_days = list(_folded_map(words.get("weekdays")).items())
    extra_months = list(_folded_map(words.get("months")).items())
    if code == "pl":  # "18 XII"
        extra_months += [(name, index + 1) for index, name in enumerate(_ROMAN_MONTHS)]
    relative = _folded_map(words["relative"])
    return _Language(
        code=code,
        cldr=cldr,
        relative=relative,
        numbers=_folded_map(words.get("numbers")),
        units=_folded_map(words.get("units")),
        month_units=_folded_map(words.get("month_units")),
        ordinals=_folded_map(words.get("ordinals")),
        phrases={key: _phrases(words.get(key) or ()) for key in _PHRASE_KEYS},
        later_before=_later(words.get("later_before")),
        later_after=_later(words.get("later_after")),
        named_days={
            " ".join(fold(str(name)).split()): (int(str(day)[:2]), int(str(day)[3:]))
            for name, day in (words.get("named_days") or {}).items()
        },
        suffixes=tuple(
            sorted((fold(s) for s in words.get("suffixes") or ()), key=len, reverse=True)
        ),
        weekdays=_unambiguous(day_names + day_abbreviations + extra_days),
        weekday_names=tuple(day_names),
        months=_unambiguous(month_names + month_abbreviations + extra_months),
        month_names=tuple(month_names),
        month_first_slashes=bool(words.get("month_first_slashes")),
        number_optional=bool(words.get("number_optional")),
        today_word=next(word for word, offset in relative.items() if offset == 0),
    )


# --- the rules ---------------------------------------------------------------------------------

_ISO = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_NUMERIC = re.compile(
    r"([0-9]{1,2}) ?([./-]) ?([0-9]{1,2})(?:(?: ?(?:\2|-) ?| )'?([0-9]{4}|[0-9]{2}))?\.?(?: r)?"
)
# "17 02": day and month with a space, as French writes them; a year may follow.
_SPACED = re.compile(r"([0-9]{1,2}) ([0-9]{1,2})(?: ([0-9]{4}))?")
_ORDINAL = r"(?:\.|st|nd|rd|th|er|re|e|de|ste|o|°|º|:e|:a|-?tego|-?go|-?ego|-?ej)?"
_NAMED_DAY_FIRST = re.compile(
    rf"([0-9]{{1,2}}){_ORDINAL} ?(?:(?:de|of|the) )?([^\W\d_]+'?[^\W\d_]*)\.?"
    r"(?: (?:(?:de|del) )?'?([0-9]{4}|[0-9]{2})(?: ?r)?)?"
)
_NAMED_MONTH_FIRST = re.compile(
    r"([^\W\d_]+)\.? ?(?:the )?([0-9]{1,2})(?:st|nd|rd|th|\.)?(?: '?([0-9]{4}|[0-9]{2}))?"
)
# A day of the month alone: "15th", "15:e", "15-tego", Turkish "15'i", "30'unda".
_DAY_OF_MONTH = re.compile(
    r"([0-9]{1,2})(?:\.|st|nd|rd|th|er|re|e|de|ste|o|°|º|:e|:a|-?tego|-?go|-?ego"
    r"|'(?:i|si|u|unda|inda|sinde|inde|ında))"  # not "11'de": that is "at 11"
)
_BARE_NUMBER = re.compile(r"([0-9]{1,2})")
_COUNT = re.compile(r"[0-9]{1,3}")
_BARE_NUMBERS = re.compile(r"[0-9 .,-]+")
_CENTURY_AHEAD: Final = 10  # "27" is 2027; "74" would be 2074, so it is 1974


def _year(raw: str, today: date) -> int:
    if len(raw) != 2:
        return int(raw)
    year = 2000 + int(raw)
    return year if year <= today.year + _CENTURY_AHEAD else year - 100


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


def _next_day_of_month(day: int, today: date) -> date | None:
    """The next `day` of a month, today included ("le 2" on the 5th is the 2nd of next month)."""
    year, month = today.year, today.month
    for _ in range(14):
        if (candidate := _exact(year, month, day)) is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _day_month(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is None:
        return _next_occurrence(month, day, today)
    return _exact(_year(year, today), month, day)


def _numeric(text: str, language: _Language, today: date) -> list[date] | None:
    if match := _ISO.fullmatch(text):
        found = _exact(int(match[1]), int(match[3]), int(match[4]))
        return None if found is None else [found]
    if not language.month_first_slashes and (match := _SPACED.fullmatch(text)):
        found = _day_month(int(match[1]), int(match[2]), match[3], today)
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
    return list(dict.fromkeys(day for day in days if day is not None)) or None


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


def _day_of_month(text: str, today: date, *, bare: bool) -> list[date] | None:
    """ "15th", "15-tego"; "15" alone only when `bare` (after "le", "den", or a weekday)."""
    match = _DAY_OF_MONTH.fullmatch(text) or (_BARE_NUMBER.fullmatch(text) if bare else None)
    if match is None or not 1 <= int(match[1]) <= 31:
        return None
    found = _next_day_of_month(int(match[1]), today)
    return None if found is None else [found]


def _with_ordinal_words(text: str, language: _Language) -> str:
    """Polish "drugiego stycznia" as "2 stycznia"."""
    words = text.split()
    if words and words[0] in language.ordinals:
        words[0] = str(language.ordinals[words[0]])
    return " ".join(words)


def _calendar(text: str, language: _Language, today: date) -> list[date] | None:
    text = _with_ordinal_words(text, language)
    return _numeric(text, language, today) or _named(text, language, today)


def _edge(words: list[str], phrases: Sequence[Phrase], front: bool) -> list[str] | None:
    """`words` without one of `phrases` at its front (or back), if it is there with more."""
    for phrase in phrases:
        size = len(phrase)
        edge = words[:size] if front else words[-size:]
        if size < len(words) and tuple(word.rstrip(".") for word in edge) == phrase:
            return words[size:] if front else words[:-size]
    return None


@dataclass(frozen=True, slots=True)
class _Said:
    """What the words around a day said about it."""

    next: bool = False
    next_week: bool = False
    last: bool = False
    later: int = 0  # days after the day named: "lundi en huit" is 7, "en quinze" 14
    filler: bool = False

    @property
    def shifted(self) -> bool:
        return self.next or self.next_week or self.last or self.later != 0


def _modifiers(words: list[str], language: _Language) -> tuple[list[str], _Said]:
    """Strip fillers and "next"/"next week"/"last" phrases from both ends."""
    phrases = language.phrases
    edges = (
        ("next_week", True, "next_week"),
        ("next_week", False, "next_week"),
        ("later", True, "later"),
        ("later", False, "later"),
        ("after_next_before", True, "after_next"),
        ("after_next_after", False, "after_next"),
        ("next_before", True, "next"),
        ("next_after", False, "next"),
        ("last_before", True, "last"),
        ("last_after", False, "last"),
        ("filler_before", True, "filler"),
        ("filler_after", False, "filler"),
    )
    said: dict[str, bool] = {}
    later = 0
    stripped = True
    while stripped:
        stripped = False
        for key, front, meaning in edges:
            if key == "later":  # "lundi en huit", "a week from Friday": days on
                for phrase, days in language.later_before if front else language.later_after:
                    if (rest := _edge(words, (phrase,), front)) is not None:
                        words, stripped, later = rest, True, later + days
                        break
            elif (rest := _edge(words, phrases[key], front)) is not None:
                words, stripped = rest, True
                if meaning == "after_next":
                    later += 7
                else:
                    said[meaning] = True
            if stripped:
                break
    return words, _Said(later=later, **said)


def _weekday_date(weekday: int, today: date, said: _Said) -> date:
    ahead = (weekday - today.weekday()) % 7
    if said.last:
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    if said.next_week:
        return today + timedelta(days=7 - today.weekday() + weekday)
    # "friday" on a Friday is today; "next friday" on a Friday is a week later.
    day = today + timedelta(days=ahead or (7 if said.next else 0))
    return day + timedelta(days=said.later)


def _add_months(day: date, months: int) -> date | None:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    if not 1 <= year <= 9999:
        return None
    for last in (day.day, 30, 29, 28):
        if (found := _exact(year, month + 1, min(day.day, last))) is not None:
            return found
    return None


def _count(word: str, language: _Language) -> int | None:
    if _COUNT.fullmatch(word):
        return int(word)
    return language.numbers.get(word)


def _ahead(words: list[str], language: _Language, start: date) -> date | None:
    """The day in "in 3 days", "om to uker", "3 gün sonra", "in a month", "dans 3 ans"."""
    rest = _edge(words, language.phrases["in_before"], front=True)
    if rest is None:
        rest = _edge(words, language.phrases["in_after"], front=False)
    if rest is None:
        return None
    if len(rest) == 1 and language.number_optional:
        rest = ["1", *rest]  # Polish "za tydzień": in a week
    if len(rest) == 1 and rest[0] in ("fortnight",):
        rest = ["1", *rest]
    if len(rest) != 2 or (count := _count(rest[0], language)) is None:
        return None
    if (days := language.units.get(rest[1])) is not None:
        return start + timedelta(days=count * days)
    if (months := language.month_units.get(rest[1])) is not None:
        return _add_months(start, count * months)
    return None


def _with_weekday(words: list[str], language: _Language, today: date) -> list[date] | None:
    """ "Fri 24.12.", "5 Mart 2027 Cuma", "Thu 15th": the weekday must agree with the date."""
    if len(words) < 2:
        return None
    if (weekday := language.weekday(words[0])) is not None:
        rest = words[1:]
    elif (weekday := language.weekday(words[-1])) is not None:
        rest = words[:-1]
    else:
        return None
    rest, said = _modifiers(rest, language)
    if said.shifted:
        return None
    joined = " ".join(rest)
    days = _calendar(joined, language, today) or _day_of_month(joined, today, bare=True)
    if days is None:
        return None
    if len(days) > 1:  # English "Fri 03/04": the weekday may pick one of the two orders
        agreeing = [day for day in days if day.weekday() == weekday]
        return agreeing if len(agreeing) == 1 else days
    day = days[0]
    shift = (weekday - day.weekday() + 3) % 7 - 3  # the nearest day with that weekday
    if shift == 0:
        return [day]
    other = day + timedelta(days=shift)
    return [day, other if other >= today else other + timedelta(days=7)]


def _candidates(words: list[str], language: _Language, today: date) -> list[date] | None:
    """Every day the words could mean, likeliest first; None when they name no day."""
    text = " ".join(words)
    if (offset := language.relative_day(text)) is not None:
        return [today + timedelta(days=offset)]
    if days := _calendar(text, language, today):
        return days
    rest, said = _modifiers(words, language)
    joined = " ".join(rest)
    if (offset := language.relative_day(joined)) is not None:
        # "de hoy en ocho", "i dag otte dage", "a week today", "domani a otto"
        if said.last:
            return None
        week = 7 if said.next_week else 0  # Turkish "haftaya bugün": a week from today
        return [today + timedelta(days=offset + said.later + week)]
    for phrase in (words, rest):
        if (day := _ahead(phrase, language, today)) is not None:
            return [day]
        # "heute in drei Jahren", "i dag om en uke"
        from_today = len(phrase) > 1 and language.relative.get(phrase[0]) == 0
        if from_today and (day := _ahead(phrase[1:], language, today)) is not None:
            return [day]
    if len(rest) == 1 and (weekday := language.weekday(rest[0])) is not None:
        return [_weekday_date(weekday, today, said)]
    if said.shifted:
        return None
    return (
        _calendar(joined, language, today)
        or _named_day(joined, language, today)
        or _day_of_month(joined, today, bare=said.filler)
        or _ordinal_day(joined, language, today)
        or _with_weekday(rest, language, today)
        or _weekday_of_week(rest, language, today)
        or _last_weekday(rest, language, today)
        or _weekend(rest, language, today)
        or _either(rest, language, today)
    )


def _named_day(text: str, language: _Language, today: date) -> list[date] | None:
    """ "julafton", "Heiligabend", "Nochevieja": the next such day."""
    if (found := language.named_days.get(text)) is None:
        return None
    day = _next_occurrence(found[0], found[1], today)
    return None if day is None else [day]


def _ordinal_day(text: str, language: _Language, today: date) -> list[date] | None:
    """Polish "piętnastego": the 15th."""
    if (number := language.ordinals.get(text)) is None:
        return None
    day = _next_day_of_month(number, today)
    return None if day is None else [day]


def _weekday_of_week(words: list[str], language: _Language, today: date) -> list[date] | None:
    """ "torsdag v 51", "tirsdag uke 51": that weekday of that week."""
    if len(words) < 2:
        return None
    for weekday, rest in (
        (language.weekday(words[0]), words[1:]),
        (language.weekday(words[-1]), words[:-1]),
    ):
        if weekday is not None and (monday := _week(rest, language, today)) is not None:
            return [monday + timedelta(days=weekday)]
    return None


def _weekend(words: list[str], language: _Language, today: date) -> list[date] | None:
    """ "this weekend", "i helgen": the coming Saturday and Sunday, to choose from."""
    if tuple(words) not in language.phrases["weekend"]:
        return None
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # on a Sunday, "the weekend" is today or the next one
        return [today, saturday]
    return [saturday, saturday + timedelta(days=1)]


def _either(words: list[str], language: _Language, today: date) -> list[date] | None:
    """ "Friday or Saturday": both days, to choose from."""
    for position, word in enumerate(words):
        if (word,) not in language.phrases["either"] or not 0 < position < len(words) - 1:
            continue
        first = _candidates(words[:position], language, today)
        second = _candidates(words[position + 1 :], language, today)
        if first and second and len(first) == len(second) == 1 and first != second:
            return [*first, *second]
    return None


def _last_weekday(words: list[str], language: _Language, today: date) -> list[date] | None:
    """Scandinavian "i fredags": last Friday."""
    if language.code not in ("sv", "da", "no") or len(words) != 2 or words[0] != "i":
        return None
    if words[1].endswith("s") and (weekday := language.weekday(words[1][:-1])) is not None:
        return [today - timedelta(days=(today.weekday() - weekday) % 7 or 7)]
    return None


# --- weeks -------------------------------------------------------------------------------------

_WEEK_NUMBER = re.compile(r"([0-9]{1,2})")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week(words: list[str], language: _Language, today: date) -> date | None:
    """The Monday of the week `words` name: "next week", "KW 51", "the week of the 21st"."""
    phrases = language.phrases
    words = [word.rstrip(".") for word in words]
    for stage in range(3):
        key = tuple(words)
        if key in phrases["next_week"]:
            return _monday(today) + timedelta(days=7)
        if key in phrases["this_week"]:
            return _monday(today)
        if key in phrases["week_after_next"]:
            return _monday(today) + timedelta(days=14)
        if (monday := _numbered_or_of(words, language, today)) is not None:
            return monday
        # "sometime next week", "w tym tygodniu": without fillers, then without articles
        fillers = phrases["week_fillers"] if stage == 0 else phrases["filler_before"]
        while (rest := _edge(words, fillers, front=True)) is not None:
            words = rest
        while (rest := _edge(words, phrases["week_fillers_after"], front=False)) is not None:
            words = rest
        if stage == 1:
            while (rest := _edge(words, phrases["filler_after"], front=False)) is not None:
                words = rest
    return None


def _numbered_or_of(words: list[str], language: _Language, today: date) -> date | None:
    """ "KW 51", "uke 51"; "the week of the 21st", "la semaine du 14"."""
    phrases = language.phrases
    rest = _edge(words, phrases["week_number"], front=True)
    if rest is not None and len(rest) == 1 and (match := _WEEK_NUMBER.fullmatch(rest[0])):
        return _iso_week(int(match[1]), today)
    if (rest := _edge(words, phrases["week_of"], front=True)) is not None:
        days = _candidates(rest, language, today)
        if days is None:
            rest, _ = _modifiers(rest, language)
            days = _day_of_month(" ".join(rest), today, bare=True)
        if days and len(days) == 1:
            return _monday(days[0])
    return None


def _iso_week(number: int, today: date) -> date | None:
    """The Monday of the next ISO week with that number (this week included)."""
    for year in (today.year, today.year + 1):
        try:
            monday = date.fromisocalendar(year, number, 1)
        except ValueError:
            continue
        if monday + timedelta(days=6) >= today:
            return monday
    return None


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
    """The day dateparser reads in `text`, if it reads exactly a day."""
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
    if not isinstance(when, datetime) or period != "day":
        return None
    return when.date()


# --- days with times ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypedWhen:
    """What a typed text names: a day or a week (its Monday), and maybe a time of that day."""

    day: date | None = None
    week: date | None = None
    time: TimeWish | None = None


@functools.cache
def _spelled_pattern(code: str) -> re.Pattern[str]:
    return whole_words(sorted(spelled_out(code), key=len, reverse=True))


def _expanded(text: str, language: _Language) -> list[str]:
    """Words with today-and-part phrases spelled out and glued parts taken apart."""
    spelled = spelled_out(language.code)
    text = _spelled_pattern(language.code).sub(lambda found: spelled[found[0]], text)
    endings = compound_endings(language.code)
    words: list[str] = []
    for word in text.split():
        if language.weekday(word) is not None or word in language.relative:
            words.append(word)  # "Sonnabend" is Saturday, not a Sunday evening
            continue
        for ending, part_phrase in endings.items():
            stem = word[: -len(ending)]
            if (
                word.endswith(ending)
                and stem
                and (language.weekday(stem) is not None or language.relative.get(stem) is not None)
            ):
                words.extend([stem, *part_phrase.split()])
                break
        else:
            words.append(word)
    return words


def _day_answer(words: list[str], language: _Language, today: date) -> list[date] | None:
    return _candidates(words, language, today) if 0 < len(words) <= 8 else None


def _split(
    words: list[str], language: _Language, today: date
) -> tuple[list[date], TimeWish] | None:
    """The day and the time when the time is said at the start and/or end of the words."""
    size = len(words)
    for length in range(size - 1, 0, -1):  # the longest day first
        for start in range(0, size - length + 1):
            time_words = [*words[:start], *words[start + length :]]
            wish = read_time(" ".join(time_words), language.code)
            if wish is None:
                continue
            days = _day_answer(words[start : start + length], language, today)
            if days:
                return days, wish
    return None


def _decide(candidates: list[date], today: date) -> date:
    upcoming = list(dict.fromkeys(day for day in candidates if day >= today))
    if not upcoming:
        raise PastDayError(candidates[0])
    if len(upcoming) > 1:
        raise AmbiguousDayError(upcoming)
    return upcoming[0]


def parse_when(text: str, today: date, language: str = "en") -> TypedWhen | None:
    """The day (or week) and time of day meant by `text` in `language`; None when it names
    neither (see module doc). Raises PastDayError when the day is over and AmbiguousDayError
    when it fits several days."""
    language_ = _language(negotiate_language(language, "en"))
    if len(text) > _MAX_CHARACTERS:
        return None  # a day, even with a time, is said in a few words; this is something else
    words = _expanded(fold(_clean(text)), language_)
    if not words or len(words) > _MAX_WORDS:
        return None
    try:
        return _when(words, language_, today)
    except OverflowError:
        return None  # "in 999 weeks" said near date.max


def _when(words: list[str], language_: _Language, today: date) -> TypedWhen | None:
    if (days := _day_answer(words, language_, today)) is not None:
        return TypedWhen(day=_decide(days, today))
    if (monday := _week(words, language_, today)) is not None:
        return TypedWhen(week=monday)
    if (found := _split(words, language_, today)) is not None:
        try:
            return TypedWhen(day=_decide(found[0], today), time=found[1])
        except AmbiguousDayError as ambiguous:
            raise AmbiguousDayError(ambiguous.candidates, found[1]) from None
    said = " ".join(words)
    # A time alone needs a word or sign of one: "15" or "1️⃣" is no time, "15 Uhr" is.
    if not _BARE_NUMBERS.fullmatch(said) and (alone := read_time(said, language_.code)):
        return TypedWhen(time=alone)
    day = _dateparser_day(" ".join(words), language_.cldr, today)
    if day is None:
        return None
    # dateparser drops a weekday that disagrees with the date; the rule is to ask.
    named = {wd for word in words if (wd := language_.weekday(word)) is not None}
    if len(named) == 1 and (weekday := named.pop()) != day.weekday():
        shift = (weekday - day.weekday() + 3) % 7 - 3
        return TypedWhen(day=_decide([day, day + timedelta(days=shift)], today))
    return TypedWhen(day=_decide([day], today))


def parse_day(text: str, today: date, language: str = "en") -> date | None:
    """The day meant by `text` in `language` (a week: its first day from today on); None when
    it names no day. Raises PastDayError and AmbiguousDayError like `parse_when`."""
    when = parse_when(text, today, language)
    if when is None:
        return None
    if when.week is not None:
        return max(when.week, today)
    return when.day
