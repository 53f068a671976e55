"""Days written as dates: "24.12.", "12/24/2026", "2026-12-24", "24. Dezember", "the 15th".

The rules for them (day-first or month-first, two-digit years, the next occurrence of a date
without a year) are in typed_day.py's docstring; this module reads the date alone, without the
words around it ("next", "on", a weekday), which day_phrases.py takes away first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from bot.language.day_words import DayWords

__all__ = ["calendar_days", "day_of_month", "exact_date", "next_day_of_month", "next_occurrence"]

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
_CENTURY_AHEAD: Final = 10  # "27" is 2027; "74" would be 2074, so it is 1974


def _year(raw: str, today: date) -> int:
    if len(raw) != 2:
        return int(raw)
    year = 2000 + int(raw)
    return year if year <= today.year + _CENTURY_AHEAD else year - 100


def exact_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def next_occurrence(month: int, day: int, today: date) -> date | None:
    """The first `day`.`month` from today on; 29.02. may wait for a leap year."""
    for year in range(today.year, min(today.year + 9, 9999) + 1):
        if (candidate := exact_date(year, month, day)) is not None and candidate >= today:
            return candidate
    return None


def next_day_of_month(day: int, today: date) -> date | None:
    """The next `day` of a month, today included ("le 2" on the 5th is the 2nd of next month)."""
    year, month = today.year, today.month
    for _ in range(14):
        if (candidate := exact_date(year, month, day)) is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _day_month(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is None:
        return next_occurrence(month, day, today)
    return exact_date(_year(year, today), month, day)


def _numeric(text: str, language: DayWords, today: date) -> list[date] | None:
    if match := _ISO.fullmatch(text):
        found = exact_date(int(match[1]), int(match[3]), int(match[4]))
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


def _named(text: str, language: DayWords, today: date) -> list[date] | None:
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


def day_of_month(text: str, today: date, *, bare: bool) -> list[date] | None:
    """ "15th", "15-tego"; "15" alone only when `bare` (after "le", "den", or a weekday)."""
    match = _DAY_OF_MONTH.fullmatch(text) or (_BARE_NUMBER.fullmatch(text) if bare else None)
    if match is None or not 1 <= int(match[1]) <= 31:
        return None
    found = next_day_of_month(int(match[1]), today)
    return None if found is None else [found]


def _with_ordinal_words(text: str, language: DayWords) -> str:
    """Polish "drugiego stycznia" as "2 stycznia"."""
    words = text.split()
    if words and words[0] in language.ordinals:
        words[0] = str(language.ordinals[words[0]])
    return " ".join(words)


def calendar_days(text: str, language: DayWords, today: date) -> list[date] | None:
    text = _with_ordinal_words(text, language)
    return _numeric(text, language, today) or _named(text, language, today)
