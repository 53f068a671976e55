"""Time zones a customer can choose: canonical names, suggestions, look-ups by place or position.

Everything here works offline from the CLDR data that babel ships (exemplar cities, country and
zone names in meetergo's eleven languages, which languages are spoken where), pytz's country
tables (which zones each country has) and tzfpy's zone boundaries. Zones are handled as IANA
names and computed with the standard library's zoneinfo.

A zone is *canonical* here when it is one of the zones countries list (pytz.country_timezones,
i.e. the tz database's zone.tab), or "UTC". Old and alias names (US/Eastern, Asia/Calcutta,
Europe/Kiev) resolve to such a zone. Where a country has several zones that keep the same
clock now and in the coming year (the ten zones of the US East), it is offered as one choice:
the best known of them (New York); for booking, the others are the same zone.

The lookup tables are built on first use and kept for the life of the process.
"""

from __future__ import annotations

import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import pytz
import tzfpy
from babel import Locale
from babel.core import get_global

from bot.language.i18n import locale_for, negotiate_language
from bot.language.languages import LANGUAGES

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

LABEL_MAX_LENGTH: Final = 40  # what fits on a Telegram button in a two-column keyboard

UTC_ZONE: Final = "UTC"
_UTC_TARGETS: Final = frozenset({"Etc/UTC", "Etc/GMT"})
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
# meetergo's code -> the CLDR language whose territory data to use.

# CLDR territories that pytz's country table does not have.
_EXTRA_TERRITORY_ZONES: Final[Mapping[str, tuple[str, ...]]] = {
    "IC": ("Atlantic/Canary",),  # Canary Islands
    "EA": ("Africa/Ceuta",),  # Ceuta & Melilla
    "DG": ("Indian/Chagos",),  # Diego Garcia
    "AC": ("Atlantic/St_Helena",),  # Ascension
    "TA": ("Atlantic/St_Helena",),  # Tristan da Cunha
    "CQ": ("Europe/Guernsey",),  # Sark
    "XK": ("Europe/Belgrade",),  # Kosovo
}
# The zones people of a multi-zone country know best, best first. zone.tab lists a country's
# zones in an order that "makes some geographical sense" and only then puts the most populous
# first (Lord Howe before Sydney, St John's before Toronto); for the big countries below that is
# not good enough for suggestions, so their order is written down here. Other countries' zones
# keep zone.tab's order.
_WELL_KNOWN_ZONES: Final = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Halifax",
    "America/St_Johns",
    "America/Regina",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Hobart",
    "America/Mexico_City",
    "America/Tijuana",
    "America/Cancun",
    "America/Sao_Paulo",
    "America/Manaus",
    "Europe/Moscow",
    "Asia/Jakarta",
)

