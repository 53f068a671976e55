"""Language catalogs and CLDR formatting of dates, times and zones (babel)."""

from __future__ import annotations

import gettext
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_timezone_location
from babel.dates import get_timezone_name as cldr_zone_name
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.language.languages import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"

SOURCE_LANGUAGE = "en"
# meetergo's language codes are not always CLDR's: Norwegian is "no" there, "nb" in CLDR.
# English formats as in the US (12-hour clock, weeks from Sunday), as meetergo's own e-mails do.
_CLDR_LOCALE = {"no": "nb", "en": "en_US"}
_MEETERGO_LANGUAGE = {"nb": "no", "nn": "no"}


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where the language is known."""
    return message


class CatalogTranslations(gettext.NullTranslations):
    """gettext over a babel Catalog read straight from the .po file: no compile step needed."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self._messages: dict[str, str | tuple[str, ...]] = {}
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            text = message.string
            self._messages[key] = text if isinstance(text, str) else tuple(text)
        self._plural = gettext.c2py(catalog.plural_expr)

    def gettext(self, message: str) -> str:
        """The translation of message, or message itself."""
        found = self._messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """The translation for count n, or the English form."""
        found = self._messages.get(msgid1)
        if isinstance(found, tuple) and all(found):
            index = self._plural(n)
            return found[index] if index < len(found) else found[-1]
        return msgid1 if n == 1 else msgid2


def catalog_path(language: str) -> Path:
    """Where the .po file of a language lives."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=32)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for a meetergo language code; English text for English."""
    path = catalog_path(language)
    if not path.exists():
        if language == SOURCE_LANGUAGE:
            return gettext.NullTranslations()
        # Fail fast: a supported language without its catalog is a packaging error.
        raise FileNotFoundError(f"no catalog for language {language!r} at {path}")
    with path.open("rb") as handle:
        return CatalogTranslations(read_po(handle, locale=locale_for(language)))


@lru_cache(maxsize=32)
def locale_for(language: str) -> Locale:
    """The CLDR locale used to format dates and times for a meetergo language code, its data
    read now.

    Babel reads a locale's CLDR data (pickles, merged with its parents') on its first use,
    10-30 ms that would otherwise fall into the turn of the first customer of the language,
    holding up every other chat's turn meanwhile. The bot's start translates the command
    menus in every language, which comes here first."""
    locale = Locale.parse(_CLDR_LOCALE.get(language, language))
    locale.time_zones  # noqa: B018 - reading any of its data reads all of it
    return locale


def negotiate_language(tag: str | None, default: str) -> str:
    """meetergo's language for Telegram's IETF tag (de, pt-br, nb, en-GB); else the default."""
    tag = (tag or "").strip()
    if not tag:
        return default
    try:
        language = Locale.parse(tag.replace("_", "-"), sep="-").language
    except (ValueError, TypeError, UnknownLocaleError):
        return default
    language = _MEETERGO_LANGUAGE.get(language, language)
    return language if language in LANGUAGES else default


# What a Formatter writes depends only on the language, the zone and the value, and the same
# days, times and zone names recur in every customer's screens: each is formatted once.
FORMATTED_KEPT = 4096


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
        """A time of day the way the locale writes it (9:30 AM, 09:30, 09.30).

        On the night the clocks go back, an hour of wall times happens twice; those times get
        their zone abbreviation (1:30 AM EDT, 1:30 AM EST) so the two are told apart.
        """
        # In UTC: two wall times an hour apart on the night the clocks go back compare (and
        # hash) equal as datetimes of one zone.
        return _time_of_day(self.language, self.zone.key, moment.astimezone(UTC))

    def clock(self, minutes: int) -> str:
        """A wall-clock time given as minutes after midnight, the way the locale writes it."""
        return _clock(self.language, minutes % (24 * 60))

    def day_label(self, day: date) -> str:
        """A short weekday + date for a button (Mon, Dec 7)."""
        return _day_text(self.language, "MMMEd", day)

    def short_day_label(self, day: date) -> str:
        """Weekday and day of month for a narrow button (Mon 7, Mo., 7.)."""
        return _day_text(self.language, "Ed", day)

    def full_date(self, day: date) -> str:
        """The full date for message text (Monday, December 7, 2026)."""
        return _day_text(self.language, "full", day)

    def zone_name(self) -> str:
        """The zone as people say it, with its city: Central European Time (Berlin)."""
        if self.zone.key.startswith("Etc/") or "/" not in self.zone.key:
            # UTC and Etc/* have no region: CLDR's specific name reads well ("Coordinated
            # Universal Time"), its generic one does not ("Unknown Region (UTC) Time"). It is
            # the name of this season's time (EST5EDT's changes), so it is not kept.
            return cldr_zone_name(datetime.now(self.zone), "long", locale=self.locale)
        return _generic_zone_name(self.language, self.zone.key)


@lru_cache(maxsize=FORMATTED_KEPT)
def _time_of_day(language: str, zone: str, moment: datetime) -> str:
    locale = locale_for(language)
    local = moment.astimezone(ZoneInfo(zone))
    text = format_time(local, "short", locale=locale)
    twin = local.replace(fold=1 - local.fold)
    if twin.utcoffset() != local.utcoffset():
        text = f"{text} {format_time(local, 'z', locale=locale)}"
    return text


@lru_cache(maxsize=FORMATTED_KEPT)
def _clock(language: str, minutes: int) -> str:
    hour, minute = divmod(minutes, 60)
    return format_time(time(hour, minute), "short", locale=locale_for(language))


@lru_cache(maxsize=FORMATTED_KEPT)
def _day_text(language: str, form: str, day: date) -> str:
    """A day in one of the forms above: CLDR's "full" date, or a skeleton."""
    locale = locale_for(language)
    if form == "full":
        return format_date(day, "full", locale=locale)
    return format_skeleton(form, day, locale=locale)


@lru_cache(maxsize=FORMATTED_KEPT)
def _generic_zone_name(language: str, zone_key: str) -> str:
    """A region's zone name with its city (the same all year: the generic name)."""
    locale, zone = locale_for(language), ZoneInfo(zone_key)
    city = get_timezone_location(zone, locale=locale, return_city=True)
    generic = cldr_zone_name(zone, "long", locale=locale)
    if city in generic:
        return generic
    return f"{generic}, {city}" if "(" in generic else f"{generic} ({city})"
