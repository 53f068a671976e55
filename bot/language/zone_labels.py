"""Zone labels in meetergo's languages, from CLDR: "Berlin (Central European Time)".

CLDR files a zone's names under the zone or under one of its aliases, so every look-up here
tries them all (zone_tables.py knows the aliases). `ZoneChoice` is a zone with its label, as
the customer is offered it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

from babel import Locale
from babel.core import get_global

from bot.language.i18n import locale_for
from bot.language.zone_tables import UTC_ZONE, zone_tables

__all__ = ["LABEL_MAX_LENGTH", "ZoneChoice", "canonical_zone_label", "zone_data"]

LABEL_MAX_LENGTH: Final = 40  # what fits on a Telegram button in a two-column keyboard


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """A zone to offer the customer, with its label in the customer's language."""

    zone: str  # canonical IANA name, e.g. "America/New_York"
    label: str  # e.g. "New York (Eastern Time)"


def _cldr_names(zone: str) -> Iterator[str]:
    """The names CLDR may file a zone under: its own and its aliases (Asia/Calcutta)."""
    yield zone
    yield from zone_tables().aliases.get(zone, ())


def zone_data(locale: Locale, zone: str, *path: str) -> str | None:
    """A string from the locale's time_zones entry for the zone, under any of its names."""
    for name in _cldr_names(zone):
        entry: object = locale.time_zones.get(name)
        for step in path:
            entry = entry.get(step) if isinstance(entry, Mapping) else None
        if isinstance(entry, str) and entry:
            return entry
    return None


def _city(locale: Locale, zone: str) -> str:
    city = zone_data(locale, zone, "city")
    return city or zone.rsplit("/", 1)[-1].replace("_", " ")


def _metazone_name(locale: Locale, zone: str, variant: str) -> str | None:
    metazones: Mapping[str, str] = get_global("meta_zones")
    for name in _cldr_names(zone):
        metazone = metazones.get(name)
        if metazone is None:
            continue
        names = locale.meta_zones.get(metazone, {}).get("long", {})
        found = names.get(variant) if isinstance(names, Mapping) else None
        return found if isinstance(found, str) and found else None
    return None


@cache
def canonical_zone_label(zone: str, code: str) -> str:
    locale = locale_for(code)
    if zone == UTC_ZONE:
        name = zone_data(locale, "Etc/UTC", "long", "standard")
        return f"UTC ({name})" if name and len(name) <= LABEL_MAX_LENGTH - 6 else "UTC"
    tables = zone_tables()
    city = _city(locale, zone)
    descriptions = [
        zone_data(locale, zone, "long", "generic") or _metazone_name(locale, zone, "generic")
    ]
    if zone in tables.fixed_offset:
        descriptions.append(
            zone_data(locale, zone, "long", "standard") or _metazone_name(locale, zone, "standard")
        )
    country = tables.country_of.get(zone)
    descriptions.append(locale.territories.get(country) if country else None)
    for description in descriptions:
        if description and description != city:
            label = f"{city} ({description})"
            if len(label) <= LABEL_MAX_LENGTH:
                return label
    return city