# Approximate populations in millions (2024, rounded), used only to rank countries for
# zones_for_language: CLDR gives the share of a country that speaks a language but babel does
# not ship the countries' populations. Territories not listed count as 0.05 million.
_POPULATION_MILLIONS: Final[Mapping[str, float]] = {
    # English
    "US": 335,
    "IN": 1430,
    "PK": 240,
    "NG": 225,
    "PH": 115,
    "GB": 68,
    "TZ": 67,
    "ZA": 62,
    "KE": 55,
    "SD": 48,
    "UG": 48,
    "CA": 40,
    "GH": 34,
    "MG": 30,
    "AU": 27,
    "MW": 21,
    "ZM": 20.5,
    "ZW": 16.5,
    "RW": 14,
    "SS": 11,
    "PG": 10,
    "SL": 8.6,
    "HK": 7.5,
    "SG": 5.9,
    "LR": 5.4,
    "IE": 5.3,
    "NZ": 5.2,
    "ER": 3.7,
    "PR": 3.2,
    "GM": 2.8,
    "JM": 2.8,
    "BW": 2.6,
    "NA": 2.6,
    "LS": 2.3,
    "TT": 1.5,
    "MU": 1.3,
    "SZ": 1.2,
    "FJ": 0.93,
    "GY": 0.81,
    "SB": 0.74,
    "MT": 0.54,
    "BS": 0.41,
    "BZ": 0.41,
    "VU": 0.33,
    "BB": 0.28,
    "WS": 0.22,
    "GU": 0.17,
    "LC": 0.18,
    "GD": 0.13,
    "KI": 0.13,
    "FM": 0.11,
    "VC": 0.1,
    "TO": 0.1,
    "VI": 0.1,
    # French
    "FR": 68,
    "CD": 105,
    "DZ": 46,
    "MA": 37,
    "CI": 29,
    "CM": 29,
    "NE": 27,
    "BF": 23,
    "ML": 23,
    "SN": 18,
    "TD": 18,
    "BJ": 14,
    "GN": 14,
    "BI": 13,
    "TN": 12.4,
    "BE": 11.8,
    "HT": 11.7,
    "TG": 9,
    "CH": 8.9,
    "CG": 6.1,
    "CF": 5.7,
    "GA": 2.5,
    "GQ": 1.8,
    "DJ": 1.1,
    "RE": 0.87,
    "KM": 0.85,
    "LU": 0.67,
    "GP": 0.38,
    "MQ": 0.35,
    "YT": 0.32,
    "GF": 0.3,
    "PF": 0.28,
    "NC": 0.27,
    # Spanish
    "MX": 129,
    "CO": 52,
    "ES": 48,
    "AR": 46,
    "PE": 34,
    "VE": 28,
    "CL": 19.6,
    "EC": 18,
    "GT": 18,
    "BO": 12,
    "CU": 11,
    "DO": 11.3,
    "HN": 10.6,
    "NI": 7,
    "PY": 6.9,
    "SV": 6.3,
    "CR": 5.2,
    "PA": 4.5,
    "UY": 3.4,
    "IC": 2.2,
    "EA": 0.17,
    # the other languages
    "DE": 84,
    "TR": 85,
    "IT": 59,
    "PL": 37.5,
    "NL": 18,
    "SE": 10.5,
    "AT": 9.1,
    "DK": 5.9,
    "FI": 5.6,
    "NO": 5.5,
    "HR": 3.9,
    "CY": 1.3,
    "SR": 0.62,
    "CW": 0.19,
    "AW": 0.11,
}
_DEFAULT_POPULATION: Final = 0.05
# official_status values in CLDR's territory data, and how much each counts.
_STATUS_WEIGHT: Final[Mapping[str, float]] = {
    "official": 1.0,
    "de_facto_official": 1.0,
    "official_regional": 0.1,
}


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """A zone to offer the customer, with its label in the customer's language."""

    zone: str  # canonical IANA name, e.g. "America/New_York"
    label: str  # e.g. "New York (Eastern Time)"


# --- public API -----------------------------------------------------------------------------


def canonical_zone(name: str) -> str | None:
    """The current canonical IANA name for a zone name or alias; None if it names no zone.

    Case does not matter and spaces may stand for underscores: "america/new york",
    "US/Eastern" -> "America/New_York", "Asia/Calcutta" -> "Asia/Kolkata", "Etc/UTC" -> "UTC".
    Zones nobody lives in (Etc/GMT+5, Factory) give None.
    """
    return _zone_tables().by_key.get(_zone_key(name))


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
    return _label(canonical, negotiate_language(language, "en"))


def zones_for_language(language: str, *, limit: int = 12) -> list[ZoneChoice]:
    """Zones to suggest to a customer who speaks a meetergo language, most relevant first.

    The zones are those of the countries where CLDR lists the language as official: the
    language's home country first (US for en, DE for de, NO for no), then the others by
    population x (share of speakers)^4, so that countries where most people speak the language
    come before larger ones where a minority does, and countries where it is only official in
    a region (German in Denmark) last. The places are shared out among the countries like seats
    (D'Hondt with squared divisors), none taking more than a third of them; a country's zones
    are one per distinct clock, best known first. Unknown languages get the English list.
    """
    if limit <= 0:
        return []
    code = negotiate_language(language, "en")
    ranked = _ranked_territories(code)
    tables = _zone_tables()
    quotients: list[tuple[float, int, int, str]] = []
    per_country = max(1, math.ceil(limit / 3))
    for order, (territory, weight) in enumerate(ranked):
        zones = tables.choices_by_country.get(territory, ())
        for index in range(min(per_country, len(zones))):
            quotient = math.inf if order == 0 and index == 0 else weight / (index + 1) ** 2
            quotients.append((-quotient, order, index, territory))
    quotients.sort()
    granted: dict[str, int] = defaultdict(int)
    for _, _, _, territory in quotients[:limit]:
        granted[territory] += 1
    seen: set[str] = set()
    result: list[ZoneChoice] = []
    for territory, _ in ranked:
        for zone in tables.choices_by_country.get(territory, ())[: granted[territory]]:
            if zone not in seen:
                seen.add(zone)
                result.append(ZoneChoice(zone, _label(zone, code)))
    return result[:limit]


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
    return _zone_tables().choices_by_country.get(country.upper(), ())


