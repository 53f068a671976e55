"""Understand a day the customer typed instead of tapping: "tomorrow", "friday", "24.12."."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RELATIVE = {"today": 0, "tomorrow": 1, "day after tomorrow": 2}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_IN_DAYS = re.compile(r"^in (\d{1,3}) days?$")


class PastDayError(ValueError):
    """The typed day is already over."""


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    for index, name in enumerate(WEEKDAYS):
        if name.startswith(word):
            return index
    return None


def _year(raw: str | None, month: int, day: int, today: date) -> date:
    if raw:
        year = int(raw) + (2000 if len(raw) == 2 else 0)
        return date(year, month, day)
    candidate = date(today.year, month, day)
    # A date without a year means its next occurrence, so "03.01." in December is January.
    return candidate if candidate >= today else date(today.year + 1, month, day)


def _calendar_date(text: str, today: date) -> date | None:
    if match := _ISO.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DOTTED.match(text):
        return _year(match[3], int(match[2]), int(match[1]), today)
    if match := _SLASHED.match(text):
        # English (US) order: month first.
        return _year(match[3], int(match[1]), int(match[2]), today)
    return None


def _relative_date(text: str, today: date) -> date | None:
    if text in RELATIVE:
        return today + timedelta(days=RELATIVE[text])
    if match := _IN_DAYS.match(text):
        return today + timedelta(days=int(match[1]))
    words = text.removeprefix("next ").split()
    if len(words) == 1 and (weekday := _weekday(words[0])) is not None:
        ahead = (weekday - today.weekday()) % 7
        # "friday" on a Friday means today; "next friday" means the one after.
        return today + timedelta(days=ahead or (7 if text.startswith("next ") else 0))
    return None


def parse_day(text: str, today: date) -> date | None:
    """The day meant by `text`, None when it is not a day at all; PastDayError if it is over."""
    cleaned = " ".join(text.strip().lower().rstrip("!?").split())
    try:
        day = _calendar_date(cleaned, today) or _relative_date(cleaned, today)
    except ValueError:
        return None  # 31.02. and friends: shaped like a date, but none
    if day is not None and day < today:
        raise PastDayError(day.isoformat())
    return day
