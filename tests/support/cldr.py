"""What CLDR says, asked of babel at test time: the expected zone names, labels, dates, languages.

Tests compare the bot's text with these instead of with strings copied from CLDR ("Central
European Time", "Kalkutta", "Montag"), which every CLDR release may reword. What the bot adds
around CLDR's words (the city in brackets, the order, the length limit) is written out here
from the bot's documented rules, so a test still fails when the bot breaks one of them.

Deliberately independent of the bot: nothing here imports bot.language.i18n or
bot.language.timezones, so an expectation is not the product's own code run a second time.
Locales are CLDR identifiers ("en_US", "de", "nb"), not meetergo's language codes: which
CLDR locale a meetergo language uses is itself something the tests check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import get_global
from babel.dates import format_date, format_skeleton, get_timezone_location, get_timezone_name

__all__ = [
    "autonym",
    "city",
    "country",
    "full_date",
    "has_daylight_saving",
    "month_name",
    "own_zone_name",
    "short_day",
    "specific_name",
    "weekday_name",
    "zone_label",
    "zone_name",
]

_NO_INHERITANCE = "∅∅∅"  # CLDR's "no value here, and do not inherit one"


@cache
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


# --- zones ------------------------------------------------------------------------------------


def city(zone: str, locale: str) -> str:
    """CLDR's exemplar city of the zone in the locale ("Kalkutta" for Asia/Kolkata in German)."""
    return str(get_timezone_location(ZoneInfo(zone), locale=_locale(locale), return_city=True))


def country(zone: str, locale: str) -> str | None:
    """The name, in the locale, of the country CLDR files the zone under; None if none."""
    territories: Mapping[str, str] = get_global("zone_territories")
    for name in _cldr_names(zone):
        territory = territories.get(name)
        if territory and territory.isalpha() and territory != "ZZ":  # not "001", the world
            found = _locale(locale).territories.get(territory)
            return found if isinstance(found, str) and found else None
    return None


def specific_name(moment: datetime, locale: str, width: Literal["long", "short"] = "long") -> str:
    """CLDR's name for the zone at that moment ("Coordinated Universal Time", "EDT", "EST")."""
    return str(get_timezone_name(moment, width, locale=_locale(locale)))


def zone_name(zone: str, locale: str) -> str:
    """How the bot names the customer's zone in text: "Central European Time (Berlin)".

    The bot's rule (bot.language.i18n.Formatter.zone_name): CLDR's generic zone name with the zone's
    exemplar city in brackets, unless the name already holds the city; where the name itself has
    brackets the city follows a comma. UTC and Etc/* have no city: their specific name alone.
    """
    info = ZoneInfo(zone)
    if zone.startswith("Etc/") or "/" not in zone:
        return specific_name(datetime.now(info), locale)
    generic = str(get_timezone_name(info, "long", locale=_locale(locale), zone_variant="generic"))
    place = city(zone, locale)
    if place in generic:
        return generic
    return f"{generic}, {place}" if "(" in generic else f"{generic} ({place})"


def zone_label(zone: str, locale: str, *, max_length: int) -> str:
    """How the bot labels a zone it offers: "Berlin (Central European Time)".

    The bot's rule (bot.language.timezones.zone_label): the exemplar city, then in brackets
    CLDR's own generic name of the zone, or for a zone without daylight saving its standard
    name, or else its country: the first of these that CLDR has, that is not the city itself,
    and that keeps the label within max_length; the city alone when none does. UTC reads
    "UTC (<its name>)". Only names CLDR itself gives count, not babel's composed fallbacks
    ("United Kingdom Time").
    """
    if zone in ("UTC", "Etc/UTC"):
        name = specific_name(datetime.now(ZoneInfo("UTC")), locale)
        label = f"UTC ({name})"
        return label if len(label) <= max_length else "UTC"
    place = city(zone, locale)
    descriptions = [own_zone_name(zone, locale, "generic")]
    if not has_daylight_saving(zone):
        descriptions.append(own_zone_name(zone, locale, "standard"))
    descriptions.append(country(zone, locale))
    for description in descriptions:
        if description and description != place:
            label = f"{place} ({description})"
            if len(label) <= max_length:
                return label
    return place


def _cldr_names(zone: str) -> Iterator[str]:
    """The zone's name and the other names CLDR may file it under (Asia/Calcutta)."""
    aliases: Mapping[str, str] = get_global("zone_aliases")
    canonical = aliases.get(zone, zone)
    yield zone
    yield canonical
    yield from (alias for alias, target in aliases.items() if target in (zone, canonical))


def own_zone_name(zone: str, locale: str, variant: str) -> str | None:
    """CLDR's long name of the zone (its own, else its metazone's), without babel's fallbacks."""
    data = _locale(locale)
    metazones: Mapping[str, str] = get_global("meta_zones")
    names = list(_cldr_names(zone))
    candidates = [data.time_zones.get(name, {}) for name in names]
    metazone = next((metazones[name] for name in names if name in metazones), None)
    if metazone is not None:
        candidates.append(data.meta_zones.get(metazone, {}))
    for entry in candidates:
        found = entry.get("long", {}).get(variant)
        if isinstance(found, str) and found and found != _NO_INHERITANCE:
            return found
    return None


@cache
def has_daylight_saving(zone: str) -> bool:
    """Whether the zone's clocks move at all in the coming year or so."""
    info = ZoneInfo(zone)
    start = datetime.now(UTC)
    offsets = {(start + timedelta(days=day)).astimezone(info).utcoffset() for day in range(400)}
    return len(offsets) > 1


# --- dates ------------------------------------------------------------------------------------


def full_date(day: date, locale: str) -> str:
    """CLDR's full date in the locale: "Monday, December 7, 2026", "Montag, 7. Dezember 2026"."""
    return str(format_date(day, "full", locale=_locale(locale)))


def short_day(day: date, locale: str) -> str:
    """CLDR's weekday-and-day-of-month (skeleton Ed) in the locale: "7 Mon", "Mo., 7."."""
    return str(format_skeleton("Ed", day, locale=_locale(locale)))


def weekday_name(day: date, locale: str, width: str = "wide") -> str:
    """The day's weekday as the locale writes it in a date: "Monday", "Mo."."""
    return str(_locale(locale).days["format"][width][day.weekday()])


def month_name(day: date, locale: str) -> str:
    """The day's month as the locale writes it in a date: "December", "grudnia"."""
    return str(_locale(locale).months["format"]["wide"][day.month])


# --- languages --------------------------------------------------------------------------------


def autonym(language: str) -> str:
    """The language named in itself, capitalised as the bot shows it: "Deutsch", "Français"."""
    data = _locale(language)
    name = data.get_display_name(data) or language
    return name[:1].upper() + name[1:]