def zoned_countries() -> tuple[str, ...]:
    """The ISO codes of every country (and CLDR territory) that has a zone."""
    return tuple(code for code, zones in _zone_tables().choices_by_country.items() if zones)


def country_of_zone(zone: str) -> str:
    """The ISO code of the country a canonical zone belongs to; "" for UTC."""
    return _zone_tables().country_of.get(zone, "")


def zone_aliases() -> Mapping[str, tuple[str, ...]]:
    """Every canonical zone (UTC aside) with its old and alias names, CLDR's first."""
    tables = _zone_tables()
    return {zone: tables.aliases.get(zone, ()) for zone in tables.country_of}


def cldr_cities(zone: str) -> set[str]:
    """The city names a zone goes by: CLDR's exemplar city in meetergo's languages, the zone's
    own last part, and those of its old names (Calcutta, Kiev, Saigon)."""
    names = {zone.rsplit("/", 1)[-1].replace("_", " ")}
    for alias in _zone_tables().aliases.get(zone, ()):
        area, _, place = alias.rpartition("/")
        if area.split("/", 1)[0] in _CONTINENTS:
            names.add(place.replace("_", " "))
    for locale in _locales():
        city = _zone_data(locale, zone, "city")
        if city:
            names.add(city)
    return names


def same_clock(zones: Iterable[str]) -> bool:
    """Whether the zones keep the same clock now and for the coming year."""
    return len({_clock_fingerprint(zone) for zone in zones}) <= 1


# --- languages ------------------------------------------------------------------------------


@cache
def _locales() -> tuple[Locale, ...]:
    return tuple(locale_for(code) for code in LANGUAGES)


# --- names ----------------------------------------------------------------------------------


def _zone_key(name: str) -> str:
    return "_".join(name.split()).casefold()


# --- zone tables ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ZoneTables:
    by_key: dict[str, str]  # casefolded name or alias -> canonical zone
    aliases: dict[str, tuple[str, ...]]  # canonical zone -> its other names, CLDR's first
    country_of: dict[str, str]  # canonical zone -> ISO country code
    fixed_offset: frozenset[str]  # zones without daylight saving
    choices_by_country: dict[str, tuple[str, ...]]  # one zone per distinct clock, best first


def _tzdata_links() -> dict[str, str]:
    """Link name -> target, from the tzdata package's tzdata.zi, else the system's."""
    sources: list[Path] = [Path(path) / "tzdata.zi" for path in zoneinfo.TZPATH]
    text: str | None = None
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for source in sources:
            if source.is_file():
                text = source.read_text("utf-8")
                break
    links: dict[str, str] = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return links


@cache
def _zone_tables() -> _ZoneTables:
    available = zoneinfo.available_timezones()
    country_of: dict[str, str] = {}
    tab_zones: dict[str, list[str]] = {}
    for country, zones in pytz.country_timezones.items():
        present = [zone for zone in zones if zone in available]
        tab_zones[country.upper()] = present
        for zone in present:
            country_of.setdefault(zone, country.upper())
    for territory, extra in _EXTRA_TERRITORY_ZONES.items():
        tab_zones[territory] = [zone for zone in extra if zone in country_of]
    canonical = set(country_of)

    # CLDR's aliases first: they keep a country's own zone (Iceland -> Atlantic/Reykjavik)
    # where the tz database has merged it into another country's (Africa/Abidjan).
    cldr_aliases: dict[str, str] = dict(get_global("zone_aliases"))
    tz_links = _tzdata_links()

    def resolve(name: str) -> str | None:
        for _ in range(8):
            if name in canonical:
                return name
            if name in _UTC_TARGETS:
                return UTC_ZONE
            target = cldr_aliases.get(name) or tz_links.get(name)
            if target is None:
                return None
            name = target
        return None

    by_key: dict[str, str] = {_zone_key(zone): zone for zone in canonical}
    by_key[_zone_key(UTC_ZONE)] = UTC_ZONE
    aliases: dict[str, list[str]] = defaultdict(list)
    for name in [*cldr_aliases, *tz_links, *available]:
        if _zone_key(name) in by_key:
            continue
        target = resolve(name)
        if target is not None:
            by_key[_zone_key(name)] = target
            aliases[target].append(name)

    fingerprints = {zone: _clock_fingerprint(zone) for zone in canonical}
    fixed = frozenset(zone for zone, offsets in fingerprints.items() if len(set(offsets)) == 1)
    well_known = {zone: index for index, zone in enumerate(_WELL_KNOWN_ZONES)}

    choices: dict[str, tuple[str, ...]] = {}
    for country, zones in tab_zones.items():
        position = {zone: index for index, zone in enumerate(zones)}
        ranked = sorted(
            zones, key=lambda zone: (well_known.get(zone, len(well_known)), position[zone])
        )
        kept: dict[tuple[timedelta | None, ...], str] = {}
        for zone in ranked:
            kept.setdefault(fingerprints[zone], zone)
        choices[country] = tuple(kept.values())
    return _ZoneTables(
        by_key=by_key,
        aliases={zone: tuple(names) for zone, names in aliases.items()},
        country_of=country_of,
        fixed_offset=fixed,
        choices_by_country=choices,
    )


