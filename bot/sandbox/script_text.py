"""How a scripted conversation compares and fills in text: spaces, placeholders, dates.

Text is compared everywhere (`text`, `buttons`, `no_buttons`, `tap`, `keyboard`, `capture`)
case-sensitively, after every kind of space on both sides (no-break, narrow no-break, thin,
...) has become a plain one and runs of spaces one space: "10:00 AM" in a script matches the
bot's "10:00\u202fAM". A message's `text` is contained in it; a button is named by its whole
label, or by a part only one label contains (script_checks.py).

Placeholders in braces are filled in before a step runs: `{today}`, `{tomorrow}`,
`{monday}` (the next Monday, today included), `{next monday}` (a week on if today is Monday),
`{in 3 days}`, each a date on the world's clock in the customer's zone, written as the bot
writes dates in the customer's language (`{tomorrow}`: "Tuesday, December 8, 2026") or as
its day buttons (`{tomorrow:button}`: "8 Tue") or as ISO (`{tomorrow:iso}`); and any name a
`capture` step kept (`{slot}`). Text in braces that is no such name is left as it is, so
regular expressions such as `\\d{1,2}` keep working.

The language and zone are the chat's as the bot keeps them (`chat_preferences`: after
`/language`, `/timezone`, a language button or an agent's link with a language), read right
before each step; where the bot keeps none, the runner falls back to the script's customer's
Telegram language (as the bot negotiates it) and the bot's default zone.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.language.i18n import Formatter

__all__ = [
    "DEFAULT_ZONE",
    "WEEKDAY_NAMES",
    "PlaceholderError",
    "Placeholders",
    "chat_preferences",
    "field_path",
    "spaced",
]

DEFAULT_ZONE = "Europe/Berlin"  # the bot's BOT_DEFAULT_TIMEZONE when a script sets none
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_ ]*)(?::([a-z]+))?\}")
_IN_DAYS = re.compile(r"in (\d{1,3}) days?")
_FORMATS = ("full", "button", "iso")


class PlaceholderError(ValueError):
    """A placeholder names a date word with an unknown format."""


def spaced(text: str) -> str:
    """Text as scripts compare it: every space character a plain space, runs of them one."""
    plain = "".join(" " if unicodedata.category(char) == "Zs" else char for char in text)
    return re.sub(" {2,}", " ", plain)


class Placeholders:
    """Fills `{today}`, `{next friday}`, `{slot}`, ... into a script's strings."""

    def __init__(self, now: Callable[[], datetime], language: str, zone: str) -> None:
        self._now = now
        self.language = language
        self.zone = zone
        self.captured: dict[str, str] = {}

    def fill(self, text: str, *, escape: Callable[[str], str] | None = None) -> str:
        """`text` with every known placeholder replaced (through `escape`, for regexes)."""

        def replace(match: re.Match[str]) -> str:
            name, form = match[1].strip().lower(), match[2]
            value = self.value(name, form)
            if value is None:
                return match[0]
            return escape(value) if escape else value

        return _PLACEHOLDER.sub(replace, text)

    def value(self, name: str, form: str | None = None) -> str | None:
        """A placeholder's text, or None when `name` is no placeholder."""
        if name in self.captured and form is None:
            return self.captured[name]
        day = self.day(name)
        if day is None:
            return None
        if form is not None and form not in _FORMATS:
            raise PlaceholderError(f"{{{name}:{form}}}: the formats are {', '.join(_FORMATS)}")
        formatter = Formatter(self.language, self.zone)
        if form == "iso":
            return day.isoformat()
        if form == "button":
            return formatter.short_day_label(day)
        return formatter.full_date(day)

    def today(self) -> date:
        return self._now().astimezone(ZoneInfo(self.zone)).date()

    def day(self, name: str) -> date | None:
        """The date a date word names on the world's clock, or None."""
        today = self.today()
        words = name.split()
        if name == "today":
            return today
        if name == "tomorrow":
            return today + timedelta(days=1)
        if match := _IN_DAYS.fullmatch(name):
            return today + timedelta(days=int(match[1]))
        if words and words[-1] in WEEKDAY_NAMES and len(words) <= 2:
            if len(words) == 2 and words[0] != "next":
                return None
            ahead = (WEEKDAY_NAMES.index(words[-1]) - today.weekday()) % 7
            if len(words) == 2 and ahead == 0:
                ahead = 7
            return today + timedelta(days=ahead)
        return None


def chat_preferences(state_file: Path, user_id: int) -> tuple[str | None, str | None]:
    """The language and zone the bot keeps for a user: `prefs` in the `user_data` row of its
    SQLite state store (bot/storage/chat_store_sqlite.py), read without writing. (None, None)
    where there is no such file (the bot keeps its state in PostgreSQL), row or preference."""
    if not state_file.is_file():
        return None, None
    row = None
    with contextlib.suppress(sqlite3.Error):
        connection = sqlite3.connect(f"{state_file.as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            query = "SELECT data FROM user_data WHERE user_id = ?"
            row = connection.execute(query, (user_id,)).fetchone()
        finally:
            connection.close()
    try:
        prefs = json.loads(row[0]).get("prefs") if row else None
    except (ValueError, AttributeError):
        prefs = None
    if not isinstance(prefs, dict):
        return None, None
    language, zone = prefs.get("language"), prefs.get("timezone")
    return (
        language if isinstance(language, str) and language else None,
        zone if isinstance(zone, str) and zone else None,
    )


def captured_names(values: Mapping[str, str]) -> str:
    """The names kept so far, for an error message."""
    return ", ".join(sorted(values)) or "none yet"


# A booking field's path: names joined by dots, and in brackets a quoted key (for one with dots
# or anything else in it) or a list position: attendee.notes["Company size (approx.)"], hostIds[0].
_PATH_PART = re.compile(
    r"""(?P<dot>\.)?(?P<name>[^.\[\]"']+)"""
    r"""|\[(?:"(?P<double>(?:[^"\\]|\\.)*)"|'(?P<single>[^']*)'|(?P<index>\d+))\]"""
)


def field_path(text: str) -> list[str | int]:
    """The keys and positions a booking field's path names, in order; ValueError when it is
    no such path."""
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        found = _PATH_PART.match(text, position)
        if found is None or (found["name"] is not None and bool(found["dot"]) != bool(parts)):
            raise ValueError(f"{text!r} is no field path (at {text[position:]!r})")
        if found["name"] is not None:
            parts.append(found["name"])
        elif found["double"] is not None:
            parts.append(re.sub(r"\\(.)", r"\1", found["double"]))
        elif found["single"] is not None:
            parts.append(found["single"])
        else:
            parts.append(int(found["index"]))
        position = found.end()
    if not parts or not isinstance(parts[0], str):
        raise ValueError(f"{text!r} is no field path")
    return parts
