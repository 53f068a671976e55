"""Language catalogs and CLDR formatting of dates, times and zones (babel)."""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_location
from babel.dates import get_timezone_name as cldr_zone_name

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# meetergo's language codes are not always CLDR's: Norwegian is "no" there, "nb" in CLDR.
_CLDR_LOCALE = {"no": "nb"}


@lru_cache(maxsize=32)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for a meetergo language code; English text when none exists yet."""
    return gettext.translation(DOMAIN, LOCALES_DIR, languages=[language], fallback=True)


@lru_cache(maxsize=32)
def locale_for(language: str) -> Locale:
    """The CLDR locale used to format dates and times for a meetergo language code."""
    return Locale.parse(_CLDR_LOCALE.get(language, language))


class Formatter:
    """Dates, times and zone names for one customer's language and time zone."""

    def __init__(self, language: str, zone: str) -> None:
        self.language = language
        self.locale = locale_for(language)
        self.zone = ZoneInfo(zone)

    def local(self, moment: datetime) -> datetime:
        """The moment on the customer's wall clock."""
        return moment.astimezone(self.zone)

    def time(self, moment: datetime) -> str:
        """A time of day the way the locale writes it (9:30 AM, 09:30, 09.30)."""
        return format_time(self.local(moment), "short", locale=self.locale)

    def day_label(self, day: date) -> str:
        """A short weekday + date for a button (Mon, Dec 7)."""
        return format_skeleton("MMMEd", day, locale=self.locale)

    def full_date(self, day: date) -> str:
        """The full date for message text (Monday, December 7, 2026)."""
        return format_date(day, "full", locale=self.locale)

    def zone_name(self) -> str:
        """The zone as people say it, with its city: Central European Time (Berlin)."""
        generic = cldr_zone_name(self.zone, "long", locale=self.locale)
        city = get_timezone_location(self.zone, locale=self.locale, return_city=True)
        return f"{generic} ({city})" if city and city not in generic else generic