def _clock_fingerprint(zone: str) -> tuple[timedelta | None, ...]:
    """The zone's UTC offsets every four days for the coming 400 days: its clock for booking."""
    info = zoneinfo.ZoneInfo(zone)
    start = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return tuple(
        (start + timedelta(days=day)).astimezone(info).utcoffset() for day in range(0, 400, 4)
    )


def _cldr_names(zone: str) -> Iterator[str]:
    """The names CLDR may file a zone under: its own and its aliases (Asia/Calcutta)."""
    yield zone
    yield from _zone_tables().aliases.get(zone, ())


# --- labels ---------------------------------------------------------------------------------


def _zone_data(locale: Locale, zone: str, *path: str) -> str | None:
    """A string from the locale's time_zones entry for the zone, under any of its names."""
    for name in _cldr_names(zone):
        entry: object = locale.time_zones.get(name)
        for step in path:
            entry = entry.get(step) if isinstance(entry, Mapping) else None
        if isinstance(entry, str) and entry:
            return entry
    return None


def _city(locale: Locale, zone: str) -> str:
    city = _zone_data(locale, zone, "city")
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
def _label(zone: str, code: str) -> str:
    locale = locale_for(code)
    if zone == UTC_ZONE:
        name = _zone_data(locale, "Etc/UTC", "long", "standard")
        return f"UTC ({name})" if name and len(name) <= LABEL_MAX_LENGTH - 6 else "UTC"
    tables = _zone_tables()
    city = _city(locale, zone)
    descriptions = [
        _zone_data(locale, zone, "long", "generic") or _metazone_name(locale, zone, "generic")
    ]
    if zone in tables.fixed_offset:
        descriptions.append(
            _zone_data(locale, zone, "long", "standard") or _metazone_name(locale, zone, "standard")
        )
    country = tables.country_of.get(zone)
    descriptions.append(locale.territories.get(country) if country else None)
    for description in descriptions:
        if description and description != city:
            label = f"{city} ({description})"
            if len(label) <= LABEL_MAX_LENGTH:
                return label
    return city


# --- suggestions by language ----------------------------------------------------------------


@cache
def _ranked_territories(code: str) -> tuple[tuple[str, float], ...]:
    """(territory, weight) where the language is official: home first, regional ones last."""
    cldr_language = locale_for(code).language
    weights: dict[str, float] = {}
    regional: dict[str, bool] = {}
    territory_languages: Mapping[str, Mapping[str, Mapping[str, object]]] = get_global(
        "territory_languages"
    )
    for territory, languages in territory_languages.items():
        info = languages.get(cldr_language)
        if info is None:
            continue
        status = info.get("official_status")
        share = info.get("population_percent")
        if not isinstance(status, str) or status not in _STATUS_WEIGHT:
            continue
        if not isinstance(share, int | float):
            continue
        population = _POPULATION_MILLIONS.get(territory, _DEFAULT_POPULATION)
        weights[territory] = population * (share / 100) ** 4 * _STATUS_WEIGHT[status]
        regional[territory] = status == "official_regional"
    likely: Mapping[str, str] = get_global("likely_subtags")
    home = likely.get(cldr_language, "").rsplit("_", 1)[-1]
    return tuple(
        sorted(
            weights.items(),
            key=lambda item: (item[0] != home, regional[item[0]], -item[1], item[0]),
        )
    )


def _tz_at(longitude: float, latitude: float) -> str:
    """tzfpy's answer; note its argument order, longitude first."""
    return tzfpy.get_tz(longitude, latitude)
