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

The reading is split by what it reads: day_words.py loads the vocabulary, day_dates.py reads
dates written as dates and day_phrases.py days and weeks said in words; this module cleans the
text, takes a time of day away from the day, and asks dateparser last.

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from bot.language.day_phrases import day_candidates, week_monday
from bot.language.day_words import DayWords, day_words
from bot.language.i18n import negotiate_language
from bot.language.languages import LANGUAGES
from bot.language.typed_time import TimeWish, compound_endings, read_time, spelled_out, whole_words
from bot.language.words import fold

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


# No phrase of either corpus is longer than 40 characters or 10 words; far longer text names no
# day, and reading every split of it would only cost time.
_MAX_WORDS: Final = 14
_MAX_CHARACTERS: Final = 120
_BARE_NUMBERS = re.compile(r"[0-9 .,-]+")


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


def _expanded(text: str, language: DayWords) -> list[str]:
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


def _day_answer(words: list[str], language: DayWords, today: date) -> list[date] | None:
    return day_candidates(words, language, today) if 0 < len(words) <= 8 else None


def _split(words: list[str], language: DayWords, today: date) -> tuple[list[date], TimeWish] | None:
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
    language_ = day_words(negotiate_language(language, "en"))
    if len(text) > _MAX_CHARACTERS:
        return None  # a day, even with a time, is said in a few words; this is something else
    words = _expanded(fold(_clean(text)), language_)
    if not words or len(words) > _MAX_WORDS:
        return None
    try:
        return _when(words, language_, today)
    except OverflowError:
        return None  # "in 999 weeks" said near date.max


def _when(words: list[str], language_: DayWords, today: date) -> TypedWhen | None:
    if (days := _day_answer(words, language_, today)) is not None:
        return TypedWhen(day=_decide(days, today))
    if (monday := week_monday(words, language_, today)) is not None:
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
