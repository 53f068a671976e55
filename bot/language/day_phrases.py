"""Days and weeks named in words: "tomorrow", "next friday", "in 3 days", "week 51".

`day_candidates` is every day some words could mean, and `week_monday` the Monday of the week
they name. They share this module because each needs the other: "torsdag v 51" is a day in a
week, and "the week of the 21st" a week found by its day. Dates written as dates (and the day
arithmetic they share with these phrases) are day_dates.py's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.language.day_dates import (
    calendar_days,
    day_of_month,
    exact_date,
    next_day_of_month,
    next_occurrence,
)
from bot.language.day_words import DayWords, Phrase

__all__ = ["day_candidates", "week_monday"]

_COUNT = re.compile(r"[0-9]{1,3}")


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


def _modifiers(words: list[str], language: DayWords) -> tuple[list[str], _Said]:
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
        if (found := exact_date(year, month + 1, min(day.day, last))) is not None:
            return found
    return None


def _count(word: str, language: DayWords) -> int | None:
    if _COUNT.fullmatch(word):
        return int(word)
    return language.numbers.get(word)


def _ahead(words: list[str], language: DayWords, start: date) -> date | None:
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


def _with_weekday(words: list[str], language: DayWords, today: date) -> list[date] | None:
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
    days = calendar_days(joined, language, today) or day_of_month(joined, today, bare=True)
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


def day_candidates(words: list[str], language: DayWords, today: date) -> list[date] | None:
    """Every day the words could mean, likeliest first; None when they name no day."""
    text = " ".join(words)
    if (offset := language.relative_day(text)) is not None:
        return [today + timedelta(days=offset)]
    if days := calendar_days(text, language, today):
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
        calendar_days(joined, language, today)
        or _named_day(joined, language, today)
        or day_of_month(joined, today, bare=said.filler)
        or _ordinal_day(joined, language, today)
        or _with_weekday(rest, language, today)
        or _weekday_of_week(rest, language, today)
        or _last_weekday(rest, language, today)
        or _weekend(rest, language, today)
        or _either(rest, language, today)
    )


def _named_day(text: str, language: DayWords, today: date) -> list[date] | None:
    """ "julafton", "Heiligabend", "Nochevieja": the next such day."""
    if (found := language.named_days.get(text)) is None:
        return None
    day = next_occurrence(found[0], found[1], today)
    return None if day is None else [day]


def _ordinal_day(text: str, language: DayWords, today: date) -> list[date] | None:
    """Polish "piętnastego": the 15th."""
    if (number := language.ordinals.get(text)) is None:
        return None
    day = next_day_of_month(number, today)
    return None if day is None else [day]


def _weekday_of_week(words: list[str], language: DayWords, today: date) -> list[date] | None:
    """ "torsdag v 51", "tirsdag uke 51": that weekday of that week."""
    if len(words) < 2:
        return None
    for weekday, rest in (
        (language.weekday(words[0]), words[1:]),
        (language.weekday(words[-1]), words[:-1]),
    ):
        if weekday is not None and (monday := week_monday(rest, language, today)) is not None:
            return [monday + timedelta(days=weekday)]
    return None


def _weekend(words: list[str], language: DayWords, today: date) -> list[date] | None:
    """ "this weekend", "i helgen": the coming Saturday and Sunday, to choose from."""
    if tuple(words) not in language.phrases["weekend"]:
        return None
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # on a Sunday, "the weekend" is today or the next one
        return [today, saturday]
    return [saturday, saturday + timedelta(days=1)]


def _either(words: list[str], language: DayWords, today: date) -> list[date] | None:
    """ "Friday or Saturday": both days, to choose from."""
    for position, word in enumerate(words):
        if (word,) not in language.phrases["either"] or not 0 < position < len(words) - 1:
            continue
        first = day_candidates(words[:position], language, today)
        second = day_candidates(words[position + 1 :], language, today)
        if first and second and len(first) == len(second) == 1 and first != second:
            return [*first, *second]
    return None


def _last_weekday(words: list[str], language: DayWords, today: date) -> list[date] | None:
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


def week_monday(words: list[str], language: DayWords, today: date) -> date | None:
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


def _numbered_or_of(words: list[str], language: DayWords, today: date) -> date | None:
    """ "KW 51", "uke 51"; "the week of the 21st", "la semaine du 14"."""
    phrases = language.phrases
    rest = _edge(words, phrases["week_number"], front=True)
    if rest is not None and len(rest) == 1 and (match := _WEEK_NUMBER.fullmatch(rest[0])):
        return _iso_week(int(match[1]), today)
    if (rest := _edge(words, phrases["week_of"], front=True)) is not None:
        days = day_candidates(rest, language, today)
        if days is None:
            rest, _ = _modifiers(rest, language)
            days = day_of_month(" ".join(rest), today, bare=True)
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
