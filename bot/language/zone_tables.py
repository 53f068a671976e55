"""The tables behind every zone look-up: canonical zones, their aliases, countries and clocks.

A zone is *canonical* here when it is one of the zones countries list (pytz.country_timezones,
i.e. the tz database's zone.tab), or "UTC". Old and alias names (US/Eastern, Asia/Calcutta,
Europe/Kiev) resolve to such a zone. Where a country has several zones that keep the same
clock now and in the coming year (the ten zones of the US East), it is offered as one choice:
the best known of them (New York); for booking, the others are the same zone.

`zone_tables()` builds the tables on first use and keeps them for the life of the process.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import pytz
from babel.core import get_global

__all__ = ["UTC_ZONE", "ZoneTables", "clock_fingerprint", "zone_key", "zone_tables"]

UTC_ZONE: Final = "UTC"
_UTC_TARGETS: Final = frozenset({"Etc/UTC", "Etc/GMT"})

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


def zone_key(name: str) -> str:
    """What a name is looked up by: case does not matter, and spaces stand for underscores."""
    return "_".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class ZoneTables:
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
def zone_tables() -> ZoneTables:
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

    by_key: dict[str, str] = {zone_key(zone): zone for zone in canonical}
    by_key[zone_key(UTC_ZONE)] = UTC_ZONE
    aliases: dict[str, list[str]] = defaultdict(list)
    for name in [*cldr_aliases, *tz_links, *available]:
        if zone_key(name) in by_key:
            continue
        target = resolve(name)
        if target is not None:
            by_key[zone_key(name)] = target
            aliases[target].append(name)

    fingerprints = {zone: clock_fingerprint(zone) for zone in canonical}
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
    return ZoneTables(
        by_key=by_key,
        aliases={zone: tuple(names) for zone, names in aliases.items()},
        country_of=country_of,
        fixed_offset=fixed,
        choices_by_country=choices,
    )


def clock_fingerprint(zone: str) -> tuple[timedelta | None, ...]:
    """The zone's UTC offsets every four days for the coming 400 days: its clock for booking."""
    info = zoneinfo.ZoneInfo(zone)
    start = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return tuple(
        (start + timedelta(days=day)).astimezone(info).utcoffset() for day in range(0, 400, 4)
    )
