"""Time zones a customer can choose: canonical names, suggestions, look-ups by place or position.

Everything here works offline from the CLDR data that babel ships (exemplar cities, country and
zone names in meetergo's eleven languages, which languages are spoken where), pytz's country
tables (which zones each country has) and tzfpy's zone boundaries. Zones are handled as IANA
names and computed with the standard library's zoneinfo.

This module holds the look-ups and is where the rest of the bot imports zones from; the parts
behind it have modules of their own: zone_tables.py (which zones are canonical, their aliases,
countries and clocks), zone_labels.py (labels in the customer's language) and
zone_suggestions.py (the zones to suggest per language).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Final

import tzfpy
from babel import Locale

from bot.language.i18n import locale_for, negotiate_language
from bot.language.languages import LANGUAGES
from bot.language.zone_labels import LABEL_MAX_LENGTH, ZoneChoice, canonical_zone_label, zone_data
from bot.language.zone_suggestions import zones_for_language
from bot.language.zone_tables import UTC_ZONE, clock_fingerprint, zone_key, zone_tables

__all__ = [
    "LABEL_MAX_LENGTH",
    "UTC_ZONE",
    "ZoneChoice",
    "canonical_zone",
    "cldr_cities",
    "country_of_zone",
    "country_zones",
    "zone_aliases",
    "zone_at",
    "zone_label",
    "zoned_countries",
    "zones_for_language",
]

_CONTINENTS: Final = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


# --- public API -----------------------------------------------------------------------------


def canonical_zone(name: str) -> str | None:
    """The current canonical IANA name for a zone name or alias; None if it names no zone.

    Case does not matter and spaces may stand for underscores: "america/new york",
    "US/Eastern" -> "America/New_York", "Asia/Calcutta" -> "Asia/Kolkata", "Etc/UTC" -> "UTC".
    Zones nobody lives in (Etc/GMT+5, Factory) give None.
    """
    return zone_tables().by_key.get(zone_key(name))


def zone_label(zone: str, language: str) -> str:
    """A short label for a zone in a meetergo language: "Berlin (Central European Time)".

    The city is CLDR's exemplar city in that language. The part in brackets is the generic zone
    name, or for a zone without daylight saving its standard name, or else the country; the
    label is kept to LABEL_MAX_LENGTH characters where any of those allows it. Accepts aliases;
    raises ValueError for a name that is no zone.
    """
    canonical = canonical_zone(zone)
    if canonical is None:
        raise ValueError(f"unknown time zone: {zone!r}")
    return canonical_zone_label(canonical, negotiate_language(language, "en"))


def zone_at(latitude: float, longitude: float) -> str | None:
    """The zone of a position (offline, tzfpy); None at sea, off the map or for bad numbers."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    name = _tz_at(longitude, latitude)
    if not name or name.startswith("Etc/"):
        return None
    zone = canonical_zone(name)
    return None if zone == UTC_ZONE else zone


def country_zones(country: str) -> tuple[str, ...]:
    """A country's zones, one per distinct clock, best known first; () for no such country."""
    return zone_tables().choices_by_country.get(country.upper(), ())


def zoned_countries() -> tuple[str, ...]:
    """The ISO codes of every country (and CLDR territory) that has a zone."""
    return tuple(code for code, zones in zone_tables().choices_by_country.items() if zones)


def country_of_zone(zone: str) -> str:
    """The ISO code of the country a canonical zone belongs to; "" for UTC."""
    return zone_tables().country_of.get(zone, "")


def zone_aliases() -> Mapping[str, tuple[str, ...]]:
    """Every canonical zone (UTC aside) with its old and alias names, CLDR's first."""
    tables = zone_tables()
    return {zone: tables.aliases.get(zone, ()) for zone in tables.country_of}


def cldr_cities(zone: str) -> set[str]:
    """The city names a zone goes by: CLDR's exemplar city in meetergo's languages, the zone's
    own last part, and those of its old names (Calcutta, Kiev, Saigon)."""
    names = {zone.rsplit("/", 1)[-1].replace("_", " ")}
    for alias in zone_tables().aliases.get(zone, ()):
        area, _, place = alias.rpartition("/")
        if area.split("/", 1)[0] in _CONTINENTS:
            names.add(place.replace("_", " "))
    for locale in _locales():
        city = zone_data(locale, zone, "city")
        if city:
            names.add(city)
    return names


def same_clock(zones: Iterable[str]) -> bool:
    """Whether the zones keep the same clock now and for the coming year."""
    return len({clock_fingerprint(zone) for zone in zones}) <= 1


# --- sources --------------------------------------------------------------------------------


@cache
def _locales() -> tuple[Locale, ...]:
    return tuple(locale_for(code) for code in LANGUAGES)


def _tz_at(longitude: float, latitude: float) -> str:
    """tzfpy's answer; note its argument order, longitude first."""
    return tzfpy.get_tz(longitude, latitude)
